package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"reweigh/fixtures"
)

func TestFixturesUsage(t *testing.T) {
	out := t.TempDir()
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"fixtures", "--out", out}, "--scale is required"},
		{[]string{"fixtures", "--scale", "0", "--out", out}, "--scale is required and must be positive"},
		{[]string{"fixtures", "--scale", "-3", "--out", out}, "must be positive"},
		{[]string{"fixtures", "--scale", "60000000", "--out", out}, "at most"},
		{[]string{"fixtures", "--scale", "10"}, "--out is required"},
		{[]string{"fixtures", "--scale", "10", "--out", out, "--format", "xml"}, `unknown format "xml"`},
		{[]string{"fixtures", "--scale", "10", "--out", out, "--workers", "-1"}, "--workers must be positive"},
		{[]string{"fixtures", "--scale", "10", "--out", out, "extra"}, `unexpected argument "extra"`},
		{[]string{"fixtures", "--scale", "ten", "--out", out}, "invalid value"},
	}
	for _, c := range cases {
		code, _, stderr := runCmd(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.msg) {
			t.Errorf("reweigh %s: exit %d stderr %q; want exit 2 containing %q", strings.Join(c.args, " "), code, stderr, c.msg)
		}
	}
}

// TestFixturesThenRun generates a small fixture, validates it (exactly the planted rows are
// rejected) and runs the 2025 determinations on it.
func TestFixturesThenRun(t *testing.T) {
	for _, format := range []string{"csv", "parquet"} {
		t.Run(format, func(t *testing.T) {
			in := t.TempDir()
			code, stdout, stderr := runCmd(t, "fixtures", "--scale", "2000", "--seed", "9", "--out", in, "--format", format, "--workers", "2")
			if code != 0 {
				t.Fatalf("fixtures: exit %d: %s", code, stderr)
			}
			for _, want := range []string{"scale 2000, seed 9", "clinicians", "measurements", "planted bad rows", "npi.check_digit"} {
				if !strings.Contains(stdout, want) {
					t.Errorf("summary lacks %q:\n%s", want, stdout)
				}
			}
			b, err := os.ReadFile(filepath.Join(in, fixtures.ManifestFile))
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				Rows    map[string]int            `json:"rows"`
				Planted map[string]map[string]int `json:"planted"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			planted := 0
			for _, codes := range m.Planted {
				for _, n := range codes {
					planted += n
				}
			}
			if !strings.Contains(stdout, fmt.Sprintf("exactly the %d planted rows", planted)) {
				t.Errorf("summary does not give the %d planted rows:\n%s", planted, stdout)
			}
			code, _, stderr = runCmd(t, "validate", "--in", in)
			if want := fmt.Sprintf("validate: %d rows rejected", planted); code != 1 || !strings.Contains(stderr, want) {
				t.Errorf("validate: exit %d stderr %q; want exit 1 with %q", code, stderr, want)
			}
			out := t.TempDir()
			code, stdout, stderr = runCmd(t, "run", "--year", "2025", "--in", in, "--out", out, "--format", format, "--workers", "2")
			if code != 0 {
				t.Fatalf("run: exit %d: %s", code, stderr)
			}
			if want := fmt.Sprintf("rejects: %d rows rejected, 0 warnings", planted); !strings.Contains(stdout+stderr, want) {
				t.Errorf("run summary lacks %q:\n%s%s", want, stdout, stderr)
			}
		})
	}
}
