package eligibility

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"reweigh/readers"
)

// Valid NPIs (Luhn over 80840 + NPI) and TINs for hand-made responses.
const (
	npiA = "1234567893"
	npiB = "1000000004"
	tinA = "012345678"
	tinB = "987654321"
)

const samplePath = "testdata/qpp-eligibility-api-v6-sample-response.json"

var (
	yes  = Bool{V: true, Valid: true}
	no   = Bool{Valid: true}
	null = Bool{}
)

// response returns a hand-made response for npi with the organizations given.
func response(t testing.TB, npi string, orgs ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"data": map[string]any{"npi": npi, "organizations": orgs}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// org returns an organization with the individual scenario ind and group scenario grp (nil:
// absent).
func org(tin string, ind, grp map[string]any) map[string]any {
	o := map[string]any{"TIN": tin}
	if ind != nil {
		o["individualScenario"] = ind
	}
	if grp != nil {
		o["groupScenario"] = grp
	}
	return o
}

// importFiles reads name -> content in the order of names.
func importFiles(t testing.TB, files ...string) *Importer {
	t.Helper()
	im := NewImporter()
	for i := 0; i+1 < len(files); i += 2 {
		if err := im.Read(files[i], strings.NewReader(files[i+1])); err != nil {
			t.Fatalf("Read(%s): %v", files[i], err)
		}
	}
	return im
}

func warningsContain(t testing.TB, im *Importer, parts ...string) {
	t.Helper()
	for _, w := range im.Warnings() {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(w, p)
		}
		if ok {
			return
		}
	}
	t.Errorf("no warning containing %q in:\n%s", parts, strings.Join(im.Warnings(), "\n"))
}

// TestSampleResponse reads the API documentation's example as it is: its NPI fails the check
// digit (and its TIN is masked), so it imports nothing and says why.
func TestSampleResponse(t *testing.T) {
	b, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	var resp Response
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 1 {
		t.Fatalf("data: %+v", resp.Data)
	}
	d := resp.Data[0]
	o := d.Organizations[0]
	ind := o.IndividualScenario
	if d.NPI != "1234567890" || len(d.Organizations) != 1 || o.TIN != "XXXXXXXXXX" || o.Zip != "000261234" || o.State != "CA" ||
		ind == nil || o.GroupScenario == nil || ind.HospitalBasedClinician != (Flag{Valid: true}) || ind.NonPatientFacing != (Flag{V: true, Valid: true}) ||
		ind.AmbulatorySurgicalCenter != (Flag{Valid: true}) || !reflect.DeepEqual(ind.ExtremeHardshipSources, []string{"auto-fema"}) ||
		ind.IsEligible == nil || ind.IsEligible.Individual != (Flag{Valid: true}) || ind.IsOptedIn != (Flag{V: true, Valid: true}) ||
		ind.SpecialtyCode != "72" || ind.Specialty == nil || ind.Specialty.CategoryReference != "Physicians" ||
		o.GroupScenario.SmallGroupPractitioner != (Flag{Valid: true}) {
		t.Errorf("decoded %+v / %+v", d, o)
	}

	im := importFiles(t, "sample.json", string(b))
	if len(im.Clinicians()) != 0 || len(im.Groups()) != 0 || im.Skipped != 1 || im.Responses != 1 {
		t.Errorf("imported %+v %+v skipped %d", im.Clinicians(), im.Groups(), im.Skipped)
	}
	warningsContain(t, im, "sample.json: ", `NPI "1234567890" is not a valid NPI`)

	// With a valid NPI, the masked TIN is what stops it.
	im = importFiles(t, "sample.json", strings.Replace(string(b), `"1234567890"`, `"`+npiA+`"`, 1))
	if len(im.Clinicians()) != 0 || im.Skipped != 1 {
		t.Errorf("imported %+v", im.Clinicians())
	}
	warningsContain(t, im, `TIN "XXXXXXXXXX" is masked`)
}

