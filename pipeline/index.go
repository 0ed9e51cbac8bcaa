package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"reweigh/model"
	"reweigh/prefault"
	"reweigh/radix"
	"reweigh/rules"
)

// ekey is the key of an entity inside the index: its model.EntityKey (an individual's NPI/TIN
// and a group's TIN already packed into a number, so the maps hash a few bytes), with a
// subgroup's TIN left out, so keys from different tables compare equal (ek).
type ekey = model.EntityKey

// ek returns the index key of an entity key.
func ek(e model.EntityKey) ekey {
	if e.Is(model.LevelSubgroup) {
		return model.SubgroupKey(e.SubgroupID(), "")
	}
	return e
}

// entityMap maps entity keys to positions in index.infos, for every entity but the individuals
// with valid IDs (whose information fileIndividuals files on them). Groups whose TINs pack into
// a number (nearly all of a national run's hundreds of thousands) are found in a map keyed by
// that number, which hashes and compares a machine word; the rest by the whole key.
type entityMap struct {
	groups map[uint64]int32 // TIN
	others map[ekey]int32
}

// newEntityMap returns an empty map with room for about groups groups: grown one insert at a
// time, a national run's maps rehashed for about a tenth of a second.
func newEntityMap(groups int) entityMap {
	return entityMap{groups: make(map[uint64]int32, groups), others: make(map[ekey]int32)}
}

func (m *entityMap) get(k ekey) (int32, bool) {
	if t, ok := k.Packed(); ok && k.Is(model.LevelGroup) {
		i, ok := m.groups[t]
		return i, ok
	}
	i, ok := m.others[k]
	return i, ok
}

func (m *entityMap) put(k ekey, i int32) {
	if t, ok := k.Packed(); ok && k.Is(model.LevelGroup) {
		m.groups[t] = i
		return
	}
	m.others[k] = i
}

// individual is one NPI/TIN. Its TIN is its tinIndex's (index.tinOf), its rows (one per
// segment) a window of the sorted clinicians rows (index.rowsOf): 32 bytes for each of a
// national run's 1.5 million individuals, where a TIN and the rows' slice of its own took 72.
type individual struct {
	npi    string
	tinAt  int32 // position of its TIN in index.tins
	infoAt int32 // position of its entityInfo in index.infos, -1 when none (see infoOf)
	inAPM  bool  // a participant of an APM Entity (by NPI/TIN or by its whole TIN)
}

// tinIndex is one TIN: its individuals (indices into index.individuals, sorted by NPI).
type tinIndex struct {
	tin     string
	members []int
	infoAt  int32 // position of the group's entityInfo in index.infos, -1 when none (see tinInfo)
}

// index holds the inputs arranged for lookup by entity.
type index struct {
	year        *rules.Year
	in          *model.Inputs
	individuals []individual // sorted by TIN, NPI
	// Individual m's clinicians rows are in.Clinicians[rowStart[m]:rowStart[m+1]] (sorted by
	// arrangeClinicians); nil once the rows are dropped (determine).
	rowStart []int32
	tins     []tinIndex     // sorted by TIN
	tinPos   map[string]int // TIN -> its position in tins (mapTINs)
	groups   map[string]*model.Group
	apmNamed [][]int // for each apm_entities row, the individuals it names (read only)

	apmEntityEUC map[string]string // apm_entity_id -> approved application ID

	// What the other tables say about each entity, in infos: an individual's at its infoAt
	// (fileIndividuals), any other entity's found with one lookup (entities).
	entities entityMap
	infos    infoStore

	costGiven bool
	// The category scores of the scores rows: the other entities' in their rows' order, then
	// the individuals' in the individuals' order.
	scores []model.CategoryScores

	exceptionStatuses map[string]int // exceptions rows by status, for the run's notes

	areas *rules.Areas
}

