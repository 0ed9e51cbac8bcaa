package main

import (
	"context"
	"fmt"
	"io"

	"reweigh/pipeline"
	"reweigh/rules"
	"reweigh/writers"
)

func cmdDiff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("diff", stderr)
	in := fs.String("in", "", "input directory")
	out := fs.String("out", "", "output directory for year_diff, rejects and manifest.json")
	from := fs.Int("from", 0, "the earlier performance year, e.g. 2024")
	to := fs.Int("to", 0, "the later performance year, e.g. 2025")
	format := fs.String("format", "parquet", "output format: parquet or csv")
	workers := fs.Int("workers", 0, "worker goroutines (default: the number of CPUs)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("diff: unexpected argument %q", pos[0])
	case *in == "" || *out == "":
		return usagef("diff: --in and --out are required")
	case *from == 0 || *to == 0:
		return usagef("diff: --from and --to are required")
	case *workers < 0:
		return usagef("diff: --workers must be positive")
	}
	f, err := writers.ParseFormat(*format)
	if err != nil {
		return usagef("diff: %s", err)
	}
	set, err := rules.Load()
	if err != nil {
		return err
	}
	s, err := pipeline.Diff(ctx, set, pipeline.DiffOptions{From: *from, To: *to, InDir: *in, OutDir: *out, Format: f, Workers: *workers, Version: version})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reweigh diff %d -> %d: %d of %d determination rows change; year_diff written to %s\n", *from, *to, len(s.Rows), s.Entities, *out)
	counts := map[string]int{}
	for _, r := range s.Rows {
		for _, tok := range splitNonEmpty(r.ReasonsRemoved) {
			counts["- "+tok]++
		}
		for _, tok := range splitNonEmpty(r.ReasonsAdded) {
			counts["+ "+tok]++
		}
	}
	for _, k := range sortedByCount(counts, 10) {
		fmt.Fprintf(stdout, "  %6d  %s\n", counts[k], k)
	}
	return nil
}