// TestSampleMapping reads the example with its placeholder IDs replaced by valid ones: every
// other field is the documentation's.
func TestSampleMapping(t *testing.T) {
	b, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `"1234567890"`, `"`+npiA+`"`, 1)
	s = strings.Replace(s, `"XXXXXXXXXX"`, `"`+tinA+`"`, 1)
	im := importFiles(t, "sample.json", s)
	want := []ClinicianRow{{
		NPI: npiA, TIN: tinA,
		ClinicianType:    "physician", // specialtyCode 72, categoryReference Physicians, typeDescription Doctor of Medicine
		MIPSEligible:     yes,         // isEligible.individual false, but isOptedIn true
		HospitalBased:    no,
		NonPatientFacing: yes,
		ASCBased:         no,
		AutoEUC:          yes, // extremeHardshipSources ["auto-fema"]
		PracticeZIP:      "00026",
		PracticeState:    "CA",
		Source:           "sample.json",
	}}
	if got := im.Clinicians(); !reflect.DeepEqual(got, want) {
		t.Errorf("clinicians\n got %+v\nwant %+v", got, want)
	}
	if got := im.Groups(); !reflect.DeepEqual(got, []GroupRow{{TIN: tinA, SmallPractice: no, Source: "sample.json"}}) {
		t.Errorf("groups %+v", got)
	}
	warningsContain(t, im, "approved PI hardship (aciHardship)")
	if len(im.Warnings()) != 1 {
		t.Errorf("warnings:\n%s", strings.Join(im.Warnings(), "\n"))
	}
}

// TestAutoEUC: an auto-fema source is automatic EUC even when every reason is false, as the live
// API reports it.
func TestAutoEUC(t *testing.T) {
	allFalse := map[string]any{"quality": false, "improvementActivities": false, "aci": false, "cost": false}
	cases := []struct {
		name  string
		ind   map[string]any
		want  Bool
		warns string
	}{
		{"auto-fema/all_reasons_false", map[string]any{"extremeHardship": false, "extremeHardshipReasons": allFalse, "extremeHardshipSources": []string{"auto-fema"}}, yes, ""},
		{"auto-fema/no_reasons", map[string]any{"extremeHardshipSources": []string{"manual", " Auto-FEMA "}}, yes, "extremeHardshipSources \"manual\""},
		{"auto-covid", map[string]any{"extremeHardship": true, "extremeHardshipSources": []string{"auto-covid"}}, yes, ""},
		{"manual_only", map[string]any{"extremeHardship": true, "extremeHardshipReasons": allFalse, "extremeHardshipSources": []string{"manual"}}, no, "add the approved application to exceptions"},
		{"no_sources", map[string]any{"extremeHardship": false, "extremeHardshipSources": []string{}}, no, ""},
		{"hardship_false", map[string]any{"extremeHardship": false}, no, ""},
		{"hardship_true_without_sources", map[string]any{"extremeHardship": true, "extremeHardshipReasons": allFalse}, null, "auto_euc left empty"},
		{"nothing", map[string]any{"hospitalBasedClinician": true}, null, ""},
		{"sources_null", map[string]any{"extremeHardshipSources": nil}, null, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			im := importFiles(t, "a.json", response(t, npiA, org(tinA, tc.ind, nil)))
			rows := im.Clinicians()
			if len(rows) != 1 || rows[0].AutoEUC != tc.want {
				t.Fatalf("rows %+v, want auto_euc %v", rows, tc.want)
			}
			if tc.warns != "" {
				warningsContain(t, im, tc.warns)
			} else if len(im.Warnings()) != 0 {
				t.Errorf("warnings: %q", im.Warnings())
			}
		})
	}
}

func TestMIPSEligible(t *testing.T) {
	for _, tc := range []struct {
		ind  map[string]any
		want Bool
	}{
		{map[string]any{"isEligible": map[string]any{"individual": true, "group": false}}, yes},
		{map[string]any{"isEligible": map[string]any{"individual": false, "group": true}}, no},
		{map[string]any{"isEligible": map[string]any{"individual": false}, "isOptedIn": true}, yes},
		{map[string]any{"isEligible": map[string]any{"individual": false}, "isOptedIn": false}, no},
		{map[string]any{"isEligible": map[string]any{"individual": "Y"}, "isOptedIn": nil}, yes},
		{map[string]any{"isEligible": map[string]any{"group": true}}, null},
		{map[string]any{}, null},
	} {
		im := importFiles(t, "a.json", response(t, npiA, org(tinA, tc.ind, nil)))
		if rows := im.Clinicians(); len(rows) != 1 || rows[0].MIPSEligible != tc.want {
			t.Errorf("%v: rows %+v, want mips_eligible %v", tc.ind, rows, tc.want)
		}
	}
}

