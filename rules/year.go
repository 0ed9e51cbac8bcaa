package rules

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"reweigh/model"
)

//go:embed years/*.json
var yearFiles embed.FS

// Weight table names.
const (
	TableTraditional   = "traditional"
	TableSmallPractice = "small_practice"
	TableAPP           = "app"
)

// Qualifying-data criteria names (years/*.json "qualifying.criteria").
const (
	CriteriaAnyData   = "any_data"   // 2022-2024: any data in the category scores it
	CriteriaAppendixD = "appendix_d" // 2025+: the EUC guide's Appendix D minimum criteria
)

// Statuses holds the year's status thresholds. Percentages are whole numbers compared with
// exact integer arithmetic.
type Statuses struct {
	HospitalBasedMinPercent       int64 `json:"hospital_based_min_percent"`
	ASCBasedMinPercent            int64 `json:"asc_based_min_percent"`
	NonPatientFacingMaxEncounters int64 `json:"non_patient_facing_max_encounters"`
	SmallPracticeMaxClinicians    int64 `json:"small_practice_max_clinicians"`
	GroupShareMoreThanPercent     int64 `json:"group_share_more_than_percent"`
	APMEUCPIShareMinPercent       int64 `json:"apm_euc_pi_share_min_percent"`
	VirtualGroupTINMaxClinicians  int64 `json:"virtual_group_tin_max_clinicians"`
}

// Qualifying says what makes a data submission qualifying in the year.
type Qualifying struct {
	Criteria             string `json:"criteria"`
	PIMinPerformanceDays int    `json:"pi_min_performance_days"`
	// PIObjectives are the PI objectives whose required measures need performance data (or a
	// claimed exclusion) under Appendix D; each objective is met by any one of its options, and
	// an option by data for every measure in it.
	PIObjectives []PIObjective `json:"pi_objectives,omitempty"`
	// PIRequiredAttestations are attestation statements that must be answered "yes".
	PIRequiredAttestations []string `json:"pi_required_attestations,omitempty"`
	// PIExclusions maps an exclusion measure ID to the required measure it excludes.
	PIExclusions map[string]string `json:"pi_exclusions,omitempty"`
	PISource     string            `json:"pi_source,omitempty"`
}

// PIObjective is one PI objective and the ways to meet it.
type PIObjective struct {
	Name  string     `json:"name"`
	AnyOf [][]string `json:"any_of"`
}

// Weights are the four category weights in percent, in contract order.
type Weights [model.NumCategories]int

// WeightTable is one redistribution table of a year.
type WeightTable struct {
	Name                 string
	ThresholdBelowScored int               // fewer scored categories than this: final score = threshold
	NeverScored          model.CategorySet // e.g. cost under the APP
	AlwaysScored         model.CategorySet // e.g. ia under the APP (full credit)
	rows                 map[model.CategorySet]Weights
}

// Year is one performance year's validated policy.
type Year struct {
	PerformanceYear      int
	PaymentYear          int
	PerformanceThreshold float64
	PIClinicianTypes     map[string]bool
	// SSPPIReportingRequired: Shared Savings Program ACO participants must report PI unless
	// excluded (rules.md apm.ssp_pi_required, from 2025).
	SSPPIReportingRequired bool
	Statuses               Statuses
	Qualifying             Qualifying
	Sources                map[string]string
	tables                 map[string]*WeightTable
}

// Set is every year's policy, validated.
type Set struct {
	years map[int]*Year
}

type yearFile struct {
	PerformanceYear      int                      `json:"performance_year"`
	PaymentYear          int                      `json:"payment_year"`
	PerformanceThreshold *float64                 `json:"performance_threshold"`
	Sources              map[string]string        `json:"sources"`
	PIClinicianTypes     []string                 `json:"pi_clinician_types"`
	SSPPIReporting       *bool                    `json:"ssp_pi_reporting_required"`
	Statuses             *Statuses                `json:"statuses"`
	Qualifying           *Qualifying              `json:"qualifying"`
	WeightTables         map[string]weightTableJS `json:"weight_tables"`
}

