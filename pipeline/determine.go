package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"unsafe"

	"golang.org/x/sync/errgroup"

	"reweigh/bufpool"
	"reweigh/model"
	"reweigh/ordered"
	"reweigh/rules"
)

// Result is what the determination stage produced.
type Result struct {
	// Determinations are the rows of the determinations table, in output order; nil when
	// they were streamed to a writer instead (Run). So are ClinicianScores.
	Determinations  []model.Determination
	APMParticipants []model.APMParticipantResult
	ClinicianScores []model.ClinicianScore
	Members         []model.Member
	Notes           []string
	NoPolicyRows    int   // rows flagged weights.no_policy_row
	Tally           Tally // counts of the determinations rows, for the run summary
}

// Tally counts determinations rows for a run's summary.
type Tally struct {
	Rows       int
	ByLevel    map[string]int                      // "level/pathway" -> rows
	Weights    map[[model.NumCategories]int]int    // quality, cost, ia, pi weights -> rows
	Statuses   map[string]int                      // small_practice, hospital_based, ... -> rows with the status
	Categories [model.NumCategories]map[string]int // category status (scored, ...) -> rows
}

// tally counts determinations rows as they are made, by small integer keys (a national run
// counts two million rows, on the one goroutine that takes the rows in order), and gives the
// Tally at the end. The weights are counted by one packed number, and the three usual category
// statuses in an array: maps keyed by the weights array and by the status strings, five
// lookups a row, took 0.3 s of CPU nationally.
type tally struct {
	rows       int
	byLevel    map[[2]string]int
	weights    map[uint32]*weightCount          // packWeights -> the weights and their rows
	oddWeights map[[model.NumCategories]int]int // weights packWeights cannot pack -> rows
	statuses   [5]int
	categories [model.NumCategories][len(tallyCategoryStatuses)]int
	otherCats  [model.NumCategories]map[string]int // any other category status -> rows
	last       [2]string                           // the previous row's level and pathway, and its count so far
	lastN      int
}

var (
	tallyStatuses         = [5]string{"small_practice", "hospital_based", "non_patient_facing", "asc_based", "final_score_at_threshold"}
	tallyCategoryStatuses = [3]string{model.CategoryScored, model.CategoryReweighted, model.CategoryOverridden}
)

// weightCount is one combination of weights and the rows that have it.
type weightCount struct {
	w [model.NumCategories]int
	n int
}

// packWeights packs four weights (percents, 0-100) into one number, 8 bits each; ok is false
// when one is outside 0-255.
func packWeights(w [model.NumCategories]int) (k uint32, ok bool) {
	for _, v := range w {
		if v < 0 || v > 255 {
			return 0, false
		}
		k = k<<8 | uint32(v)
	}
	return k, true
}

func (t *tally) add(rows []model.Determination) {
	if t.byLevel == nil {
		t.byLevel, t.weights = map[[2]string]int{}, map[uint32]*weightCount{}
	}
	for i := range rows {
		d := &rows[i]
		t.rows++
		if k := [2]string{string(d.Level), string(d.Pathway)}; k == t.last {
			t.lastN++
		} else {
			t.flush()
			t.last, t.lastN = k, 1
		}
		if k, ok := packWeights(d.Weights); ok {
			wc := t.weights[k]
			if wc == nil {
				wc = &weightCount{w: d.Weights}
				t.weights[k] = wc
			}
			wc.n++
		} else {
			if t.oddWeights == nil {
				t.oddWeights = map[[model.NumCategories]int]int{}
			}
			t.oddWeights[d.Weights]++
		}
		for _, c := range model.Categories {
			switch st := d.Status[c]; st {
			case model.CategoryScored:
				t.categories[c][0]++
			case model.CategoryReweighted:
				t.categories[c][1]++
			case model.CategoryOverridden:
				t.categories[c][2]++
			default:
				if t.otherCats[c] == nil {
					t.otherCats[c] = map[string]int{}
				}
				t.otherCats[c][st]++
			}
		}
		for j, on := range [5]bool{d.SmallPractice, d.HospitalBased, d.NonPatientFacing, d.ASCBased, d.FinalScoreAtThreshold} {
			if on {
				t.statuses[j]++
			}
		}
	}
}

func (t *tally) flush() {
	if t.lastN > 0 {
		t.byLevel[t.last] += t.lastN
		t.lastN = 0
	}
}

