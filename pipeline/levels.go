package pipeline

import (
	"cmp"
	"context"
	"slices"

	"golang.org/x/sync/errgroup"

	"reweigh/model"
	"reweigh/rules"
)

// levels is what the virtual group, subgroup and APM Entity determinations produced.
type levels struct {
	rows         []model.Determination
	participants []model.APMParticipantResult
	members      []model.Member

	vgOfTIN  []int32          // TIN (position in index.tins) -> index into vgScores, -1 for none; nil when no TIN is in one
	vgScores []model.OptFloat // best final score of each virtual group
	vgIDs    []string         // virtual group ID of each vgScores
	sgOf     lists            // individual -> subgroups (index into sgScores)
	sgScores []model.OptFloat // best final score of each subgroup
	apmOf    lists            // individual -> APM Entities (index into apmScores)
	apmScore []model.OptFloat // best final score of each APM Entity
	apmIDs   []string         // APM Entity ID of each apmScore
	sgIDs    []string         // subgroup ID of each sgScores
}

// lists maps individuals (by index) to lists of numbers (their subgroups, their APM
// Entities), added to one pair at a time and then made into one array by finish: a national
// run has 1.5 million individuals, 40% of them in an APM Entity, where a slice each took 36 MB
// (and 600,000 small allocations for the collector to mark) per map.
type lists struct {
	pairs   [][2]int32 // (individual, number), in the order added, until finish
	offsets []int32    // individual m's numbers are values[offsets[m]:offsets[m+1]]
	values  []int32
}

// add adds v to individual m's list.
func (l *lists) add(m, v int) { l.pairs = append(l.pairs, [2]int32{int32(m), int32(v)}) }

// finish makes the lists of n individuals, each in the order its numbers were added.
func (l *lists) finish(n int) {
	l.offsets = make([]int32, n+1)
	for _, p := range l.pairs {
		l.offsets[p[0]+1]++
	}
	for m := range n {
		l.offsets[m+1] += l.offsets[m]
	}
	l.values = make([]int32, len(l.pairs))
	next := slices.Clone(l.offsets[:n])
	for _, p := range l.pairs {
		l.values[next[p[0]]] = p[1]
		next[p[0]]++
	}
	l.pairs = nil
}

// of returns individual m's list (finish must have been called).
func (l *lists) of(m int) []int32 { return l.values[l.offsets[m]:l.offsets[m+1]] }

// inVirtualGroup records that TIN at (of n TINs) is in virtual group vg, unless it is already
// in an earlier one.
func (lv *levels) inVirtualGroup(at, n, vg int) {
	if lv.vgOfTIN == nil {
		lv.vgOfTIN = make([]int32, n)
		for i := range lv.vgOfTIN {
			lv.vgOfTIN[i] = -1
		}
	}
	if lv.vgOfTIN[at] < 0 {
		lv.vgOfTIN[at] = int32(vg)
	}
}

// virtualGroupOf returns the virtual group (index into vgScores) of TIN at; ok is false when it
// is in none.
func (lv *levels) virtualGroupOf(at int32) (vg int32, ok bool) {
	if lv.vgOfTIN == nil || lv.vgOfTIN[at] < 0 {
		return 0, false
	}
	return lv.vgOfTIN[at], true
}

// bestScore returns the highest final score among an entity's rows (one per pathway).
func bestScore(rows []model.Determination) model.OptFloat {
	var best model.OptFloat
	for _, r := range rows {
		if r.FinalScore.Valid && (!best.Valid || r.FinalScore.V > best.V) {
			best = r.FinalScore
		}
	}
	return best
}

// decideLevels makes the virtual group, subgroup and APM Entity rows (rules.md sections 2, 5
// and 6). They depend on the individual and group results, and there are few of them, so they
// are evaluated after the parallel stages.
func (ix *index) decideLevels(ctx context.Context, workers int, tins []tinFacts, inds []indivResult, groups []groupFacts) (levels, error) {
	lv := levels{}
	ix.virtualGroups(&lv, tins, inds)
	from := len(lv.rows)
	ix.subgroups(&lv, tins, inds, groups)
	// Rows go out by level, TIN, NPI: subgroup rows (decided in subgroup_id order) by their
	// affiliated TIN, then subgroup_id and pathway.
	slices.SortStableFunc(lv.rows[from:], func(a, b model.Determination) int { return cmp.Compare(a.TIN, b.TIN) })
	err := ix.apmEntities(ctx, workers, &lv, inds)
	lv.sgOf.finish(len(ix.individuals))
	lv.apmOf.finish(len(ix.individuals))
	return lv, err
}

// membersOfTIN returns the individuals (indices) billing under a TIN.
func (ix *index) membersOfTIN(tin string) []int {
	if p, ok := ix.tinPos[tin]; ok {
		return ix.tins[p].members
	}
	return nil
}

