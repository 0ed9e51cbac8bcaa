// Command reweigh-bench measures `reweigh run` end to end on national-scale fixtures against two
// references on the same Parquet files: the core determinations written in DuckDB SQL
// (bench/reference.sql, through duckdb-go) and a floor that reads every input and writes the
// outputs with no rules. Each job runs as its own process so wall time, CPU time and peak RSS
// are its own. `make bench` runs it.
package main

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"reweigh/bufpool"
	"reweigh/model"
	"reweigh/readers"
	"reweigh/rules"
	"reweigh/writers"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "reweigh-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	mode := flag.String("mode", "", "internal: duckdb or floor (one measured job)")
	in := flag.String("in", "", "internal: input directory")
	out := flag.String("out", "", "internal: output path")
	year := flag.Int("year", 2025, "performance year")
	reweigh := flag.String("reweigh", "bin/reweigh", "the reweigh binary to measure")
	cache := flag.String("cache", "bench/cache", "where generated fixtures are kept between runs")
	scales := flag.String("scales", "150000,1500000", "fixture sizes (clinician rows), comma-separated")
	sqlFile := flag.String("sql", "bench/reference.sql", "the DuckDB reference")
	runs := flag.Int("runs", 3, "runs of each job: the median wall time is reported, with the highest peak RSS")
	settle := flag.Duration("settle", 5*time.Second, "pause before each job, so that each starts on a machine at rest")
	flag.Parse()
	ctx := context.Background()
	switch *mode {
	case "duckdb":
		return duckdbReference(ctx, *in, *out, *sqlFile, *year)
	case "floor":
		return floor(ctx, *in, *out)
	case "":
	default:
		return fmt.Errorf("unknown -mode %q", *mode)
	}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	// Every job at every scale, then again, round after round: the machine's speed drifts (this
	// VM is noisy), and interleaving the rounds lets each scale and job see the same drift, so
	// the ratios between them (DuckDB, floor, growth) are not skewed by when each was run.
	type job struct {
		name  string
		scale int
		rows  int64
		cmd   []string
		env   []string
		runs  []result
	}
	var jobs []*job
	tmp, err := os.MkdirTemp("", "reweigh-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, s := range strings.Split(*scales, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad scale %q", s)
		}
		fix := filepath.Join(*cache, fmt.Sprintf("n%d-seed1", n))
		if err := ensureFixture(*reweigh, fix, n); err != nil {
			return err
		}
		rows, err := inputRows(fix)
		if err != nil {
			return err
		}
		out := filepath.Join(tmp, strconv.Itoa(n))
		run := []string{*reweigh, "run", "--year", strconv.Itoa(*year), "--in", fix, "--out", filepath.Join(out, "reweigh"), "--quiet"}
		jobs = append(jobs,
			&job{name: "reweigh run", cmd: run},
			// The soft memory limit reweigh sets itself in a container limited to 2 GiB (90%).
			&job{name: "reweigh run, 2 GiB", cmd: run, env: []string{"GOMEMLIMIT=1843MiB"}},
			&job{name: "duckdb reference", cmd: []string{self, "-mode", "duckdb", "-in", fix, "-out", filepath.Join(out, "duckdb.parquet"), "-sql", *sqlFile, "-year", strconv.Itoa(*year)}},
			&job{name: "floor (read+write)", cmd: []string{self, "-mode", "floor", "-in", fix, "-out", filepath.Join(out, "floor")}},
		)
		for _, j := range jobs[len(jobs)-perScale:] {
			j.scale, j.rows = n, rows
		}
	}
	// Each job starts after a pause (settle). This VM's memory balloon reports the pages a process
	// frees back to the host about two seconds after they are freed, and a page the host took
	// back costs far more to touch again than one it did not: a national run started at once
	// after another took 0.1-0.8 s less than one started 8 s later (2.7-2.9 s of system time
	// against 3.2-3.9 s; docs/performance.md, eleventh round). Without the pause a job's time
	// depended on how much memory the job before it had just freed, and the order is fixed: the
	// 1.5 M "reweigh run" always followed the small floor job, its 2 GiB twin the national run,
	// DuckDB the 2 GiB job. Every job now starts as a nightly run would, on a machine at rest.
	//
	// The jobs of each scale also take turns at going first (round r starts with the r-th): in
	// three benches in a fixed order, the 2 GiB twin, which always ran right after the national
	// run, was faster than it in eight of nine rounds, while in a sequence of four rounds that
	// started each of them after the same small job it was not (median 8.98 s against 8.7 s).
	rounds := max(*runs, 1)
	for round := range rounds {
		for _, j := range rotated(jobs, perScale, round) {
			time.Sleep(*settle)
			r, err := measure(j.cmd, j.env)
			if err != nil {
				return fmt.Errorf("%s at %d: %w", j.name, j.scale, err)
			}
			j.runs = append(j.runs, r)
			fmt.Fprintf(os.Stderr, "  round %d/%d  %-20s n=%-8d %s\n", round+1, rounds, j.name, j.scale, r.wall.Round(time.Millisecond))
		}
	}
	// The ratio to DuckDB round by round as well: the two ran minutes apart at most, so each
	// round's ratio sees one stretch of the machine's drift, which the ratio of the medians
	// (each job's median run from a different round, perhaps) does not.
	paired := map[int][]float64{}
	for _, j := range jobs {
		if j.name != "reweigh run" {
			continue
		}
		for _, d := range jobs {
			if d.name == "duckdb reference" && d.scale == j.scale {
				for r := range j.runs {
					paired[j.scale] = append(paired[j.scale], j.runs[r].wall.Seconds()/d.runs[r].wall.Seconds())
				}
			}
		}
	}
	var results []result
	for _, j := range jobs {
		r := typical(j.runs)
		r.name, r.scale, r.rows = j.name, j.scale, j.rows
		results = append(results, r)
	}
	report(results, paired)
	return nil
}

