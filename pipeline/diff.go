package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"reweigh/model"
	"reweigh/readers"
	"reweigh/rules"
	"reweigh/writers"
)

// DiffOptions configure `reweigh diff`: the same inputs under two years' rules.
type DiffOptions struct {
	From, To int
	InDir    string
	OutDir   string
	Format   writers.Format
	Workers  int
	Version  string
	Now      func() time.Time
}

// DiffSummary describes a finished diff.
type DiffSummary struct {
	Rows     []model.YearDiff
	Entities int // determination rows compared
}

// Diff reads the inputs once, determines them under both years' rules and writes the rows whose
// statuses or weights change (year_diff), with the rule IDs removed and added behind each
// change, plus rejects and manifest.json, atomically.
func Diff(ctx context.Context, set *rules.Set, o DiffOptions) (*DiffSummary, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	started := now().UTC()
	from, err := set.ForYear(o.From)
	if err != nil {
		return nil, err
	}
	to, err := set.ForYear(o.To)
	if err != nil {
		return nil, err
	}
	in, err := readers.ReadAll(ctx, o.InDir, readers.Options{Workers: o.Workers})
	if err != nil {
		return nil, err
	}
	var results [2]*Result
	for i, y := range []*rules.Year{from, to} {
		areas, err := eucAreas(y, in)
		if err != nil {
			return nil, err
		}
		if results[i], err = Determine(ctx, y, in, areas, o.Workers); err != nil {
			return nil, err
		}
	}
	rows := CompareYears(from.PerformanceYear, to.PerformanceYear, results[0].Determinations, results[1].Determinations)
	out := &writers.Output{
		DiffOnly: true,
		YearDiff: rows,
		Rejects:  in.Rejects,
		Metadata: map[string]string{
			"reweigh.version": o.Version, "reweigh.diff.from": strconv.Itoa(o.From), "reweigh.diff.to": strconv.Itoa(o.To),
		},
		Manifest: writers.Manifest{
			Version:         o.Version,
			PerformanceYear: to.PerformanceYear,
			StartedAt:       started.Format(time.RFC3339),
			Workers:         o.Workers,
			Inputs:          in.Stats,
			Notes: []string{fmt.Sprintf("year_diff: %d of %d determination rows change between the %d and %d rules",
				len(rows), len(results[1].Determinations), o.From, o.To)},
		},
	}
	out.Manifest.FinishedAt = now().UTC().Format(time.RFC3339)
	if err := writers.Write(ctx, o.OutDir, o.Format, out); err != nil {
		return nil, err
	}
	return &DiffSummary{Rows: rows, Entities: len(results[1].Determinations)}, nil
}

func diffKey(d *model.Determination) string {
	return strings.Join([]string{string(d.Level), d.NPI, d.TIN, d.VirtualGroupID, d.SubgroupID, d.APMEntityID, string(d.Pathway)}, "|")
}

func weightString(d *model.Determination) string {
	return fmt.Sprintf("%d/%d/%d/%d", d.Weights[0], d.Weights[1], d.Weights[2], d.Weights[3])
}

func statusString(d *model.Determination) string {
	return strings.Join(d.Status[:], "/")
}

// reasonTokens lists a row's reasons as category:token.
func reasonTokens(d *model.Determination) []string {
	var t []string
	for _, c := range model.Categories {
		if d.Reason[c] == "" {
			continue
		}
		for _, r := range strings.Split(d.Reason[c], ";") {
			t = append(t, c.String()+":"+r)
		}
	}
	return t
}

func minus(a, b []string) string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return strings.Join(out, ";")
}

// CompareYears returns, in the determinations' order, the rows whose statuses or weights differ
// between two years' determinations of the same inputs, and rows present in one year only.
func CompareYears(fromYear, toYear int, from, to []model.Determination) []model.YearDiff {
	byKey := make(map[string]*model.Determination, len(from))
	for i := range from {
		byKey[diffKey(&from[i])] = &from[i]
	}
	seen := make(map[string]bool, len(to))
	var rows []model.YearDiff
	base := func(d *model.Determination) model.YearDiff {
		return model.YearDiff{Level: d.Level, NPI: d.NPI, TIN: d.TIN, VirtualGroupID: d.VirtualGroupID,
			SubgroupID: d.SubgroupID, APMEntityID: d.APMEntityID, Pathway: d.Pathway, FromYear: fromYear, ToYear: toYear}
	}
	for i := range to {
		t := &to[i]
		k := diffKey(t)
		seen[k] = true
		f, ok := byKey[k]
		if !ok {
			r := base(t)
			r.Change, r.Changed = "only_to", "row"
			r.WeightsTo, r.StatusesTo, r.FinalScoreTo = weightString(t), statusString(t), t.FinalScore
			r.ReasonsAdded = strings.Join(reasonTokens(t), ";")
			rows = append(rows, r)
			continue
		}
		var changed []string
		check := func(name string, differ bool) {
			if differ {
				changed = append(changed, name)
			}
		}
		check("small_practice", f.SmallPractice != t.SmallPractice)
		check("hospital_based", f.HospitalBased != t.HospitalBased)
		check("non_patient_facing", f.NonPatientFacing != t.NonPatientFacing)
		check("asc_based", f.ASCBased != t.ASCBased)
		for _, c := range model.Categories {
			check(c.String()+"_status", f.Status[c] != t.Status[c])
		}
		for _, c := range model.Categories {
			check(c.String()+"_weight", f.Weights[c] != t.Weights[c])
		}
		check("final_score_at_threshold", f.FinalScoreAtThreshold != t.FinalScoreAtThreshold)
		if len(changed) == 0 {
			continue
		}
		r := base(t)
		r.Change, r.Changed = "changed", strings.Join(changed, ";")
		r.WeightsFrom, r.WeightsTo = weightString(f), weightString(t)
		r.StatusesFrom, r.StatusesTo = statusString(f), statusString(t)
		ft, tt := reasonTokens(f), reasonTokens(t)
		r.ReasonsRemoved, r.ReasonsAdded = minus(ft, tt), minus(tt, ft)
		r.FinalScoreFrom, r.FinalScoreTo = f.FinalScore, t.FinalScore
		rows = append(rows, r)
	}
	var gone []model.YearDiff
	for i := range from {
		f := &from[i]
		if seen[diffKey(f)] {
			continue
		}
		r := base(f)
		r.Change, r.Changed = "only_from", "row"
		r.WeightsFrom, r.StatusesFrom, r.FinalScoreFrom = weightString(f), statusString(f), f.FinalScore
		r.ReasonsRemoved = strings.Join(reasonTokens(f), ";")
		gone = append(gone, r)
	}
	slices.SortStableFunc(gone, func(a, b model.YearDiff) int { return cmp.Compare(a.TIN, b.TIN) })
	return append(rows, gone...)
}
