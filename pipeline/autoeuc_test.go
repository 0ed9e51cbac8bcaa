package pipeline

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"reweigh/model"
)

// The 2025 automatic EUC fact sheet, Appendix A: Table 1 (not a small practice) and Table 2
// (small practice), reached through clinicians whose practice ZIP (91710, Los Angeles County)
// is in CMS's bundled 2025 list, with qualifying individual data submissions. The fact sheet's
// columns are quality / PI / IA / cost; the weights below are in contract order
// quality / cost / ia / pi. Footnotes 1 and 2: an APM participant who submits quality or PI
// data also has IA scored (rules.md euc.auto.apm_ia).
func TestAutomaticEUCFactSheetAppendixA(t *testing.T) {
	cases := []struct {
		name  string
		small bool
		apm   bool
		data  string // categories with qualifying data
		want  string
	}{
		{"T1 no data", false, false, "", "0/0/0/0"},
		{"T1 quality only", false, false, "quality", "100/0/0/0"},
		{"T1 PI only", false, false, "pi", "0/0/0/100"},
		{"T1 IA only", false, false, "ia", "0/0/100/0"},
		{"T1 quality and PI", false, false, "quality;pi", "70/0/0/30"},
		{"T1 quality and IA", false, false, "quality;ia", "85/0/15/0"},
		{"T1 IA and PI", false, false, "ia;pi", "0/0/15/85"},
		{"T1 quality, IA and PI", false, false, "quality;ia;pi", "55/0/15/30"},
		{"T2 no data", true, false, "", "0/0/0/0"},
		{"T2 quality only", true, false, "quality", "100/0/0/0"},
		{"T2 PI only", true, false, "pi", "0/0/0/100"},
		{"T2 IA only", true, false, "ia", "0/0/100/0"},
		{"T2 quality and PI", true, false, "quality;pi", "70/0/0/30"},
		{"T2 quality and IA", true, false, "quality;ia", "50/0/50/0"},
		{"T2 IA and PI", true, false, "ia;pi", "0/0/15/85"},
		{"T2 quality, IA and PI", true, false, "quality;ia;pi", "55/0/15/30"},
		{"T1 APM quality only", false, true, "quality", "85/0/15/0"},
		{"T1 APM PI only", false, true, "pi", "0/0/15/85"},
		{"T2 APM quality only", true, true, "quality", "50/0/50/0"},
		{"T1 APM no data", false, true, "", "0/0/0/0"},
	}
	set := mustSet(t)
	y, _ := set.ForYear(2025)
	ts := tables{}
	clin := []string{"npi", "tin", "clinician_type", "total_services", "hospital_services", "patient_facing_encounters", "practice_zip", "practice_state", "practice_county"}
	subs := []string{"submission_id", "level", "npi", "tin", "category", "submission_method", "performance_start", "performance_end", "cehrt_id"}
	meas := []string{"submission_id", "measure_id", "numerator", "denominator", "value", "exclusion"}
	for i, c := range cases {
		npi, tin := npiFor(900+i), fmt.Sprintf("%09d", 800000000+i)
		ts.add("clinicians", clin, []string{npi, tin, "physician", "1000", "0", "500", "91710", "CA", "Los Angeles"})
		size := "40"
		if c.small {
			size = "5"
		}
		ts.add("groups", []string{"tin", "clinician_count"}, []string{tin, size})
		if c.apm {
			ts.add("apm_entities", []string{"apm_entity_id", "apm_entity_type", "tin", "npi"}, []string{"A9999", "ssp_aco", tin, npi})
		}
		for _, cat := range strings.Split(c.data, ";") {
			if cat == "" {
				continue
			}
			id := fmt.Sprintf("SUB-%d-%s", i, cat)
			switch cat {
			case "quality":
				ts.add("submissions", subs, []string{id, "individual", npi, tin, "quality", "registry", "", "", ""})
				ts.add("measurements", meas, []string{id, "001", "30", "100", "", ""})
			case "ia":
				ts.add("submissions", subs, []string{id, "individual", npi, tin, "ia", "attestation", "", "", ""})
				ts.add("measurements", meas, []string{id, "IA_EPA_1", "", "", "yes", ""})
			case "pi":
				ts.add("submissions", subs, []string{id, "individual", npi, tin, "pi", "ehr", "2025-01-01", "2025-12-31", "0015HBCDE12345F"})
				for _, m := range qualifyingPI(y) {
					ts.add("measurements", meas, append([]string{id}, m...))
				}
			}
		}
	}
	// The same clinician outside the area, and a group whose every clinician is in it: neither
	// gets the automatic policy (it never applies to groups).
	ts.add("clinicians", clin, []string{npiFor(990), "800000099", "physician", "1000", "0", "500", "10001", "NY", "New York"})
	ts.add("groups", []string{"tin", "clinician_count"}, []string{"800000099", "40"})
	in := t.TempDir()
	ts.write(t, in)
	s, err := Run(context.Background(), set, Options{KeepDeterminations: true, Year: 2025, InDir: in, OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Inputs.Rejects) > 0 {
		t.Fatalf("rejects: %+v", s.Inputs.Rejects)
	}
	rows := map[string]model.Determination{}
	for _, d := range s.Result.Determinations {
		rows[string(d.Level)+"/"+d.NPI+"/"+d.TIN] = d
	}
	for i, c := range cases {
		d := rows["individual/"+npiFor(900+i)+"/"+fmt.Sprintf("%09d", 800000000+i)]
		got := fmt.Sprintf("%d/%d/%d/%d", d.Weights[0], d.Weights[1], d.Weights[2], d.Weights[3])
		if got != c.want {
			t.Errorf("%s: %s (reasons %q), want %s", c.name, got, d.Reason, c.want)
		}
		if d.Status[model.Cost] != model.CategoryReweighted || !strings.Contains(d.Reason[model.Cost], "euc.auto") {
			t.Errorf("%s: cost stays reweighted under the automatic policy: %s %q", c.name, d.Status[model.Cost], d.Reason[model.Cost])
		}
		g := rows["group//"+fmt.Sprintf("%09d", 800000000+i)]
		if strings.Contains(strings.Join(g.Reason[:], ";"), "euc.auto") {
			t.Errorf("%s: the group row got the automatic EUC policy", c.name)
		}
	}
	out := rows["individual/"+npiFor(990)+"/800000099"]
	if out.Weights != [4]int{30, 30, 15, 25} {
		t.Errorf("clinician outside the area: %v", out.Weights)
	}
}

// A given auto_euc flag wins over the address; an address matches by state and county too.
func TestAutomaticEUCGivenFlagAndCounty(t *testing.T) {
	ts := tables{}
	clin := []string{"npi", "tin", "total_services", "hospital_services", "patient_facing_encounters", "auto_euc", "practice_zip", "practice_state", "practice_county"}
	ts.add("clinicians", clin, []string{npiFor(1), "810000001", "1000", "0", "500", "false", "91710", "CA", "Los Angeles"})
	ts.add("clinicians", clin, []string{npiFor(2), "810000002", "1000", "0", "500", "true", "10001", "NY", "New York"})
	ts.add("clinicians", clin, []string{npiFor(3), "810000003", "1000", "0", "500", "", "", "tx", "MCCULLOCH"})
	ts.add("clinicians", clin, []string{npiFor(4), "810000004", "1000", "0", "500", "", "", "TX", "Dallas"})
	in := t.TempDir()
	ts.write(t, in)
	s, err := Run(context.Background(), mustSet(t), Options{KeepDeterminations: true, Year: 2025, InDir: in, OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{npiFor(1): false, npiFor(2): true, npiFor(3): true, npiFor(4): false}
	for _, d := range s.Result.Determinations {
		if d.Level != model.LevelIndividual {
			continue
		}
		if got := d.FinalScoreAtThreshold; got != want[d.NPI] {
			t.Errorf("%s: automatic EUC %v, want %v (%q)", d.NPI, got, want[d.NPI], d.Reason)
		}
	}
}
