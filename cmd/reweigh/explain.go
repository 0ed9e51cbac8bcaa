package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"reweigh/model"
	"reweigh/query"
	"reweigh/readers"
	"reweigh/rules"
	"reweigh/writers"
)

// cmdExplain prints, for one clinician (NPI/TIN), every determinations row that concerns it
// with each reason and flag explained from the rule catalog, and the final score it receives.
func cmdExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("explain", stderr)
	out := fs.String("out", "", "output directory of a reweigh run")
	npi := fs.String("npi", "", "the clinician's NPI (10 digits)")
	tin := fs.String("tin", "", "the TIN the clinician bills under (9 digits, leading zeros kept)")
	format := fs.String("format", "text", "output format: text or json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("explain: unexpected argument %q", pos[0])
	case *out == "" || *npi == "" || *tin == "":
		return usagef("explain: --out, --npi and --tin are required")
	case !readers.ValidNPI(*npi):
		return usagef("explain: --npi %q is not an NPI (10 digits with a valid check digit)", *npi)
	case !isTIN(*tin):
		return usagef("explain: --tin %q is not a TIN (9 digits; keep leading zeros)", *tin)
	case *format != "text" && *format != "json":
		return usagef("explain: unknown --format %q (want text or json)", *format)
	}
	cat, err := rules.LoadCatalog()
	if err != nil {
		return err
	}
	x, err := explainClinician(ctx, *out, *npi, *tin, cat)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(x)
	}
	return x.writeText(stdout)
}

