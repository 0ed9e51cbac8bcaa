package rules

import (
	"strings"
	"testing"

	"reweigh/model"
)

func sub(id string) []Submission { return []Submission{{ID: id}} }

func TestDecide(t *testing.T) {
	y := mustYear(t, 2025)
	type want struct {
		weights   Weights
		status    [4]string
		reasons   [4]string
		threshold bool
	}
	S, R, O := model.CategoryScored, model.CategoryReweighted, model.CategoryOverridden
	cases := []struct {
		name  string
		facts Facts
		want  want
	}{
		{
			name:  "standard",
			facts: Facts{Level: model.LevelIndividual, Pathway: model.PathwayTraditional},
			want:  want{weights: Weights{30, 30, 15, 25}, status: [4]string{S, S, S, S}},
		},
		{
			// docs/data.md worked example: hospital-based clinician in a small practice.
			name:  "hospital-based in a small practice",
			facts: Facts{Level: model.LevelIndividual, Pathway: model.PathwayTraditional, SmallPractice: true, PIAutomatic: []string{IDHospitalBased, IDSmallPractice}},
			want:  want{weights: Weights{40, 30, 30, 0}, status: [4]string{S, S, S, R}, reasons: [4]string{"", "", "", "status.hospital_based;status.small_practice"}},
		},
		{
			name:  "hospital-based, not small",
			facts: Facts{Level: model.LevelIndividual, Pathway: model.PathwayTraditional, PIAutomatic: []string{IDHospitalBased}},
			want:  want{weights: Weights{55, 30, 15, 0}, status: [4]string{S, S, S, R}, reasons: [4]string{"", "", "", "status.hospital_based"}},
		},
		{
			// 004 p. 8: automatic EUC + approved PI application, qualifying quality and IA data
			// -> quality and IA scored, cost and PI reweighted: 85/0/15/0.
			name: "EUC guide automatic EUC example",
			facts: Facts{Level: model.LevelIndividual, Pathway: model.PathwayTraditional, AutoEUC: true,
				Applications: []Application{{ID: "APP-4", Type: model.ExceptionEUC, Categories: cats("pi")}},
				Data:         [4][]Submission{model.Quality: sub("SUB-1"), model.IA: sub("SUB-2")}},
			want: want{weights: Weights{85, 0, 15, 0}, status: [4]string{O, R, O, R},
				reasons: [4]string{"euc.auto;override.data:SUB-1", "euc.auto", "euc.auto;override.data:SUB-2", "euc:APP-4;euc.auto"}},
		},
		{
			// 004 p. 9: all four categories approved, then IA and PI data -> IA 15, PI 85.
			name: "EUC guide all four then data",
			facts: Facts{Level: model.LevelIndividual, Pathway: model.PathwayTraditional,
				Applications: []Application{{ID: "APP-9", Type: model.ExceptionEUC, Categories: cats("quality", "cost", "ia", "pi")}},
				Data:         [4][]Submission{model.IA: sub("SUB-3"), model.PI: sub("SUB-4")}},
			want: want{weights: Weights{0, 0, 15, 85}, status: [4]string{R, R, O, O},
				reasons: [4]string{"euc:APP-9", "euc:APP-9", "euc:APP-9;override.data:SUB-3", "euc:APP-9;override.data:SUB-4"}},
		},
		{
			// 004 p. 10: APP, approved quality application -> IA 25, PI 75, cost 0.
			name: "EUC guide APP example",
			facts: Facts{Level: model.LevelIndividual, Pathway: model.PathwayAPP,
				Applications: []Application{{ID: "APP-2", Type: model.ExceptionEUC, Categories: cats("quality")}}},
			want: want{weights: Weights{0, 0, 25, 75}, status: [4]string{R, R, S, S}, reasons: [4]string{"euc:APP-2", "cost.app", "", ""}},
		},
		{
			name:  "APP standard",
			facts: Facts{Level: model.LevelAPMEntity, Pathway: model.PathwayAPP},
			want:  want{weights: Weights{50, 0, 20, 30}, status: [4]string{S, R, S, S}, reasons: [4]string{"", "cost.app", "", ""}},
		},
		{
			name: "cost in an EUC application is never voided",
			facts: Facts{Level: model.LevelGroup, Pathway: model.PathwayTraditional,
				Applications: []Application{{ID: "APP-1", Type: model.ExceptionEUC, Categories: cats("cost", "quality")}},
				Data:         [4][]Submission{model.Quality: sub("SUB-5")}},
			want: want{weights: Weights{55, 0, 15, 30}, status: [4]string{O, R, S, S}, reasons: [4]string{"euc:APP-1;override.data:SUB-5", "euc:APP-1", "", ""}},
		},
		{
			name: "PI hardship voided by qualifying PI data",
			facts: Facts{Level: model.LevelIndividual, Pathway: model.PathwayTraditional,
				Applications: []Application{{ID: "APP-17", Type: model.ExceptionPIHardship}},
				Data:         [4][]Submission{model.PI: sub("SUB-9")}},
			want: want{weights: Weights{30, 30, 15, 25}, status: [4]string{S, S, S, O}, reasons: [4]string{"", "", "", "pi_hardship:APP-17;override.data:SUB-9"}},
		},
		{
			name: "three not scored: threshold, the one left at 100%",
			facts: Facts{Level: model.LevelIndividual, Pathway: model.PathwayTraditional, PIAutomatic: []string{IDNonPatientFacing},
				Applications: []Application{{ID: "APP-3", Type: model.ExceptionEUC, Categories: cats("cost", "ia")}}},
			want: want{weights: Weights{100, 0, 0, 0}, status: [4]string{S, R, R, R}, reasons: [4]string{"", "euc:APP-3", "euc:APP-3", "status.non_patient_facing"}, threshold: true},
		},
		{
			name:  "cost case minimum",
			facts: Facts{Level: model.LevelGroup, Pathway: model.PathwayTraditional, CostReweighted: []string{IDCostCaseMinimum}},
			want:  want{weights: Weights{55, 0, 15, 30}, status: [4]string{S, R, S, S}, reasons: [4]string{"", "cost.case_minimum", "", ""}},
		},
		{
			name: "approved APM Entity EUC: threshold, data never voids it",
			facts: Facts{Level: model.LevelAPMEntity, Pathway: model.PathwayAPP, APMEntityEUC: "APP-30",
				Data: [4][]Submission{model.Quality: sub("SUB-8")}},
			want: want{weights: Weights{0, 0, 100, 0}, status: [4]string{R, R, S, R},
				reasons: [4]string{"euc.apm_entity_all:APP-30", "cost.app;euc.apm_entity_all:APP-30", "", "euc.apm_entity_all:APP-30"}, threshold: true},
		},
		{
			name: "automatic EUC in an APM with quality data scores IA",
			facts: Facts{Level: model.LevelIndividual, Pathway: model.PathwayTraditional, AutoEUC: true, InAPM: true,
				Data: [4][]Submission{model.Quality: {{ID: "SUB-6", Claims: true}}}},
			want: want{weights: Weights{85, 0, 15, 0}, status: [4]string{O, R, O, R},
				reasons: [4]string{"euc.auto;override.claims_quality:SUB-6", "euc.auto", "euc.auto;euc.auto.apm_ia", "euc.auto"}},
		},
		{
			name: "subgroup inherits, own data voids for itself",
			facts: Facts{Level: model.LevelSubgroup, Pathway: model.PathwayMVP,
				Inherited: [4][]string{model.PI: {"subgroup.inherit:123456789", "pi_hardship:APP-1"}},
				Data:      [4][]Submission{model.PI: sub("SUB-7")}},
			want: want{weights: Weights{30, 30, 15, 25}, status: [4]string{S, S, S, O},
				reasons: [4]string{"", "", "", "subgroup.inherit:123456789;pi_hardship:APP-1;subgroup.own_data:SUB-7"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := y.Decide(&tc.facts)
			if d.Weights != tc.want.weights || d.AtThreshold != tc.want.threshold {
				t.Errorf("weights %v threshold %v, want %v threshold %v", d.Weights, d.AtThreshold, tc.want.weights, tc.want.threshold)
			}
			for _, c := range model.Categories {
				if d.Status[c] != tc.want.status[c] {
					t.Errorf("%s status %s, want %s", c, d.Status[c], tc.want.status[c])
				}
				if got := strings.Join(d.Reasons[c], ";"); got != tc.want.reasons[c] {
					t.Errorf("%s reasons %q, want %q", c, got, tc.want.reasons[c])
				}
			}
		})
	}
}

func TestFinalScore(t *testing.T) {
	y := mustYear(t, 2025)
	f := func(v float64) model.OptFloat { return model.OptFloat{V: v, Valid: true} }
	d := y.Decide(&Facts{Level: model.LevelIndividual, Pathway: model.PathwayTraditional})
	got, missing := y.FinalScore(&d, ptr(model.NewCategoryScores(f(80), f(50), f(100), f(90), f(2.5))))
	// 0.30*80 + 0.30*50 + 0.15*100 + 0.25*90 + 2.5 = 24 + 15 + 15 + 22.5 + 2.5 = 79
	if missing || !got.Valid || got.V != 79 {
		t.Errorf("final score %v missing %v, want 79", got, missing)
	}
	got, _ = y.FinalScore(&d, ptr(model.NewCategoryScores(f(100), f(100), f(100), f(100), f(10))))
	if got.V != 100 {
		t.Errorf("capped at 100: %v", got)
	}
	if got, missing := y.FinalScore(&d, ptr(model.NewCategoryScores(f(80), f(50), f(100), model.OptFloat{}, model.OptFloat{}))); got.Valid || !missing {
		t.Errorf("a weighted category without a score gives null: %v %v", got, missing)
	}
	th := y.Decide(&Facts{Level: model.LevelIndividual, Pathway: model.PathwayTraditional, AutoEUC: true})
	if got, _ := y.FinalScore(&th, nil); !got.Valid || got.V != 75 {
		t.Errorf("threshold: %v", got)
	}
}

func TestQualifies(t *testing.T) {
	day := func(y, m, d int) model.Date { return model.Date{Days: daysFromCivil(y, m, d), Valid: true} }
	datesOnly := &model.Submission{Category: model.PI, PerformanceStart: day(2025, 1, 1), PerformanceEnd: day(2025, 12, 31), CEHRT: true}
	full := piComplete()
	y24, y25 := mustYear(t, 2024), mustYear(t, 2025)
	// rules.md section 4: in 2024 dates and a CEHRT ID are data; in 2025 they are not.
	if !y24.Qualifies(datesOnly, nil) {
		t.Error("2024: a PI submission with only dates and a CEHRT ID scores PI")
	}
	if y25.Qualifies(datesOnly, nil) {
		t.Error("2025: a PI submission with only dates and a CEHRT ID is not qualifying")
	}
	if !y25.Qualifies(datesOnly, full) {
		t.Error("2025: performance data, attestation, CEHRT ID and a full year qualify")
	}
	short := *datesOnly
	short.PerformanceStart = day(2025, 9, 1) // 122 days < 180
	if y25.Qualifies(&short, full) {
		t.Error("2025: a PI period shorter than 180 days is not qualifying")
	}
	noCEHRT := *datesOnly
	noCEHRT.CEHRT = false
	if y25.Qualifies(&noCEHRT, full) {
		t.Error("2025: PI without a CEHRT ID is not qualifying")
	}
	q := &model.Submission{Category: model.Quality}
	if y25.Qualifies(q, []model.Measurement{{MeasureID: "001", Flags: model.HasNumerator}}) {
		t.Error("2025: quality needs numerator and denominator")
	}
	if !y25.Qualifies(q, []model.Measurement{{MeasureID: "001", Flags: model.HasNumerator | model.HasDenominator}}) {
		t.Error("2025: quality with numerator and denominator qualifies")
	}
	ia := &model.Submission{Category: model.IA}
	if y25.Qualifies(ia, []model.Measurement{{MeasureID: "IA_EPA_1", Flags: model.HasValue}}) || !y25.Qualifies(ia, []model.Measurement{{MeasureID: "IA_EPA_1", Flags: model.HasValue | model.ValueYes}}) {
		t.Error("2025: IA needs one yes")
	}
	if y24.Qualifies(&model.Submission{Category: model.Quality}, nil) {
		t.Error("2024: an empty submission is no data")
	}
}

// TestDecideLeavesFactsAlone: a decision may take its facts' reason lists as its own, but never
// writes into them, even where they have room: facts' lists are shared (a TIN's PI reasons by
// all its individuals), and a decision's later reasons (an application, data) must not land in
// the next decision's.
func TestDecideLeavesFactsAlone(t *testing.T) {
	y := mustYear(t, 2025)
	pi := append(make([]string, 0, 4), IDSmallPractice)
	cost := append(make([]string, 0, 4), IDCostCaseMinimum)
	f := Facts{Level: model.LevelIndividual, Pathway: model.PathwayTraditional, SmallPractice: true,
		PIAutomatic: pi, CostReweighted: cost,
		Applications: []Application{{ID: "A1", Type: model.ExceptionPIHardship}, {ID: "A2", Type: model.ExceptionEUC, Categories: model.CategorySet(0).With(model.Cost)}}}
	first := y.Decide(&f)
	f.Applications = []Application{{ID: "B1", Type: model.ExceptionPIHardship}, {ID: "B2", Type: model.ExceptionEUC, Categories: model.CategorySet(0).With(model.Cost)}}
	second := y.Decide(&f)
	if got := pi[:cap(pi)]; got[1] != "" || got[0] != IDSmallPractice {
		t.Errorf("the facts' PI list was written into: %q", got)
	}
	if got := cost[:cap(cost)]; got[1] != "" {
		t.Errorf("the facts' cost list was written into: %q", got)
	}
	if got, want := strings.Join(first.Reasons[model.PI], ";"), IDSmallPractice+";"+IDPIHardship+":A1"; got != want {
		t.Errorf("first decision's PI reasons %q, want %q", got, want)
	}
	if got, want := strings.Join(second.Reasons[model.Cost], ";"), IDCostCaseMinimum+";"+IDEUC+":B2"; got != want {
		t.Errorf("second decision's cost reasons %q, want %q", got, want)
	}
}

func ptr[T any](v T) *T { return &v }