// TestMissingScenarios: an organization without scenarios is still an NPI/TIN row, its flags
// null; the TIN's small-practice status comes from whichever scenario gives it.
func TestMissingScenarios(t *testing.T) {
	im := importFiles(t, "a.json", response(t, npiA,
		org(tinA, nil, nil),
		org(tinB, nil, map[string]any{"smallGroupPractitioner": true, "isEligible": map[string]any{"group": "true"}}),
		org("111111111", map[string]any{"smallGroupPractitioner": false, "hospitalBasedClinician": true}, nil),
	))
	want := []ClinicianRow{
		{NPI: npiA, TIN: tinA, Source: "a.json"},
		{NPI: npiA, TIN: "111111111", HospitalBased: yes, Source: "a.json"},
		{NPI: npiA, TIN: tinB, Source: "a.json"},
	}
	if got := im.Clinicians(); !reflect.DeepEqual(got, want) {
		t.Errorf("clinicians\n got %+v\nwant %+v", got, want)
	}
	wantG := []GroupRow{{TIN: "111111111", SmallPractice: no, Source: "a.json"}, {TIN: tinB, SmallPractice: yes, Source: "a.json"}}
	if got := im.Groups(); !reflect.DeepEqual(got, wantG) {
		t.Errorf("groups\n got %+v\nwant %+v", got, wantG)
	}
	warningsContain(t, im, "NPI "+npiA+" / TIN "+tinA+" has no individualScenario")
	warningsContain(t, im, "NPI "+npiA+" / TIN "+tinB+" has no individualScenario")

	// No organizations at all, and a null data.
	im = importFiles(t, "b.json", `{"data":{"npi":"`+npiA+`","organizations":[]}}`)
	if len(im.Clinicians()) != 0 {
		t.Errorf("rows %+v", im.Clinicians())
	}
	warningsContain(t, im, "b.json: NPI "+npiA+" has no organizations")
}

// TestTwoOrganizations: one NPI billing under two TINs is two rows, each with its own scenario.
func TestTwoOrganizations(t *testing.T) {
	im := importFiles(t, "a.json", response(t, npiA,
		org(tinB, map[string]any{"hospitalBasedClinician": true, "nonPatientFacing": false, "ambulatorySurgicalCenter": false,
			"isEligible": map[string]any{"individual": true}, "extremeHardshipSources": []string{}},
			map[string]any{"smallGroupPractitioner": false}),
		org(tinA, map[string]any{"hospitalBasedClinician": false, "nonPatientFacing": true, "ambulatorySurgicalCenter": true,
			"isEligible": map[string]any{"individual": false}, "extremeHardshipSources": []string{"auto-fema"},
			"specialtyCode": "50"},
			map[string]any{"smallGroupPractitioner": true}),
	))
	want := []ClinicianRow{
		{NPI: npiA, TIN: tinA, ClinicianType: "nurse_practitioner", MIPSEligible: no, HospitalBased: no, NonPatientFacing: yes, ASCBased: yes, AutoEUC: yes, Source: "a.json"},
		{NPI: npiA, TIN: tinB, MIPSEligible: yes, HospitalBased: yes, NonPatientFacing: no, ASCBased: no, AutoEUC: no, Source: "a.json"},
	}
	if got := im.Clinicians(); !reflect.DeepEqual(got, want) {
		t.Errorf("clinicians\n got %+v\nwant %+v", got, want)
	}
	if got := im.Groups(); len(got) != 2 || got[0].TIN != tinA || got[0].SmallPractice != yes || got[1].SmallPractice != no {
		t.Errorf("groups %+v", got)
	}
	if len(im.Warnings()) != 0 {
		t.Errorf("warnings %q", im.Warnings())
	}
}

