package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"reweigh/readers"
)

// TestMain lets the test binary act as the reweigh command in a child process
// (REWEIGH_TEST_MAIN=1), so the kill test can SIGKILL a real run.
func TestMain(m *testing.M) {
	if os.Getenv("REWEIGH_TEST_MAIN") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// writeLargeInput writes a clinicians table big enough that reading and writing take a while.
func writeLargeInput(t *testing.T, dir string, n int) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "clinicians.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "npi,tin,clinician_type,total_services,hospital_services,patient_facing_encounters")
	for i := range n {
		base := fmt.Sprintf("1%08d", i)
		npi := ""
		for d := '0'; d <= '9'; d++ {
			if readers.ValidNPI(base + string(d)) {
				npi = base + string(d)
				break
			}
		}
		fmt.Fprintf(w, "%s,%09d,physician,1000,%d,%d\n", npi, i/7, (i*37)%1000, (i*13)%600)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func snapshotDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
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

// A run killed with SIGKILL, while reading or while writing, leaves the previous outputs
// byte-identical and adds no output file.
func TestKilledRunLeavesOutputsIntact(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large input")
	}
	in := t.TempDir()
	writeLargeInput(t, in, 100_000)
	out := t.TempDir()
	if code, _, stderr := runCmd(t, "run", "--year", "2025", "--in", "../../testdata/sample", "--out", out, "--quiet"); code != 0 {
		t.Fatalf("first run: %s", stderr)
	}
	before := snapshotDir(t, out)
	for _, when := range []string{"reading", "writing"} {
		t.Run(when, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "run", "--year", "2025", "--in", in, "--out", out, "--quiet", "--workers", "1")
			cmd.Env = append(os.Environ(), "REWEIGH_TEST_MAIN=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for time.Now().Before(deadline) {
				if when == "reading" {
					time.Sleep(150 * time.Millisecond)
					break
				}
				if tmp, _ := filepath.Glob(filepath.Join(out, ".reweigh-tmp-*", "*")); len(tmp) > 0 {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if err == nil || !strings.Contains(err.Error(), "killed") {
				t.Skipf("the run finished before it could be killed (%v); the machine is faster than this test assumes", err)
			}
			after := snapshotDir(t, out)
			if len(after) != len(before) {
				t.Errorf("killed while %s: %d files before, %d after", when, len(before), len(after))
			}
			for name, b := range before {
				if !bytes.Equal(b, after[name]) {
					t.Errorf("killed while %s: %s changed", when, name)
				}
			}
		})
	}
	// The next run succeeds and replaces the outputs.
	if code, _, stderr := runCmd(t, "run", "--year", "2025", "--in", in, "--out", out, "--quiet"); code != 0 {
		t.Fatalf("run after the kills: %s", stderr)
	}
}
