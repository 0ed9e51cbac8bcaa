package rules

import (
	"fmt"
	"slices"
	"testing"

	"reweigh/model"
)

// The 2025 PI minimum criteria (004_aaf330f8523daf53.txt Appendix D) with the required measures,
// exclusions and attestation statements of CMSgov/qpp-measures-data measures/2025/measures-data.json
// (years/2025.json qualifying.pi_source).

func piNumDen(id string, num, den int64) model.Measurement {
	return model.Measurement{MeasureID: id, Flags: model.HasNumerator | model.HasDenominator}
}

func piYes(id string) model.Measurement {
	return model.Measurement{MeasureID: id, Flags: model.HasValue | model.ValueYes}
}

func piNo(id string) model.Measurement {
	return model.Measurement{MeasureID: id, Flags: model.HasValue}
}

func piExcluded(id string) model.Measurement {
	return model.Measurement{MeasureID: id, Flags: model.HasExclusion | model.ExclusionYes}
}

// piComplete is a complete 2025 PI submission: every objective's required measures and both
// required attestations.
func piComplete() []model.Measurement {
	return []model.Measurement{
		piNumDen("PI_EP_1", 800, 900), // Electronic Prescribing
		piYes("PI_EP_2"),
		piNumDen("PI_HIE_1", 50, 70), // Health Information Exchange, option 1
		piNumDen("PI_HIE_4", 20, 25),
		piNumDen("PI_PEA_1", 300, 310), // Provider to Patient Exchange
		piYes("PI_PHCDRR_1"),           // Public Health and Clinical Data Exchange
		piYes("PI_PHCDRR_3"),
		piYes("PI_PPHI_1"), // Protect Patient Health Information
		piYes("PI_PPHI_2"),
		piYes("PI_INFBLO_1"), // attestations
		piYes("PI_ONCDIR_1"),
	}
}

// piWithout drops the named measures from a submission.
func piWithout(ms []model.Measurement, ids ...string) []model.Measurement {
	return slices.DeleteFunc(slices.Clone(ms), func(m model.Measurement) bool { return slices.Contains(ids, m.MeasureID) })
}

// piWith adds measurements to a copy of a submission.
func piWith(ms []model.Measurement, add ...model.Measurement) []model.Measurement {
	return append(slices.Clone(ms), add...)
}

func piSubmission(startY, startM, startD, endY, endM, endD int) *model.Submission {
	return &model.Submission{
		Category:         model.PI,
		PerformanceStart: model.Date{Days: daysFromCivil(startY, startM, startD), Valid: true},
		PerformanceEnd:   model.Date{Days: daysFromCivil(endY, endM, endD), Valid: true},
		CEHRT:            true,
	}
}

