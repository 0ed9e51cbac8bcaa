package rules

import (
	"testing"

	"reweigh/model"
)

// BenchmarkDecide is the rules hot path: one entity's facts to statuses, reasons and weights.
func BenchmarkDecide(b *testing.B) {
	y := mustYear(&testing.T{}, 2025)
	facts := []Facts{
		{Level: model.LevelIndividual, Pathway: model.PathwayTraditional},
		{Level: model.LevelIndividual, Pathway: model.PathwayTraditional, SmallPractice: true, PIAutomatic: []string{IDHospitalBased, IDSmallPractice}},
		{Level: model.LevelIndividual, Pathway: model.PathwayTraditional, AutoEUC: true,
			Applications: []Application{{ID: "APP-4", Type: model.ExceptionEUC, Categories: cats("pi")}},
			Data:         [4][]Submission{model.Quality: {{ID: "SUB-1"}}}},
		{Level: model.LevelGroup, Pathway: model.PathwayAPP, CostReweighted: []string{IDCostCaseMinimum}},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d := y.Decide(&facts[i%len(facts)])
		if d.NoPolicyRow {
			b.Fatal("no policy row")
		}
	}
}

// BenchmarkIndividualStatus derives the statuses of a two-segment clinician.
func BenchmarkIndividualStatus(b *testing.B) {
	y := mustYear(&testing.T{}, 2025)
	i := func(v int64) model.OptCount { return model.CountOf(model.OptInt{V: v, Valid: true}) }
	rows := []model.Clinician{
		{Segment: 1, TotalServices: i(1000), HospitalServices: i(800), ASCServices: i(0), PatientFacingEncounters: i(500)},
		{Segment: 2, TotalServices: i(900), HospitalServices: i(100), ASCServices: i(0), PatientFacingEncounters: i(90)},
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = y.Individual(rows)
	}
}
