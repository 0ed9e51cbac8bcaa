package main

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// runInto runs `reweigh run --year 2025 --in testdata/sample` into a new directory with the
// extra arguments and returns every file it wrote, by name.
func runInto(t *testing.T, extra ...string) map[string][]byte {
	t.Helper()
	out := t.TempDir()
	args := append([]string{"run", "--year", "2025", "--in", "../../testdata/sample", "--out", out, "--quiet"}, extra...)
	if code, _, stderr := runCmd(t, args...); code != 0 {
		t.Fatalf("reweigh %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			t.Errorf("run left a directory %s in --out", e.Name())
		}
	}
	return snapshotDir(t, out)
}

// manifestWithout is manifest.json with the named top-level fields removed, re-encoded with
// sorted keys so that two manifests compare byte for byte.
func manifestWithout(t *testing.T, b []byte, fields ...string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	for _, f := range fields {
		if _, ok := m[f]; !ok {
			t.Errorf("manifest.json has no %q field", f)
		}
		delete(m, f)
	}
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameOutputs reports every difference between two runs' files: the same file names, every
// file byte-identical except manifest.json, which is compared without the fields in volatile.
func sameOutputs(t *testing.T, a, b map[string][]byte, volatile ...string) {
	t.Helper()
	var names []string
	for name := range a {
		names = append(names, name)
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		x, okA := a[name]
		y, okB := b[name]
		switch {
		case !okA || !okB:
			t.Errorf("%s written by one run only", name)
		case name == "manifest.json":
			if mx, my := manifestWithout(t, x, volatile...), manifestWithout(t, y, volatile...); !bytes.Equal(mx, my) {
				t.Errorf("manifest.json differs beyond %v:\n%s\n----\n%s", volatile, mx, my)
			}
		case !bytes.Equal(x, y):
			t.Errorf("%s differs: %d bytes vs %d bytes", name, len(x), len(y))
		}
	}
}

// Two runs of the same inputs write byte-identical outputs, in both formats and whatever the
// worker count: only the run's clock in manifest.json (started_at, finished_at) differs, and,
// between worker counts, the manifest's record of --workers.
func TestRerunsAreByteIdentical(t *testing.T) {
	for _, format := range []string{"parquet", "csv"} {
		t.Run(format, func(t *testing.T) {
			first := runInto(t, "--format", format)
			for _, want := range []string{"determinations", "rejects", "apm_participants", "clinician_scores", "members"} {
				if _, ok := first[want+"."+format]; !ok {
					t.Errorf("the sample run wrote no %s.%s", want, format)
				}
			}
			t.Run("rerun", func(t *testing.T) {
				sameOutputs(t, first, runInto(t, "--format", format), "started_at", "finished_at")
			})
			t.Run("workers", func(t *testing.T) {
				one := runInto(t, "--format", format, "--workers", "1")
				four := runInto(t, "--format", format, "--workers", "4")
				sameOutputs(t, one, four, "started_at", "finished_at", "workers")
				for n, files := range map[string]map[string][]byte{"1": one, "4": four} {
					var m struct{ Workers json.Number }
					if err := json.Unmarshal(files["manifest.json"], &m); err != nil || m.Workers.String() != n {
						t.Errorf("--workers %s: manifest workers %q (%v)", n, m.Workers, err)
					}
				}
			})
		})
	}
}

// A generated fixture (several thousand clinicians, every table, planted bad rows: many
// determination shards) gives the same bytes with --workers 1 and --workers 8. Under
// `make test` this is also the small fixture run under the race detector.
func TestFixtureWorkersIdentical(t *testing.T) {
	in := t.TempDir()
	if code, _, stderr := runCmd(t, "fixtures", "--scale", "6000", "--seed", "5", "--out", in); code != 0 {
		t.Fatalf("fixtures: exit %d: %s", code, stderr)
	}
	run := func(workers string) map[string][]byte {
		out := t.TempDir()
		if code, _, stderr := runCmd(t, "run", "--year", "2025", "--in", in, "--out", out, "--quiet", "--workers", workers); code != 0 {
			t.Fatalf("run --workers %s: exit %d: %s", workers, code, stderr)
		}
		return snapshotDir(t, out)
	}
	sameOutputs(t, run("1"), run("8"), "started_at", "finished_at", "workers")
}
