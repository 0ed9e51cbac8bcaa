package writers

import (
	"fmt"

	"reweigh/model"
)

// Output table names, exactly as in the data contract.
const (
	TableDeterminations  = "determinations"
	TableAPMParticipants = "apm_participants"
	TableClinicianScores = "clinician_scores"
	TableRejects         = "rejects"
	// TableMembers is not in the data contract: it lists the NPI/TINs of every virtual group,
	// subgroup and APM Entity, so `reweigh explain` and analysts can join clinicians to them.
	TableMembers = "members"
	// TableYearDiff is the output of `reweigh diff`.
	TableYearDiff = "year_diff"
)

// OutputTables lists the output table names in contract order (the order of manifest outputs).
var OutputTables = []string{TableDeterminations, TableAPMParticipants, TableClinicianScores, TableMembers, TableYearDiff, TableRejects}

// Kind is the type of an output column.
type Kind int

// Column kinds. Parquet: String is UTF8 (STRING), Int is INT64, Bool is BOOLEAN, Double is DOUBLE.
const (
	String Kind = iota
	Int
	Bool
	Double
)

// String returns the kind's name in lower case.
func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Int:
		return "int"
	case Bool:
		return "bool"
	case Double:
		return "double"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Column is one output column: its contract name, its type and whether it can be null.
type Column struct {
	Name     string
	Kind     Kind
	Nullable bool
}

// Schema returns the output columns of a table in contract order, or nil for a name that is
// not an output table.
func Schema(table string) []Column {
	var cols []Column
	switch table {
	case TableDeterminations:
		cols = columnsOf(determinationFields)
	case TableAPMParticipants:
		cols = columnsOf(apmParticipantFields)
	case TableClinicianScores:
		cols = columnsOf(clinicianScoreFields)
	case TableMembers:
		cols = columnsOf(memberFields)
	case TableYearDiff:
		cols = columnsOf(yearDiffFields)
	case TableRejects:
		cols = columnsOf(rejectFields)
	}
	return cols
}

// field is one output column with the accessor that reads it from a row of type T. Exactly
// one accessor is set, the one of the column's Kind; ok=false means null.
type field[T any] struct {
	Column
	dict bool // dictionary-encode in Parquet (low-cardinality strings and ints)
	str  func(*T) (v string, ok bool)
	i64  func(*T) (v int64, ok bool)
	b    func(*T) (v bool, ok bool)
	f64  func(*T) (v float64, ok bool)
}

func columnsOf[T any](fields []field[T]) []Column {
	cols := make([]Column, len(fields))
	for i, f := range fields {
		cols[i] = f.Column
	}
	return cols
}

// text is a non-null string column: "" is written as an empty string.
func text[T any](name string, dict bool, get func(*T) string) field[T] {
	return field[T]{Column: Column{name, String, false}, dict: dict,
		str: func(r *T) (string, bool) { return get(r), true }}
}

// optText is a nullable string column: "" is written as null (IDs, and names of something
// that may be absent).
func optText[T any](name string, dict bool, get func(*T) string) field[T] {
	return field[T]{Column: Column{name, String, true}, dict: dict,
		str: func(r *T) (string, bool) { v := get(r); return v, v != "" }}
}

func integer[T any](name string, get func(*T) int) field[T] {
	return field[T]{Column: Column{name, Int, false},
		i64: func(r *T) (int64, bool) { return int64(get(r)), true }}
}

// smallInt is a non-null int column of a few values in no order (the weights, the scored
// categories), dictionary-encoded in Parquet (intDictColumn). Written plain, zstd compresses
// such a column at about 220 MB/s against several GB/s for a constant or sorted one: the
// determinations' five took 0.2-0.3 s of a national run's CPU more that way
// (docs/performance.md, eighth round).
func smallInt[T any](name string, get func(*T) int) field[T] {
	f := integer(name, get)
	f.dict = true
	return f
}

// optPositive is a nullable int column where 0 (never a valid value) is written as null.
func optPositive[T any](name string, get func(*T) int) field[T] {
	return field[T]{Column: Column{name, Int, true},
		i64: func(r *T) (int64, bool) { v := get(r); return int64(v), v > 0 }}
}

func optInt[T any](name string, get func(*T) model.OptInt) field[T] {
	return field[T]{Column: Column{name, Int, true},
		i64: func(r *T) (int64, bool) { v := get(r); return v.V, v.Valid }}
}

