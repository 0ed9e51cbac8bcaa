package readers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"reweigh/ordered"
)

// parquetBatchRows is the number of rows per record batch read from a Parquet file. Each row
// group gets its own pqarrow record reader (row groups are decoded in parallel), and arrow-go
// gives each string column of each reader a Go slice of batch-size entries of 24 bytes that the
// collector, not our pool, takes back. At 64k rows that was 0.37 GB of a national read's
// garbage; at 16k it is 0.1 GB, for no measurable change in time (national peak RSS 3.14 ->
// 2.95 GB).
const parquetBatchRows = 16 * 1024

// isString reports whether dt holds text: string, large_string, string_view, binary, or a
// dictionary of those.
func isString(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.BINARY, arrow.LARGE_BINARY:
		return true
	case arrow.DICTIONARY:
		return isString(dt.(*arrow.DictionaryType).ValueType)
	}
	return false
}

func isInteger(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

// typeAllowed reports whether a Parquet column of type dt can feed a column of kind k. Text is
// always allowed; an all-null column too.
func typeAllowed(k kind, dt arrow.DataType) bool {
	if isString(dt) || dt.ID() == arrow.NULL {
		return true
	}
	switch k {
	case kindInt:
		return isInteger(dt)
	case kindBool:
		return dt.ID() == arrow.BOOL
	case kindDate:
		return dt.ID() == arrow.DATE32
	case kindNumber:
		return dt.ID() == arrow.FLOAT32 || dt.ID() == arrow.FLOAT64 || isInteger(dt)
	}
	return false
}

func typeWanted(k kind) string {
	switch k {
	case kindID:
		return "a string (IDs must never be numbers: leading zeros)"
	case kindInt:
		return "a string or an integer"
	case kindBool:
		return "a string or a boolean"
	case kindDate:
		return "a string or date32"
	case kindNumber:
		return "a string or a number"
	}
	return "a string"
}

// textView reads the cells of a text column of one batch. A column of strings, or a dictionary
// of strings with int32 indices (what pqarrow makes), is read from its offsets and bytes
// directly; any other column through cellString. At ten million rows a type switch and the
// Arrow accessors' checks for every cell were half a second.
type textView struct {
	arr   arrow.Array
	kind  int     // textGeneric, textPlain or textDict
	valid []byte  // validity bitmap, nil when the column has no null
	at    int     // the column's offset in valid
	idx   []int32 // textDict: each row's dictionary index
	offs  []int32 // the strings' offsets into data (textDict: the dictionary's)
	data  []byte
}

const (
	textGeneric = iota
	textPlain
	textDict
)

func newTextView(arr arrow.Array) textView {
	v := textView{arr: arr}
	var values *array.String
	switch a := arr.(type) {
	case *array.String:
		values, v.kind = a, textPlain
	case *array.Dictionary:
		d, okD := a.Dictionary().(*array.String)
		ix, okI := a.Indices().(*array.Int32)
		if !okD || !okI || d.NullN() > 0 {
			return v
		}
		values, v.kind, v.idx = d, textDict, ix.Int32Values()
	default:
		return v
	}
	v.offs = values.ValueOffsets()
	if b := values.Data().Buffers()[2]; b != nil {
		v.data = b.Bytes()
	}
	if arr.NullN() > 0 {
		v.valid, v.at = arr.NullBitmapBytes(), arr.Data().Offset()
	}
	return v
}

// cell returns row k's cell as text, "" when null; the string aliases the batch's buffers.
func (v *textView) cell(k int, buf *[]byte) string {
	if v.kind == textGeneric {
		return cellString(v.arr, k, buf)
	}
	if v.valid != nil && bitutil.BitIsNotSet(v.valid, v.at+k) {
		return ""
	}
	j := k
	if v.kind == textDict {
		j = int(v.idx[k]) // within the dictionary: checkDictionaries
	}
	lo, hi := v.offs[j], v.offs[j+1]
	if lo == hi {
		return ""
	}
	return unsafe.String(&v.data[lo], int(hi-lo))
}

// asciiColumn reports whether every value of a string or binary column, or of a dictionary of
// strings, is ASCII.
func asciiColumn(arr arrow.Array) bool {
	if d, ok := arr.(*array.Dictionary); ok {
		arr = d.Dictionary() // every value is one of the dictionary's
	}
	if a, ok := arr.(interface{ ValueBytes() []byte }); ok {
		return allASCII(a.ValueBytes())
	}
	return false
}

// cellString returns the cell view of arr[i]: the value as text, "" for null. Nothing is
// copied: strings alias the batch's buffers, and numbers and dates are formatted into *buf
// (one per column, reused row after row), because the decoders copy what they keep. At ten
// million rows, formatting into a fresh string per number cell was a third of the read.
func cellString(arr arrow.Array, i int, buf *[]byte) string {
	if arr.IsNull(i) {
		return ""
	}
	num := func(b []byte) string {
		*buf = b
		return unsafe.String(unsafe.SliceData(b), len(b))
	}
	switch a := arr.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.StringView:
		return a.Value(i)
	case *array.Binary:
		return a.ValueString(i)
	case *array.LargeBinary:
		return a.ValueString(i)
	case *array.Dictionary:
		return cellString(a.Dictionary(), a.GetValueIndex(i), buf)
	case *array.Int8:
		return num(strconv.AppendInt((*buf)[:0], int64(a.Value(i)), 10))
	case *array.Int16:
		return num(strconv.AppendInt((*buf)[:0], int64(a.Value(i)), 10))
	case *array.Int32:
		return num(strconv.AppendInt((*buf)[:0], int64(a.Value(i)), 10))
	case *array.Int64:
		return num(strconv.AppendInt((*buf)[:0], a.Value(i), 10))
	case *array.Uint8:
		return num(strconv.AppendUint((*buf)[:0], uint64(a.Value(i)), 10))
	case *array.Uint16:
		return num(strconv.AppendUint((*buf)[:0], uint64(a.Value(i)), 10))
	case *array.Uint32:
		return num(strconv.AppendUint((*buf)[:0], uint64(a.Value(i)), 10))
	case *array.Uint64:
		return num(strconv.AppendUint((*buf)[:0], a.Value(i), 10))
	case *array.Float32:
		return num(strconv.AppendFloat((*buf)[:0], float64(a.Value(i)), 'g', -1, 32))
	case *array.Float64:
		return num(strconv.AppendFloat((*buf)[:0], a.Value(i), 'g', -1, 64))
	case *array.Boolean:
		if a.Value(i) {
			return "true"
		}
		return "false"
	case *array.Date32:
		y, m, d := civilFromDays(int(a.Value(i)))
		if y < 0 || y > 9999 {
			// not a YYYY-MM-DD date: rejected as date.invalid
			return num(strconv.AppendInt((*buf)[:0], int64(a.Value(i)), 10))
		}
		return num(appendDate((*buf)[:0], y, m, d))
	}
	panic(fmt.Sprintf("readers: no cell view for Parquet type %s", arr.DataType()))
}

