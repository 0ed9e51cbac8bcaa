package pipeline

import (
	"cmp"
	"slices"

	"reweigh/model"
	"reweigh/rules"
)

// ekey is the map key of an entity inside the index: only the IDs its level uses, with an
// individual's NPI/TIN and a group's TIN packed into a number (valid NPIs are 10 digits, TINs
// 9), so the maps probed for every clinician hash a few bytes instead of six strings.
type ekey struct {
	level model.Level
	num   uint64 // individual: NPI*1e9 + TIN; group: TIN
	id    string // virtual group, subgroup or APM Entity ID; an ID that is not all digits
}

// ek returns the index key of an entity key, so keys from different tables compare equal.
func ek(e model.EntityKey) ekey {
	switch e.Level {
	case model.LevelIndividual:
		if n, ok := digits(e.NPI, 10); ok {
			if t, ok := digits(e.TIN, 9); ok {
				return ekey{level: e.Level, num: n*1_000_000_000 + t}
			}
		}
		return ekey{level: e.Level, id: e.NPI + "/" + e.TIN}
	case model.LevelGroup:
		if t, ok := digits(e.TIN, 9); ok {
			return ekey{level: e.Level, num: t}
		}
		return ekey{level: e.Level, id: e.TIN}
	case model.LevelVirtualGroup:
		return ekey{level: e.Level, id: e.VirtualGroupID}
	case model.LevelSubgroup:
		return ekey{level: e.Level, id: e.SubgroupID}
	case model.LevelAPMEntity:
		return ekey{level: e.Level, id: e.APMEntityID}
	}
	return ekey{level: e.Level}
}

// digits parses s when it is exactly n decimal digits.
func digits(s string, n int) (uint64, bool) {
	if len(s) != n {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		v = v*10 + uint64(d)
	}
	return v, true
}

type subKey struct {
	entity  ekey
	pathway model.Pathway
}

// pathwayOrder orders determination rows of one entity.
var pathwayOrder = map[model.Pathway]int{model.PathwayTraditional: 0, model.PathwayMVP: 1, model.PathwayAPP: 2}

// individual is one NPI/TIN with its rows (one per segment).
type individual struct {
	npi, tin string
	rows     []model.Clinician
}

// tinIndex is one TIN: its individuals (indices into index.individuals, sorted by NPI).
type tinIndex struct {
	tin     string
	members []int
}

// index holds the inputs arranged for lookup by entity.
type index struct {
	year        *rules.Year
	in          *model.Inputs
	individuals []individual // sorted by TIN, NPI
	tins        []tinIndex   // sorted by TIN
	tinPos      map[string]int
	groups      map[string]*model.Group

	approved     map[ekey][]rules.Application
	apmEntityEUC map[string]string // apm_entity_id -> approved application ID
	data         map[subKey]*[model.NumCategories][]rules.Submission
	pathways     map[ekey][]model.Pathway

	costGiven bool
	costMet   map[ekey]bool
	scores    map[ekey]*model.Score

	areas   *rules.Areas
	apmTINs map[string]bool // TINs with every NPI in an APM Entity
	apmNPIs map[[2]string]bool
}

