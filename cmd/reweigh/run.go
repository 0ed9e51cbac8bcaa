package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"reweigh/model"
	"reweigh/pipeline"
	"reweigh/readers"
	"reweigh/rules"
	"reweigh/writers"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	year := fs.Int("year", 0, "performance year (rule set), e.g. 2025")
	in := fs.String("in", "", "input directory: one <table>.csv or <table>.parquet per table")
	out := fs.String("out", "", "output directory")
	format := fs.String("format", "parquet", "output format: parquet or csv")
	workers := fs.Int("workers", 0, "worker goroutines (default: the number of CPUs)")
	strict := fs.Bool("strict", false, "fail the run (nothing written) when any row is rejected")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("run: unexpected argument %q", pos[0])
	case *year == 0:
		return usagef("run: --year is required")
	case *in == "":
		return usagef("run: --in is required")
	case *out == "":
		return usagef("run: --out is required")
	case *workers < 0:
		return usagef("run: --workers must be positive")
	}
	f, err := writers.ParseFormat(*format)
	if err != nil {
		return usagef("run: %s", err)
	}
	set, err := rules.Load()
	if err != nil {
		return err
	}
	s, err := pipeline.Run(ctx, set, pipeline.Options{
		Year: *year, InDir: *in, OutDir: *out, Format: f, Workers: *workers, Strict: *strict, Version: version,
	})
	if err != nil {
		return err
	}
	printSummary(stdout, s, *out)
	return nil
}

// printSummary prints a short account of a finished run.
func printSummary(w io.Writer, s *pipeline.Summary, outDir string) {
	dets := s.Result.Determinations
	fmt.Fprintf(w, "reweigh %d (payment year %d): %d determinations written to %s\n", s.Year.PerformanceYear, s.Year.PaymentYear, len(dets), outDir)
	for _, st := range s.Inputs.Stats {
		fmt.Fprintf(w, "  read %-14s %8d rows: %8d accepted, %6d rejected\n", st.Table, st.RowsRead, st.RowsAccepted, st.RowsRejected)
	}
	byLevel := map[model.Level]int{}
	weights := map[string]int{}
	reweighted := [model.NumCategories]int{}
	threshold := 0
	for i := range dets {
		d := &dets[i]
		byLevel[d.Level]++
		weights[fmt.Sprintf("%d/%d/%d/%d", d.Weights[0], d.Weights[1], d.Weights[2], d.Weights[3])]++
		for _, c := range model.Categories {
			if d.Status[c] == model.CategoryReweighted {
				reweighted[c]++
			}
		}
		if d.FinalScoreAtThreshold {
			threshold++
		}
	}
	var levels []string
	for _, l := range []model.Level{model.LevelIndividual, model.LevelGroup, model.LevelVirtualGroup, model.LevelSubgroup, model.LevelAPMEntity} {
		if byLevel[l] > 0 {
			levels = append(levels, fmt.Sprintf("%s %d", l, byLevel[l]))
		}
	}
	fmt.Fprintf(w, "  by level: %s\n", strings.Join(levels, ", "))
	fmt.Fprintf(w, "  reweighted: quality %d, cost %d, ia %d, pi %d; final score at threshold %d\n",
		reweighted[model.Quality], reweighted[model.Cost], reweighted[model.IA], reweighted[model.PI], threshold)
	type kv struct {
		k string
		n int
	}
	var top []kv
	for k, n := range weights {
		top = append(top, kv{k, n})
	}
	slices.SortFunc(top, func(a, b kv) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.k, b.k)) })
	fmt.Fprint(w, "  weights (quality/cost/ia/pi):")
	for i, t := range top {
		if i == 5 {
			break
		}
		fmt.Fprintf(w, " %s x%d", t.k, t.n)
	}
	fmt.Fprintln(w)
	if s.Errors+s.Warnings > 0 {
		fmt.Fprintf(w, "  rejects: %d rows rejected, %d warnings (see the rejects table)\n", s.Errors, s.Warnings)
	}
}

func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", stderr)
	in := fs.String("in", "", "input directory")
	workers := fs.Int("workers", 0, "worker goroutines (default: the number of CPUs)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("validate: unexpected argument %q", pos[0])
	}
	if *in == "" {
		return usagef("validate: --in is required")
	}
	inputs, err := readers.ReadAll(ctx, *in, readers.Options{Workers: *workers})
	if err != nil {
		return err
	}
	errs := 0
	for _, r := range inputs.Rejects {
		if r.Severity == model.SeverityError {
			errs++
		}
		fmt.Fprintf(stdout, "%s %s row %d column %s: %s: %s (value %q)\n", r.Severity, r.File, r.Row, r.Column, r.Code, r.Message, r.Value)
	}
	for _, st := range inputs.Stats {
		fmt.Fprintf(stdout, "%-14s %8d read = %8d accepted + %6d rejected  %s\n", st.Table, st.RowsRead, st.RowsAccepted, st.RowsRejected, st.Path)
	}
	if errs > 0 {
		return fmt.Errorf("validate: %d rows rejected", errs)
	}
	return nil
}

func splitNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}

// sortedByCount returns at most n keys, most frequent first (ties by key).
func sortedByCount(counts map[string]int, n int) []string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b)) })
	if len(keys) > n {
		keys = keys[:n]
	}
	return keys
}