// TestMerge: files in order, later responses win with a warning; output by TIN, then NPI.
func TestMerge(t *testing.T) {
	first := response(t, npiB, org(tinB, map[string]any{"hospitalBasedClinician": true}, map[string]any{"smallGroupPractitioner": true}))
	array := "[" + response(t, npiA, org(tinB, map[string]any{}, nil)) + ",\n" +
		response(t, npiB, org(tinB, map[string]any{"hospitalBasedClinician": false}, map[string]any{"smallGroupPractitioner": false})) + ",\n" +
		response(t, npiB, org(tinA, map[string]any{}, nil)) + "]"
	im := importFiles(t, "one.json", first, "many.json", array)
	got := im.Clinicians()
	var keys []string
	for _, r := range got {
		keys = append(keys, r.TIN+"/"+r.NPI+"@"+r.Source)
	}
	// By TIN, then NPI: npiB (1000000004) sorts before npiA (1234567893).
	want := []string{tinA + "/" + npiB + "@many.json[2]", tinB + "/" + npiB + "@many.json[1]", tinB + "/" + npiA + "@many.json[0]"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("rows %q, want %q", keys, want)
	}
	if got[1].HospitalBased != no {
		t.Errorf("the later response should win: %+v", got[1])
	}
	warningsContain(t, im, "many.json[1]: NPI "+npiB+" / TIN "+tinB+" is also in one.json: the later response (this one) is used")
	warningsContain(t, im, "many.json[1]: TIN "+tinB+": smallGroupPractitioner false, but true in one.json")
	if g := im.Groups(); len(g) != 1 || g[0].SmallPractice != no {
		t.Errorf("groups %+v", g)
	}
	if im.Responses != 4 {
		t.Errorf("responses %d", im.Responses)
	}

	// The same responses in the other order give the same rows with the other values.
	im2 := importFiles(t, "many.json", array, "one.json", first)
	if r := im2.Clinicians(); len(r) != 3 || r[1].HospitalBased != yes || r[1].Source != "one.json" {
		t.Errorf("rows %+v", r)
	}
}

// TestReadFormats reads the shapes a file may have.
func TestReadFormats(t *testing.T) {
	one := response(t, npiB, org(tinA, map[string]any{}, nil)) // npiB sorts before npiA
	two := response(t, npiA, org(tinA, map[string]any{}, nil))
	for _, tc := range []struct {
		name, text string
		sources    []string
	}{
		{"object", one, []string{"f.json"}},
		{"object_bom_spaces", "\uFEFF \n\t" + one + "\n\n", []string{"f.json"}},
		{"array", "[" + one + "," + two + "]", []string{"f.json[0]", "f.json[1]"}},
		{"array_of_one", " [" + one + "] ", []string{"f.json[0]"}},
		{"ndjson", one + "\n" + two + "\n", []string{"f.json[0]", "f.json[1]"}},
		{"concatenated", one + two, []string{"f.json[0]", "f.json[1]"}},
		{"data_array", `{"data":[{"npi":"` + npiB + `","organizations":[{"TIN":"` + tinA + `"}]},{"npi":"` + npiA + `","organizations":[{"TIN":"` + tinA + `"}]}]}`,
			[]string{"f.json.data[0]", "f.json.data[1]"}},
		{"tin_with_dash", response(t, npiA, org("01-2345678", nil, nil)), []string{"f.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			im := importFiles(t, "f.json", tc.text)
			var sources []string
			for _, r := range im.Clinicians() {
				sources = append(sources, r.Source)
				if r.TIN != tinA {
					t.Errorf("TIN %q", r.TIN)
				}
			}
			if !reflect.DeepEqual(sources, tc.sources) {
				t.Errorf("sources %q, want %q", sources, tc.sources)
			}
		})
	}
}

