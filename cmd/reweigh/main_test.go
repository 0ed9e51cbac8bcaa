package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	out := t.TempDir()
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "Usage"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"run", "--in", "../../testdata/sample", "--out", out}, 2, "--year is required"},
		{[]string{"run", "--year", "2025", "--out", out}, 2, "--in is required"},
		{[]string{"run", "--year", "2025", "--in", "../../testdata/sample", "--out", out, "--format", "xml"}, 2, "unknown output format"},
		{[]string{"run", "--year", "2025", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"run", "--year", "2021", "--in", "../../testdata/sample", "--out", out}, 1, "supported: 2022, 2023, 2024, 2025"},
		{[]string{"run", "--year", "2025", "--in", filepath.Join(out, "nope"), "--out", out}, 1, "input directory: no such file or directory"},
		{[]string{"run", "--year", "2025", "--in", "../../testdata/sample", "--out", out, "--strict"}, 1, "--strict"},
		{[]string{"validate", "--in", "../../testdata/sample"}, 1, "3 rows rejected"},
		{[]string{"validate", "--in", "../../testdata/statuses"}, 0, ""},
		{[]string{"query", "--out", out}, 2, "exactly one SQL"},
		{[]string{"version"}, 0, ""},
	}
	for _, c := range cases {
		code, _, stderr := runCmd(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("reweigh %s: exit %d stderr %q; want exit %d containing %q", strings.Join(c.args, " "), code, stderr, c.code, c.msg)
		}
	}
}

func TestRunThenQuery(t *testing.T) {
	for _, format := range []string{"parquet", "csv"} {
		t.Run(format, func(t *testing.T) {
			out := t.TempDir()
			code, stdout, stderr := runCmd(t, "run", "--year", "2025", "--in", "../../testdata/sample", "--out", out, "--format", format, "--workers", "2")
			if code != 0 {
				t.Fatalf("run: exit %d: %s", code, stderr)
			}
			if stdout != "" || !strings.Contains(stderr, "53 determinations") || !strings.Contains(stderr, "reweigh: read ...") ||
				!strings.Contains(stderr, "40/30/30/0") || !strings.Contains(stderr, "npi.check_digit 1") {
				t.Errorf("progress and summary go to stderr:\nstdout %q\nstderr %s", stdout, stderr)
			}
			for _, f := range []string{"determinations." + format, "rejects." + format, "manifest.json"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Error(err)
				}
			}
			// The worked example of docs/data.md: a hospital-based clinician in a small practice.
			code, stdout, stderr = runCmd(t, "query", "--out", out, "--format", "csv",
				"SELECT tin, quality_weight, cost_weight, ia_weight, pi_weight, pi_reason FROM determinations WHERE npi = '1100000011'")
			if code != 0 {
				t.Fatalf("query: exit %d: %s", code, stderr)
			}
			want := "tin,quality_weight,cost_weight,ia_weight,pi_weight,pi_reason\n012345678,40,30,30,0,status.hospital_based;status.small_practice\n"
			if stdout != want {
				t.Errorf("query output:\n%s\nwant:\n%s", stdout, want)
			}
		})
	}
}

func TestDiffCommand(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "diff", "--in", "../../testdata/years", "--from", "2024", "--to", "2025", "--out", out)
	if code != 0 || !strings.Contains(stdout, "2 of 4 determination rows change") || !strings.Contains(stdout, "- pi:pi.clinician_type") {
		t.Fatalf("diff: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd(t, "query", "--out", out, "--format", "csv", "SELECT npi, reasons_removed FROM year_diff WHERE reasons_removed LIKE '%clinician_type%'")
	if code != 0 || !strings.Contains(stdout, "pi:pi.clinician_type") {
		t.Errorf("query year_diff: exit %d %s %s", code, stdout, stderr)
	}
	if code, _, _ := runCmd(t, "diff", "--in", "../../testdata/years", "--from", "2024", "--out", out); code != 2 {
		t.Errorf("diff without --to: exit %d, want 2", code)
	}
}

func TestRunLogFormats(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "run", "--year", "2025", "--in", "../../testdata/sample", "--out", out, "--quiet")
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("--quiet: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	code, _, stderr = runCmd(t, "run", "--year", "2025", "--in", "../../testdata/sample", "--out", out, "--log-format", "json")
	if code != 0 {
		t.Fatalf("json: exit %d %s", code, stderr)
	}
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON record: %q", line)
		}
		msgs = append(msgs, rec["msg"].(string))
		if rec["msg"] == "run finished" && rec["determinations"].(float64) != 53 {
			t.Errorf("run finished: %v", rec)
		}
	}
	if msgs[0] != "stage started" || msgs[len(msgs)-1] != "run finished" {
		t.Errorf("records: %v", msgs)
	}
	if code, _, _ := runCmd(t, "run", "--year", "2025", "--in", "../../testdata/sample", "--out", out, "--log-format", "xml"); code != 2 {
		t.Errorf("--log-format xml: exit %d, want 2", code)
	}
}