func boolean[T any](name string, get func(*T) bool) field[T] {
	return field[T]{Column: Column{name, Bool, false},
		b: func(r *T) (bool, bool) { return get(r), true }}
}

func optBool[T any](name string, get func(*T) model.OptBool) field[T] {
	return field[T]{Column: Column{name, Bool, true},
		b: func(r *T) (bool, bool) { v := get(r); return v.V, v.Valid }}
}

func double[T any](name string, get func(*T) float64) field[T] {
	return field[T]{Column: Column{name, Double, false},
		f64: func(r *T) (float64, bool) { return get(r), true }}
}

func optDouble[T any](name string, get func(*T) model.OptFloat) field[T] {
	return field[T]{Column: Column{name, Double, true},
		f64: func(r *T) (float64, bool) { v := get(r); return v.V, v.Valid }}
}

type det = model.Determination

// determinationFields are the columns of `determinations` in contract order.
var determinationFields = func() []field[det] {
	fs := []field[det]{
		integer("performance_year", func(d *det) int { return d.PerformanceYear }),
		integer("payment_year", func(d *det) int { return d.PaymentYear }),
		text("level", true, func(d *det) string { return string(d.Level) }),
		optText("npi", false, func(d *det) string { return d.NPI }),
		optText("tin", false, func(d *det) string { return d.TIN }),
		optText("virtual_group_id", false, func(d *det) string { return d.VirtualGroupID }),
		optText("subgroup_id", false, func(d *det) string { return d.SubgroupID }),
		optText("apm_entity_id", false, func(d *det) string { return d.APMEntityID }),
		text("pathway", true, func(d *det) string { return string(d.Pathway) }),
		boolean("mips_eligible", func(d *det) bool { return d.MIPSEligible }),
		integer("clinician_count", func(d *det) int { return d.ClinicianCount }),
		boolean("small_practice", func(d *det) bool { return d.SmallPractice }),
		boolean("hospital_based", func(d *det) bool { return d.HospitalBased }),
		boolean("non_patient_facing", func(d *det) bool { return d.NonPatientFacing }),
		boolean("asc_based", func(d *det) bool { return d.ASCBased }),
		optDouble("hospital_based_share", func(d *det) model.OptFloat { return d.HospitalBasedShare }),
		optDouble("non_patient_facing_share", func(d *det) model.OptFloat { return d.NonPatientFacingShare }),
		optDouble("asc_based_share", func(d *det) model.OptFloat { return d.ASCBasedShare }),
		text("status_source", true, func(d *det) string { return d.StatusSource }),
	}
	for _, c := range model.Categories {
		fs = append(fs, smallInt(c.String()+"_weight", func(d *det) int { return d.Weights[c] }))
	}
	for _, c := range model.Categories {
		fs = append(fs, text(c.String()+"_status", true, func(d *det) string { return d.Status[c] }))
	}
	for _, c := range model.Categories {
		fs = append(fs, text(c.String()+"_reason", true, func(d *det) string { return d.Reason[c] }))
	}
	return append(fs,
		smallInt("scored_categories", func(d *det) int { return d.ScoredCategories }),
		boolean("final_score_at_threshold", func(d *det) bool { return d.FinalScoreAtThreshold }),
		double("performance_threshold", func(d *det) float64 { return d.PerformanceThreshold }),
		optDouble("final_score", func(d *det) model.OptFloat { return d.FinalScore }),
		optDouble("pi_average_score", func(d *det) model.OptFloat { return d.PIAverageScore }),
		optInt("pi_average_count", func(d *det) model.OptInt { return d.PIAverageCount }),
		optInt("pi_excluded_count", func(d *det) model.OptInt { return d.PIExcludedCount }),
		optDouble("pi_reweight_share", func(d *det) model.OptFloat { return d.PIReweightShare }),
		text("flags", true, func(d *det) string { return d.Flags }),
	)
}()

type apm = model.APMParticipantResult

// apmParticipantFields are the columns of `apm_participants` in contract order.
var apmParticipantFields = []field[apm]{
	optText("apm_entity_id", false, func(p *apm) string { return p.APMEntityID }),
	optText("tin", false, func(p *apm) string { return p.TIN }),
	optText("npi", false, func(p *apm) string { return p.NPI }),
	optDouble("pi_score_used", func(p *apm) model.OptFloat { return p.PIScoreUsed }),
	boolean("in_pi_average", func(p *apm) bool { return p.InPIAverage }),
	text("excluded_reason", true, func(p *apm) string { return p.ExcludedReason }),
	optBool("pi_reporting_required", func(p *apm) model.OptBool { return p.PIReportingRequired }),
}