// buildIndex arranges the inputs for lookup. The clinicians' order, the submissions'
// qualifying data and the entity information of the other tables are worked out at the same
// time; the submissions are filed once they are qualified.
//
// With consume, each table that only the index needs (measurements, submissions, cost
// measures, exceptions, scores) is dropped from in as soon as it is filed, so that a collection
// during the rest of the work can take it: at national scale they are most of the input rows.
func buildIndex(ctx context.Context, y *rules.Year, in *model.Inputs, areas *rules.Areas, workers int, consume bool) (*index, error) {
	ix := &index{
		year:         y,
		in:           in,
		groups:       make(map[string]*model.Group, len(in.Groups)),
		apmEntityEUC: map[string]string{},
		entities:     newEntityMap(len(in.Groups)),
		areas:        areas,
	}

	// The clinicians are sorted and the submissions qualified (each on its own goroutine, the
	// qualification itself in parallel shards) while this goroutine files what the other
	// tables say about each entity: none of the three reads what the others write.
	var qualifies []bool
	arranged, qualified := make(chan struct{}), make(chan struct{})
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	g.Go(func() error {
		defer close(arranged)
		ix.arrangeClinicians()
		return nil
	})
	g.Go(func() (err error) {
		defer close(qualified)
		qualifies, err = qualifying(gctx, y, in, workers)
		if consume {
			in.Measurements = model.Measurements{}
		}
		return err
	})

	for i := range in.Groups {
		ix.groups[in.Groups[i].TIN] = &in.Groups[i]
	}

	// What the tables say about an individual is filed later, by a merge of these references
	// (sorted by NPI/TIN) with the sorted individuals; everything else is filed now, by entity.
	refs := make([]radix.Item, 0, len(in.Exceptions)+len(in.CostMeasures)+len(in.Scores)+len(in.Submissions))

	// Approved applications by the entity they name (only approved ones change anything).
	ix.exceptionStatuses = map[string]int{}
	for i := range in.Exceptions {
		e := &in.Exceptions[i]
		ix.exceptionStatuses[e.Status]++
		if e.Status != model.StatusApproved {
			continue
		}
		if key, ok := individualRefKey(e.Entity); ok {
			refs = append(refs, radix.Item{Key: key, Tag: refException, Pos: int32(i)})
			continue
		}
		k := ek(e.Entity)
		if k.Is(model.LevelAPMEntity) && e.ExceptionType == model.ExceptionEUC {
			id := k.APMEntityID()
			if _, seen := ix.apmEntityEUC[id]; !seen {
				ix.apmEntityEUC[id] = e.ApplicationID
			}
			continue
		}
		inf := ix.infos.at(ix.infoIndex(k))
		inf.apps = append(inf.apps, rules.Application{ID: e.ApplicationID, Type: e.ExceptionType, Categories: e.Categories})
	}
	if in.Has(model.TableCostMeasures) {
		ix.costGiven = true
		for i := range in.CostMeasures {
			m := &in.CostMeasures[i]
			if m.AttributedCases < m.CaseMinimum {
				continue
			}
			if key, ok := individualRefKey(m.Entity); ok {
				refs = append(refs, radix.Item{Key: key, Tag: refCost, Pos: int32(i)})
				continue
			}
			ix.infos.at(ix.infoIndex(ek(m.Entity))).costMet = true
		}
	}
	// Scores: only the category scores, kept apart from the rows (a third of their size). The
	// other entities' come first, in their rows' order; the individuals' follow once their
	// references are sorted (below). ix.scores never grows past its capacity: the entities
	// hold pointers into it.
	ix.scores = make([]model.CategoryScores, 0, len(in.Scores))
	for i := range in.Scores {
		if key, ok := individualRefKey(in.Scores[i].Entity); ok {
			refs = append(refs, radix.Item{Key: key, Tag: refScore, Pos: int32(i)})
			continue
		}
		ix.scores = append(ix.scores, in.Scores[i].CategoryScores)
		ix.infos.at(ix.infoIndex(ek(in.Scores[i].Entity))).score = &ix.scores[len(ix.scores)-1]
	}
	if consume {
		in.CostMeasures = nil
	}
	// Submissions (filed once qualified) of individuals.
	individualSubmission := make([]bool, len(in.Submissions))
	for i := range in.Submissions {
		if key, ok := individualRefKey(in.Submissions[i].Entity); ok {
			refs = append(refs, radix.Item{Key: key, Tag: refSubmission, Pos: int32(i)})
			individualSubmission[i] = true
		}
	}
	// By NPI/TIN, then by table in the order above, then by row: each individual's
	// applications and submissions are filed in their rows' order, as the other entities' are.
	radix.Sort(refs)
	// The individuals' scores are copied in their references' order, which is the
	// individuals' order, and the references renumbered to the copies: the individuals are
	// decided, and their clinician scores made, in that order, so that each reads its score
	// next to the last one read instead of wherever its row lies in the scores table (a cache
	// miss an individual, twice). The copy's own misses come one after another in a loop that
	// does nothing else, where the processor overlaps them.
	for j := range refs {
		if r := &refs[j]; r.Tag == refScore {
			ix.scores = append(ix.scores, in.Scores[r.Pos].CategoryScores)
			r.Pos = int32(len(ix.scores) - 1)
		}
	}
	if consume {
		in.Scores = nil
	}

	// Submissions of the other entities, once qualified: the clinicians may still be being
	// arranged (the longer of the two).
	<-qualified
	if gctx.Err() == nil {
		var sl filing
		for i := range in.Submissions {
			if !individualSubmission[i] {
				ix.fileSubmission(ix.infos.at(ix.infoIndex(ek(in.Submissions[i].Entity))), &in.Submissions[i], qualifies[i], &sl)
			}
		}
	}
	<-arranged
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// The TINs' map is first looked up below, once the individuals are filed: it is made
	// meanwhile, instead of at the end of arrangeClinicians, the index's longest step, where
	// a national run spent 0.1 s of it with the other core idle.
	var mapped errgroup.Group
	mapped.Go(func() error { ix.mapTINs(); return nil })
	err := ix.fileIndividuals(ctx, workers, refs, qualifies)
	mapped.Wait()
	if err != nil {
		return nil, err
	}
	if consume {
		in.Exceptions, in.Submissions = nil, nil
	}

	// Individuals in an APM Entity: named by NPI/TIN, or every NPI of a TIN named whole. The
	// rows are looked up in parallel shards, each row's individuals kept for apmEntities (a
	// window of its TIN's members, or of one, in ones); then they are marked.
	named := make([][]int, len(in.APMEntities))
	ones := make([]int, len(in.APMEntities))
	err = parallel(ctx, workers, len(in.APMEntities), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			p := &in.APMEntities[i]
			if p.NPI == "" {
				named[i] = ix.membersOfTIN(p.TIN)
			} else if m := ix.individualAt(p.NPI, p.TIN); m >= 0 {
				ones[i] = m
				named[i] = ones[i : i+1 : i+1]
			}
		}
	})
	if err != nil {
		return nil, err
	}
	for _, ms := range named {
		for _, m := range ms {
			ix.individuals[m].inAPM = true
		}
	}
	ix.apmNamed = named
	return ix, nil
}