// individualAt returns the index of the NPI/TIN's individual, or -1. A TIN's members are in
// NPI order.
func (ix *index) individualAt(npi, tin string) int {
	members := ix.membersOfTIN(tin)
	j, ok := slices.BinarySearchFunc(members, npi, func(m int, npi string) int { return cmp.Compare(ix.individuals[m].npi, npi) })
	if !ok {
		return -1
	}
	return members[j]
}

func (ix *index) virtualGroups(lv *levels, tins []tinFacts, inds []indivResult) {
	byVG := map[string][]string{}
	for _, m := range ix.in.VirtualGroups {
		if !slices.Contains(byVG[m.VirtualGroupID], m.TIN) {
			byVG[m.VirtualGroupID] = append(byVG[m.VirtualGroupID], m.TIN)
		}
	}
	y := ix.year
	for _, id := range sortedKeys(byVG) {
		vgTINs := byVG[id]
		slices.Sort(vgTINs)
		var c statusCounts
		var clinicians int64
		flags := ""
		// The shares are over distinct NPIs (a status held under any of the TINs counts);
		// the all-clinicians rule over every eligible NPI/TIN.
		seen := map[string]*indivResult{}
		for _, tin := range vgTINs {
			members := ix.membersOfTIN(tin)
			if len(members) == 0 {
				continue
			}
			at := ix.tinPos[tin]
			lv.inVirtualGroup(at, len(ix.tins), len(lv.vgScores))
			tf := tins[at]
			count := int64(tf.clinicians)
			eligible := 0
			if g := ix.groups[tin]; g != nil && g.ClinicianCount.Valid {
				count = g.ClinicianCount.V
				eligible = int(count)
			} else {
				for _, m := range members {
					if inds[m].eligible {
						eligible++
					}
				}
			}
			clinicians += count
			if int64(eligible) > y.Statuses.VirtualGroupTINMaxClinicians {
				flags = joinFlags(flags, rules.FlagVirtualGroupTIN+":"+tin)
			}
			for _, m := range members {
				ind := &ix.individuals[m]
				lv.members = append(lv.members, model.Member{Level: model.LevelVirtualGroup, VirtualGroupID: id, TIN: tin, NPI: ind.npi})
				r := inds[m]
				if prev, ok := seen[ind.npi]; ok {
					prev.status.HospitalBased.Value = prev.status.HospitalBased.Value || r.status.HospitalBased.Value
					prev.status.NonPatientFacing.Value = prev.status.NonPatientFacing.Value || r.status.NonPatientFacing.Value
					prev.status.ASCBased.Value = prev.status.ASCBased.Value || r.status.ASCBased.Value
					prev.eligible = prev.eligible || r.eligible
					prev.piReweigh = prev.piReweigh && r.piReweigh
					continue
				}
				seen[ind.npi] = &r
			}
		}
		for _, npi := range sortedKeys(seen) {
			c.add(seen[npi])
		}
		k := ek(model.VirtualGroupKey(id))
		small := y.SmallPractice(clinicians)
		g := model.Determination{Level: model.LevelVirtualGroup, VirtualGroupID: id, SmallPractice: small, StatusSource: "derived", Flags: flags}
		ix.shareStatuses(&g, c)
		piAuto := groupPIReasons(&g, c)
		var rows []model.Determination
		for _, p := range ix.pathwaysOf(k, model.PathwayTraditional) {
			f := rules.Facts{
				Level: model.LevelVirtualGroup, Pathway: p, SmallPractice: small, PIAutomatic: piAuto,
				Applications: ix.approvedOf(k), CostReweighted: ix.costReasons(k), Data: ix.dataOf(k, p),
			}
			rows = append(rows, ix.row(g, k, p, &f))
		}
		lv.rows = append(lv.rows, rows...)
		lv.vgScores = append(lv.vgScores, bestScore(rows))
		lv.vgIDs = append(lv.vgIDs, id)
	}
}

// inherited lists, per category, the reweighting a subgroup inherits from its affiliated group
// (rules.md subgroup.inherit): the group's statuses and its approved PI hardship and EUC
// applications, led by subgroup.inherit:<TIN>. Not the group's cost case minimum (the subgroup
// has its own cost measures) nor the group's data.
func inherited(tin string, g *groupFacts) [model.NumCategories][]string {
	var r [model.NumCategories][]string
	r[model.PI] = append(r[model.PI], g.piAuto...)
	for _, a := range g.apps {
		switch a.Type {
		case model.ExceptionPIHardship:
			r[model.PI] = append(r[model.PI], rules.IDPIHardship+":"+a.ID)
		case model.ExceptionEUC:
			for _, c := range model.Categories {
				if a.Categories.Has(c) {
					r[c] = append(r[c], rules.IDEUC+":"+a.ID)
				}
			}
		}
	}
	for _, c := range model.Categories {
		if len(r[c]) > 0 {
			r[c] = append([]string{rules.IDSubgroupInherit + ":" + tin}, r[c]...)
		}
	}
	return r
}

