package writers

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// viaFileWriter writes rows as one Parquet file through pqarrow.FileWriter, one record per row
// group with the same properties as parquetTable, its dictionary-encoded string columns given
// as Arrow dictionary arrays (each row group's values in order of first appearance), its
// dictionary-encoded int columns as plain arrays (arrow-go's encoder numbers them, in the same
// order), and the stored Arrow schema parquetTable stores (plain strings): the reference
// parquetTable, which encodes a batch's columns in parallel from arrow-go's lower-level
// writers, must match byte for byte.
func viaFileWriter[T any](t *testing.T, fields []field[T], rows []T, meta map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	mem := memory.NewGoAllocator()
	afs := arrowSchema(fields).Fields()
	for i, f := range fields {
		if f.dict && f.Kind == String {
			afs[i].Type = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
		}
	}
	schema := arrow.NewSchema(afs, nil)
	fw, err := pqarrow.NewFileWriter(schema, &buf, writerProperties(fields, mem), pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.AppendKeyValueMetadata("ARROW:schema", base64.StdEncoding.EncodeToString(flight.SerializeSchema(arrowSchema(fields), mem))); err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < len(rows); lo += rowGroupRows {
		take := rows[lo:min(lo+rowGroupRows, len(rows))]
		// A new builder for each row group: a dictionary builder keeps its values.
		rb := array.NewRecordBuilder(mem, schema)
		for i, f := range fields {
			if db, ok := rb.Field(i).(*array.BinaryDictionaryBuilder); ok {
				for j := range take {
					if v, ok := f.str(&take[j]); ok {
						if err := db.AppendString(v); err != nil {
							t.Fatal(err)
						}
					} else {
						db.AppendNull()
					}
				}
				continue
			}
			appendColumn(rb.Field(i), f, take)
		}
		rec := rb.NewRecordBatch()
		rb.Release()
		if lo > 0 {
			if err := fw.NewBufferedRowGroupChecked(); err != nil {
				t.Fatal(err)
			}
		}
		if err := fw.WriteBuffered(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	for _, k := range sortedKeys(meta) {
		if err := fw.AppendKeyValueMetadata(k, meta[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// viaTable writes rows through parquetTable with the given workers, in pieces of 5 rows.
func viaTable[T any](t *testing.T, fields []field[T], rows []T, meta map[string]string, workers int) []byte {
	t.Helper()
	var buf bytes.Buffer
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	tw, err := newParquetTable(context.Background(), &buf, fields, mem, meta, workers)
	if err != nil {
		t.Fatal(err)
	}
	for piece := range slices.Chunk(rows, 5) {
		if err := tw.add(piece); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.close(); err != nil {
		t.Fatal(err)
	}
	mem.AssertSize(t, 0)
	return buf.Bytes()
}

func sameBytesAsFileWriter[T any](t *testing.T, name string, fields []field[T], rows []T) {
	t.Helper()
	meta := map[string]string{"reweigh.version": "test", "reweigh.performance_year": "2025"}
	want := viaFileWriter(t, fields, rows, meta)
	for _, workers := range []int{1, 2, 8} {
		if got := viaTable(t, fields, rows, meta, workers); !bytes.Equal(got, want) {
			t.Errorf("%s, %d rows, %d workers: %d bytes differ from pqarrow.FileWriter's %d", name, len(rows), workers, len(got), len(want))
		}
	}
}

// TestParquetTableBytesOfFileWriter: the parallel column writer gives pqarrow.FileWriter's
// exact file for every output table, whatever the workers: nullable columns with no nulls, some
// nulls and only nulls in a batch, several row groups, and no rows at all.
func TestParquetTableBytesOfFileWriter(t *testing.T) {
	defer func(b, g int) { batchRows, rowGroupRows = b, g }(batchRows, rowGroupRows)
	for _, size := range [][2]int{{3, 6}, {4, 8}, {64 * 1024, 4 * 64 * 1024}} {
		batchRows, rowGroupRows = size[0], size[1]
		s := sample()
		for _, n := range []int{0, 1, 3} {
			sameBytesAsFileWriter(t, TableDeterminations, determinationFields, slices.Repeat(s.Determinations, n))
			sameBytesAsFileWriter(t, TableRejects, rejectFields, slices.Repeat(s.Rejects, n))
			sameBytesAsFileWriter(t, TableClinicianScores, clinicianScoreFields, slices.Repeat(s.ClinicianScores, n))
			sameBytesAsFileWriter(t, TableAPMParticipants, apmParticipantFields, slices.Repeat(s.APMParticipants, n))
			sameBytesAsFileWriter(t, TableMembers, memberFields, slices.Repeat(s.Members, n))
			sameBytesAsFileWriter(t, TableYearDiff, yearDiffFields, slices.Repeat(s.YearDiff, n))
		}
	}
}

// appendColumn appends the values of field f for rows to an Arrow builder: the reference
// writer's columns.
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

// TestIntDictColumns: a dictionary-encoded int column (smallInt) gives pqarrow.FileWriter's
// exact file, arrow-go's encoder hashing the same values, for values numbered through the
// array (0-255) and through the map (negative, 256 and up), over several row groups; and a
// nullable one is refused.
func TestIntDictColumns(t *testing.T) {
	defer func(b, g int) { batchRows, rowGroupRows = b, g }(batchRows, rowGroupRows)
	type row struct{ a, b int }
	fields := []field[row]{
		smallInt("a", func(r *row) int { return r.a }),
		integer("plain", func(r *row) int { return r.b }),
		smallInt("b", func(r *row) int { return r.b }),
	}
	var rows []row
	for i := range 200 {
		rows = append(rows, row{a: []int{30, 0, 255, 15, 256, 30}[i%6], b: []int{-1, 1 << 40, 7, 256, -1}[i%5] + i%3})
	}
	for _, size := range [][2]int{{3, 6}, {16, 64}, {64 * 1024, 4 * 64 * 1024}} {
		batchRows, rowGroupRows = size[0], size[1]
		sameBytesAsFileWriter(t, "ints", fields, rows)
	}

	var c intDictColumn
	for _, v := range []int64{30, -1, 1 << 40, 30, 255, -1} {
		c.vals = append(c.vals, v)
	}
	c.fold()
	if want := []int32{0, 1, 2, 0, 3, 1}; !slices.Equal(c.idx, want) {
		t.Errorf("indices %v, want %v", c.idx, want)
	}
	if want := []int64{30, -1, 1 << 40, 255}; !slices.Equal(c.dict, want) {
		t.Errorf("dictionary %v, want %v", c.dict, want)
	}
	c.reset()
	c.vals = append(c.vals, 255, 30)
	c.fold()
	if !slices.Equal(c.idx, []int32{0, 1}) || !slices.Equal(c.dict, []int64{255, 30}) {
		t.Errorf("after reset: indices %v, dictionary %v, want [0 1] and [255 30]", c.idx, c.dict)
	}

	bad := []field[row]{smallInt("a", func(r *row) int { return r.a })}
	bad[0].Nullable = true
	if _, err := newParquetTable(context.Background(), &bytes.Buffer{}, bad, memory.NewGoAllocator(), nil, 1); err == nil {
		t.Error("a nullable dictionary-encoded int column was accepted")
	}
}
