package readers

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"reweigh/model"
)

// TestMeasurementsTypedFlags: a measurements file with typed numerator, denominator, value and
// exclusion columns gives the same measurements and rejects as the same rows in CSV, whether
// its batches take the column by column path (Int64 and Int32 counts, Boolean answers, nulls
// among them) or the cell by cell one (a negative count in a batch, unsigned counts).
func TestMeasurementsTypedFlags(t *testing.T) {
	const n = 3000
	r := rand.New(rand.NewPCG(5, 6))
	type row struct {
		sub, meas        string
		num, den         *int64
		value, exclusion *bool
	}
	opt := func(v int64) *int64 {
		if r.IntN(4) == 0 {
			return nil
		}
		return &v
	}
	optBool := func() *bool {
		if r.IntN(3) == 0 {
			return nil
		}
		v := r.IntN(2) == 0
		return &v
	}
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{sub: fmt.Sprintf("S%d", 1+i/10), meas: fmt.Sprintf("M%d", r.IntN(5)),
			num: opt(r.Int64N(50)), den: opt(r.Int64N(100)), value: optBool(), exclusion: optBool()}
	}
	for _, tc := range []struct {
		name     string
		negative bool // one numerator is -1
		unsigned bool // the counts are Uint64
	}{{"typed", false, false}, {"negative count", true, false}, {"unsigned counts", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			rows := slices.Clone(rows)
			if tc.negative {
				v := int64(-1)
				rows[1234].num = &v
			}
			files := map[string]string{"clinicians.csv": "npi,tin\n" + npiA + ",012345678\n"}
			var subs, csvRows strings.Builder
			subs.WriteString(submissionsHeader)
			for i := 1; i <= n/10; i++ {
				fmt.Fprintf(&subs, "S%d,individual,%s,012345678,,,,quality\n", i, npiA)
			}
			files["submissions.csv"] = subs.String()
			csvRows.WriteString("submission_id,measure_id,numerator,denominator,value,exclusion\n")
			cell := func(p any) string {
				switch p := p.(type) {
				case *int64:
					if p != nil {
						return strconv.FormatInt(*p, 10)
					}
				case *bool:
					if p != nil {
						return strconv.FormatBool(*p)
					}
				}
				return ""
			}
			for _, x := range rows {
				fmt.Fprintf(&csvRows, "%s,%s,%s,%s,%s,%s\n", x.sub, x.meas, cell(x.num), cell(x.den), cell(x.value), cell(x.exclusion))
			}
			files["measurements.csv"] = csvRows.String()
			fromCSV := read(t, writeDir(t, files))
			// A CSV row is numbered by its line, a Parquet one from 1.
			fromCSV.Measurements = renumbered(fromCSV.Measurements, func(r int) int { return r - 1 })
			for i := range fromCSV.Rejects {
				fromCSV.Rejects[i].Row--
			}

			dir := writeDirParquet(t, map[string]string{"clinicians.csv": files["clinicians.csv"], "submissions.csv": files["submissions.csv"]})
			mem := memory.DefaultAllocator
			sub, meas := array.NewStringBuilder(mem), array.NewStringBuilder(mem)
			num, den := array.NewInt64Builder(mem), array.NewInt32Builder(mem)
			unum, uden := array.NewUint64Builder(mem), array.NewUint64Builder(mem)
			value, excl := array.NewBooleanBuilder(mem), array.NewBooleanBuilder(mem)
			for _, x := range rows {
				sub.Append(x.sub)
				meas.Append(x.meas)
				if x.num == nil {
					num.AppendNull()
					unum.AppendNull()
				} else {
					num.Append(*x.num)
					unum.Append(uint64(*x.num))
				}
				if x.den == nil {
					den.AppendNull()
					uden.AppendNull()
				} else {
					den.Append(int32(*x.den))
					uden.Append(uint64(*x.den))
				}
				for _, b := range []struct {
					v *bool
					b *array.BooleanBuilder
				}{{x.value, value}, {x.exclusion, excl}} {
					if b.v == nil {
						b.b.AppendNull()
					} else {
						b.b.Append(*b.v)
					}
				}
			}
			var numArr, denArr arrow.Array = num.NewArray(), den.NewArray()
			if tc.unsigned {
				numArr, denArr = unum.NewArray(), uden.NewArray()
			}
			writeParquet(t, filepath.Join(dir, "measurements.parquet"),
				parquetColumn{"submission_id", sub.NewArray()}, parquetColumn{"measure_id", meas.NewArray()},
				parquetColumn{"numerator", numArr}, parquetColumn{"denominator", denArr},
				parquetColumn{"value", value.NewArray()}, parquetColumn{"exclusion", excl.NewArray()})
			fromParquet := read(t, dir)
			if !reflect.DeepEqual(fromParquet.Measurements, fromCSV.Measurements) {
				t.Errorf("measurements from Parquet differ from CSV:\n%+v\n%+v", fromParquet.Measurements.Flags[:20], fromCSV.Measurements.Flags[:20])
			}
			if !reflect.DeepEqual(fromParquet.Rejects, fromCSV.Rejects) && !sameRejects(fromParquet.Rejects, fromCSV.Rejects) {
				t.Errorf("rejects from Parquet %+v, from CSV %+v", fromParquet.Rejects, fromCSV.Rejects)
			}
			wantRejects := 0
			if tc.negative {
				wantRejects = 1
			}
			if len(fromCSV.Rejects) != wantRejects || fromCSV.Measurements.Len() != n-wantRejects {
				t.Fatalf("%d rejects and %d measurements from CSV, want %d and %d", len(fromCSV.Rejects), fromCSV.Measurements.Len(), wantRejects, n-wantRejects)
			}
			seen := map[model.MeasurementFlags]bool{}
			for _, f := range fromParquet.Measurements.Flags {
				seen[f] = true
			}
			if len(seen) < 30 {
				t.Errorf("only %d kinds of flags: the rows do not mix nulls, values and answers", len(seen))
			}
		})
	}
}

