package rules

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every rule ID and flag constant the program writes (ids.go), listed by hand so that a new
// constant without a catalog entry fails here.
var catalogIDs = []string{
	IDHospitalBased, IDNonPatientFacing, IDASCBased, IDSmallPractice, IDPIClinicianType,
	IDGroupASCBased, IDGroupSmallPractice, IDGroupHospitalBased, IDGroupNonPatientFace, IDGroupAllReweighted,
	IDPIHardship, IDEUC, IDEUCAPMEntityAll, IDEUCAuto, IDEUCAutoAPMIA,
	IDOverrideData, IDOverrideCostNever, IDOverrideClaims, IDOverridePI, IDOverrideAPMNone,
	IDSubgroupInherit, IDSubgroupOwnData,
	IDAPMPIAverage, IDAPMEUCPIShare, IDAPMSSPPIRequired,
	IDCostCaseMinimum, IDCostAPP,
	IDFinalThreshold, IDFinalScore, IDFinalPick, IDFinalPickAutoEUC,
	FlagNoPolicyRow, FlagAPMEUCShareBelow, FlagVirtualGroupTIN, FlagMissingScore,
	// Written by the pipeline without a constant: a subgroup flag and an apm_participants
	// excluded_reason.
	"subgroup.multiple_tins", "not_mips_eligible",
}

func TestCatalogCoversEveryID(t *testing.T) {
	c := mustCatalog(t)
	for _, id := range catalogIDs {
		t.Run(id, func(t *testing.T) {
			e, ok := c.Entry(id)
			if !ok {
				t.Fatalf("no catalog entry for %q", id)
			}
			if !strings.HasSuffix(e.Plain, ".") {
				t.Errorf("plain text is not a sentence: %q", e.Plain)
			}
		})
	}
	// And nothing in the catalog that the program does not know.
	known := map[string]bool{}
	for _, id := range catalogIDs {
		known[id] = true
	}
	for _, e := range c.Entries() {
		if !known[e.ID] {
			t.Errorf("catalog entry %q is not a rule ID or flag of ids.go (add it to catalogIDs)", e.ID)
		}
	}
}

// TestCatalogResolvesGoldenTokens resolves every reason and flag token of every golden
// determinations.csv, and every excluded_reason of apm_participants.csv, under testdata/.
func TestCatalogResolvesGoldenTokens(t *testing.T) {
	c := mustCatalog(t)
	files, err := filepath.Glob("../testdata/*/expected-*/determinations.csv")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden determinations: %v", err)
	}
	more, _ := filepath.Glob("../testdata/*/expected-*/apm_participants.csv")
	files = append(files, more...)
	tokens := 0
	for _, f := range files {
		columns := []string{"quality_reason", "cost_reason", "ia_reason", "pi_reason", "flags"}
		if filepath.Base(f) == "apm_participants.csv" {
			columns = []string{"excluded_reason"}
		}
		for line, tok := range goldenTokens(t, f, columns) {
			tokens++
			if _, ok := c.Lookup(tok); !ok {
				t.Errorf("%s line %d: %q does not resolve in the rule catalog", f, line, tok)
			}
		}
	}
	if tokens < 100 {
		t.Errorf("only %d tokens in the golden files", tokens)
	}
}

// goldenTokens returns the ;-separated tokens of the named columns of a CSV file, each with
// its line number.
func goldenTokens(t *testing.T, path string, columns []string) func(yield func(int, string) bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	var idx []int
	for _, want := range columns {
		for i, h := range header {
			if h == want {
				idx = append(idx, i)
			}
		}
	}
	if len(idx) != len(columns) {
		t.Fatalf("%s: missing one of the columns %v", path, columns)
	}
	return func(yield func(int, string) bool) {
		for {
			rec, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			line, _ := r.FieldPos(0)
			for _, i := range idx {
				for tok := range strings.SplitSeq(rec[i], ";") {
					if tok != "" && !yield(line, tok) {
						return
					}
				}
			}
		}
	}
}

