// Package model holds the typed rows of reweigh's input and output tables, shared by readers,
// rules, pipeline and writers. It has no behaviour beyond small helpers on those types.
package model

import (
	"cmp"
	"slices"
	"strings"
)

// Table names, exactly as in the data contract (file DIR/<table>.csv or .parquet).
const (
	TableClinicians    = "clinicians"
	TableGroups        = "groups"
	TableVirtualGroups = "virtual_groups"
	TableSubgroups     = "subgroups"
	TableAPMEntities   = "apm_entities"
	TableExceptions    = "exceptions"
	TableSubmissions   = "submissions"
	TableMeasurements  = "measurements"
	TableScores        = "scores"
	TableEUCAreas      = "euc_areas"
	TableCostMeasures  = "cost_measures"
)

// InputTables lists every input table in the order they are reported in the manifest.
var InputTables = []string{
	TableClinicians, TableGroups, TableVirtualGroups, TableSubgroups, TableAPMEntities,
	TableExceptions, TableSubmissions, TableMeasurements, TableScores, TableEUCAreas,
	TableCostMeasures,
}

// Level is a level of MIPS participation.
type Level string

const (
	LevelIndividual   Level = "individual"
	LevelGroup        Level = "group"
	LevelVirtualGroup Level = "virtual_group"
	LevelSubgroup     Level = "subgroup"
	LevelAPMEntity    Level = "apm_entity"
)

// Pathway is a MIPS reporting pathway.
type Pathway string

const (
	PathwayTraditional Pathway = "traditional"
	PathwayMVP         Pathway = "mvp"
	PathwayAPP         Pathway = "app"
)

// Category is one of the four MIPS performance categories, in contract order.
type Category int

const (
	Quality Category = iota
	Cost
	IA
	PI
	NumCategories = 4
)

// Categories lists the four categories in contract order.
var Categories = [NumCategories]Category{Quality, Cost, IA, PI}

var categoryNames = [NumCategories]string{"quality", "cost", "ia", "pi"}

// String returns the contract name of the category: quality, cost, ia or pi.
func (c Category) String() string {
	if c < 0 || int(c) >= NumCategories {
		return "unknown"
	}
	return categoryNames[c]
}

// ParseCategory parses a contract category name (any case).
func ParseCategory(s string) (Category, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, n := range categoryNames {
		if n == s {
			return Category(i), true
		}
	}
	return 0, false
}

// CategorySet is a set of categories as a bit mask (bit i = Category i).
type CategorySet uint8

// Has reports whether c is in the set.
func (s CategorySet) Has(c Category) bool { return s&(1<<c) != 0 }

// With returns the set with c added.
func (s CategorySet) With(c Category) CategorySet { return s | 1<<c }

// Without returns the set with c removed.
func (s CategorySet) Without(c Category) CategorySet { return s &^ (1 << c) }

// Len is the number of categories in the set.
func (s CategorySet) Len() int {
	n := 0
	for _, c := range Categories {
		if s.Has(c) {
			n++
		}
	}
	return n
}

// String joins the set's category names with "+" in contract order ("" for the empty set).
func (s CategorySet) String() string {
	var parts []string
	for _, c := range Categories {
		if s.Has(c) {
			parts = append(parts, c.String())
		}
	}
	return strings.Join(parts, "+")
}

// OptBool is a nullable boolean.
type OptBool struct {
	V     bool
	Valid bool
}

// OptInt is a nullable integer.
type OptInt struct {
	V     int64
	Valid bool
}

// OptCount is a nullable count (a non-negative integer) in one word, the count plus one: the
// zero value is null, like OptInt's. The clinicians rows hold four, 1.65 million rows in a
// national run, where OptInt's 16 bytes took 53 MB more. Make one with CountOf.
type OptCount uint64

// CountOf returns o as a count; a null or negative o is null.
func CountOf(o OptInt) OptCount {
	if !o.Valid || o.V < 0 {
		return 0
	}
	return OptCount(o.V) + 1
}

