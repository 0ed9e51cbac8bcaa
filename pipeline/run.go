package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"reweigh/bufpool"
	"reweigh/model"
	"reweigh/readers"
	"reweigh/rules"
	"reweigh/writers"
)

// Options configure one determination run.
type Options struct {
	Year    int
	InDir   string
	OutDir  string
	Format  writers.Format
	Workers int  // <= 0: the number of CPUs
	Strict  bool // any error-severity reject fails the run, nothing written
	Version string
	Now     func() time.Time // the clock, injected for tests; nil means time.Now
	// Observer hears about stages and rows read (progress reporting); nil means nobody.
	Observer Observer
	// KeepDeterminations keeps the determinations and clinician_scores rows in the Summary's
	// Result as well as writing them (tests read them there). A run otherwise streams them to
	// the output files and never holds them all: at national scale they would be a gigabyte.
	KeepDeterminations bool
}

// Observer is told what a run is doing, for progress reporting. Calls may come from several
// goroutines.
type Observer interface {
	StageStarted(stage string)
	StageFinished(stage string, took time.Duration)
	// RowsRead reports the rows read so far from one input table.
	RowsRead(table string, rows int64)
}

// Stages of a run, in order.
const (
	StageRead      = "read"
	StageDetermine = "determine"
	StageWrite     = "write"
)

// StageTime is how long one stage took.
type StageTime struct {
	Stage string
	Took  time.Duration
}

type nopObserver struct{}

func (nopObserver) StageStarted(string)                 {}
func (nopObserver) StageFinished(string, time.Duration) {}
func (nopObserver) RowsRead(string, int64)              {}

// timer runs stages, telling the observer and recording their times.
type timer struct {
	obs   Observer
	times []StageTime
}

func (t *timer) run(stage string, fn func() error) error {
	t.obs.StageStarted(stage)
	start := time.Now()
	err := fn()
	took := time.Since(start)
	t.times = append(t.times, StageTime{stage, took})
	if err == nil {
		t.obs.StageFinished(stage, took)
	}
	return err
}

// Summary describes a finished run. Inputs holds the tables' stats, presence and rejects; its
// rows are released during the run.
type Summary struct {
	Year     *rules.Year
	Inputs   *model.Inputs
	Result   *Result
	Manifest writers.Manifest
	Errors   int // error-severity rejects
	Warnings int
	Stages   []StageTime
}

// readPoolBytes bounds the freed Arrow buffers kept for reuse between record batches while
// reading (the batches in flight from the row groups being decoded), writePoolBytes while
// writing (a few batches of the tables written at once, which need far fewer).
const (
	readPoolBytes  = 256 << 20
	writePoolBytes = 64 << 20
)

// ErrStrict is returned (wrapped) when --strict finds rejected rows.
var ErrStrict = errors.New("rows were rejected and --strict is set")

