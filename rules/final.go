package rules

import (
	"math"

	"reweigh/model"
)

// FinalScore computes an entity's final score (rules.md final.score): the performance threshold
// when the decision is at the threshold; otherwise the sum of weight x category score / 100 for
// every weighted category plus the complex patient bonus, at most 100. It is null when there is
// no policy row, no scores row, or a weighted category has no score (missing is then true).
func (y *Year) FinalScore(d *Decision, s *model.CategoryScores) (score model.OptFloat, missing bool) {
	if d.AtThreshold {
		return model.OptFloat{V: y.PerformanceThreshold, Valid: true}, false
	}
	if d.NoPolicyRow || s == nil {
		return model.OptFloat{}, false
	}
	// Sum in hundredths of a point x weight to keep the arithmetic exact for scores given to
	// two decimals, then scale once.
	total := 0.0
	for _, c := range model.Categories {
		w := d.Weights[c]
		if w == 0 {
			continue
		}
		sc := s.Of(c)
		if !sc.Valid {
			return model.OptFloat{}, true
		}
		// The conversion rounds the product before it is added (the Go spec): the compiler may
		// otherwise fuse the two into one FMA instruction on processors that have it (a
		// GOAMD64=v3 build, arm64), and a score could then differ in its last bit between builds.
		total += float64(float64(w) * sc.V)
	}
	v := total / 100
	if b := s.ComplexPatientBonus(); b.Valid {
		v += b.V
	}
	v = math.Min(v, 100)
	// Round away float noise (e.g. 84.99999999999999) at 1e-9 points.
	v = math.Round(v*1e9) / 1e9
	return model.OptFloat{V: v, Valid: true}, false
}
