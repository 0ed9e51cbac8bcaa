package readers

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"reweigh/bufpool"
	"reweigh/model"
	"reweigh/radix"
)

// Vocabularies of the data contract.
var (
	clinicianTypes = []string{
		"physician", "physician_assistant", "nurse_practitioner", "clinical_nurse_specialist",
		"certified_registered_nurse_anesthetist", "certified_nurse_midwife", "physical_therapist",
		"occupational_therapist", "speech_language_pathologist", "audiologist",
		"clinical_psychologist", "registered_dietitian", "clinical_social_worker", "chiropractor",
		"other",
	}
	segments        = []string{"1", "2"}
	exceptionTypes  = []string{model.ExceptionPIHardship, model.ExceptionEUC}
	statuses        = []string{model.StatusDraft, model.StatusSubmitted, model.StatusApproved, model.StatusDenied, model.StatusWithdrawn}
	pathways        = []string{string(model.PathwayTraditional), string(model.PathwayMVP), string(model.PathwayAPP)}
	submissionCats  = []string{"quality", "ia", "pi"}
	exceptionLevels = []model.Level{model.LevelIndividual, model.LevelGroup, model.LevelVirtualGroup, model.LevelAPMEntity}
	everyLevel      = []model.Level{model.LevelIndividual, model.LevelGroup, model.LevelVirtualGroup, model.LevelSubgroup, model.LevelAPMEntity}
)

// handler decodes the rows of one table into its slice of model.Inputs.
type handler interface {
	// decode turns the cells of c into a row. It returns false when the row is rejected, with
	// the reject's Column, Value, Code and Message in c.rej.
	decode(c *rowCtx) bool
	// grow makes room for about n more rows.
	grow(n int)
	// finish is called once, after the last row: it drops the rows whose key an earlier row
	// has, giving each to reject with its duplicate_key reject (Column, Value, Code, Message,
	// Row). bufs lends it sort buffers (may be nil).
	finish(reject func(model.Reject), bufs *itemBuffers)
}

// table is the decoder of one table: dec fills a row, key (when not nil) names the row's
// unique key; a row whose key an earlier accepted row has is a duplicate_key reject.
//
// Duplicates are found once the table is read: each accepted row's key is hashed as it comes,
// and the hashes are radix sorted, so that only rows of one hash are compared. A map from key
// (or hash) to first row, probed for every row, was a sixth of a national read's CPU (1.5 s),
// each probe a cache miss.
type table[T any, K comparable] struct {
	out     *[]T
	dec     func(c *rowCtx, r *T)
	key     func(r *T) K
	keyCols string            // key column names, for the reject's column
	keyVal  func(r *T) string // key values, for the reject's value
	hash    func(K) uint64
	hashes  []uint64 // the hash of each row's key, when key is not nil
	row     func(r *T) *int
}

func (t *table[T, K]) decode(c *rowCtx) bool {
	// Decode in place at the end of the slice: no copy of the row.
	rows := *t.out
	n := len(rows)
	var zero T
	rows = append(rows, zero)
	*t.out = rows
	r := &rows[n]
	t.dec(c, r)
	if c.failed {
		rows[n] = zero
		*t.out = rows[:n]
		return false
	}
	if t.key != nil {
		t.hashes = append(t.hashes, t.hash(t.key(r)))
	}
	*t.row(r) = c.row
	return true
}

func (t *table[T, K]) grow(n int) {
	var zero T
	n = reservable(n, int(unsafe.Sizeof(zero)))
	*t.out = slices.Grow(*t.out, n)
	if t.key != nil {
		t.hashes = slices.Grow(t.hashes, reservable(n, 8))
	}
}

// hashBytes is the room reserved for key hashes, in bytes.
func (t *table[T, K]) hashBytes() int { return cap(t.hashes) * 8 }

func (t *table[T, K]) finish(reject func(model.Reject), bufs *itemBuffers) {
	if t.key == nil {
		return
	}
	rows := *t.out
	dups := duplicates(t.hashes, func(i, j int) bool { return t.key(&rows[i]) == t.key(&rows[j]) }, bufs)
	t.hashes = nil
	if len(dups) == 0 {
		return
	}
	kept := rows[:0]
	d := 0
	for i := range rows {
		if d < len(dups) && dups[d].at == i {
			v := t.keyVal(&rows[i])
			reject(model.Reject{Column: t.keyCols, Value: v, Code: CodeDuplicateKey, Row: *t.row(&rows[i]),
				Message: fmt.Sprintf("duplicate key (%s) = (%s): first seen at row %d, which is kept", t.keyCols, v, *t.row(&rows[dups[d].first]))})
			d++
			continue
		}
		kept = append(kept, rows[i])
	}
	clear(rows[len(kept):])
	*t.out = kept
}

