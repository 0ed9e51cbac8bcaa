package writers

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
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

// writerProperties: zstd, no dictionary except for low-cardinality string and int columns, row
// groups of rowGroupRows. created_by stays arrow's default ("parquet-go version <arrow
// version>"), which is fixed for a build, so the same rows give the same bytes.
// pageBytes is the size at which a column chunk's data page is closed: arrow-go's default is
// 1 MiB. Each column chunk's writer (a few hundred per national run: every column of every row
// group) grows its own page buffers to that size, uncompressed and compressed, and the
// encoder's doubling buffer with them: 0.9 GB of allocation and zeroing in a national run, most
// of the writers' garbage. With 128 KiB pages that fell by 0.7 GB and a run took about 1 s less
// (docs/performance.md); the files came out 0.5% smaller, and DuckDB reads them the same.
const pageBytes = 128 << 10

// dictionaryPageLimit is the dictionary page size limit: see writerProperties.
const dictionaryPageLimit = 256 << 20

func writerProperties[T any](fields []field[T], mem memory.Allocator) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithAllocator(mem),
		parquet.WithCompression(compress.Codecs.Zstd),
		// zstd's fastest level: in a national run it compresses in 1.4 s of CPU instead of
		// 2.0 s at the default level, and the files come out within 3% of the same size.
		parquet.WithCompressionLevel(1),
		parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(int64(rowGroupRows)),
		parquet.WithDataPageSize(pageBytes),
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

// parquetTable writes one Parquet file from rows given in pieces of any size: the rows' values
// are taken into each column's batch (column, dictColumn) and written batchRows rows at a time,
// row groups of rowGroupRows, so the bytes do not depend on how the rows were cut.
//
// The columns of a batch are encoded and compressed in parallel, up to workers at once: each
// column chunk of a buffered row group has its own writer and page buffer, and they are laid
// out in column order when the row group closes, so the bytes do not depend on workers either.
// pqarrow.FileWriter writes a batch's columns one after another (at national scale that was
// five seconds of one core for the determinations table, the longest serial step of a run), so
// the file is assembled here from arrow-go's lower-level pieces exactly as pqarrow.FileWriter
// assembles it: the same Parquet schema (pqarrow.ToParquet), the same stored Arrow schema, and
// for each column the column writer calls pqarrow.WriteArrowToColumn makes for an Arrow array of
// its values (column.write), without the array. The dictionary-encoded string columns
// (dictColumn) have their values numbered as they come, and each row group's chunk is written
// when it closes, with the calls pqarrow makes for an Arrow dictionary column. A test checks the
// bytes are those of pqarrow.FileWriter given one record per row group, those columns as
// dictionary arrays.
type parquetTable[T any] struct {
	ctx     context.Context
	fields  []field[T]
	fw      *file.Writer
	rgw     file.BufferedRowGroupWriter // the open row group, nil before the first batch
	cols    []column                    // field i's batch, when not a dictColumn
	dicts   []dictColumn                // field i's dictColumn (isDict)
	ints    []intDictColumn             // field i's intDictColumn (isIntDict)
	meta    map[string]string
	workers int
	mem     memory.Allocator
	inBatch int // rows in the batch
	inGroup int // rows in the current row group
}

// isDict reports whether a field is written as a dictColumn: the dictionary-encoded strings.
func isDict[T any](f field[T]) bool { return f.dict && f.Kind == String }

// isIntDict reports whether a field is written as an intDictColumn: the dictionary-encoded ints.
func isIntDict[T any](f field[T]) bool { return f.dict && f.Kind == Int }

func newParquetTable[T any](ctx context.Context, w io.Writer, fields []field[T], mem memory.Allocator, meta map[string]string, workers int) (*parquetTable[T], error) {
	for _, f := range fields {
		if f.dict && (f.Kind != String && f.Kind != Int || f.Kind == Int && f.Nullable) {
			return nil, fmt.Errorf("writers: column %s: only strings and non-null ints are dictionary encoded", f.Name)
		}
	}
	schema := arrowSchema(fields)
	props := writerProperties(fields, mem)
	aprops := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(mem))
	pqschema, err := pqarrow.ToParquet(schema, props, aprops)
	if err != nil {
		return nil, err
	}
	// As pqarrow.NewFileWriter with WithStoreSchema: the Arrow schema, serialized, under
	// ARROW:schema (our flat schemas need none of the list renaming it does first).
	kv := metadata.NewKeyValueMetadata()
	kv.Append("ARROW:schema", base64.StdEncoding.EncodeToString(flight.SerializeSchema(schema, mem)))
	fw, err := file.NewParquetWriterWithError(noCloser{w}, pqschema.Root(), file.WithWriterProps(props), file.WithWriteMetadata(kv))
	if err != nil {
		return nil, err
	}
	return &parquetTable[T]{ctx: ctx, fields: fields, fw: fw, cols: make([]column, len(fields)), dicts: make([]dictColumn, len(fields)),
		ints: make([]intDictColumn, len(fields)),
		meta: meta, mem: mem, workers: max(workers, 1)}, nil
}