func buildIndex(y *rules.Year, in *model.Inputs, areas *rules.Areas) *index {
	ix := &index{
		year:         y,
		in:           in,
		tinPos:       map[string]int{},
		groups:       map[string]*model.Group{},
		approved:     make(map[ekey][]rules.Application, len(in.Exceptions)/4),
		apmEntityEUC: map[string]string{},
		data:         make(map[subKey]*[model.NumCategories][]rules.Submission, len(in.Submissions)),
		pathways:     make(map[ekey][]model.Pathway, len(in.Submissions)),
		costMet:      make(map[ekey]bool, len(in.CostMeasures)),
		scores:       make(map[ekey]*model.Score, len(in.Scores)),
		areas:        areas,
		apmTINs:      map[string]bool{},
		apmNPIs:      map[[2]string]bool{},
	}

	// Individuals: group the clinicians rows by NPI/TIN, sorted by TIN then NPI.
	order := make([]int, len(in.Clinicians))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ca, cb := &in.Clinicians[a], &in.Clinicians[b]
		return cmp.Or(cmp.Compare(ca.TIN, cb.TIN), cmp.Compare(ca.NPI, cb.NPI), cmp.Compare(ca.Segment, cb.Segment))
	})
	for _, i := range order {
		c := in.Clinicians[i]
		n := len(ix.individuals)
		if n > 0 && ix.individuals[n-1].npi == c.NPI && ix.individuals[n-1].tin == c.TIN {
			ix.individuals[n-1].rows = append(ix.individuals[n-1].rows, c)
			continue
		}
		ix.individuals = append(ix.individuals, individual{npi: c.NPI, tin: c.TIN, rows: []model.Clinician{c}})
		if len(ix.tins) == 0 || ix.tins[len(ix.tins)-1].tin != c.TIN {
			ix.tinPos[c.TIN] = len(ix.tins)
			ix.tins = append(ix.tins, tinIndex{tin: c.TIN})
		}
		t := &ix.tins[len(ix.tins)-1]
		t.members = append(t.members, n)
	}

	for i := range in.Groups {
		ix.groups[in.Groups[i].TIN] = &in.Groups[i]
	}

	// Approved applications by the entity they name (only approved ones change anything).
	for i := range in.Exceptions {
		e := &in.Exceptions[i]
		if e.Status != model.StatusApproved {
			continue
		}
		k := ek(e.Entity)
		if k.level == model.LevelAPMEntity && e.ExceptionType == model.ExceptionEUC {
			if _, seen := ix.apmEntityEUC[k.id]; !seen {
				ix.apmEntityEUC[k.id] = e.ApplicationID
			}
			continue
		}
		ix.approved[k] = append(ix.approved[k], rules.Application{ID: e.ApplicationID, Type: e.ExceptionType, Categories: e.Categories})
	}

	// Submissions: the pathways each entity reported, and its qualifying data by category.
	measures := groupMeasurements(in)
	var buf []model.Measurement
	for i := range in.Submissions {
		s := &in.Submissions[i]
		k := ek(s.Entity)
		if !slices.Contains(ix.pathways[k], s.Pathway) {
			ix.pathways[k] = append(ix.pathways[k], s.Pathway)
		}
		buf = buf[:0]
		for _, j := range measures.of(i) {
			buf = append(buf, in.Measurements[j])
		}
		if !y.Qualifies(s, buf) {
			continue
		}
		sk := subKey{k, s.Pathway}
		d := ix.data[sk]
		if d == nil {
			d = new([model.NumCategories][]rules.Submission)
			ix.data[sk] = d
		}
		d[s.Category] = append(d[s.Category], rules.Submission{ID: s.SubmissionID, Claims: s.SubmissionMethod == "claims"})
	}
	for k, ps := range ix.pathways {
		slices.SortFunc(ps, func(a, b model.Pathway) int { return cmp.Compare(pathwayOrder[a], pathwayOrder[b]) })
		ix.pathways[k] = ps
	}

	if in.Has(model.TableCostMeasures) {
		ix.costGiven = true
		for _, m := range in.CostMeasures {
			if m.AttributedCases >= m.CaseMinimum {
				ix.costMet[ek(m.Entity)] = true
			}
		}
	}
	for i := range in.Scores {
		ix.scores[ek(in.Scores[i].Entity)] = &in.Scores[i]
	}
	for _, p := range in.APMEntities {
		if p.NPI == "" {
			ix.apmTINs[p.TIN] = true
		} else {
			ix.apmNPIs[[2]string{p.NPI, p.TIN}] = true
		}
	}
	return ix
}

// measurementGroups lists the measurements of each submission: of(i) are the indices into
// in.Measurements of the rows of in.Submissions[i], in input order. Built by counting, not by
// a map of slices, so ten million measurements cost two int32 arrays and no copies.
type measurementGroups struct {
	offsets []int32 // len(submissions)+1
	order   []int32
}

func (g measurementGroups) of(i int) []int32 { return g.order[g.offsets[i]:g.offsets[i+1]] }

func groupMeasurements(in *model.Inputs) measurementGroups {
	pos := make(map[string]int32, len(in.Submissions))
	for i := range in.Submissions {
		pos[in.Submissions[i].SubmissionID] = int32(i)
	}
	subOf := make([]int32, len(in.Measurements))
	offsets := make([]int32, len(in.Submissions)+1)
	last, lastPos := "", int32(-1)
	for j := range in.Measurements {
		// Measurements of one submission usually come together: look the ID up once per run.
		if id := in.Measurements[j].SubmissionID; j == 0 || id != last {
			p, ok := pos[id]
			if !ok {
				p = -1
			}
			last, lastPos = id, p
		}
		subOf[j] = lastPos
		if lastPos >= 0 {
			offsets[lastPos+1]++
		}
	}
	for i := 1; i < len(offsets); i++ {
		offsets[i] += offsets[i-1]
	}
	order := make([]int32, offsets[len(offsets)-1])
	next := slices.Clone(offsets[:len(offsets)-1])
	for j, p := range subOf {
		if p >= 0 {
			order[next[p]] = int32(j)
			next[p]++
		}
	}
	return measurementGroups{offsets: offsets, order: order}
}

// pathwaysOf returns the pathways an entity reported, or the level's default.
func (ix *index) pathwaysOf(k ekey, def model.Pathway) []model.Pathway {
	if ps := ix.pathways[k]; len(ps) > 0 {
		return ps
	}
	return []model.Pathway{def}
}

// dataOf returns the entity's qualifying submissions in a pathway, by category.
func (ix *index) dataOf(k ekey, p model.Pathway) [model.NumCategories][]rules.Submission {
	if d := ix.data[subKey{k, p}]; d != nil {
		return *d
	}
	return [model.NumCategories][]rules.Submission{}
}

// costReasons says why cost is reweighted outside applications (rules.md cost.case_minimum).
func (ix *index) costReasons(k ekey) []string {
	if ix.costGiven && !ix.costMet[k] {
		return []string{rules.IDCostCaseMinimum}
	}
	return nil
}
