package rules

import (
	"slices"

	"reweigh/model"
)

// Qualifies reports whether a submission is a qualifying data submission in its category for
// the year (rules.md section 4): from 2025 the EUC guide's Appendix D minimum criteria; for
// 2022-2024 any data in the category (for PI even performance period dates or one attestation
// answer).
func (y *Year) Qualifies(s *model.Submission, ms []model.Measurement) bool {
	if y.Qualifying.Criteria == CriteriaAnyData {
		return len(ms) > 0 || s.PerformanceStart.Valid || s.PerformanceEnd.Valid || s.CEHRT
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
	if !s.CEHRT || !s.PerformanceStart.Valid || !s.PerformanceEnd.Valid {
		return false
	}
	days := int(s.PerformanceEnd.Days-s.PerformanceStart.Days) + 1
	if days < y.Qualifying.PIMinPerformanceDays || !inYear(s.PerformanceStart, y.PerformanceYear) || !inYear(s.PerformanceEnd, y.PerformanceYear) {
		return false
	}
	// A PI submission has a few dozen rows: the measure IDs with data and those attested
	// "yes" are kept in small sets that live on the stack.
	var performance, attested idSet
	for i := range ms {
		m := &ms[i]
		if m.Flags.Has(model.ValueYes) {
			attested.add(m.MeasureID)
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
			performance.add(m.MeasureID)
			if target, ok := y.Qualifying.PIExclusions[m.MeasureID]; ok {
				performance.add(target)
			}
		case m.Flags.Has(model.HasNumerator | model.HasDenominator), m.Flags.Has(model.ValueYes):
			performance.add(m.MeasureID)
		}
	}
	if len(y.Qualifying.PIObjectives) == 0 && performance.len() == 0 {
		return false
	}
	for _, o := range y.Qualifying.PIObjectives {
		met := false
		for _, opt := range o.AnyOf {
			all := true
			for _, id := range opt {
				all = all && performance.has(id)
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
		if !attested.has(id) {
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

// idSet is a set of measure IDs: a small array, then a map once it holds more than it.
type idSet struct {
	n     int
	small [24]string
	big   map[string]bool
}

func (s *idSet) add(id string) {
	if s.has(id) {
		return
	}
	if s.big == nil && s.n < len(s.small) {
		s.small[s.n] = id
		s.n++
		return
	}
	if s.big == nil {
		s.big = make(map[string]bool, 2*len(s.small))
		for _, v := range s.small[:s.n] {
			s.big[v] = true
		}
	}
	s.big[id] = true
}

func (s *idSet) has(id string) bool {
	if s.big != nil {
		return s.big[id]
	}
	return slices.Contains(s.small[:s.n], id)
}

func (s *idSet) len() int {
	if s.big != nil {
		return len(s.big)
	}
	return s.n
}