type weightTableJS struct {
	ThresholdBelowScored int        `json:"threshold_below_scored"`
	NeverScored          []string   `json:"never_scored"`
	AlwaysScored         []string   `json:"always_scored"`
	Rows                 []weightJS `json:"rows"`
}

type weightJS struct {
	NotScored []string `json:"not_scored"`
	Weights   []int    `json:"weights"`
}

// Load reads and validates the policy bundled with the program.
func Load() (*Set, error) {
	sub, err := fs.Sub(yearFiles, "years")
	if err != nil {
		return nil, err
	}
	return LoadFS(sub)
}

// LoadFS reads and validates every *.json year file at the root of fsys.
func LoadFS(fsys fs.FS) (*Set, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("rules: no year files")
	}
	s := &Set{years: map[int]*Year{}}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("rules: %s: %w", name, err)
		}
		y, err := parseYear(b)
		if err != nil {
			return nil, fmt.Errorf("rules: %s: %w", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".json"); want != strconv.Itoa(y.PerformanceYear) {
			return nil, fmt.Errorf("rules: %s: performance_year %d does not match the file name", name, y.PerformanceYear)
		}
		if _, dup := s.years[y.PerformanceYear]; dup {
			return nil, fmt.Errorf("rules: %s: year %d defined twice", name, y.PerformanceYear)
		}
		s.years[y.PerformanceYear] = y
	}
	return s, nil
}