// perScale is the number of jobs at each scale.
const perScale = 4

// rotated returns the jobs, taken perScale at a time (one scale's), with each group turned so
// that it starts at its (round mod perScale)-th job.
func rotated[T any](jobs []T, perScale, round int) []T {
	out := make([]T, 0, len(jobs))
	for lo := 0; lo < len(jobs); lo += perScale {
		g := jobs[lo:min(lo+perScale, len(jobs))]
		k := round % len(g)
		out = append(append(out, g[k:]...), g[:k]...)
	}
	return out
}

// typical is what is reported of several runs of one job: the run of median wall time (this VM
// is noisy both ways, so neither the fastest nor the slowest), with the highest peak RSS of
// them all (a memory target must hold on every run).
func typical(rs []result) result {
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.wall, b.wall) })
	r := rs[(len(rs)-1)/2]
	for _, o := range rs {
		r.rss = max(r.rss, o.rss)
	}
	return r
}

type result struct {
	name  string
	scale int
	rows  int64
	wall  time.Duration
	cpu   time.Duration
	rss   int64 // bytes
}

// measure runs one command as a child process, with env added to the environment: wall time,
// user+system CPU, peak RSS.
func measure(argv, env []string) (result, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return result{}, err
	}
	wall := time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return result{}, errors.New("no rusage on this platform")
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return result{wall: wall, cpu: cpu, rss: ru.Maxrss * 1024}, nil
}

// ensureFixture generates the fixture once (reweigh fixtures) and keeps it in the cache.
func ensureFixture(reweigh, dir string, n int) error {
	if _, err := os.Stat(filepath.Join(dir, "clinicians.parquet")); err == nil {
		return nil
	}
	fmt.Fprintf(os.Stderr, "generating the fixture n=%d in %s ...\n", n, dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	cmd := exec.Command(reweigh, "fixtures", "--scale", strconv.Itoa(n), "--seed", "1", "--out", dir, "--format", "parquet")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// inputRows counts the fixture's input rows by reading Parquet footers through DuckDB.
func inputRows(dir string) (int64, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	err = db.QueryRow(fmt.Sprintf("SELECT sum(num_rows)::BIGINT FROM parquet_file_metadata('%s/*.parquet')", sqlPath(dir))).Scan(&n)
	return n, err
}

func sqlPath(p string) string { return strings.ReplaceAll(p, "'", "''") }

// duckdbReference runs bench/reference.sql over the fixture's Parquet files.
func duckdbReference(ctx context.Context, in, out, sqlFile string, year int) error {
	set, err := rules.Load()
	if err != nil {
		return err
	}
	y, err := set.ForYear(year)
	if err != nil {
		return err
	}
	script, err := os.ReadFile(sqlFile)
	if err != nil {
		return err
	}
	var types []string
	for t := range y.PIClinicianTypes {
		types = append(types, "'"+t+"'")
	}
	slices.Sort(types)
	text := strings.ReplaceAll(string(script), "{{out}}", sqlPath(out))
	text = strings.ReplaceAll(text, "{{pi_clinician_types}}", "["+strings.Join(types, ", ")+"]::VARCHAR[]")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, t := range []string{"clinicians", "groups", "exceptions", "submissions", "measurements", "cost_measures"} {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet('%s')", t, sqlPath(filepath.Join(in, t+".parquet")))); err != nil {
			return fmt.Errorf("view %s: %w", t, err)
		}
	}
	for _, stmt := range splitSQL(text) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("reference.sql: %w\n%s", err, stmt)
		}
	}
	return nil
}

