package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"reweigh/model"
	"reweigh/readers"
)

const sampleResponse = "../../eligibility/testdata/qpp-eligibility-api-v6-sample-response.json"

// Hand-made responses: NPI 1234567893 under two TINs (one hospital-based, one with the
// automatic EUC policy reported as auto-fema with every reason false), NPI 1000000004 under the
// first TIN, listed twice (the later response wins).
const (
	respA = `{"data": {"npi": "1234567893", "organizations": [
  {"TIN": "012345678", "zip": "021341234", "state": "MA",
   "individualScenario": {"hospitalBasedClinician": true, "nonPatientFacing": false, "ambulatorySurgicalCenter": false,
     "isEligible": {"individual": true, "group": true}, "extremeHardship": false, "extremeHardshipSources": [],
     "specialty": {"specialtyDescription": "Internal Medicine", "categoryReference": "Physicians", "typeDescription": "Doctor of Medicine"}, "specialtyCode": "11"},
   "groupScenario": {"smallGroupPractitioner": true, "isEligible": {"group": true}}},
  {"TIN": "987654321", "zip": "331011234", "state": "FL",
   "individualScenario": {"hospitalBasedClinician": false, "nonPatientFacing": false, "ambulatorySurgicalCenter": false,
     "isEligible": {"individual": true}, "extremeHardship": false,
     "extremeHardshipReasons": {"quality": false, "improvementActivities": false, "aci": false, "cost": false},
     "extremeHardshipSources": ["auto-fema"], "specialtyCode": "11"},
   "groupScenario": {"smallGroupPractitioner": false}}]}}`
	respB = `{"data": {"npi": "1000000004", "organizations": [
  {"TIN": "012345678", "individualScenario": {"nonPatientFacing": false, "isEligible": {"individual": true}, "specialtyCode": "50"}}]}}`
	respB2 = `{"data": {"npi": "1000000004", "organizations": [
  {"TIN": "012345678", "individualScenario": {"nonPatientFacing": true, "isEligible": {"individual": true}, "extremeHardshipSources": [], "specialtyCode": "50"},
   "groupScenario": {"smallGroupPractitioner": true}}]}}`
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestImportEligibility imports two files (one response, then an array of two), checks the
// tables written, that readers.ReadAll reads them cleanly, and that a run uses the flags.
func TestImportEligibility(t *testing.T) {
	src := t.TempDir()
	a := writeFile(t, src, "a.json", respA)
	b := writeFile(t, src, "b.json", "["+respB+",\n"+respB2+"]")
	out := filepath.Join(t.TempDir(), "in")
	code, stdout, stderr := runCmd(t, "import-eligibility", a, "--out", out, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "3 responses from 2 files: 3 clinicians rows, 2 groups rows written to "+out) {
		t.Errorf("stdout %q", stdout)
	}
	if !strings.Contains(stderr, "warning: "+b+"[1]: NPI 1000000004 / TIN 012345678 is also in "+b+"[0]: the later response (this one) is used") {
		t.Errorf("stderr %q", stderr)
	}
	want := [][]string{
		{"npi", "tin", "clinician_type", "mips_eligible", "hospital_based", "non_patient_facing", "asc_based", "auto_euc", "practice_zip", "practice_state"},
		{"1000000004", "012345678", "nurse_practitioner", "true", "", "true", "", "false", "", ""},
		{"1234567893", "012345678", "physician", "true", "true", "false", "false", "false", "02134", "MA"},
		{"1234567893", "987654321", "physician", "true", "false", "false", "false", "true", "33101", "FL"},
	}
	if got := readCSV(t, filepath.Join(out, "clinicians.csv")); !equalRecords(got, want) {
		t.Errorf("clinicians.csv\n got %q\nwant %q", got, want)
	}
	wantG := [][]string{{"tin", "small_practice"}, {"012345678", "true"}, {"987654321", "false"}}
	if got := readCSV(t, filepath.Join(out, "groups.csv")); !equalRecords(got, wantG) {
		t.Errorf("groups.csv\n got %q\nwant %q", got, wantG)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 2 {
		t.Errorf("files in --out: %v (temporary files left?)", entries)
	}

	// The readers take the imported directory as it is: no rejects, every flag given.
	in, err := readers.ReadAll(context.Background(), out, readers.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Rejects) != 0 || len(in.Clinicians) != 3 || len(in.Groups) != 2 {
		t.Fatalf("ReadAll: %d clinicians, %d groups, rejects %+v", len(in.Clinicians), len(in.Groups), in.Rejects)
	}
	for _, st := range in.Stats {
		if st.RowsRejected != 0 || st.RowsRead != st.RowsAccepted {
			t.Errorf("stat %+v", st)
		}
	}
	c := in.Clinicians[2]
	if c.NPI != "1234567893" || c.TIN != "987654321" || c.AutoEUC != (model.OptBool{V: true, Valid: true}) ||
		c.HospitalBased != (model.OptBool{Valid: true}) || !c.MIPSEligible || c.ClinicianType != "physician" || c.Practice == nil || c.Practice.ZIP != "33101" {
		t.Errorf("clinician %+v", c)
	}
	if g := in.Groups[0]; g.TIN != "012345678" || g.SmallPractice != (model.OptBool{V: true, Valid: true}) || g.ClinicianCount.Valid {
		t.Errorf("group %+v", g)
	}
	if code, stdout, stderr := runCmd(t, "validate", "--in", out); code != 0 {
		t.Errorf("validate: exit %d: %s%s", code, stdout, stderr)
	}

	// A determination run uses the given flags: the auto-fema clinician has the automatic EUC
	// policy, the hospital-based one its status, as given.
	res := t.TempDir()
	if code, _, stderr := runCmd(t, "run", "--year", "2025", "--in", out, "--out", res, "--format", "csv", "--quiet"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	recs := readCSV(t, filepath.Join(res, "determinations.csv"))
	col := map[string]int{}
	for i, n := range recs[0] {
		col[n] = i
	}
	found := 0
	for _, r := range recs[1:] {
		if r[col["level"]] != "individual" || r[col["npi"]] != "1234567893" {
			continue
		}
		found++
		switch r[col["tin"]] {
		case "987654321":
			if !strings.Contains(r[col["quality_reason"]], "euc.auto") {
				t.Errorf("auto-fema clinician: %q", r)
			}
		case "012345678":
			if r[col["hospital_based"]] != "true" || r[col["status_source"]] != "given" || !strings.Contains(r[col["pi_reason"]], "status.hospital_based") {
				t.Errorf("hospital-based clinician: %q", r)
			}
		}
	}
	if found != 2 {
		t.Errorf("%d individual rows for NPI 1234567893", found)
	}
}

func equalRecords(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}

// TestImportEligibilitySample imports the CMS documentation example: as it is, its placeholder
// NPI and masked TIN import nothing (exit 1, nothing written); with real IDs it reads cleanly.
func TestImportEligibilitySample(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCmd(t, "import-eligibility", sampleResponse, "--out", out)
	if code != 1 || !strings.Contains(stderr, `NPI "1234567890" is not a valid NPI`) || !strings.Contains(stderr, "no NPI/TIN could be imported from the 1 responses") {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("wrote %v", entries)
	}

	b, err := os.ReadFile(sampleResponse)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `"1234567890"`, `"1234567893"`, 1)
	s = strings.Replace(s, `"XXXXXXXXXX"`, `"012345678"`, 1)
	p := writeFile(t, t.TempDir(), "sample.json", s)
	code, stdout, stderr := runCmd(t, "import-eligibility", p, "--out", out)
	if code != 0 || !strings.Contains(stdout, "1 clinicians rows, 1 groups rows") || !strings.Contains(stderr, "aciHardship") {
		t.Fatalf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	want := [][]string{
		{"npi", "tin", "clinician_type", "mips_eligible", "hospital_based", "non_patient_facing", "asc_based", "auto_euc", "practice_zip", "practice_state"},
		{"1234567893", "012345678", "physician", "true", "false", "true", "false", "true", "00026", "CA"},
	}
	if got := readCSV(t, filepath.Join(out, "clinicians.csv")); !equalRecords(got, want) {
		t.Errorf("clinicians.csv %q", got)
	}
	in, err := readers.ReadAll(context.Background(), out, readers.Options{})
	if err != nil || len(in.Rejects) != 0 || len(in.Clinicians) != 1 {
		t.Fatalf("ReadAll: %v %+v", err, in)
	}
}

func TestImportEligibilityErrors(t *testing.T) {
	src := t.TempDir()
	good := writeFile(t, src, "good.json", respA)
	bad := writeFile(t, src, "bad.json", `{"data": {"npi": "1234567893", "organizations": [}}`)
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no_files", []string{"import-eligibility", "--out", src}, 2, "give at least one QPP Eligibility API response file"},
		{"no_out", []string{"import-eligibility", good}, 2, "--out is required"},
		{"bad_flag", []string{"import-eligibility", good, "--out", src, "--year", "2025"}, 2, "flag provided but not defined"},
		{"bad_json", []string{"import-eligibility", good, bad, "--out", "OUT"}, 1, "reweigh: " + bad + ": response 1: invalid JSON"},
		{"missing_file", []string{"import-eligibility", filepath.Join(src, "nope.json"), "--out", "OUT"}, 1, "nope.json: no such file or directory"},
		{"directory", []string{"import-eligibility", src, "--out", "OUT"}, 1, "is a directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			for i, a := range tc.args {
				if a == "OUT" {
					tc.args[i] = out
				}
			}
			code, _, stderr := runCmd(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d stderr %q; want exit %d containing %q", code, stderr, tc.code, tc.msg)
			}
		})
	}

	// A failed import leaves the previous tables untouched, with no temporary files.
	out := t.TempDir()
	writeFile(t, out, "clinicians.csv", "npi,tin\n")
	if code, _, _ := runCmd(t, "import-eligibility", good, bad, "--out", out); code != 1 {
		t.Errorf("exit %d", code)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "clinicians.csv")); string(b) != "npi,tin\n" {
		t.Errorf("clinicians.csv changed: %q", b)
	}
	// A clinicians.parquet in --out would make the directory unreadable: refused.
	writeFile(t, out, "clinicians.parquet", "x")
	code, _, stderr := runCmd(t, "import-eligibility", good, "--out", out)
	if code != 1 || !strings.Contains(stderr, "clinicians.parquet is in "+out) {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 2 {
		t.Errorf("files: %v", entries)
	}
}
