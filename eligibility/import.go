package eligibility

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Bool is a nullable boolean of an output row (written "true", "false" or "" for null).
type Bool struct {
	V     bool
	Valid bool
}

// String returns "true", "false", or "" for null: the CSV cell.
func (b Bool) String() string {
	if !b.Valid {
		return ""
	}
	if b.V {
		return "true"
	}
	return "false"
}

func fromFlag(f Flag) Bool { return Bool(f) }

// ClinicianRow is one row of the clinicians table: an NPI billing under a TIN.
type ClinicianRow struct {
	NPI, TIN         string
	ClinicianType    string // contract vocabulary, "" when the API gives nothing that maps
	MIPSEligible     Bool
	HospitalBased    Bool
	NonPatientFacing Bool
	ASCBased         Bool
	AutoEUC          Bool
	PracticeZIP      string // 5 digits
	PracticeState    string // 2 letters
	Source           string // the response it comes from: file, or file[i] for the i-th of several
}

// GroupRow is one row of the groups table: a TIN's given small-practice status.
type GroupRow struct {
	TIN           string
	SmallPractice Bool
	Source        string
}

// Importer merges QPP Eligibility API v6 responses into clinicians and groups rows. Responses
// are added in order; a later response's NPI/TIN replaces an earlier one, with a warning.
type Importer struct {
	clinicians map[[2]string]*ClinicianRow // by NPI, TIN
	groups     map[string]*GroupRow
	warnings   []string

	Responses int // responses read (data objects)
	Skipped   int // organizations (NPI/TIN pairs) not imported: masked or invalid TIN, invalid NPI
}

// NewImporter returns an empty importer.
func NewImporter() *Importer {
	return &Importer{clinicians: make(map[[2]string]*ClinicianRow), groups: make(map[string]*GroupRow)}
}

// Warnings returns the warnings so far, in the order they arose, each starting with the
// response it is about.
func (im *Importer) Warnings() []string { return im.warnings }

func (im *Importer) warnf(src, format string, args ...any) {
	im.warnings = append(im.warnings, src+": "+fmt.Sprintf(format, args...))
}

// Clinicians returns the clinicians rows, ordered by TIN, then NPI.
func (im *Importer) Clinicians() []ClinicianRow {
	rows := make([]ClinicianRow, 0, len(im.clinicians))
	for _, r := range im.clinicians {
		rows = append(rows, *r)
	}
	slices.SortFunc(rows, func(a, b ClinicianRow) int {
		return cmp.Or(strings.Compare(a.TIN, b.TIN), strings.Compare(a.NPI, b.NPI))
	})
	return rows
}

// Groups returns the groups rows, ordered by TIN: one per TIN whose small-practice status the
// API gave.
func (im *Importer) Groups() []GroupRow {
	rows := make([]GroupRow, 0, len(im.groups))
	for _, r := range im.groups {
		rows = append(rows, *r)
	}
	slices.SortFunc(rows, func(a, b GroupRow) int { return strings.Compare(a.TIN, b.TIN) })
	return rows
}

// ReadError is a file that is not a QPP Eligibility API response: bad JSON, or JSON of the
// wrong shape. It names the file and, where known, the response (1-based) and the field.
type ReadError struct {
	File  string // as given
	Where string // e.g. "response 3", or ""
	Err   error
}

func (e *ReadError) Error() string {
	if e.Where != "" {
		return fmt.Sprintf("%s: %s: %v", e.File, e.Where, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the underlying error (e.g. a *json.SyntaxError).
func (e *ReadError) Unwrap() error { return e.Err }

// Read adds every response in r, read from the file name: one response object, a JSON array of
// responses (streamed, one response in memory at a time), or a sequence of response objects
// (concatenated or one per line). A decoding error is a *ReadError; the responses before it
// have been added.
func (im *Importer) Read(name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<16)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\uFEFF")) {
		br.Discard(3)
	}
	first, err := firstByte(br)
	if err == io.EOF {
		return &ReadError{File: name, Err: errors.New("empty file: expected a QPP Eligibility API response (JSON)")}
	}
	if err != nil {
		return &ReadError{File: name, Err: err}
	}
	dec := json.NewDecoder(br)
	fail := func(n int, err error) error {
		where := ""
		if n > 0 {
			where = fmt.Sprintf("response %d", n)
		}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			err = fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
		case errors.As(err, &te) && te.Field != "":
			err = fmt.Errorf("field %s: cannot use a JSON %s where %s is expected", te.Field, te.Value, goTypeName(te))
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			err = errors.New("unexpected end of file: the JSON is truncated")
		}
		return &ReadError{File: name, Where: where, Err: err}
	}
	add := func(n int, src string, resp *Response) error {
		if resp.Data == nil {
			return fail(n, errors.New(`not a QPP Eligibility API response: no "data" object`))
		}
		for i, c := range resp.Data {
			if c == nil {
				return fail(n, fmt.Errorf("data[%d] is null", i))
			}
			s := src
			if len(resp.Data) > 1 {
				s = fmt.Sprintf("%s.data[%d]", src, i)
			}
			im.Add(s, c)
		}
		return nil
	}
	n := 0 // responses decoded
	if first == '[' {
		// A JSON array of responses, streamed: element i is name[i].
		if _, err := dec.Token(); err != nil {
			return fail(0, err)
		}
		for dec.More() {
			n++
			var resp Response
			if err := dec.Decode(&resp); err != nil {
				return fail(n, err)
			}
			if err := add(n, fmt.Sprintf("%s[%d]", name, n-1), &resp); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return fail(n, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return fail(0, errors.New("unexpected data after the array of responses"))
		}
	} else {
		// One response object (name), or a sequence of them (name[0], name[1], ...): the
		// first is added once the second is known to exist or not.
		var pending *Response
		for {
			var resp Response
			err := dec.Decode(&resp)
			if err == io.EOF {
				break
			}
			n++
			if err != nil {
				return fail(n, err)
			}
			switch {
			case n == 1:
				pending = &resp
				continue
			case n == 2:
				if err := add(1, name+"[0]", pending); err != nil {
					return err
				}
				pending = nil
			}
			if err := add(n, fmt.Sprintf("%s[%d]", name, n-1), &resp); err != nil {
				return err
			}
		}
		if pending != nil {
			if err := add(1, name, pending); err != nil {
				return err
			}
		}
	}
	im.Responses += n
	if n == 0 {
		return &ReadError{File: name, Err: errors.New("no responses in the file (an empty array)")}
	}
	return nil
}

// goTypeName names the expected JSON type of an unmarshal type error.
func goTypeName(te *json.UnmarshalTypeError) string {
	switch te.Type.Kind().String() {
	case "bool":
		return "a boolean"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "ptr":
		return "an object"
	}
	return te.Type.String()
}

// firstByte returns the first byte of r that is not JSON white space, without consuming it.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			br.Discard(1)
			continue
		}
		return b[0], nil
	}
}