// appendDate appends YYYY-MM-DD (0 <= y <= 9999).
func appendDate(b []byte, y, m, d int) []byte {
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// readParquet reads a Parquet file in record batches through pqarrow, turning each cell into
// the string view the CSV path uses.
func (t *tableRun) readParquet(ctx context.Context) error {
	f, err := os.Open(t.path)
	if err != nil {
		return &FileError{File: t.file, Code: CodeFileUnreadable, Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return &FileError{File: t.file, Code: CodeFileUnreadable, Err: err}
	}
	if fi.IsDir() {
		return fileErr(t.file, "", CodeFileUnreadable, "is a directory")
	}
	if fi.Size() == 0 {
		return fileErr(t.file, "", CodeFileEmpty, "empty file: not a Parquet file")
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fi.Size())); err != nil {
		return &FileError{File: t.file, Code: CodeFileUnreadable, Err: err}
	}
	t.stat.SHA256 = hex.EncodeToString(h.Sum(nil))

	mem := t.mem
	props := parquet.NewReaderProperties(mem)
	props.BufferedStreamEnabled = true
	corrupt := func(err error) error {
		return &FileError{File: t.file, Code: CodeFileCorrupt, Err: fmt.Errorf("not a valid Parquet file: %w", err)}
	}
	var (
		pf *file.Reader
		fr *pqarrow.FileReader
		sc *arrow.Schema
	)
	err = guard(func() (err error) {
		if pf, err = file.NewParquetReader(f, file.WithReadProps(props)); err != nil {
			return err
		}
		dropArrowSchema(pf)
		aprops := pqarrow.ArrowReadProperties{BatchSize: parquetBatchRows}
		for _, leaf := range dictionaryColumns(pf) {
			aprops.SetReadDict(leaf, true)
		}
		if fr, err = pqarrow.NewFileReader(pf, aprops, mem); err != nil {
			return err
		}
		sc, err = fr.Schema()
		return err
	})
	if err != nil {
		return corrupt(err)
	}

	names := make([]string, sc.NumFields())
	for j, fld := range sc.Fields() {
		names[j] = fld.Name
	}
	pos, err := t.bind(names)
	if err != nil {
		return err
	}
	// The columns to read, as leaf indices, and the table column each feeds.
	var leaves, feeds []int
	for i, j := range pos {
		if j < 0 {
			continue
		}
		col := t.c.cols[i]
		dt := sc.Field(j).Type
		sf := fr.Manifest.Fields[j]
		if !typeAllowed(col.kind, dt) || !sf.IsLeaf() {
			return fileErr(t.file, col.name, CodeFileColumnType, "Parquet type %s not allowed: want %s", dt, typeWanted(col.kind))
		}
		leaves = append(leaves, sf.ColIndex)
		feeds = append(feeds, i)
	}

	// The footer's row count is only a hint (a corrupt footer may claim any number): rows are
	// counted as they are decoded. The rows reserved up front are the footer's count, but at
	// most 8 per byte of file (far beyond any compression of these tables; past it the slice
	// grows as rows come) and at most maxReservedBytes of rows (table.grow): reserving the whole
	// table once saves copying a growing slice of ten million rows, and a lying footer cannot
	// make us reserve much.
	nrows := pf.NumRows()
	c := t.c
	row := 0
	if nrows <= 0 {
		return nil
	}
	t.h.grow(int(min(nrows, 8*fi.Size())))
	if len(leaves) == 0 {
		// None of the table's columns: every row is all nulls. Count the rows by decoding the
		// file's first column, so a corrupt row count is caught like any corrupt page.
		if pf.MetaData().Schema.NumColumns() == 0 {
			return fileErr(t.file, "", CodeFileCorrupt, "not a valid Parquet file: %d rows but no columns", nrows)
		}
		leaves = []int{0}
	}
	// A page that cannot be decoded: the error names the column when one can be singled out.
	corruptData := func(err error) error {
		fe := corrupt(err).(*FileError)
		if len(feeds) > 1 {
			if m := firstBadLeaf(ctx, fr, leaves); m >= 0 {
				fe.Column = t.c.cols[feeds[m]].name
			}
		} else if len(feeds) == 1 {
			fe.Column = t.c.cols[feeds[0]].name
		}
		return fe
	}
	// Text columns are viewed as text row by row; the others (integers, booleans, dates,
	// floats) are read by the typed helpers straight from the column (rowCtx.typed).
	var textFeeds, typedFeeds []int // indices into feeds
	for m, i := range feeds {
		if dt := sc.Field(pos[i]).Type; isString(dt) || dt.ID() == arrow.NULL {
			textFeeds = append(textFeeds, m)
		} else {
			typedFeeds = append(typedFeeds, m)
		}
	}
	views := make([]textView, len(textFeeds))
	defer clear(views)
	defer clear(c.typed) // the batches are released: no reference outlives the read
	defer clear(c.dict)
	// Row groups are decoded from Parquet into Arrow record batches by up to t.workers
	// goroutines, each a few batches ahead, and their rows turned into model rows here, in file
	// order, so rows, rejects and duplicate keys come out as from one sequential read. A row
	// group's batches reach the rows as they are decoded (ordered.Stream): holding whole row
	// groups (a quarter of a million rows each, three per table) was most of a national read's
	// transient memory.
	err = ordered.Stream(ctx, t.workers, pf.NumRowGroups(), rowGroupBatchesAhead, func(ctx context.Context, g int, send func(arrow.RecordBatch) error) error {
		return decodeRowGroup(ctx, fr, leaves, g, send)
	}, func(_ int, rec arrow.RecordBatch) error {
		defer rec.Release()
		if err := ctx.Err(); err != nil {
			return err
		}
		cols := rec.Columns()
		for _, m := range typedFeeds {
			c.typed[feeds[m]] = cols[m]
			c.ascii[feeds[m]] = true
		}
		for j, m := range textFeeds {
			c.ascii[feeds[m]] = asciiColumn(cols[m])
			c.dict[feeds[m]], _ = cols[m].(*array.Dictionary)
			views[j] = newTextView(cols[m])
		}
		if b, ok := t.h.(batchStarter); ok {
			b.startBatch(c, int(rec.NumRows()))
		}
		for k := range int(rec.NumRows()) {
			row++
			c.row, c.k = row, k
			for j, m := range textFeeds {
				i := feeds[m]
				c.cells[i] = views[j].cell(k, &c.bufs[i])
			}
			t.emit()
		}
		return nil
	}, arrow.RecordBatch.Release)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return corruptData(err)
	}
	return nil
}

