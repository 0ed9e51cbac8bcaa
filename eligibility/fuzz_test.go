package eligibility

import (
	"errors"
	"os"
	"strings"
	"testing"

	"reweigh/readers"
)

// FuzzRead: any bytes are a *ReadError naming the file, or rows with valid IDs and contract
// values; never a panic.
func FuzzRead(f *testing.F) {
	if b, err := os.ReadFile(samplePath); err == nil {
		f.Add(b)
		s := strings.Replace(string(b), `"1234567890"`, `"`+npiA+`"`, 1)
		f.Add([]byte(strings.Replace(s, `"XXXXXXXXXX"`, `"`+tinA+`"`, 1)))
	}
	one := `{"data": {"npi": "` + npiA + `", "organizations": [{"TIN": "` + tinA + `", "zip": "02134", "state": "ma",
		"individualScenario": {"hospitalBasedClinician": "Y", "extremeHardshipSources": ["auto-fema"], "specialtyCode": "50",
		"isEligible": {"individual": true}, "isOptedIn": null}, "groupScenario": {"smallGroupPractitioner": false}}]}}`
	f.Add([]byte(one))
	f.Add([]byte("[" + one + "," + one + "]"))
	f.Add([]byte(one + "\n" + `{"data": [{"npi": "` + npiB + `", "organizations": [{"TIN": "12-3456789"}]}]}`))
	f.Add([]byte(`{"data": null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		im := NewImporter()
		if err := im.Read("f.json", strings.NewReader(string(data))); err != nil {
			var re *ReadError
			if !errors.As(err, &re) || re.File != "f.json" || !strings.HasPrefix(err.Error(), "f.json: ") {
				t.Fatalf("err = %v, want a *ReadError naming f.json", err)
			}
		}
		types := map[string]bool{"": true}
		for _, v := range specialtyCodes {
			types[v] = true
		}
		rows := im.Clinicians()
		for i, r := range rows {
			if !readers.ValidNPI(r.NPI) || len(r.TIN) != 9 || !allDigits(r.TIN) || !types[r.ClinicianType] ||
				r.PracticeZIP != "" && (len(r.PracticeZIP) != 5 || !allDigits(r.PracticeZIP)) || r.PracticeState != "" && len(r.PracticeState) != 2 {
				t.Fatalf("bad row %+v", r)
			}
			if i > 0 && (rows[i-1].TIN > r.TIN || rows[i-1].TIN == r.TIN && rows[i-1].NPI >= r.NPI) {
				t.Fatalf("rows out of order or duplicated: %+v, %+v", rows[i-1], r)
			}
		}
		for _, g := range im.Groups() {
			if len(g.TIN) != 9 || !allDigits(g.TIN) || !g.SmallPractice.Valid {
				t.Fatalf("bad group %+v", g)
			}
		}
	})
}