// The tables that name individuals, in the order their references are filed (a reference's
// radix.Item.Tag).
const (
	refException = iota
	refCost
	refScore
	refSubmission
)

// individualRefKey returns the sort key of an individual named by a valid NPI and TIN (the key
// sortedOrder gives its clinicians rows); ok is false for other levels and other IDs.
func individualRefKey(e model.EntityKey) (uint64, bool) {
	if !e.Is(model.LevelIndividual) {
		return 0, false
	}
	return e.Packed() // radix.PairKey's number (model.PairTINScale)
}

// fileSubmission files a submission in its entity's information: the pathway it reported and,
// when it qualifies, its data in its category. An entity's first pathway, pathway data and
// submission of a category come from sl (see filing).
func (ix *index) fileSubmission(inf *entityInfo, s *model.Submission, qualifies bool, sl *filing) {
	inf.pathways |= pathwayBit(s.Pathway)
	if !qualifies {
		return
	}
	d := inf.dataIn(s.Pathway)
	if d == nil {
		if inf.data == nil {
			inf.data = sl.data.one(pathwayData{pathway: s.Pathway})
		} else {
			inf.data = append(inf.data, pathwayData{pathway: s.Pathway})
		}
		d = &inf.data[len(inf.data)-1].cats
	}
	sub := rules.Submission{ID: s.SubmissionID, Claims: s.Claims}
	if d[s.Category] == nil {
		d[s.Category] = sl.subs.one(sub)
	} else {
		d[s.Category] = append(d[s.Category], sub)
	}
}

