package pipeline

import (
	"context"

	"reweigh/bufpool"
	"reweigh/model"
)

// Candidates of clinician_scores.picked, in the order ties are broken.
const (
	pickIndividual   = "individual"
	pickGroup        = "group"
	pickSubgroup     = "subgroup"
	pickAPMEntity    = "apm_entity"
	pickVirtualGroup = "virtual_group"
)

// submitted reports whether an entity submitted any data (any submissions row).
func (ix *index) submitted(k model.EntityKey) bool {
	inf := ix.info(ek(k))
	return inf != nil && inf.pathways != 0
}

// maxOf returns the highest valid score among candidates.
func maxOf(scores []model.OptFloat, idx []int32) model.OptFloat {
	var best model.OptFloat
	for _, i := range idx {
		if s := scores[i]; s.Valid && (!best.Valid || s.V > best.V) {
			best = s
		}
	}
	return best
}

// clinicianScores gives every NPI/TIN its candidate final scores and the one that applies
// (rules.md final.pick): a virtual group's when its TIN is in one, otherwise the highest of its
// individual, group, subgroup and APM Entity scores. The automatic EUC policy's neutral score
// is not a candidate when the clinician's group, subgroup or APM Entity submitted data, or its
// TIN is in a virtual group (final.pick.auto_euc).
//
// The rows are made in shards on up to workers goroutines and given to emit in order, a shard
// at a time in a reused buffer: a national run streams them to the output file rather than
// holding 1.5 million of them (a fresh quarter of a gigabyte, slow to fault in at that point).
func (ix *index) clinicianScores(ctx context.Context, workers int, inds []indivResult, groups []groupFacts, lv levels, emit func([]model.ClinicianScore) error) error {
	var free bufpool.Slices[model.ClinicianScore]
	return decideInShards(ctx, workers, len(inds), &free, emit, func(int) int { return 1 },
		func(i int, dst []model.ClinicianScore) { dst[0] = ix.clinicianScore(i, inds, groups, &lv) })
}

// clinicianScore is the clinician_scores row of individual i.
func (ix *index) clinicianScore(i int, inds []indivResult, groups []groupFacts, lv *levels) model.ClinicianScore {
	ind := &ix.individuals[i]
	r := &inds[i]
	cs := model.ClinicianScore{NPI: ind.npi, TIN: ix.tinOf(ind), PaymentYear: ix.year.PaymentYear}
	cs.IndividualFinalScore = r.best
	cs.GroupFinalScore = groups[ind.tinAt].best
	cs.SubgroupFinalScore = maxOf(lv.sgScores, lv.sgOf.of(i))
	cs.APMEntityFinalScore = maxOf(lv.apmScore, lv.apmOf.of(i))
	vg, inVG := lv.virtualGroupOf(ind.tinAt)
	if inVG {
		cs.VirtualGroupFinalScore = lv.vgScores[vg]
	}
	if r.autoEUC && r.neutral {
		entityData := inVG || ix.submitted(model.GroupKey(ix.tinOf(ind)))
		for _, s := range lv.sgOf.of(i) {
			entityData = entityData || ix.submitted(model.SubgroupKey(lv.sgIDs[s], ""))
		}
		for _, a := range lv.apmOf.of(i) {
			entityData = entityData || ix.submitted(model.APMEntityKey(lv.apmIDs[a]))
		}
		if entityData {
			cs.IndividualFinalScore = model.OptFloat{}
		}
	}
	if inVG {
		cs.FinalScore, cs.Picked = cs.VirtualGroupFinalScore, pickVirtualGroup
	} else {
		for _, c := range []struct {
			name  string
			score model.OptFloat
		}{
			{pickIndividual, cs.IndividualFinalScore}, {pickGroup, cs.GroupFinalScore},
			{pickSubgroup, cs.SubgroupFinalScore}, {pickAPMEntity, cs.APMEntityFinalScore},
		} {
			if c.score.Valid && (!cs.FinalScore.Valid || c.score.V > cs.FinalScore.V) {
				cs.FinalScore, cs.Picked = c.score, c.name
			}
		}
	}
	return cs
}

// neutralOnly reports whether every row of the individual is at the performance threshold.
func neutralOnly(rows []model.Determination) bool {
	for _, r := range rows {
		if !r.FinalScoreAtThreshold {
			return false
		}
	}
	return len(rows) > 0
}
