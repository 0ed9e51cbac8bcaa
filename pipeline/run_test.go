package pipeline

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"reweigh/model"
	"reweigh/readers"
	"reweigh/rules"
	"reweigh/writers"
)

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func mustSet(t *testing.T) *rules.Set {
	t.Helper()
	set, err := rules.Load()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// A failed run leaves the previous outputs byte-identical, whatever made it fail.
func TestFailedRunLeavesOutputsUntouched(t *testing.T) {
	set := mustSet(t)
	for _, format := range writers.Formats {
		t.Run(string(format), func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "in")
			copyDir(t, "../testdata/sample", in)
			out := t.TempDir()
			if _, err := Run(context.Background(), set, Options{Year: 2025, InDir: in, OutDir: out, Format: format, Workers: 2}); err != nil {
				t.Fatal(err)
			}
			before := readDir(t, out)
			if len(before) < 3 {
				t.Fatalf("first run wrote %d files", len(before))
			}
			failures := map[string]func() Options{
				"unsupported year": func() Options { return Options{Year: 2019, InDir: in, OutDir: out, Format: format} },
				"strict": func() Options {
					return Options{Year: 2025, InDir: in, OutDir: out, Format: format, Strict: true}
				},
				"missing required column": func() Options {
					bad := filepath.Join(t.TempDir(), "in")
					copyDir(t, in, bad)
					b, _ := os.ReadFile(filepath.Join(bad, "clinicians.csv"))
					lines := strings.SplitN(string(b), "\n", 2)
					header := strings.Replace(lines[0], "npi,", "provider,", 1)
					os.WriteFile(filepath.Join(bad, "clinicians.csv"), []byte(header+"\n"+lines[1]), 0o644)
					return Options{Year: 2025, InDir: bad, OutDir: out, Format: format}
				},
				"both formats": func() Options {
					bad := filepath.Join(t.TempDir(), "in")
					copyDir(t, in, bad)
					os.WriteFile(filepath.Join(bad, "groups.parquet"), []byte("PAR1"), 0o644)
					return Options{Year: 2025, InDir: bad, OutDir: out, Format: format}
				},
				"cancelled": func() Options { return Options{Year: 2025, InDir: in, OutDir: out, Format: format} },
			}
			for name, opts := range failures {
				ctx := context.Background()
				if name == "cancelled" {
					c, cancel := context.WithCancel(ctx)
					cancel()
					ctx = c
				}
				if _, err := Run(ctx, set, opts()); err == nil {
					t.Errorf("%s: run succeeded", name)
				}
				after := readDir(t, out)
				if len(after) != len(before) {
					t.Errorf("%s: %d files before, %d after", name, len(before), len(after))
				}
				for f, b := range before {
					if !bytes.Equal(b, after[f]) {
						t.Errorf("%s: %s changed", name, f)
					}
				}
			}
		})
	}
}