// splitSQL splits a script on semicolons that end a line, dropping comment-only pieces.
func splitSQL(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";\n") {
		lines := strings.Split(part, "\n")
		keep := lines[:0]
		for _, l := range lines {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "--") {
				keep = append(keep, l)
			}
		}
		if len(keep) > 0 {
			out = append(out, strings.Join(keep, "\n"))
		}
	}
	return out
}

// floor reads every input with reweigh's readers and writes one determinations row per
// clinician row with no rules applied, plus rejects and the manifest: the cost of I/O alone.
func floor(ctx context.Context, in, out string) error {
	// The same I/O machinery as a run: Arrow buffers recycled across batches.
	pool := bufpool.New(256 << 20)
	inputs, err := readers.ReadAll(ctx, in, readers.Options{Allocator: pool})
	if err != nil {
		return err
	}
	dets := make([]model.Determination, len(inputs.Clinicians))
	for i, c := range inputs.Clinicians {
		dets[i] = model.Determination{Level: model.LevelIndividual, NPI: c.NPI, TIN: c.TIN, Pathway: model.PathwayTraditional}
	}
	// As a run: columns encoded on every core.
	return writers.Write(ctx, out, writers.FormatParquet, &writers.Output{
		Determinations: dets, Rejects: inputs.Rejects, Manifest: writers.Manifest{Inputs: inputs.Stats}, Allocator: pool,
		Workers: runtime.NumCPU(),
	})
}

func report(rs []result, paired map[int][]float64) {
	fmt.Printf("\n%-10s %-20s %10s %10s %10s %12s\n", "rows", "job", "wall", "cpu", "peak RSS", "rows/s")
	for _, r := range rs {
		fmt.Printf("%-10d %-20s %9.2fs %9.2fs %7.0f MiB %12.0f\n", r.scale, r.name, r.wall.Seconds(), r.cpu.Seconds(),
			float64(r.rss)/(1<<20), float64(r.rows)/r.wall.Seconds())
	}
	by := map[string]map[int]result{}
	var scales []int
	for _, r := range rs {
		if by[r.name] == nil {
			by[r.name] = map[int]result{}
		}
		by[r.name][r.scale] = r
		if !slices.Contains(scales, r.scale) {
			scales = append(scales, r.scale)
		}
	}
	fmt.Println()
	for _, n := range scales {
		rw, dk, fl := by["reweigh run"][n], by["duckdb reference"][n], by["floor (read+write)"][n]
		fmt.Printf("n=%d: reweigh/duckdb %.2f (target <= 1.0), reweigh/floor %.2f (target <= 2.0), peak RSS %.0f MiB (target < 2048; in 2 GiB: %.0f MiB, %.2fs)\n", n,
			rw.wall.Seconds()/dk.wall.Seconds(), rw.wall.Seconds()/fl.wall.Seconds(), float64(rw.rss)/(1<<20),
			float64(by["reweigh run, 2 GiB"][n].rss)/(1<<20), by["reweigh run, 2 GiB"][n].wall.Seconds())
		if rs := paired[n]; len(rs) > 0 {
			fmt.Printf("  reweigh/duckdb round by round:")
			for _, r := range rs {
				fmt.Printf(" %.2f", r)
			}
			sorted := slices.Sorted(slices.Values(rs))
			fmt.Printf(" (median %.2f)\n", sorted[(len(sorted)-1)/2])
		}
	}
	if len(scales) >= 2 {
		a, b := by["reweigh run"][scales[0]], by["reweigh run"][scales[len(scales)-1]]
		fmt.Printf("growth: %.1fx the rows in %.2fx the time (target: 10x rows in <= 11x time)\n",
			float64(b.scale)/float64(a.scale), b.wall.Seconds()/a.wall.Seconds())
	}
}
