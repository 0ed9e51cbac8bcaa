package writers

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
)

// csvTable writes rows as CSV with a header row: null is an empty cell, booleans are
// true/false, integers decimal, doubles the shortest decimal that reads back exactly (no
// exponent). CSV cannot tell null from an empty string: both are an empty cell.
type csvTable[T any] struct {
	ctx    context.Context
	fields []field[T]
	cw     *csv.Writer
	rec    []string
	n      int // rows written
}

func newCSVTable[T any](ctx context.Context, w io.Writer, fields []field[T]) (*csvTable[T], error) {
	t := &csvTable[T]{ctx: ctx, fields: fields, cw: csv.NewWriter(w), rec: make([]string, len(fields))}
	for i, f := range fields {
		t.rec[i] = f.Name
	}
	return t, t.cw.Write(t.rec)
}

func (t *csvTable[T]) add(rows []T) error {
	for i := range rows {
		if t.n%batchRows == 0 {
			if err := t.ctx.Err(); err != nil {
				return err
			}
		}
		t.n++
		row := &rows[i]
		for j := range t.fields {
			t.rec[j] = t.fields[j].format(row)
		}
		if err := t.cw.Write(t.rec); err != nil {
			return err
		}
	}
	return nil
}

func (t *csvTable[T]) close() error {
	t.cw.Flush()
	return t.cw.Error()
}

func (t *csvTable[T]) abort() {}

// format renders the column's value of row r as a CSV cell.
func (f *field[T]) format(r *T) string {
	switch f.Kind {
	case String:
		v, _ := f.str(r)
		return v
	case Int:
		if v, ok := f.i64(r); ok {
			return strconv.FormatInt(v, 10)
		}
	case Bool:
		if v, ok := f.b(r); ok {
			return strconv.FormatBool(v)
		}
	case Double:
		if v, ok := f.f64(r); ok {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ""
}
