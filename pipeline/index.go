package pipeline

import (
	"cmp"
	"slices"

	"reweigh/model"
	"reweigh/rules"
)

// key returns an entity key holding only the IDs its level uses, so keys from different tables
// compare equal.
func key(e model.EntityKey) model.EntityKey {
	k := model.EntityKey{Level: e.Level}
	switch e.Level {
	case model.LevelIndividual:
		k.NPI, k.TIN = e.NPI, e.TIN
	case model.LevelGroup:
		k.TIN = e.TIN
	case model.LevelVirtualGroup:
		k.VirtualGroupID = e.VirtualGroupID
	case model.LevelSubgroup:
		k.SubgroupID = e.SubgroupID
	case model.LevelAPMEntity:
		k.APMEntityID = e.APMEntityID
	}
	return k
}

type subKey struct {
	entity  model.EntityKey
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

	approved     map[model.EntityKey][]rules.Application
	apmEntityEUC map[string]string // apm_entity_id -> approved application ID
	data         map[subKey]*[model.NumCategories][]rules.Submission
	pathways     map[model.EntityKey][]model.Pathway

	costGiven bool
	costMet   map[model.EntityKey]bool
	scores    map[model.EntityKey]*model.Score

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
		approved:     make(map[model.EntityKey][]rules.Application, len(in.Exceptions)/4),
		apmEntityEUC: map[string]string{},
		data:         make(map[subKey]*[model.NumCategories][]rules.Submission, len(in.Submissions)),
		pathways:     make(map[model.EntityKey][]model.Pathway, len(in.Submissions)),
		costMet:      make(map[model.EntityKey]bool, len(in.CostMeasures)),
		scores:       make(map[model.EntityKey]*model.Score, len(in.Scores)),
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
		k := key(e.Entity)
		if k.Level == model.LevelAPMEntity && e.ExceptionType == model.ExceptionEUC {
			if _, seen := ix.apmEntityEUC[k.APMEntityID]; !seen {
				ix.apmEntityEUC[k.APMEntityID] = e.ApplicationID
			}
			continue
		}
		ix.approved[k] = append(ix.approved[k], rules.Application{ID: e.ApplicationID, Type: e.ExceptionType, Categories: e.Categories})
	}

	// Submissions: the pathways each entity reported, and its qualifying data by category.
	measures := make(map[string][]model.Measurement, len(in.Submissions))
	for _, m := range in.Measurements {
		measures[m.SubmissionID] = append(measures[m.SubmissionID], m)
	}
	for i := range in.Submissions {
		s := &in.Submissions[i]
		k := key(s.Entity)
		if !slices.Contains(ix.pathways[k], s.Pathway) {
			ix.pathways[k] = append(ix.pathways[k], s.Pathway)
		}
		if !y.Qualifies(s, measures[s.SubmissionID]) {
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
				ix.costMet[key(m.Entity)] = true
			}
		}
	}
	for i := range in.Scores {
		ix.scores[key(in.Scores[i].Entity)] = &in.Scores[i]
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

// pathwaysOf returns the pathways an entity reported, or the level's default.
func (ix *index) pathwaysOf(k model.EntityKey, def model.Pathway) []model.Pathway {
	if ps := ix.pathways[k]; len(ps) > 0 {
		return ps
	}
	return []model.Pathway{def}
}

// dataOf returns the entity's qualifying submissions in a pathway, by category.
func (ix *index) dataOf(k model.EntityKey, p model.Pathway) [model.NumCategories][]rules.Submission {
	if d := ix.data[subKey{k, p}]; d != nil {
		return *d
	}
	return [model.NumCategories][]rules.Submission{}
}

// costReasons says why cost is reweighted outside applications (rules.md cost.case_minimum).
func (ix *index) costReasons(k model.EntityKey) []string {
	if ix.costGiven && !ix.costMet[k] {
		return []string{rules.IDCostCaseMinimum}
	}
	return nil
}
