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

// parquetTable writes one Parquet file from rows given in pieces of any size: the rows are
// appended to Arrow builders and written as one record batch per batchRows rows, row groups of
// rowGroupRows, so the bytes do not depend on how the rows were cut.
type parquetTable[T any] struct {
	ctx     context.Context
	fields  []field[T]
	fw      *pqarrow.FileWriter
	rb      *array.RecordBuilder
	meta    map[string]string
	inBatch int // rows in rb
	inGroup int // rows in the current row group
}

func newParquetTable[T any](ctx context.Context, w io.Writer, fields []field[T], mem memory.Allocator, meta map[string]string) (*parquetTable[T], error) {
	schema := arrowSchema(fields)
	fw, err := pqarrow.NewFileWriter(schema, noCloser{w}, writerProperties(fields, mem),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(mem)))
	if err != nil {
		return nil, err
	}
	return &parquetTable[T]{ctx: ctx, fields: fields, fw: fw, rb: array.NewRecordBuilder(mem, schema), meta: meta}, nil
}

func (t *parquetTable[T]) add(rows []T) error {
	for len(rows) > 0 {
		if err := t.ctx.Err(); err != nil {
			return err
		}
		take := rows[:min(batchRows-t.inBatch, len(rows))]
		t.rb.Reserve(len(take))
		for i, f := range t.fields {
			appendColumn(t.rb.Field(i), f, take)
		}
		t.inBatch += len(take)
		rows = rows[len(take):]
		if t.inBatch == batchRows {
			if err := t.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush writes the rows in the builders as one record batch.
func (t *parquetTable[T]) flush() error {
	rec := t.rb.NewRecordBatch()
	defer rec.Release()
	if t.inGroup > 0 && t.inGroup+t.inBatch > rowGroupRows {
		if err := t.fw.NewBufferedRowGroupChecked(); err != nil {
			return err
		}
		t.inGroup = 0
	}
	if err := t.fw.WriteBuffered(rec); err != nil {
		return err
	}
	t.inGroup += t.inBatch
	t.inBatch = 0
	return nil
}

// close writes the last batch and the footer: the file is valid only if close succeeds.
func (t *parquetTable[T]) close() error {
	defer t.rb.Release()
	if t.inBatch > 0 {
		if err := t.flush(); err != nil {
			t.fw.Close()
			return err
		}
	}
	for _, k := range sortedKeys(t.meta) {
		if err := t.fw.AppendKeyValueMetadata(k, t.meta[k]); err != nil {
			t.fw.Close()
			return err
		}
	}
	return t.fw.Close()
}

// abort releases the buffers of a file that will not be completed.
func (t *parquetTable[T]) abort() {
	t.rb.Release()
	t.fw.Close()
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
