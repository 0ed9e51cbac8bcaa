package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"reweigh/model"
	"reweigh/pipeline"
)

// reporter shows a run's progress and closing summary on stderr: a live line on a terminal,
// plain periodic lines otherwise, JSON records (log/slog) with --log-format json, nothing with
// --quiet.
type reporter struct {
	w        io.Writer
	mode     string // "bar", "lines", "json", "quiet"
	log      *slog.Logger
	interval time.Duration

	mu     sync.Mutex
	stage  string
	start  time.Time
	rows   map[string]int64
	done   chan struct{}
	wg     sync.WaitGroup
	lastLn time.Time
}

func newReporter(w io.Writer, quiet bool, logFormat string) (*reporter, error) {
	r := &reporter{w: w, rows: map[string]int64{}, interval: 10 * time.Second}
	switch {
	case quiet:
		r.mode = "quiet"
	case logFormat == "json":
		r.mode = "json"
		r.log = slog.New(slog.NewJSONHandler(w, nil))
	case logFormat == "text" || logFormat == "":
		r.mode = "lines"
		if isTerminal(w) {
			r.mode = "bar"
			r.interval = 200 * time.Millisecond
		}
	default:
		return nil, usagef("unknown --log-format %q (want text or json)", logFormat)
	}
	return r, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// StageStarted implements pipeline.Observer.
func (r *reporter) StageStarted(stage string) {
	r.mu.Lock()
	r.stage, r.start = stage, time.Now()
	r.mu.Unlock()
	switch r.mode {
	case "json":
		r.log.Info("stage started", "stage", stage)
	case "lines":
		fmt.Fprintf(r.w, "reweigh: %s ...\n", stage)
	}
	if r.mode == "bar" || r.mode == "lines" {
		r.done = make(chan struct{})
		r.wg.Add(1)
		go r.tick(r.done)
	}
}

// StageFinished implements pipeline.Observer.
func (r *reporter) StageFinished(stage string, took time.Duration) {
	r.stopTicker()
	switch r.mode {
	case "json":
		r.log.Info("stage finished", "stage", stage, "seconds", took.Seconds())
	case "bar":
		fmt.Fprintf(r.w, "\r\033[K%s\n", r.line(stage, took, true))
	case "lines":
		fmt.Fprintln(r.w, "reweigh: "+r.line(stage, took, true))
	}
}

// RowsRead implements pipeline.Observer.
func (r *reporter) RowsRead(table string, rows int64) {
	r.mu.Lock()
	r.rows[table] = rows
	r.mu.Unlock()
	if r.mode == "json" {
		r.log.Info("rows read", "table", table, "rows", rows)
	}
}

func (r *reporter) stopTicker() {
	if r.done != nil {
		close(r.done)
		r.wg.Wait()
		r.done = nil
	}
}

func (r *reporter) tick(done chan struct{}) {
	defer r.wg.Done()
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			r.mu.Lock()
			stage, took := r.stage, time.Since(r.start)
			r.mu.Unlock()
			if r.mode == "bar" {
				fmt.Fprintf(r.w, "\r\033[K%s", r.line(stage, took, false))
			} else {
				fmt.Fprintln(r.w, "reweigh: "+r.line(stage, took, false))
			}
		}
	}
}

// line describes a stage: its name, time, and for reading the rows per table and the rate.
func (r *reporter) line(stage string, took time.Duration, finished bool) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	verb := "running"
	if finished {
		verb = "done in"
	}
	s := fmt.Sprintf("%-9s %s %.1fs", stage, verb, took.Seconds())
	if stage == pipeline.StageRead && len(r.rows) > 0 {
		var total int64
		var parts []string
		for _, t := range model.InputTables {
			if n, ok := r.rows[t]; ok {
				total += n
				parts = append(parts, fmt.Sprintf("%s %d", t, n))
			}
		}
		rate := float64(total) / max(took.Seconds(), 1e-9)
		s += fmt.Sprintf("  %d rows (%.0f rows/s): %s", total, rate, strings.Join(parts, ", "))
	}
	return s
}

// summary prints the closing summary of a run.
func (r *reporter) summary(s *pipeline.Summary, outDir string) {
	if r.mode == "quiet" {
		return
	}
	t := s.Result.Tally
	byLevel, statuses := t.ByLevel, t.Statuses
	weights := map[string]int{}
	for w, n := range t.Weights {
		weights[fmt.Sprintf("%d/%d/%d/%d", w[0], w[1], w[2], w[3])] += n
	}
	categories := t.Categories
	rejects := map[string]int{}
	for _, rj := range s.Inputs.Rejects {
		rejects[rj.Code]++
	}
	if r.mode == "json" {
		stages := map[string]float64{}
		for _, st := range s.Stages {
			stages[st.Stage] = st.Took.Seconds()
		}
		r.log.Info("run finished", "performance_year", s.Year.PerformanceYear, "out", outDir,
			"determinations", t.Rows, "by_level_pathway", byLevel, "statuses", statuses,
			"top_weights", topN(weights, 10), "rejects_by_code", rejects, "errors", s.Errors,
			"warnings", s.Warnings, "stage_seconds", stages)
		return
	}
	w := r.w
	fmt.Fprintf(w, "reweigh %d (payment year %d): %d determinations written to %s\n", s.Year.PerformanceYear, s.Year.PaymentYear, t.Rows, outDir)
	for _, st := range s.Inputs.Stats {
		fmt.Fprintf(w, "  read %-14s %9d rows: %9d accepted, %7d rejected\n", st.Table, st.RowsRead, st.RowsAccepted, st.RowsRejected)
	}
	fmt.Fprintf(w, "  by level/pathway: %s\n", joinCounts(byLevel, sortedKeysOf(byLevel)))
	fmt.Fprintf(w, "  statuses: %s\n", joinCounts(statuses, sortedKeysOf(statuses)))
	for _, c := range model.Categories {
		fmt.Fprintf(w, "  %-7s %s\n", c.String()+":", joinCounts(categories[c], sortedKeysOf(categories[c])))
	}
	fmt.Fprintln(w, "  most common weights (quality/cost/ia/pi):")
	for _, k := range topN(weights, 10) {
		fmt.Fprintf(w, "    %-12s %9d\n", k, weights[k])
	}
	if len(rejects) > 0 {
		fmt.Fprintf(w, "  rejects: %d rows rejected, %d warnings: %s\n", s.Errors, s.Warnings, joinCounts(rejects, topN(rejects, len(rejects))))
	}
	var stages []string
	for _, st := range s.Stages {
		stages = append(stages, fmt.Sprintf("%s %.2fs", st.Stage, st.Took.Seconds()))
	}
	fmt.Fprintf(w, "  time: %s\n", strings.Join(stages, ", "))
}

func topN(counts map[string]int, n int) []string { return sortedByCount(counts, n) }

func sortedKeysOf(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func joinCounts(m map[string]int, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