// Years lists the supported performance years in ascending order.
func (s *Set) Years() []int {
	ys := make([]int, 0, len(s.years))
	for y := range s.years {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	return ys
}

// ForYear returns the policy of a performance year, or an error naming the supported years.
func (s *Set) ForYear(year int) (*Year, error) {
	if y, ok := s.years[year]; ok {
		return y, nil
	}
	ys := s.Years()
	parts := make([]string, len(ys))
	for i, y := range ys {
		parts[i] = strconv.Itoa(y)
	}
	return nil, fmt.Errorf("unsupported performance year %d (supported: %s)", year, strings.Join(parts, ", "))
}

func parseCategories(names []string) (model.CategorySet, error) {
	var set model.CategorySet
	for _, n := range names {
		c, ok := model.ParseCategory(n)
		if !ok {
			return 0, fmt.Errorf("unknown category %q", n)
		}
		if set.Has(c) {
			return 0, fmt.Errorf("category %q listed twice", n)
		}
		set = set.With(c)
	}
	return set, nil
}

func parseYear(b []byte) (*Year, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f yearFile
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	switch {
	case f.PerformanceYear < 2017:
		return nil, fmt.Errorf("performance_year missing or before MIPS began")
	case f.PaymentYear != f.PerformanceYear+2:
		return nil, fmt.Errorf("payment_year %d is not performance_year + 2", f.PaymentYear)
	case f.PerformanceThreshold == nil || *f.PerformanceThreshold <= 0 || *f.PerformanceThreshold > 100:
		return nil, fmt.Errorf("performance_threshold missing or outside (0, 100]")
	case f.PIClinicianTypes == nil:
		return nil, fmt.Errorf("pi_clinician_types missing (use [] for none)")
	case f.SSPPIReporting == nil:
		return nil, fmt.Errorf("ssp_pi_reporting_required missing")
	case f.Statuses == nil:
		return nil, fmt.Errorf("statuses missing")
	case f.Qualifying == nil:
		return nil, fmt.Errorf("qualifying missing")
	}
	y := &Year{
		PerformanceYear:        f.PerformanceYear,
		PaymentYear:            f.PaymentYear,
		PerformanceThreshold:   *f.PerformanceThreshold,
		PIClinicianTypes:       map[string]bool{},
		SSPPIReportingRequired: *f.SSPPIReporting,
		Statuses:               *f.Statuses,
		Qualifying:             *f.Qualifying,
		Sources:                f.Sources,
		tables:                 map[string]*WeightTable{},
	}
	for _, t := range f.PIClinicianTypes {
		if !slices.Contains(model.ClinicianTypes, t) {
			return nil, fmt.Errorf("pi_clinician_types: %q is not in the contract's clinician type vocabulary", t)
		}
		if y.PIClinicianTypes[t] {
			return nil, fmt.Errorf("pi_clinician_types: %q listed twice", t)
		}
		y.PIClinicianTypes[t] = true
	}
	st := y.Statuses
	for name, v := range map[string]int64{
		"hospital_based_min_percent":        st.HospitalBasedMinPercent,
		"asc_based_min_percent":             st.ASCBasedMinPercent,
		"group_share_more_than_percent":     st.GroupShareMoreThanPercent,
		"apm_euc_pi_share_min_percent":      st.APMEUCPIShareMinPercent,
		"small_practice_max_clinicians":     st.SmallPracticeMaxClinicians,
		"non_patient_facing_max_encounters": st.NonPatientFacingMaxEncounters,
		"virtual_group_tin_max_clinicians":  st.VirtualGroupTINMaxClinicians,
	} {
		if v <= 0 || (strings.HasSuffix(name, "percent") && v > 100) {
			return nil, fmt.Errorf("statuses.%s: %d is missing or out of range", name, v)
		}
	}
	switch y.Qualifying.Criteria {
	case CriteriaAnyData, CriteriaAppendixD:
	default:
		return nil, fmt.Errorf("qualifying.criteria %q: want %q or %q", y.Qualifying.Criteria, CriteriaAnyData, CriteriaAppendixD)
	}
	for _, o := range y.Qualifying.PIObjectives {
		if o.Name == "" || len(o.AnyOf) == 0 {
			return nil, fmt.Errorf("qualifying.pi_objectives: an objective needs a name and at least one option")
		}
		for _, opt := range o.AnyOf {
			if len(opt) == 0 {
				return nil, fmt.Errorf("qualifying.pi_objectives %q: an empty option", o.Name)
			}
		}
	}
	required := map[string]bool{}
	for _, o := range y.Qualifying.PIObjectives {
		for _, opt := range o.AnyOf {
			for _, id := range opt {
				required[id] = true
			}
		}
	}
	for ex, target := range y.Qualifying.PIExclusions {
		if !required[target] {
			return nil, fmt.Errorf("qualifying.pi_exclusions: %s excludes %s, which no objective requires", ex, target)
		}
	}
	if y.Qualifying.PIMinPerformanceDays <= 0 || y.Qualifying.PIMinPerformanceDays > 366 {
		return nil, fmt.Errorf("qualifying.pi_min_performance_days %d out of range", y.Qualifying.PIMinPerformanceDays)
	}
	for _, name := range []string{TableTraditional, TableSmallPractice, TableAPP} {
		js, ok := f.WeightTables[name]
		if !ok {
			return nil, fmt.Errorf("weight_tables.%s missing", name)
		}
		t, err := buildTable(name, js)
		if err != nil {
			return nil, fmt.Errorf("weight_tables.%s: %w", name, err)
		}
		y.tables[name] = t
	}
	if len(f.WeightTables) != len(y.tables) {
		return nil, fmt.Errorf("weight_tables: unknown table (want %s, %s, %s)", TableTraditional, TableSmallPractice, TableAPP)
	}
	return y, nil
}

func buildTable(name string, js weightTableJS) (*WeightTable, error) {
	t := &WeightTable{Name: name, ThresholdBelowScored: js.ThresholdBelowScored, rows: map[model.CategorySet]Weights{}}
	if t.ThresholdBelowScored < 1 || t.ThresholdBelowScored > model.NumCategories {
		return nil, fmt.Errorf("threshold_below_scored %d out of range", t.ThresholdBelowScored)
	}
	var err error
	if t.NeverScored, err = parseCategories(js.NeverScored); err != nil {
		return nil, fmt.Errorf("never_scored: %w", err)
	}
	if t.AlwaysScored, err = parseCategories(js.AlwaysScored); err != nil {
		return nil, fmt.Errorf("always_scored: %w", err)
	}
	if t.NeverScored&t.AlwaysScored != 0 {
		return nil, fmt.Errorf("a category is both never_scored and always_scored")
	}
	for i, r := range js.Rows {
		key, err := parseCategories(r.NotScored)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i+1, err)
		}
		if key&(t.NeverScored|t.AlwaysScored) != 0 {
			return nil, fmt.Errorf("row %d: not_scored names a never_scored or always_scored category", i+1)
		}
		if len(r.Weights) != model.NumCategories {
			return nil, fmt.Errorf("row %d: %d weights, want %d (quality, cost, ia, pi)", i+1, len(r.Weights), model.NumCategories)
		}
		var w Weights
		sum := 0
		for c := range model.NumCategories {
			w[c] = r.Weights[c]
			sum += w[c]
			if w[c] < 0 {
				return nil, fmt.Errorf("row %d: negative weight", i+1)
			}
			zero := key.Has(model.Category(c)) || t.NeverScored.Has(model.Category(c))
			if zero != (w[c] == 0) {
				return nil, fmt.Errorf("row %d (not scored: %s): %s weight %d disagrees with the row's key", i+1, key, model.Category(c), w[c])
			}
		}
		if sum != 100 {
			return nil, fmt.Errorf("row %d (not scored: %s): weights sum to %d, not 100", i+1, key, sum)
		}
		if _, dup := t.rows[key]; dup {
			return nil, fmt.Errorf("row %d: not_scored %q listed twice", i+1, key)
		}
		t.rows[key] = w
	}
	// Complete: every combination that leaves at least ThresholdBelowScored categories scored
	// has a row; none that leaves fewer does.
	free := model.CategorySet(0)
	for _, c := range model.Categories {
		if !t.NeverScored.Has(c) && !t.AlwaysScored.Has(c) {
			free = free.With(c)
		}
	}
	for key := model.CategorySet(0); key < 1<<model.NumCategories; key++ {
		if key&^free != 0 {
			continue
		}
		scored := model.NumCategories - (key | t.NeverScored).Len()
		_, has := t.rows[key]
		switch {
		case scored >= t.ThresholdBelowScored && !has:
			return nil, fmt.Errorf("incomplete: no row for not scored = [%s]", key)
		case scored < t.ThresholdBelowScored && has:
			return nil, fmt.Errorf("row for not scored = [%s] leaves fewer than %d categories scored: that is the threshold", key, t.ThresholdBelowScored)
		}
	}
	return t, nil
}

