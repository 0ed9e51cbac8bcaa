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
	quiet := fs.Bool("quiet", false, "no progress and no summary on stderr (errors are still printed)")
	logFormat := fs.String("log-format", "text", "progress and summary format on stderr: text or json (log/slog, for schedulers)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile (go tool pprof) to this file at the end of the run")
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
	rep, err := newReporter(stderr, *quiet, *logFormat)
	if err != nil {
		return err
	}
	set, err := rules.Load()
	if err != nil {
		return err
	}
	stopProfiles, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		return err
	}
	defer stopProfiles()
	s, err := pipeline.Run(ctx, set, pipeline.Options{
		Year: *year, InDir: *in, OutDir: *out, Format: f, Workers: *workers, Strict: *strict, Version: version,
		Observer: rep,
	})
	rep.stopTicker()
	if err != nil {
		return err
	}
	rep.summary(s, *out)
	return nil
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
