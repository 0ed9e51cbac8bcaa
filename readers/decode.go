package readers

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"reweigh/model"
)

// kind is what a column holds; it decides which Parquet types the column accepts.
type kind uint8

const (
	kindText   kind = iota // free text or a vocabulary word: strings only
	kindID                 // npi, tin, *_id: strings only (leading zeros)
	kindInt                // strings or integers
	kindBool               // strings or booleans
	kindDate               // strings or date32
	kindNumber             // strings, floats or integers
)

// column is one column of an input table.
type column struct {
	name     string
	kind     kind
	required bool   // the column must be in the header
	alias    string // the QPP Eligibility API name also accepted for the column, "" for none
}

// rowCtx is the cell view of one input row, shared by the CSV and Parquet paths, and the first
// problem found in it. The decoders read cells in column order through its helpers; once a
// helper has recorded a problem the others return zero values, so the reject names the first
// problem in column order.
type rowCtx struct {
	cols   []column
	cells  []string // one per table column, raw (untrimmed), "" when null or absent
	row    int
	failed bool
	rej    model.Reject // Column, Value, Code, Message of the first problem
	intern map[string]string
	// last is each column's previous interned value; internStats its lookup counts.
	last        []string
	internStats []internStat

	// typed is, for a Parquet column of an integer, boolean, date or float type, the current
	// batch's Arrow column, and k the row in the batch (nil for text columns and for CSV). The
	// helpers count, boolean, date and number take a typed cell's value straight from the
	// column; any other use of the cell (another helper, a value they do not take, a reject)
	// sees the cell as text, formatted on demand by cell. bufs[i] is column i's scratch for
	// formatting a Parquet cell as text (cellString); textRow[i] is the row whose text cells[i]
	// holds.
	typed   []arrow.Array
	k       int
	bufs    [][]byte
	textRow []int

	// dict[i] is, for a Parquet column read as an Arrow dictionary, the current batch's column
	// (nil otherwise): a decoder may remember what it made of a dictionary value.
	dict []*array.Dictionary

	// ascii[i] reports that every cell of column i in the current batch is ASCII, so valid
	// UTF-8 without a look at each cell: a Parquet string column whose batch's bytes were
	// checked at once, or a typed column (its cells are formatted numbers and dates). Always
	// false for CSV.
	ascii []bool

	// arena is where kept copies of cells are made (clone): one allocation for many strings.
	arena []byte

	// practices interns the clinicians' practice addresses (practice), made on first use;
	// lastPractice is the one practice last returned.
	practices    map[model.Practice]*model.Practice
	lastPractice *model.Practice
}

// arenaBytes is the size of one of rowCtx's arenas: a small allocation, so that it comes from
// the allocator's size classes and holds no pointers for the collector to scan.
const arenaBytes = 32 << 10

// clone returns a copy of s that does not share the cell's memory (which a batch or a CSV
// record reuses). Copies are made one after another in an arena, not one allocation each: at
// national scale five million NPIs alone were as many allocations of 16 bytes. A copy keeps its
// arena alive; the strings of one table's rows are made together and dropped together.
func (c *rowCtx) clone(s string) string {
	if len(s) == 0 {
		return ""
	}
	if len(s) > arenaBytes/8 {
		return strings.Clone(s)
	}
	if len(c.arena)+len(s) > cap(c.arena) {
		c.arena = make([]byte, 0, arenaBytes)
	}
	n := len(c.arena)
	c.arena = append(c.arena, s...)
	return unsafe.String(&c.arena[n], len(s))
}

func newRowCtx(cols []column) *rowCtx {
	return &rowCtx{cols: cols, cells: make([]string, len(cols)), intern: make(map[string]string),
		last: make([]string, len(cols)), internStats: make([]internStat, len(cols)),
		typed: make([]arrow.Array, len(cols)), bufs: make([][]byte, len(cols)), textRow: make([]int, len(cols)),
		ascii: make([]bool, len(cols)), dict: make([]*array.Dictionary, len(cols))}
}

// cell returns the raw cell of column i as text.
func (c *rowCtx) cell(i int) string {
	if a := c.typed[i]; a != nil && c.textRow[i] != c.row {
		c.cells[i] = cellString(a, c.k, &c.bufs[i])
		c.textRow[i] = c.row
	}
	return c.cells[i]
}