// itemBuffers lends the buffers duplicates sorts in, so that the tables of a read reuse them:
// what a read leaves is not collected before it ends (the collector is paused), and a buffer
// each per table was 0.2 GB more at the peak of a national run. A nil *itemBuffers lends new
// buffers.
type itemBuffers = bufpool.Slices[radix.Item]

// duplicate is a row whose key the earlier row first has.
type duplicate struct{ at, first int }

// duplicates returns the rows (by position) whose key an earlier row has, in order, given
// every row's key hash and a comparison of two rows' keys: the hashes are radix sorted, so
// only rows of one hash (a duplicate, or the rare collision) are compared.
func duplicates(hashes []uint64, sameKey func(i, j int) bool, bufs *itemBuffers) []duplicate {
	items, scratch := bufs.Get(len(hashes)), bufs.Get(len(hashes))
	defer bufs.Put(items)
	defer bufs.Put(scratch)
	// The hashes' top 32 bits are sorted: two radix passes instead of four, for a few hundred
	// more rows of one "hash" (compared, not wrongly matched) at national scale.
	for i, h := range hashes {
		items[i] = radix.Item{Key: h >> 32, Pos: int32(i)}
	}
	radix.SortWith(items, scratch)
	var dups []duplicate
	var firsts []int // the rows of one hash that are first with their key
	for lo := 0; lo < len(items); {
		hi := lo + 1
		for hi < len(items) && items[hi].Key == items[lo].Key {
			hi++
		}
		if hi-lo > 1 {
			// Rows of one hash, in row order (the sort is stable).
			firsts = firsts[:0]
		rows:
			for _, it := range items[lo:hi] {
				for _, f := range firsts {
					if sameKey(f, int(it.Pos)) {
						dups = append(dups, duplicate{at: int(it.Pos), first: f})
						continue rows
					}
				}
				firsts = append(firsts, int(it.Pos))
			}
		}
		lo = hi
	}
	slices.SortFunc(dups, func(a, b duplicate) int { return cmp.Compare(a.at, b.at) })
	return dups
}

// maxReservedBytes bounds the rows a table reserves up front (grow): the count a Parquet
// footer announces, or one estimated from a CSV file's size and first lines, is only a hint.
// Past it the rows grow as they come. 512 MiB is 4.8 million clinicians rows, 2.9 times a
// national table; a corrupt footer of a large file could otherwise ask for hundreds of
// gigabytes, a fatal out-of-memory error no recover can catch. A variable only so that tests can
// make it small.
var maxReservedBytes = 512 << 20

// reservable is n rows of size bytes, at most maxReservedBytes of them.
func reservable(n, size int) int { return min(n, maxReservedBytes/max(size, 1)) }

func newTable[T any, K comparable](out *[]T, row func(*T) *int, dec func(*rowCtx, *T),
	keyCols string, key func(*T) K, keyVal func(*T) string) *table[T, K] {
	t := &table[T, K]{out: out, dec: dec, row: row, key: key, keyCols: keyCols, keyVal: keyVal}
	if key != nil {
		seed := maphash.MakeSeed()
		t.hash = func(k K) uint64 { return maphash.Comparable(seed, k) }
	}
	return t
}

func req(name string, k kind) column { return column{name: name, kind: k, required: true} }
func opt(name string, k kind) column { return column{name: name, kind: k} }

// aka returns the column with the QPP Eligibility API name alias also accepted for it.
func (c column) aka(alias string) column { c.alias = alias; return c }

