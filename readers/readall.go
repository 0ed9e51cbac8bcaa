package readers

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"golang.org/x/sync/errgroup"

	"reweigh/model"
)

// Options for ReadAll.
type Options struct {
	// Workers is how many tables are read at once, and how many row groups of one Parquet
	// file are decoded at once; <= 0 means runtime.NumCPU().
	Workers int
	// Allocator holds the Arrow buffers of Parquet record batches; nil means arrow-go's
	// default. A recycling allocator (bufpool) saves most of the read's fresh memory.
	Allocator memory.Allocator
}

// ReadAll reads every input table present in dir, concurrently (one table per worker), validates
// every row, runs the cross-table checks, and returns the accepted rows, the rejects and the
// per-table stats. A bad file returns a *FileError (when several files are bad, the one of the
// first table in model.InputTables order); bad rows go to Inputs.Rejects. The result does not
// depend on opts.Workers.
func ReadAll(ctx context.Context, dir string, opts Options) (*model.Inputs, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok {
			err = pe.Err
		}
		return nil, &FileError{File: dir, Code: CodeFileUnreadable, Err: fmt.Errorf("input directory: %w", err)}
	}
	names := make(map[string]bool, len(entries))
	for _, e := range entries {
		names[e.Name()] = true
	}

	in := &model.Inputs{Present: make(map[string]bool, len(model.InputTables))}
	runs := make([]*tableRun, len(model.InputTables))
	for i, table := range model.InputTables {
		csvName, pqName := table+".csv", table+".parquet"
		switch {
		case names[csvName] && names[pqName]:
			return nil, fileErr(csvName, "", CodeFileBothFormats, "both %s and %s are given: keep one", csvName, pqName)
		case names[csvName]:
			runs[i] = newTableRun(table, filepath.Join(dir, csvName), csvName, in, opts.Allocator, workers)
		case names[pqName]:
			runs[i] = newTableRun(table, filepath.Join(dir, pqName), pqName, in, opts.Allocator, workers)
		case table == model.TableClinicians:
			return nil, fileErr(csvName, "", CodeFileMissingTable,
				"required table %s is missing: expected %s or %s in %s", table, csvName, pqName, dir)
		}
		in.Present[table] = runs[i] != nil
	}

	// Each table decodes into its own slice of in, so the readers share nothing. A failing
	// table cancels only the tables after it: the error reported is always the first table's
	// in InputTables order, whatever the scheduling.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	errs := make([]error, len(runs))
	ctxs := make([]context.Context, len(runs))
	cancels := make([]context.CancelFunc, len(runs))
	for i := range runs {
		ctxs[i], cancels[i] = context.WithCancel(gctx)
		defer cancels[i]()
	}
	// The largest files start first: with fewer workers than tables, the longest read (at
	// national scale the ten million measurements) must not wait for the small ones.
	order := make([]int, 0, len(runs))
	sizes := make([]int64, len(runs))
	for i, r := range runs {
		if r == nil {
			continue
		}
		order = append(order, i)
		if fi, err := os.Stat(r.path); err == nil {
			sizes[i] = fi.Size()
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sizes[b], sizes[a]) })
	// What the clinicians cover and the submissions' IDs, each made as soon as its table is
	// read, while the other tables still are, not in the cross-table checks after.
	var cv *coverage
	var subs *idIndex
	bufs := &itemBuffers{}
	for _, i := range order {
		r := runs[i]
		g.Go(func() error {
			if err := ctxs[i].Err(); err != nil {
				errs[i] = err
				return nil
			}
			var err error
			// The table labels its CPU profile samples (reweigh run --cpuprofile).
			pprof.Do(ctxs[i], pprof.Labels("table", r.table), func(ctx context.Context) {
				if filepath.Ext(r.file) == ".csv" {
					err = r.readCSV(ctx)
				} else {
					err = r.readParquet(ctx)
				}
			})
			if err != nil {
				errs[i] = err
				for _, cancel := range cancels[i+1:] {
					cancel()
				}
				return nil
			}
			r.finish(bufs)
			switch r.table {
			case model.TableClinicians:
				cv = newCoverage(in.Clinicians)
			case model.TableSubmissions:
				subs = submissionIDs(in.Submissions)
			}
			return nil
		})
	}
	g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}

	crossCheck(in, runs, cv, subs, workers)

	// Stats and rejects in InputTables order; a table's rejects by row (reading appended them
	// in row order, the cross-table checks after them).
	for _, r := range runs {
		if r == nil {
			continue
		}
		slices.SortStableFunc(r.rejects, func(a, b model.Reject) int { return cmp.Compare(a.Row, b.Row) })
		in.Stats = append(in.Stats, r.stat)
		in.Rejects = append(in.Rejects, r.rejects...)
	}
	return in, nil
}

