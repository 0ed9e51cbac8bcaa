package query

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// column is one result column.
type column struct {
	name    string
	dbType  string // DuckDB type name, upper case
	numeric bool   // right-aligned in table and markdown
}

// printer prints a result: begin once, row per row, end once.
type printer interface {
	begin(cols []column) error
	row(vals []any) error
	end() error
}

func newPrinter(format string, w io.Writer) (printer, error) {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", FormatTable:
		return &gridPrinter{w: w}, nil
	case FormatMarkdown:
		return &gridPrinter{w: w, markdown: true}, nil
	case FormatCSV:
		return &csvPrinter{w: csv.NewWriter(w)}, nil
	case FormatJSON:
		return &jsonPrinter{w: w}, nil
	}
	return nil, fmt.Errorf("query: unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

func isNumericType(t string) bool {
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
		"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
		"FLOAT", "DOUBLE", "REAL":
		return true
	}
	return strings.HasPrefix(t, "DECIMAL")
}

// text renders a value for the text formats: NULL is "", numbers in full without exponent
// where possible, booleans true/false, nested values as JSON.
func text(v any, dbType string) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return fmt.Sprint(v)
	case float32:
		return formatFloat(float64(v), 32)
	case float64:
		return formatFloat(v, 64)
	case *big.Int:
		return v.String()
	case duckdb.Decimal:
		return v.String()
	case []byte:
		if dbType == "UUID" && len(v) == 16 {
			var u duckdb.UUID
			copy(u[:], v)
			return u.String()
		}
		return blobText(v)
	case time.Time:
		return timeText(v, dbType)
	case duckdb.Interval:
		return fmt.Sprintf("%d months %d days %d microseconds", v.Months, v.Days, v.Micros)
	case []any, map[string]any, duckdb.Map, duckdb.OrderedMap, duckdb.Union:
		b, err := marshal(jsonValue(v, dbType))
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

func formatFloat(f float64, bits int) string {
	if math.IsInf(f, 1) {
		return "inf"
	}
	if math.IsInf(f, -1) {
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', -1, bits) // NaN prints NaN
}

// blobText shows printable ASCII as is and every other byte as \xHH, as DuckDB does.
func blobText(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '\\' {
			sb.WriteByte(c)
		} else {
			sb.WriteString(`\x`)
			sb.WriteString(strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return sb.String()
}

func timeText(t time.Time, dbType string) string {
	switch {
	case dbType == "DATE":
		return t.Format(time.DateOnly)
	case strings.HasPrefix(dbType, "TIME WITH TIME ZONE") || dbType == "TIMETZ":
		return t.Format("15:04:05.999999Z07:00")
	case strings.HasPrefix(dbType, "TIME") && !strings.HasPrefix(dbType, "TIMESTAMP"):
		return t.Format("15:04:05.999999")
	case strings.Contains(dbType, "TIME ZONE") || dbType == "TIMESTAMPTZ":
		return t.Format("2006-01-02 15:04:05.999999999Z07:00")
	}
	return t.Format("2006-01-02 15:04:05.999999999")
}

// jsonValue converts a value to one json.Marshal writes as intended: numbers as JSON numbers
// (json.Number, so big integers and decimals keep every digit), maps with string keys.
func jsonValue(v any, dbType string) any {
	switch v := v.(type) {
	case nil, string, bool:
		return v
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint, *big.Int, duckdb.Decimal:
		return json.Number(text(v, dbType))
	case float32:
		return floatJSON(float64(v), 32)
	case float64:
		return floatJSON(v, 64)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jsonValue(e, "")
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = jsonValue(e, "")
		}
		return out
	case duckdb.Map:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[text(k, "")] = jsonValue(e, "")
		}
		return out
	case duckdb.OrderedMap:
		out := make(map[string]any, v.Len())
		keys, vals := v.Keys(), v.Values()
		for i, k := range keys {
			out[text(k, "")] = jsonValue(vals[i], "")
		}
		return out
	case duckdb.Union:
		return jsonValue(v.Value, "")
	case duckdb.Interval:
		return v
	}
	return text(v, dbType)
}

func floatJSON(f float64, bits int) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return formatFloat(f, bits) // JSON has no NaN or infinity: a string
	}
	return json.Number(strconv.FormatFloat(f, 'f', -1, bits))
}

// marshal is json.Marshal without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// csvPrinter writes a header row and one record per row; NULL is an empty cell.
type csvPrinter struct {
	w    *csv.Writer
	cols []column
	rec  []string
}