// filing hands out the one-element slices most entities' information holds (the data of one
// pathway, one submission of a category) from shared chunks: a national index files
// a million submissions, and one allocation each was about three million small objects to make
// and for the collector to mark. Each slice's capacity is its length, so a second element is
// appended to a copy of its own. A filing is used by one goroutine at a time.
type filing struct {
	data slab[pathwayData]
	subs slab[rules.Submission]
}

// slab hands out one-element slices from chunks that grow from 64 to 4096 elements, so that a
// filing used for a few entities makes little.
type slab[T any] struct {
	free []T
	size int
}

// one returns a slice holding v, of capacity 1.
func (s *slab[T]) one(v T) []T {
	if len(s.free) == 0 {
		s.size = min(max(2*s.size, 64), 4096)
		s.free = make([]T, s.size)
	}
	x := s.free[:1:1]
	x[0] = v
	s.free = s.free[1:]
	return x
}

// fileIndividuals files the references to individuals, sorted by radix.Sort, by merging them
// with the individuals (sorted by TIN, NPI: for valid IDs the order of the keys): one pass over
// both, where a map of NPI/TINs would cost a cache miss a row at national scale (1.2 s of CPU
// for three million references and the individuals' lookups). A reference to an NPI/TIN with no
// clinicians rows names no individual and is dropped: nothing would read it.
//
// The merge is made in parallel shards of individuals, in two passes: the first finds each
// individual's references (or, for invalid IDs, its entry in the map), the second (once the individuals with any have their entityInfo,
// numbered in their order) files them.
func (ix *index) fileIndividuals(ctx context.Context, workers int, refs []radix.Item, qualifies []bool) error {
	in := ix.in
	n := len(ix.individuals)
	lo, hi := make([]int32, n), make([]int32, n) // individual m's references: refs[lo[m]:hi[m]]
	err := parallel(ctx, workers, n, func(a, b int) {
		r := -1
		for m := a; m < b; m++ {
			ind := &ix.individuals[m]
			key, ok := radix.PairKey(ind.npi, ix.tinOf(ind))
			if !ok {
				// Filed by entity (invalid IDs, only through Determine): found in the map.
				if at, found := ix.entities.get(individualKey(ind.npi, ix.tinOf(ind))); found {
					ind.infoAt = at
				}
				continue
			}
			if r < 0 {
				r, _ = slices.BinarySearchFunc(refs, key, func(it radix.Item, k uint64) int { return cmp.Compare(it.Key, k) })
			}
			for r < len(refs) && refs[r].Key < key {
				r++
			}
			first := r
			for r < len(refs) && refs[r].Key == key {
				r++
			}
			lo[m], hi[m] = int32(first), int32(r)
		}
	})
	if err != nil {
		return err
	}
	with := 0
	for m := range n {
		if hi[m] > lo[m] {
			with++
		}
	}
	at := ix.infos.addN(with)
	for m := range n {
		if hi[m] > lo[m] {
			ix.individuals[m].infoAt = at
			at++
		}
	}
	return parallel(ctx, workers, n, func(a, b int) {
		var sl filing
		for m := a; m < b; m++ {
			if hi[m] == lo[m] {
				continue
			}
			inf := ix.infos.at(ix.individuals[m].infoAt)
			for _, ref := range refs[lo[m]:hi[m]] {
				i := ref.Pos
				switch ref.Tag {
				case refException:
					e := &in.Exceptions[i]
					inf.apps = append(inf.apps, rules.Application{ID: e.ApplicationID, Type: e.ExceptionType, Categories: e.Categories})
				case refCost:
					inf.costMet = true
				case refScore:
					inf.score = &ix.scores[i]
				case refSubmission:
					ix.fileSubmission(inf, &in.Submissions[i], qualifies[i], &sl)
				}
			}
		}
	})
}

// pathwaySet is a set of the three pathways, bit i for the i-th in the order an entity's
// determination rows come in (traditional, mvp, app): what an entity reported
// (entityInfo.pathways), in a byte where a slice of them took 24 (two million entities in a
// national index).
type pathwaySet uint8

