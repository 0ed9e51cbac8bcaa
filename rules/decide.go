package rules

import (
	"slices"
	"strings"

	"reweigh/model"
)

// Application is an approved application that names the entity being decided.
type Application struct {
	ID         string
	Type       string // model.ExceptionPIHardship or model.ExceptionEUC
	Categories model.CategorySet
}

// Submission is a qualifying data submission by the entity being decided (same level, same IDs,
// same pathway), by category.
type Submission struct {
	ID     string
	Claims bool // Medicare Part B claims quality (rules.md override.claims_quality)
}

// Facts is everything the policy needs to know about one entity and pathway. The pipeline
// derives it from the inputs; Decide turns it into statuses, reasons and weights.
type Facts struct {
	Level         model.Level
	Pathway       model.Pathway
	SmallPractice bool

	// PIAutomatic lists the reasons, in order, that PI is reweighted without an application
	// (special statuses, clinician type, group rules), each a rule ID with optional evidence.
	PIAutomatic []string
	// Applications are the approved applications naming this entity.
	Applications []Application
	// APMEntityEUC is the ID of an approved APM Entity EUC application (all four categories,
	// never voided, final score = threshold), or "".
	APMEntityEUC string
	// AutoEUC: the automatic EUC policy applies (individuals only).
	AutoEUC bool
	// InAPM: the clinician participates in an APM (rules.md euc.auto.apm_ia).
	InAPM bool
	// CostReweighted lists reasons cost is reweighted outside applications (cost.case_minimum).
	CostReweighted []string
	// Inherited lists, per category, the reasons inherited from an affiliated group (subgroups).
	Inherited [model.NumCategories][]string
	// Data lists, per category, the entity's own qualifying submissions in this pathway.
	Data [model.NumCategories][]Submission
}

// Decision is the outcome for one entity and pathway.
type Decision struct {
	Table   string
	Status  [model.NumCategories]string
	Reasons [model.NumCategories][]string
	Lookup
	Flags []string
}

// Decide applies the year's policy to one entity's facts: which categories are reweighted and
// why, which reweightings qualifying data voids, and the weights from the year's tables.
func (y *Year) Decide(f *Facts) Decision {
	var d Decision
	d.Table = TableTraditional
	switch {
	case f.Pathway == model.PathwayAPP:
		d.Table = TableAPP
	case f.SmallPractice:
		d.Table = TableSmallPractice
	}
	t := y.tables[d.Table]

	var reasons [model.NumCategories][]string
	reasons[model.PI] = appendReasons(reasons[model.PI], f.PIAutomatic)
	for _, c := range model.Categories {
		reasons[c] = appendReasons(reasons[c], f.Inherited[c])
	}
	if t.NeverScored.Has(model.Cost) {
		reasons[model.Cost] = append(reasons[model.Cost], IDCostAPP)
	}
	reasons[model.Cost] = appendReasons(reasons[model.Cost], f.CostReweighted)
	for _, a := range f.Applications {
		switch a.Type {
		case model.ExceptionPIHardship:
			reasons[model.PI] = append(reasons[model.PI], IDPIHardship+":"+a.ID)
		case model.ExceptionEUC:
			for _, c := range model.Categories {
				if a.Categories.Has(c) {
					reasons[c] = append(reasons[c], IDEUC+":"+a.ID)
				}
			}
		}
	}
	if f.AutoEUC {
		for _, c := range model.Categories {
			reasons[c] = append(reasons[c], IDEUCAuto)
		}
	}
	if f.APMEntityEUC != "" {
		for _, c := range model.Categories {
			reasons[c] = append(reasons[c], IDEUCAPMEntityAll+":"+f.APMEntityEUC)
		}
	}

	var notScored model.CategorySet
	for _, c := range model.Categories {
		switch {
		case t.AlwaysScored.Has(c) || len(reasons[c]) == 0:
			d.Status[c] = model.CategoryScored
			continue
		case t.NeverScored.Has(c) || c == model.Cost || f.APMEntityEUC != "":
			// Cost has no submission to void it (override.cost_never); an approved APM
			// Entity EUC is never voided by data (override.apm_entity_none).
			d.Status[c] = model.CategoryReweighted
		default:
			d.Status[c] = model.CategoryReweighted
			for _, s := range f.Data[c] {
				id := IDOverrideData
				if f.Level == model.LevelSubgroup && len(f.Inherited[c]) > 0 {
					id = IDSubgroupOwnData
				} else if c == model.Quality && s.Claims {
					id = IDOverrideClaims
				}
				reasons[c] = append(reasons[c], id+":"+s.ID)
				d.Status[c] = model.CategoryOverridden
			}
			if c == model.IA && d.Status[c] != model.CategoryOverridden && f.AutoEUC && f.InAPM &&
				(len(f.Data[model.Quality]) > 0 || len(f.Data[model.PI]) > 0) {
				reasons[c] = append(reasons[c], IDEUCAutoAPMIA)
				d.Status[c] = model.CategoryOverridden
			}
		}
		d.Reasons[c] = reasons[c]
		if d.Status[c] == model.CategoryReweighted {
			notScored = notScored.With(c)
		}
	}

	d.Lookup = t.Lookup(notScored)
	if f.APMEntityEUC != "" {
		d.AtThreshold = true
	}
	if d.NoPolicyRow {
		d.Flags = append(d.Flags, FlagNoPolicyRow)
	}
	return d
}

// appendReasons appends more to a decision's reasons. A decision's reason lists are only read
// once made (Apply joins them), so an empty list takes more itself, without a copy: it has no
// spare capacity, so a later append copies it and the facts' list is never written. Most
// decisions' PI and cost reasons are their facts' lists as they are (nationally, 2.5 million
// allocations fewer).
func appendReasons(list, more []string) []string {
	if len(list) == 0 {
		return slices.Clip(more)
	}
	return append(list, more...)
}

// Apply writes the decision into a determinations row: weights, statuses, reasons, the number
// of scored categories, the threshold facts and flags.
func (y *Year) Apply(d *Decision, row *model.Determination) {
	row.Weights = d.Weights
	for _, c := range model.Categories {
		row.Status[c] = d.Status[c]
		row.Reason[c] = strings.Join(d.Reasons[c], ";")
	}
	row.ScoredCategories = d.Scored
	row.FinalScoreAtThreshold = d.AtThreshold
	row.PerformanceThreshold = y.PerformanceThreshold
	row.PerformanceYear = y.PerformanceYear
	row.PaymentYear = y.PaymentYear
	row.Flags = appendFlags(row.Flags, d.Flags...)
}

func appendFlags(have string, add ...string) string {
	for _, f := range add {
		if f == "" {
			continue
		}
		if have == "" {
			have = f
		} else {
			have += ";" + f
		}
	}
	return have
}