// Opt returns the count as an OptInt.
func (c OptCount) Opt() OptInt {
	if c == 0 {
		return OptInt{}
	}
	return OptInt{V: int64(c - 1), Valid: true}
}

// OptFloat is a nullable float.
type OptFloat struct {
	V     float64
	Valid bool
}

// Date is a calendar date as days since 1970-01-01, with Valid false for null.
type Date struct {
	Days  int32
	Valid bool
}

// Clinician is one row of `clinicians`: an NPI billing under a TIN, optionally for one of the
// two determination-period segments.
//
// The small fields are together, so that they share one word: a national file has 1.65 million
// rows (112 bytes each).
type Clinician struct {
	Row                     int // 1-based data row (CSV: line number)
	NPI, TIN                string
	ClinicianType           string // vocabulary of the contract; "" when null
	TotalServices           OptCount
	HospitalServices        OptCount // POS 19/21/22/23
	ASCServices             OptCount // POS 24
	PatientFacingEncounters OptCount
	MIPSEligible            bool    // default true
	Segment                 uint8   // 0 when not given, else 1 or 2
	HospitalBased           OptBool // given flags
	NonPatientFacing        OptBool
	ASCBased                OptBool
	AutoEUC                 OptBool
	Practice                *Practice // the practice address; nil when none of it is given
}

// Practice is where a clinician practices, as given in `clinicians`: ZIP code (5 digits), state
// (2 letters, upper case) and county name, each "" when null. Rows of one address share one
// Practice (each of the readers' decoders interns them), so that a row holds a pointer instead
// of three strings: 40 bytes less in each of a national file's 1.65 million rows. Shared, it is
// read-only.
type Practice struct {
	ZIP, State, County string
}

// Address returns the ZIP code, state and county of p, "" for each when p is nil.
func (p *Practice) Address() (zip, state, county string) {
	if p == nil {
		return "", "", ""
	}
	return p.ZIP, p.State, p.County
}

// Group is one row of `groups`.
type Group struct {
	Row            int
	TIN            string
	ClinicianCount OptInt
	SmallPractice  OptBool
}

// VirtualGroupMember is one row of `virtual_groups`: a TIN in a virtual group.
type VirtualGroupMember struct {
	Row            int
	VirtualGroupID string
	TIN            string
}

// SubgroupMember is one row of `subgroups`: an NPI/TIN in an MVP subgroup.
type SubgroupMember struct {
	Row        int
	SubgroupID string
	TIN, NPI   string
}

// APMParticipant is one row of `apm_entities`: a participant NPI/TIN, or a whole TIN when NPI
// is empty.
type APMParticipant struct {
	Row           int
	APMEntityID   string
	APMEntityType string
	TIN, NPI      string
}

// Exception types and application statuses of the `exceptions` table.
const (
	ExceptionPIHardship = "pi_hardship"
	ExceptionEUC        = "euc"

	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusApproved  = "approved"
	StatusDenied    = "denied"
	StatusWithdrawn = "withdrawn"
)

// Exception is one row of `exceptions`: a PI hardship or EUC application.
type Exception struct {
	Row           int
	ApplicationID string
	ExceptionType string // pi_hardship or euc
	Entity        EntityKey
	Categories    CategorySet // EUC only
	Reason        string
	Status        string
	SubmittedAt   Date
	DecidedAt     Date
}

// Submission is one row of `submissions`: a measurement set. Of submission_method and
// cehrt_id the rules read only whether the method is claims and whether an ID is given: the
// values are validated by the readers and not kept (a national file has a million rows).
type Submission struct {
	Row              int
	SubmissionID     string
	Entity           EntityKey
	Pathway          Pathway // default traditional
	Category         Category
	PerformanceStart Date
	PerformanceEnd   Date
	Claims           bool // submission_method is claims
	CEHRT            bool // a cehrt_id is given
}