// pathwayBit is the set of pathway p alone. The readers accept only the three pathways
// (submissions.pathway is an enum); any other panics, as a broken invariant.
func pathwayBit(p model.Pathway) pathwaySet {
	switch p {
	case model.PathwayTraditional:
		return 1
	case model.PathwayMVP:
		return 2
	case model.PathwayAPP:
		return 4
	}
	panic(fmt.Sprintf("pipeline: submission pathway %q is not traditional, mvp or app", p))
}

// pathwayLists are the pathways of each pathwaySet in that order, shared (never modified).
var pathwayLists = [8][]model.Pathway{
	1: {model.PathwayTraditional},
	2: {model.PathwayMVP},
	3: {model.PathwayTraditional, model.PathwayMVP},
	4: {model.PathwayAPP},
	5: {model.PathwayTraditional, model.PathwayAPP},
	6: {model.PathwayMVP, model.PathwayAPP},
	7: {model.PathwayTraditional, model.PathwayMVP, model.PathwayAPP},
}

// arrangeClinicians sorts the clinicians rows by TIN, NPI, segment (in place) and lists the
// individuals, each NPI/TIN a run of rows that it refers to without copying them, and the TINs
// (mapTINs maps them).
func (ix *index) arrangeClinicians() {
	cl := ix.in.Clinicians
	keys := sortClinicians(cl)
	// boundary reports whether row i (in order) begins another individual and another TIN:
	// from the packed keys when sortClinicians made them (the rows' strings are scattered over
	// the read's arenas, and comparing them cost a cache miss a row), else from the strings.
	boundary := func(i int) (newInd, newTIN bool) {
		switch {
		case i == 0:
			return true, true
		case keys != nil:
			k, p := keys[i], keys[i-1]
			return k != p, k/radix.TINScale != p/radix.TINScale
		case cl[i].TIN != cl[i-1].TIN:
			return true, true
		default:
			return cl[i].NPI != cl[i-1].NPI, false
		}
	}
	// Count first, so every slice and map is made once at its size.
	nInds, nTINs := 0, 0
	for i := range cl {
		newInd, newTIN := boundary(i)
		if newInd {
			nInds++
		}
		if newTIN {
			nTINs++
		}
	}
	ix.individuals = make([]individual, 0, nInds)
	ix.rowStart = make([]int32, 0, nInds+1)
	ix.tins = make([]tinIndex, 0, nTINs)
	// A TIN's individuals are consecutive (sorted by TIN): its members are a window of one
	// shared list of the individuals' indices.
	seq := make([]int, nInds)
	for i := range seq {
		seq[i] = i
	}
	first := 0 // the current TIN's first individual
	for lo := 0; lo < len(cl); {
		c := &cl[lo]
		_, newTIN := boundary(lo)
		hi := lo + 1
		for hi < len(cl) {
			if newInd, _ := boundary(hi); newInd {
				break
			}
			hi++
		}
		n := len(ix.individuals)
		if newTIN {
			ix.tins = append(ix.tins, tinIndex{tin: c.TIN, infoAt: -1})
			first = n
		}
		ix.individuals = append(ix.individuals, individual{npi: c.NPI, tinAt: int32(len(ix.tins) - 1), infoAt: -1})
		ix.rowStart = append(ix.rowStart, int32(lo))
		ix.tins[len(ix.tins)-1].members = seq[first : n+1 : n+1]
		lo = hi
	}
	ix.rowStart = append(ix.rowStart, int32(len(cl)))
}

// mapTINs makes tinPos, the TINs' positions in tins, once arrangeClinicians has listed them.
func (ix *index) mapTINs() {
	ix.tinPos = make(map[string]int, len(ix.tins))
	for i := range ix.tins {
		ix.tinPos[ix.tins[i].tin] = i
	}
}

// tinOf returns the TIN of individual ind.
func (ix *index) tinOf(ind *individual) string { return ix.tins[ind.tinAt].tin }

// rowsOf returns the clinicians rows of individual m, until determine drops them.
func (ix *index) rowsOf(m int) []model.Clinician {
	return ix.in.Clinicians[ix.rowStart[m]:ix.rowStart[m+1]:ix.rowStart[m+1]]
}