// typedInt returns a typed integer cell that fits an int64; ok is false for null, for other
// types and for a uint64 beyond int64 (those take the text path).
func (c *rowCtx) typedInt(i int) (v int64, ok bool) {
	a, k := c.typed[i], c.k
	if a == nil || a.IsNull(k) {
		return 0, false
	}
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(k), true
	case *array.Int32:
		return int64(a.Value(k)), true
	case *array.Int16:
		return int64(a.Value(k)), true
	case *array.Int8:
		return int64(a.Value(k)), true
	case *array.Uint32:
		return int64(a.Value(k)), true
	case *array.Uint16:
		return int64(a.Value(k)), true
	case *array.Uint8:
		return int64(a.Value(k)), true
	case *array.Uint64:
		if v := a.Value(k); v <= math.MaxInt64 {
			return int64(v), true
		}
	}
	return 0, false
}

// typedNull reports whether column i is typed and its cell null.
func (c *rowCtx) typedNull(i int) bool { return c.typed[i] != nil && c.typed[i].IsNull(c.k) }

// fail records the first problem of the row, in column i (-1 for none).
func (c *rowCtx) fail(i int, code, format string, args ...any) {
	if c.failed {
		return
	}
	c.failed = true
	c.rej = model.Reject{Code: code, Message: fmt.Sprintf(format, args...)}
	if i >= 0 {
		c.rej.Column = c.cols[i].name
		c.rej.Value = rawValue(c.cell(i))
	}
}

