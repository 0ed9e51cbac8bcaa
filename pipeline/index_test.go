package pipeline

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"reweigh/model"
	"reweigh/radix"
	"reweigh/readers"
)

// TestSortClinicians: the in-place cycle sort gives the stable sort's order, row for row.
func TestSortClinicians(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 100, 1000} {
		cl := make([]model.Clinician, n)
		for i := range cl {
			cl[i] = model.Clinician{Row: i + 1, TIN: fmt.Sprintf("%09d", rng.IntN(5)), NPI: fmt.Sprintf("%010d", rng.IntN(7)), Segment: uint8(rng.IntN(3))}
		}
		want := slices.Clone(cl)
		slices.SortStableFunc(want, func(a, b model.Clinician) int { return compareClinicians(&a, &b) })
		sortClinicians(cl)
		if !slices.Equal(cl, want) {
			t.Fatalf("n=%d: sortClinicians differs from a stable sort", n)
		}
		sortClinicians(cl) // already sorted: unchanged
		if !slices.Equal(cl, want) {
			t.Fatalf("n=%d: sorting sorted rows changed them", n)
		}
	}
}

// TestSortCliniciansPacked: with valid NPIs and TINs (the packed-number path) the order is the
// strings' order too.
func TestSortCliniciansPacked(t *testing.T) {
	cl := validClinicians(rand.New(rand.NewPCG(3, 4)), 500, 40, 30)
	want := stableSorted(cl)
	sortClinicians(cl)
	if !slices.Equal(cl, want) {
		t.Fatal("sortClinicians (packed keys) differs from a stable sort of the strings")
	}
}

// validClinicians returns n clinicians rows with valid IDs (the packed-number path) drawn from
// tins TINs and npis NPIs spread over their ranges, and random segments.
func validClinicians(rng *rand.Rand, n, tins, npis int) []model.Clinician {
	cl := make([]model.Clinician, n)
	for i := range cl {
		cl[i] = model.Clinician{Row: i + 1, TIN: fmt.Sprintf("%09d", rng.IntN(tins)*(999_999_999/tins)),
			NPI: fmt.Sprintf("%010d", rng.IntN(npis)*(9_999_999_999/npis)), Segment: uint8(rng.IntN(3))}
	}
	return cl
}

// stableSorted returns a copy of cl stably sorted by TIN, NPI, segment, with the strings.
func stableSorted(cl []model.Clinician) []model.Clinician {
	s := slices.Clone(cl)
	slices.SortStableFunc(s, func(a, b model.Clinician) int { return compareClinicians(&a, &b) })
	return s
}

// TestArrangeCliniciansKeysAsStrings: the individuals and TINs arranged from unsorted rows
// (sortClinicians' packed keys mark where each individual and TIN begins) are those arranged
// from the same rows already sorted (the strings mark them), and the keys are the rows'.
func TestArrangeCliniciansKeysAsStrings(t *testing.T) {
	// Few TINs and NPIs, so TINs share NPIs and individuals have both segments.
	cl := validClinicians(rand.New(rand.NewPCG(5, 6)), 3000, 60, 200)
	sorted := stableSorted(cl)
	if keys := sortClinicians(slices.Clone(sorted)); keys != nil {
		t.Fatal("sorted rows: sortClinicians made keys")
	}
	byKeys := &index{in: &model.Inputs{Clinicians: slices.Clone(cl)}}
	byKeys.arrangeClinicians()
	byKeys.mapTINs()
	byStrings := &index{in: &model.Inputs{Clinicians: sorted}}
	byStrings.arrangeClinicians()

	if len(byKeys.individuals) != len(byStrings.individuals) || len(byKeys.tins) != len(byStrings.tins) {
		t.Fatalf("%d individuals in %d TINs by keys, %d in %d by strings",
			len(byKeys.individuals), len(byKeys.tins), len(byStrings.individuals), len(byStrings.tins))
	}
	for i := range byKeys.individuals {
		a, b := &byKeys.individuals[i], &byStrings.individuals[i]
		at, bt := byKeys.tinOf(a), byStrings.tinOf(b)
		ar, br := byKeys.rowsOf(i), byStrings.rowsOf(i)
		if a.npi != b.npi || at != bt || a.tinAt != b.tinAt || !slices.Equal(ar, br) || len(ar) == 0 ||
			ar[0].NPI != a.npi || ar[0].TIN != at {
			t.Fatalf("individual %d: %s/%s (TIN %d, rows %+v) by keys, %s/%s (TIN %d, rows %+v) by strings",
				i, a.npi, at, a.tinAt, ar, b.npi, bt, b.tinAt, br)
		}
	}
	if n := len(byKeys.individuals); byKeys.rowStart[n] != int32(len(cl)) {
		t.Fatalf("the last individual's rows end at %d, want %d", byKeys.rowStart[n], len(cl))
	}
	for i, a := range byKeys.tins {
		b := byStrings.tins[i]
		if a.tin != b.tin || !slices.Equal(a.members, b.members) || byKeys.tinPos[a.tin] != i {
			t.Fatalf("TIN %d: %s %v by keys, %s %v by strings", i, a.tin, a.members, b.tin, b.members)
		}
	}

	keys := sortClinicians(cl)
	for i := range cl {
		if k, _ := radix.PairKey(cl[i].NPI, cl[i].TIN); keys[i] != k {
			t.Fatalf("row %d: key %d, want %d", i, keys[i], k)
		}
	}
}