// qualifying reports, for each submission, whether it is a qualifying data submission in its
// category (rules.md section 4), deciding the submissions in parallel shards.
func qualifying(ctx context.Context, y *rules.Year, in *model.Inputs, workers int) ([]bool, error) {
	measures := groupMeasurements(in)
	m := &in.Measurements
	out := make([]bool, len(in.Submissions))
	err := parallel(ctx, workers, len(out), func(lo, hi int) {
		var buf []model.Measurement
		for i := lo; i < hi; i++ {
			buf = buf[:0]
			for _, r := range measures.of(i) {
				// No rule reads a measurement's row number: it is left out.
				first, end := m.Run(int(r))
				for j := first; j < end; j++ {
					buf = append(buf, model.Measurement{SubmissionID: m.SubmissionIDs[r], MeasureID: m.MeasureIDs[m.Measure[j]], Flags: m.Flags[j]})
				}
			}
			out[i] = y.Qualifies(&in.Submissions[i], buf)
		}
	})
	return out, err
}

// compareClinicians orders clinicians rows by TIN, NPI, segment.
func compareClinicians(a, b *model.Clinician) int {
	return cmp.Or(cmp.Compare(a.TIN, b.TIN), cmp.Compare(a.NPI, b.NPI), cmp.Compare(a.Segment, b.Segment))
}

// sortClinicians sorts the rows by TIN, NPI, segment, stably, in place, and returns each
// row's packed NPI/TIN (radix.PairKey) in the new order, or nil when the rows were already in
// order or some row's IDs do not pack. The rows are large, so it sorts their indices and then
// moves each row once along the permutation's cycles; input that is already in order (the
// usual extract) costs one pass.
func sortClinicians(cl []model.Clinician) []uint64 {
	sorted := true
	for i := 1; i < len(cl) && sorted; i++ {
		sorted = compareClinicians(&cl[i-1], &cl[i]) <= 0
	}
	if sorted {
		return nil
	}
	order, keys := sortedOrder(cl)
	// Position i must receive row order[i]; follow each cycle once, marking done positions.
	for i := range order {
		if order[i] < 0 || int(order[i]) == i {
			continue
		}
		tmp := cl[i]
		j := i
		for {
			k := int(order[j])
			order[j] = -1
			if k == i {
				cl[j] = tmp
				break
			}
			cl[j] = cl[k]
			j = k
		}
	}
	return keys
}

// sortedOrder returns the indices of the rows in stable TIN, NPI, segment order, and the rows'
// packed NPI/TINs in that order. Valid TINs (9 digits) and NPIs (10) pack into one number that
// orders like the strings, so the usual input sorts numbers; anything else sorts by the
// strings, and keys is nil.
func sortedOrder(cl []model.Clinician) (order []int32, keys []uint64) {
	items := make([]radix.Item, len(cl))
	for i := range cl {
		key, ok := radix.PairKey(cl[i].NPI, cl[i].TIN)
		if !ok {
			order := make([]int32, len(cl))
			for i := range order {
				order[i] = int32(i)
			}
			slices.SortStableFunc(order, func(a, b int32) int { return compareClinicians(&cl[a], &cl[b]) })
			return order, nil
		}
		items[i] = radix.Item{Key: key, Tag: int32(cl[i].Segment), Pos: int32(i)}
	}
	radix.Sort(items)
	order = make([]int32, len(cl))
	keys = make([]uint64, len(cl))
	for j := range items {
		order[j], keys[j] = items[j].Pos, items[j].Key
	}
	return order, keys
}

// measurementGroups lists the measurements of each submission: of(i) are the runs
// (model.Measurements.Run) of the rows of in.Submissions[i], in input order. Built by counting,
// not by a map of slices: the runs of a national run's ten million measurements, about one per
// submission, cost two int32 arrays of a million.
type measurementGroups struct {
	offsets []int32 // len(submissions)+1
	runs    []int32
}

func (g measurementGroups) of(i int) []int32 { return g.runs[g.offsets[i]:g.offsets[i+1]] }