func (ix *index) subgroups(lv *levels, tins []tinFacts, inds []indivResult, groups []groupFacts) {
	bySG := map[string][]model.SubgroupMember{}
	for _, m := range ix.in.Subgroups {
		bySG[m.SubgroupID] = append(bySG[m.SubgroupID], m)
	}
	for _, id := range sortedKeys(bySG) {
		var members []int
		tinCount := map[string]int{}
		for _, m := range bySG[id] {
			i := ix.individualAt(m.NPI, m.TIN)
			if i < 0 || slices.Contains(members, i) {
				continue
			}
			members = append(members, i)
			tinCount[m.TIN]++
		}
		if len(members) == 0 {
			continue
		}
		// The affiliated group: the members' TIN (the most common one if they disagree).
		tin := ""
		for _, t := range sortedKeys(tinCount) {
			if tin == "" || tinCount[t] > tinCount[tin] {
				tin = t
			}
		}
		flags := ""
		if len(tinCount) > 1 {
			flags = "subgroup.multiple_tins"
		}
		gi := ix.tinPos[tin]
		gf := &groups[gi]
		g, _ := ix.groupBase(int32(gi), tins[gi], inds)
		g.Level, g.SubgroupID, g.TIN, g.Flags = model.LevelSubgroup, id, tin, flags
		eligible := false
		for _, m := range members {
			eligible = eligible || inds[m].eligible
			lv.members = append(lv.members, model.Member{Level: model.LevelSubgroup, SubgroupID: id, TIN: ix.tinOf(&ix.individuals[m]), NPI: ix.individuals[m].npi})
		}
		g.ClinicianCount, g.MIPSEligible = len(members), eligible
		k := ek(model.SubgroupKey(id, ""))
		var rows []model.Determination
		for _, p := range ix.pathwaysOf(k, model.PathwayMVP) {
			f := rules.Facts{
				Level: model.LevelSubgroup, Pathway: p, SmallPractice: tins[gi].small,
				Inherited: inherited(tin, gf), CostReweighted: ix.costReasons(k), Data: ix.dataOf(k, p),
			}
			rows = append(rows, ix.row(g, k, p, &f))
		}
		lv.rows = append(lv.rows, rows...)
		for _, m := range members {
			lv.sgOf.add(m, len(lv.sgScores))
		}
		lv.sgScores = append(lv.sgScores, bestScore(rows))
		lv.sgIDs = append(lv.sgIDs, id)
	}
}