func TestStrict(t *testing.T) {
	set := mustSet(t)
	out := t.TempDir()
	_, err := Run(context.Background(), set, Options{Year: 2025, InDir: "../testdata/sample", OutDir: out, Strict: true})
	if !errors.Is(err, ErrStrict) || !strings.Contains(err.Error(), "clinicians.csv row 49") {
		t.Fatalf("strict run: %v", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("strict failure wrote %d files", len(entries))
	}
	// Without a rejected row, --strict runs.
	if _, err := Run(context.Background(), set, Options{Year: 2025, InDir: "../testdata/statuses", OutDir: out, Strict: true}); err != nil {
		t.Fatal(err)
	}
}

func TestUnsupportedYearNamesTheYears(t *testing.T) {
	_, err := Run(context.Background(), mustSet(t), Options{Year: 2030, InDir: "../testdata/sample", OutDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "2022, 2023, 2024, 2025") {
		t.Fatalf("got %v", err)
	}
}

// The manifest reconciles every input table and counts every reject by code.
func TestManifestReconciles(t *testing.T) {
	s, err := Run(context.Background(), mustSet(t), Options{Year: 2025, InDir: "../testdata/sample", OutDir: t.TempDir(), Format: writers.FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Manifest.Inputs) != len(model.InputTables) {
		t.Errorf("%d inputs in the manifest, want every table of the sample (%d)", len(s.Manifest.Inputs), len(model.InputTables))
	}
	rejected := 0
	for _, st := range s.Manifest.Inputs {
		if st.RowsRead != st.RowsAccepted+st.RowsRejected {
			t.Errorf("%s: %d read != %d accepted + %d rejected", st.Table, st.RowsRead, st.RowsAccepted, st.RowsRejected)
		}
		rejected += st.RowsRejected
	}
	byCode := 0
	for _, n := range s.Manifest.RejectsByCode {
		byCode += n
	}
	if byCode != len(s.Inputs.Rejects) || rejected != s.Errors {
		t.Errorf("rejects_by_code counts %d, rejects %d, rows rejected %d, errors %d", byCode, len(s.Inputs.Rejects), rejected, s.Errors)
	}
}

// Every entity gets a row whatever --workers is, and the clinician rows the readers accepted
// all reach the determinations.
func TestEveryClinicianDetermined(t *testing.T) {
	in, err := readers.ReadAll(context.Background(), "../testdata/sample", readers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	y, _ := mustSet(t).ForYear(2025)
	res, err := Determine(context.Background(), y, in, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[2]string]bool{}
	tins := map[string]bool{}
	for _, d := range res.Determinations {
		if d.Level == model.LevelIndividual {
			seen[[2]string{d.NPI, d.TIN}] = true
		} else if d.Level == model.LevelGroup {
			tins[d.TIN] = true
		}
	}
	for _, c := range in.Clinicians {
		if !seen[[2]string{c.NPI, c.TIN}] || !tins[c.TIN] {
			t.Errorf("clinician %s/%s has no individual or group row", c.NPI, c.TIN)
		}
	}
}

// Determine leaves its inputs as they were; a run's determine consumes the tables only the
// index needs as it files them, and the clinicians rows once what they say is worked out, and
// decides the same rows.
func TestDetermineConsumesOnlyInARun(t *testing.T) {
	read := func() *model.Inputs {
		in, err := readers.ReadAll(context.Background(), "../testdata/sample", readers.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if in.Measurements.Len() == 0 || len(in.Submissions) == 0 || len(in.Scores) == 0 || len(in.CostMeasures) == 0 || len(in.Exceptions) == 0 {
			t.Fatal("the sample lacks a table this test needs")
		}
		return in
	}
	y, _ := mustSet(t).ForYear(2025)
	in := read()
	want, err := Determine(context.Background(), y, in, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	if in.Measurements.Len() == 0 || len(in.Submissions) == 0 || len(in.Scores) == 0 || len(in.CostMeasures) == 0 || len(in.Exceptions) == 0 || len(in.Clinicians) == 0 {
		t.Error("Determine changed its inputs")
	}
	in = read()
	indexed := false
	got, err := determine(context.Background(), y, in, nil, 2, func() {
		indexed = true
		if in.Clinicians != nil || in.Measurements.Len() != 0 {
			t.Error("rows the decisions do not read are still held when the index is built")
		}
	}, sinks{})
	if err != nil {
		t.Fatal(err)
	}
	if !indexed {
		t.Error("indexed was not called")
	}
	if in.Measurements.Len() != 0 || in.Submissions != nil || in.Scores != nil || in.CostMeasures != nil || in.Exceptions != nil {
		t.Error("a run's determine kept tables only the index needs")
	}
	// The clinicians rows go before anything is decided; the tables the levels read stay.
	if in.Clinicians != nil {
		t.Error("a run's determine kept the clinicians")
	}
	if len(in.Groups) == 0 || len(in.APMEntities) == 0 {
		t.Error("a run's determine dropped a table the levels read")
	}
	if !slices.EqualFunc(got.Determinations, want.Determinations, func(a, b model.Determination) bool { return reflect.DeepEqual(a, b) }) ||
		!reflect.DeepEqual(got.ClinicianScores, want.ClinicianScores) || !reflect.DeepEqual(got.Notes, want.Notes) {
		t.Error("consuming the inputs changed the determinations, clinician scores or notes")
	}
}
