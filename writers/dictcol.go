package writers

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// dictColumn is a dictionary-encoded string column of a parquetTable. Its rows' values are
// numbered here, in a Go map, as they come, and each row group's column chunk is written when
// the row group closes: its dictionary (the values in order of first appearance) given to
// arrow-go's dictionary encoder whole, then the row group's indices. These are the writer calls
// pqarrow makes for an Arrow dictionary column that holds a whole row group.
//
// Written value by value instead, arrow-go's encoder hashes each value through an interface
// (one allocation a value): at national scale 2.6 s of CPU and half a gigabyte of garbage for
// the determinations' twelve such columns, against a fraction of that here.
type dictColumn struct {
	// The batch being filled: its values, and for a nullable column 1 where a value is present
	// and 0 where it is null.
	vals    []string
	present []bool

	// The open row group.
	ids   map[string]int32 // value -> its index in dict
	dict  []string
	idx   []int32 // every row's index, 0 where null
	def   []int16 // nullable only: definition levels
	valid []byte  // nullable only: validity bitmap
	nulls int
	last  string // the previous value and its index: runs of one value skip the map
	lastI int32
	// Values seen in the open row group by where their bytes are: most values are the rules'
	// constant strings, shared by every row that has them, and a hit skips hashing them.
	seen [seenSlots]seenValue
}

// seenSlots is the size of a dictColumn's cache of values by address (a power of two).
const seenSlots = 64

// seenValue is a value's bytes and length, and its index in the row group's dictionary; p nil
// for an empty slot.
type seenValue struct {
	p *byte
	n int
	i int32
}

// appendDict appends the values of dictionary column f for rows to the batch.
func appendDict[T any](c *dictColumn, f field[T], rows []T) {
	for j := range rows {
		v, ok := f.str(&rows[j])
		c.vals = append(c.vals, v)
		if f.Nullable {
			c.present = append(c.present, ok)
		}
	}
}

// index returns v's index in the open row group's dictionary, adding it when new. Strings are
// immutable, so two with the same bytes at the same address are equal.
func (c *dictColumn) index(v string) int32 {
	p := unsafe.StringData(v)
	s := &c.seen[(uintptr(unsafe.Pointer(p))>>3^uintptr(len(v)))&(seenSlots-1)]
	if s.p == p && s.n == len(v) && p != nil {
		return s.i
	}
	i := number(c.ids, &c.dict, v)
	*s = seenValue{p, len(v), i}
	return i
}

// number returns v's index in dict, appending it (and recording its index in ids) when new.
func number[V comparable](ids map[V]int32, dict *[]V, v V) int32 {
	i, ok := ids[v]
	if !ok {
		i = int32(len(*dict))
		ids[v] = i
		*dict = append(*dict, v)
	}
	return i
}

// fold numbers the batch's values into the open row group's dictionary and empties the batch.
func (c *dictColumn) fold(nullable bool) {
	if c.ids == nil {
		c.ids = map[string]int32{}
	}
	for j, v := range c.vals {
		k := len(c.idx)
		if nullable {
			if k%8 == 0 {
				c.valid = append(c.valid, 0)
			}
			if !c.present[j] {
				c.idx = append(c.idx, 0)
				c.def = append(c.def, 0)
				c.nulls++
				continue
			}
			c.def = append(c.def, 1)
			c.valid[k/8] |= 1 << (k % 8)
		}
		if len(c.dict) == 0 || v != c.last {
			c.last, c.lastI = v, c.index(v)
		}
		c.idx = append(c.idx, c.lastI)
	}
	clear(c.vals) // no reference to the rows' strings outlives the batch
	c.vals, c.present = c.vals[:0], c.present[:0]
}

// dictEncoder is the part of arrow-go's dictionary encoder (an internal type) used here.
type dictEncoder interface {
	Encoding() parquet.Encoding
	PutDictionary(values arrow.Array) error
	NumEntries() int
}

// write writes the open row group's chunk of the column to wr, and empties the row group.
func (c *dictColumn) write(name string, wr *file.ByteArrayColumnChunkWriter, mem memory.Allocator, nullable bool) error {
	defer c.reset()
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	sb.AppendValues(c.dict, nil)
	dict := sb.NewStringArray()
	defer dict.Release()
	var def []int16
	var valid []byte
	if nullable {
		def = c.def
		if c.nulls > 0 {
			valid = c.valid
		}
	}
	return writeDictChunk(name, wr.CurrentEncoder(), wr.PageStatistics(), dict, c.idx, def, valid, c.nulls, wr.WriteDictIndices)
}