// TestReadErrors: a file that is not a response is an error naming the file (and the response
// and field where there is one).
func TestReadErrors(t *testing.T) {
	good := response(t, npiA, org(tinA, nil, nil))
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"empty", "", []string{"bad.json: empty file"}},
		{"blank", " \n", []string{"bad.json: empty file"}},
		{"syntax", `{"data": {"npi": "` + npiA + `",}}`, []string{"bad.json: response 1: invalid JSON at byte"}},
		{"truncated", good[:len(good)-5], []string{"bad.json: response 1: unexpected end of file"}},
		{"truncated_array", "[" + good + ",", []string{"bad.json", "unexpected end of file"}},
		{"second_in_array", "[" + good + `, {"data": {"npi": 1234567893}}]`, []string{"bad.json: response 2: field data.npi: cannot use a JSON number where a string is expected"}},
		{"tin_number", `{"data": {"npi": "` + npiA + `", "organizations": [{"TIN": 12345678}]}}`, []string{"field data.organizations.TIN", "a string"}},
		{"flag_word", `{"data": {"npi": "` + npiA + `", "organizations": [{"TIN": "` + tinA + `", "individualScenario": {"nonPatientFacing": "maybe"}}]}}`,
			[]string{"response 1", "nonPatientFacing", `string "maybe"`, "a boolean"}},
		{"flag_object", `{"data": {"npi": "` + npiA + `", "organizations": [{"TIN": "` + tinA + `", "individualScenario": {"hospitalBasedClinician": {}}}]}}`,
			[]string{"hospitalBasedClinician", "object"}},
		{"no_data", `{"error": {"message": "NPI not found"}}`, []string{`bad.json: response 1: not a QPP Eligibility API response: no "data" object`}},
		{"data_string", `{"data": "x"}`, []string{"bad.json: response 1", "data"}},
		{"empty_array", "[]", []string{"bad.json: no responses in the file"}},
		{"after_array", "[" + good + "] x", []string{"bad.json", "unexpected data after the array"}},
		{"not_json", "npi,tin\n1234567893,012345678\n", []string{"bad.json: response 1: invalid JSON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := NewImporter().Read("bad.json", strings.NewReader(tc.text))
			var re *ReadError
			if !errors.As(err, &re) || re.File != "bad.json" {
				t.Fatalf("err = %v, want a *ReadError naming bad.json", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestSkipped: IDs that cannot be used are skipped with a warning, the rest imported.
func TestSkipped(t *testing.T) {
	im := importFiles(t, "a.json", "["+
		response(t, "1234567890", org(tinA, nil, nil))+","+
		response(t, npiA, org("XXXXXXXXXX", nil, nil), org("12345678", nil, nil), org("", nil, nil), org(tinA, nil, nil))+"]")
	if rows := im.Clinicians(); len(rows) != 1 || rows[0].TIN != tinA || im.Skipped != 4 {
		t.Errorf("rows %+v skipped %d", rows, im.Skipped)
	}
	warningsContain(t, im, "a.json[0]: ", "not a valid NPI")
	warningsContain(t, im, "a.json[1]: ", `"XXXXXXXXXX" is masked`)
	warningsContain(t, im, `"12345678" is not 9 digits`)
	warningsContain(t, im, `TIN "" is empty`)
}

func TestPracticeAddress(t *testing.T) {
	for _, tc := range []struct{ zip, state, wantZIP, wantState, warn string }{
		{"000261234", "CA", "00026", "CA", ""},
		{"02134", "ma", "02134", "MA", ""},
		{"02134-5678", " ny ", "02134", "NY", ""},
		{"2134", "California", "", "", "not a 5- or 9-digit ZIP"},
		{"", "", "", "", ""},
	} {
		o := org(tinA, nil, nil)
		o["zip"], o["state"] = tc.zip, tc.state
		im := importFiles(t, "a.json", response(t, npiA, o))
		r := im.Clinicians()[0]
		if r.PracticeZIP != tc.wantZIP || r.PracticeState != tc.wantState {
			t.Errorf("zip %q state %q: got %q %q", tc.zip, tc.state, r.PracticeZIP, r.PracticeState)
		}
		if tc.warn != "" {
			warningsContain(t, im, tc.warn)
			warningsContain(t, im, "not a 2-letter code")
		}
	}
}

func TestClinicianType(t *testing.T) {
	for _, tc := range []struct {
		code     string
		sp       *Specialty
		want     string
		conflict bool
	}{
		{"72", &Specialty{SpecialtyDescription: "Psychiatry", CategoryReference: "Physicians", TypeDescription: "Doctor of Medicine"}, "physician", false},
		{"", &Specialty{TypeDescription: "Doctor of  Osteopathy"}, "physician", false},
		{"50", nil, "nurse_practitioner", false},
		{"97", &Specialty{SpecialtyDescription: "Physician Assistant"}, "physician_assistant", false},
		{"80", &Specialty{SpecialtyDescription: "Licensed Clinical Social Worker"}, "clinical_social_worker", false},
		{"35", nil, "chiropractor", false},
		{"68", nil, "clinical_psychologist", false},
		{"62", nil, "", false}, // psychologist billing independently: not mapped
		{"C6", &Specialty{SpecialtyDescription: "Hospitalist"}, "", false}, // not listed
		{"", &Specialty{SpecialtyDescription: "Cardiology"}, "", false},
		{"50", &Specialty{CategoryReference: "Physicians"}, "", true},
		{"", nil, "", false},
	} {
		got, conflict := clinicianType(tc.code, tc.sp)
		if got != tc.want || (conflict != "") != tc.conflict {
			t.Errorf("clinicianType(%q, %+v) = %q, %q; want %q (conflict %v)", tc.code, tc.sp, got, conflict, tc.want, tc.conflict)
		}
	}
	// Every mapped type is a word of the contract's vocabulary.
	vocab := map[string]bool{}
	for _, w := range []string{"physician", "physician_assistant", "nurse_practitioner", "clinical_nurse_specialist",
		"certified_registered_nurse_anesthetist", "certified_nurse_midwife", "physical_therapist",
		"occupational_therapist", "speech_language_pathologist", "audiologist", "clinical_psychologist",
		"registered_dietitian", "clinical_social_worker", "chiropractor", "other"} {
		vocab[w] = true
	}
	for k, v := range specialtyCodes {
		if !vocab[v] {
			t.Errorf("code %s -> %q", k, v)
		}
	}
	for k, v := range specialtyTexts {
		if !vocab[v] || k != normText(k) {
			t.Errorf("text %q -> %q", k, v)
		}
	}

	// The conflict reaches the warnings; the individual scenario's specialty wins over the
	// deprecated top-level one.
	im := importFiles(t, "a.json", `{"data": {"npi": "`+npiA+`", "specialty": {"typeDescription": "Nurse Practitioner"},
		"organizations": [{"TIN": "`+tinA+`", "individualScenario": {"specialtyCode": "97", "specialty": {"categoryReference": "Physicians"}}},
		{"TIN": "`+tinB+`", "individualScenario": {}}]}}`)
	rows := im.Clinicians()
	if rows[0].ClinicianType != "" || rows[1].ClinicianType != "nurse_practitioner" {
		t.Errorf("rows %+v", rows)
	}
	warningsContain(t, im, "clinician_type left empty", `specialtyCode "97" means physician_assistant`)
}

func TestWrite(t *testing.T) {
	im := importFiles(t, "a.json", response(t, npiA,
		org(tinA, map[string]any{"hospitalBasedClinician": true, "isEligible": map[string]any{"individual": false}, "extremeHardshipSources": []string{}},
			map[string]any{"smallGroupPractitioner": true})))
	var c, g bytes.Buffer
	if err := WriteClinicians(&c, im.Clinicians()); err != nil {
		t.Fatal(err)
	}
	if err := WriteGroups(&g, im.Groups()); err != nil {
		t.Fatal(err)
	}
	wantC := "npi,tin,clinician_type,mips_eligible,hospital_based,non_patient_facing,asc_based,auto_euc,practice_zip,practice_state\n" +
		npiA + "," + tinA + ",,false,true,,,false,,\n"
	if c.String() != wantC {
		t.Errorf("clinicians.csv\n%s\nwant\n%s", c.String(), wantC)
	}
	if want := "tin,small_practice\n" + tinA + ",true\n"; g.String() != want {
		t.Errorf("groups.csv\n%s\nwant\n%s", g.String(), want)
	}
}

func TestValidNPI(t *testing.T) {
	for _, s := range []string{npiA, npiB, "1999999992", "9876543213", "0000000006"} {
		if !readers.ValidNPI(s) {
			t.Errorf("readers.ValidNPI(%q) = false", s)
		}
	}
	for _, s := range []string{"1234567890", "123456789", "12345678933", "123456789a", ""} {
		if readers.ValidNPI(s) {
			t.Errorf("readers.ValidNPI(%q) = true", s)
		}
	}
}