// rowGroupBatchesAhead is how many record batches a row group's decoder may make before the
// rows take them.
const rowGroupBatchesAhead = 2

// decodeRowGroup reads the columns of one row group as record batches and sends each (retained;
// the receiver releases it) as it is decoded.
func decodeRowGroup(ctx context.Context, fr *pqarrow.FileReader, leaves []int, i int, send func(arrow.RecordBatch) error) error {
	var sendErr error // not a decoding error: the run is being stopped
	err := guard(func() error {
		rr, err := fr.GetRecordReader(ctx, leaves, []int{i})
		if err != nil {
			return err
		}
		defer rr.Release()
		for rr.Next() {
			rec := rr.RecordBatch()
			if err := checkDictionaries(rec); err != nil {
				return err
			}
			rec.Retain()
			if sendErr = send(rec); sendErr != nil {
				return nil
			}
		}
		return rr.Err()
	})
	if sendErr != nil {
		return sendErr
	}
	return err
}

// checkDictionaries returns an error when a dictionary column of rec has an index past the end
// of its dictionary: arrow-go hands a corrupt page's indices on unchecked (found by FuzzParquet:
// reading such a cell panicked).
func checkDictionaries(rec arrow.RecordBatch) error {
	for j, col := range rec.Columns() {
		d, ok := col.(*array.Dictionary)
		if !ok {
			continue
		}
		n := d.Dictionary().Len()
		if ix, ok := d.Indices().(*array.Int32); ok && d.NullN() == 0 { // what pqarrow makes
			for _, x := range ix.Int32Values() {
				if x < 0 || int(x) >= n {
					return fmt.Errorf("column %d: dictionary index %d of a dictionary of %d values", j, x, n)
				}
			}
			continue
		}
		for i := range d.Len() {
			if d.IsValid(i) {
				if x := d.GetValueIndex(i); x < 0 || x >= n {
					return fmt.Errorf("column %d: dictionary index %d of a dictionary of %d values", j, x, n)
				}
			}
		}
	}
	return nil
}

