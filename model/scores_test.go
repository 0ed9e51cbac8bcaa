package model

import (
	"testing"
	"unsafe"
)

func TestCategoryScores(t *testing.T) {
	f := func(v float64) OptFloat { return OptFloat{V: v, Valid: true} }
	s := NewCategoryScores(f(88.5), OptFloat{}, f(0), f(100), f(2.5))
	want := map[Category]OptFloat{Quality: f(88.5), Cost: {}, IA: f(0), PI: f(100)}
	for c, w := range want {
		if got := s.Of(c); got != w {
			t.Errorf("%v: %+v, want %+v", c, got, w)
		}
	}
	if b := s.ComplexPatientBonus(); b != f(2.5) {
		t.Errorf("bonus %+v", b)
	}
	// Set replaces one score, given or not, and leaves the others.
	s.Set(PI, OptFloat{})
	s.Set(Cost, f(50))
	if s.Of(PI).Valid || s.Of(Cost) != f(50) || s.Of(Quality) != f(88.5) || s.ComplexPatientBonus() != f(2.5) {
		t.Errorf("after Set: %+v", s)
	}
	// A score set and cleared is the zero value again: equal scores are ==.
	var z CategoryScores
	z.Set(IA, f(7))
	z.Set(IA, OptFloat{})
	if z != (CategoryScores{}) {
		t.Errorf("cleared: %+v", z)
	}
	if n := unsafe.Sizeof(CategoryScores{}); n != 48 {
		t.Errorf("CategoryScores is %d bytes, want 48", n)
	}
}

func TestOptCount(t *testing.T) {
	for _, c := range []struct {
		in   OptInt
		want OptInt
	}{
		{OptInt{}, OptInt{}},
		{OptInt{V: 0, Valid: true}, OptInt{V: 0, Valid: true}},
		{OptInt{V: 1, Valid: true}, OptInt{V: 1, Valid: true}},
		{OptInt{V: 1<<63 - 1, Valid: true}, OptInt{V: 1<<63 - 1, Valid: true}},
		{OptInt{V: -1, Valid: true}, OptInt{}}, // not a count
		{OptInt{V: 7}, OptInt{}},               // not valid
	} {
		if got := CountOf(c.in).Opt(); got != c.want {
			t.Errorf("CountOf(%+v).Opt() = %+v, want %+v", c.in, got, c.want)
		}
	}
	var zero OptCount
	if zero.Opt().Valid {
		t.Error("the zero OptCount is not null")
	}
	if n := unsafe.Sizeof(Clinician{}); n != 112 {
		t.Errorf("Clinician is %d bytes, want 112", n)
	}
}