// Measurement is one row of `measurements`, as the rules read it: which of numerator,
// denominator, value and exclusion are given, and the yes/no answers. The numbers themselves
// are validated by the readers and not kept: no rule reads them.
type Measurement struct {
	Row          int
	SubmissionID string
	MeasureID    string
	Flags        MeasurementFlags
}

// MeasurementFlags records what a measurements row gives.
type MeasurementFlags uint8

const (
	HasNumerator   MeasurementFlags = 1 << iota // numerator given
	HasDenominator                              // denominator given
	HasValue                                    // value given (true or false)
	ValueYes                                    // value true: an attestation or activity "yes"
	HasExclusion                                // exclusion given
	ExclusionYes                                // exclusion true: the exclusion is claimed
)

// Has reports whether every flag of f is set.
func (m MeasurementFlags) Has(f MeasurementFlags) bool { return m&f == f }

// Measurements holds the accepted rows of `measurements` column by column: a national file has
// ten million rows, and this way each takes 5 bytes and holds no pointer for the collector to
// scan. The rows come in runs of consecutive rows of one submission, and a submission ID is
// stored once per run; a measure ID is stored once; a row number only where the rows kept stop
// being numbered one after another (a rejected row, a CSV record over several lines). Add rows
// with StartRun and Add.
type Measurements struct {
	Measure    []int32 // each row's index into MeasureIDs
	Flags      []MeasurementFlags
	MeasureIDs []string // distinct measure IDs

	// SubmissionIDs is the submission ID of each run of consecutive rows of one submission,
	// and RunStarts where the run starts: run r is rows RunStarts[r] up to the next run's start
	// (the last to Len()).
	SubmissionIDs []string
	RunStarts     []int

	// SubmissionRows, filled by the readers, is the position in Inputs.Submissions of the
	// submission of each of SubmissionIDs (-1 for none), and SubmissionRowsOf the number of
	// submissions it was made for. It spares the pipeline a map of the submissions' IDs; it is
	// nil for rows built by hand, and a change to Inputs.Submissions after the read voids it.
	SubmissionRows   []int32
	SubmissionRowsOf int

	// rowMarks number the rows: from position at on, the rows are data rows row, row+1, ...
	// up to the next mark.
	rowMarks []rowMark
}

type rowMark struct{ at, row int }

// Len is the number of rows.
func (m *Measurements) Len() int { return len(m.Flags) }

// Runs is the number of runs of rows of one submission.
func (m *Measurements) Runs() int { return len(m.RunStarts) }

// Run returns the rows [lo, hi) of run r.
func (m *Measurements) Run(r int) (lo, hi int) {
	lo, hi = m.RunStarts[r], m.Len()
	if r+1 < len(m.RunStarts) {
		hi = m.RunStarts[r+1]
	}
	return lo, hi
}

// StartRun starts a run of rows of the submission id: the rows added next are its rows.
//
// The runs' slices double when full: append grows a large slice by a quarter, so that the
// slices it leaves behind come to four times the last one, and a national read (about a
// million runs, with the collector paused) left about 100 MB of them, every page a fresh one.
// Doubled, they come to the last one's size at most.
func (m *Measurements) StartRun(id string) {
	if len(m.RunStarts) == cap(m.RunStarts) {
		n := max(2*cap(m.RunStarts), 1024)
		m.SubmissionIDs = slices.Grow(m.SubmissionIDs, n-len(m.SubmissionIDs))
		m.RunStarts = slices.Grow(m.RunStarts, n-len(m.RunStarts))
	}
	m.SubmissionIDs = append(m.SubmissionIDs, id)
	m.RunStarts = append(m.RunStarts, m.Len())
}