// TestIndividualsFiledByMergeAsByMap: what the tables say about individuals is filed by a merge
// of references sorted by NPI/TIN when the IDs are valid, and by a map of entity keys when they
// are not. The sample's inputs, with every table's rows reversed (so references to one
// individual are not in key order), are decided both ways, the second with every NPI and TIN
// made invalid by a prefix: the rows must be the same but for the prefix.
func TestIndividualsFiledByMergeAsByMap(t *testing.T) {
	read := func(prefix bool) *model.Inputs {
		in, err := readers.ReadAll(context.Background(), "../testdata/sample", readers.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// A second and third approved application of the individual of APP-17, so that an
		// individual has several in an order the merge must keep.
		first := in.Exceptions[0]
		if first.ApplicationID != "APP-17" || first.Status != model.StatusApproved {
			t.Fatalf("the sample's first application is %s (%s), not the approved APP-17", first.ApplicationID, first.Status)
		}
		for _, id := range []string{"APP-18", "APP-19"} {
			e := first
			e.ApplicationID, e.ExceptionType, e.Categories = id, model.ExceptionEUC, model.CategorySet(0).With(model.PI).With(model.IA)
			in.Exceptions = append(in.Exceptions, e)
		}
		slices.Reverse(in.Exceptions)
		slices.Reverse(in.Submissions)
		slices.Reverse(in.Scores)
		slices.Reverse(in.CostMeasures)
		if !prefix {
			return in
		}
		key := func(k *model.EntityKey) {
			npi, tin := k.NPI(), k.TIN()
			if npi != "" {
				npi = "N" + npi
			}
			if tin != "" {
				tin = "T" + tin
			}
			*k = model.NewEntityKey(k.Level(), npi, tin, k.VirtualGroupID(), k.SubgroupID(), k.APMEntityID())
		}
		for i := range in.Clinicians {
			in.Clinicians[i].NPI, in.Clinicians[i].TIN = "N"+in.Clinicians[i].NPI, "T"+in.Clinicians[i].TIN
		}
		for i := range in.Groups {
			in.Groups[i].TIN = "T" + in.Groups[i].TIN
		}
		for i := range in.VirtualGroups {
			in.VirtualGroups[i].TIN = "T" + in.VirtualGroups[i].TIN
		}
		for i := range in.Subgroups {
			in.Subgroups[i].NPI, in.Subgroups[i].TIN = "N"+in.Subgroups[i].NPI, "T"+in.Subgroups[i].TIN
		}
		for i := range in.APMEntities {
			if in.APMEntities[i].NPI != "" {
				in.APMEntities[i].NPI = "N" + in.APMEntities[i].NPI
			}
			in.APMEntities[i].TIN = "T" + in.APMEntities[i].TIN
		}
		for i := range in.Exceptions {
			key(&in.Exceptions[i].Entity)
		}
		for i := range in.Submissions {
			key(&in.Submissions[i].Entity)
		}
		for i := range in.Scores {
			key(&in.Scores[i].Entity)
		}
		for i := range in.CostMeasures {
			key(&in.CostMeasures[i].Entity)
		}
		return in
	}
	y, _ := mustSet(t).ForYear(2025)
	merged, err := Determine(context.Background(), y, read(false), nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	mapped, err := Determine(context.Background(), y, read(true), nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Determinations) != len(mapped.Determinations) {
		t.Fatalf("%d rows by merge, %d by map", len(merged.Determinations), len(mapped.Determinations))
	}
	// The IDs, wherever they appear (reasons name TINs), without the prefix.
	unprefixed := regexp.MustCompile(`[NT]([0-9]{9,10})`)
	withApps := 0
	for i := range mapped.Determinations {
		want := fmt.Sprintf("%+v", merged.Determinations[i])
		if got := unprefixed.ReplaceAllString(fmt.Sprintf("%+v", mapped.Determinations[i]), "$1"); got != want {
			t.Fatalf("row %d differs:\nmerge %s\nmap   %s", i, want, got)
		}
		if d := merged.Determinations[i]; d.Level == model.LevelIndividual && strings.Contains(d.Reason[model.PI], "APP-19") {
			withApps++
			if r := d.Reason[model.PI]; strings.Index(r, "APP-19") > strings.Index(r, "APP-18") {
				t.Errorf("the applications are not in their rows' order (reversed: APP-19, APP-18, APP-17): %s", r)
			}
		}
	}
	if withApps == 0 {
		t.Error("no individual's row names APP-19: the test does not exercise the merge")
	}
}

// TestInfoStore: entityInfos added one at a time and in blocks are numbered in order, each its
// own, across chunk boundaries.
func TestInfoStore(t *testing.T) {
	var s infoStore
	seen := map[*entityInfo]bool{}
	next := int32(0)
	take := func(i int32) {
		if i != next {
			t.Fatalf("got number %d, want %d", i, next)
		}
		next++
		p := s.at(i)
		if seen[p] {
			t.Fatalf("entityInfo %d shares its memory", i)
		}
		seen[p] = true
	}
	for _, block := range []int{1, infoChunk - 1, 1, 1, 0, 2*infoChunk + 5, 1, infoChunk, 3} {
		if block == 1 {
			take(s.add())
			continue
		}
		first := s.addN(block)
		for i := range int32(block) {
			take(first + i)
		}
	}
	if s.len() != int(next) {
		t.Fatalf("len %d, want %d", s.len(), next)
	}
}

// TestGroupMeasurementsWithReadersRows: the measurements of each submission are the same
// whether found through the positions the readers recorded or through a map of the
// submissions' IDs, and positions voided by reordering the submissions after the read are
// not used.
func TestGroupMeasurementsWithReadersRows(t *testing.T) {
	in, err := readers.ReadAll(context.Background(), "../testdata/sample", readers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := &in.Measurements
	if !submissionRowsHold(in) || !slices.ContainsFunc(m.SubmissionRows, func(p int32) bool { return p > 0 }) {
		t.Fatalf("the readers' positions of the sample's submissions (%v) are not used", m.SubmissionRows)
	}
	byMap := func() measurementGroups {
		rows := m.SubmissionRows
		m.SubmissionRows = nil
		defer func() { m.SubmissionRows = rows }()
		return groupMeasurements(in)
	}
	same := func(what string) {
		got, want := groupMeasurements(in), byMap()
		if !slices.Equal(got.offsets, want.offsets) || !slices.Equal(got.runs, want.runs) {
			t.Errorf("%s: measurements by submission\n %v %v\nwant\n %v %v", what, got.offsets, got.runs, want.offsets, want.runs)
		}
		if len(want.runs) == 0 {
			t.Fatalf("%s: no submission has measurements", what)
		}
	}
	same("as read")
	slices.Reverse(in.Submissions)
	if submissionRowsHold(in) {
		t.Error("positions still used after the submissions were reversed")
	}
	same("submissions reversed")
}

// TestSlab: the one-element slices a slab hands out hold their value, have no room past it, and
// appending to one leaves the others (its neighbours in the chunk) as they were.
func TestSlab(t *testing.T) {
	var s slab[int]
	got := make([][]int, 10_000) // more than a few chunks
	for i := range got {
		got[i] = s.one(i)
		if len(got[i]) != 1 || cap(got[i]) != 1 {
			t.Fatalf("slice %d: len %d cap %d, want 1 and 1", i, len(got[i]), cap(got[i]))
		}
	}
	for i := range got {
		if i%2 == 0 {
			got[i] = append(got[i], -i)
		}
	}
	for i, x := range got {
		want := []int{i}
		if i%2 == 0 {
			want = append(want, -i)
		}
		if !slices.Equal(x, want) {
			t.Fatalf("slice %d = %v, want %v", i, x, want)
		}
	}
}

// Every set of pathways lists its pathways once each, traditional before mvp before app, and
// an entity's set grows by the pathways of its submissions in any order.
func TestPathwaySet(t *testing.T) {
	order := []model.Pathway{model.PathwayTraditional, model.PathwayMVP, model.PathwayAPP}
	for set := pathwaySet(1); set < 8; set++ {
		var want []model.Pathway
		for i, p := range order {
			if set&(1<<i) != 0 {
				want = append(want, p)
			}
		}
		if got := pathwayLists[set]; !slices.Equal(got, want) {
			t.Errorf("set %03b: %v, want %v", set, got, want)
		}
	}
	var inf entityInfo
	if got := inf.pathwaysOr(model.PathwayMVP); !slices.Equal(got, []model.Pathway{model.PathwayMVP}) {
		t.Errorf("nothing reported: %v, want the default", got)
	}
	for _, p := range []model.Pathway{model.PathwayAPP, model.PathwayTraditional, model.PathwayAPP} {
		inf.pathways |= pathwayBit(p)
	}
	if got := inf.pathwaysOr(model.PathwayMVP); !slices.Equal(got, []model.Pathway{model.PathwayTraditional, model.PathwayAPP}) {
		t.Errorf("app, traditional, app reported: %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("an unknown pathway did not panic")
		}
	}()
	pathwayBit("hybrid")
}
