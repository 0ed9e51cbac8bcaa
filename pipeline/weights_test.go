package pipeline

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"reweigh/model"
	"reweigh/readers"
	"reweigh/rules"
)

// tables is a test helper that writes input tables as CSV.
type tables map[string][][]string

func (ts tables) add(table string, header, row []string) {
	if len(ts[table]) == 0 {
		ts[table] = append(ts[table], header)
	}
	ts[table] = append(ts[table], row)
}

func (ts tables) write(t *testing.T, dir string) {
	t.Helper()
	for name, rows := range ts {
		f, err := os.Create(filepath.Join(dir, name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		w := csv.NewWriter(f)
		if err := w.WriteAll(rows); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

// npiFor makes a valid NPI (Luhn check digit over 80840) from a serial number.
func npiFor(serial int) string {
	base := fmt.Sprintf("1%08d", serial)
	for d := '0'; d <= '9'; d++ {
		if readers.ValidNPI(base + string(d)) {
			return base + string(d)
		}
	}
	panic("no check digit")
}

// qualifyingPI returns measurements that make a PI submission qualifying in the year: the first
// option of every required objective and every required attestation (Appendix D from 2025).
func qualifyingPI(y *rules.Year) [][]string {
	var ms [][]string
	seen := map[string]bool{}
	add := func(id string, row []string) {
		if !seen[id] {
			seen[id] = true
			ms = append(ms, row)
		}
	}
	for _, o := range y.Qualifying.PIObjectives {
		for _, id := range o.AnyOf[0] {
			add(id, []string{id, "80", "100", "yes", ""})
		}
	}
	for _, id := range y.Qualifying.PIRequiredAttestations {
		add(id, []string{id, "", "", "yes", ""})
	}
	if len(ms) == 0 {
		add("PI_EP_1", []string{"PI_EP_1", "80", "100", "", ""})
	}
	return ms
}

// Every row of every weight table of the guides (002 Appendices B-D; 004 Appendices A1, A2, B),
// reached through real inputs: approved EUC applications name the categories not scored, a
// small practice's automatic PI reweighting is voided by a qualifying PI submission where the
// row scores PI, and APP rows come from an APP submission.
func TestEveryWeightRowThroughApplications(t *testing.T) {
	rows := []struct {
		table     string
		notScored string
		want      string
	}{
		{"traditional", "", "30/30/15/25"},
		{"traditional", "cost", "55/0/15/30"},
		{"traditional", "ia", "45/30/0/25"},
		{"traditional", "pi", "55/30/15/0"},
		{"traditional", "quality", "0/30/15/55"},
		{"traditional", "cost;pi", "85/0/15/0"},
		{"traditional", "quality;cost", "0/0/15/85"},
		{"traditional", "cost;ia", "70/0/0/30"},
		{"traditional", "quality;pi", "0/50/50/0"},
		{"traditional", "ia;pi", "70/30/0/0"},
		{"traditional", "quality;ia", "0/30/0/70"},
		{"traditional", "quality;cost;ia", "0/0/0/100"},
		{"traditional", "quality;cost;ia;pi", "0/0/0/0"},
		{"small", "", "30/30/15/25"},
		{"small", "cost", "55/0/15/30"},
		{"small", "ia", "45/30/0/25"},
		{"small", "pi", "40/30/30/0"},
		{"small", "quality", "0/30/15/55"},
		{"small", "cost;pi", "50/0/50/0"},
		{"small", "quality;cost", "0/0/15/85"},
		{"small", "cost;ia", "70/0/0/30"},
		{"small", "quality;pi", "0/50/50/0"},
		{"small", "ia;pi", "70/30/0/0"},
		{"small", "quality;ia", "0/30/0/70"},
		{"small", "cost;ia;pi", "100/0/0/0"},
		{"app", "", "50/0/20/30"},
		{"app", "pi", "75/0/25/0"},
		{"app", "quality", "0/0/25/75"},
		{"app", "quality;pi", "0/0/100/0"},
		{"app", "cost;ia", "50/0/20/30"},
	}
	set := mustSet(t)
	for _, year := range set.Years() {
		y, _ := set.ForYear(year)
		t.Run(fmt.Sprint(year), func(t *testing.T) {
			ts := tables{}
			clin := []string{"npi", "tin", "clinician_type", "total_services", "hospital_services", "patient_facing_encounters"}
			exc := []string{"application_id", "exception_type", "level", "npi", "tin", "categories", "status"}
			subs := []string{"submission_id", "level", "npi", "tin", "pathway", "category", "submission_method", "performance_start", "performance_end", "cehrt_id"}
			meas := []string{"submission_id", "measure_id", "numerator", "denominator", "value", "exclusion"}
			for i, r := range rows {
				npi, tin := npiFor(500+i), fmt.Sprintf("%09d", 700000000+i)
				ts.add("clinicians", clin, []string{npi, tin, "physician", "1000", "0", "500"})
				size := "40"
				if r.table == "small" {
					size = "5"
				}
				ts.add("groups", []string{"tin", "clinician_count"}, []string{tin, size})
				if r.notScored != "" {
					ts.add("exceptions", exc, []string{fmt.Sprintf("APP-%d", i), "euc", "individual", npi, tin, r.notScored, "approved"})
				}
				pathway := "traditional"
				if r.table == "app" {
					pathway = "app"
				}
				if r.table == "small" && !strings.Contains(r.notScored, "pi") {
					id := fmt.Sprintf("SUB-PI-%d", i)
					ts.add("submissions", subs, []string{id, "individual", npi, tin, pathway, "pi", "ehr",
						fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-12-31", year), "0015HBCDE12345F"})
					for _, m := range qualifyingPI(y) {
						ts.add("measurements", meas, append([]string{id}, m...))
					}
				}
				if r.table == "app" {
					ts.add("submissions", subs, []string{fmt.Sprintf("SUB-APP-%d", i), "individual", npi, tin, "app", "ia", "attestation", "", "", ""})
				}
			}
			in := t.TempDir()
			ts.write(t, in)
			s, err := Run(context.Background(), set, Options{KeepDeterminations: true, Year: year, InDir: in, OutDir: t.TempDir(), Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Inputs.Rejects) > 0 {
				t.Fatalf("inputs rejected: %+v", s.Inputs.Rejects[0])
			}
			got := map[string]model.Determination{}
			for _, d := range s.Result.Determinations {
				if d.Level == model.LevelIndividual {
					got[d.NPI] = d
				}
			}
			for i, r := range rows {
				d, ok := got[npiFor(500+i)]
				if !ok {
					t.Fatalf("%s/%s: no determination", r.table, r.notScored)
				}
				w := fmt.Sprintf("%d/%d/%d/%d", d.Weights[0], d.Weights[1], d.Weights[2], d.Weights[3])
				if w != r.want {
					t.Errorf("%s not scored [%s]: %s (reasons %q), want %s", r.table, r.notScored, w, d.Reason, r.want)
				}
				wantThreshold := r.want == "0/0/0/0" || strings.Contains(r.want, "100")
				if d.FinalScoreAtThreshold != wantThreshold {
					t.Errorf("%s [%s]: at threshold %v", r.table, r.notScored, d.FinalScoreAtThreshold)
				}
			}
		})
	}
}