// sets of what the accepted clinicians cover, keyed by numbers: a valid TIN is 9 digits and a
// valid NPI 10, so an NPI/TIN pair fits in a uint64.
type coverage struct {
	tins  *keySet         // TINs as numbers
	pairs *keySet         // NPI/TINs as pairNumber
	vgs   map[string]bool // virtual group ID -> has a member TIN with clinicians
	sgs   map[string]bool // subgroup ID -> has a member NPI/TIN in clinicians
	apms  map[string]bool // APM Entity ID -> has a participant TIN in clinicians
}

func atou(s string) uint64 {
	var v uint64
	for i := 0; i < len(s); i++ {
		v = v*10 + uint64(s[i]-'0')
	}
	return v
}

func (cv *coverage) tin(t string) bool {
	return cv.tins.has(atou(t))
}

func (cv *coverage) pair(npi, tin string) bool {
	return cv.pairs.has(pairNumber(npi, tin))
}

// pairNumber packs a valid NPI (10 digits) and TIN (9 digits) into one number, as an
// individual's model.EntityKey packs them (EntityKey.Packed).
func pairNumber(npi, tin string) uint64 { return atou(tin)*model.PairTINScale + atou(npi) }

// has reports whether the entity has clinicians.
func (cv *coverage) has(k model.EntityKey) bool {
	switch k.Level() {
	case model.LevelIndividual:
		p, ok := k.Packed() // a clinicians row's NPI and TIN are valid: they pack
		return ok && cv.pairs.has(p)
	case model.LevelGroup:
		t, ok := k.Packed()
		return ok && cv.tins.has(t)
	case model.LevelVirtualGroup:
		return cv.vgs[k.VirtualGroupID()]
	case model.LevelSubgroup:
		return cv.sgs[k.SubgroupID()]
	case model.LevelAPMEntity:
		return cv.apms[k.APMEntityID()]
	}
	return false
}

// newCoverage returns the TINs and NPI/TINs of the accepted clinicians rows.
func newCoverage(cl []model.Clinician) *coverage {
	cv := &coverage{
		tins:  newKeySet(len(cl) / 4),
		pairs: newKeySet(len(cl)),
		vgs:   make(map[string]bool),
		sgs:   make(map[string]bool),
		apms:  make(map[string]bool),
	}
	var pairs, tins [batch]uint64
	for lo := 0; lo < len(cl); lo += batch {
		b := cl[lo:min(lo+batch, len(cl))]
		for i := range b {
			pairs[i], tins[i] = pairNumber(b[i].NPI, b[i].TIN), atou(b[i].TIN)
		}
		cv.pairs.addAll(pairs[:len(b)])
		cv.tins.addAll(tins[:len(b)])
	}
	return cv
}

// coveredEach reports, for each of n rows, whether the entity it names (key(i)) has
// clinicians: the same as has, with the individuals and groups looked up a batch at a time
// (keySet.hasAll).
func (cv *coverage) coveredEach(n int, key func(i int) *model.EntityKey) []bool {
	out := make([]bool, n)
	var (
		pairs, tins     [batch]uint64
		pairAt, tinAt   [batch]int
		hasPair, hasTIN [batch]bool
	)
	for lo := 0; lo < n; lo += batch {
		np, nt := 0, 0
		for i := lo; i < min(lo+batch, n); i++ {
			k := key(i)
			p, packed := k.Packed()
			switch {
			case packed && k.Is(model.LevelIndividual):
				pairs[np], pairAt[np] = p, i
				np++
			case packed: // a group
				tins[nt], tinAt[nt] = p, i
				nt++
			default:
				out[i] = cv.has(*k)
			}
		}
		cv.pairs.hasAll(pairs[:np], hasPair[:np])
		for j := range np {
			out[pairAt[j]] = hasPair[j]
		}
		cv.tins.hasAll(tins[:nt], hasTIN[:nt])
		for j := range nt {
			out[tinAt[j]] = hasTIN[j]
		}
	}
	return out
}

// submissionIDs maps the submissions' IDs to their rows' positions in rows.
func submissionIDs(rows []model.Submission) *idIndex {
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].SubmissionID
	}
	x := newIDIndex(len(rows))
	x.addAll(ids)
	return x
}

