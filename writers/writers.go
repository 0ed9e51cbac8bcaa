// Package writers writes reweigh's output tables as Parquet or CSV, with manifest.json,
// atomically: into a temporary directory first, then renamed into place. Write writes tables
// held in memory; Begin starts a run whose determinations table is streamed as it is made
// (Run.Determinations) and whose other tables are written by Commit.
package writers

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
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

	// Workers is how many table files are written at once, and how many columns of a Parquet
	// record batch are encoded at once (<= 0: one). Write uses it; a Run uses the workers given
	// to Begin.
	Workers int

	// Allocator holds the Arrow buffers of the Parquet writers for Write; nil means a Go
	// allocator. A recycling allocator (bufpool) saves most of the write's fresh memory. A Run
	// uses the allocator given to Begin.
	Allocator memory.Allocator

	// Metadata goes into every Parquet file's key-value metadata (run facts: version, year,
	// input sha256s). Keys are written in sorted order. Write uses it; a Run uses the metadata
	// given to Begin.
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
	write(ctx context.Context, w io.Writer, cfg tableConfig) error
}

type rowsOf[T any] struct {
	table  string
	fields []field[T]
	rows   []T
}

func (r rowsOf[T]) name() string { return r.table }
func (r rowsOf[T]) len() int     { return len(r.rows) }

func (r rowsOf[T]) write(ctx context.Context, w io.Writer, cfg tableConfig) error {
	tw, err := newTableWriter(ctx, w, r.fields, cfg)
	if err != nil {
		return err
	}
	if err := tw.add(r.rows); err != nil {
		tw.abort()
		return err
	}
	return tw.close()
}

// tableWriter writes one table file from rows given in pieces of any size; the bytes do not
// depend on how the rows are cut.
type tableWriter[T any] interface {
	add(rows []T) error
	close() error // completes the file
	abort()       // releases what an incomplete file holds
}

// tableConfig is how a run writes its table files.
type tableConfig struct {
	format  Format
	mem     memory.Allocator  // the Parquet writers' Arrow buffers
	meta    map[string]string // every Parquet file's key-value metadata
	workers int               // the columns of a Parquet batch encoded at once
}

func newTableWriter[T any](ctx context.Context, w io.Writer, fields []field[T], cfg tableConfig) (tableWriter[T], error) {
	if cfg.format == FormatCSV {
		return newCSVTable(ctx, w, fields)
	}
	return newParquetTable(ctx, w, fields, cfg.mem, cfg.meta, cfg.workers)
}

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

func write(ctx context.Context, outDir string, format Format, out *Output, mem memory.Allocator) error {
	r, err := begin(ctx, outDir, tableConfig{format: format, mem: mem, meta: out.Metadata, workers: out.Workers})
	if err != nil {
		return err
	}
	defer r.Abort()
	return r.Commit(out)
}

// A Run is one output directory being written: the table files go to a temporary directory
// inside it and are renamed into place by Commit. The determinations and clinician_scores
// tables can be written while their rows are made (Determinations, ClinicianScores); the other
// tables are written by Commit.
type Run struct {
	ctx     context.Context
	outDir  string
	tmp     string // "" once committed or aborted
	cfg     tableConfig
	streams map[string]stream        // the tables being streamed, by table name
	started map[string]*startedTable // the tables being written in the background (Start)
	writing chan struct{}            // a slot per started table being written: cfg.workers
}

// startedTable is a table file Start is writing: stat and err are set before done is closed.
type startedTable struct {
	done chan struct{}
	stat OutputStat
	err  error
}

// Begin starts writing the outputs of a run into outDir: it creates the temporary directory.
// mem holds the Arrow buffers of the Parquet writers (nil: a Go allocator); meta goes into
// every Parquet file's key-value metadata; workers is how many columns of a Parquet record
// batch are encoded at once (<= 0: one), and how many table files Commit writes at once. The
// bytes written do not depend on workers. Every Begin must be followed by Commit or Abort.
func Begin(ctx context.Context, outDir string, format Format, mem memory.Allocator, meta map[string]string, workers int) (*Run, error) {
	if mem == nil {
		mem = memory.NewGoAllocator()
	}
	return begin(ctx, outDir, tableConfig{format: format, mem: mem, meta: meta, workers: workers})
}