func isTIN(s string) bool {
	if len(s) != 9 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// explanation is what `reweigh explain` prints, as text or as JSON.
type explanation struct {
	NPI             string          `json:"npi"`
	TIN             string          `json:"tin"`
	Out             string          `json:"out"`
	PerformanceYear int64           `json:"performance_year"`
	PaymentYear     int64           `json:"payment_year"`
	Rows            []rowExplained  `json:"rows"`
	ClinicianScore  *scoreExplained `json:"clinician_score"` // null when clinician_scores was not written
	Notes           []string        `json:"notes,omitempty"`
}

// rowExplained is one determinations row.
type rowExplained struct {
	Level          string  `json:"level"`
	NPI            string  `json:"npi,omitempty"`
	TIN            string  `json:"tin,omitempty"`
	VirtualGroupID string  `json:"virtual_group_id,omitempty"`
	SubgroupID     string  `json:"subgroup_id,omitempty"`
	APMEntityID    string  `json:"apm_entity_id,omitempty"`
	Pathway        string  `json:"pathway"`
	Relation       string  `json:"relation"` // how the row concerns the clinician
	MIPSEligible   bool    `json:"mips_eligible"`
	ClinicianCount int64   `json:"clinician_count"`
	Statuses       []held  `json:"statuses"`
	StatusSource   string  `json:"status_source"`
	StatusNote     string  `json:"status_note,omitempty"`
	Weights        weights `json:"weights"`
	Scored         int64   `json:"scored_categories"`
	// Categories are quality, cost, ia and pi, in that order.
	Categories []categoryExplained `json:"categories"`
	Flags      []reasonExplained   `json:"flags"`
	FinalScore finalExplained      `json:"final_score"`
	APMEntity  *apmExplained       `json:"apm_entity,omitempty"`
}

// held is one special status of a row; Share is set for group-like rows.
type held struct {
	Status string   `json:"status"`
	Value  bool     `json:"value"`
	Share  *float64 `json:"share,omitempty"`
}

type weights struct {
	Quality int64 `json:"quality"`
	Cost    int64 `json:"cost"`
	IA      int64 `json:"ia"`
	PI      int64 `json:"pi"`
}

type categoryExplained struct {
	Category string            `json:"category"`
	Status   string            `json:"status"` // scored, reweighted or overridden
	Weight   int64             `json:"weight"`
	Reasons  []reasonExplained `json:"reasons"`
}

// reasonExplained is one reason or flag token with its catalog entry.
type reasonExplained struct {
	Token     string `json:"token"`
	ID        string `json:"id"`
	Evidence  string `json:"evidence,omitempty"`
	Of        string `json:"evidence_kind,omitempty"` // what the evidence is: application, submission, TIN...
	Title     string `json:"title"`
	Plain     string `json:"plain"`
	Source    string `json:"source"`
	Inherited bool   `json:"inherited,omitempty"` // a subgroup's reason inherited from its group
}

type finalExplained struct {
	Score       *float64         `json:"score"`
	AtThreshold bool             `json:"at_threshold"`
	Threshold   float64          `json:"performance_threshold"`
	Why         string           `json:"why"`
	Rule        *reasonExplained `json:"rule,omitempty"`
}

// apmExplained is the PI average of an APM Entity row and the clinician's part in it.
type apmExplained struct {
	PIAverageScore  *float64              `json:"pi_average_score"`
	PIAverageCount  *int64                `json:"pi_average_count"`
	PIExcludedCount *int64                `json:"pi_excluded_count"`
	PIReweightShare *float64              `json:"pi_reweight_share"`
	Participant     *participantExplained `json:"participant"`
}

type participantExplained struct {
	PIScoreUsed         *float64         `json:"pi_score_used"`
	InPIAverage         bool             `json:"in_pi_average"`
	ExcludedReason      *reasonExplained `json:"excluded_reason,omitempty"`
	PIReportingRequired *bool            `json:"pi_reporting_required"`
	ReportingRule       *reasonExplained `json:"pi_reporting_rule,omitempty"`
}

// scoreExplained is the clinician_scores row: the candidates and the one that applies.
type scoreExplained struct {
	Candidates  []candidate       `json:"candidates"`
	FinalScore  *float64          `json:"final_score"`
	Picked      string            `json:"picked"`
	PaymentYear int64             `json:"payment_year"`
	Why         string            `json:"why"`
	Rules       []reasonExplained `json:"rules"`
}

type candidate struct {
	Level string   `json:"level"`
	Score *float64 `json:"score"`
}

// detColumns are the determinations columns explain reads, in scan order.
const detColumns = `level, npi, tin, virtual_group_id, subgroup_id, apm_entity_id, pathway, mips_eligible,
	clinician_count, small_practice, hospital_based, non_patient_facing, asc_based,
	hospital_based_share, non_patient_facing_share, asc_based_share, status_source,
	quality_weight, cost_weight, ia_weight, pi_weight, quality_status, cost_status, ia_status, pi_status,
	quality_reason, cost_reason, ia_reason, pi_reason, scored_categories, final_score_at_threshold,
	performance_threshold, final_score, pi_average_score, pi_average_count, pi_excluded_count,
	pi_reweight_share, flags, performance_year, payment_year`

// detRow is one scanned determinations row.
type detRow struct {
	level, npi, tin, vg, sg, apm, pathway sql.NullString
	eligible                              sql.NullBool
	count                                 sql.NullInt64
	small, hb, npf, asc                   sql.NullBool
	hbShare, npfShare, ascShare           sql.NullFloat64
	source                                sql.NullString
	weight                                [model.NumCategories]sql.NullInt64
	status, reason                        [model.NumCategories]sql.NullString
	scored                                sql.NullInt64
	atThreshold                           sql.NullBool
	threshold, final, piAvg               sql.NullFloat64
	piCount, piExcluded                   sql.NullInt64
	piShare                               sql.NullFloat64
	flags                                 sql.NullString
	performanceYear, paymentYear          sql.NullInt64
}

func (r *detRow) dest() []any {
	d := []any{&r.level, &r.npi, &r.tin, &r.vg, &r.sg, &r.apm, &r.pathway, &r.eligible, &r.count,
		&r.small, &r.hb, &r.npf, &r.asc, &r.hbShare, &r.npfShare, &r.ascShare, &r.source}
	for i := range r.weight {
		d = append(d, &r.weight[i])
	}
	for i := range r.status {
		d = append(d, &r.status[i])
	}
	for i := range r.reason {
		d = append(d, &r.reason[i])
	}
	return append(d, &r.scored, &r.atThreshold, &r.threshold, &r.final, &r.piAvg, &r.piCount,
		&r.piExcluded, &r.piShare, &r.flags, &r.performanceYear, &r.paymentYear)
}

// explainClinician reads the outputs in outDir and explains the rows of NPI/TIN. NPI and TIN
// are bound as SQL parameters.
func explainClinician(ctx context.Context, outDir, npi, tin string, cat *rules.Catalog) (*explanation, error) {
	db, err := query.Open(ctx, outDir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	have, err := views(ctx, db)
	if err != nil {
		return nil, err
	}
	if !have[writers.TableDeterminations] {
		return nil, fmt.Errorf("no determinations table in %s (run `reweigh run` first)", outDir)
	}
	x := &explanation{NPI: npi, TIN: tin, Out: outDir}

	where := `(level = 'individual' AND npi = $1 AND tin = $2) OR (level = 'group' AND tin = $2)`
	if have[writers.TableMembers] {
		where += `
		OR (level = 'virtual_group' AND virtual_group_id IN (SELECT virtual_group_id FROM members WHERE level = 'virtual_group' AND npi = $1 AND tin = $2))
		OR (level = 'subgroup' AND subgroup_id IN (SELECT subgroup_id FROM members WHERE level = 'subgroup' AND npi = $1 AND tin = $2))
		OR (level = 'apm_entity' AND apm_entity_id IN (SELECT apm_entity_id FROM members WHERE level = 'apm_entity' AND npi = $1 AND tin = $2))`
	} else {
		x.Notes = append(x.Notes, "This run has no members table (written when virtual_groups, subgroups or apm_entities are given), so no virtual group, subgroup or APM Entity rows are shown.")
	}
	q := `SELECT ` + detColumns + ` FROM determinations WHERE ` + where + `
		ORDER BY CASE level WHEN 'individual' THEN 1 WHEN 'group' THEN 2 WHEN 'virtual_group' THEN 3
		  WHEN 'subgroup' THEN 4 WHEN 'apm_entity' THEN 5 ELSE 6 END,
		  virtual_group_id, subgroup_id, apm_entity_id,
		  CASE pathway WHEN 'traditional' THEN 1 WHEN 'mvp' THEN 2 WHEN 'app' THEN 3 ELSE 4 END, pathway`
	rows, err := db.QueryContext(ctx, q, npi, tin)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	var dets []detRow
	for rows.Next() {
		var r detRow
		if err := rows.Scan(r.dest()...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("explain: %w", err)
		}
		dets = append(dets, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	rows.Close()
	own := 0 // rows that are the clinician's own or of an entity it belongs to
	for _, r := range dets {
		if r.level.String != string(model.LevelGroup) {
			own++
		}
	}
	if own == 0 {
		return nil, fmt.Errorf("no determinations for NPI %s at TIN %s in %s", npi, tin, outDir)
	}

	parts := map[string]*participantExplained{}
	if have[writers.TableAPMParticipants] {
		if parts, err = participants(ctx, db, npi, tin, cat); err != nil {
			return nil, err
		}
	}
	scoresGiven := have[writers.TableClinicianScores]
	for i := range dets {
		r := &dets[i]
		if i == 0 {
			x.PerformanceYear, x.PaymentYear = r.performanceYear.Int64, r.paymentYear.Int64
		}
		x.Rows = append(x.Rows, explainRow(r, cat, scoresGiven, parts))
	}
	if scoresGiven {
		if x.ClinicianScore, err = clinicianScore(ctx, db, npi, tin, x, cat); err != nil {
			return nil, err
		}
	} else {
		x.Notes = append(x.Notes, "This run has no clinician_scores table (written when scores are given), so which final score the clinician receives is not known.")
	}
	return x, nil
}

// views returns the names of the views query.Open created.
func views(ctx context.Context, db *sql.DB) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables`)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
		have[name] = true
	}
	return have, rows.Err()
}

// participants returns the clinician's apm_participants rows by APM Entity ID.
func participants(ctx context.Context, db *sql.DB, npi, tin string, cat *rules.Catalog) (map[string]*participantExplained, error) {
	rows, err := db.QueryContext(ctx, `SELECT apm_entity_id, pi_score_used, in_pi_average, excluded_reason, pi_reporting_required
		FROM apm_participants WHERE npi = $1 AND tin = $2`, npi, tin)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	out := map[string]*participantExplained{}
	for rows.Next() {
		var id, excluded sql.NullString
		var pi sql.NullFloat64
		var in, required sql.NullBool
		if err := rows.Scan(&id, &pi, &in, &excluded, &required); err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
		p := &participantExplained{PIScoreUsed: optFloat(pi), InPIAverage: in.Bool, PIReportingRequired: optBool(required)}
		if excluded.String != "" {
			r := explainToken(excluded.String, cat)
			p.ExcludedReason = &r
		}
		if required.Valid {
			r := explainToken(rules.IDAPMSSPPIRequired, cat)
			p.ReportingRule = &r
		}
		out[id.String] = p
	}
	return out, rows.Err()
}

func optFloat(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	return &v.Float64
}

func optInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func optBool(v sql.NullBool) *bool {
	if !v.Valid {
		return nil
	}
	return &v.Bool
}

// explainToken resolves one reason or flag token against the catalog.
func explainToken(token string, cat *rules.Catalog) reasonExplained {
	r, ok := cat.Lookup(token)
	e := reasonExplained{Token: token, ID: r.ID, Evidence: r.Evidence, Of: r.Entry.Evidence,
		Title: r.Title, Plain: r.Plain, Source: r.Source}
	if !ok {
		e.Title = token
		e.Plain = "This reason is not in the rule catalog of this reweigh version."
	}
	return e
}

func splitTokens(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}

// inheritable reports whether a subgroup reason ID can come from its affiliated group
// (rules.md subgroup.inherit: statuses, approved PI hardship and EUC applications).
func inheritable(id string) bool {
	return id == rules.IDPIHardship || id == rules.IDEUC || strings.HasPrefix(id, "group.") || strings.HasPrefix(id, "status.")
}

func explainRow(r *detRow, cat *rules.Catalog, scoresGiven bool, parts map[string]*participantExplained) rowExplained {
	level := model.Level(r.level.String)
	e := rowExplained{
		Level: r.level.String, NPI: r.npi.String, TIN: r.tin.String, VirtualGroupID: r.vg.String,
		SubgroupID: r.sg.String, APMEntityID: r.apm.String, Pathway: r.pathway.String,
		MIPSEligible: r.eligible.Bool, ClinicianCount: r.count.Int64, StatusSource: r.source.String,
		Weights: weights{r.weight[model.Quality].Int64, r.weight[model.Cost].Int64, r.weight[model.IA].Int64, r.weight[model.PI].Int64},
		Scored:  r.scored.Int64, Flags: []reasonExplained{},
	}
	switch level {
	case model.LevelIndividual:
		e.Relation = "the clinician reporting individually"
	case model.LevelGroup:
		e.Relation = "the clinician's TIN reporting as a group"
	case model.LevelVirtualGroup:
		e.Relation = "a virtual group the clinician's TIN belongs to"
	case model.LevelSubgroup:
		e.Relation = "a subgroup the clinician belongs to"
	case model.LevelAPMEntity:
		e.Relation = "an APM Entity the clinician participates in"
	}
	e.Statuses = []held{
		{Status: "small_practice", Value: r.small.Bool},
		{Status: "hospital_based", Value: r.hb.Bool, Share: optFloat(r.hbShare)},
		{Status: "non_patient_facing", Value: r.npf.Bool, Share: optFloat(r.npfShare)},
		{Status: "asc_based", Value: r.asc.Bool, Share: optFloat(r.ascShare)},
	}
	switch level {
	case model.LevelGroup:
		e.StatusNote = fmt.Sprintf("Shares are of the %s listed for the TIN; a group holds a status when more than 75%% of them do.", clinicians(r.count.Int64))
	case model.LevelVirtualGroup:
		e.StatusNote = fmt.Sprintf("Shares are of the %s listed for all the virtual group's TINs; small practice counts the clinicians of every TIN together; a virtual group holds a status when more than 75%% of them do.", clinicians(r.count.Int64))
	case model.LevelSubgroup:
		e.StatusNote = fmt.Sprintf("A subgroup carries the statuses and shares of its affiliated group, TIN %s.", r.tin.String)
	case model.LevelAPMEntity:
		e.StatusNote = "Shares are of the entity's participants, for information: the more-than-75% group rules and the small-practice weight table do not apply to APM Entities."
	}
	for _, c := range model.Categories {
		ce := categoryExplained{Category: c.String(), Status: r.status[c].String, Weight: r.weight[c].Int64, Reasons: []reasonExplained{}}
		afterInherit := false
		for _, tok := range splitTokens(r.reason[c].String) {
			re := explainToken(tok, cat)
			if re.ID == rules.IDSubgroupInherit {
				afterInherit = true
			} else if afterInherit && inheritable(re.ID) {
				re.Inherited = true
			}
			ce.Reasons = append(ce.Reasons, re)
		}
		e.Categories = append(e.Categories, ce)
	}
	for _, tok := range splitTokens(r.flags.String) {
		e.Flags = append(e.Flags, explainToken(tok, cat))
	}
	e.FinalScore = explainFinal(r, cat, scoresGiven)
	if level == model.LevelAPMEntity {
		e.APMEntity = &apmExplained{
			PIAverageScore: optFloat(r.piAvg), PIAverageCount: optInt(r.piCount),
			PIExcludedCount: optInt(r.piExcluded), PIReweightShare: optFloat(r.piShare),
			Participant: parts[r.apm.String],
		}
	}
	return e
}

func explainFinal(r *detRow, cat *rules.Catalog, scoresGiven bool) finalExplained {
	f := finalExplained{Score: optFloat(r.final), AtThreshold: r.atThreshold.Bool, Threshold: r.threshold.Float64}
	rule := func(id string) {
		re := explainToken(id, cat)
		f.Rule = &re
	}
	flags := splitTokens(r.flags.String)
	apmEUC := ""
	for _, tok := range splitTokens(r.reason[model.PI].String) {
		if id, ev, _ := strings.Cut(tok, ":"); id == rules.IDEUCAPMEntityAll {
			apmEUC = ev
		}
	}
	switch {
	case f.AtThreshold && apmEUC != "":
		f.Why = fmt.Sprintf("The APM Entity's approved EUC application %s puts the final score at the performance threshold (%s points, a neutral payment adjustment), whatever data was submitted.", apmEUC, num(f.Threshold))
		rule(rules.IDOverrideAPMNone)
	case f.AtThreshold:
		n := "no category is scored"
		if r.scored.Int64 == 1 {
			n = "only 1 category is scored"
		}
		f.Why = fmt.Sprintf("The final score is the performance threshold (%s points, a neutral payment adjustment) because %s.", num(f.Threshold), n)
		rule(rules.IDFinalThreshold)
	case f.Score != nil:
		f.Why = fmt.Sprintf("The weighted sum of the %d scored categories' scores, plus any complex patient bonus, capped at 100.", r.scored.Int64)
		if r.piAvg.Valid && r.weight[model.PI].Int64 > 0 {
			f.Why += fmt.Sprintf(" PI's score is the participants' average, %s.", num(r.piAvg.Float64))
		}
		rule(rules.IDFinalScore)
	case hasToken(flags, rules.FlagNoPolicyRow):
		f.Why = "The year's weight tables have no row for this combination of reweighted categories."
		rule(rules.FlagNoPolicyRow)
	case hasToken(flags, rules.FlagMissingScore):
		f.Why = "A category that carries weight has no score in the scores table."
		rule(rules.FlagMissingScore)
	case scoresGiven:
		f.Why = "The scores table has no row for this entity."
	default:
		f.Why = "The run was given no scores table, so only final scores at the performance threshold are known."
	}
	return f
}

func hasToken(tokens []string, t string) bool {
	for _, x := range tokens {
		if x == t {
			return true
		}
	}
	return false
}

// clinicianScore explains the clinician_scores row (rules.md final.pick, final.pick.auto_euc).
func clinicianScore(ctx context.Context, db *sql.DB, npi, tin string, x *explanation, cat *rules.Catalog) (*scoreExplained, error) {
	var ind, grp, sg, apm, vg, final sql.NullFloat64
	var picked sql.NullString
	var paymentYear sql.NullInt64
	err := db.QueryRowContext(ctx, `SELECT individual_final_score, group_final_score, subgroup_final_score,
		apm_entity_final_score, virtual_group_final_score, final_score, picked, payment_year
		FROM clinician_scores WHERE npi = $1 AND tin = $2`, npi, tin).
		Scan(&ind, &grp, &sg, &apm, &vg, &final, &picked, &paymentYear)
	if err == sql.ErrNoRows {
		x.Notes = append(x.Notes, "clinician_scores has no row for this clinician.")
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	s := &scoreExplained{
		Candidates: []candidate{
			{"individual", optFloat(ind)}, {"group", optFloat(grp)}, {"subgroup", optFloat(sg)},
			{"apm_entity", optFloat(apm)}, {"virtual_group", optFloat(vg)},
		},
		FinalScore: optFloat(final), Picked: picked.String, PaymentYear: paymentYear.Int64,
		Rules: []reasonExplained{explainToken(rules.IDFinalPick, cat)},
	}
	var vgIDs []string
	for _, r := range x.Rows {
		if r.Level == string(model.LevelVirtualGroup) && (len(vgIDs) == 0 || vgIDs[len(vgIDs)-1] != r.VirtualGroupID) {
			vgIDs = append(vgIDs, r.VirtualGroupID)
		}
	}
	switch {
	case s.Picked == string(model.LevelVirtualGroup) && final.Valid:
		s.Why = fmt.Sprintf("Its TIN is in virtual group %s, so it receives the virtual group's final score, %s.", strings.Join(vgIDs, ", "), num(final.Float64))
	case s.Picked == string(model.LevelVirtualGroup):
		s.Why = fmt.Sprintf("Its TIN is in virtual group %s, so it receives the virtual group's final score, which is not known (the virtual group row has no final score).", strings.Join(vgIDs, ", "))
	case final.Valid:
		s.Why = fmt.Sprintf("%s is the highest of its candidate final scores, so it receives the %s score.", num(final.Float64), levelName(s.Picked))
	default:
		s.Why = "None of its candidates has a final score, so no final score is known."
	}
	// final.pick.auto_euc: the individual rows are the automatic EUC policy's neutral score,
	// but the candidate was left out.
	neutral, autoEUC, rowsSeen := true, false, 0
	for _, r := range x.Rows {
		if r.Level != string(model.LevelIndividual) {
			continue
		}
		rowsSeen++
		neutral = neutral && r.FinalScore.AtThreshold && r.FinalScore.Score != nil
		for _, c := range r.Categories {
			for _, re := range c.Reasons {
				autoEUC = autoEUC || re.ID == rules.IDEUCAuto
			}
		}
	}
	if rowsSeen > 0 && neutral && autoEUC && !ind.Valid {
		why := "its group, subgroup or APM Entity submitted data"
		if len(vgIDs) > 0 {
			why = "its TIN is in virtual group " + strings.Join(vgIDs, ", ")
		}
		s.Why += fmt.Sprintf(" Its individual row's neutral score under the automatic EUC policy is not a candidate, because %s.", why)
		s.Rules = append(s.Rules, explainToken(rules.IDFinalPickAutoEUC, cat))
	}
	return s, nil
}

// Text output.

var levelNames = map[string]string{
	"individual": "individual", "group": "group", "virtual_group": "virtual group",
	"subgroup": "subgroup", "apm_entity": "APM Entity",
}

func levelName(l string) string {
	if n, ok := levelNames[l]; ok {
		return n
	}
	return l
}

var categoryLabels = map[string]string{"quality": "Quality", "cost": "Cost", "ia": "IA", "pi": "PI"}

var categoryNames = map[string]string{"quality": "quality", "cost": "cost", "ia": "IA", "pi": "PI"}

var statusLabels = map[string]string{
	"small_practice": "small practice", "hospital_based": "hospital-based",
	"non_patient_facing": "non-patient facing", "asc_based": "ASC-based",
}

var pathwayLabels = map[string]string{"traditional": "traditional MIPS pathway", "mvp": "MVP pathway", "app": "APM Performance Pathway (APP)"}

func label(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

// num formats a score as the shortest decimal.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// pct formats a share as a percentage with at most one decimal.
func pct(v float64) string { return num(math.Round(v*1000)/10) + "%" }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// textWriter writes lines and keeps the first error.
type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) line(indent int, format string, args ...any) {
	if t.err != nil {
		return
	}
	_, t.err = fmt.Fprintf(t.w, "%s%s\n", strings.Repeat("  ", indent), fmt.Sprintf(format, args...))
}

func (x *explanation) writeText(w io.Writer) error {
	t := &textWriter{w: w}
	t.line(0, "NPI %s at TIN %s: %d determination rows in %s (performance year %d, payment year %d)",
		x.NPI, x.TIN, len(x.Rows), x.Out, x.PerformanceYear, x.PaymentYear)
	for i := range x.Rows {
		t.line(0, "")
		x.Rows[i].writeText(t)
	}
	t.line(0, "")
	if s := x.ClinicianScore; s != nil {
		final := "none"
		if s.FinalScore != nil {
			final = num(*s.FinalScore)
		}
		t.line(0, "== Final score the clinician receives (payment year %d): %s", s.PaymentYear, final)
		var cands []string
		for _, c := range s.Candidates {
			v := "none"
			if c.Score != nil {
				v = num(*c.Score)
			}
			cands = append(cands, levelName(c.Level)+" "+v)
		}
		t.line(1, "Candidates: %s.", strings.Join(cands, "; "))
		t.line(1, "%s", s.Why)
		for _, r := range s.Rules {
			writeReason(t, 1, r, nil)
		}
	}
	for _, n := range x.Notes {
		t.line(0, "Note: %s", n)
	}
	return t.err
}

func (r *rowExplained) writeText(t *textWriter) {
	var head string
	switch model.Level(r.Level) {
	case model.LevelIndividual:
		head = fmt.Sprintf("Individual: NPI %s at TIN %s", r.NPI, r.TIN)
	case model.LevelGroup:
		head = fmt.Sprintf("Group: TIN %s", r.TIN)
	case model.LevelVirtualGroup:
		head = fmt.Sprintf("Virtual group %s (the clinician's TIN is one of its TINs)", r.VirtualGroupID)
	case model.LevelSubgroup:
		head = fmt.Sprintf("Subgroup %s of TIN %s (the clinician is a member)", r.SubgroupID, r.TIN)
	case model.LevelAPMEntity:
		head = fmt.Sprintf("APM Entity %s (the clinician is a participant)", r.APMEntityID)
	default:
		head = r.Level
	}
	t.line(0, "== %s, %s", head, label(pathwayLabels, r.Pathway))
	seen := map[string]bool{} // tokens explained in full in this row

	eligible := "MIPS eligible"
	if !r.MIPSEligible {
		eligible = "not MIPS eligible"
	}
	if r.Level == string(model.LevelIndividual) {
		t.line(1, "%s.", strings.ToUpper(eligible[:1])+eligible[1:])
	} else {
		eligible = "MIPS eligible (at least one of them is)"
		if !r.MIPSEligible {
			eligible = "none of them is MIPS eligible"
		}
		t.line(1, "%s; %s.", clinicians(r.ClinicianCount), eligible)
	}
	var st []string
	for _, s := range r.Statuses {
		v := yesNo(s.Value)
		if s.Share != nil {
			v += " (" + pct(*s.Share) + ")"
		}
		st = append(st, label(statusLabels, s.Status)+" "+v)
	}
	source := map[string]string{"derived": "derived from the input counts", "given": "as given in the input", "mixed": "some given in the input, some derived"}
	t.line(1, "Statuses: %s; %s.", strings.Join(st, ", "), label(source, r.StatusSource))
	if r.StatusNote != "" {
		t.line(1, "%s", r.StatusNote)
	}
	scored := fmt.Sprintf("%d categories scored", r.Scored)
	if r.Scored == 1 {
		scored = "1 category scored"
	}
	t.line(1, "Weights: quality %d%%, cost %d%%, IA %d%%, PI %d%% (%s).",
		r.Weights.Quality, r.Weights.Cost, r.Weights.IA, r.Weights.PI, scored)
	var plainScored []string
	for _, c := range r.Categories {
		if c.Status == model.CategoryScored && len(c.Reasons) == 0 {
			plainScored = append(plainScored, label(categoryNames, c.Category))
		}
	}
	if len(plainScored) > 0 {
		t.line(1, "Scored: %s.", strings.Join(plainScored, ", "))
	}
	for _, c := range r.Categories {
		if c.Status == model.CategoryScored && len(c.Reasons) == 0 {
			continue
		}
		what := c.Status
		switch c.Status {
		case model.CategoryReweighted:
			what = "reweighted (weight 0%, moved to the other categories)"
		case model.CategoryOverridden:
			what = fmt.Sprintf("overridden: reweighted, then scored because of qualifying data (weight %d%%)", c.Weight)
		}
		t.line(1, "%s %s:", label(categoryLabels, c.Category), what)
		for _, re := range c.Reasons {
			writeReason(t, 2, re, seen)
		}
	}
	if a := r.APMEntity; a != nil {
		switch {
		case a.PIAverageScore != nil && a.PIAverageCount != nil:
			t.line(1, "PI average: %s over %d participants (%d left out); a participant with no PI score counts as 0.",
				num(*a.PIAverageScore), *a.PIAverageCount, deref(a.PIExcludedCount))
		case a.PIAverageCount != nil && *a.PIAverageCount == 0:
			t.line(1, "PI average: none, every participant (%d) is left out, so the entity's PI is reweighted (apm.pi_average).", deref(a.PIExcludedCount))
		case a.PIAverageCount != nil:
			t.line(1, "PI average: %d participants in it, %d left out; not computed (no scores table).", *a.PIAverageCount, deref(a.PIExcludedCount))
		}
		if a.PIReweightShare != nil {
			t.line(1, "Share of MIPS eligible clinicians seen to qualify for PI reweighting: %s (an APM Entity EUC needs at least 75%%).", pct(*a.PIReweightShare))
		}
		if p := a.Participant; p != nil {
			used := "no PI score"
			if p.PIScoreUsed != nil {
				used = "PI score " + num(*p.PIScoreUsed)
			}
			switch {
			case p.InPIAverage && p.PIScoreUsed == nil:
				t.line(1, "This clinician is in the PI average with no PI score, which counts as 0.")
			case p.InPIAverage:
				t.line(1, "This clinician is in the PI average with %s (the higher of its individual and group PI scores).", used)
			default:
				t.line(1, "This clinician (%s) is left out of the PI average because:", used)
				if p.ExcludedReason != nil {
					writeReason(t, 2, *p.ExcludedReason, seen)
				}
			}
			if p.PIReportingRequired != nil {
				t.line(1, "PI reporting required of this clinician: %s.", yesNo(*p.PIReportingRequired))
				if p.ReportingRule != nil {
					writeReason(t, 2, *p.ReportingRule, seen)
				}
			}
		}
	}
	if len(r.Flags) > 0 {
		t.line(1, "Flags:")
		for _, f := range r.Flags {
			writeReason(t, 2, f, seen)
		}
	}
	f := r.FinalScore
	score := "none"
	if f.Score != nil {
		score = num(*f.Score)
	}
	t.line(1, "Final score: %s. %s", score, f.Why)
	if f.Rule != nil && !hasFlagToken(r.Flags, f.Rule.ID) {
		t.line(2, "[%s] source: %s", f.Rule.ID, f.Rule.Source)
	}
}

func hasFlagToken(flags []reasonExplained, id string) bool {
	for _, f := range flags {
		if f.ID == id {
			return true
		}
	}
	return false
}

func clinicians(n int64) string {
	if n == 1 {
		return "1 clinician"
	}
	return fmt.Sprintf("%d clinicians", n)
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// writeReason writes one explained token: its title with the token and evidence, the plain
// text and the source. A token already in seen gets its title line only.
func writeReason(t *textWriter, indent int, r reasonExplained, seen map[string]bool) {
	tags := []string{r.Token}
	if r.Evidence != "" && r.Of != "" {
		tags = append(tags, r.Of+" "+r.Evidence)
	}
	if r.Inherited {
		tags = append(tags, "inherited from the affiliated group")
	}
	if seen[r.Token] {
		t.line(indent, "- %s [%s] (as above)", r.Title, strings.Join(tags, ", "))
		return
	}
	if seen != nil {
		seen[r.Token] = true
	}
	t.line(indent, "- %s [%s]", r.Title, strings.Join(tags, ", "))
	t.line(indent+1, "%s", r.Plain)
	if r.Source != "" {
		t.line(indent+1, "Source: %s", r.Source)
	}
}