// result returns the counts as a Tally.
func (t *tally) result() Tally {
	t.flush()
	r := Tally{Rows: t.rows, ByLevel: map[string]int{}, Weights: map[[model.NumCategories]int]int{}, Statuses: map[string]int{}}
	for k, n := range t.byLevel {
		r.ByLevel[k[0]+"/"+k[1]] += n
	}
	for _, wc := range t.weights {
		r.Weights[wc.w] = wc.n
	}
	for w, n := range t.oddWeights {
		r.Weights[w] = n
	}
	for j, n := range t.statuses {
		if n > 0 {
			r.Statuses[tallyStatuses[j]] = n
		}
	}
	for c := range r.Categories {
		r.Categories[c] = map[string]int{}
		for j, n := range t.categories[c] {
			if n > 0 {
				r.Categories[c][tallyCategoryStatuses[j]] = n
			}
		}
		for st, n := range t.otherCats[c] {
			r.Categories[c][st] = n
		}
	}
	return r
}

// shardSize is how many entities one worker evaluates at a time.
const shardSize = 2048

// Determine applies the year's rules to every entity in the inputs. Work is split into shards
// evaluated by at most workers goroutines; the output is the same whatever workers is.
// Determine sorts in.Clinicians in place (by TIN, NPI, segment) and leaves the rest of in as
// it was.
func Determine(ctx context.Context, y *rules.Year, in *model.Inputs, areas *rules.Areas, workers int) (*Result, error) {
	return determine(ctx, y, in, areas, workers, nil, sinks{})
}

// sinks take the rows of the tables a run streams to its output files, in output order, a
// shard at a time, as they are made; each must copy what it keeps (the slice is reused). A nil
// sink means the rows are kept in the Result.
type sinks struct {
	determinations  func([]model.Determination) error
	clinicianScores func([]model.ClinicianScore) error
	// determinationsDone, when not nil, is called once the last determinations row has gone
	// to determinations (a run closes the file there), beside the clinician scores.
	determinationsDone func() error
	// levelsDone, when not nil, gets the APM participants and members once they are decided,
	// before the clinician scores (a run starts writing their files there). They are also in
	// the Result, and must not be changed.
	levelsDone func(participants []model.APMParticipantResult, members []model.Member) error
}