// Run reads the inputs, determines every entity and writes the outputs atomically. Any error
// leaves the previous outputs in o.OutDir untouched.
func Run(ctx context.Context, set *rules.Set, o Options) (*Summary, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	obs := o.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	tm := &timer{obs: obs}
	started := now().UTC()
	y, err := set.ForYear(o.Year)
	if err != nil {
		return nil, err
	}
	// One recycling pool holds the Arrow buffers of the read and of the write (see bufpool).
	pool := bufpool.New(readPoolBytes)
	// The collector is off from the start of the read until the index is built, but for one
	// collection between the two, and the heap is capped once the index is built (see collector).
	defer limitToContainer()()
	gc := pauseCollector()
	defer gc.restore()
	var in *model.Inputs
	err = tm.run(StageRead, func() (err error) {
		in, err = readers.ReadAll(ctx, o.InDir, readers.Options{Workers: o.Workers, Allocator: pool})
		if err == nil {
			for _, st := range in.Stats {
				obs.RowsRead(st.Table, int64(st.RowsRead))
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// The read is over. Its batch buffers (a quarter of a gigabyte at national scale) and its
	// garbage (more than half as much as the rows it kept) go now, while the collector is
	// otherwise paused: building the index reuses their pages instead of fresh ones (the peak
	// resident memory of a national run fell by about 0.5 GB, for no measurable time). The
	// writers need far fewer buffers than the readers.
	pool.Trim(0)
	pool.SetLimit(writePoolBytes)
	runtime.GC()
	gc.capHeap()
	s := &Summary{Year: y, Inputs: in}
	for _, r := range in.Rejects {
		if r.Severity == model.SeverityError {
			s.Errors++
		} else {
			s.Warnings++
		}
	}
	if o.Strict && s.Errors > 0 {
		first := in.Rejects[0]
		for _, r := range in.Rejects {
			if r.Severity == model.SeverityError {
				first = r
				break
			}
		}
		return s, fmt.Errorf("%w: %d rejected (first: %s row %d column %q: %s %s)", ErrStrict, s.Errors, first.File, first.Row, first.Column, first.Code, first.Message)
	}
	areas, err := eucAreas(y, in)
	if err != nil {
		return nil, err
	}
	meta := map[string]string{
		"reweigh.version":          o.Version,
		"reweigh.performance_year": strconv.Itoa(y.PerformanceYear),
		"reweigh.payment_year":     strconv.Itoa(y.PaymentYear),
	}
	for _, st := range in.Stats {
		meta["reweigh.input."+st.Table+".sha256"] = st.SHA256
	}
	// The determinations table is written as the rows are made, a shard at a time, into the
	// run's temporary directory: the rows are never all held at once. The other tables are
	// written once everything is decided; nothing reaches o.OutDir before Commit.
	wr, err := writers.Begin(ctx, o.OutDir, o.Format, pool, meta, o.Workers)
	if err != nil {
		return nil, err
	}
	defer wr.Abort()
	dets, err := wr.Determinations()
	if err != nil {
		return nil, err
	}
	// The tables decided before the clinician scores are written while those are decided: the
	// rejects (complete once read) and, once decided, the APM participants and members.
	out := &writers.Output{
		WriteAPMParticipants: in.Has(model.TableAPMEntities),
		WriteClinicianScores: in.Has(model.TableScores), // streamed
		WriteMembers:         in.Has(model.TableVirtualGroups) || in.Has(model.TableSubgroups) || in.Has(model.TableAPMEntities),
		Rejects:              in.Rejects,
		Workers:              o.Workers,
	}
	levelsDone := func(participants []model.APMParticipantResult, members []model.Member) error {
		out.APMParticipants, out.Members = participants, members
		started := []string{writers.TableRejects}
		if out.WriteAPMParticipants {
			started = append(started, writers.TableAPMParticipants)
		}
		if out.WriteMembers {
			started = append(started, writers.TableMembers)
		}
		return wr.Start(out, started...)
	}
	streams := sinks{determinations: dets.Write, determinationsDone: dets.Close, levelsDone: levelsDone}
	var scores *writers.Stream[model.ClinicianScore]
	if in.Has(model.TableScores) {
		if scores, err = wr.ClinicianScores(); err != nil {
			return nil, err
		}
		streams.clinicianScores = scores.Write
	}
	var res *Result
	err = tm.run(StageDetermine, func() (err error) {
		var kept []model.Determination
		var keptScores []model.ClinicianScore
		if o.KeepDeterminations {
			streams.determinations = func(rows []model.Determination) error {
				kept = append(kept, rows...)
				return dets.Write(rows)
			}
			if scores != nil {
				streams.clinicianScores = func(rows []model.ClinicianScore) error {
					keptScores = append(keptScores, rows...)
					return scores.Write(rows)
				}
			}
		}
		res, err = determine(ctx, y, in, areas, o.Workers, func() {
			// The rows only the index needs (ten million measurements at national scale)
			// and the clinicians rows are gone, and the collector, paused since the read, runs
			// once: what comes next reuses their pages (fresh pages are much of a run's system
			// time in a VM). Then it resumes, under the heap cap (see collector).
			runtime.GC()
			gc.resume()
		}, streams)
		if res != nil {
			res.Determinations, res.ClinicianScores = kept, keptScores
		}
		if err == nil {
			err = dets.Close() // closed by determine already (determinationsDone): its error
		}
		if err == nil && scores != nil {
			err = scores.Close()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// The input rows still held (the index consumed the rest) are not needed from here on (the
	// summary keeps stats and rejects).
	in.Clinicians, in.Groups, in.VirtualGroups, in.Subgroups, in.APMEntities, in.EUCAreas = nil, nil, nil, nil, nil, nil
	s.Result = res

	rejectsByCode := map[string]int{}
	for _, r := range in.Rejects {
		rejectsByCode[r.Code]++
	}
	notes := append([]string{}, res.Notes...)
	if res.NoPolicyRows > 0 {
		notes = append(notes, fmt.Sprintf("%d determinations have no policy row in the %d weight tables: flagged %s, weights not guessed", res.NoPolicyRows, y.PerformanceYear, rules.FlagNoPolicyRow))
	}
	out.APMParticipants, out.Members = res.APMParticipants, res.Members
	out.Manifest = writers.Manifest{
		Version:         o.Version,
		PerformanceYear: y.PerformanceYear,
		StartedAt:       started.Format(time.RFC3339),
		Workers:         o.Workers,
		Inputs:          in.Stats,
		RejectsByCode:   rejectsByCode,
		Notes:           notes,
	}
	out.Manifest.FinishedAt = now().UTC().Format(time.RFC3339)
	if err := tm.run(StageWrite, func() error { return wr.Commit(out) }); err != nil {
		return nil, err
	}
	s.Manifest = out.Manifest
	s.Stages = tm.times
	return s, nil
}

// eucAreas returns the automatic EUC areas of the run: the euc_areas input table when given,
// otherwise CMS's list bundled for the year.
func eucAreas(y *rules.Year, in *model.Inputs) (*rules.Areas, error) {
	if in.Has(model.TableEUCAreas) {
		return rules.NewAreas("euc_areas input table", in.EUCAreas), nil
	}
	return rules.BundledAreas(y.PerformanceYear)
}
