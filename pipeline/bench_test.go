package pipeline

import (
	"context"
	"fmt"
	"testing"

	"reweigh/model"
)

// syntheticInputs builds n clinicians in TINs of 1 to 40, with an approved application and a
// qualifying-looking submission for some, in memory (no I/O).
func syntheticInputs(n int) *model.Inputs {
	in := &model.Inputs{Present: map[string]bool{model.TableClinicians: true, model.TableExceptions: true, model.TableSubmissions: true, model.TableMeasurements: true}}
	iv := func(v int64) model.OptCount { return model.CountOf(model.OptInt{V: v, Valid: true}) }
	tin, size := 0, 0
	var measurements []model.Measurement
	for i := range n {
		if size == 0 {
			tin++
			size = 1 + (tin*7919)%40
		}
		size--
		c := model.Clinician{NPI: fmt.Sprintf("1%09d", i), TIN: fmt.Sprintf("%09d", tin), ClinicianType: "physician", MIPSEligible: true,
			TotalServices: iv(1000), HospitalServices: iv(int64((i * 37) % 1000)), ASCServices: iv(0), PatientFacingEncounters: iv(int64((i * 13) % 600))}
		in.Clinicians = append(in.Clinicians, c)
		key := model.IndividualKey(c.NPI, c.TIN)
		if i%30 == 0 {
			in.Exceptions = append(in.Exceptions, model.Exception{ApplicationID: fmt.Sprintf("APP-%d", i), ExceptionType: model.ExceptionPIHardship, Entity: key, Status: model.StatusApproved})
		}
		if i%3 == 0 {
			id := fmt.Sprintf("SUB-%d", i)
			in.Submissions = append(in.Submissions, model.Submission{SubmissionID: id, Entity: key, Pathway: model.PathwayTraditional, Category: model.Quality})
			measurements = append(measurements, model.Measurement{SubmissionID: id, MeasureID: "001", Flags: model.HasNumerator | model.HasDenominator})
		}
	}
	in.Measurements = model.MeasurementsOf(measurements...)
	return in
}

// BenchmarkDetermine is the determination stage over 100,000 clinicians (no I/O).
func BenchmarkDetermine(b *testing.B) {
	in := syntheticInputs(100_000)
	y, _ := mustSet(&testing.T{}).ForYear(2025)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Determine(context.Background(), y, in, nil, 2); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(in.Clinicians))*float64(b.N)/b.Elapsed().Seconds(), "clinicians/s")
}