// Add adds a row to the current run (StartRun): its 1-based data row (CSV: line number), its
// measure (an index into MeasureIDs) and flags.
func (m *Measurements) Add(row int, measure int32, f MeasurementFlags) {
	if n := len(m.rowMarks); n == 0 || m.rowMarks[n-1].row+m.Len()-m.rowMarks[n-1].at != row {
		m.rowMarks = append(m.rowMarks, rowMark{at: m.Len(), row: row})
	}
	m.Measure = append(m.Measure, measure)
	m.Flags = append(m.Flags, f)
}

// Grow makes room for n more rows.
func (m *Measurements) Grow(n int) {
	m.Measure = slices.Grow(m.Measure, n)
	m.Flags = slices.Grow(m.Flags, n)
}

// Row returns the 1-based data row (CSV: line number) of row i.
func (m *Measurements) Row(i int) int {
	k, found := slices.BinarySearchFunc(m.rowMarks, i, func(r rowMark, i int) int { return cmp.Compare(r.at, i) })
	if !found {
		k--
	}
	return m.rowMarks[k].row + i - m.rowMarks[k].at
}

// RunOf returns the run of row i.
func (m *Measurements) RunOf(i int) int {
	r, found := slices.BinarySearch(m.RunStarts, i)
	if !found {
		r--
	}
	// Runs with no rows share their start with the next: the row is in the last of them.
	for r+1 < len(m.RunStarts) && m.RunStarts[r+1] == i {
		r++
	}
	return r
}

// At returns row i.
func (m *Measurements) At(i int) Measurement {
	return Measurement{Row: m.Row(i), SubmissionID: m.SubmissionIDs[m.RunOf(i)],
		MeasureID: m.MeasureIDs[m.Measure[i]], Flags: m.Flags[i]}
}

// KeepRuns keeps the runs that keep says to keep and drops the others with their rows, calling
// dropped, in order, with the data row and run of each row dropped. SubmissionRows, when set,
// is kept in step.
func (m *Measurements) KeepRuns(keep func(r int) bool, dropped func(row, r int)) {
	var marks []rowMark
	k := 0                     // the mark numbering the row last asked for
	rowOf := func(i int) int { // Row(i) for i in increasing order
		for k+1 < len(m.rowMarks) && m.rowMarks[k+1].at <= i {
			k++
		}
		return m.rowMarks[k].row + i - m.rowMarks[k].at
	}
	n, runs := 0, 0
	for r := range m.RunStarts {
		lo, hi := m.Run(r)
		if !keep(r) {
			for i := lo; i < hi; i++ {
				dropped(rowOf(i), r)
			}
			continue
		}
		m.SubmissionIDs[runs], m.RunStarts[runs] = m.SubmissionIDs[r], n
		if m.SubmissionRows != nil {
			m.SubmissionRows[runs] = m.SubmissionRows[r]
		}
		runs++
		for i := lo; i < hi; i++ {
			row := rowOf(i)
			if j := len(marks); j == 0 || marks[j-1].row+n-marks[j-1].at != row {
				marks = append(marks, rowMark{at: n, row: row})
			}
			m.Measure[n], m.Flags[n] = m.Measure[i], m.Flags[i]
			n++
		}
	}
	clear(m.SubmissionIDs[runs:])
	m.SubmissionIDs, m.RunStarts = m.SubmissionIDs[:runs], m.RunStarts[:runs]
	if m.SubmissionRows != nil {
		m.SubmissionRows = m.SubmissionRows[:runs]
	}
	m.Measure, m.Flags, m.rowMarks = m.Measure[:n], m.Flags[:n], marks
}

// MeasurementsOf returns the rows in column form, as the readers store them. It is for inputs
// built by hand; the readers fill the columns directly.
func MeasurementsOf(rows ...Measurement) Measurements {
	var m Measurements
	measures := map[string]int32{}
	for i, r := range rows {
		if i == 0 || r.SubmissionID != rows[i-1].SubmissionID {
			m.StartRun(r.SubmissionID)
		}
		m.Add(r.Row, m.MeasureIndex(measures, r.MeasureID), r.Flags)
	}
	return m
}