// rawValue copies a raw cell for a reject, replacing invalid UTF-8 so the rejects table stays
// valid UTF-8.
func rawValue(s string) string {
	if !utf8.ValidString(s) {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Clone(s)
}

// get returns the trimmed cell of column i; ok is false when the row has already failed or the
// cell is not valid UTF-8 (then recorded as the row's problem).
func (c *rowCtx) get(i int) (string, bool) {
	if c.failed {
		return "", false
	}
	s := trimSpace(c.cell(i))
	if !c.ascii[i] && !utf8.ValidString(s) {
		c.fail(i, CodeInvalidUTF8, "column %q is not valid UTF-8", c.cols[i].name)
		return "", false
	}
	return s, true
}

// trimSpace is strings.TrimSpace, with the usual cell (no space at either end) returned at
// once: every ASCII space is at most ' ', and every byte of a non-ASCII rune at least 0x80.
func trimSpace(s string) string {
	if n := len(s); n == 0 || s[0] > ' ' && s[0] < utf8.RuneSelf && s[n-1] > ' ' && s[n-1] < utf8.RuneSelf {
		return s
	}
	return strings.TrimSpace(s)
}

// allASCII reports whether every byte of b is ASCII, eight at a time.
func allASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, x := range b {
		if x >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// present returns the trimmed non-null cell of column i; ok is false when null (recorded as
// required.missing when req) or the row has failed.
func (c *rowCtx) present(i int, req bool) (string, bool) {
	s, ok := c.get(i)
	if !ok {
		return "", false
	}
	if s == "" {
		if req {
			c.fail(i, CodeRequiredMissing, "%s is required", c.cols[i].name)
		}
		return "", false
	}
	return s, true
}

// in returns an interned copy of s, the cell of column i: values that repeat (TINs, entity
// IDs, measure IDs, counties) are stored once. A value equal to the column's previous one is
// reused without a lookup (sorted inputs repeat IDs row after row). A column whose values
// mostly do not repeat (NPIs, submission IDs) stops being looked up, so unique values cost a
// copy and no map; the map is bounded.
func (c *rowCtx) in(i int, s string) string {
	if s == "" {
		return ""
	}
	if last := c.last[i]; last == s {
		return last
	}
	st := &c.internStats[i]
	if st.unique {
		v := c.clone(s)
		c.last[i] = v
		return v
	}
	st.lookups++
	v, ok := c.intern[s]
	if ok {
		st.hits++
	} else {
		v = c.clone(s)
		if len(c.intern) < maxIntern {
			c.intern[v] = v
		}
	}
	if st.lookups >= internProbe && st.hits*4 < st.lookups {
		st.unique = true
	}
	c.last[i] = v
	return v
}

// maxIntern bounds the intern map of one table; internProbe is how many lookups decide that a
// column's values do not repeat (fewer than a quarter hit).
const (
	maxIntern   = 1 << 18
	internProbe = 1 << 14
)

// internStat counts one column's intern lookups.
type internStat struct {
	lookups, hits int
	unique        bool
}

// practice returns the one Practice of the address zip, state, county (cells already decoded and
// interned), nil when none of them is given. Rows of one address share it, up to maxIntern
// addresses; past them a new address gets its own.
func (c *rowCtx) practice(zip, state, county string) *model.Practice {
	if zip == "" && state == "" && county == "" {
		return nil
	}
	p := model.Practice{ZIP: zip, State: state, County: county}
	if last := c.lastPractice; last != nil && *last == p {
		return last
	}
	v, ok := c.practices[p]
	if !ok {
		v = new(model.Practice) // not &p, which would move p to the heap for every row
		*v = p
		if c.practices == nil {
			c.practices = make(map[model.Practice]*model.Practice)
		}
		if len(c.practices) < maxIntern {
			c.practices[p] = v
		}
	}
	c.lastPractice = v
	return v
}

// text returns the trimmed cell as a copy ("" for null).
func (c *rowCtx) text(i int) string {
	s, ok := c.present(i, false)
	if !ok {
		return ""
	}
	return c.clone(s)
}

// textIn returns the trimmed cell interned ("" for null).
func (c *rowCtx) textIn(i int) string {
	s, ok := c.present(i, false)
	if !ok {
		return ""
	}
	return c.in(i, s)
}

// lower returns the trimmed cell lower-cased ("" for null), not copied: it aliases the batch
// (see in).
func (c *rowCtx) lower(i int) string {
	s, ok := c.present(i, false)
	if ok && hasUpper(s) {
		s = strings.ToLower(s)
	}
	return s
}

// lowerIn returns the trimmed cell lower-cased and interned ("" for null).
func (c *rowCtx) lowerIn(i int) string { return c.in(i, c.lower(i)) }

// id returns an identifier (interned); required.missing when req and null.
func (c *rowCtx) id(i int, req bool) string {
	s, ok := c.present(i, req)
	if !ok {
		return ""
	}
	return c.in(i, s)
}

// npi returns a validated NPI (a copy).
func (c *rowCtx) npi(i int, req bool) string { return c.clone(c.npiCell(i, req)) }

// npiCell returns the cell of column i when it is a valid NPI, not copied: it lasts only as
// long as the batch (an entity key packs it into a number).
func (c *rowCtx) npiCell(i int, req bool) string {
	s, ok := c.present(i, req)
	if !ok {
		return ""
	}
	if len(s) != 10 || !allDigits(s) {
		c.fail(i, CodeNPIFormat, "NPI %q is not 10 digits", s)
		return ""
	}
	if !ValidNPI(s) {
		c.fail(i, CodeNPICheckDigit, "NPI %q has a wrong check digit (Luhn over 80840 + NPI)", s)
		return ""
	}
	return s
}

// tin returns a validated TIN (interned).
func (c *rowCtx) tin(i int, req bool) string { return c.in(i, c.tinCell(i, req)) }

// tinCell returns the cell of column i when it is a valid TIN, not copied (see npiCell).
func (c *rowCtx) tinCell(i int, req bool) string {
	s, ok := c.present(i, req)
	if !ok {
		return ""
	}
	if len(s) != 9 || !allDigits(s) {
		c.fail(i, CodeTINFormat, "TIN %q is not 9 digits (keep leading zeros: never store TINs as numbers)", s)
		return ""
	}
	return s
}

// boolean parses true/false/1/0/Y/N/yes/no in any case.
func (c *rowCtx) boolean(i int) model.OptBool {
	if a, ok := c.typed[i].(*array.Boolean); ok && !c.failed {
		if a.IsNull(c.k) {
			return model.OptBool{}
		}
		return model.OptBool{V: a.Value(c.k), Valid: true}
	}
	s, ok := c.present(i, false)
	if !ok {
		return model.OptBool{}
	}
	if v, ok := parseBool(s); ok {
		return model.OptBool{V: v, Valid: true}
	}
	c.fail(i, CodeBoolInvalid, "%s %q is not a boolean (true/false, 1/0, Y/N, yes/no)", c.cols[i].name, s)
	return model.OptBool{}
}

func parseBool(s string) (bool, bool) {
	switch len(s) {
	case 1:
		switch s[0] {
		case '1', 'y', 'Y':
			return true, true
		case '0', 'n', 'N':
			return false, true
		}
	case 2:
		if strings.EqualFold(s, "no") {
			return false, true
		}
	case 3:
		if strings.EqualFold(s, "yes") {
			return true, true
		}
	case 4:
		if strings.EqualFold(s, "true") {
			return true, true
		}
	case 5:
		if strings.EqualFold(s, "false") {
			return false, true
		}
	}
	return false, false
}

// count parses a non-negative integer; required.missing when req and null.
func (c *rowCtx) count(i int, req bool) model.OptInt {
	if c.typed[i] != nil && !c.failed {
		if v, ok := c.typedInt(i); ok && v >= 0 {
			return model.OptInt{V: v, Valid: true}
		}
		if !req && c.typedNull(i) {
			return model.OptInt{}
		}
	}
	s, ok := c.present(i, req)
	if !ok {
		return model.OptInt{}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		c.fail(i, CodeIntInvalid, "%s %q is not an integer", c.cols[i].name, s)
		return model.OptInt{}
	}
	if v < 0 {
		c.fail(i, CodeIntNegative, "%s %d is negative", c.cols[i].name, v)
		return model.OptInt{}
	}
	return model.OptInt{V: v, Valid: true}
}

// number parses a finite number in [lo, hi].
func (c *rowCtx) number(i int, lo, hi float64) model.OptFloat {
	if a := c.typed[i]; a != nil && !c.failed {
		if a.IsNull(c.k) {
			return model.OptFloat{}
		}
		// A float64, or an integer a float64 holds exactly, is the number its text parses to
		// (Go formats floats in the shortest form that reads back the same). Float32 cells
		// take the text path: their text is a decimal, not the widened float32.
		v, ok := 0.0, false
		if f, isF := a.(*array.Float64); isF {
			v, ok = f.Value(c.k), true
		} else if n, isInt := c.typedInt(i); isInt && n >= -1<<53 && n <= 1<<53 {
			v, ok = float64(n), true
		}
		if ok && !math.IsNaN(v) && !math.IsInf(v, 0) && v >= lo && v <= hi {
			return model.OptFloat{V: v, Valid: true}
		}
	}
	s, ok := c.present(i, false)
	if !ok {
		return model.OptFloat{}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		c.fail(i, CodeNumberInvalid, "%s %q is not a number", c.cols[i].name, s)
		return model.OptFloat{}
	}
	if v < lo || v > hi {
		if math.IsInf(hi, 1) {
			c.fail(i, CodeNumberRange, "%s %s is below %g", c.cols[i].name, s, lo)
		} else {
			c.fail(i, CodeNumberRange, "%s %s is outside %g-%g", c.cols[i].name, s, lo, hi)
		}
		return model.OptFloat{}
	}
	return model.OptFloat{V: v, Valid: true}
}

// date parses YYYY-MM-DD.
func (c *rowCtx) date(i int) model.Date {
	if a, ok := c.typed[i].(*array.Date32); ok && !c.failed {
		if a.IsNull(c.k) {
			return model.Date{}
		}
		// Dates of years 1-9999 are the dates their text YYYY-MM-DD parses to; others take
		// the text path and are rejected there.
		v := a.Value(c.k)
		if y, _, _ := civilFromDays(int(v)); y >= 1 && y <= 9999 {
			return model.Date{Days: int32(v), Valid: true}
		}
	}
	s, ok := c.present(i, false)
	if !ok {
		return model.Date{}
	}
	d, ok := parseDate(s)
	if !ok {
		c.fail(i, CodeDateInvalid, "%s %q is not a date YYYY-MM-DD", c.cols[i].name, s)
		return model.Date{}
	}
	return d
}

func parseDate(s string) (model.Date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' ||
		!allDigits(s[0:4]) || !allDigits(s[5:7]) || !allDigits(s[8:10]) {
		return model.Date{}, false
	}
	y := int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	m := int(s[5]-'0')*10 + int(s[6]-'0')
	d := int(s[8]-'0')*10 + int(s[9]-'0')
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return model.Date{}, false
	}
	return model.Date{Days: int32(daysFromCivil(y, m, d)), Valid: true}, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400 // y >= 0 here
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil, for Parquet date32 cells.
func civilFromDays(z int) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// enum returns the vocabulary word s matches in any case ("" for null); enum.invalid otherwise.
func (c *rowCtx) enum(i int, req bool, vocab []string) string {
	s, ok := c.present(i, req)
	if !ok {
		return ""
	}
	for _, w := range vocab {
		if strings.EqualFold(s, w) {
			return w
		}
	}
	c.fail(i, CodeEnumInvalid, "%s %q is not one of %s", c.cols[i].name, s, strings.Join(vocab, ", "))
	return ""
}

// zip returns a 5-digit ZIP code; a ZIP+4 (12345-6789) keeps its first five digits.
func (c *rowCtx) zip(i int) string {
	s, ok := c.present(i, false)
	if !ok {
		return ""
	}
	if len(s) == 10 && s[5] == '-' && allDigits(s[6:]) {
		s = s[:5]
	}
	if len(s) != 5 || !allDigits(s) {
		c.fail(i, CodeZIPFormat, "%s %q is not a 5-digit ZIP code (or ZIP+4)", c.cols[i].name, c.cell(i))
		return ""
	}
	return c.in(i, s)
}

// state returns a 2-letter state code, upper-cased.
func (c *rowCtx) state(i int) string {
	s, ok := c.present(i, false)
	if !ok {
		return ""
	}
	if len(s) != 2 || !isLetter(s[0]) || !isLetter(s[1]) {
		c.fail(i, CodeStateFormat, "%s %q is not a 2-letter state code", c.cols[i].name, s)
		return ""
	}
	if hasLower(s) {
		s = strings.ToUpper(s)
	}
	return c.in(i, s)
}

// categories parses a ;-separated list of quality, cost, ia, pi (any case, spaces allowed,
// empty items ignored).
func (c *rowCtx) categories(i int) model.CategorySet {
	s, ok := c.present(i, false)
	if !ok {
		return 0
	}
	var set model.CategorySet
	for part := range strings.SplitSeq(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		cat, ok := model.ParseCategory(part)
		if !ok {
			c.fail(i, CodeCategoriesInvalid, "%s: %q is not one of quality, cost, ia, pi (;-separated)", c.cols[i].name, part)
			return 0
		}
		set = set.With(cat)
	}
	return set
}

var allLevels = []string{
	string(model.LevelIndividual), string(model.LevelGroup), string(model.LevelVirtualGroup),
	string(model.LevelSubgroup), string(model.LevelAPMEntity),
}

// level parses a required level: enum.invalid for an unknown word, level.not_allowed for a
// level the table does not allow.
func (c *rowCtx) level(i int, allowed []model.Level) model.Level {
	w := c.enum(i, true, allLevels)
	if w == "" {
		return ""
	}
	l := model.Level(w)
	for _, a := range allowed {
		if a == l {
			return l
		}
	}
	c.fail(i, CodeLevelNotAllowed, "level %s is not allowed in this table (allowed: %s)", l, joinLevels(allowed))
	return ""
}

func joinLevels(ls []model.Level) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = string(l)
	}
	return strings.Join(parts, ", ")
}