func groupMeasurements(in *model.Inputs) measurementGroups {
	m := &in.Measurements
	// Where each run of rows of one submission is in in.Submissions: as the readers found it,
	// or looked up here once per run.
	subPos := m.SubmissionRows
	if !submissionRowsHold(in) {
		pos := make(map[string]int32, len(in.Submissions))
		for i := range in.Submissions {
			pos[in.Submissions[i].SubmissionID] = int32(i)
		}
		subPos = make([]int32, len(m.SubmissionIDs))
		for d, id := range m.SubmissionIDs {
			p, ok := pos[id]
			if !ok {
				p = -1
			}
			subPos[d] = p
		}
	}
	offsets := make([]int32, len(in.Submissions)+1)
	for _, p := range subPos {
		if p >= 0 {
			offsets[p+1]++
		}
	}
	for i := 1; i < len(offsets); i++ {
		offsets[i] += offsets[i-1]
	}
	runs := prefault.Make[int32](int(offsets[len(offsets)-1]))
	next := slices.Clone(offsets[:len(offsets)-1])
	for r, p := range subPos {
		if p >= 0 {
			runs[next[p]] = int32(r)
			next[p]++
		}
	}
	return measurementGroups{offsets: offsets, runs: runs}
}

// submissionRowsHold reports whether the readers' in.Measurements.SubmissionRows still name the
// submissions of in: made for as many submissions, and each submission it names has the ID of
// its run of measurements. The runs follow the submissions' order in the usual extract, so the
// check reads both nearly in order. (A run it has as -1 is not checked: that would take the map
// of IDs it spares. Only changing a submission's ID after the read could make one wrong.)
func submissionRowsHold(in *model.Inputs) bool {
	m := &in.Measurements
	if len(m.SubmissionRows) != len(m.SubmissionIDs) || m.SubmissionRowsOf != len(in.Submissions) {
		return false
	}
	for d, p := range m.SubmissionRows {
		if p >= 0 && (int(p) >= len(in.Submissions) || in.Submissions[p].SubmissionID != m.SubmissionIDs[d]) {
			return false
		}
	}
	return true
}

// entityInfo is what the exceptions, submissions, cost measures and scores tables say about one
// entity.
type entityInfo struct {
	apps     []rules.Application   // approved applications naming the entity
	data     []pathwayData         // its qualifying submissions, by pathway
	score    *model.CategoryScores // in index.scores
	pathways pathwaySet            // pathways it submitted in
	costMet  bool                  // a cost measure meets its case minimum
}

// infoStore holds the entityInfos, numbered from 0 in the order they are added, in chunks of
// infoChunk: a national run has about two million, and one growing slice would copy them
// (a few hundred megabytes of fresh memory, half of it left as garbage) each time it doubles.
type infoStore struct {
	chunks [][]entityInfo
	n      int
}

const infoChunkBits = 16
const infoChunk = 1 << infoChunkBits

// add appends an empty entityInfo and returns its number.
func (s *infoStore) add() int32 {
	if s.n%infoChunk == 0 {
		s.chunks = append(s.chunks, make([]entityInfo, infoChunk))
	}
	s.n++
	return int32(s.n - 1)
}

// addN appends k empty entityInfos and returns the number of the first.
func (s *infoStore) addN(k int) int32 {
	first := s.n
	for len(s.chunks)*infoChunk < s.n+k {
		s.chunks = append(s.chunks, make([]entityInfo, infoChunk))
	}
	s.n += k
	return int32(first)
}

// at returns entityInfo i (0 <= i < len).
func (s *infoStore) at(i int32) *entityInfo { return &s.chunks[i>>infoChunkBits][i&(infoChunk-1)] }

func (s *infoStore) len() int { return s.n }

// pathwayData is an entity's qualifying submissions in one pathway, by category.
type pathwayData struct {
	pathway model.Pathway
	cats    [model.NumCategories][]rules.Submission
}

// infoIndex returns the position in ix.infos of k's entry, adding an empty one.
func (ix *index) infoIndex(k ekey) int32 {
	if i, ok := ix.entities.get(k); ok {
		return i
	}
	i := ix.infos.add()
	ix.entities.put(k, i)
	return i
}