func begin(ctx context.Context, outDir string, cfg tableConfig) (*Run, error) {
	if cfg.format == "" {
		cfg.format = FormatParquet
	}
	if cfg.format != FormatParquet && cfg.format != FormatCSV {
		return nil, fmt.Errorf("writers: unknown format %q", cfg.format)
	}
	cfg.workers = max(cfg.workers, 1)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("writers: %w", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("writers: %w", err)
	}
	tmp, err := os.MkdirTemp(outDir, tmpPrefix)
	if err != nil {
		return nil, fmt.Errorf("writers: %w", err)
	}
	return &Run{ctx: ctx, outDir: outDir, tmp: tmp, cfg: cfg}, nil
}

// Abort removes the temporary directory and everything written into it, leaving outDir as it
// was. It does nothing after Commit, so it can be deferred.
func (r *Run) Abort() {
	if r.tmp == "" {
		return
	}
	for _, table := range slices.Sorted(maps.Keys(r.streams)) {
		r.streams[table].abort()
	}
	r.waitStarted()
	os.RemoveAll(r.tmp)
	r.tmp = ""
}

// Stream is one output table being written piece by piece, in output order.
type Stream[T any] struct {
	r      *Run
	table  string
	file   string // the table's file name
	out    *bufferedFile
	tw     tableWriter[T]
	rows   int
	err    error // the first error: every later call returns it
	closed bool
}

// stream is what a Run needs of a Stream of any row type.
type stream interface {
	Close() error
	Rows() int
	abort()
}

// Determinations starts the determinations table file. See openStream.
func (r *Run) Determinations() (*Stream[model.Determination], error) {
	return openStream(r, TableDeterminations, determinationFields)
}

// ClinicianScores starts the clinician_scores table file. See openStream.
func (r *Run) ClinicianScores() (*Stream[model.ClinicianScore], error) {
	return openStream(r, TableClinicianScores, clinicianScoreFields)
}

// openStream starts a table's file, to be written piece by piece: rows given to Write are
// converted at once, so the caller can reuse their memory, and the file's bytes are those
// Commit would write for the same rows at once. Commit closes the stream if the caller has
// not, and then writes the table from the stream, not from its Output.
func openStream[T any](r *Run, table string, fields []field[T]) (*Stream[T], error) {
	if r.tmp == "" {
		return nil, errors.New("writers: stream of a run already committed or aborted")
	}
	if _, dup := r.streams[table]; dup {
		return nil, fmt.Errorf("writers: %s is already being streamed", table)
	}
	s := &Stream[T]{r: r, table: table, file: table + r.cfg.format.Ext()}
	f, err := createFile(filepath.Join(r.tmp, s.file))
	if err != nil {
		return nil, fmt.Errorf("writers: %w", err)
	}
	s.out = f
	if s.tw, err = newTableWriter(r.ctx, f, fields, r.cfg); err != nil {
		f.abandon()
		return nil, fmt.Errorf("writers: %s: %w", s.file, err)
	}
	if r.streams == nil {
		r.streams = map[string]stream{}
	}
	r.streams[table] = s
	return s, nil
}

// Write appends rows to the table.
func (s *Stream[T]) Write(rows []T) error {
	if s.err == nil && s.closed {
		s.err = errors.New("writers: write to a closed stream")
	}
	if s.err != nil {
		return s.err
	}
	if err := s.tw.add(rows); err != nil {
		s.err = fmt.Errorf("writers: %s: %w", s.file, err)
		return s.err
	}
	s.rows += len(rows)
	return nil
}

// Rows is the number of rows written.
func (s *Stream[T]) Rows() int { return s.rows }

// Close completes the file and syncs it.
func (s *Stream[T]) Close() error {
	if s.closed || s.err != nil {
		return s.err
	}
	s.closed = true
	err := s.tw.close()
	if err == nil {
		err = s.out.finish()
	} else {
		s.out.abandon()
	}
	if err == nil {
		err = hook("table:" + s.table)
	}
	if err != nil {
		s.err = fmt.Errorf("writers: %s: %w", s.file, err)
	}
	return s.err
}

func (s *Stream[T]) abort() {
	if !s.closed {
		s.closed = true
		s.tw.abort()
		s.out.abandon()
	}
}