// idCols are the column indices of a table's entity ID columns (-1 when the table has none).
type idCols struct{ npi, tin, vg, sg, apm int }

// entity reads the level's IDs in column order: an ID the level needs that is null is
// level.ids_missing; any given NPI or TIN must be valid. Only the IDs the level uses are kept
// (a subgroup keeps its TIN when given); a failed row's key is the zero key. The NPI and TIN
// are not copied: the key packs them into a number.
func (c *rowCtx) entity(l model.Level, ix idCols) model.EntityKey {
	if c.failed {
		return model.EntityKey{}
	}
	need := func(i int) bool {
		if i < 0 {
			return false
		}
		s, ok := c.get(i)
		if ok && s == "" {
			c.fail(i, CodeLevelIDsMissing, "level %s needs %s", l, c.cols[i].name)
			return false
		}
		return ok
	}
	var npi, tin string
	if ix.npi >= 0 {
		if l == model.LevelIndividual && !need(ix.npi) {
			return model.EntityKey{}
		}
		if v := c.npiCell(ix.npi, false); l == model.LevelIndividual {
			npi = v
		}
	}
	if ix.tin >= 0 {
		if l == model.LevelIndividual || l == model.LevelGroup {
			if !need(ix.tin) {
				return model.EntityKey{}
			}
		}
		if v := c.tinCell(ix.tin, false); l == model.LevelIndividual || l == model.LevelGroup || l == model.LevelSubgroup {
			tin = v
		}
	}
	var id string
	for _, x := range [...]struct {
		i int
		l model.Level
	}{{ix.vg, model.LevelVirtualGroup}, {ix.sg, model.LevelSubgroup}, {ix.apm, model.LevelAPMEntity}} {
		if x.i < 0 || l != x.l {
			continue
		}
		if !need(x.i) {
			return model.EntityKey{}
		}
		id = c.id(x.i, false)
	}
	if c.failed {
		return model.EntityKey{}
	}
	return model.NewEntityKey(l, npi, tin, id, id, id)
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b >= 'A' && b <= 'Z' || b >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

func hasLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b >= 'a' && b <= 'z' {
			return true
		}
	}
	return false
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