func (t *parquetTable[T]) add(rows []T) error {
	for len(rows) > 0 {
		if err := t.ctx.Err(); err != nil {
			return err
		}
		take := rows[:min(batchRows-t.inBatch, len(rows))]
		for i, f := range t.fields {
			switch {
			case isDict(f):
				appendDict(&t.dicts[i], f, take)
			case isIntDict(f):
				appendIntDict(&t.ints[i], f, take)
			default:
				appendValues(&t.cols[i], f, take)
			}
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

// flush writes the batch, its columns in parallel.
func (t *parquetTable[T]) flush() error {
	if t.rgw == nil || t.inGroup+t.inBatch > rowGroupRows {
		if err := t.closeRowGroup(t.ctx); err != nil {
			return err
		}
		rgw, err := t.fw.AppendBufferedRowGroupChecked()
		if err != nil {
			return err
		}
		t.rgw, t.inGroup = rgw, 0
	}
	g, gctx := errgroup.WithContext(t.ctx)
	g.SetLimit(t.workers)
	for i := range t.fields {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			f := t.fields[i]
			switch {
			case isDict(f):
				t.dicts[i].fold(f.Nullable)
				return nil
			case isIntDict(f):
				t.ints[i].fold()
				return nil
			}
			cw, err := t.rgw.Column(i)
			if err != nil {
				return err
			}
			return t.cols[i].write(f.Name, cw, f.Nullable)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	t.inGroup += t.inBatch
	t.inBatch = 0
	return nil
}

// closeRowGroup writes the open row group's dictionary columns and encodes and compresses
// every column chunk's last page, all in parallel, and closes the row group.
//
// The row group's Close closes its column writers one after another, and a column writer's
// Close encodes and compresses the values it still holds as a last page before it copies its
// pages into the file. Left to Close, that was most of a row group's encoding, on one core
// while the determine stage's workers waited on the stream (0.3-0.7 s of a national run with
// one core idle), so each column's last page is made here first: Close then finds no values
// held and only copies the pages, in column order, so the bytes are the same.
func (t *parquetTable[T]) closeRowGroup(ctx context.Context) error {
	if t.rgw == nil {
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(t.workers)
	for i, f := range t.fields {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			cw, err := t.rgw.Column(i)
			if err != nil {
				return err
			}
			fl, ok := cw.(pageFlusher)
			if !ok {
				return fmt.Errorf("writers: column %s has an unexpected writer %T", f.Name, cw)
			}
			switch wr := cw.(type) {
			case *file.ByteArrayColumnChunkWriter:
				if isDict(f) {
					if err := t.dicts[i].write(f.Name, wr, t.mem, f.Nullable); err != nil {
						return err
					}
					return fl.FlushCurrentPage()
				}
			case *file.Int64ColumnChunkWriter:
				if isIntDict(f) {
					if err := t.ints[i].write(f.Name, wr, t.mem); err != nil {
						return err
					}
					return fl.FlushCurrentPage()
				}
			}
			if isDict(f) || isIntDict(f) {
				return fmt.Errorf("writers: column %s has an unexpected writer %T", f.Name, cw)
			}
			return fl.FlushBufferedDataPages()
		})
	}
	err := g.Wait()
	if cerr := t.rgw.Close(); err == nil {
		err = cerr
	}
	t.rgw = nil
	return err
}

// pageFlusher is what arrow-go's column chunk writers offer to make a page of the values they
// hold. FlushBufferedDataPages does nothing when they hold none and writes the page out;
// without a dictionary column writers write their pages as they make them, so it is what a
// plain column needs. A dictionary column writer holds its pages until Close has written its
// dictionary page before them, and its FlushBufferedDataPages would write them first: for it,
// FlushCurrentPage makes the page and holds it. It must not be called with no values held (it
// would make an empty page); a dictionary column's chunk always holds its row group's values,
// since arrow-go sizes a dictionary column's pages by the raw bytes of the values it was given,
// and indices given as such (WriteDictIndices, dictColumn.write) count none, so nothing else
// makes a page of them.
type pageFlusher interface {
	FlushBufferedDataPages() error
	FlushCurrentPage() error
}

// close writes the last batch and the footer: the file is valid only if close succeeds.
func (t *parquetTable[T]) close() error {
	err := error(nil)
	if t.inBatch > 0 {
		err = t.flush()
	}
	for _, k := range sortedKeys(t.meta) {
		if err == nil {
			err = t.fw.AppendKeyValueMetadata(k, t.meta[k])
		}
	}
	if cerr := t.closeRowGroup(t.ctx); err == nil {
		err = cerr
	}
	if cerr := t.fw.Close(); err == nil {
		err = cerr
	}
	return err
}

// abort releases the buffers of a file that will not be completed.
func (t *parquetTable[T]) abort() {
	// The row group is completed, whatever the context, so that every column closes and
	// releases its buffers; the file is discarded.
	t.closeRowGroup(context.Background())
	t.fw.Close()
}

// noCloser hides the Close method of the file from the Parquet writer, which would otherwise
// close it before it is flushed and synced.
type noCloser struct{ io.Writer }
