package rules

import (
	"strings"
	"testing"
	"testing/fstest"

	"reweigh/model"
)

func mustYear(t *testing.T, year int) *Year {
	t.Helper()
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	y, err := s.ForYear(year)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

var allYears = []int{2022, 2023, 2024, 2025}

func cats(names ...string) model.CategorySet {
	var s model.CategorySet
	for _, n := range names {
		c, ok := model.ParseCategory(n)
		if !ok {
			panic(n)
		}
		s = s.With(c)
	}
	return s
}

// The guides' weight tables: 002_48f87d62d9f57dd5.txt Appendices B (traditional/MVP),
// C (small practices), D (APP); 004_aaf330f8523daf53.txt Appendices A1, A2, B.
var guideWeights = []struct {
	table     string
	notScored []string
	want      Weights
	threshold bool
}{
	{TableTraditional, nil, Weights{30, 30, 15, 25}, false},
	{TableTraditional, []string{"cost"}, Weights{55, 0, 15, 30}, false},
	{TableTraditional, []string{"ia"}, Weights{45, 30, 0, 25}, false},
	{TableTraditional, []string{"pi"}, Weights{55, 30, 15, 0}, false},
	{TableTraditional, []string{"quality"}, Weights{0, 30, 15, 55}, false},
	{TableTraditional, []string{"cost", "pi"}, Weights{85, 0, 15, 0}, false},
	{TableTraditional, []string{"cost", "quality"}, Weights{0, 0, 15, 85}, false},
	{TableTraditional, []string{"cost", "ia"}, Weights{70, 0, 0, 30}, false},
	{TableTraditional, []string{"pi", "quality"}, Weights{0, 50, 50, 0}, false},
	{TableTraditional, []string{"pi", "ia"}, Weights{70, 30, 0, 0}, false},
	{TableTraditional, []string{"quality", "ia"}, Weights{0, 30, 0, 70}, false},
	{TableTraditional, []string{"quality", "cost", "ia"}, Weights{0, 0, 0, 100}, true},
	{TableTraditional, []string{"quality", "cost", "pi"}, Weights{0, 0, 100, 0}, true},
	{TableTraditional, []string{"cost", "ia", "pi"}, Weights{100, 0, 0, 0}, true},
	{TableTraditional, []string{"quality", "ia", "pi"}, Weights{0, 100, 0, 0}, true},
	{TableTraditional, []string{"quality", "cost", "ia", "pi"}, Weights{0, 0, 0, 0}, true},
	{TableSmallPractice, nil, Weights{30, 30, 15, 25}, false},
	{TableSmallPractice, []string{"cost"}, Weights{55, 0, 15, 30}, false},
	{TableSmallPractice, []string{"ia"}, Weights{45, 30, 0, 25}, false},
	{TableSmallPractice, []string{"pi"}, Weights{40, 30, 30, 0}, false},
	{TableSmallPractice, []string{"quality"}, Weights{0, 30, 15, 55}, false},
	{TableSmallPractice, []string{"cost", "pi"}, Weights{50, 0, 50, 0}, false},
	{TableSmallPractice, []string{"cost", "quality"}, Weights{0, 0, 15, 85}, false},
	{TableSmallPractice, []string{"cost", "ia"}, Weights{70, 0, 0, 30}, false},
	{TableSmallPractice, []string{"pi", "quality"}, Weights{0, 50, 50, 0}, false},
	{TableSmallPractice, []string{"pi", "ia"}, Weights{70, 30, 0, 0}, false},
	{TableSmallPractice, []string{"quality", "ia"}, Weights{0, 30, 0, 70}, false},
	{TableSmallPractice, []string{"quality", "cost", "pi"}, Weights{0, 0, 100, 0}, true},
	{TableSmallPractice, []string{"quality", "cost", "ia", "pi"}, Weights{0, 0, 0, 0}, true},
	{TableAPP, nil, Weights{50, 0, 20, 30}, false},
	{TableAPP, []string{"cost"}, Weights{50, 0, 20, 30}, false}, // cost is never scored under the APP
	{TableAPP, []string{"ia"}, Weights{50, 0, 20, 30}, false},   // ia is full credit under the APP
	{TableAPP, []string{"pi"}, Weights{75, 0, 25, 0}, false},
	{TableAPP, []string{"quality"}, Weights{0, 0, 25, 75}, false},
	{TableAPP, []string{"pi", "quality"}, Weights{0, 0, 100, 0}, true},
	{TableAPP, []string{"quality", "cost", "ia", "pi"}, Weights{0, 0, 100, 0}, true},
}

func TestWeightTables(t *testing.T) {
	for _, year := range allYears {
		y := mustYear(t, year)
		for _, tc := range guideWeights {
			name := tc.table + "/" + cats(tc.notScored...).String()
			t.Run(name, func(t *testing.T) {
				got := y.Table(tc.table).Lookup(cats(tc.notScored...))
				if got.NoPolicyRow {
					t.Fatalf("%d: no policy row", year)
				}
				if got.Weights != tc.want || got.AtThreshold != tc.threshold {
					t.Errorf("%d: got %v threshold=%v, want %v threshold=%v", year, got.Weights, got.AtThreshold, tc.want, tc.threshold)
				}
				sum := 0
				for _, w := range got.Weights {
					sum += w
				}
				if !tc.threshold && sum != 100 {
					t.Errorf("sum %d", sum)
				}
			})
		}
	}
}

func TestYearFacts(t *testing.T) {
	for _, year := range allYears {
		y := mustYear(t, year)
		if y.PaymentYear != year+2 || y.PerformanceThreshold != 75 {
			t.Errorf("%d: payment year %d threshold %v", year, y.PaymentYear, y.PerformanceThreshold)
		}
	}
	s, _ := Load()
	if _, err := s.ForYear(2021); err == nil || !strings.Contains(err.Error(), "2022, 2023, 2024, 2025") {
		t.Errorf("ForYear(2021) = %v, want an error naming the supported years", err)
	}
}

// rules.md section 2: clinician types with automatic PI reweighting by year.
func TestRules(t *testing.T) {
	t.Run(IDPIClinicianType, func(t *testing.T) {
		want := map[int][]string{
			2022: {"clinical_social_worker", "physician_assistant", "nurse_practitioner", "clinical_nurse_specialist",
				"certified_registered_nurse_anesthetist", "physical_therapist", "occupational_therapist",
				"speech_language_pathologist", "audiologist", "clinical_psychologist", "registered_dietitian"},
			2023: {"clinical_social_worker", "physical_therapist", "occupational_therapist",
				"speech_language_pathologist", "audiologist", "clinical_psychologist", "registered_dietitian"},
			2024: {"clinical_social_worker"},
			2025: {},
		}
		for year, types := range want {
			y := mustYear(t, year)
			if len(y.PIClinicianTypes) != len(types) {
				t.Errorf("%d: %d types, want %d", year, len(y.PIClinicianTypes), len(types))
			}
			for _, ct := range types {
				if !y.PIClinicianTypes[ct] {
					t.Errorf("%d: %s should have automatic PI reweighting", year, ct)
				}
				if got := y.IndividualPIReasons(IndividualStatus{}, false, ct); len(got) != 1 || got[0] != IDPIClinicianType {
					t.Errorf("%d %s: reasons %v", year, ct, got)
				}
			}
			for _, ct := range []string{"physician", "chiropractor", "certified_nurse_midwife", "other", ""} {
				if y.PIClinicianTypes[ct] {
					t.Errorf("%d: %s must not have automatic PI reweighting", year, ct)
				}
			}
		}
	})
	y := mustYear(t, 2025)
	i := func(v int64) model.OptInt { return model.OptInt{V: v, Valid: true} }
	t.Run(IDHospitalBased, func(t *testing.T) {
		cases := []struct {
			hosp, total model.OptInt
			want        bool
		}{
			{i(75), i(100), true}, // exactly 75% is hospital-based (at least 75%)
			{i(3), i(4), true},
			{i(74), i(100), false},
			{i(7499), i(10000), false},
			{i(100), i(100), true},
			{i(0), i(0), false}, // total must be > 0
			{model.OptInt{}, i(10), false},
			{i(10), model.OptInt{}, false},
		}
		for _, c := range cases {
			if got := y.HospitalBased(c.hosp, c.total); got != c.want {
				t.Errorf("HospitalBased(%v/%v) = %v", c.hosp, c.total, got)
			}
		}
	})
	t.Run(IDASCBased, func(t *testing.T) {
		if !y.ASCBased(i(75), i(100)) || y.ASCBased(i(74), i(100)) || y.ASCBased(i(0), i(0)) {
			t.Error("ASC-based at least 75% with total > 0")
		}
	})
	t.Run(IDNonPatientFacing, func(t *testing.T) {
		if !y.NonPatientFacing(i(100)) || !y.NonPatientFacing(i(0)) || y.NonPatientFacing(i(101)) || y.NonPatientFacing(model.OptInt{}) {
			t.Error("non-patient facing is 100 or fewer encounters")
		}
	})
	t.Run(IDSmallPractice, func(t *testing.T) {
		if !y.SmallPractice(15) || y.SmallPractice(16) || !y.SmallPractice(1) {
			t.Error("small practice is 15 or fewer clinicians")
		}
	})
	for _, id := range []string{IDGroupHospitalBased, IDGroupNonPatientFace, IDGroupASCBased} {
		t.Run(id, func(t *testing.T) {
			cases := []struct {
				count, n int
				want     bool
			}{
				{3, 4, false}, // exactly 75% does not qualify
				{75, 100, false},
				{76, 100, true},
				{4, 5, true},
				{4, 4, true},
				{0, 0, false},
				{751, 1000, true},
			}
			for _, c := range cases {
				if got := y.GroupShare(c.count, c.n); got != c.want {
					t.Errorf("GroupShare(%d/%d) = %v, want %v", c.count, c.n, got, c.want)
				}
			}
		})
	}
}

func TestIndividualSegmentsAndGiven(t *testing.T) {
	y := mustYear(t, 2025)
	i := func(v int64) model.OptCount { return model.CountOf(model.OptInt{V: v, Valid: true}) }
	b := func(v bool) model.OptBool { return model.OptBool{V: v, Valid: true} }
	// Met in segment 2 only: holds.
	s := y.Individual([]model.Clinician{
		{Segment: 1, HospitalServices: i(10), TotalServices: i(100), PatientFacingEncounters: i(500)},
		{Segment: 2, HospitalServices: i(80), TotalServices: i(100), PatientFacingEncounters: i(500)},
	})
	if !s.HospitalBased.Value || s.NonPatientFacing.Value || Source(s.HospitalBased, s.NonPatientFacing, s.ASCBased) != "derived" {
		t.Errorf("segments: %+v", s)
	}
	// A given false flag wins over counts that would derive true.
	s = y.Individual([]model.Clinician{{HospitalBased: b(false), HospitalServices: i(100), TotalServices: i(100), NonPatientFacing: b(true), ASCBased: b(false)}})
	if s.HospitalBased.Value || !s.NonPatientFacing.Value || Source(s.HospitalBased, s.NonPatientFacing, s.ASCBased) != "given" {
		t.Errorf("given: %+v", s)
	}
	s = y.Individual([]model.Clinician{{HospitalBased: b(true), PatientFacingEncounters: i(5)}})
	if got := Source(s.HospitalBased, s.NonPatientFacing, s.ASCBased); got != "mixed" {
		t.Errorf("source %s, want mixed", got)
	}
}

func TestValidation(t *testing.T) {
	good, err := yearFiles.ReadFile("years/2025.json")
	if err != nil {
		t.Fatal(err)
	}
	load := func(name, body string) error {
		_, err := LoadFS(fstest.MapFS{name: {Data: []byte(body)}})
		return err
	}
	if err := load("2025.json", string(good)); err != nil {
		t.Fatalf("good file: %v", err)
	}
	cases := map[string]string{
		"sum":          strings.Replace(string(good), `"weights": [55, 30, 15, 0]`, `"weights": [55, 30, 14, 0]`, 1),
		"missing row":  strings.Replace(string(good), `{"not_scored": ["quality", "ia"],   "weights": [0, 30, 0, 70]}`, `{"not_scored": ["quality", "ia", "cost"], "weights": [0, 0, 0, 100]}`, 1),
		"key mismatch": strings.Replace(string(good), `"weights": [45, 30, 0, 25]`, `"weights": [45, 0, 30, 25]`, 1),
		"bad type":     strings.Replace(string(good), `"pi_clinician_types": []`, `"pi_clinician_types": ["wizard"]`, 1),
		"payment year": strings.Replace(string(good), `"payment_year": 2027`, `"payment_year": 2026`, 1),
		"criteria":     strings.Replace(string(good), `"appendix_d"`, `"vibes"`, 1),
		"unknown key":  strings.Replace(string(good), `"performance_year": 2025,`, `"performance_year": 2025, "surprise": 1,`, 1),
		"no app":       strings.Replace(string(good), `"app": {`, `"apx": {`, 1),
	}
	for name, body := range cases {
		if body == string(good) {
			t.Fatalf("%s: replacement did not apply", name)
		}
		if err := load("2025.json", body); err == nil {
			t.Errorf("%s: loaded an invalid year file", name)
		}
	}
	if err := load("2024.json", string(good)); err == nil {
		t.Error("a file whose name disagrees with its year must fail")
	}
}

func TestAreas(t *testing.T) {
	for _, year := range allYears {
		a, err := BundledAreas(year)
		if err != nil {
			t.Fatal(err)
		}
		if z, c := a.Len(); z == 0 || c == 0 {
			t.Errorf("%d: %d zips %d counties", year, z, c)
		}
	}
	a, _ := BundledAreas(2025)
	if ok, ev := a.Match("91710", "", ""); !ok || ev != "zip:91710" {
		t.Errorf("2025 zip 91710 (Los Angeles): %v %s", ok, ev)
	}
	if ok, _ := a.Match("", "ca", "LOS ANGELES county"); !ok {
		t.Error("county match ignores case and a trailing 'county'")
	}
	if ok, _ := a.Match("", "TX", "McCulloch"); !ok {
		t.Error("2025 McCulloch, TX")
	}
	if ok, _ := a.Match("10001", "NY", "New York"); ok {
		t.Error("New York is not a 2025 automatic EUC area")
	}
	a24, _ := BundledAreas(2024)
	if ok, _ := a24.Match("", "LA", "St Bernard"); !ok {
		t.Error("2024 St. Bernard Parish matches 'St Bernard'")
	}
	custom := NewAreas("euc_areas", []model.EUCArea{{Zipcode: "12345"}, {StateCode: "WY", CountyName: "Teton"}})
	if ok, _ := custom.Match("12345", "", ""); !ok {
		t.Error("custom zip")
	}
	if ok, _ := custom.Match("91710", "", ""); ok {
		t.Error("euc_areas replaces the bundled list")
	}
}

// The allocation-free county key of Match is countyKey for every ASCII name, and declines the
// others (which take countyKey itself).
func TestAppendCountyKey(t *testing.T) {
	states := []string{"FL", "fl", " la ", "Tx", "\tNY\n", "ñ", "LA\u00a0"}
	counties := []string{"Lee", "St. Bernard Parish", "st bernard parish", "St Bernard", "Miami-Dade", "miami dade",
		"County", "Parish", "countycounty", "Prince George's County", "DeKalb", "Doña Ana", "\u212aent", "İzmir",
		"", "  ", "123 County", "O'Brien", "LaSalle Parish", "Parishcounty"}
	for _, st := range states {
		for _, c := range counties {
			got, ok := appendCountyKey(nil, st, c)
			ascii := true
			for _, r := range strings.TrimSpace(st) + c {
				ascii = ascii && r < 0x80
			}
			if ok != ascii {
				t.Errorf("(%q, %q): ok %v, want %v", st, c, ok, ascii)
			}
			if ok && string(got) != countyKey(st, c) {
				t.Errorf("(%q, %q): %q, countyKey %q", st, c, got, countyKey(st, c))
			}
		}
	}
	a := NewAreas("test", []model.EUCArea{{StateCode: "LA", CountyName: "St. Bernard Parish"}, {StateCode: "NM", CountyName: "Doña Ana"}})
	for _, c := range []struct{ state, county string }{{"la", "st bernard"}, {"LA", "ST. BERNARD"}, {"nm", "DOÑA ANA county"}} {
		if ok, _ := a.Match("", c.state, c.county); !ok {
			t.Errorf("Match(%q, %q) = false", c.state, c.county)
		}
	}
	if ok, _ := a.Match("", "TX", "St. Bernard"); ok {
		t.Error("a county matched in another state")
	}
}
