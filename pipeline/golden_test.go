package pipeline

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"reweigh/rules"
	"reweigh/writers"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of the golden cases")

// fixedNow is the injected clock of golden runs, so manifest.json is byte-stable.
func fixedNow() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

// TestGolden runs every case under testdata/: a directory of input tables with one or more
// expected-<year>/ directories holding the CSV outputs of `reweigh run --year <year>
// --format csv`. Run `go test ./pipeline -run TestGolden -update` to rewrite them; review the diff.
func TestGolden(t *testing.T) {
	set, err := rules.Load()
	if err != nil {
		t.Fatal(err)
	}
	expected, err := filepath.Glob("../testdata/*/expected-*")
	if err != nil {
		t.Fatal(err)
	}
	if len(expected) == 0 {
		t.Fatal("no golden cases under testdata/")
	}
	for _, exp := range expected {
		in := filepath.Dir(exp)
		year, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(exp), "expected-"))
		if err != nil {
			t.Fatalf("%s: %v", exp, err)
		}
		t.Run(filepath.Base(in)+"/"+strconv.Itoa(year), func(t *testing.T) {
			var first map[string][]byte
			for _, workers := range []int{1, 4} {
				out := t.TempDir()
				_, err := Run(context.Background(), set, Options{Year: year, InDir: in, OutDir: out, Format: writers.FormatCSV, Workers: workers, Version: "golden", Now: fixedNow})
				if err != nil {
					t.Fatal(err)
				}
				got := readDir(t, out)
				// The manifest records the worker count; everything else must not depend on it.
				delete(got, "manifest.json")
				if first == nil {
					first = got
					compareOrUpdate(t, exp, out)
				} else {
					for name, b := range got {
						if !bytes.Equal(b, first[name]) {
							t.Errorf("%s differs between --workers 1 and --workers %d", name, workers)
						}
					}
				}
			}
		})
	}
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func compareOrUpdate(t *testing.T, expDir, outDir string) {
	t.Helper()
	got := readDir(t, outDir)
	if *update {
		if err := os.RemoveAll(expDir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(expDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range got {
			if err := os.WriteFile(filepath.Join(expDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := readDir(t, expDir)
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s: expected output %s was not written", expDir, name)
		}
	}
	for name, b := range got {
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: unexpected output %s (run with -update if intended)", expDir, name)
			continue
		}
		if !bytes.Equal(b, w) {
			t.Errorf("%s/%s differs from the run's output:\n%s", expDir, name, firstDiff(w, b))
		}
	}
}

// firstDiff shows the first differing line of two files.
func firstDiff(want, got []byte) string {
	wl := strings.Split(string(want), "\n")
	gl := strings.Split(string(got), "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + "\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(same lines)"
}