// Columns of every table, in contract order (rows are checked in this order). The status flags
// also accept the QPP Eligibility API's names (aka): clinicians hospitalBasedClinician,
// nonPatientFacing, ambulatorySurgicalCenter; groups smallGroupPractitioner. In clinicians,
// smallGroupPractitioner is an extra column like any other, and ignored.
var tableColumns = map[string][]column{
	model.TableClinicians: {
		req("npi", kindID), req("tin", kindID), opt("clinician_type", kindText),
		opt("mips_eligible", kindBool), opt("segment", kindInt), opt("total_services", kindInt),
		opt("hospital_services", kindInt), opt("asc_services", kindInt),
		opt("patient_facing_encounters", kindInt),
		opt("hospital_based", kindBool).aka("hospitalBasedClinician"),
		opt("non_patient_facing", kindBool).aka("nonPatientFacing"),
		opt("asc_based", kindBool).aka("ambulatorySurgicalCenter"), opt("auto_euc", kindBool),
		opt("practice_zip", kindText), opt("practice_state", kindText), opt("practice_county", kindText),
	},
	model.TableGroups: {
		req("tin", kindID), opt("clinician_count", kindInt),
		opt("small_practice", kindBool).aka("smallGroupPractitioner"),
	},
	model.TableVirtualGroups: {req("virtual_group_id", kindID), req("tin", kindID)},
	model.TableSubgroups:     {req("subgroup_id", kindID), req("tin", kindID), req("npi", kindID)},
	model.TableAPMEntities: {
		req("apm_entity_id", kindID), opt("apm_entity_type", kindText), req("tin", kindID), opt("npi", kindID),
	},
	model.TableExceptions: {
		req("application_id", kindID), req("exception_type", kindText), req("level", kindText),
		opt("npi", kindID), opt("tin", kindID), opt("virtual_group_id", kindID), opt("apm_entity_id", kindID),
		opt("categories", kindText), opt("reason", kindText), req("status", kindText),
		opt("submitted_at", kindDate), opt("decided_at", kindDate),
	},
	model.TableSubmissions: {
		req("submission_id", kindID), req("level", kindText), opt("npi", kindID), opt("tin", kindID),
		opt("virtual_group_id", kindID), opt("subgroup_id", kindID), opt("apm_entity_id", kindID),
		opt("pathway", kindText), req("category", kindText), opt("submission_method", kindText),
		opt("performance_start", kindDate), opt("performance_end", kindDate), opt("cehrt_id", kindID),
	},
	model.TableMeasurements: {
		req("submission_id", kindID), req("measure_id", kindID), opt("numerator", kindInt),
		opt("denominator", kindInt), opt("value", kindBool), opt("exclusion", kindBool),
	},
	model.TableScores: {
		req("level", kindText), opt("npi", kindID), opt("tin", kindID), opt("virtual_group_id", kindID),
		opt("subgroup_id", kindID), opt("apm_entity_id", kindID), opt("quality_score", kindNumber),
		opt("cost_score", kindNumber), opt("ia_score", kindNumber), opt("pi_score", kindNumber),
		opt("complex_patient_bonus", kindNumber),
	},
	model.TableEUCAreas: {opt("state_code", kindText), opt("county_name", kindText), opt("zipcode", kindText)},
	model.TableCostMeasures: {
		req("level", kindText), opt("npi", kindID), opt("tin", kindID), opt("virtual_group_id", kindID),
		opt("subgroup_id", kindID), opt("apm_entity_id", kindID), req("measure_id", kindID),
		req("attributed_cases", kindInt), req("case_minimum", kindInt),
	},
}

// entityIDs are the ID columns of the submissions, scores and cost_measures tables (columns 1-5
// after level, or after submission_id and level).
func entityIDs(first int) idCols {
	return idCols{npi: first, tin: first + 1, vg: first + 2, sg: first + 3, apm: first + 4}
}

type pairKey struct{ a, b string }
type tripleKey struct{ a, b, c string }
type clinicianKey struct {
	npiTIN  uint64 // see pairNumber
	segment uint8
}
type costKey struct {
	e       model.EntityKey // packed small: see model.EntityKey
	measure string
}

