package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

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
}

// Summary describes a finished run.
type Summary struct {
	Year     *rules.Year
	Inputs   *model.Inputs
	Result   *Result
	Manifest writers.Manifest
	Errors   int // error-severity rejects
	Warnings int
}

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
	started := now().UTC()
	y, err := set.ForYear(o.Year)
	if err != nil {
		return nil, err
	}
	in, err := readers.ReadAll(ctx, o.InDir, readers.Options{Workers: o.Workers})
	if err != nil {
		return nil, err
	}
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
	res, err := Determine(ctx, y, in, areas, o.Workers)
	if err != nil {
		return nil, err
	}
	s.Result = res

	rejectsByCode := map[string]int{}
	for _, r := range in.Rejects {
		rejectsByCode[r.Code]++
	}
	notes := append([]string{}, res.Notes...)
	if res.NoPolicyRows > 0 {
		notes = append(notes, fmt.Sprintf("%d determinations have no policy row in the %d weight tables: flagged %s, weights not guessed", res.NoPolicyRows, y.PerformanceYear, rules.FlagNoPolicyRow))
	}
	meta := map[string]string{
		"reweigh.version":          o.Version,
		"reweigh.performance_year": strconv.Itoa(y.PerformanceYear),
		"reweigh.payment_year":     strconv.Itoa(y.PaymentYear),
	}
	for _, st := range in.Stats {
		meta["reweigh.input."+st.Table+".sha256"] = st.SHA256
	}
	out := &writers.Output{
		Determinations:       res.Determinations,
		APMParticipants:      res.APMParticipants,
		WriteAPMParticipants: in.Has(model.TableAPMEntities),
		ClinicianScores:      res.ClinicianScores,
		WriteClinicianScores: in.Has(model.TableScores),
		Members:              res.Members,
		WriteMembers:         in.Has(model.TableVirtualGroups) || in.Has(model.TableSubgroups) || in.Has(model.TableAPMEntities),
		Rejects:              in.Rejects,
		Metadata:             meta,
		Manifest: writers.Manifest{
			Version:         o.Version,
			PerformanceYear: y.PerformanceYear,
			StartedAt:       started.Format(time.RFC3339),
			Workers:         o.Workers,
			Inputs:          in.Stats,
			RejectsByCode:   rejectsByCode,
			Notes:           notes,
		},
	}
	out.Manifest.FinishedAt = now().UTC().Format(time.RFC3339)
	if err := writers.Write(ctx, o.OutDir, o.Format, out); err != nil {
		return nil, err
	}
	s.Manifest = out.Manifest
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
