package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"reweigh/writers"
)

// The QPP name tables of docs/data.md (section 8) list every column of determinations,
// apm_participants and clinician_scores, in schema order, and nothing else.
func TestDataDocQPPNamesCoverSchema(t *testing.T) {
	b, err := os.ReadFile("../../docs/data.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "\n## 8. QPP names for every output column")
	if start < 0 {
		t.Fatal("docs/data.md has no section 8. QPP names for every output column")
	}
	section := doc[start+1:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	name := regexp.MustCompile("`([a-z_]+)`")
	for _, table := range []string{writers.TableDeterminations, writers.TableAPMParticipants, writers.TableClinicianScores} {
		t.Run(table, func(t *testing.T) {
			heading := "**`" + table + "`**\n"
			i := strings.Index(section, heading)
			if i < 0 {
				t.Fatalf("no table headed %q", strings.TrimSpace(heading))
			}
			var got []string
			for _, line := range strings.Split(section[i+len(heading):], "\n")[1:] {
				if line == "" {
					continue
				}
				if !strings.HasPrefix(line, "|") {
					break
				}
				cells := strings.Split(line, "|")
				if len(cells) < 4 || strings.HasPrefix(cells[1], "---") || strings.TrimSpace(cells[1]) == "reweigh column" {
					continue
				}
				for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
					got = append(got, m[1])
				}
			}
			var want []string
			for _, c := range writers.Schema(table) {
				want = append(want, c.Name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("docs/data.md lists the %s columns\n%v\nwriters.Schema:\n%v", table, got, want)
			}
		})
	}
}