type cs = model.ClinicianScore

// clinicianScoreFields are the columns of `clinician_scores` in contract order.
var clinicianScoreFields = []field[cs]{
	optText("npi", false, func(s *cs) string { return s.NPI }),
	optText("tin", false, func(s *cs) string { return s.TIN }),
	optDouble("individual_final_score", func(s *cs) model.OptFloat { return s.IndividualFinalScore }),
	optDouble("group_final_score", func(s *cs) model.OptFloat { return s.GroupFinalScore }),
	optDouble("subgroup_final_score", func(s *cs) model.OptFloat { return s.SubgroupFinalScore }),
	optDouble("apm_entity_final_score", func(s *cs) model.OptFloat { return s.APMEntityFinalScore }),
	optDouble("virtual_group_final_score", func(s *cs) model.OptFloat { return s.VirtualGroupFinalScore }),
	optDouble("final_score", func(s *cs) model.OptFloat { return s.FinalScore }),
	optText("picked", true, func(s *cs) string { return s.Picked }),
	integer("payment_year", func(s *cs) int { return s.PaymentYear }),
}

type mem = model.Member

// memberFields are the columns of `members`.
var memberFields = []field[mem]{
	text("level", true, func(m *mem) string { return string(m.Level) }),
	optText("virtual_group_id", false, func(m *mem) string { return m.VirtualGroupID }),
	optText("subgroup_id", false, func(m *mem) string { return m.SubgroupID }),
	optText("apm_entity_id", false, func(m *mem) string { return m.APMEntityID }),
	optText("tin", false, func(m *mem) string { return m.TIN }),
	optText("npi", false, func(m *mem) string { return m.NPI }),
}

type ydiff = model.YearDiff

// yearDiffFields are the columns of `year_diff`.
var yearDiffFields = []field[ydiff]{
	text("level", true, func(d *ydiff) string { return string(d.Level) }),
	optText("npi", false, func(d *ydiff) string { return d.NPI }),
	optText("tin", false, func(d *ydiff) string { return d.TIN }),
	optText("virtual_group_id", false, func(d *ydiff) string { return d.VirtualGroupID }),
	optText("subgroup_id", false, func(d *ydiff) string { return d.SubgroupID }),
	optText("apm_entity_id", false, func(d *ydiff) string { return d.APMEntityID }),
	text("pathway", true, func(d *ydiff) string { return string(d.Pathway) }),
	integer("from_year", func(d *ydiff) int { return d.FromYear }),
	integer("to_year", func(d *ydiff) int { return d.ToYear }),
	text("change", true, func(d *ydiff) string { return d.Change }),
	text("changed", true, func(d *ydiff) string { return d.Changed }),
	optText("weights_from", true, func(d *ydiff) string { return d.WeightsFrom }),
	optText("weights_to", true, func(d *ydiff) string { return d.WeightsTo }),
	optText("statuses_from", true, func(d *ydiff) string { return d.StatusesFrom }),
	optText("statuses_to", true, func(d *ydiff) string { return d.StatusesTo }),
	text("reasons_removed", false, func(d *ydiff) string { return d.ReasonsRemoved }),
	text("reasons_added", false, func(d *ydiff) string { return d.ReasonsAdded }),
	optDouble("final_score_from", func(d *ydiff) model.OptFloat { return d.FinalScoreFrom }),
	optDouble("final_score_to", func(d *ydiff) model.OptFloat { return d.FinalScoreTo }),
}

type rej = model.Reject

// rejectFields are the columns of `rejects` in contract order. A row number of 0 (a reject or
// warning about a whole file or table) is written as null.
var rejectFields = []field[rej]{
	text("severity", true, func(r *rej) string { return r.Severity }),
	text("table", true, func(r *rej) string { return r.Table }),
	text("file", true, func(r *rej) string { return r.File }),
	optPositive("row", func(r *rej) int { return r.Row }),
	text("column", true, func(r *rej) string { return r.Column }),
	text("value", false, func(r *rej) string { return r.Value }),
	text("code", true, func(r *rej) string { return r.Code }),
	text("message", false, func(r *rej) string { return r.Message }),
}
