package writers

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
)

// writeCSV writes the rows as CSV with a header row: null is an empty cell, booleans are
// true/false, integers decimal, doubles the shortest decimal that reads back exactly (no
// exponent). CSV cannot tell null from an empty string: both are an empty cell.
func (r rowsOf[T]) writeCSV(ctx context.Context, w io.Writer) error {
	cw := csv.NewWriter(w)
	rec := make([]string, len(r.fields))
	for i, f := range r.fields {
		rec[i] = f.Name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for i := range r.rows {
		if i%batchRows == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row := &r.rows[i]
		for j := range r.fields {
			rec[j] = r.fields[j].format(row)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

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
