package readers

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"reweigh/model"
)

// Valid NPIs (Luhn over 80840 + NPI, computed independently).
const (
	npiA = "1234567893"
	npiB = "1000000004"
	npiC = "1999999992"
	npiD = "9876543213" // valid, but not in baseClinicians
)

// baseClinicians: lines 2-4. TIN 012345678 has A and B, TIN 987654321 has C.
const baseClinicians = "npi,tin,clinician_type\n" +
	npiA + ",012345678,physician\n" +
	npiB + ",012345678,nurse_practitioner\n" +
	npiC + ",987654321,physician\n"

// writeDir writes name -> content files into a new temporary directory.
func writeDir(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func read(t testing.TB, dir string) *model.Inputs {
	t.Helper()
	in, err := ReadAll(context.Background(), dir, Options{Workers: 2})
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	checkReconciles(t, in)
	return in
}

func fileError(t testing.TB, dir string) *FileError {
	t.Helper()
	in, err := ReadAll(context.Background(), dir, Options{})
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("ReadAll = %v, %v; want a *FileError", in, err)
	}
	return fe
}

// checkReconciles checks rows_read = rows_accepted + rows_rejected for every table, that the
// accepted rows are in Inputs and each rejected row has one error reject.
func checkReconciles(t testing.TB, in *model.Inputs) {
	t.Helper()
	accepted := map[string]int{
		model.TableClinicians: len(in.Clinicians), model.TableGroups: len(in.Groups),
		model.TableVirtualGroups: len(in.VirtualGroups), model.TableSubgroups: len(in.Subgroups),
		model.TableAPMEntities: len(in.APMEntities), model.TableExceptions: len(in.Exceptions),
		model.TableSubmissions: len(in.Submissions), model.TableMeasurements: in.Measurements.Len(),
		model.TableScores: len(in.Scores), model.TableEUCAreas: len(in.EUCAreas),
		model.TableCostMeasures: len(in.CostMeasures),
	}
	errs := map[string]int{}
	for _, r := range in.Rejects {
		if r.Severity == model.SeverityError {
			errs[r.Table]++
		}
	}
	last := -1
	for _, s := range in.Stats {
		i := indexOf(s.Table)
		if i <= last {
			t.Errorf("stats not in InputTables order: %s", s.Table)
		}
		last = i
		if !in.Present[s.Table] {
			t.Errorf("stat for %s, which is not present", s.Table)
		}
		if s.RowsRead != s.RowsAccepted+s.RowsRejected {
			t.Errorf("%s: rows_read %d != accepted %d + rejected %d", s.Table, s.RowsRead, s.RowsAccepted, s.RowsRejected)
		}
		if s.RowsAccepted != accepted[s.Table] {
			t.Errorf("%s: rows_accepted %d, but %d rows in Inputs", s.Table, s.RowsAccepted, accepted[s.Table])
		}
		if s.RowsRejected != errs[s.Table] {
			t.Errorf("%s: rows_rejected %d, but %d error rejects", s.Table, s.RowsRejected, errs[s.Table])
		}
	}
	for i := 1; i < len(in.Rejects); i++ {
		a, b := in.Rejects[i-1], in.Rejects[i]
		if indexOf(a.Table) > indexOf(b.Table) || a.Table == b.Table && a.Row > b.Row {
			t.Errorf("rejects out of order: %+v before %+v", a, b)
		}
	}
}

func indexOf(table string) int {
	for i, n := range model.InputTables {
		if n == table {
			return i
		}
	}
	return -1
}

// parquetColumn is one column of a test Parquet file.
type parquetColumn struct {
	name string
	arr  arrow.Array
}

// writeParquet writes the columns as a Parquet file with pqarrow, not dictionary-encoded.
func writeParquet(t testing.TB, path string, cols ...parquetColumn) {
	t.Helper()
	writeParquetWith(t, path, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(50_000)), cols...)
}

// writeParquetWith writes the columns as a Parquet file with pqarrow and the given properties.
func writeParquetWith(t testing.TB, path string, props *parquet.WriterProperties, cols ...parquetColumn) {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.arr.DataType(), Nullable: true}
		arrs[i] = c.arr
	}
	sc := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(sc, arrs, -1)
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(sc, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// strings column; "" is null.
func strCol(name string, vals ...string) parquetColumn {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	for _, v := range vals {
		if v == "" {
			b.AppendNull()
		} else {
			b.Append(v)
		}
	}
	return parquetColumn{name, b.NewArray()}
}

// csvToParquet converts CSV text into a Parquet file of string columns (empty cell = null).
func csvToParquet(t testing.TB, text, path string) {
	t.Helper()
	writeParquet(t, path, csvColumns(t, text)...)
}

// csvColumns returns the columns of CSV text as string columns (empty cell = null).
func csvColumns(t testing.TB, text string) []parquetColumn {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var cols []parquetColumn
	for j, name := range recs[0] {
		vals := make([]string, 0, len(recs)-1)
		for _, r := range recs[1:] {
			vals = append(vals, r[j])
		}
		cols = append(cols, strCol(name, vals...))
	}
	return cols
}

// writeDirParquet writes every table of files (CSV text, keyed <table>.csv) as <table>.parquet.
func writeDirParquet(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		csvToParquet(t, content, filepath.Join(dir, strings.TrimSuffix(name, ".csv")+".parquet"))
	}
	return dir
}

// renumbered returns m with each row's number given by row (of its number as read): CSV rows
// are numbered by line and Parquet rows from 1, so tests renumber one to compare with the other.
func renumbered(m model.Measurements, row func(int) int) model.Measurements {
	out := model.Measurements{MeasureIDs: m.MeasureIDs, SubmissionRows: m.SubmissionRows, SubmissionRowsOf: m.SubmissionRowsOf}
	for r := range m.Runs() {
		out.StartRun(m.SubmissionIDs[r])
		lo, hi := m.Run(r)
		for i := lo; i < hi; i++ {
			out.Add(row(m.Row(i)), m.Measure[i], m.Flags[i])
		}
	}
	return out
}

// zipOf and countyOf are the practice ZIP code and county of a clinicians row ("" when none).
func zipOf(r model.Clinician) string {
	zip, _, _ := r.Practice.Address()
	return zip
}

func countyOf(r model.Clinician) string {
	_, _, county := r.Practice.Address()
	return county
}