func (ix *index) apmEntities(ctx context.Context, workers int, lv *levels, inds []indivResult) error {
	type entity struct {
		id           string
		typ          string
		participants []int
		at           int                   // where its participants' rows start in lv.members and lv.participants
		rows         []model.Determination // its determinations rows
	}
	byAPM := map[string]*entity{}
	for r, p := range ix.in.APMEntities {
		e := byAPM[p.APMEntityID]
		if e == nil {
			e = &entity{id: p.APMEntityID, typ: p.APMEntityType}
			byAPM[p.APMEntityID] = e
		}
		// A copy: e.participants never shares a TIN's members (it is sorted below).
		e.participants = append(e.participants, ix.apmNamed[r]...)
	}
	// Individuals are indexed in TIN, NPI order: sorting the indices sorts the participants
	// by TIN, NPI, and a participant named twice (by NPI and by its whole TIN) is kept once.
	// The entities (in ID order) are sorted in parallel, a national run's largest holding
	// tens of thousands of participants.
	all := make([]*entity, 0, len(byAPM))
	for _, id := range sortedKeys(byAPM) {
		all = append(all, byAPM[id])
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(workers, 1))
	for _, e := range all {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			slices.Sort(e.participants)
			e.participants = slices.Compact(e.participants)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	// The entities with participants, each given its place in the members and participants
	// rows: a national run has hundreds of thousands of participants, whose rows are made
	// once, in place, the entities decided in parallel.
	var entities []*entity
	total := 0
	for _, e := range all {
		if len(e.participants) == 0 {
			continue
		}
		e.at = total
		total += len(e.participants)
		entities = append(entities, e)
	}
	membersAt, participantsAt := len(lv.members), len(lv.participants)
	lv.members = slices.Grow(lv.members, total)[:membersAt+total]
	lv.participants = slices.Grow(lv.participants, total)[:participantsAt+total]
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(max(workers, 1))
	for _, e := range entities {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			e.rows = ix.apmEntity(e.id, e.typ, e.participants, inds,
				lv.members[membersAt+e.at:][:len(e.participants)], lv.participants[participantsAt+e.at:][:len(e.participants)])
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, e := range entities {
		for _, m := range e.participants {
			lv.apmOf.add(m, len(lv.apmScore))
		}
		lv.rows = append(lv.rows, e.rows...)
		lv.apmScore = append(lv.apmScore, bestScore(e.rows))
		lv.apmIDs = append(lv.apmIDs, e.id)
	}
	return ctx.Err()
}

// apmEntity decides one APM Entity of participants (individuals, in TIN, NPI order, each
// once): it fills their members and participants rows and returns the entity's rows.
func (ix *index) apmEntity(id, typ string, participants []int, inds []indivResult, members []model.Member, results []model.APMParticipantResult) []model.Determination {
	y := ix.year
	ssp := typ == "ssp_aco" && y.SSPPIReportingRequired
	var c statusCounts
	npis := map[string]bool{}
	var sum float64
	var in, out, eligible, reweighted int
	for j, m := range participants {
		ind := &ix.individuals[m]
		r := &inds[m]
		if !npis[ind.npi] {
			npis[ind.npi] = true
			c.add(r)
		}
		members[j] = model.Member{Level: model.LevelAPMEntity, APMEntityID: id, TIN: ix.tinOf(ind), NPI: ind.npi}
		reason := r.piReason
		if reason == "" {
			// An approved group PI hardship for the participant's TIN also leaves it out.
			for _, a := range ix.tinInfo(ind.tinAt).applications() {
				if a.Type == model.ExceptionPIHardship {
					reason = rules.IDPIHardship + ":" + a.ID
					break
				}
			}
		}
		p := model.APMParticipantResult{APMEntityID: id, TIN: ix.tinOf(ind), NPI: ind.npi, PIScoreUsed: ix.participantPI(ind)}
		if r.eligible {
			eligible++
			if reason != "" {
				reweighted++
			}
		}
		switch {
		case !r.eligible:
			p.ExcludedReason = "not_mips_eligible"
		case reason != "":
			p.ExcludedReason = reason
		default:
			p.InPIAverage = true
			if p.PIScoreUsed.Valid {
				sum += p.PIScoreUsed.V
			}
		}
		if p.InPIAverage {
			in++
		} else {
			out++
		}
		if ssp {
			p.PIReportingRequired = model.OptBool{V: r.eligible && reason == "", Valid: true}
		}
		results[j] = p
	}
	k := ek(model.APMEntityKey(id))
	g := model.Determination{Level: model.LevelAPMEntity, APMEntityID: id, StatusSource: "derived"}
	ix.shareStatuses(&g, c)
	g.HospitalBased, g.NonPatientFacing, g.ASCBased = false, false, false // the >75% group rules are not APM Entity rules
	g.PIAverageCount = model.OptInt{V: int64(in), Valid: true}
	g.PIExcludedCount = model.OptInt{V: int64(out), Valid: true}
	if eligible > 0 {
		g.PIReweightShare = share(reweighted, eligible)
	}
	var piAuto []string
	if in == 0 {
		piAuto = []string{rules.IDAPMPIAverage}
	}
	sc := ix.scoresOf(k)
	if in > 0 && ix.in.Has(model.TableScores) {
		avg := sum / float64(in)
		g.PIAverageScore = model.OptFloat{V: avg, Valid: true}
		var entity model.CategoryScores
		if sc != nil {
			entity = *sc
		}
		entity.Set(model.PI, g.PIAverageScore)
		sc = &entity
	}
	euc := ix.apmEntityEUC[id]
	if euc != "" && !y.APMEUCShareMet(reweighted, eligible) {
		g.Flags = joinFlags(g.Flags, rules.FlagAPMEUCShareBelow)
	}
	var rows []model.Determination
	for _, p := range ix.pathwaysOf(k, model.PathwayAPP) {
		f := rules.Facts{
			Level: model.LevelAPMEntity, Pathway: p, PIAutomatic: piAuto, APMEntityEUC: euc,
			CostReweighted: ix.costReasons(k), Data: ix.dataOf(k, p),
		}
		rows = append(rows, ix.rowScored(g, p, &f, sc))
	}
	return rows
}

// participantPI is the PI score of an APM Entity participant: the highest of its individual
// and its group (TIN) PI scores (rules.md apm.pi_average), null when neither is given.
func (ix *index) participantPI(ind *individual) model.OptFloat {
	var best model.OptFloat
	for _, s := range []*model.CategoryScores{ix.infoOf(ind).scores(), ix.tinInfo(ind.tinAt).scores()} {
		if s == nil {
			continue
		}
		if pi := s.Of(model.PI); pi.Valid && (!best.Valid || pi.V > best.V) {
			best = pi
		}
	}
	return best
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