// Start writes the named tables of out now, in the background (up to the run's workers files at
// once, as Commit writes them), and returns at once: a run writes the tables it has decided (the
// APM participants and members, the rejects) while it decides the clinician scores. The files
// are those Commit would write for the same rows.
// Commit waits for them, reports their errors, and does not write them again; the rows must not
// change until then. A table out does not write, or one already streamed or started, is an
// error.
func (r *Run) Start(out *Output, tables ...string) error {
	if r.tmp == "" {
		return errors.New("writers: start of a run already committed or aborted")
	}
	ts := out.tables()
	for _, name := range tables {
		i := slices.IndexFunc(ts, func(t tableOut) bool { return t.name() == name })
		_, streamed := r.streams[name]
		_, started := r.started[name]
		if i < 0 || streamed || started {
			return fmt.Errorf("writers: %s cannot be started (not among the outputs, or already being written)", name)
		}
		if r.started == nil {
			r.started = map[string]*startedTable{}
			r.writing = make(chan struct{}, r.cfg.workers)
		}
		st := &startedTable{done: make(chan struct{})}
		r.started[name] = st
		go func() {
			defer close(st.done)
			r.writing <- struct{}{}
			defer func() { <-r.writing }()
			st.stat, st.err = r.writeTable(ts[i])
		}()
	}
	return nil
}

// waitStarted waits for the tables Start is writing.
func (r *Run) waitStarted() {
	for _, st := range r.started {
		<-st.done
	}
}

// writeTable writes one table's file into the temporary directory.
func (r *Run) writeTable(t tableOut) (OutputStat, error) {
	file := t.name() + r.cfg.format.Ext()
	err := WriteFile(filepath.Join(r.tmp, file), func(w io.Writer) error {
		return t.write(r.ctx, w, r.cfg)
	})
	if err == nil {
		err = hook("table:" + t.name())
	}
	if err != nil {
		return OutputStat{}, fmt.Errorf("writers: %s: %w", file, err)
	}
	return OutputStat{Table: t.name(), Path: file, Rows: t.len()}, nil
}

// Commit writes every table of out not yet written (all but a streamed determinations table,
// whose out.Determinations is then ignored), and manifest.json, then renames them into place
// (manifest.json last) and removes reweigh output files of an earlier run that this run did not
// produce. Files in outDir that are not reweigh outputs are never touched. If anything fails
// before the renames, outDir is left as it was (after Abort).
func (r *Run) Commit(out *Output) (err error) {
	if r.tmp == "" {
		return errors.New("writers: commit of a run already committed or aborted")
	}
	ctx, tmp, format := r.ctx, r.tmp, r.cfg.format
	r.waitStarted()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("writers: %w", err)
	}
	for _, table := range slices.Sorted(maps.Keys(r.streams)) {
		if err := r.streams[table].Close(); err != nil {
			return err
		}
	}

	// The tables are written at once, up to the run's workers files (errgroup + SetLimit), the
	// largest first; each file's bytes do not depend on the others. The error reported is the
	// first table's in output order.
	tables := out.tables()
	outputs := make([]OutputStat, len(tables))
	errs := make([]error, len(tables))
	order := make([]int, 0, len(tables))
	streamed := 0
	started := 0
	for i, t := range tables {
		if s, ok := r.streams[t.name()]; ok {
			outputs[i] = OutputStat{Table: t.name(), Path: t.name() + format.Ext(), Rows: s.Rows()}
			streamed++
			continue
		}
		if st, ok := r.started[t.name()]; ok {
			outputs[i], errs[i] = st.stat, st.err
			started++
			continue
		}
		order = append(order, i)
	}
	if streamed != len(r.streams) {
		return fmt.Errorf("writers: %d tables streamed, %d of them among the outputs", len(r.streams), streamed)
	}
	if started != len(r.started) {
		return fmt.Errorf("writers: %d tables started, %d of them among the outputs", len(r.started), started)
	}
	for _, err := range errs {
		if err != nil {
			return err // a started table's, the first in output order
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(tables[b].len(), tables[a].len()) })
	var g errgroup.Group
	g.SetLimit(r.cfg.workers)
	for _, i := range order {
		t := tables[i]
		g.Go(func() error {
			outputs[i], errs[i] = r.writeTable(t)
			return errs[i]
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
	outDir := r.outDir
	defer func() {
		if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
			err = fmt.Errorf("writers: removing temporary directory: %w", rerr)
		}
		r.tmp = ""
	}()
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
func WriteFile(path string, fn func(io.Writer) error) error {
	f, err := createFile(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.abandon()
		return err
	}
	return f.finish()
}

// createFile creates path, which must not exist.
func createFile(path string) (*bufferedFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return newBufferedFile(f), nil
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