// info returns what the tables say about k, nil for nothing. The methods of *entityInfo
// accept nil.
func (ix *index) info(k ekey) *entityInfo {
	if _, ok := k.Packed(); ok && k.Is(model.LevelIndividual) {
		// Filed on the individual, by fileIndividuals.
		if m := ix.individualAt(k.NPI(), k.TIN()); m >= 0 {
			return ix.infoOf(&ix.individuals[m])
		}
		return nil
	}
	if i, ok := ix.entities.get(k); ok {
		return ix.infos.at(i)
	}
	return nil
}

func (e *entityInfo) dataIn(p model.Pathway) *[model.NumCategories][]rules.Submission {
	if e == nil {
		return nil
	}
	for i := range e.data {
		if e.data[i].pathway == p {
			return &e.data[i].cats
		}
	}
	return nil
}

// applications returns the approved applications naming the entity.
func (e *entityInfo) applications() []rules.Application {
	if e == nil {
		return nil
	}
	return e.apps
}

// scores returns the entity's scores, nil when none.
func (e *entityInfo) scores() *model.CategoryScores {
	if e == nil {
		return nil
	}
	return e.score
}

// pathwaysOr returns the pathways the entity reported, or the level's default.
// The list is shared: callers must not modify it.
func (e *entityInfo) pathwaysOr(def model.Pathway) []model.Pathway {
	if e != nil && e.pathways != 0 {
		return pathwayLists[e.pathways]
	}
	return pathwayLists[pathwayBit(def)]
}

// locateInfos sets every TIN's infoAt (one map probe each, in parallel shards), so the stages
// that visit every group index infos directly. The individuals' are set by fileIndividuals.
func (ix *index) locateInfos(ctx context.Context, workers int) error {
	return parallel(ctx, workers, len(ix.tins), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			t := &ix.tins[i]
			if at, ok := ix.entities.get(groupKey(t.tin)); ok {
				t.infoAt = at
			}
		}
	})
}

// tinInfo returns the entityInfo of the group of ix.tins[i], nil when no other table names it.
func (ix *index) tinInfo(i int32) *entityInfo {
	if at := ix.tins[i].infoAt; at >= 0 {
		return ix.infos.at(at)
	}
	return nil
}

// infoOf returns the individual's entityInfo, nil when no other table names it.
func (ix *index) infoOf(ind *individual) *entityInfo {
	if ind.infoAt < 0 {
		return nil
	}
	return ix.infos.at(ind.infoAt)
}

// qualifying returns the entity's qualifying submissions in a pathway, by category.
func (e *entityInfo) qualifying(p model.Pathway) [model.NumCategories][]rules.Submission {
	if d := e.dataIn(p); d != nil {
		return *d
	}
	return [model.NumCategories][]rules.Submission{}
}

// costReasonsOf says why cost is reweighted outside applications (rules.md cost.case_minimum).
func (ix *index) costReasonsOf(e *entityInfo) []string {
	if ix.costGiven && (e == nil || !e.costMet) {
		return costCaseMinimum[:]
	}
	return nil
}

// costCaseMinimum is costReasonsOf's one reason, shared by the million entities it applies to
// instead of allocated for each. Never modified.
var costCaseMinimum = [1]string{rules.IDCostCaseMinimum}

// pathwaysOf returns the pathways an entity reported, or the level's default.
func (ix *index) pathwaysOf(k ekey, def model.Pathway) []model.Pathway {
	return ix.info(k).pathwaysOr(def)
}

// dataOf returns the entity's qualifying submissions in a pathway, by category.
func (ix *index) dataOf(k ekey, p model.Pathway) [model.NumCategories][]rules.Submission {
	return ix.info(k).qualifying(p)
}

// costReasons says why cost is reweighted outside applications (rules.md cost.case_minimum).
func (ix *index) costReasons(k ekey) []string { return ix.costReasonsOf(ix.info(k)) }

// approvedOf returns the approved applications naming the entity.
func (ix *index) approvedOf(k ekey) []rules.Application { return ix.info(k).applications() }

// scoresOf returns the entity's scores row, nil when none.
func (ix *index) scoresOf(k ekey) *model.CategoryScores { return ix.info(k).scores() }