// Table returns one of the year's weight tables (TableTraditional, TableSmallPractice, TableAPP).
func (y *Year) Table(name string) *WeightTable { return y.tables[name] }

// Lookup is the result of a weight lookup.
type Lookup struct {
	Weights     Weights
	Scored      int  // categories with a non-zero weight
	AtThreshold bool // fewer than ThresholdBelowScored categories scored: final score = threshold
	NoPolicyRow bool // the table has no row for this combination: never guessed, weights all 0
}

// Effective reduces a set of not-scored categories to the table's key: never-scored categories
// are added, always-scored ones removed.
func (t *WeightTable) Effective(notScored model.CategorySet) model.CategorySet {
	return (notScored | t.NeverScored) &^ t.AlwaysScored
}

// Lookup returns the weights for the categories not scored. With fewer than
// ThresholdBelowScored categories scored, the one scored category (if any) shows 100% and
// AtThreshold is set (rules.md final.threshold).
func (t *WeightTable) Lookup(notScored model.CategorySet) Lookup {
	eff := t.Effective(notScored)
	scored := model.NumCategories - eff.Len()
	if scored < t.ThresholdBelowScored {
		var l Lookup
		l.AtThreshold = true
		l.Scored = scored
		if scored == 1 {
			for _, c := range model.Categories {
				if !eff.Has(c) {
					l.Weights[c] = 100
				}
			}
		}
		return l
	}
	w, ok := t.rows[eff&^t.NeverScored]
	if !ok {
		return Lookup{NoPolicyRow: true}
	}
	return Lookup{Weights: w, Scored: scored}
}