// sameRejects compares rejects but for the file they name (measurements.csv or .parquet).
func sameRejects(a, b []model.Reject) bool {
	return slices.EqualFunc(a, b, func(x, y model.Reject) bool {
		x.File, y.File = "", ""
		return x == y
	})
}

// TestMeasurementsStartBatch: a batch takes the column by column path only when no cell of the
// four columns can be rejected and their types are the ones it reads.
func TestMeasurementsStartBatch(t *testing.T) {
	mem := memory.DefaultAllocator
	ints := func(vals ...int64) arrow.Array {
		b := array.NewInt64Builder(mem)
		for _, v := range vals {
			if v == 99 {
				b.AppendNull()
			} else {
				b.Append(v)
			}
		}
		return b.NewArray()
	}
	bools := func(vals ...int) arrow.Array {
		b := array.NewBooleanBuilder(mem)
		for _, v := range vals {
			if v < 0 {
				b.AppendNull()
			} else {
				b.Append(v == 1)
			}
		}
		return b.NewArray()
	}
	all := model.HasNumerator | model.HasDenominator | model.HasValue | model.HasExclusion
	strs := array.NewStringBuilder(mem)
	strs.AppendValues([]string{"1", "2", "3"}, nil)
	for _, tc := range []struct {
		name  string
		typed [6]arrow.Array
		fast  bool
		flags []model.MeasurementFlags
	}{
		{"typed", [6]arrow.Array{nil, nil, ints(1, 99, 0), ints(99, 2, 3), bools(1, 0, -1), bools(-1, 1, 0)}, true,
			[]model.MeasurementFlags{model.HasNumerator | model.HasValue | model.ValueYes,
				model.HasDenominator | model.HasValue | model.HasExclusion | model.ExclusionYes,
				model.HasNumerator | model.HasDenominator | model.HasExclusion}},
		{"no nulls", [6]arrow.Array{nil, nil, ints(1, 2, 0), ints(1, 2, 3), bools(1, 0, 1), bools(0, 0, 1)}, true,
			[]model.MeasurementFlags{all | model.ValueYes, all, all | model.ValueYes | model.ExclusionYes}},
		{"negative", [6]arrow.Array{nil, nil, ints(1, -2, 0), ints(1, 2, 3), bools(1, 0, 1), bools(1, 0, 1)}, false, nil},
		{"text column", [6]arrow.Array{nil, nil, ints(1, 2, 0), strs.NewArray(), bools(1, 0, 1), bools(1, 0, 1)}, false, nil},
		{"missing column", [6]arrow.Array{nil, nil, ints(1, 2, 0), ints(1, 2, 3), bools(1, 0, 1), nil}, false, nil},
	} {
		tab := &measurementTable{}
		c := &rowCtx{typed: tc.typed[:]}
		tab.startBatch(c, 3)
		if tab.batchFast != tc.fast || tc.fast && !slices.Equal(tab.batchFlags, tc.flags) {
			t.Errorf("%s: fast %v flags %v, want %v %v", tc.name, tab.batchFast, tab.batchFlags, tc.fast, tc.flags)
		}
	}
}

// TestRowCtxClone: a kept copy of a cell equals it, survives the cell's memory being reused,
// and stays intact as later copies fill its arena and the next ones; long cells are copied
// alone.
func TestRowCtxClone(t *testing.T) {
	c := newRowCtx(nil)
	buf := make([]byte, 0, 64)
	var got, want []string
	for i := range 20_000 {
		buf = fmt.Appendf(buf[:0], "%010d", i*7919)
		cell := unsafe.String(unsafe.SliceData(buf), len(buf))
		got = append(got, c.clone(cell))
		want = append(want, string(buf))
	}
	long := strings.Repeat("x", arenaBytes)
	got, want = append(got, c.clone(long), c.clone("")), append(want, long, "")
	for i := range buf[:cap(buf)] {
		buf[:cap(buf)][i] = '!' // the cells' memory reused
	}
	if !slices.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("copy %d is %q, want %q", i, got[i], want[i])
			}
		}
	}
	if unsafe.StringData(got[len(got)-2]) == unsafe.StringData(long) {
		t.Error("a long cell is not copied")
	}
}