// writeDictChunk writes a row group's chunk of a dictionary-encoded column with the calls
// pqarrow makes for an Arrow dictionary column that holds the whole row group: dict to the
// column's dictionary encoder (enc) whole, the page statistics from dict (every value in it is
// referenced), then every row's index in dict (idx, 0 where null), with the definition levels
// def and validity bitmap valid of a nullable column (valid nil when it has no null).
func writeDictChunk(name string, enc any, ps metadata.TypedStatistics, dict arrow.Array, idx []int32, def []int16, valid []byte, nulls int,
	writeIndices func(indices arrow.Array, def, rep []int16) error) error {
	de, ok := enc.(dictEncoder)
	if !ok || de.Encoding() != parquet.Encodings.PlainDict {
		return fmt.Errorf("writers: column %s is not dictionary encoded", name)
	}
	if err := de.PutDictionary(dict); err != nil {
		return fmt.Errorf("writers: column %s: %w", name, err)
	}
	if de.NumEntries() != dict.Len() {
		return fmt.Errorf("writers: column %s: the dictionary has repeated values", name)
	}
	n := len(idx)
	var validity *memory.Buffer
	if valid != nil {
		validity = memory.NewBufferBytes(valid)
	}
	indices := array.NewInt32Data(array.NewData(arrow.PrimitiveTypes.Int32, n,
		[]*memory.Buffer{validity, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(idx))}, nil, nulls, 0))
	defer indices.Release()
	if ps != nil {
		ps.IncNulls(int64(nulls))
		ps.IncNumValues(int64(n - nulls))
		if err := ps.UpdateFromArrow(dict, false); err != nil {
			return fmt.Errorf("writers: column %s: %w", name, err)
		}
	}
	return writeIndices(indices, def, nil)
}

// reset empties the row group, keeping its memory for the next.
func (c *dictColumn) reset() {
	clear(c.ids)
	c.seen = [seenSlots]seenValue{}
	clear(c.dict)
	c.dict, c.idx, c.def, c.valid, c.nulls, c.last, c.lastI = c.dict[:0], c.idx[:0], c.def[:0], c.valid[:0], 0, "", 0
}

// intDictColumn is a dictionary-encoded int column of a parquetTable (smallInt: non-null, few
// values), written as dictColumn writes strings: its values numbered here as they come, each
// row group's chunk written when the row group closes. arrow-go's own dictionary encoder puts
// every value through its hash table: about 26 ns a value, 0.24 s of CPU for the national
// determinations' five such columns, against a few nanoseconds here.
type intDictColumn struct {
	vals []int64 // the batch being filled

	// The open row group.
	small [smallInts]int32 // 1 + the index in dict of each value below smallInts; 0 if not seen
	ids   map[int64]int32  // the index in dict of the other values
	dict  []int64
	idx   []int32 // every row's index
}

// smallInts are the values an intDictColumn numbers through an array, not a map: every weight.
const smallInts = 256

// appendIntDict appends the values of int dictionary column f for rows to the batch.
func appendIntDict[T any](c *intDictColumn, f field[T], rows []T) {
	for j := range rows {
		v, _ := f.i64(&rows[j])
		c.vals = append(c.vals, v)
	}
}

// fold numbers the batch's values into the open row group's dictionary and empties the batch.
func (c *intDictColumn) fold() {
	for _, v := range c.vals {
		c.idx = append(c.idx, c.index(v))
	}
	c.vals = c.vals[:0]
}

// index returns v's index in the open row group's dictionary, adding it when new.
func (c *intDictColumn) index(v int64) int32 {
	if uint64(v) < smallInts {
		if i := c.small[v]; i > 0 {
			return i - 1
		}
		i := int32(len(c.dict))
		c.dict = append(c.dict, v)
		c.small[v] = i + 1
		return i
	}
	if c.ids == nil {
		c.ids = map[int64]int32{}
	}
	return number(c.ids, &c.dict, v)
}

// write writes the open row group's chunk of the column to wr, and empties the row group.
func (c *intDictColumn) write(name string, wr *file.Int64ColumnChunkWriter, mem memory.Allocator) error {
	defer c.reset()
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(c.dict, nil)
	dict := b.NewInt64Array()
	defer dict.Release()
	return writeDictChunk(name, wr.CurrentEncoder(), wr.PageStatistics(), dict, c.idx, nil, nil, 0, wr.WriteDictIndices)
}

// reset empties the row group, keeping its memory for the next.
func (c *intDictColumn) reset() {
	c.small = [smallInts]int32{}
	clear(c.ids)
	c.dict, c.idx = c.dict[:0], c.idx[:0]
}
