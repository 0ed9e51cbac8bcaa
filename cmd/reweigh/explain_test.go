package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// runCase runs `reweigh run --year 2025` on a testdata case into a temporary directory.
func runCase(t *testing.T, testCase, format string) string {
	t.Helper()
	out := t.TempDir()
	code, _, stderr := runCmd(t, "run", "--year", "2025", "--in", "../../testdata/"+testCase, "--out", out, "--format", format, "--workers", "2")
	if code != 0 {
		t.Fatalf("run %s: exit %d: %s", testCase, code, stderr)
	}
	return out
}

func explainText(t *testing.T, out, npi, tin string) string {
	t.Helper()
	code, stdout, stderr := runCmd(t, "explain", "--out", out, "--npi", npi, "--tin", tin)
	if code != 0 {
		t.Fatalf("explain %s/%s: exit %d: %s", npi, tin, code, stderr)
	}
	return stdout
}

// wantInOrder checks that every line appears in text, in this order.
func wantInOrder(t *testing.T, text string, lines ...string) {
	t.Helper()
	rest := text
	for _, l := range lines {
		i := strings.Index(rest, l)
		if i < 0 {
			t.Errorf("missing (or out of order): %q\nin:\n%s", l, text)
			return
		}
		rest = rest[i+len(l):]
	}
}

func TestExplainLevels(t *testing.T) {
	texts := map[string][3]string{}
	for _, format := range []string{"parquet", "csv"} {
		t.Run(format, func(t *testing.T) {
			out := runCase(t, "levels", format)

			// A subgroup member of TIN 400000001: the group's PI hardship reaches the subgroup
			// (inherited) but not the individual; the group's own data overrides it for the
			// group only.
			sg := explainText(t, out, "1000040000", "400000001")
			wantInOrder(t, sg,
				"NPI 1000040000 at TIN 400000001: 3 determination rows",
				"== Individual: NPI 1000040000 at TIN 400000001, traditional MIPS pathway",
				"Scored: quality, cost, IA, PI.",
				"== Group: TIN 400000001, traditional MIPS pathway",
				"PI overridden: reweighted, then scored because of qualifying data (weight 25%):",
				"[pi_hardship:APP-G1, application APP-G1]",
				"Source: CMS 2024 MIPS PI Hardship Exception Application Guide pp. 6-11",
				"[override.data:SUB-G-PI, submission SUB-G-PI]",
				"== Subgroup SG-1 of TIN 400000001 (the clinician is a member), MVP pathway",
				"Weights: quality 55%, cost 30%, IA 15%, PI 0% (3 categories scored).",
				"PI reweighted",
				"- Inherited from the affiliated group [subgroup.inherit:400000001, affiliated group TIN 400000001]",
				"- Promoting Interoperability hardship exception [pi_hardship:APP-G1, application APP-G1, inherited from the affiliated group]",
				"== Final score the clinician receives (payment year 2027): none",
			)
			if strings.Contains(sg, "SG-2") {
				t.Errorf("SG-1 member shows SG-2:\n%s", sg)
			}

			// An ACO-1 participant of TIN 400000005: the PI average of 70 over 2 participants.
			aco := explainText(t, out, "1000043020", "400000005")
			wantInOrder(t, aco,
				"== Individual: NPI 1000043020 at TIN 400000005",
				"[final.missing_score]",
				"== Group: TIN 400000005",
				"hospital-based no (25%)",
				"== APM Entity ACO-1 (the clinician is a participant), APM Performance Pathway (APP)",
				"Weights: quality 50%, cost 0%, IA 20%, PI 30% (3 categories scored).",
				"[cost.app]",
				"PI average: 70 over 2 participants (2 left out)",
				"Share of MIPS eligible clinicians seen to qualify for PI reweighting: 50%",
				"This clinician is in the PI average with PI score 80",
				"PI reporting required of this clinician: yes.",
				"[apm.ssp_pi_required]",
				"Final score: 86.",
				"== Final score the clinician receives (payment year 2027): 86",
				"APM Entity 86",
				"86 is the highest of its candidate final scores, so it receives the APM Entity score.",
				"[final.pick]",
			)

			// The automatic EUC clinician of TIN 400000008: its neutral 75 is not a candidate
			// because its group submitted data; it receives the group's 59.
			euc := explainText(t, out, "1000046007", "400000008")
			wantInOrder(t, euc,
				"== Individual: NPI 1000046007 at TIN 400000008",
				"Weights: quality 0%, cost 0%, IA 0%, PI 0% (0 categories scored).",
				"Quality reweighted",
				"- Automatic EUC policy [euc.auto]",
				"Cost reweighted",
				"- Automatic EUC policy [euc.auto] (as above)",
				"Final score: 75. The final score is the performance threshold (75 points, a neutral payment adjustment) because no category is scored.",
				"[final.threshold]",
				"== Group: TIN 400000008",
				"Final score: 59.",
				"== Final score the clinician receives (payment year 2027): 59",
				"Candidates: individual none; group 59;",
				"so it receives the group score. Its individual row's neutral score under the automatic EUC policy is not a candidate, because its group, subgroup or APM Entity submitted data.",
				"- Automatic EUC neutral score not a candidate [final.pick.auto_euc]",
			)
			texts[format] = [3]string{
				strings.ReplaceAll(sg, out, "OUT"), strings.ReplaceAll(aco, out, "OUT"), strings.ReplaceAll(euc, out, "OUT"),
			}
		})
	}
	if texts["parquet"] != texts["csv"] {
		t.Errorf("explain differs between Parquet and CSV outputs:\n%s\n---\n%s", texts["parquet"][0], texts["csv"][0])
	}
}