// newHandler returns the decoder of table name, appending accepted rows to in.
func newHandler(name string, in *model.Inputs) handler {
	switch name {
	case model.TableClinicians:
		return newTable(&in.Clinicians, func(r *model.Clinician) *int { return &r.Row }, decodeClinician,
			"npi,tin,segment",
			func(r *model.Clinician) clinicianKey { return clinicianKey{pairNumber(r.NPI, r.TIN), r.Segment} },
			func(r *model.Clinician) string { return r.NPI + "," + r.TIN + "," + segmentString(r.Segment) })
	case model.TableGroups:
		return newTable(&in.Groups, func(r *model.Group) *int { return &r.Row },
			func(c *rowCtx, r *model.Group) {
				r.TIN = c.tin(0, true)
				r.ClinicianCount = c.count(1, false)
				r.SmallPractice = c.boolean(2)
			},
			"tin", func(r *model.Group) string { return r.TIN }, func(r *model.Group) string { return r.TIN })
	case model.TableVirtualGroups:
		return newTable(&in.VirtualGroups, func(r *model.VirtualGroupMember) *int { return &r.Row },
			func(c *rowCtx, r *model.VirtualGroupMember) {
				r.VirtualGroupID = c.id(0, true)
				r.TIN = c.tin(1, true)
			},
			"virtual_group_id,tin",
			func(r *model.VirtualGroupMember) pairKey { return pairKey{r.VirtualGroupID, r.TIN} },
			func(r *model.VirtualGroupMember) string { return r.VirtualGroupID + "," + r.TIN })
	case model.TableSubgroups:
		return newTable(&in.Subgroups, func(r *model.SubgroupMember) *int { return &r.Row },
			func(c *rowCtx, r *model.SubgroupMember) {
				r.SubgroupID = c.id(0, true)
				r.TIN = c.tin(1, true)
				r.NPI = c.npi(2, true)
			},
			"subgroup_id,tin,npi",
			func(r *model.SubgroupMember) tripleKey { return tripleKey{r.SubgroupID, r.TIN, r.NPI} },
			func(r *model.SubgroupMember) string { return r.SubgroupID + "," + r.TIN + "," + r.NPI })
	case model.TableAPMEntities:
		return newTable(&in.APMEntities, func(r *model.APMParticipant) *int { return &r.Row },
			func(c *rowCtx, r *model.APMParticipant) {
				r.APMEntityID = c.id(0, true)
				r.APMEntityType = c.lowerIn(1)
				r.TIN = c.tin(2, true)
				r.NPI = c.npi(3, false)
			},
			"apm_entity_id,tin,npi",
			func(r *model.APMParticipant) tripleKey { return tripleKey{r.APMEntityID, r.TIN, r.NPI} },
			func(r *model.APMParticipant) string { return r.APMEntityID + "," + r.TIN + "," + r.NPI })
	case model.TableExceptions:
		return newTable(&in.Exceptions, func(r *model.Exception) *int { return &r.Row }, decodeException,
			"application_id", func(r *model.Exception) string { return r.ApplicationID },
			func(r *model.Exception) string { return r.ApplicationID })
	case model.TableSubmissions:
		return newTable(&in.Submissions, func(r *model.Submission) *int { return &r.Row }, decodeSubmission,
			"submission_id", func(r *model.Submission) string { return r.SubmissionID },
			func(r *model.Submission) string { return r.SubmissionID })
	case model.TableMeasurements:
		return &measurementTable{out: &in.Measurements, measures: map[string]int32{}}
	case model.TableScores:
		return newTable(&in.Scores, func(r *model.Score) *int { return &r.Row },
			func(c *rowCtx, r *model.Score) {
				r.Entity = c.entity(c.level(0, everyLevel), entityIDs(1))
				r.CategoryScores = model.NewCategoryScores(c.number(6, 0, 100), c.number(7, 0, 100),
					c.number(8, 0, 100), c.number(9, 0, 100), c.number(10, 0, math.Inf(1)))
			},
			"level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id",
			func(r *model.Score) model.EntityKey { return r.Entity },
			func(r *model.Score) string { return r.Entity.String() })
	case model.TableEUCAreas:
		return newTable[model.EUCArea, struct{}](&in.EUCAreas, func(r *model.EUCArea) *int { return &r.Row },
			decodeEUCArea, "", nil, nil)
	case model.TableCostMeasures:
		return newTable(&in.CostMeasures, func(r *model.CostMeasure) *int { return &r.Row },
			func(c *rowCtx, r *model.CostMeasure) {
				r.Entity = c.entity(c.level(0, everyLevel), entityIDs(1))
				r.MeasureID = c.id(6, true)
				r.AttributedCases = c.count(7, true).V
				r.CaseMinimum = c.count(8, true).V
			},
			"level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id,measure_id",
			func(r *model.CostMeasure) costKey { return costKey{r.Entity, r.MeasureID} },
			func(r *model.CostMeasure) string { return r.Entity.String() + "," + r.MeasureID })
	}
	panic("readers: unknown table " + name)
}

func segmentString(s uint8) string {
	if s == 0 {
		return ""
	}
	return strconv.Itoa(int(s))
}

