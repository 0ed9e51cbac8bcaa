package eligibility

import (
	"encoding/csv"
	"io"
)

// CliniciansHeader and GroupsHeader are the columns written, with the data contract's names.
var (
	CliniciansHeader = []string{"npi", "tin", "clinician_type", "mips_eligible", "hospital_based",
		"non_patient_facing", "asc_based", "auto_euc", "practice_zip", "practice_state"}
	GroupsHeader = []string{"tin", "small_practice"}
)

// WriteClinicians writes rows as clinicians.csv (header row, null = empty cell).
func WriteClinicians(w io.Writer, rows []ClinicianRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CliniciansHeader); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.NPI, r.TIN, r.ClinicianType, r.MIPSEligible.String(), r.HospitalBased.String(),
			r.NonPatientFacing.String(), r.ASCBased.String(), r.AutoEUC.String(), r.PracticeZIP, r.PracticeState}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteGroups writes rows as groups.csv.
func WriteGroups(w io.Writer, rows []GroupRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(GroupsHeader); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write([]string{r.TIN, r.SmallPractice.String()}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
