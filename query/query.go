// Package query runs SQL over reweigh's output tables with an in-memory DuckDB: one view per
// output table found in the output directory. It is the only package that links DuckDB (cgo).
package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver

	"reweigh/writers"
)

// Print formats of Run.
const (
	FormatTable    = "table" // aligned text table (the default)
	FormatCSV      = "csv"
	FormatJSON     = "json" // an array of objects, one per row
	FormatMarkdown = "markdown"
)

// Formats lists the print formats, the default first.
var Formats = []string{FormatTable, FormatCSV, FormatJSON, FormatMarkdown}

// Run opens the outputs in outDir in an in-memory DuckDB, one view per output table present
// (determinations, rejects, apm_participants, clinician_scores), runs query, and prints the
// result to w in format: "table" (aligned text table, default), "csv", "json" (array of
// objects, one per row) or "markdown" (a GitHub table).
//
// NULL prints as an empty cell (null in JSON); numbers print in full without exponent; HUGEINT
// and DECIMAL print as numbers; lists, structs and maps print as JSON.
func Run(ctx context.Context, outDir, query, format string, w io.Writer) error {
	pr, err := newPrinter(format, w)
	if err != nil {
		return err
	}
	if strings.TrimSpace(query) == "" {
		return errors.New("query: no SQL given")
	}
	db, err := Open(ctx, outDir)
	if err != nil {
		return err
	}
	defer db.Close()

	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	cols := make([]column, len(types))
	for i, t := range types {
		cols[i] = column{name: t.Name(), dbType: strings.ToUpper(t.DatabaseTypeName())}
		cols[i].numeric = isNumericType(cols[i].dbType)
	}
	if err := pr.begin(cols); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("query: %w", err)
		}
		if err := pr.row(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	return pr.end()
}

// Open returns an in-memory DuckDB with one view per output table found in outDir, named as
// the table. Parquet files are read as they are; CSV files are read with every column's type
// declared from writers.Schema (IDs stay strings), and empty cells of the columns that are
// never null read as "" as in Parquet. The caller closes the DB.
func Open(ctx context.Context, outDir string) (*sql.DB, error) {
	files, err := findOutputs(outDir)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	for _, table := range writers.OutputTables {
		path, ok := files[table]
		if !ok {
			continue
		}
		if _, err := db.ExecContext(ctx, viewSQL(table, path)); err != nil {
			db.Close()
			return nil, fmt.Errorf("query: creating view %s over %s: %w", table, path, err)
		}
	}
	return db, nil
}

// findOutputs returns the absolute path of each output table's file in outDir. When both a
// .parquet and a .csv file exist for a table, manifest.json decides; without it that is an
// error.
func findOutputs(outDir string) (map[string]string, error) {
	abs, err := filepath.Abs(outDir)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	var manifest *writers.Manifest
	files := map[string]string{}
	for _, table := range writers.OutputTables {
		var found []string
		for _, f := range writers.Formats {
			p := filepath.Join(abs, table+f.Ext())
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				found = append(found, p)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			files[table] = found[0]
			continue
		}
		if manifest == nil {
			if manifest, err = readManifest(abs); err != nil {
				return nil, fmt.Errorf("query: both %s and %s exist and %w",
					filepath.Base(found[0]), filepath.Base(found[1]), err)
			}
		}
		for _, o := range manifest.Outputs {
			if o.Table == table {
				files[table] = filepath.Join(abs, filepath.Base(o.Path))
			}
		}
		if files[table] == "" {
			return nil, fmt.Errorf("query: both %s and %s exist in %s and %s does not list %s",
				filepath.Base(found[0]), filepath.Base(found[1]), outDir, writers.ManifestFile, table)
		}
	}
	if files[writers.TableDeterminations] == "" && files[writers.TableYearDiff] == "" {
		return nil, fmt.Errorf("no reweigh outputs in %s (run `reweigh run` first)", outDir)
	}
	return files, nil
}

func readManifest(dir string) (*writers.Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, writers.ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("%s cannot be read: %w", writers.ManifestFile, err)
	}
	var m writers.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s is not valid: %w", writers.ManifestFile, err)
	}
	return &m, nil
}

// duckType is the DuckDB type of an output column kind.
func duckType(k writers.Kind) string {
	switch k {
	case writers.Int:
		return "BIGINT"
	case writers.Bool:
		return "BOOLEAN"
	case writers.Double:
		return "DOUBLE"
	default:
		return "VARCHAR"
	}
}

// viewSQL is the CREATE VIEW statement of an output table over its file.
func viewSQL(table, path string) string {
	if !strings.HasSuffix(path, writers.FormatCSV.Ext()) {
		return fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet(%s)", quoteIdent(table), quoteString(path))
	}
	// CSV: every type declared (DuckDB would guess npi as BIGINT when no value has a leading
	// zero), and CSV's empty cell read back as '' in the string columns that are never null.
	var sel, types []string
	for _, c := range writers.Schema(table) {
		id := quoteIdent(c.Name)
		if c.Kind == writers.String && !c.Nullable {
			sel = append(sel, fmt.Sprintf("coalesce(%s, '') AS %s", id, id))
		} else {
			sel = append(sel, id)
		}
		types = append(types, fmt.Sprintf("%s: '%s'", quoteString(c.Name), duckType(c.Kind)))
	}
	return fmt.Sprintf("CREATE VIEW %s AS SELECT %s FROM read_csv(%s, header=true, auto_detect=false, "+
		"delim=',', quote='\"', escape='\"', columns={%s})",
		quoteIdent(table), strings.Join(sel, ", "), quoteString(path), strings.Join(types, ", "))
}

// quoteString quotes s as a SQL string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// quoteIdent quotes s as a SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
