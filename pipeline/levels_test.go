package pipeline

import (
	"context"
	"slices"
	"strings"
	"testing"

	"reweigh/model"
	"reweigh/writers"
)

// The guides' statements about virtual groups, subgroups and APM Entities, on testdata/levels
// (whose full expected outputs are also a golden case).
func TestLevelStatements(t *testing.T) {
	s, err := Run(context.Background(), mustSet(t), Options{KeepDeterminations: true, Year: 2025, InDir: "../testdata/levels", OutDir: t.TempDir(), Format: writers.FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Inputs.Rejects) > 0 {
		t.Fatalf("rejects: %+v", s.Inputs.Rejects)
	}
	find := func(level model.Level, id string) model.Determination {
		t.Helper()
		for _, d := range s.Result.Determinations {
			if d.Level != level {
				continue
			}
			if (level == model.LevelGroup && d.TIN == id) || d.VirtualGroupID == id && id != "" || d.SubgroupID == id && id != "" || d.APMEntityID == id && id != "" {
				return d
			}
		}
		t.Fatalf("no %s row %s", level, id)
		return model.Determination{}
	}
	weights := func(d model.Determination) [4]int { return d.Weights }

	// 002 p. 8 / 004 p. 11: a subgroup inherits its group's approved PI hardship.
	sg1 := find(model.LevelSubgroup, "SG-1")
	if sg1.Status[model.PI] != model.CategoryReweighted || sg1.Reason[model.PI] != "subgroup.inherit:400000001;pi_hardship:APP-G1" || sg1.Pathway != model.PathwayMVP || sg1.TIN != "400000001" {
		t.Errorf("SG-1 inherits the group hardship: %s %q %s %s", sg1.Status[model.PI], sg1.Reason[model.PI], sg1.Pathway, sg1.TIN)
	}
	// The group's PI data voids the group's hardship, not the subgroup's.
	grp := find(model.LevelGroup, "400000001")
	if grp.Status[model.PI] != model.CategoryOverridden || weights(grp) != [4]int{30, 30, 15, 25} {
		t.Errorf("group A: PI %s %v", grp.Status[model.PI], grp.Weights)
	}
	if weights(sg1) != [4]int{55, 30, 15, 0} {
		t.Errorf("SG-1 keeps PI reweighted despite the group's data: %v", sg1.Weights)
	}
	// The subgroup's own data voids only its own reweighting.
	sg2 := find(model.LevelSubgroup, "SG-2")
	if sg2.Status[model.PI] != model.CategoryOverridden || !strings.HasSuffix(sg2.Reason[model.PI], "subgroup.own_data:SUB-SG2-PI") {
		t.Errorf("SG-2: %s %q", sg2.Status[model.PI], sg2.Reason[model.PI])
	}
	// A virtual group at exactly 75% hospital-based does not qualify.
	vg1 := find(model.LevelVirtualGroup, "VG-1")
	if vg1.HospitalBased || vg1.HospitalBasedShare.V != 0.75 || strings.Contains(vg1.Reason[model.PI], "group.hospital_based") || vg1.SmallPractice {
		t.Errorf("VG-1: hospital_based %v share %v small %v reasons %q", vg1.HospitalBased, vg1.HospitalBasedShare, vg1.SmallPractice, vg1.Reason[model.PI])
	}
	vg2 := find(model.LevelVirtualGroup, "VG-2")
	if !vg2.HospitalBased || !strings.Contains(vg2.Flags, "virtual_group.tin_over_10:400000004") {
		t.Errorf("VG-2: hospital_based %v flags %q", vg2.HospitalBased, vg2.Flags)
	}
	// An ACO of four with two reweighted participants averages the other two: (80 + 60) / 2.
	aco1 := find(model.LevelAPMEntity, "ACO-1")
	if aco1.PIAverageScore.V != 70 || aco1.PIAverageCount.V != 2 || aco1.PIExcludedCount.V != 2 || aco1.Pathway != model.PathwayAPP {
		t.Errorf("ACO-1 PI average %v over %v, excluded %v", aco1.PIAverageScore, aco1.PIAverageCount, aco1.PIExcludedCount)
	}
	// APP weights 50/0/20/30 with quality 90, IA 100, PI average 70: 45 + 20 + 21 = 86.
	if aco1.FinalScore.V != 86 {
		t.Errorf("ACO-1 final score %v, want 86", aco1.FinalScore)
	}
	// An approved APM Entity EUC with qualifying entity data still gives the threshold.
	aco2 := find(model.LevelAPMEntity, "ACO-2")
	if !aco2.FinalScoreAtThreshold || aco2.FinalScore.V != 75 || aco2.Status[model.Quality] != model.CategoryReweighted ||
		!strings.Contains(aco2.Flags, "apm.euc_pi_share_below_75") {
		t.Errorf("ACO-2: threshold %v score %v quality %s flags %q", aco2.FinalScoreAtThreshold, aco2.FinalScore, aco2.Status[model.Quality], aco2.Flags)
	}
	// Every participant left out: the entity's PI is reweighted.
	aco3 := find(model.LevelAPMEntity, "ACO-3")
	if aco3.Status[model.PI] != model.CategoryReweighted || aco3.Reason[model.PI] != "apm.pi_average" || weights(aco3) != [4]int{75, 0, 25, 0} {
		t.Errorf("ACO-3: %s %q %v", aco3.Status[model.PI], aco3.Reason[model.PI], aco3.Weights)
	}
	// Shared Savings Program ACO participants must report PI from 2025 unless excluded.
	required := map[string]bool{}
	for _, p := range s.Result.APMParticipants {
		if p.APMEntityID == "ACO-1" {
			required[p.NPI] = p.PIReportingRequired.V
		}
		if p.APMEntityID == "ACO-3" && p.PIReportingRequired.Valid {
			t.Errorf("ACO-3 is not a Shared Savings Program ACO: pi_reporting_required must be null")
		}
	}
	want := map[string]bool{npiFor(4300): false, npiFor(4301): false, npiFor(4302): true, npiFor(4303): true}
	for npi, w := range want {
		if got, ok := required[npi]; !ok || got != w {
			t.Errorf("ACO-1 participant %s: pi_reporting_required %v, want %v", npi, got, w)
		}
	}
	// final.pick: a virtual group's score applies even when lower; automatic EUC's neutral score
	// is not a candidate when the group submitted data.
	for _, cs := range s.Result.ClinicianScores {
		switch cs.TIN {
		case "400000002":
			if cs.Picked != "virtual_group" || cs.FinalScore.V != 65.5 {
				t.Errorf("VG member %s: picked %s %v", cs.NPI, cs.Picked, cs.FinalScore)
			}
		case "400000008":
			if cs.Picked != "group" || cs.FinalScore.V != 59 || cs.IndividualFinalScore.Valid {
				t.Errorf("automatic EUC clinician: picked %s %v (individual %v)", cs.Picked, cs.FinalScore, cs.IndividualFinalScore)
			}
		}
	}
}

// lists gives each individual its numbers in the order they were added, across other
// individuals' additions; an individual with none has an empty list.
func TestLists(t *testing.T) {
	var l lists
	for _, p := range [][2]int{{3, 7}, {0, 1}, {3, 2}, {5, 9}, {3, 4}, {0, 0}} {
		l.add(p[0], p[1])
	}
	l.finish(6)
	want := [][]int32{{1, 0}, nil, nil, {7, 2, 4}, nil, {9}}
	for m, w := range want {
		if got := l.of(m); !slices.Equal(got, w) {
			t.Errorf("individual %d: %v, want %v", m, got, w)
		}
	}
	var none lists
	none.finish(2)
	if len(none.of(0)) != 0 || len(none.of(1)) != 0 {
		t.Error("no additions: lists not empty")
	}
}
