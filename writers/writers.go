// Package writers writes reweigh's output tables as Parquet or CSV, with manifest.json,
// atomically: into a temporary directory first, then renamed into place.
package writers

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"golang.org/x/sync/errgroup"

	"reweigh/model"
)

// Format is the file format of the output tables.
type Format string

// Output formats. The zero value means FormatParquet.
const (
	FormatParquet Format = "parquet"
	FormatCSV     Format = "csv"
)

// Formats lists the supported formats, the default first.
var Formats = []Format{FormatParquet, FormatCSV}

// ParseFormat parses a --format value; "" is FormatParquet.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "":
		return FormatParquet, nil
	case FormatParquet, FormatCSV:
		return f, nil
	}
	return "", fmt.Errorf("unknown output format %q (want parquet or csv)", s)
}

// Ext is the file name extension of the format, with the dot.
func (f Format) Ext() string {
	if f == "" {
		return "." + string(FormatParquet)
	}
	return "." + string(f)
}

// ManifestFile is the name of the manifest in the output directory. It is renamed into place
// last, so its presence (and its outputs list) marks a complete run.
const ManifestFile = "manifest.json"

// OutputStat is one output file in the manifest.
type OutputStat struct {
	Table string `json:"table"`
	Path  string `json:"path"` // relative to the output directory: the file name
	Rows  int    `json:"rows"`
}

// Manifest is manifest.json.
type Manifest struct {
	Version         string            `json:"version"`
	PerformanceYear int               `json:"performance_year"`
	StartedAt       string            `json:"started_at"`  // RFC3339, UTC
	FinishedAt      string            `json:"finished_at"` // RFC3339, UTC
	Workers         int               `json:"workers"`
	Inputs          []model.InputStat `json:"inputs"`
	Outputs         []OutputStat      `json:"outputs"` // filled in by Write
	RejectsByCode   map[string]int    `json:"rejects_by_code"`
	Notes           []string          `json:"notes"`
}

// Output is everything one run writes.
type Output struct {
	Determinations []model.Determination

	APMParticipants      []model.APMParticipantResult
	WriteAPMParticipants bool

	ClinicianScores      []model.ClinicianScore
	WriteClinicianScores bool

	Members      []model.Member
	WriteMembers bool

	// YearDiff, when DiffOnly is set, is written as `year_diff` instead of the determination
	// tables (the output of `reweigh diff`); rejects and the manifest are written as usual.
	YearDiff []model.YearDiff
	DiffOnly bool

	Rejects []model.Reject

	// Manifest is written as manifest.json. Write fills in Outputs, and RejectsByCode when it
	// is nil (counted from Rejects).
	Manifest Manifest

	// Workers is how many table files are written at once (<= 0: one at a time).
	Workers int

	// Allocator holds the Arrow buffers of the Parquet writers; nil means a Go allocator. A
	// recycling allocator (bufpool) saves most of the write's fresh memory.
	Allocator memory.Allocator

	// Metadata goes into every Parquet file's key-value metadata (run facts: version, year,
	// input sha256s). Keys are written in sorted order.
	Metadata map[string]string
}

// Batching: record batches of batchRows rows, Parquet row groups of rowGroupRows rows (a
// multiple of batchRows, so a batch never straddles two row groups). Variables only so that
// tests can make them small.
var (
	batchRows    = 64 * 1024
	rowGroupRows = 4 * batchRows
)

const tmpPrefix = ".reweigh-tmp-"

// testHook, when set by a test, is called at named points of Write ("table:<name>" after a
// table file is written to the temporary directory, "commit" just before the renames); an
// error it returns fails the write there.
var testHook func(point string) error

func hook(point string) error {
	if testHook == nil {
		return nil
	}
	return testHook(point)
}

// tableOut is one output table ready to be written in either format.
type tableOut interface {
	name() string
	len() int
	writeParquet(ctx context.Context, w io.Writer, mem memory.Allocator, meta map[string]string) error
	writeCSV(ctx context.Context, w io.Writer) error
}

type rowsOf[T any] struct {
	table  string
	fields []field[T]
	rows   []T
}

func (r rowsOf[T]) name() string { return r.table }
func (r rowsOf[T]) len() int     { return len(r.rows) }

// tables lists the tables out writes, in OutputTables order.
func (out *Output) tables() []tableOut {
	if out.DiffOnly {
		return []tableOut{rowsOf[ydiff]{TableYearDiff, yearDiffFields, out.YearDiff}, rowsOf[rej]{TableRejects, rejectFields, out.Rejects}}
	}
	ts := []tableOut{rowsOf[det]{TableDeterminations, determinationFields, out.Determinations}}
	if out.WriteAPMParticipants {
		ts = append(ts, rowsOf[apm]{TableAPMParticipants, apmParticipantFields, out.APMParticipants})
	}
	if out.WriteClinicianScores {
		ts = append(ts, rowsOf[cs]{TableClinicianScores, clinicianScoreFields, out.ClinicianScores})
	}
	if out.WriteMembers {
		ts = append(ts, rowsOf[mem]{TableMembers, memberFields, out.Members})
	}
	return append(ts, rowsOf[rej]{TableRejects, rejectFields, out.Rejects})
}

// Write writes every output table in the format, and manifest.json, into outDir atomically:
// all files are written and synced in a temporary directory inside outDir, then renamed into
// place (manifest.json last), then reweigh output files of an earlier run that this run did
// not produce are removed. If anything fails before the renames, outDir is left as it was.
// Files in outDir that are not reweigh outputs are never touched.
func Write(ctx context.Context, outDir string, format Format, out *Output) error {
	mem := out.Allocator
	if mem == nil {
		mem = memory.NewGoAllocator()
	}
	return write(ctx, outDir, format, out, mem)
}