func TestPIRequired2025(t *testing.T) {
	y := mustYear(t, 2025)
	full := piSubmission(2025, 1, 1, 2025, 12, 31)
	hie := piWithout(piComplete(), "PI_HIE_1", "PI_HIE_4")
	cases := []struct {
		name string
		sub  *model.Submission
		ms   []model.Measurement
		want bool
	}{
		{"complete", full, piComplete(), true},
		{"complete, 180 days", piSubmission(2025, 7, 5, 2025, 12, 31), piComplete(), true},
		{"complete, 179 days", piSubmission(2025, 7, 6, 2025, 12, 31), piComplete(), false},
		{"complete, bonus and optional measures too", full, piWith(piComplete(), piYes("PI_PHCDRR_2"), piYes("PI_PHCDRR_4"), piYes("PI_PHCDRR_5"), piYes("PI_ONCACB_1"), piYes("PI_PHCDRR_1_PROD"), piYes("PI_PHCDRR_3_PRE")), true},
		{"only dates and a CEHRT ID", full, nil, false},

		// Each objective missing.
		{"no Electronic Prescribing", full, piWithout(piComplete(), "PI_EP_1", "PI_EP_2"), false},
		{"no e-Prescribing", full, piWithout(piComplete(), "PI_EP_1"), false},
		{"no Query of PDMP", full, piWithout(piComplete(), "PI_EP_2"), false},
		{"no Health Information Exchange", full, hie, false},
		{"HIE sending without receiving", full, piWithout(piComplete(), "PI_HIE_4"), false},
		{"HIE receiving without sending", full, piWithout(piComplete(), "PI_HIE_1"), false},
		{"no Provider to Patient Exchange", full, piWithout(piComplete(), "PI_PEA_1"), false},
		{"no Public Health and Clinical Data Exchange", full, piWithout(piComplete(), "PI_PHCDRR_1", "PI_PHCDRR_3"), false},
		{"no Immunization Registry Reporting", full, piWithout(piComplete(), "PI_PHCDRR_1"), false},
		{"no Electronic Case Reporting", full, piWithout(piComplete(), "PI_PHCDRR_3"), false},
		{"only optional registries for Public Health", full, piWith(piWithout(piComplete(), "PI_PHCDRR_1", "PI_PHCDRR_3"), piYes("PI_PHCDRR_2"), piYes("PI_PHCDRR_4"), piYes("PI_PHCDRR_5")), false},
		{"no Protect Patient Health Information", full, piWithout(piComplete(), "PI_PPHI_1", "PI_PPHI_2"), false},
		{"no Security Risk Analysis", full, piWithout(piComplete(), "PI_PPHI_1"), false},
		{"no SAFER Guides", full, piWithout(piComplete(), "PI_PPHI_2"), false},
		{"Security Risk Analysis answered no", full, piWith(piWithout(piComplete(), "PI_PPHI_1"), piNo("PI_PPHI_1")), false},
		{"Query of PDMP without numerator and denominator or yes", full, piWith(piWithout(piComplete(), "PI_EP_2"), model.Measurement{MeasureID: "PI_EP_2"}), false},
		{"e-Prescribing numerator without denominator", full, piWith(piWithout(piComplete(), "PI_EP_1"), model.Measurement{MeasureID: "PI_EP_1", Flags: model.HasNumerator}), false},

		// Each alternative of the Health Information Exchange objective alone.
		{"HIE: Support Electronic Referral Loops by sending and receiving", full, piWith(hie, piNumDen("PI_HIE_1", 1, 2), piNumDen("PI_HIE_4", 1, 2)), true},
		{"HIE: HIE Bi-Directional Exchange", full, piWith(hie, piYes("PI_HIE_5")), true},
		{"HIE: Enabling Exchange under TEFCA", full, piWith(hie, piYes("PI_HIE_6")), true},
		{"HIE: Bi-Directional Exchange answered no", full, piWith(hie, piNo("PI_HIE_5")), false},

		// A claimed exclusion in place of a required measure: through the exclusion's own
		// measure ID, or flagged on the measure itself.
		{"e-Prescribing exclusion PI_LVPP_1", full, piWith(piWithout(piComplete(), "PI_EP_1"), piExcluded("PI_LVPP_1")), true},
		{"e-Prescribing excluded on PI_EP_1", full, piWith(piWithout(piComplete(), "PI_EP_1"), piExcluded("PI_EP_1")), true},
		{"Query of PDMP exclusion PI_EP_2_EX_1", full, piWith(piWithout(piComplete(), "PI_EP_2"), piExcluded("PI_EP_2_EX_1")), true},
		{"Query of PDMP exclusion PI_EP_2_EX_2", full, piWith(piWithout(piComplete(), "PI_EP_2"), piExcluded("PI_EP_2_EX_2")), true},
		{"both Electronic Prescribing measures excluded", full, piWith(piWithout(piComplete(), "PI_EP_1", "PI_EP_2"), piExcluded("PI_LVPP_1"), piExcluded("PI_EP_2_EX_2")), true},
		{"HIE sending exclusion PI_LVOTC_1", full, piWith(piWithout(piComplete(), "PI_HIE_1"), piExcluded("PI_LVOTC_1")), true},
		{"HIE receiving exclusion PI_LVITC_2", full, piWith(piWithout(piComplete(), "PI_HIE_4"), piExcluded("PI_LVITC_2")), true},
		{"Immunization Registry exclusion PI_PHCDRR_1_EX_1", full, piWith(piWithout(piComplete(), "PI_PHCDRR_1"), piExcluded("PI_PHCDRR_1_EX_1")), true},
		{"Immunization Registry exclusion PI_PHCDRR_1_EX_3", full, piWith(piWithout(piComplete(), "PI_PHCDRR_1"), piExcluded("PI_PHCDRR_1_EX_3")), true},
		{"Electronic Case Reporting exclusion PI_PHCDRR_3_EX_2", full, piWith(piWithout(piComplete(), "PI_PHCDRR_3"), piExcluded("PI_PHCDRR_3_EX_2")), true},
		{"both public health registries excluded", full, piWith(piWithout(piComplete(), "PI_PHCDRR_1", "PI_PHCDRR_3"), piExcluded("PI_PHCDRR_1_EX_2"), piExcluded("PI_PHCDRR_3_EX_1")), true},
		{"an exclusion for another measure does not stand in", full, piWith(piWithout(piComplete(), "PI_EP_1"), piExcluded("PI_LVOTC_1")), false},

		// Required attestations.
		{"no Actions to Limit or Restrict Compatibility attestation", full, piWithout(piComplete(), "PI_INFBLO_1"), false},
		{"Actions to Limit or Restrict Compatibility answered no", full, piWith(piWithout(piComplete(), "PI_INFBLO_1"), piNo("PI_INFBLO_1")), false},
		{"no ONC Direct Review attestation", full, piWithout(piComplete(), "PI_ONCDIR_1"), false},
		{"ONC-ACB Surveillance attestation is optional", full, piWith(piComplete(), piNo("PI_ONCACB_1")), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := y.Qualifies(c.sub, c.ms); got != c.want {
				t.Errorf("Qualifies = %v, want %v", got, c.want)
			}
		})
	}
}