func (p *csvPrinter) begin(cols []column) error {
	p.cols = cols
	p.rec = make([]string, len(cols))
	for i, c := range cols {
		p.rec[i] = c.name
	}
	return p.w.Write(p.rec)
}

func (p *csvPrinter) row(vals []any) error {
	for i, v := range vals {
		p.rec[i] = text(v, p.cols[i].dbType)
	}
	return p.w.Write(p.rec)
}

func (p *csvPrinter) end() error {
	p.w.Flush()
	return p.w.Error()
}

// jsonPrinter writes an array of objects, one per line, keys in column order.
type jsonPrinter struct {
	w    io.Writer
	cols []column
	keys [][]byte
	n    int
	buf  bytes.Buffer
}

func (p *jsonPrinter) begin(cols []column) error {
	p.cols = cols
	p.keys = make([][]byte, len(cols))
	for i, c := range cols {
		k, err := marshal(c.name)
		if err != nil {
			return err
		}
		p.keys[i] = k
	}
	_, err := io.WriteString(p.w, "[")
	return err
}

func (p *jsonPrinter) row(vals []any) error {
	p.buf.Reset()
	if p.n > 0 {
		p.buf.WriteString(",")
	}
	p.buf.WriteString("\n  {")
	for i, v := range vals {
		if i > 0 {
			p.buf.WriteString(", ")
		}
		p.buf.Write(p.keys[i])
		p.buf.WriteString(": ")
		b, err := marshal(jsonValue(v, p.cols[i].dbType))
		if err != nil {
			return fmt.Errorf("query: column %s: %w", p.cols[i].name, err)
		}
		p.buf.Write(b)
	}
	p.buf.WriteString("}")
	p.n++
	_, err := p.w.Write(p.buf.Bytes())
	return err
}

func (p *jsonPrinter) end() error {
	end := "]\n"
	if p.n > 0 {
		end = "\n]\n"
	}
	_, err := io.WriteString(p.w, end)
	return err
}

// gridPrinter collects the rows and writes an aligned text table (header, separator, rows,
// row count) or a GitHub markdown table: text left-aligned, numbers right-aligned.
type gridPrinter struct {
	w        io.Writer
	markdown bool
	cols     []column
	cells    [][]string // header first
}

func (p *gridPrinter) begin(cols []column) error {
	p.cols = cols
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = p.escape(c.name)
	}
	p.cells = append(p.cells, header)
	return nil
}

func (p *gridPrinter) row(vals []any) error {
	rec := make([]string, len(vals))
	for i, v := range vals {
		rec[i] = p.escape(text(v, p.cols[i].dbType))
	}
	p.cells = append(p.cells, rec)
	return nil
}

// escape keeps a cell on one line (and, in markdown, inside its column).
func (p *gridPrinter) escape(s string) string {
	if p.markdown {
		return strings.NewReplacer("|", `\|`, "\r\n", "<br>", "\n", "<br>", "\r", "<br>").Replace(s)
	}
	return strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
}

func (p *gridPrinter) end() error {
	widths := make([]int, len(p.cols))
	for _, rec := range p.cells {
		for i, s := range rec {
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
	}
	if p.markdown {
		for i := range widths {
			widths[i] = max(widths[i], 3)
		}
	}
	var b strings.Builder
	for r, rec := range p.cells {
		p.line(&b, rec, widths)
		if r == 0 {
			sep := make([]string, len(widths))
			for i, w := range widths {
				sep[i] = strings.Repeat("-", w)
				if p.markdown && p.cols[i].numeric {
					sep[i] = sep[i][:w-1] + ":"
				}
			}
			p.line(&b, sep, widths)
		}
	}
	if !p.markdown {
		if n := len(p.cells) - 1; n == 1 {
			b.WriteString("(1 row)\n")
		} else {
			fmt.Fprintf(&b, "(%d rows)\n", n)
		}
	}
	_, err := io.WriteString(p.w, b.String())
	return err
}

func (p *gridPrinter) line(b *strings.Builder, rec []string, widths []int) {
	var ln strings.Builder
	if p.markdown {
		ln.WriteString("|")
	}
	for i, s := range rec {
		pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(s))
		switch {
		case p.markdown:
			ln.WriteString(" ")
		case i > 0:
			ln.WriteString("  ")
		}
		if p.cols[i].numeric {
			ln.WriteString(pad + s)
		} else {
			ln.WriteString(s + pad)
		}
		if p.markdown {
			ln.WriteString(" |")
		}
	}
	b.WriteString(strings.TrimRight(ln.String(), " "))
	b.WriteString("\n")
}
