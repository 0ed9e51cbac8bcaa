package eligibility_test

import (
	"fmt"
	"os"
	"strings"

	"reweigh/eligibility"
)

func ExampleImporter() {
	// Two responses, as the API returns them (trimmed to the fields read): an automatic EUC
	// reported with every reason false, and a masked TIN.
	responses := `[
	  {"data": {"npi": "1234567893", "organizations": [{"TIN": "012345678", "zip": "331011234", "state": "FL",
	    "individualScenario": {"hospitalBasedClinician": false, "nonPatientFacing": true, "ambulatorySurgicalCenter": false,
	      "isEligible": {"individual": true}, "extremeHardship": false,
	      "extremeHardshipReasons": {"quality": false, "improvementActivities": false, "aci": false, "cost": false},
	      "extremeHardshipSources": ["auto-fema"], "specialtyCode": "50"},
	    "groupScenario": {"smallGroupPractitioner": true}}]}},
	  {"data": {"npi": "1000000004", "organizations": [{"TIN": "XXXXXXXXXX"}]}}
	]`
	im := eligibility.NewImporter()
	if err := im.Read("responses.json", strings.NewReader(responses)); err != nil {
		fmt.Println(err)
		return
	}
	eligibility.WriteClinicians(os.Stdout, im.Clinicians())
	eligibility.WriteGroups(os.Stdout, im.Groups())
	for _, w := range im.Warnings() {
		fmt.Println("warning:", w[:strings.Index(w, " (")])
	}
	// Output:
	// npi,tin,clinician_type,mips_eligible,hospital_based,non_patient_facing,asc_based,auto_euc,practice_zip,practice_state
	// 1234567893,012345678,nurse_practitioner,true,false,true,false,true,33101,FL
	// tin,small_practice
	// 012345678,true
	// warning: responses.json[1]: NPI 1000000004: organization TIN "XXXXXXXXXX" is masked
}
