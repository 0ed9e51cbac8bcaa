package readers

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"

	"reweigh/model"
)

// TestQPPAliases: the status flags also accept the QPP Eligibility API's names.
func TestQPPAliases(t *testing.T) {
	files := map[string]string{
		"clinicians.csv": "npi,tin,HospitalBasedClinician,nonPatientFacing,AMBULATORYSURGICALCENTER,smallGroupPractitioner\n" +
			npiA + ",012345678,true,N,yes,maybe\n" +
			npiB + ",012345678,,,,\n",
		"groups.csv": "tin,smallGroupPractitioner\n012345678,Y\n",
	}
	for _, format := range []string{"csv", "parquet"} {
		t.Run(format, func(t *testing.T) {
			dir := writeDir(t, files)
			if format == "parquet" {
				dir = writeDirParquet(t, files)
			}
			in := read(t, dir)
			if len(in.Rejects) != 0 {
				t.Fatalf("rejects (smallGroupPractitioner is an extra column in clinicians):\n%s", dumpRejects(in.Rejects))
			}
			yes, no := model.OptBool{V: true, Valid: true}, model.OptBool{Valid: true}
			c := in.Clinicians
			if len(c) != 2 || c[0].HospitalBased != yes || c[0].NonPatientFacing != no || c[0].ASCBased != yes ||
				c[1].HospitalBased.Valid || c[1].NonPatientFacing.Valid || c[1].ASCBased.Valid {
				t.Errorf("clinicians %+v", c)
			}
			if g := in.Groups; len(g) != 1 || g[0].SmallPractice != yes {
				t.Errorf("groups %+v", g)
			}
		})
	}

	// A reject names the column as the file has it.
	in := read(t, writeDir(t, map[string]string{"clinicians.csv": "npi,tin,nonPatientFacing\n" + npiA + ",012345678,maybe\n"}))
	if len(in.Rejects) != 1 || in.Rejects[0].Column != "nonPatientFacing" || in.Rejects[0].Code != CodeBoolInvalid ||
		!strings.Contains(in.Rejects[0].Message, `nonPatientFacing "maybe"`) {
		t.Errorf("rejects:\n%s", dumpRejects(in.Rejects))
	}
	// Reading through an alias does not rename the table's definition.
	for _, col := range tableColumns[model.TableClinicians] {
		if col.name != strings.ToLower(col.name) {
			t.Errorf("table definition renamed: %+v", col)
		}
	}
	// So does a Parquet column type error.
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "clinicians.parquet"), strCol("npi", npiA), strCol("tin", "012345678"), float64Col("hospitalBasedClinician", 1))
	if fe := fileError(t, dir); fe.Code != CodeFileColumnType || fe.Column != "hospitalBasedClinician" {
		t.Errorf("got %v (%s, column %q)", fe, fe.Code, fe.Column)
	}
}

// TestQPPAliasAndContractName: a flag given under both names is a fatal duplicate_column naming
// both.
func TestQPPAliasAndContractName(t *testing.T) {
	cases := []struct {
		name, file, text, column, alias string
	}{
		{"hospital_based", "clinicians.csv", "npi,tin,hospital_based,hospitalBasedClinician\n", "hospital_based", "hospitalBasedClinician"},
		{"non_patient_facing", "clinicians.csv", "nonpatientfacing,npi,tin,Non_Patient_Facing\n", "non_patient_facing", "nonPatientFacing"},
		{"asc_based", "clinicians.csv", "npi,tin,ambulatorySurgicalCenter,asc_based\n", "asc_based", "ambulatorySurgicalCenter"},
		{"small_practice", "groups.csv", "tin,small_practice,smallGroupPractitioner\n012345678,Y,Y\n", "small_practice", "smallGroupPractitioner"},
	}
	for _, tc := range cases {
		for _, format := range []string{"csv", "parquet"} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				files := map[string]string{"clinicians.csv": baseClinicians}
				files[tc.file] = tc.text
				dir := writeDir(t, files)
				file := tc.file
				if format == "parquet" {
					if tc.file == "clinicians.csv" {
						files[tc.file] += npiA + ",012345678,1,0\n"
					}
					dir = writeDirParquet(t, files)
					file = strings.TrimSuffix(tc.file, ".csv") + ".parquet"
				}
				fe := fileError(t, dir)
				if fe.File != file || fe.Column != tc.column || fe.Code != CodeFileDuplicateColumn ||
					!strings.Contains(fe.Error(), `"`+tc.column+`"`) || !strings.Contains(fe.Error(), `"`+tc.alias+`"`) {
					t.Errorf("got %v (file %s, column %q, code %s)", fe, fe.File, fe.Column, fe.Code)
				}
			})
		}
	}
}