func TestPIRequiredYearData2025(t *testing.T) {
	q := mustYear(t, 2025).Qualifying
	if q.Criteria != CriteriaAppendixD || q.PIMinPerformanceDays != 180 {
		t.Fatalf("2025 qualifying: criteria %q, %d days", q.Criteria, q.PIMinPerformanceDays)
	}
	if q.PISource == "" {
		t.Error("2025 qualifying.pi_source is empty")
	}
	required := map[string]bool{}
	for _, o := range q.PIObjectives {
		for _, opt := range o.AnyOf {
			for _, id := range opt {
				required[id] = true
			}
		}
	}
	for excl, target := range q.PIExclusions {
		if required[excl] {
			t.Errorf("exclusion %s is listed as a required measure", excl)
		}
		if !required[target] {
			t.Errorf("exclusion %s excludes %s, which no objective requires", excl, target)
		}
	}
	for _, id := range q.PIRequiredAttestations {
		if required[id] {
			t.Errorf("attestation %s is also an objective's measure", id)
		}
	}
}

func TestPIAnyData2024(t *testing.T) {
	y := mustYear(t, 2024)
	if y.Qualifying.Criteria != CriteriaAnyData {
		t.Fatalf("2024 criteria %q, want %q", y.Qualifying.Criteria, CriteriaAnyData)
	}
	cases := []struct {
		name string
		sub  *model.Submission
		ms   []model.Measurement
		want bool
	}{
		{"only dates", &model.Submission{Category: model.PI, PerformanceStart: model.Date{Days: daysFromCivil(2024, 1, 1), Valid: true}, PerformanceEnd: model.Date{Days: daysFromCivil(2024, 12, 31), Valid: true}}, nil, true},
		{"only one attestation answer", &model.Submission{Category: model.PI}, []model.Measurement{piNo("PI_INFBLO_1")}, true},
		{"an incomplete 2025-style submission", piSubmission(2024, 1, 1, 2024, 12, 31), piWithout(piComplete(), "PI_PEA_1", "PI_ONCDIR_1"), true},
		{"nothing", &model.Submission{Category: model.PI}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := y.Qualifies(c.sub, c.ms); got != c.want {
				t.Errorf("Qualifies = %v, want %v", got, c.want)
			}
		})
	}
}

// CMS reports an exclusion as its own yes/no measure: PI_LVPP_1 answered "yes" stands in for
// e-Prescribing.
func TestPIExclusionAnsweredYes(t *testing.T) {
	y := mustYear(t, 2025)
	day := func(m, d int) model.Date { return model.Date{Days: daysFromCivil(2025, m, d), Valid: true} }
	s := &model.Submission{Category: model.PI, PerformanceStart: day(1, 1), PerformanceEnd: day(12, 31), CEHRT: true}
	ms := piWith(piWithout(piComplete(), "PI_EP_1"), piYes("PI_LVPP_1"))
	if !y.Qualifies(s, ms) {
		t.Error("PI_LVPP_1 = yes claims the e-Prescribing exclusion")
	}
	no := piWith(piWithout(piComplete(), "PI_EP_1"), model.Measurement{MeasureID: "PI_LVPP_1", Flags: model.HasValue})
	if y.Qualifies(s, no) {
		t.Error("PI_LVPP_1 = no claims nothing")
	}
}

// idSet holds any number of IDs: past its small array it moves them to a map.
func TestIDSet(t *testing.T) {
	var s idSet
	for round := 0; round < 2; round++ { // the second round adds duplicates only
		for i := range 100 {
			s.add(fmt.Sprintf("PI_%03d", i))
			if s.len() != max(i+1, 100*round) {
				t.Fatalf("round %d, %d added: len %d", round, i+1, s.len())
			}
		}
	}
	for i := range 100 {
		if !s.has(fmt.Sprintf("PI_%03d", i)) {
			t.Errorf("PI_%03d missing", i)
		}
	}
	if s.has("PI_100") || s.has("") {
		t.Error("has an ID never added")
	}
}