// crossCheck runs the checks that need several tables, moving rows from accepted to rejected
// (and adding warnings for kept rows), keeping each table's stats right. cv is what the
// clinicians cover (newCoverage) and subs the IDs of the submissions as read (submissionIDs),
// either nil to make it here.
func crossCheck(in *model.Inputs, runs []*tableRun, cv *coverage, subs *idIndex, workers int) {
	run := func(table string) *tableRun { return runs[slices.Index(model.InputTables, table)] }
	if cv == nil {
		cv = newCoverage(in.Clinicians)
	}

	warn := func(r *tableRun, row int, column, value, code, msg string) {
		r.rejects = append(r.rejects, model.Reject{Severity: model.SeverityWarning, Table: r.table, File: r.file,
			Row: row, Column: column, Value: value, Code: code, Message: msg})
	}
	for _, g := range in.Groups {
		if !cv.tin(g.TIN) {
			warn(run(model.TableGroups), g.Row, "tin", g.TIN, CodeGroupNoClinicians,
				fmt.Sprintf("TIN %s has no rows in clinicians", g.TIN))
		}
	}
	for _, m := range in.VirtualGroups {
		if cv.tin(m.TIN) {
			cv.vgs[m.VirtualGroupID] = true
		} else {
			warn(run(model.TableVirtualGroups), m.Row, "tin", m.TIN, CodeMemberNoClinicians,
				fmt.Sprintf("virtual group %s member TIN %s has no rows in clinicians", m.VirtualGroupID, m.TIN))
		}
	}
	for _, m := range in.Subgroups {
		if cv.pair(m.NPI, m.TIN) {
			cv.sgs[m.SubgroupID] = true
		} else {
			warn(run(model.TableSubgroups), m.Row, "npi", m.NPI, CodeMemberNoClinicians,
				fmt.Sprintf("subgroup %s member NPI %s / TIN %s has no row in clinicians", m.SubgroupID, m.NPI, m.TIN))
		}
	}
	for _, p := range in.APMEntities {
		hasTIN := cv.tin(p.TIN)
		if hasTIN {
			cv.apms[p.APMEntityID] = true
		}
		switch {
		case p.NPI == "" && !hasTIN:
			warn(run(model.TableAPMEntities), p.Row, "tin", p.TIN, CodeMemberNoClinicians,
				fmt.Sprintf("APM Entity %s participant TIN %s has no rows in clinicians", p.APMEntityID, p.TIN))
		case p.NPI != "" && !cv.pair(p.NPI, p.TIN):
			warn(run(model.TableAPMEntities), p.Row, "npi", p.NPI, CodeMemberNoClinicians,
				fmt.Sprintf("APM Entity %s participant NPI %s / TIN %s has no row in clinicians", p.APMEntityID, p.NPI, p.TIN))
		}
	}

	// Entity references: rows naming an entity with no clinicians are rejected. The four
	// tables are checked at once (each changes only its own rows and rejects).
	checks := []func(){
		func() {
			covered := cv.coveredEach(len(in.Exceptions), func(i int) *model.EntityKey { return &in.Exceptions[i].Entity })
			in.Exceptions = dropRows(run(model.TableExceptions), in.Exceptions, func(i int, r *model.Exception) (int, *model.Reject) {
				return r.Row, noClinicians(covered[i], r.Entity)
			})
		},
		func() {
			// The submissions, then the measurements of a submission that is not accepted.
			covered := cv.coveredEach(len(in.Submissions), func(i int) *model.EntityKey { return &in.Submissions[i].Entity })
			in.Submissions = dropRows(run(model.TableSubmissions), in.Submissions, func(i int, r *model.Submission) (int, *model.Reject) {
				return r.Row, noClinicians(covered[i], r.Entity)
			})
			// subs, made as the table was read, holds the positions of the rows as read:
			// where each is now, -1 if dropped.
			var moved []int32
			if subs == nil {
				subs = submissionIDs(in.Submissions)
			} else {
				moved = make([]int32, len(covered))
				kept := int32(0)
				for i, c := range covered {
					moved[i] = -1
					if c {
						moved[i] = kept
						kept++
					}
				}
			}
			dropUnknownSubmissions(&in.Measurements, run(model.TableMeasurements), subs, moved, len(in.Submissions))
		},
		func() {
			covered := cv.coveredEach(len(in.Scores), func(i int) *model.EntityKey { return &in.Scores[i].Entity })
			in.Scores = dropRows(run(model.TableScores), in.Scores, func(i int, r *model.Score) (int, *model.Reject) {
				return r.Row, noClinicians(covered[i], r.Entity)
			})
		},
		func() {
			covered := cv.coveredEach(len(in.CostMeasures), func(i int) *model.EntityKey { return &in.CostMeasures[i].Entity })
			in.CostMeasures = dropRows(run(model.TableCostMeasures), in.CostMeasures, func(i int, r *model.CostMeasure) (int, *model.Reject) {
				return r.Row, noClinicians(covered[i], r.Entity)
			})
		},
	}
	var g errgroup.Group
	g.SetLimit(max(workers, 1))
	for _, check := range checks {
		g.Go(func() error { check(); return nil })
	}
	g.Wait()
}

