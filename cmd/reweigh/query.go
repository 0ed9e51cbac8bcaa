package main

import (
	"context"
	"io"
	"strings"

	"reweigh/query"
)

func cmdQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("query", stderr)
	out := fs.String("out", "", "output directory of a reweigh run")
	format := fs.String("format", "table", "result format: table, csv, json or markdown")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("query: --out is required")
	}
	if len(pos) != 1 {
		return usagef("query: give exactly one SQL statement (quote it)")
	}
	switch *format {
	case "table", "csv", "json", "markdown":
	default:
		return usagef("query: unknown --format %q (want table, csv, json or markdown)", *format)
	}
	return query.Run(ctx, *out, strings.TrimSpace(pos[0]), *format, stdout)
}