// TestHardenedCSV: the CSV shapes exported by spreadsheets and scripts.
func TestHardenedCSV(t *testing.T) {
	row := func(in *model.Inputs, i int) model.Clinician { return in.Clinicians[i] }
	t.Run("bom", func(t *testing.T) {
		in := read(t, writeDir(t, map[string]string{"clinicians.csv": "\uFEFFnpi,tin\n" + npiA + ",012345678\n"}))
		if len(in.Clinicians) != 1 || len(in.Rejects) != 0 || row(in, 0).Row != 2 {
			t.Errorf("got %+v %s", in.Clinicians, dumpRejects(in.Rejects))
		}
	})
	t.Run("bom_only", func(t *testing.T) {
		fe := fileError(t, writeDir(t, map[string]string{"clinicians.csv": "\uFEFF"}))
		if fe.Code != CodeFileEmpty || fe.File != "clinicians.csv" {
			t.Errorf("got %v", fe)
		}
	})
	t.Run("crlf", func(t *testing.T) {
		in := read(t, writeDir(t, map[string]string{"clinicians.csv": "npi,tin,practice_county\r\n" + npiA + ",012345678,Suffolk\r\n" + npiB + ",012345678,Lee\r\n"}))
		if len(in.Clinicians) != 2 || countyOf(row(in, 1)) != "Lee" || row(in, 1).Row != 3 || len(in.Rejects) != 0 {
			t.Errorf("got %+v", in.Clinicians)
		}
	})
	t.Run("quoted_newlines", func(t *testing.T) {
		in := read(t, writeDir(t, map[string]string{"clinicians.csv": "npi,tin,practice_county\n" +
			npiA + ",012345678,\"Prince\r\nGeorge's\"\n" + npiB + ",012345678,\"a\n\nb\"\n" + "1234567890,012345678,x\n"}))
		// Rows are the line each record starts on; a CRLF inside quotes is read as LF.
		if len(in.Clinicians) != 2 || countyOf(row(in, 0)) != "Prince\nGeorge's" || row(in, 1).Row != 4 || countyOf(row(in, 1)) != "a\n\nb" {
			t.Errorf("got %+v", in.Clinicians)
		}
		if len(in.Rejects) != 1 || in.Rejects[0].Row != 7 || in.Rejects[0].Code != CodeNPICheckDigit {
			t.Errorf("rejects:\n%s", dumpRejects(in.Rejects))
		}
	})
	t.Run("invalid_utf8/cell", func(t *testing.T) {
		in := read(t, writeDir(t, map[string]string{"clinicians.csv": "npi,tin,practice_county\n" + npiA + ",012345678,M\xe9xico\n"}))
		if len(in.Rejects) != 1 || in.Rejects[0].Code != CodeInvalidUTF8 || in.Rejects[0].Column != "practice_county" || in.Rejects[0].Value != "M\uFFFDxico" {
			t.Errorf("rejects:\n%s", dumpRejects(in.Rejects))
		}
	})
	t.Run("invalid_utf8/header", func(t *testing.T) {
		fe := fileError(t, writeDir(t, map[string]string{"clinicians.csv": "n\xffpi,tin\n" + npiA + ",012345678\n"}))
		if fe.Code != CodeFileMissingColumn || fe.Column != "npi" {
			t.Errorf("got %v", fe)
		}
	})
	t.Run("utf16", func(t *testing.T) {
		for _, text := range []string{
			"\xff\xfen\x00p\x00i\x00,\x00t\x00i\x00n\x00\n\x00", // UTF-16LE with its byte-order mark
			"\xfe\xff\x00n\x00p\x00i",                           // UTF-16BE
			"n\x00p\x00i\x00,\x00t\x00i\x00n\x00\n\x00",         // UTF-16LE without a mark
		} {
			fe := fileError(t, writeDir(t, map[string]string{"clinicians.csv": text}))
			if fe.Code != CodeFileEncoding || fe.File != "clinicians.csv" || !strings.Contains(fe.Error(), "UTF-16") {
				t.Errorf("%q: got %v", text, fe)
			}
		}
	})
	t.Run("empty", func(t *testing.T) {
		fe := fileError(t, writeDir(t, map[string]string{"clinicians.csv": ""}))
		if fe.Code != CodeFileEmpty || fe.File != "clinicians.csv" || !strings.Contains(fe.Error(), "empty file") {
			t.Errorf("got %v", fe)
		}
	})
	t.Run("header_only", func(t *testing.T) {
		for _, text := range []string{"npi,tin", "npi,tin\n", "npi,tin\r\n\r\n"} {
			in := read(t, writeDir(t, map[string]string{"clinicians.csv": text}))
			if len(in.Clinicians) != 0 || len(in.Rejects) != 0 || in.Stats[0].RowsRead != 0 || in.Stats[0].SHA256 == "" {
				t.Errorf("%q: got %+v", text, in)
			}
		}
	})
}