func TestExplainJSON(t *testing.T) {
	out := runCase(t, "levels", "parquet")
	code, stdout, stderr := runCmd(t, "explain", "--out", out, "--npi", "1000043012", "--tin", "400000005", "--format", "json")
	if code != 0 {
		t.Fatalf("explain: exit %d: %s", code, stderr)
	}
	var x explanation
	if err := json.Unmarshal([]byte(stdout), &x); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if x.NPI != "1000043012" || x.TIN != "400000005" || x.PerformanceYear != 2025 || x.PaymentYear != 2027 {
		t.Errorf("header: %+v", x)
	}
	var levels []string
	for _, r := range x.Rows {
		levels = append(levels, r.Level+"/"+r.Pathway)
	}
	if got := strings.Join(levels, " "); got != "individual/traditional group/traditional apm_entity/app" {
		t.Errorf("rows: %s", got)
	}
	ind := x.Rows[0]
	pi := ind.Categories[3]
	if pi.Category != "pi" || pi.Status != "reweighted" || len(pi.Reasons) != 1 ||
		pi.Reasons[0].ID != "pi_hardship" || pi.Reasons[0].Evidence != "APP-I1" || pi.Reasons[0].Of != "application" ||
		pi.Reasons[0].Source != "CMS 2024 MIPS PI Hardship Exception Application Guide pp. 6-11" {
		t.Errorf("individual PI: %+v", pi)
	}
	if ind.Weights != (weights{55, 30, 15, 0}) {
		t.Errorf("individual weights: %+v", ind.Weights)
	}
	a := x.Rows[2].APMEntity
	if a == nil || a.PIAverageScore == nil || *a.PIAverageScore != 70 || *a.PIAverageCount != 2 || *a.PIExcludedCount != 2 {
		t.Fatalf("APM Entity: %+v", a)
	}
	p := a.Participant
	if p == nil || p.InPIAverage || p.PIScoreUsed == nil || *p.PIScoreUsed != 40 || p.ExcludedReason == nil ||
		p.ExcludedReason.Token != "pi_hardship:APP-I1" || p.PIReportingRequired == nil || *p.PIReportingRequired {
		t.Errorf("participant: %+v", p)
	}
	s := x.ClinicianScore
	if s == nil || s.FinalScore == nil || *s.FinalScore != 86 || s.Picked != "apm_entity" || len(s.Rules) != 1 || s.Rules[0].ID != "final.pick" {
		t.Errorf("clinician score: %+v", s)
	}
}