func write(ctx context.Context, outDir string, format Format, out *Output, mem memory.Allocator) (err error) {
	if format == "" {
		format = FormatParquet
	}
	if format != FormatParquet && format != FormatCSV {
		return fmt.Errorf("writers: unknown format %q", format)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("writers: %w", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("writers: %w", err)
	}
	tmp, err := os.MkdirTemp(outDir, tmpPrefix)
	if err != nil {
		return fmt.Errorf("writers: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
			err = fmt.Errorf("writers: removing temporary directory: %w", rerr)
		}
	}()

	// The tables are written at once, up to out.Workers files (errgroup + SetLimit), the
	// largest first; each file's bytes do not depend on the others. The error reported is the
	// first table's in output order.
	tables := out.tables()
	outputs := make([]OutputStat, len(tables))
	errs := make([]error, len(tables))
	order := make([]int, len(tables))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(tables[b].len(), tables[a].len()) })
	var g errgroup.Group
	g.SetLimit(max(out.Workers, 1))
	for _, i := range order {
		t := tables[i]
		g.Go(func() error {
			file := t.name() + format.Ext()
			err := WriteFile(filepath.Join(tmp, file), func(w io.Writer) error {
				if format == FormatCSV {
					return t.writeCSV(ctx, w)
				}
				return t.writeParquet(ctx, w, mem, out.Metadata)
			})
			if err == nil {
				err = hook("table:" + t.name())
			}
			if err != nil {
				errs[i] = fmt.Errorf("writers: %s: %w", file, err)
				return errs[i]
			}
			outputs[i] = OutputStat{Table: t.name(), Path: file, Rows: t.len()}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("writers: %w", cerr)
		}
		for _, e := range errs {
			if e != nil {
				return e
			}
		}
		return err
	}

	out.Manifest.Outputs = outputs
	if out.Manifest.RejectsByCode == nil {
		out.Manifest.RejectsByCode = countRejects(out.Rejects)
	}
	manifest, err := marshalManifest(out.Manifest)
	if err != nil {
		return fmt.Errorf("writers: %s: %w", ManifestFile, err)
	}
	err = WriteFile(filepath.Join(tmp, ManifestFile), func(w io.Writer) error {
		_, err := w.Write(manifest)
		return err
	})
	if err != nil {
		return fmt.Errorf("writers: %s: %w", ManifestFile, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("writers: %w", err)
	}
	if err := hook("commit"); err != nil {
		return fmt.Errorf("writers: %w", err)
	}

	// Commit: from here on every file is complete; ctx is no longer consulted so that a run
	// is not left half renamed.
	produced := map[string]bool{ManifestFile: true}
	for _, o := range outputs {
		produced[o.Path] = true
	}
	for _, o := range append(outputs, OutputStat{Path: ManifestFile}) {
		if err := os.Rename(filepath.Join(tmp, o.Path), filepath.Join(outDir, o.Path)); err != nil {
			return fmt.Errorf("writers: %w", err)
		}
	}
	if err := SyncDir(outDir); err != nil {
		return fmt.Errorf("writers: %w", err)
	}
	removeAbandonedTemps(outDir, tmp)
	for _, name := range outputFileNames() {
		if produced[name] {
			continue
		}
		path := filepath.Join(outDir, name)
		fi, err := os.Lstat(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("writers: %w", err)
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("writers: removing stale output: %w", err)
		}
	}
	return nil
}

// abandonedAfter is how old another run's temporary directory must be before a successful run
// removes it: a run killed mid-way (kill -9) leaves its temporary directory behind, and one
// still running is never that old.
const abandonedAfter = time.Hour

// removeAbandonedTemps removes temporary directories of earlier runs that were killed. Errors
// are ignored: the outputs are already in place.
func removeAbandonedTemps(outDir, current string) {
	dirs, _ := filepath.Glob(filepath.Join(outDir, tmpPrefix+"*"))
	for _, d := range dirs {
		if d == current {
			continue
		}
		if fi, err := os.Lstat(d); err == nil && fi.IsDir() && time.Since(fi.ModTime()) > abandonedAfter {
			os.RemoveAll(d)
		}
	}
}

// outputFileNames lists every file name a reweigh run can write, in any format, except the
// manifest.
func outputFileNames() []string {
	var names []string
	for _, t := range OutputTables {
		for _, f := range Formats {
			names = append(names, t+f.Ext())
		}
	}
	return names
}

// WriteFile creates path (which must not exist), writes it through a buffer with fn, and
// syncs and closes it: a file that is complete on disk once it returns nil. fixtures uses it
// too.
func WriteFile(path string, fn func(io.Writer) error) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := fn(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

// SyncDir syncs a directory, so the renames into it are durable (a no-op on Windows).
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	return errors.Join(serr, cerr)
}

func countRejects(rs []model.Reject) map[string]int {
	m := make(map[string]int)
	for i := range rs {
		m[rs[i].Code]++
	}
	return m
}

// marshalManifest renders the manifest as indented JSON with a trailing newline; nil lists and
// maps are written as [] and {}.
func marshalManifest(m Manifest) ([]byte, error) {
	if m.Inputs == nil {
		m.Inputs = []model.InputStat{}
	}
	if m.Outputs == nil {
		m.Outputs = []OutputStat{}
	}
	if m.RejectsByCode == nil {
		m.RejectsByCode = map[string]int{}
	}
	if m.Notes == nil {
		m.Notes = []string{}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// sortedKeys returns the keys of m in sorted order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