// determine is Determine. indexed, when not nil (Run), is called once the index is built, and
// the input tables only the index needs are consumed: dropped from in as they are filed (see
// buildIndex), and the clinicians rows once what they say is worked out (clinicianFacts), just
// before indexed is called. Rows with a sink go to it (and are not kept in the Result).
func determine(ctx context.Context, y *rules.Year, in *model.Inputs, areas *rules.Areas, workers int, indexed func(), out sinks) (res *Result, err error) {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	ix, err := buildIndex(ctx, y, in, areas, workers, indexed != nil)
	if err != nil {
		return nil, err
	}
	notes := ix.notes(in)

	// Small practice per TIN, needed by every individual of the TIN, and what each
	// individual's clinicians rows say: all that is read of the rows.
	tins := make([]tinFacts, len(ix.tins))
	err = parallel(ctx, workers, len(tins), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			tins[i] = ix.tinFacts(&ix.tins[i])
		}
	})
	if err != nil {
		return nil, err
	}
	// The individuals' NPIs are copied, shard by shard, next to one another in the individuals'
	// order: read, they are scattered over the read's arenas in the input's row order, and
	// every row written for an individual (its determinations, clinician scores, members and
	// participants rows) reads its NPI's bytes, in that order, a cache miss each. About 0.2 s
	// less CPU in a national run, for 15 MB. (Copying the TINs too, a TIN's string shared by
	// its individuals, who come one after another, made no difference.)
	facts := make([]clinicianFacts, len(ix.individuals))
	err = parallel(ctx, workers, len(facts), func(lo, hi int) {
		n := 0
		for i := lo; i < hi; i++ {
			n += len(ix.individuals[i].npi)
		}
		npis := make([]byte, 0, n)
		for i := lo; i < hi; i++ {
			ind := &ix.individuals[i]
			facts[i] = ix.clinicianFactsOf(ix.rowsOf(i))
			at := len(npis)
			npis = append(npis, ind.npi...)
			if len(ind.npi) > 0 {
				ind.npi = unsafe.String(&npis[at], len(ind.npi))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if indexed != nil {
		// A run drops the clinicians rows (the largest table, a third of a gigabyte at
		// national scale) before anything is decided: the collection in indexed takes them
		// with the tables the index consumed.
		ix.rowStart = nil
		in.Clinicians = nil
		indexed()
	}
	if err := ix.locateInfos(ctx, workers); err != nil {
		return nil, err
	}

	res = &Result{}
	sink := out.determinations
	if sink == nil {
		// Every individual and group has at least one row.
		res.Determinations = make([]model.Determination, 0, len(ix.individuals)+len(ix.tins))
	}
	var counts tally
	emit := func(rows []model.Determination) error {
		counts.add(rows)
		for i := range rows {
			if hasFlag(rows[i].Flags, rules.FlagNoPolicyRow) {
				res.NoPolicyRows++
			}
		}
		if sink == nil {
			res.Determinations = append(res.Determinations, rows...)
			return nil
		}
		return sink(rows)
	}
	// Individuals, then groups, are decided in parallel shards; each shard's rows (one per
	// pathway of each entity) go to emit in order, and their buffer is reused.
	var free bufpool.Slices[model.Determination] // the shards' row buffers, recycled
	inds := make([]indivResult, len(ix.individuals))
	err = decideInShards(ctx, workers, len(inds), &free, emit,
		func(i int) int { return len(ix.infoOf(&ix.individuals[i]).pathwaysOr(model.PathwayTraditional)) },
		func(i int, dst []model.Determination) {
			ind := &ix.individuals[i]
			inds[i] = ix.decideIndividual(ind, &facts[i], tins[ind.tinAt], dst)
		})
	if err != nil {
		return nil, err
	}
	groups := make([]groupFacts, len(ix.tins))
	err = decideInShards(ctx, workers, len(groups), &free, emit,
		func(i int) int { return len(ix.tinInfo(int32(i)).pathwaysOr(model.PathwayTraditional)) },
		func(i int, dst []model.Determination) { groups[i] = ix.decideGroup(int32(i), tins[i], inds, dst) })
	if err != nil {
		return nil, err
	}
	lv, err := ix.decideLevels(ctx, workers, tins, inds, groups)
	if err != nil {
		return nil, err
	}
	if err := emit(lv.rows); err != nil {
		return nil, err
	}
	res.APMParticipants = lv.participants
	res.Members = lv.members
	if out.levelsDone != nil {
		if err := out.levelsDone(lv.participants, lv.members); err != nil {
			return nil, err
		}
	}
	if out.determinationsDone != nil {
		// The determinations file is completed (its last batch and row group encoded, its
		// footer written, the file synced) while the clinician scores are decided.
		done := make(chan error, 1)
		go func() { done <- out.determinationsDone() }()
		defer func() {
			if derr := <-done; err == nil && derr != nil {
				res, err = nil, derr
			}
		}()
	}
	if in.Has(model.TableScores) {
		scores := out.clinicianScores
		if scores == nil {
			res.ClinicianScores = make([]model.ClinicianScore, 0, len(inds))
			scores = func(rows []model.ClinicianScore) error {
				res.ClinicianScores = append(res.ClinicianScores, rows...)
				return nil
			}
		}
		if err := ix.clinicianScores(ctx, workers, inds, groups, lv, scores); err != nil {
			return nil, err
		}
	}
	res.Tally = counts.result()
	res.Notes = append(res.Notes, notes...)
	return res, nil
}

// decideInShards decides entities 0..n-1 in shards of shardSize on at most workers
// goroutines: decide(i, dst) writes entity i's rows (rowsOf(i) of them, one per pathway) into
// dst, a shard's rows share one buffer from free, and emit gets each shard's rows in order.
func decideInShards[T any](ctx context.Context, workers, n int, free *bufpool.Slices[T], emit func([]T) error,
	rowsOf func(i int) int, decide func(i int, dst []T)) error {
	shards := (n + shardSize - 1) / shardSize
	return ordered.Do(ctx, workers, shards, func(_ context.Context, s int) []T {
		lo, hi := s*shardSize, min((s+1)*shardSize, n)
		at := make([]int, hi-lo+1) // where each entity's rows start in the shard's buffer
		for i := lo; i < hi; i++ {
			at[i-lo+1] = at[i-lo] + rowsOf(i)
		}
		rows := free.Get(at[hi-lo])
		for i := lo; i < hi; i++ {
			decide(i, rows[at[i-lo]:at[i-lo+1]])
		}
		return rows
	}, func(_ int, rows []T) error {
		err := emit(rows)
		free.Put(rows)
		return err
	}, nil)
}

// parallel runs fn over [0, n) in shards with at most workers goroutines (errgroup + SetLimit).
// With workers = 1 it is the same code path with a limit of one.
func parallel(ctx context.Context, workers, n int, fn func(lo, hi int)) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for lo := 0; lo < n && gctx.Err() == nil; lo += shardSize {
		hi := min(lo+shardSize, n)
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			fn(lo, hi)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

type tinFacts struct {
	small, smallGiven bool
	clinicians        int // distinct NPIs listed for the TIN
}

// tinFacts decides small practice for a TIN (rules.md status.small_practice): a given
// groups.small_practice wins; else groups.clinician_count; else the distinct NPIs listed, per
// segment when segments are given (15 or fewer in either segment).
func (ix *index) tinFacts(t *tinIndex) tinFacts {
	f := tinFacts{clinicians: len(t.members)}
	if g := ix.groups[t.tin]; g != nil {
		if g.SmallPractice.Valid {
			f.small, f.smallGiven = g.SmallPractice.V, true
			return f
		}
		if g.ClinicianCount.Valid {
			f.small = ix.year.SmallPractice(g.ClinicianCount.V)
			return f
		}
	}
	var bySegment [3]int64
	var seen [3]bool
	for _, m := range t.members {
		var in [3]bool
		for _, r := range ix.rowsOf(m) {
			in[r.Segment] = true
			seen[r.Segment] = true
		}
		for s := 1; s <= 2; s++ {
			if in[s] || in[0] {
				bySegment[s]++
			}
		}
	}
	if !seen[1] && !seen[2] {
		f.small = ix.year.SmallPractice(int64(len(t.members)))
		return f
	}
	for s := 1; s <= 2; s++ {
		if seen[s] && ix.year.SmallPractice(bySegment[s]) {
			f.small = true
		}
	}
	return f
}

// indivResult is what deciding an individual found that its group, virtual group, subgroup and
// APM Entity need. The small fields come first, together (48 bytes, not 64, for each of a
// national run's 1.5 million individuals).
type indivResult struct {
	status    rules.IndividualStatus
	eligible  bool
	piReweigh bool // qualifies for PI reweighting as an individual (group.all_clinicians_reweighted)
	autoEUC   bool
	neutral   bool // every row is at the performance threshold
	// piReason is the first reason PI is reweighted for the individual (automatic status or
	// clinician type, else an approved individual PI hardship), "" when none.
	piReason string
	best     model.OptFloat // the highest final score of its rows
}

// individualKey and groupKey are the index keys of an individual and a group.
func individualKey(npi, tin string) ekey {
	return ek(model.IndividualKey(npi, tin))
}

func groupKey(tin string) ekey { return ek(model.GroupKey(tin)) }

// clinicianFacts is what the clinicians rows of one NPI/TIN say (over its segments): worked out
// for every individual before any is decided, so that a run can drop the rows first.
type clinicianFacts struct {
	status        rules.IndividualStatus
	eligible      bool   // MIPS eligible in either segment
	autoEUC       bool   // a given auto_euc flag (either segment), else the practice in an automatic EUC area
	clinicianType string // the first row's that gives one
}

// clinicianFactsOf works out the clinicianFacts of one individual from its rows.
func (ix *index) clinicianFactsOf(rows []model.Clinician) clinicianFacts {
	f := clinicianFacts{status: ix.year.Individual(rows)}
	var autoGiven bool
	for i := range rows {
		row := &rows[i]
		f.eligible = f.eligible || row.MIPSEligible
		if f.clinicianType == "" {
			f.clinicianType = row.ClinicianType
		}
		if row.AutoEUC.Valid {
			if !autoGiven {
				f.autoEUC = false
			}
			autoGiven = true
			f.autoEUC = f.autoEUC || row.AutoEUC.V
		} else if !autoGiven && ix.areas != nil {
			if ok, _ := ix.areas.Match(row.Practice.Address()); ok {
				f.autoEUC = true
			}
		}
	}
	return f
}

// decideIndividual decides one NPI/TIN, writing its determination rows (one per pathway, as
// pathwaysOf lists them) into dst.
func (ix *index) decideIndividual(ind *individual, cf *clinicianFacts, tf tinFacts, dst []model.Determination) indivResult {
	y := ix.year
	r := indivResult{status: cf.status, eligible: cf.eligible, autoEUC: cf.autoEUC}
	piAuto := y.IndividualPIReasons(r.status, tf.small, cf.clinicianType)
	inf := ix.infoOf(ind)
	apps := inf.applications()
	r.piReweigh = len(piAuto) > 0
	if len(piAuto) > 0 {
		r.piReason = piAuto[0]
	}
	for _, a := range apps {
		if a.Type == model.ExceptionPIHardship {
			r.piReweigh = true
			if r.piReason == "" {
				r.piReason = rules.IDPIHardship + ":" + a.ID
			}
		}
	}
	smallFlag := rules.Flag{Value: tf.small, Given: tf.smallGiven, Derived: !tf.smallGiven}
	base := model.Determination{
		Level:            model.LevelIndividual,
		NPI:              ind.npi,
		TIN:              ix.tinOf(ind),
		MIPSEligible:     r.eligible,
		ClinicianCount:   1,
		SmallPractice:    tf.small,
		HospitalBased:    r.status.HospitalBased.Value,
		NonPatientFacing: r.status.NonPatientFacing.Value,
		ASCBased:         r.status.ASCBased.Value,
		StatusSource:     rules.Source(r.status.HospitalBased, r.status.NonPatientFacing, r.status.ASCBased, smallFlag),
	}
	for j, p := range inf.pathwaysOr(model.PathwayTraditional) {
		f := rules.Facts{
			Level:          model.LevelIndividual,
			Pathway:        p,
			SmallPractice:  tf.small,
			PIAutomatic:    piAuto,
			Applications:   apps,
			AutoEUC:        cf.autoEUC,
			InAPM:          ind.inAPM,
			CostReweighted: ix.costReasonsOf(inf),
			Data:           inf.qualifying(p),
		}
		dst[j] = ix.rowScored(base, p, &f, inf.scores())
	}
	r.best, r.neutral = bestScore(dst), neutralOnly(dst)
	return r
}

// row decides one entity and pathway and fills the determinations row, with the final score
// from the entity's scores row.
func (ix *index) row(base model.Determination, k ekey, p model.Pathway, f *rules.Facts) model.Determination {
	return ix.rowScored(base, p, f, ix.scoresOf(k))
}

func (ix *index) rowScored(base model.Determination, p model.Pathway, f *rules.Facts, sc *model.CategoryScores) model.Determination {
	y := ix.year
	d := y.Decide(f)
	row := base
	row.Pathway = p
	y.Apply(&d, &row)
	score, missing := y.FinalScore(&d, sc)
	row.FinalScore = score
	if missing {
		row.Flags = joinFlags(row.Flags, rules.FlagMissingScore)
	}
	return row
}

// groupFacts is what a group's determination decided that its subgroups inherit.
type groupFacts struct {
	piAuto []string
	apps   []rules.Application
	best   model.OptFloat // the highest final score of its rows
}

// statusCounts counts the statuses of a set of individuals for the >75% rules and the
// all-clinicians rule.
type statusCounts struct {
	n, hb, npf, asc, eligible, reweighted int
}

func (c *statusCounts) add(r *indivResult) {
	c.n++
	if r.status.HospitalBased.Value {
		c.hb++
	}
	if r.status.NonPatientFacing.Value {
		c.npf++
	}
	if r.status.ASCBased.Value {
		c.asc++
	}
	if r.eligible {
		c.eligible++
		if r.piReweigh {
			c.reweighted++
		}
	}
}

// groupPIReasons lists why PI is reweighted automatically for a group or virtual group
// (rules.md section 2), in the order of the rules.
func groupPIReasons(g *model.Determination, c statusCounts) []string {
	var piAuto []string
	if g.ASCBased {
		piAuto = append(piAuto, rules.IDGroupASCBased)
	}
	if g.SmallPractice {
		piAuto = append(piAuto, rules.IDGroupSmallPractice)
	}
	if g.HospitalBased {
		piAuto = append(piAuto, rules.IDGroupHospitalBased)
	}
	if g.NonPatientFacing {
		piAuto = append(piAuto, rules.IDGroupNonPatientFace)
	}
	if c.eligible > 0 && c.reweighted == c.eligible {
		piAuto = append(piAuto, rules.IDGroupAllReweighted)
	}
	return piAuto
}

// shareStatuses fills the >75% statuses and shares of a group-like row.
func (ix *index) shareStatuses(g *model.Determination, c statusCounts) {
	y := ix.year
	g.ClinicianCount = c.n
	g.MIPSEligible = c.eligible > 0
	g.HospitalBased = y.GroupShare(c.hb, c.n)
	g.NonPatientFacing = y.GroupShare(c.npf, c.n)
	g.ASCBased = y.GroupShare(c.asc, c.n)
	g.HospitalBasedShare = share(c.hb, c.n)
	g.NonPatientFacingShare = share(c.npf, c.n)
	g.ASCBasedShare = share(c.asc, c.n)
}

// decideGroup decides one TIN as a group, writing its determination rows into dst.
func (ix *index) decideGroup(ti int32, tf tinFacts, inds []indivResult, dst []model.Determination) groupFacts {
	g, c := ix.groupBase(ti, tf, inds)
	piAuto := groupPIReasons(&g, c)
	inf := ix.tinInfo(ti)
	gf := groupFacts{piAuto: piAuto, apps: inf.applications()}
	for j, p := range inf.pathwaysOr(model.PathwayTraditional) {
		f := rules.Facts{
			Level:          model.LevelGroup,
			Pathway:        p,
			SmallPractice:  tf.small,
			PIAutomatic:    piAuto,
			Applications:   gf.apps,
			CostReweighted: ix.costReasonsOf(inf),
			Data:           inf.qualifying(p),
		}
		dst[j] = ix.rowScored(g, p, &f, inf.scores())
	}
	gf.best = bestScore(dst)
	return gf
}

// groupBase is the start of TIN ti's group rows: its statuses after the >75% rules, their
// shares and source, and the counts they came from. Subgroups start from it too; it is worked
// out again for them rather than kept for every group (a row of 500 bytes for each of 300,000
// TINs at national scale, for a few thousand subgroups).
func (ix *index) groupBase(ti int32, tf tinFacts, inds []indivResult) (model.Determination, statusCounts) {
	t := &ix.tins[ti]
	var c statusCounts
	for _, m := range t.members {
		c.add(&inds[m])
	}
	g := model.Determination{Level: model.LevelGroup, TIN: t.tin, SmallPractice: tf.small, StatusSource: "derived"}
	ix.shareStatuses(&g, c)
	if tf.smallGiven {
		g.StatusSource = "mixed"
	}
	return g, c
}

func share(count, n int) model.OptFloat {
	if n == 0 {
		return model.OptFloat{}
	}
	return model.OptFloat{V: float64(count) / float64(n), Valid: true}
}

func joinFlags(have, add string) string {
	if have == "" {
		return add
	}
	return have + ";" + add
}

// hasFlag reports whether f is one of the ;-separated flags (checked for every row: no
// allocation).
func hasFlag(flags, f string) bool {
	for flags != "" {
		var one string
		one, flags, _ = strings.Cut(flags, ";")
		if one == f {
			return true
		}
	}
	return false
}

// notes says, for the manifest, what the run assumed and counted.
func (ix *index) notes(in *model.Inputs) []string {
	var notes []string
	if !ix.costGiven {
		notes = append(notes, "cost_measures not given: cost counts as scored for every entity")
	}
	if !in.Has(model.TableScores) {
		notes = append(notes, "scores not given: final_score is the performance threshold where final_score_at_threshold, null elsewhere")
	}
	if ix.areas != nil {
		z, c := ix.areas.Len()
		notes = append(notes, fmt.Sprintf("automatic EUC areas: %s (%d ZIP codes, %d counties)", ix.areas.Source, z, c))
	}
	if in.Has(model.TableExceptions) {
		counts := ix.exceptionStatuses
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := "exceptions by status (only approved change anything):"
		for _, k := range keys {
			s += fmt.Sprintf(" %s=%d", k, counts[k])
		}
		notes = append(notes, s)
	}
	return notes
}
