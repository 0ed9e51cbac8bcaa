package writers

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// arrowType is the Arrow type of a column kind.
func arrowType(k Kind) arrow.DataType {
	switch k {
	case Int:
		return arrow.PrimitiveTypes.Int64
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case Double:
		return arrow.PrimitiveTypes.Float64
	default:
		return arrow.BinaryTypes.String
	}
}

func arrowSchema[T any](fields []field[T]) *arrow.Schema {
	afs := make([]arrow.Field, len(fields))
	for i, f := range fields {
		afs[i] = arrow.Field{Name: f.Name, Type: arrowType(f.Kind), Nullable: f.Nullable}
	}
	return arrow.NewSchema(afs, nil)
}

// writerProperties: zstd, no dictionary except for low-cardinality string columns, row groups
// of rowGroupRows. created_by stays arrow's default ("parquet-go version <arrow version>"),
// which is fixed for a build, so the same rows give the same bytes.
// dictionaryPageLimit is the dictionary page size limit: see writerProperties.
const dictionaryPageLimit = 256 << 20

func writerProperties[T any](fields []field[T], mem memory.Allocator) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithAllocator(mem),
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(int64(rowGroupRows)),
		// A dictionary-encoded column chunk whose dictionary outgrows the page size limit
		// falls back to plain pages, and arrow-go then writes the chunk's page encoding stats
		// from a Go map, in random order: the same rows would give different bytes from run to
		// run. With a limit far above what rowGroupRows rows of these columns can reach (the
		// reason columns carry application and submission IDs), no chunk falls back.
		parquet.WithDictionaryPageSizeLimit(dictionaryPageLimit),
	}
	for _, f := range fields {
		if f.dict {
			opts = append(opts, parquet.WithDictionaryFor(f.Name, true))
		}
	}
	return parquet.NewWriterProperties(opts...)
}

// writeParquet writes the rows as one Parquet file to w, building and writing one record
// batch of batchRows rows at a time.
func (r rowsOf[T]) writeParquet(ctx context.Context, w io.Writer, mem memory.Allocator, meta map[string]string) (err error) {
	schema := arrowSchema(r.fields)
	fw, err := pqarrow.NewFileWriter(schema, noCloser{w}, writerProperties(r.fields, mem),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(mem)))
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			fw.Close() // releases buffers; the file is discarded and err is already set
		}
	}()

	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	inGroup := 0
	for start := 0; start < len(r.rows); start += batchRows {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch := r.rows[start:min(start+batchRows, len(r.rows))]
		rb.Reserve(len(batch))
		for i, f := range r.fields {
			appendColumn(rb.Field(i), f, batch)
		}
		rec := rb.NewRecordBatch()
		if inGroup > 0 && inGroup+len(batch) > rowGroupRows {
			if err := fw.NewBufferedRowGroupChecked(); err != nil {
				rec.Release()
				return err
			}
			inGroup = 0
		}
		err := fw.WriteBuffered(rec)
		rec.Release()
		if err != nil {
			return err
		}
		inGroup += len(batch)
	}
	for _, k := range sortedKeys(meta) {
		if err := fw.AppendKeyValueMetadata(k, meta[k]); err != nil {
			return err
		}
	}
	closed = true
	return fw.Close() // the file is valid only if Close succeeds
}

func appendColumn[T any](b array.Builder, f field[T], rows []T) {
	switch f.Kind {
	case String:
		sb := b.(*array.StringBuilder)
		for i := range rows {
			if v, ok := f.str(&rows[i]); ok {
				sb.Append(v)
			} else {
				sb.AppendNull()
			}
		}
	case Int:
		ib := b.(*array.Int64Builder)
		for i := range rows {
			if v, ok := f.i64(&rows[i]); ok {
				ib.Append(v)
			} else {
				ib.AppendNull()
			}
		}
	case Bool:
		bb := b.(*array.BooleanBuilder)
		for i := range rows {
			if v, ok := f.b(&rows[i]); ok {
				bb.Append(v)
			} else {
				bb.AppendNull()
			}
		}
	case Double:
		fb := b.(*array.Float64Builder)
		for i := range rows {
			if v, ok := f.f64(&rows[i]); ok {
				fb.Append(v)
			} else {
				fb.AppendNull()
			}
		}
	default:
		panic(fmt.Sprintf("writers: column %s has unknown kind %v", f.Name, f.Kind))
	}
}

// noCloser hides the Close method of the file from the Parquet writer, which would otherwise
// close it before it is flushed and synced.
type noCloser struct{ io.Writer }
