package readers

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// typedColumns builds one Arrow column of every non-text type the readers accept, each with
// nulls and edge values: negatives, zero, the int64 and uint64 limits, NaN, infinities,
// float32 decimals, dates before year 1 and after 9999.
func typedColumns(t *testing.T) []arrow.Array {
	mem := memory.NewGoAllocator()
	var cols []arrow.Array
	i64 := array.NewInt64Builder(mem)
	i64.AppendValues([]int64{0, 1, -1, 42, math.MaxInt64, math.MinInt64, 1 << 53, 1<<53 + 1, -(1 << 53) - 1}, nil)
	i64.AppendNull()
	cols = append(cols, i64.NewArray())
	i32 := array.NewInt32Builder(mem)
	i32.AppendValues([]int32{0, 7, -7, math.MaxInt32, math.MinInt32}, nil)
	i32.AppendNull()
	cols = append(cols, i32.NewArray())
	i8 := array.NewInt8Builder(mem)
	i8.AppendValues([]int8{0, -128, 127}, nil)
	cols = append(cols, i8.NewArray())
	u64 := array.NewUint64Builder(mem)
	u64.AppendValues([]uint64{0, 5, math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64}, nil)
	u64.AppendNull()
	cols = append(cols, u64.NewArray())
	u16 := array.NewUint16Builder(mem)
	u16.AppendValues([]uint16{0, 65535}, nil)
	cols = append(cols, u16.NewArray())
	f64 := array.NewFloat64Builder(mem)
	f64.AppendValues([]float64{0, math.Copysign(0, -1), 0.1, 1e-320, 55.5, 100, 100.0000001, -0.5, math.NaN(), math.Inf(1), math.Inf(-1), 1e300, 2.5}, nil)
	f64.AppendNull()
	cols = append(cols, f64.NewArray())
	f32 := array.NewFloat32Builder(mem)
	f32.AppendValues([]float32{0.1, 55.5, 99.99, -1, float32(math.Inf(1))}, nil)
	f32.AppendNull()
	cols = append(cols, f32.NewArray())
	b := array.NewBooleanBuilder(mem)
	b.AppendValues([]bool{true, false}, nil)
	b.AppendNull()
	cols = append(cols, b.NewArray())
	d := array.NewDate32Builder(mem)
	for _, days := range []int32{0, 20089, -719162, -719163, -719528, 2932896, 2932897, math.MaxInt32, math.MinInt32} {
		d.Append(arrow.Date32(days))
	}
	d.AppendNull()
	cols = append(cols, d.NewArray())
	for _, c := range cols {
		t.Cleanup(c.Release)
	}
	return cols
}

// The typed helpers give the same values, and the same rejects, as the text view of the same
// cells: reading a column straight from Arrow is only a faster way to the same result.
func TestTypedCellsMatchTextCells(t *testing.T) {
	cols := []column{{name: "x", kind: kindInt}}
	type result struct {
		V      any
		Failed bool
		Rej    any
	}
	helpers := map[string]func(c *rowCtx) any{
		"count":           func(c *rowCtx) any { return c.count(0, false) },
		"count required":  func(c *rowCtx) any { return c.count(0, true) },
		"number 0-100":    func(c *rowCtx) any { return c.number(0, 0, 100) },
		"number >=0":      func(c *rowCtx) any { return c.number(0, 0, math.Inf(1)) },
		"number any":      func(c *rowCtx) any { return c.number(0, math.Inf(-1), math.Inf(1)) },
		"date":            func(c *rowCtx) any { return c.date(0) },
		"boolean":         func(c *rowCtx) any { return c.boolean(0) },
		"text (fallback)": func(c *rowCtx) any { return c.text(0) },
	}
	for _, arr := range typedColumns(t) {
		for k := 0; k < arr.Len(); k++ {
			for name, h := range helpers {
				var buf []byte
				text := newRowCtx(cols)
				text.row = k + 1
				text.cells[0] = cellString(arr, k, &buf)
				want := result{V: h(text), Failed: text.failed, Rej: text.rej}

				typed := newRowCtx(cols)
				typed.row, typed.k = k+1, k
				typed.typed[0] = arr
				got := result{V: h(typed), Failed: typed.failed, Rej: typed.rej}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, %s cell %d (%q): typed %+v, text %+v", name, arr.DataType(), k, text.cells[0], got, want)
				}
			}
		}
	}
}

// TestTrimSpaceAndASCII: trimSpace is strings.TrimSpace, and allASCII finds a non-ASCII byte
// wherever it is, for cells at the edges of the fast paths.
func TestTrimSpaceAndASCII(t *testing.T) {
	cells := []string{"", " ", "a", " a", "a ", "\ta\n", "\u00a0a", "a\u00a0", "\u0085x\u0085", "é", "aé", "\x7f", "\x00a",
		"0123456789", "01234567\x80", "\xff0123456789abcdef", "0123456789abcdef\xff", "  mixed \u3000"}
	for _, s := range cells {
		if got, want := trimSpace(s), strings.TrimSpace(s); got != want {
			t.Errorf("trimSpace(%q) = %q, want %q", s, got, want)
		}
		want := true
		for i := 0; i < len(s); i++ {
			want = want && s[i] < utf8.RuneSelf
		}
		if got := allASCII([]byte(s)); got != want {
			t.Errorf("allASCII(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestTextViewMatchesCellString: a batch's text cells read through textView (offsets and bytes
// directly) are those cellString gives, for strings with and without nulls, a slice of a
// column, dictionaries with int32 and int8 indices, and other types.
func TestTextViewMatchesCellString(t *testing.T) {
	mem := memory.NewGoAllocator()
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"a", "", "bcd", "é", "", "x"}, []bool{true, true, true, true, false, true})
	plain := sb.NewStringArray()
	defer plain.Release()
	sb.AppendValues([]string{"p", "q", "r"}, nil)
	noNulls := sb.NewStringArray()
	defer noNulls.Release()
	sliced := array.NewSlice(plain, 2, 6)
	defer sliced.Release()
	dictOf := func(it arrow.DataType, idx []int, valid []bool) arrow.Array {
		db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: it, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
		defer db.Release()
		vals := []string{"m1", "", "m3"}
		for i, j := range idx {
			if valid != nil && !valid[i] {
				db.AppendNull()
			} else if err := db.AppendString(vals[j]); err != nil {
				t.Fatal(err)
			}
		}
		return db.NewArray()
	}
	dict32 := dictOf(arrow.PrimitiveTypes.Int32, []int{0, 2, 1, 0, 2}, []bool{true, true, true, false, true})
	defer dict32.Release()
	dict8 := dictOf(arrow.PrimitiveTypes.Int8, []int{2, 0, 0}, nil)
	defer dict8.Release()
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{7, -3}, []bool{true, false})
	ints := ib.NewInt64Array()
	defer ints.Release()
	for name, arr := range map[string]arrow.Array{"strings": plain, "no nulls": noNulls, "slice": sliced, "dictionary int32": dict32, "dictionary int8": dict8, "int64": ints} {
		v := newTextView(arr)
		var b1, b2 []byte
		for k := range arr.Len() {
			if got, want := v.cell(k, &b1), cellString(arr, k, &b2); got != want {
				t.Errorf("%s, row %d: textView %q, cellString %q", name, k, got, want)
			}
		}
	}
}