// firstBadLeaf reads the columns one at a time, after reading them together failed, and returns
// the index in leaves of the first that cannot be decoded on its own, or -1. Only runs on a
// file already known to be corrupt.
func firstBadLeaf(ctx context.Context, fr *pqarrow.FileReader, leaves []int) int {
	for m, leaf := range leaves {
		err := guard(func() error {
			rr, err := fr.GetRecordReader(ctx, []int{leaf}, nil)
			if err != nil {
				return err
			}
			defer rr.Release()
			for rr.Next() {
				if err := checkDictionaries(rr.RecordBatch()); err != nil {
					return err
				}
			}
			return rr.Err()
		})
		if err != nil && ctx.Err() == nil {
			return m
		}
	}
	return -1
}

// guard runs fn, the arrow-go calls that decode the Parquet file, and returns a panic in them
// as an error: a corrupt file must be a FileError naming it, not a crash. Only the library
// calls are guarded, never our own row decoding.
func guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoding failed: %v", r)
		}
	}()
	return fn()
}

// dictionaryColumns returns the leaf columns of strings that are dictionary-encoded in every
// row group: they are read as Arrow dictionary arrays, their values (a measure ID, a state, a
// pathway) decoded once a row group instead of copied out for every row.
func dictionaryColumns(pf *file.Reader) []int {
	md := pf.MetaData()
	var leaves []int
	for c := range md.Schema.NumColumns() {
		if md.Schema.Column(c).PhysicalType() != parquet.Types.ByteArray || md.NumRowGroups() == 0 {
			continue
		}
		dict := true
		for g := 0; g < md.NumRowGroups() && dict; g++ {
			cc, err := md.RowGroup(g).ColumnChunk(c)
			dict = err == nil && cc.HasDictionaryPage()
		}
		if dict {
			leaves = append(leaves, c)
		}
	}
	return leaves
}

// dropArrowSchema makes pqarrow ignore the Arrow schema a writer may store in the file's
// key-value metadata (ARROW:schema). It is a flatbuffer whose vector lengths arrow's IPC reader
// trusts: a corrupt one asks for hundreds of gigabytes and kills the process with a fatal
// out-of-memory error, which no recover can catch (found by FuzzParquet). The column types then
// come from the Parquet schema's logical types, which give every type the reader accepts
// (dictionary, large and view strings are read as plain strings, with the same values).
func dropArrowSchema(pf *file.Reader) {
	for _, kv := range pf.MetaData().KeyValueMetadata() {
		if kv != nil && kv.Key == "ARROW:schema" {
			kv.Value = nil
		}
	}
}