// MeasureIndex returns the position of id in MeasureIDs, adding a copy of id when it is new;
// index maps the IDs added so far to their positions (a few hundred distinct measures).
func (m *Measurements) MeasureIndex(index map[string]int32, id string) int32 {
	if i, ok := index[id]; ok {
		return i
	}
	i := int32(len(m.MeasureIDs))
	id = strings.Clone(id)
	m.MeasureIDs = append(m.MeasureIDs, id)
	index[id] = i
	return i
}

// Score is one row of `scores`: category scores computed upstream for one entity.
type Score struct {
	Row    int
	Entity EntityKey
	CategoryScores
}

// CategoryScores are an entity's scores as `scores` gives them: what the rules read of a Score.
// Make them with NewCategoryScores; the zero value has no score. They are packed (48 bytes,
// against 80 for five OptFloats): a national run holds 1.4 million of them.
type CategoryScores struct {
	v     [NumCategories + 1]float64 // by Category, then the complex patient bonus
	given uint8                      // bit i: v[i] is given
}

// NewCategoryScores returns the four category scores and the complex patient bonus.
func NewCategoryScores(quality, cost, ia, pi, complexPatientBonus OptFloat) CategoryScores {
	var s CategoryScores
	for i, f := range [...]OptFloat{quality, cost, ia, pi, complexPatientBonus} {
		s.set(i, f)
	}
	return s
}

func (s *CategoryScores) set(i int, f OptFloat) {
	if f.Valid {
		s.v[i], s.given = f.V, s.given|1<<i
	} else {
		s.v[i], s.given = 0, s.given&^(1<<i)
	}
}

func (s *CategoryScores) get(i int) OptFloat {
	if s.given&(1<<i) == 0 {
		return OptFloat{}
	}
	return OptFloat{V: s.v[i], Valid: true}
}

// Of returns the score of category c.
func (s *CategoryScores) Of(c Category) OptFloat { return s.get(int(c)) }

// Set sets the score of category c.
func (s *CategoryScores) Set(c Category, f OptFloat) { s.set(int(c), f) }

// ComplexPatientBonus returns the complex patient bonus.
func (s *CategoryScores) ComplexPatientBonus() OptFloat { return s.get(NumCategories) }

// EUCArea is one row of `euc_areas` (or of the bundled CMS lists): a ZIP or a county.
type EUCArea struct {
	Row        int
	StateCode  string
	CountyName string
	Zipcode    string
}

// CostMeasure is one row of `cost_measures`.
type CostMeasure struct {
	Row             int
	Entity          EntityKey
	MeasureID       string
	AttributedCases int64
	CaseMinimum     int64
}

// Severity of a reject row.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Reject is one row of the `rejects` output: an input row that was not used, or a warning.
type Reject struct {
	Severity string
	Table    string
	File     string
	Row      int
	Column   string
	Value    string
	Code     string
	Message  string
}

// InputStat reconciles one input table for the manifest: RowsRead = RowsAccepted + RowsRejected.
type InputStat struct {
	Table        string `json:"table"`
	Path         string `json:"path"`
	SHA256       string `json:"sha256"`
	RowsRead     int    `json:"rows_read"`
	RowsAccepted int    `json:"rows_accepted"`
	RowsRejected int    `json:"rows_rejected"`
}

// Inputs is everything the readers produced: the accepted rows of every table, the rejects,
// and the per-table statistics. A table that was not given has Present[table] false.
type Inputs struct {
	Clinicians    []Clinician
	Groups        []Group
	VirtualGroups []VirtualGroupMember
	Subgroups     []SubgroupMember
	APMEntities   []APMParticipant
	Exceptions    []Exception
	Submissions   []Submission
	Measurements  Measurements
	Scores        []Score
	EUCAreas      []EUCArea
	CostMeasures  []CostMeasure

	Present map[string]bool
	Stats   []InputStat // one per table that was given, in InputTables order
	Rejects []Reject
}

