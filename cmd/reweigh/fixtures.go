package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"reweigh/fixtures"
)

// cmdFixtures writes deterministic synthetic input tables: reweigh fixtures --scale N --seed S
// --out DIR [--format parquet|csv] [--workers N].
func cmdFixtures(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fixtures", stderr)
	scale := fs.Int("scale", 0, "clinician NPI/TIN rows to generate (national scale: 1500000)")
	seed := fs.Int64("seed", 1, "random seed: the same scale and seed give byte-identical files")
	out := fs.String("out", "", "output directory (an input directory for reweigh run)")
	format := fs.String("format", "parquet", "file format: parquet or csv")
	workers := fs.Int("workers", 0, "tables written at once (default: the number of CPUs)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("fixtures: unexpected argument %q", pos[0])
	case *scale <= 0:
		return usagef("fixtures: --scale is required and must be positive")
	case *scale > fixtures.MaxScale:
		return usagef("fixtures: --scale must be at most %d", fixtures.MaxScale)
	case *out == "":
		return usagef("fixtures: --out is required")
	case *workers < 0:
		return usagef("fixtures: --workers must be positive")
	}
	f := strings.ToLower(strings.TrimSpace(*format))
	if f != "parquet" && f != "csv" {
		return usagef("fixtures: unknown format %q (want parquet or csv)", *format)
	}
	st, err := fixtures.Generate(ctx, *out, fixtures.Options{Scale: *scale, Seed: *seed, Format: f, Workers: *workers})
	if err != nil {
		return err
	}
	printFixtureSummary(stdout, st, *out, *scale, *seed, f)
	return nil
}

// printFixtureSummary prints the rows of every table and the planted bad rows by code.
func printFixtureSummary(w io.Writer, st *fixtures.Stats, dir string, scale int, seed int64, format string) {
	fmt.Fprintf(w, "reweigh fixtures: scale %d, seed %d: %s tables written to %s\n", scale, seed, format, dir)
	for _, table := range fixtures.Tables() {
		planted := 0
		var codes []string
		for code, n := range st.Planted[table] {
			planted += n
			codes = append(codes, fmt.Sprintf("%s %d", code, n))
		}
		slices.Sort(codes)
		fmt.Fprintf(w, "  %-14s %10d rows, %4d planted bad rows", table, st.Rows[table], planted)
		if len(codes) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(codes, ", "))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  the readers must reject exactly the %d planted rows (see %s)\n", st.Rejected(), fixtures.ManifestFile)
}
