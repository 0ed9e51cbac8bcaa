package rules

import "reweigh/model"

// Qualifies reports whether a submission is a qualifying data submission in its category for
// the year (rules.md section 4): from 2025 the EUC guide's Appendix D minimum criteria; for
// 2022-2024 any data in the category (for PI even performance period dates or one attestation
// answer).
func (y *Year) Qualifies(s *model.Submission, ms []model.Measurement) bool {
	if y.Qualifying.Criteria == CriteriaAnyData {
		return len(ms) > 0 || s.PerformanceStart.Valid || s.PerformanceEnd.Valid || s.CEHRTID != ""
	}
	switch s.Category {
	case model.Quality:
		for i := range ms {
			if ms[i].Flags.Has(model.HasNumerator | model.HasDenominator) {
				return true
			}
		}
		return false
	case model.IA:
		for i := range ms {
			if ms[i].Flags.Has(model.ValueYes) {
				return true
			}
		}
		return false
	case model.PI:
		return y.piQualifies(s, ms)
	}
	return false
}

func (y *Year) piQualifies(s *model.Submission, ms []model.Measurement) bool {
	if s.CEHRTID == "" || !s.PerformanceStart.Valid || !s.PerformanceEnd.Valid {
		return false
	}
	days := int(s.PerformanceEnd.Days-s.PerformanceStart.Days) + 1
	if days < y.Qualifying.PIMinPerformanceDays || !inYear(s.PerformanceStart, y.PerformanceYear) || !inYear(s.PerformanceEnd, y.PerformanceYear) {
		return false
	}
	performance := map[string]bool{}
	attested := map[string]bool{}
	for i := range ms {
		m := &ms[i]
		if m.Flags.Has(model.ValueYes) {
			attested[m.MeasureID] = true
		}
		claimed := m.Flags.Has(model.ExclusionYes)
		if _, isExclusion := y.Qualifying.PIExclusions[m.MeasureID]; isExclusion && m.Flags.Has(model.ValueYes) {
			// CMS reports an exclusion as its own yes/no measure: "yes" claims it.
			claimed = true
		}
		switch {
		case claimed:
			// A claimed exclusion counts as data for the measure it excludes (or, given
			// against the measure's own ID, for that measure).
			performance[m.MeasureID] = true
			if target, ok := y.Qualifying.PIExclusions[m.MeasureID]; ok {
				performance[target] = true
			}
		case m.Flags.Has(model.HasNumerator | model.HasDenominator), m.Flags.Has(model.ValueYes):
			performance[m.MeasureID] = true
		}
	}
	if len(y.Qualifying.PIObjectives) == 0 && len(performance) == 0 {
		return false
	}
	for _, o := range y.Qualifying.PIObjectives {
		met := false
		for _, opt := range o.AnyOf {
			all := true
			for _, id := range opt {
				all = all && performance[id]
			}
			if all {
				met = true
				break
			}
		}
		if !met {
			return false
		}
	}
	for _, id := range y.Qualifying.PIRequiredAttestations {
		if !attested[id] {
			return false
		}
	}
	return true
}

// inYear reports whether a date falls in the calendar year.
func inYear(d model.Date, year int) bool {
	start := daysFromCivil(year, 1, 1)
	end := daysFromCivil(year+1, 1, 1)
	return d.Days >= start && d.Days < end
}

// daysFromCivil converts a calendar date to days since 1970-01-01 (proleptic Gregorian).
func daysFromCivil(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}
