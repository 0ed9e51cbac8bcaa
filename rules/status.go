package rules

import "reweigh/model"

// HospitalBased: at least the year's percentage (75%) of covered professional services in POS
// 19, 21, 22 or 23; total must be > 0 (rules.md status.hospital_based). Exact integers.
func (y *Year) HospitalBased(hospital, total model.OptInt) bool {
	return atLeastPercent(hospital, total, y.Statuses.HospitalBasedMinPercent)
}

// ASCBased: at least the year's percentage (75%) of covered professional services in POS 24
// (rules.md status.asc_based).
func (y *Year) ASCBased(asc, total model.OptInt) bool {
	return atLeastPercent(asc, total, y.Statuses.ASCBasedMinPercent)
}

// NonPatientFacing: the year's maximum (100) or fewer patient-facing encounters
// (rules.md status.non_patient_facing).
func (y *Year) NonPatientFacing(encounters model.OptInt) bool {
	return encounters.Valid && encounters.V <= y.Statuses.NonPatientFacingMaxEncounters
}

// SmallPractice: the year's maximum (15) or fewer clinicians (rules.md status.small_practice).
func (y *Year) SmallPractice(clinicians int64) bool {
	return clinicians <= y.Statuses.SmallPracticeMaxClinicians
}

// GroupShare: more than the year's percentage (75%) of n clinicians have the status
// (rules.md group.hospital_based, group.non_patient_facing, group.asc_based). Exactly 75% does not.
func (y *Year) GroupShare(count, n int) bool {
	return n > 0 && int64(count)*100 > y.Statuses.GroupShareMoreThanPercent*int64(n)
}

// APMEUCShareMet: at least the year's percentage (75%) of eligible clinicians qualify for PI
// reweighting (rules.md apm.euc_pi_share).
func (y *Year) APMEUCShareMet(count, n int) bool {
	return n > 0 && int64(count)*100 >= y.Statuses.APMEUCPIShareMinPercent*int64(n)
}

func atLeastPercent(part, total model.OptInt, pct int64) bool {
	if !part.Valid || !total.Valid || total.V <= 0 {
		return false
	}
	return part.V*100 >= pct*total.V
}

// Flag is a status with where it came from.
type Flag struct {
	Value   bool
	Given   bool // a given flag decided it (in at least one segment)
	Derived bool // counts decided it (in at least one segment)
}

// IndividualStatus is the special statuses of one NPI/TIN, over its segments.
type IndividualStatus struct {
	HospitalBased, NonPatientFacing, ASCBased Flag
}

// Individual derives the special statuses of one NPI/TIN from its rows (one per segment): a
// status met in either segment holds; a non-null given flag is used as given.
func (y *Year) Individual(rows []model.Clinician) IndividualStatus {
	var s IndividualStatus
	for i := range rows {
		r := &rows[i]
		combine(&s.HospitalBased, r.HospitalBased, func() bool { return y.HospitalBased(r.HospitalServices.Opt(), r.TotalServices.Opt()) })
		combine(&s.NonPatientFacing, r.NonPatientFacing, func() bool { return y.NonPatientFacing(r.PatientFacingEncounters.Opt()) })
		combine(&s.ASCBased, r.ASCBased, func() bool { return y.ASCBased(r.ASCServices.Opt(), r.TotalServices.Opt()) })
	}
	return s
}

func combine(f *Flag, given model.OptBool, derive func() bool) {
	if given.Valid {
		f.Given = true
		f.Value = f.Value || given.V
		return
	}
	f.Derived = true
	f.Value = f.Value || derive()
}

// Source names where a set of statuses came from: "given", "derived" or "mixed".
func Source(flags ...Flag) string {
	var given, derived bool
	for _, f := range flags {
		given = given || f.Given
		derived = derived || f.Derived
	}
	switch {
	case given && derived:
		return "mixed"
	case given:
		return "given"
	default:
		return "derived"
	}
}

// IndividualPIReasons lists, in rules.md order, why PI is reweighted automatically for an
// individual: its special statuses, then its clinician type.
func (y *Year) IndividualPIReasons(s IndividualStatus, smallPractice bool, clinicianType string) []string {
	var r []string
	if s.HospitalBased.Value {
		r = append(r, IDHospitalBased)
	}
	if s.NonPatientFacing.Value {
		r = append(r, IDNonPatientFacing)
	}
	if s.ASCBased.Value {
		r = append(r, IDASCBased)
	}
	if smallPractice {
		r = append(r, IDSmallPractice)
	}
	if y.PIClinicianTypes[clinicianType] {
		r = append(r, IDPIClinicianType)
	}
	return r
}