func decodeClinician(c *rowCtx, r *model.Clinician) {
	r.NPI = c.npi(0, true)
	r.TIN = c.tin(1, true)
	r.ClinicianType = c.enum(2, false, clinicianTypes)
	r.MIPSEligible = true
	if b := c.boolean(3); b.Valid {
		r.MIPSEligible = b.V
	}
	switch c.enum(4, false, segments) {
	case "1":
		r.Segment = 1
	case "2":
		r.Segment = 2
	}
	r.TotalServices = model.CountOf(c.count(5, false))
	r.HospitalServices = model.CountOf(c.count(6, false))
	r.ASCServices = model.CountOf(c.count(7, false))
	r.PatientFacingEncounters = model.CountOf(c.count(8, false))
	r.HospitalBased = c.boolean(9)
	r.NonPatientFacing = c.boolean(10)
	r.ASCBased = c.boolean(11)
	r.AutoEUC = c.boolean(12)
	r.Practice = c.practice(c.zip(13), c.state(14), c.textIn(15))
}

func decodeException(c *rowCtx, r *model.Exception) {
	r.ApplicationID = c.id(0, true)
	r.ExceptionType = c.enum(1, true, exceptionTypes)
	l := c.level(2, exceptionLevels)
	if l == model.LevelAPMEntity && r.ExceptionType == model.ExceptionPIHardship {
		c.fail(2, CodePIHardshipLevel, "an APM Entity cannot apply for a PI hardship exception (its participants apply individually or as groups)")
		return
	}
	r.Entity = c.entity(l, idCols{npi: 3, tin: 4, vg: 5, sg: -1, apm: 6})
	if r.ExceptionType == model.ExceptionEUC {
		r.Categories = c.categories(7)
		if !c.failed && r.Categories == 0 && l != model.LevelAPMEntity {
			c.fail(7, CodeEUCNoCategories, "an EUC application at level %s must list its categories (quality;cost;ia;pi)", l)
			return
		}
	}
	r.Reason = c.text(8)
	r.Status = c.enum(9, true, statuses)
	r.SubmittedAt = c.date(10)
	r.DecidedAt = c.date(11)
}

func decodeSubmission(c *rowCtx, r *model.Submission) {
	r.SubmissionID = c.id(0, true)
	r.Entity = c.entity(c.level(1, everyLevel), entityIDs(2))
	r.Pathway = model.Pathway(c.enum(7, false, pathways))
	if r.Pathway == "" {
		r.Pathway = model.PathwayTraditional
	}
	if cat := c.enum(8, true, submissionCats); cat != "" {
		r.Category, _ = model.ParseCategory(cat)
	}
	r.Claims = c.lower(9) == "claims"
	r.PerformanceStart = c.date(10)
	r.PerformanceEnd = c.date(11)
	_, r.CEHRT = c.present(12, false)
}

func decodeEUCArea(c *rowCtx, r *model.EUCArea) {
	r.StateCode = c.state(0)
	r.CountyName = c.textIn(1)
	r.Zipcode = c.zip(2)
	if c.failed || r.Zipcode != "" {
		return
	}
	switch {
	case r.StateCode == "":
		c.fail(0, CodeRequiredMissing, "a euc_areas row names a zipcode, or a state_code and county_name")
	case r.CountyName == "":
		c.fail(1, CodeRequiredMissing, "a euc_areas row names a zipcode, or a state_code and county_name")
	}
}

// measurementTable decodes `measurements` into the columns of model.Measurements: the
// submission ID once per run of rows of one submission (rows of a submission usually come
// together; a million distinct IDs are not worth a map here, the pipeline looks each run up
// once), the measure IDs in a dictionary.
type measurementTable struct {
	out               *model.Measurements
	measures          map[string]int32
	lastSub, lastMeas string
	lastMeAt          int32
	// The measure index of each value of the measure_id column's dictionary (-1 until a row
	// with it is accepted), while the column is read as that dictionary: ten million rows find
	// their measure without a map lookup.
	dictOf      arrow.Array
	dictMeasure []int32
	// The flags of the Parquet batch being read, when its numerator, denominator, value and
	// exclusion columns are typed and no cell of them can be rejected (startBatch): ten million
	// rows skip four typed cells each.
	batchFlags []model.MeasurementFlags
	batchFast  bool
}

// batchStarter is a handler told of each Parquet record batch before its rows (startBatch,
// with the batch's typed columns in c.typed).
type batchStarter interface {
	startBatch(c *rowCtx, n int)
}

// startBatch works out the flags of the batch's n rows column by column, when it can: the
// numerator and denominator columns are Int64 or Int32 with no negative value, and value and
// exclusion are Boolean. Then each row's flags are what count and boolean would give (a null
// is absent, any other value present), and no cell of those columns is rejected. Otherwise the
// rows take the cell by cell path.
func (t *measurementTable) startBatch(c *rowCtx, n int) {
	t.batchFast = false
	t.batchFlags = slices.Grow(t.batchFlags[:0], n)[:n]
	clear(t.batchFlags)
	f := t.batchFlags
	if !countFlags(c.typed[2], model.HasNumerator, f) || !countFlags(c.typed[3], model.HasDenominator, f) ||
		!boolFlags(c.typed[4], model.HasValue, model.ValueYes, f) || !boolFlags(c.typed[5], model.HasExclusion, model.ExclusionYes, f) {
		return
	}
	t.batchFast = true
}