func TestCatalogLookup(t *testing.T) {
	c := mustCatalog(t)
	cases := []struct {
		token, id, evidence string
		ok                  bool
	}{
		{"pi_hardship:APP-17", "pi_hardship", "APP-17", true},
		{"subgroup.inherit:400000001", "subgroup.inherit", "400000001", true},
		{"virtual_group.tin_over_10:400000004", "virtual_group.tin_over_10", "400000004", true},
		{"override.data:SUB-9", "override.data", "SUB-9", true},
		{"euc.apm_entity_all:APP-APM-1", "euc.apm_entity_all", "APP-APM-1", true},
		{"status.hospital_based", "status.hospital_based", "", true},
		{"euc.auto", "euc.auto", "", true},
		{"pi_hardship", "pi_hardship", "", false},           // evidence missing
		{"pi_hardship:", "pi_hardship", "", false},          // evidence empty
		{"euc.auto:APP-1", "euc.auto", "APP-1", false},      // evidence on an ID that takes none
		{"status.unknown", "status.unknown", "", false},     // not a rule
		{"pi_hardship:APP:2", "pi_hardship", "APP:2", true}, // evidence is everything after the first colon
	}
	for _, tc := range cases {
		r, ok := c.Lookup(tc.token)
		if ok != tc.ok || r.ID != tc.id || r.Evidence != tc.evidence || r.Token != tc.token {
			t.Errorf("Lookup(%q) = {ID %q, Evidence %q, Token %q}, %v; want {%q, %q}, %v",
				tc.token, r.ID, r.Evidence, r.Token, ok, tc.id, tc.evidence, tc.ok)
		}
		if ok && r.Plain == "" {
			t.Errorf("Lookup(%q): no plain text", tc.token)
		}
	}
}

func TestCatalogPlainTexts(t *testing.T) {
	c := mustCatalog(t)
	cases := []struct {
		token string
		want  []string // substrings of title, plain and source
	}{
		{"status.hospital_based", []string{"hospital-based", "at least 75%", "POS 19, 21, 22, 23", "42 CFR 414.1305"}},
		{"group.hospital_based", []string{"More than 75%", "Exactly 75% does not qualify", "CMS 2024 MIPS PI Hardship Exception Application Guide, Appendix A"}},
		{"status.small_practice", []string{"15 or fewer", "small-practice weight table"}},
		{"pi_hardship:APP-G1", []string{"hardship", "CMS 2024 MIPS PI Hardship Exception Application Guide pp. 6-11"}},
		{"subgroup.inherit:400000001", []string{"inherits", "affiliated group", "CMS 2025 MIPS EUC Exception Application Guide p. 11"}},
		{"apm.pi_average", []string{"average", "left out", "every participant", "change #5"}},
		{"final.pick.auto_euc", []string{"neutral score", "virtual group", "pp. 1-2"}},
		{"euc.apm_entity_all:APP-APM-1", []string{"all four categories", "p. 12, step 10"}},
	}
	for _, tc := range cases {
		r, ok := c.Lookup(tc.token)
		if !ok {
			t.Errorf("Lookup(%q) failed", tc.token)
			continue
		}
		text := r.Title + " | " + r.Plain + " | " + r.Source
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: %q does not contain %q", tc.token, text, w)
			}
		}
	}
}

func TestCatalogValidation(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"duplicate", `[{"id":"a","title":"t","plain":"p.","source":"s"},{"id":"a","title":"t","plain":"p.","source":"s"}]`, "duplicate ID"},
		{"empty title", `[{"id":"a","title":" ","plain":"p.","source":"s"}]`, "empty title"},
		{"empty source", `[{"id":"a","title":"t","plain":"p."}]`, "empty source"},
		{"empty id", `[{"id":"","title":"t","plain":"p.","source":"s"}]`, "empty id"},
		{"colon in id", `[{"id":"a:b","title":"t","plain":"p.","source":"s"}]`, "no ':'"},
		{"unknown field", `[{"id":"a","title":"t","plain":"p.","source":"s","sourse":"x"}]`, "unknown field"},
		{"not an array", `{"id":"a"}`, "rule catalog"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseCatalog([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parseCatalog: %v; want an error containing %q", err, tc.want)
			}
		})
	}
}