// The worked example of docs/data.md: NPI 1100000011 at TIN 012345678 (leading zero kept).
func TestExplainSampleWorkedExample(t *testing.T) {
	out := runCase(t, "sample", "csv")
	text := explainText(t, out, "1100000011", "012345678")
	wantInOrder(t, text,
		"== Individual: NPI 1100000011 at TIN 012345678, traditional MIPS pathway",
		"Statuses: small practice yes, hospital-based yes, non-patient facing no, ASC-based no; derived from the input counts.",
		"Weights: quality 40%, cost 30%, IA 30%, PI 0% (3 categories scored).",
		"PI reweighted",
		"- Hospital-based clinician [status.hospital_based]",
		"POS 19, 21, 22, 23",
		"- Small practice [status.small_practice]",
		"small-practice weight table applies",
		"Final score: 86.1.",
		"== Group: TIN 012345678",
		"== Virtual group VG-2025-001",
		"== Final score the clinician receives (payment year 2027): 91.5",
		"Its TIN is in virtual group VG-2025-001, so it receives the virtual group's final score, 91.5.",
	)
}

func TestExplainErrors(t *testing.T) {
	out := runCase(t, "levels", "csv")
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"explain", "--out", out, "--npi", "1000040000", "--tin", "400000002"}, 1,
			"no determinations for NPI 1000040000 at TIN 400000002 in " + out},
		{[]string{"explain", "--out", out + "/nope", "--npi", "1000040000", "--tin", "400000001"}, 1, "no reweigh outputs"},
		{[]string{"explain", "--out", out, "--npi", "1000040000"}, 2, "--out, --npi and --tin are required"},
		{[]string{"explain", "--npi", "1000040000", "--tin", "400000001"}, 2, "--out, --npi and --tin are required"},
		{[]string{"explain", "--out", out, "--npi", "1000040000", "--tin", "40000001"}, 2, "is not a TIN (9 digits; keep leading zeros)"},
		{[]string{"explain", "--out", out, "--npi", "1000040000", "--tin", "400000001' OR '1'='1"}, 2, "is not a TIN"},
		{[]string{"explain", "--out", out, "--npi", "1000040001", "--tin", "400000001"}, 2, "is not an NPI"},
		{[]string{"explain", "--out", out, "--npi", "1000040000", "--tin", "400000001", "--format", "xml"}, 2, `unknown --format "xml"`},
		{[]string{"explain", "--out", out, "--npi", "1000040000", "--tin", "400000001", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"explain", "--bogus"}, 2, "flag provided but not defined"},
	}
	for _, c := range cases {
		code, stdout, stderr := runCmd(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("reweigh %s: exit %d stderr %q; want exit %d containing %q", strings.Join(c.args, " "), code, stderr, c.code, c.msg)
		}
		if stdout != "" {
			t.Errorf("reweigh %s: printed %q on stdout", strings.Join(c.args, " "), stdout)
		}
	}
}

// A run with neither members (no virtual groups, subgroups or APM Entities) nor
// clinician_scores (no scores) explains the individual and group rows and says what it cannot.
func TestExplainWithoutMembersOrScores(t *testing.T) {
	out := runCase(t, "statuses", "parquet")
	text := explainText(t, out, "1000000012", "100000001")
	wantInOrder(t, text,
		"== Individual: NPI 1000000012 at TIN 100000001",
		"hospital-based yes",
		"[status.hospital_based]",
		"Final score: none. The run was given no scores table",
		"== Group: TIN 100000001",
		"Note: This run has no members table",
		"Note: This run has no clinician_scores table",
	)
	if strings.Contains(text, "== Final score the clinician receives") {
		t.Errorf("a clinician_scores section without clinician_scores:\n%s", text)
	}
}

// The example output in docs/data.md section 7 is what the command prints.
func TestExplainDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/data.md")
	if err != nil {
		t.Fatal(err)
	}
	const cmdLine = "$ reweigh explain --out out/levels --npi 1000043020 --tin 400000005\n"
	_, after, ok := strings.Cut(string(doc), cmdLine)
	if !ok {
		t.Fatalf("docs/data.md has no %q", cmdLine)
	}
	want, _, _ := strings.Cut(after, "```")
	out := runCase(t, "levels", "parquet")
	got := strings.ReplaceAll(explainText(t, out, "1000043020", "400000005"), out, "out/levels")
	if got != want {
		t.Errorf("docs/data.md example differs from the output:\n%s\nwant (docs):\n%s", got, want)
	}
}