// validParquet is a small clinicians.parquet, compressed as the writers compress.
func validParquet(t testing.TB) []byte {
	return parquetBytes(t, []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Zstd)},
		strCol("npi", npiA, npiB, npiC), strCol("tin", "012345678", "012345678", "987654321"),
		strCol("practice_county", "Suffolk", "Middlesex", "Lee"))
}

// parquetResult reads data as clinicians.parquet: a *FileError naming the file, or inputs that
// reconcile.
func parquetResult(t *testing.T, data []byte) (*model.Inputs, *FileError) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clinicians.parquet"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := ReadAll(context.Background(), dir, Options{Workers: 1})
	if err != nil {
		var fe *FileError
		if !errors.As(err, &fe) || fe.File != "clinicians.parquet" || !strings.HasPrefix(fe.Error(), "clinicians.parquet: ") {
			t.Fatalf("err = %v, want a *FileError naming clinicians.parquet", err)
		}
		return nil, fe
	}
	checkReconciles(t, in)
	return in, nil
}

// TestHardenedParquet: truncated, corrupt and mistyped Parquet files are errors naming the file
// (and the column, for a type), never a panic.
func TestHardenedParquet(t *testing.T) {
	good := validParquet(t)
	if in, fe := parquetResult(t, good); fe != nil || len(in.Clinicians) != 3 {
		t.Fatalf("valid file: %v", fe)
	}
	t.Run("truncated", func(t *testing.T) {
		for n := 0; n < len(good); n += 1 + n/8 {
			_, fe := parquetResult(t, good[:n])
			want := CodeFileCorrupt
			if n == 0 {
				want = CodeFileEmpty
			}
			if fe == nil || fe.Code != want || fe.Column != "" {
				t.Fatalf("first %d bytes: got %v, want %s", n, fe, want)
			}
		}
		// The footer kept, the middle cut out.
		if _, fe := parquetResult(t, slices.Concat(good[:len(good)/2], good[len(good)-40:])); fe == nil || fe.Code != CodeFileCorrupt {
			t.Errorf("middle cut out: got %v", fe)
		}
	})
	t.Run("random_bytes", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, n := range []int{1, 4, 8, 12, 100, 4096} {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			for _, data := range [][]byte{b, append(slices.Clone(b), "PAR1"...), slices.Concat([]byte("PAR1"), b, []byte("PAR1"))} {
				if _, fe := parquetResult(t, data); fe == nil || fe.Code != CodeFileCorrupt {
					t.Fatalf("%d random bytes: got %v", len(data), fe)
				}
			}
		}
	})
	t.Run("flipped_middle", func(t *testing.T) {
		// 16 bytes flipped in the middle of a file of 5000 rows (in its compressed pages):
		// corrupt, naming the column whose page it is.
		n := 5000
		npis, tins := make([]string, n), make([]string, n)
		for i := range npis {
			npis[i], tins[i] = npiWithCheckDigit(100000000+i*7919), "012345678"
		}
		big := parquetBytes(t, []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Zstd)}, strCol("tin", tins...), strCol("npi", npis...))
		if in, fe := parquetResult(t, big); fe != nil || len(in.Clinicians) != n {
			t.Fatalf("valid file: %v", fe)
		}
		b := slices.Clone(big)
		for i := len(b)/2 - 8; i < len(b)/2+8; i++ {
			b[i] ^= 0xFF
		}
		_, fe := parquetResult(t, b)
		if fe == nil || fe.Code != CodeFileCorrupt || fe.Column != "npi" || !strings.HasPrefix(fe.Error(), `clinicians.parquet: column "npi": not a valid Parquet file`) {
			t.Errorf("got %v", fe)
		}
		// In the footer (the small file's middle): corrupt, no column.
		b = slices.Clone(good)
		for i := len(b)/2 - 8; i < len(b)/2+8; i++ {
			b[i] ^= 0xFF
		}
		if _, fe := parquetResult(t, b); fe == nil || fe.Code != CodeFileCorrupt || !strings.Contains(fe.Error(), "footer") {
			t.Errorf("got %v", fe)
		}
	})
	t.Run("flipped_every_byte", func(t *testing.T) {
		// Every single-byte flip: an error naming the file, or rows that reconcile. Parquet pages
		// carry no checksum the reader can verify, so a flip in bytes the reader does not use
		// (statistics) or inside a value can go unnoticed; most are caught.
		caught := 0
		for i := range good {
			b := slices.Clone(good)
			b[i] ^= 0xFF
			if _, fe := parquetResult(t, b); fe != nil {
				switch fe.Code {
				case CodeFileCorrupt, CodeFileMissingColumn, CodeFileDuplicateColumn, CodeFileColumnType:
				default:
					t.Fatalf("flip at %d: %v", i, fe)
				}
				caught++
			}
		}
		if caught < len(good)/3 {
			t.Errorf("only %d of %d flips caught", caught, len(good))
		}
	})
	t.Run("column_type/bool_date", func(t *testing.T) {
		dir := writeDir(t, map[string]string{"clinicians.csv": baseClinicians})
		b := array.NewBooleanBuilder(memory.DefaultAllocator)
		b.AppendValues([]bool{true}, nil)
		writeParquet(t, filepath.Join(dir, "exceptions.parquet"), strCol("application_id", "A1"), strCol("exception_type", "euc"),
			strCol("level", "group"), strCol("tin", "012345678"), strCol("categories", "pi"), strCol("status", "approved"),
			parquetColumn{"submitted_at", b.NewArray()})
		fe := fileError(t, dir)
		if fe.File != "exceptions.parquet" || fe.Column != "submitted_at" || fe.Code != CodeFileColumnType ||
			!strings.Contains(fe.Error(), "bool") || !strings.Contains(fe.Error(), "date32") {
			t.Errorf("got %v (column %q, code %s)", fe, fe.Column, fe.Code)
		}
	})
	t.Run("column_type/float_tin", func(t *testing.T) {
		dir := t.TempDir()
		writeParquet(t, filepath.Join(dir, "clinicians.parquet"), strCol("npi", npiA), float64Col("tin", 12345678))
		fe := fileError(t, dir)
		if fe.File != "clinicians.parquet" || fe.Column != "tin" || fe.Code != CodeFileColumnType || !strings.Contains(fe.Error(), "leading zeros") {
			t.Errorf("got %v (column %q, code %s)", fe, fe.Column, fe.Code)
		}
	})
	t.Run("column_type/int_npi", func(t *testing.T) {
		dir := t.TempDir()
		writeParquet(t, filepath.Join(dir, "clinicians.parquet"), int64Col("npi", 1234567893), strCol("tin", "012345678"))
		if fe := fileError(t, dir); fe.Column != "npi" || fe.Code != CodeFileColumnType {
			t.Errorf("got %v", fe)
		}
	})
	t.Run("header_only", func(t *testing.T) {
		in, fe := parquetResult(t, parquetBytes(t, nil, strCol("npi"), strCol("tin")))
		if fe != nil || len(in.Clinicians) != 0 || in.Stats[0].RowsRead != 0 {
			t.Errorf("got %v %+v", fe, in)
		}
	})
	t.Run("no_table_columns", func(t *testing.T) {
		// A euc_areas.parquet with none of its columns: every row is read (and rejected).
		dir := writeDir(t, map[string]string{"clinicians.csv": baseClinicians})
		writeParquet(t, filepath.Join(dir, "euc_areas.parquet"), strCol("note", "a", "b"))
		in := read(t, dir)
		if st := stat(in, model.TableEUCAreas); st.RowsRead != 2 || st.RowsRejected != 2 {
			t.Errorf("stat %+v", st)
		}
	})
	t.Run("stored_arrow_schema_ignored", func(t *testing.T) {
		// The fuzz crasher: a corrupt ARROW:schema once made arrow allocate hundreds of GB.
		b, err := os.ReadFile("testdata/fuzz/FuzzParquet/a8b4cac14230a8fd")
		if err != nil {
			t.Fatal(err)
		}
		data := fuzzBytesArg(t, b)
		if _, fe := parquetResult(t, data); fe != nil && fe.Code != CodeFileCorrupt {
			t.Errorf("got %v", fe)
		}
	})
}

// fuzzBytesArg returns the []byte argument of a corpus file of FuzzParquet (uint8, []byte).
func fuzzBytesArg(t *testing.T, file []byte) []byte {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(file)), "\n")
	if len(lines) != 3 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[2], "[]byte(") {
		t.Fatalf("not a corpus file: %q", lines)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[2], "[]byte("), ")"))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(s)
}

// TestStreaming: inputs are read through an io.ReaderAt / bufio, never whole into memory; this
// is checked on the source: no os.ReadFile or io.ReadAll in the readers.
func TestStreaming(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"os.ReadFile", "io.ReadAll", "ioutil.ReadFile", "ioutil.ReadAll"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s uses %s: inputs must be streamed", f, bad)
			}
		}
	}
}

// TestErrorsDocumented: every Code* constant has a row in docs/errors.md.
func TestErrorsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Code") {
					continue
				}
				code, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				n++
				if !strings.Contains(string(doc), "\n| `"+code+"` |") {
					t.Errorf("%s (%s) has no row in docs/errors.md", name.Name, code)
				}
			}
		}
	}
	if n < 30 {
		t.Errorf("found only %d codes in errors.go", n)
	}
}
