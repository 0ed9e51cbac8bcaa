package pipeline

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"reweigh/model"
)

func TestHasFlag(t *testing.T) {
	for _, c := range []struct {
		flags, f string
		want     bool
	}{
		{"", "a", false}, {"a", "a", true}, {"ab", "a", false}, {"b;a", "a", true}, {"a;b", "b", true},
		{"weights.no_policy_row", "weights.no_policy_row", true}, {"x;weights.no_policy_row:2", "weights.no_policy_row", false},
		{";", "", true}, {"a;;b", "", true}, {"a;b", "", false},
	} {
		if got := hasFlag(c.flags, c.f); got != c.want {
			t.Errorf("hasFlag(%q, %q) = %v", c.flags, c.f, got)
		}
	}
}

// TestTallyCountsAsMaps: the summary's counts (packed weights, category statuses in an array)
// are those of plain maps over the same rows, weights out of range and unusual statuses
// included.
func TestTallyCountsAsMaps(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	statuses := []string{model.CategoryScored, model.CategoryReweighted, model.CategoryOverridden, "", "odd"}
	weights := [][model.NumCategories]int{{30, 30, 15, 25}, {55, 0, 15, 30}, {100, 0, 0, 0}, {0, 0, 0, 0}, {256, 0, 0, 0}, {0, -1, 0, 0}}
	levels := []model.Level{model.LevelIndividual, model.LevelGroup}
	rows := make([]model.Determination, 5000)
	want := Tally{Rows: len(rows), ByLevel: map[string]int{}, Weights: map[[model.NumCategories]int]int{}, Statuses: map[string]int{}}
	for c := range want.Categories {
		want.Categories[c] = map[string]int{}
	}
	for i := range rows {
		d := &rows[i]
		d.Level, d.Pathway = levels[r.IntN(2)], model.PathwayTraditional
		d.Weights = weights[r.IntN(len(weights))]
		for _, c := range model.Categories {
			d.Status[c] = statuses[r.IntN(len(statuses))]
			want.Categories[c][d.Status[c]]++
		}
		d.SmallPractice, d.HospitalBased = r.IntN(2) == 0, r.IntN(3) == 0
		want.ByLevel[string(d.Level)+"/"+string(d.Pathway)]++
		want.Weights[d.Weights]++
		for j, on := range [5]bool{d.SmallPractice, d.HospitalBased, d.NonPatientFacing, d.ASCBased, d.FinalScoreAtThreshold} {
			if on {
				want.Statuses[tallyStatuses[j]]++
			}
		}
	}
	var tl tally
	tl.add(rows[:1234])
	tl.add(rows[1234:])
	if got := tl.result(); !reflect.DeepEqual(got, want) {
		t.Errorf("tally\n got %+v\nwant %+v", got, want)
	}
}