// Has reports whether the input table was given.
func (in *Inputs) Has(table string) bool { return in.Present[table] }

// Determination is one row of the `determinations` output.
type Determination struct {
	PerformanceYear, PaymentYear int
	Level                        Level
	NPI, TIN                     string // "" is written as null
	VirtualGroupID               string
	SubgroupID                   string
	APMEntityID                  string
	Pathway                      Pathway
	MIPSEligible                 bool
	ClinicianCount               int
	SmallPractice                bool
	HospitalBased                bool
	NonPatientFacing             bool
	ASCBased                     bool
	HospitalBasedShare           OptFloat
	NonPatientFacingShare        OptFloat
	ASCBasedShare                OptFloat
	StatusSource                 string
	Weights                      [NumCategories]int
	Status                       [NumCategories]string // scored, reweighted, overridden
	Reason                       [NumCategories]string
	ScoredCategories             int
	FinalScoreAtThreshold        bool
	PerformanceThreshold         float64
	FinalScore                   OptFloat
	PIAverageScore               OptFloat
	PIAverageCount               OptInt
	PIExcludedCount              OptInt
	PIReweightShare              OptFloat
	Flags                        string
}

// Category statuses written in the *_status columns.
const (
	CategoryScored     = "scored"
	CategoryReweighted = "reweighted"
	CategoryOverridden = "overridden"
)

// APMParticipantResult is one row of the `apm_participants` output.
type APMParticipantResult struct {
	APMEntityID         string
	TIN, NPI            string
	PIScoreUsed         OptFloat
	InPIAverage         bool
	ExcludedReason      string
	PIReportingRequired OptBool
}

// ClinicianScore is one row of the `clinician_scores` output.
type ClinicianScore struct {
	NPI, TIN               string
	IndividualFinalScore   OptFloat
	GroupFinalScore        OptFloat
	SubgroupFinalScore     OptFloat
	APMEntityFinalScore    OptFloat
	VirtualGroupFinalScore OptFloat
	FinalScore             OptFloat
	Picked                 string
	PaymentYear            int
}

// ClinicianTypes is the contract's clinician type vocabulary.
var ClinicianTypes = []string{
	"physician", "physician_assistant", "nurse_practitioner", "clinical_nurse_specialist",
	"certified_registered_nurse_anesthetist", "certified_nurse_midwife", "physical_therapist",
	"occupational_therapist", "speech_language_pathologist", "audiologist",
	"clinical_psychologist", "registered_dietitian", "clinical_social_worker", "chiropractor",
	"other",
}

// Member is one row of the `members` output: an NPI/TIN that belongs to a virtual group,
// subgroup or APM Entity (a whole-TIN participant is listed once per NPI of the TIN).
type Member struct {
	Level          Level
	VirtualGroupID string
	SubgroupID     string
	APMEntityID    string
	TIN, NPI       string
}

// YearDiff is one row of the `year_diff` output of `reweigh diff`: an entity and pathway whose
// statuses or weights differ between two years' rules on the same inputs.
type YearDiff struct {
	Level          Level
	NPI, TIN       string
	VirtualGroupID string
	SubgroupID     string
	APMEntityID    string
	Pathway        Pathway
	FromYear       int
	ToYear         int
	Change         string // "changed", "only_from" or "only_to"
	Changed        string // ;-separated columns that differ
	WeightsFrom    string // quality/cost/ia/pi, e.g. "55/30/15/0"
	WeightsTo      string
	StatusesFrom   string // quality/cost/ia/pi statuses, e.g. "scored/scored/scored/reweighted"
	StatusesTo     string
	ReasonsRemoved string // category:rule tokens in the from-year row only, e.g. "pi:pi.clinician_type"
	ReasonsAdded   string // category:rule tokens in the to-year row only
	FinalScoreFrom OptFloat
	FinalScoreTo   OptFloat
}