// countFlags sets has in flags[k] where a, an Int64 or Int32 column, has a value. It returns
// false when a is of another type or has a negative value.
func countFlags(a arrow.Array, has model.MeasurementFlags, flags []model.MeasurementFlags) bool {
	switch a := a.(type) {
	case *array.Int64:
		return countFlagsOf(a, a.Int64Values(), has, flags)
	case *array.Int32:
		return countFlagsOf(a, a.Int32Values(), has, flags)
	}
	return false
}

func countFlagsOf[V int32 | int64](a arrow.Array, vals []V, has model.MeasurementFlags, flags []model.MeasurementFlags) bool {
	vals = vals[:len(flags)]
	nulls, valid, off := a.NullN() > 0, a.NullBitmapBytes(), a.Data().Offset()
	for k, v := range vals {
		if nulls && !bitutil.BitIsSet(valid, off+k) {
			continue
		}
		if v < 0 {
			return false
		}
		flags[k] |= has
	}
	return true
}

// boolFlags sets has in flags[k] where a, a Boolean column, has a value, and yes where it is
// true. It returns false when a is of another type.
func boolFlags(a arrow.Array, has, yes model.MeasurementFlags, flags []model.MeasurementFlags) bool {
	b, ok := a.(*array.Boolean)
	if !ok {
		return false
	}
	for k := range flags {
		if b.IsValid(k) {
			flags[k] |= has
			if b.Value(k) {
				flags[k] |= yes
			}
		}
	}
	return true
}

// dictSlot returns where the measure index of the row's measure_id dictionary value is kept,
// nil when the column is not a dictionary or the cell is null.
func (t *measurementTable) dictSlot(c *rowCtx, i int) *int32 {
	d := c.dict[i]
	if d == nil || d.IsNull(c.k) {
		return nil
	}
	if dv := d.Dictionary(); dv != t.dictOf {
		t.dictOf = dv
		t.dictMeasure = slices.Grow(t.dictMeasure[:0], dv.Len())[:dv.Len()]
		for j := range t.dictMeasure {
			t.dictMeasure[j] = -1
		}
	}
	return &t.dictMeasure[d.GetValueIndex(c.k)]
}

func (t *measurementTable) finish(func(model.Reject), *itemBuffers) {}

func (t *measurementTable) grow(n int) {
	t.out.Grow(reservable(n, int(unsafe.Sizeof(int32(0))+unsafe.Sizeof(model.MeasurementFlags(0)))))
}

func (t *measurementTable) decode(c *rowCtx) bool {
	sub, _ := c.present(0, true)
	// A dictionary value once accepted is valid in every row: its measure is kept.
	var slot *int32
	if !c.failed {
		slot = t.dictSlot(c, 1)
	}
	var meas string
	if slot == nil || *slot < 0 {
		meas, _ = c.present(1, true)
	}
	var f model.MeasurementFlags
	if t.batchFast {
		f = t.batchFlags[c.k]
	} else {
		if c.count(2, false).Valid {
			f |= model.HasNumerator
		}
		if c.count(3, false).Valid {
			f |= model.HasDenominator
		}
		if v := c.boolean(4); v.Valid {
			f |= model.HasValue
			if v.V {
				f |= model.ValueYes
			}
		}
		if v := c.boolean(5); v.Valid {
			f |= model.HasExclusion
			if v.V {
				f |= model.ExclusionYes
			}
		}
	}
	if c.failed {
		return false
	}
	m := t.out
	if sub != t.lastSub || m.Len() == 0 {
		t.lastSub = c.clone(sub)
		m.StartRun(t.lastSub)
	}
	measure := int32(-1)
	if slot != nil {
		measure = *slot
	}
	if measure < 0 {
		if meas != t.lastMeas || m.Len() == 0 {
			t.lastMeAt = m.MeasureIndex(t.measures, meas)
			t.lastMeas = m.MeasureIDs[t.lastMeAt]
		}
		measure = t.lastMeAt
		if slot != nil {
			*slot = measure
		}
	}
	m.Add(c.row, measure, f)
	return true
}