// dropUnknownSubmissions drops the measurements of a submission not in subs (the accepted
// submissions' IDs and their positions, translated by moved when not nil), and records in
// m.SubmissionRows where each of m.SubmissionIDs is among the n accepted submissions: each run
// of rows of one submission is looked up once.
func dropUnknownSubmissions(m *model.Measurements, r *tableRun, subs *idIndex, moved []int32, n int) {
	rows := make([]int32, len(m.SubmissionIDs))
	subs.findAll(m.SubmissionIDs, rows)
	unknown := false
	for i, p := range rows {
		if p >= 0 && moved != nil {
			p = moved[p]
			rows[i] = p
		}
		unknown = unknown || p < 0
	}
	m.SubmissionRows, m.SubmissionRowsOf = rows, n
	if r == nil || !unknown {
		return
	}
	m.KeepRuns(func(run int) bool { return rows[run] >= 0 }, func(row, run int) {
		id := m.SubmissionIDs[run]
		r.rejects = append(r.rejects, model.Reject{Severity: model.SeverityError, Table: r.table, File: r.file,
			Row: row, Column: "submission_id", Value: id, Code: CodeUnknownSubmission,
			Message: fmt.Sprintf("submission %s is not an accepted row of submissions", id)})
		r.stat.RowsAccepted--
		r.stat.RowsRejected++
	})
}

// noClinicians returns the entity.no_clinicians reject of a row naming k, or nil when covered
// (what coveredEach found for it).
func noClinicians(covered bool, k model.EntityKey) *model.Reject {
	if covered {
		return nil
	}
	r := &model.Reject{Code: CodeEntityNoClinicians}
	switch k.Level() {
	case model.LevelIndividual:
		r.Column, r.Value = "npi", k.NPI()
		r.Message = fmt.Sprintf("individual NPI %s / TIN %s has no row in clinicians", k.NPI(), k.TIN())
	case model.LevelGroup:
		r.Column, r.Value = "tin", k.TIN()
		r.Message = fmt.Sprintf("group TIN %s has no rows in clinicians", k.TIN())
	case model.LevelVirtualGroup:
		r.Column, r.Value = "virtual_group_id", k.VirtualGroupID()
		r.Message = fmt.Sprintf("virtual group %s has no member TIN with rows in clinicians (see virtual_groups)", k.VirtualGroupID())
	case model.LevelSubgroup:
		r.Column, r.Value = "subgroup_id", k.SubgroupID()
		r.Message = fmt.Sprintf("subgroup %s has no member NPI/TIN in clinicians (see subgroups)", k.SubgroupID())
	case model.LevelAPMEntity:
		r.Column, r.Value = "apm_entity_id", k.APMEntityID()
		r.Message = fmt.Sprintf("APM Entity %s has no participant TIN with rows in clinicians (see apm_entities)", k.APMEntityID())
	}
	return r
}

// dropRows removes the rows check rejects, in place, recording the rejects in r. check is given
// each row's index in rows as passed.
func dropRows[T any](r *tableRun, rows []T, check func(int, *T) (int, *model.Reject)) []T {
	if r == nil {
		return rows
	}
	kept := rows[:0]
	for i := range rows {
		row, rej := check(i, &rows[i])
		if rej == nil {
			kept = append(kept, rows[i])
			continue
		}
		rej.Severity = model.SeverityError
		rej.Table, rej.File, rej.Row = r.table, r.file, row
		r.rejects = append(r.rejects, *rej)
		r.stat.RowsAccepted--
		r.stat.RowsRejected++
	}
	clear(rows[len(kept):])
	return kept
}
