package readers

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"reweigh/model"
)

func FuzzCSVClinicians(f *testing.F) {
	f.Add([]byte(baseClinicians))
	f.Add([]byte("\uFEFFnpi,tin,segment,mips_eligible\r\n" + npiA + ",012345678,1,Y\r\n" + npiA + ",012345678,2,n\r\n"))
	f.Add([]byte("npi,tin,practice_county\n" + npiA + ",012345678,\"a\nb\"\n" + npiB + ",\xff,x\n"))
	f.Add([]byte("npi,tin\n" + npiA + ",012345678,extra\n,\n"))
	f.Add([]byte("npi,tin,npi\n"))
	f.Add([]byte("npi,tin\n\"" + npiA + ",012345678\n"))
	f.Add([]byte("npi,tin,total_services,practice_zip,practice_state\n" + npiA + ",012345678,-3,1234,X1\n"))
	f.Add([]byte("npi,tin,hospitalBasedClinician,nonPatientFacing,ambulatorySurgicalCenter,smallGroupPractitioner\n" + npiA + ",012345678,true,N,0,yes\n"))
	f.Add([]byte("npi,tin,asc_based,AmbulatorySurgicalCenter\n"))
	f.Add([]byte("\xff\xfen\x00p\x00i\x00\n\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "clinicians.csv"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		in, err := ReadAll(context.Background(), dir, Options{Workers: 1})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != "clinicians.csv" {
				t.Fatalf("err = %v, want a *FileError naming clinicians.csv", err)
			}
			switch fe.Code {
			case CodeFileCSVSyntax, CodeFileEmpty, CodeFileMissingColumn, CodeFileDuplicateColumn, CodeFileEncoding:
			default:
				t.Fatalf("unexpected code %s: %v", fe.Code, fe)
			}
			return
		}
		checkReconciles(t, in)
		// Every record after the header is read: accepted or rejected.
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(bom))))
		r.FieldsPerRecord = -1
		records := -1 // the header
		for {
			if _, err := r.Read(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("reference reader: %v", err)
			}
			records++
		}
		if st := in.Stats[0]; st.RowsRead != records {
			t.Fatalf("rows_read %d, %d records", st.RowsRead, records)
		}
		for _, c := range in.Clinicians {
			if !ValidNPI(c.NPI) || len(c.TIN) != 9 || !allDigits(c.TIN) || c.Segment < 0 || c.Segment > 2 {
				t.Fatalf("accepted a bad row %+v", c)
			}
		}
	})
}

// FuzzCSVExceptions feeds arbitrary bytes as exceptions.csv beside a valid clinicians.csv: the
// reader never panics; the file is a *FileError naming it, or every record is accepted or
// rejected and the accepted rows are valid applications of entities that have clinicians.
func FuzzCSVExceptions(f *testing.F) {
	f.Add([]byte(exceptionsHeader + goodException))
	f.Add([]byte(exceptionsHeader + goodException + goodException))
	f.Add([]byte(exceptionsHeader + "A2,EUC,group,,012345678,,,Quality; PI,approved,2025-02-30\r\n"))
	f.Add([]byte(exceptionsHeader + "A2,euc,virtual_group,,,VG1,,pi,approved,\nA3,euc,apm_entity,,,,ACO1,,denied,2025-01-01\n"))
	f.Add([]byte(exceptionsHeader + "A2,pi_hardship,apm_entity,,,,ACO1,,approved,\nA3,euc,subgroup,,012345678,,,pi,approved,\n"))
	f.Add([]byte(exceptionsHeader + "A2,pi_hardship,individual," + npiC + ",012345678,,,,approved,\n\"A3\",\"euc\",\"group\",,\"987654321\",,,\"cost\",\"withdrawn\",\"2025-12-31\"\n"))
	f.Add([]byte("\uFEFFapplication_id,exception_type,level,status,tin,decided_at\r\nA1,euc,group,submitted,012345678,2024-02-29\r\n"))
	f.Add([]byte("application_id,exception_type,level,status,reason\nA1,pi_hardship,group,approved,\"multi\nline \xff\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		for name, content := range map[string][]byte{"clinicians.csv": []byte(baseClinicians), "exceptions.csv": data} {
			if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		in, err := ReadAll(context.Background(), dir, Options{Workers: 2})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != "exceptions.csv" {
				t.Fatalf("err = %v, want a *FileError naming exceptions.csv", err)
			}
			switch fe.Code {
			case CodeFileCSVSyntax, CodeFileEmpty, CodeFileMissingColumn, CodeFileDuplicateColumn, CodeFileEncoding:
			default:
				t.Fatalf("unexpected code %s: %v", fe.Code, fe)
			}
			return
		}
		checkReconciles(t, in)
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(bom))))
		r.FieldsPerRecord = -1
		records := -1 // the header
		for {
			if _, err := r.Read(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("reference reader: %v", err)
			}
			records++
		}
		if st := stat(in, model.TableExceptions); st.RowsRead != records {
			t.Fatalf("rows_read %d, %d records", st.RowsRead, records)
		}
		ids := map[string]bool{}
		for _, e := range in.Exceptions {
			k := e.Entity
			switch {
			case e.ApplicationID == "" || ids[e.ApplicationID]:
				t.Fatalf("accepted an empty or duplicate application_id: %+v", e)
			case e.ExceptionType != model.ExceptionPIHardship && e.ExceptionType != model.ExceptionEUC:
				t.Fatalf("accepted exception_type %q", e.ExceptionType)
			case k.Level() == model.LevelSubgroup || k.Level() == "":
				t.Fatalf("accepted level %q", k.Level())
			case k.Level() == model.LevelAPMEntity && e.ExceptionType == model.ExceptionPIHardship:
				t.Fatalf("accepted an APM Entity PI hardship application: %+v", e)
			case k.Level() == model.LevelIndividual && !(k.NPI() == npiA || k.NPI() == npiB) && !(k.NPI() == npiC && k.TIN() == "987654321"):
				t.Fatalf("accepted an individual with no clinicians: %+v", e)
			case k.Level() == model.LevelGroup && k.TIN() != "012345678" && k.TIN() != "987654321":
				t.Fatalf("accepted a group with no clinicians: %+v", e)
			case k.Level() == model.LevelVirtualGroup || k.Level() == model.LevelAPMEntity:
				t.Fatalf("accepted %s %+v, but no virtual_groups or apm_entities table names its members", k.Level(), e)
			case e.ExceptionType == model.ExceptionEUC && e.Categories == 0:
				t.Fatalf("accepted an EUC application with no categories: %+v", e)
			}
			ids[e.ApplicationID] = true
			if !slices.Contains(statuses, e.Status) {
				t.Fatalf("accepted status %q", e.Status)
			}
		}
	})
}

// FuzzParquet feeds arbitrary bytes as a .parquet file of one table (beside a valid
// clinicians.csv when the table is not clinicians): the reader never panics, never hangs on a
// row count it cannot decode; the file is a *FileError naming it, or its rows reconcile. The
// seeds are valid Parquet files of several shapes, codecs and page versions, so the mutations
// reach the footer, the page headers and the pages.
func FuzzParquet(f *testing.F) {
	for _, s := range parquetSeeds(f) {
		f.Add(s.table, s.data)
	}
	f.Add(uint8(0), []byte{})
	f.Add(uint8(0), []byte("PAR1"))
	f.Add(uint8(0), []byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Add(uint8(5), []byte("PAR1\x15\x04\x15\x00PAR1"))
	f.Fuzz(func(t *testing.T, ti uint8, data []byte) {
		table := model.InputTables[int(ti)%len(model.InputTables)]
		name := table + ".parquet"
		dir := t.TempDir()
		if table != model.TableClinicians {
			if err := os.WriteFile(filepath.Join(dir, "clinicians.csv"), []byte(baseClinicians), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		in, err := readWithin(t, dir, 10*time.Second)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != name {
				t.Fatalf("err = %v, want a *FileError naming %s", err, name)
			}
			switch fe.Code {
			case CodeFileCorrupt, CodeFileEmpty, CodeFileMissingColumn, CodeFileDuplicateColumn, CodeFileColumnType:
			default:
				t.Fatalf("unexpected code %s: %v", fe.Code, fe)
			}
			if fe.Error() == "" || !strings.HasPrefix(fe.Error(), name+": ") {
				t.Fatalf("error %q does not start with the file name", fe.Error())
			}
			return
		}
		checkReconciles(t, in)
		for _, c := range in.Clinicians {
			if !ValidNPI(c.NPI) || len(c.TIN) != 9 || !allDigits(c.TIN) || c.Segment < 0 || c.Segment > 2 {
				t.Fatalf("accepted a bad row %+v", c)
			}
		}
	})
}

type parquetSeed struct {
	table uint8
	data  []byte
}

// parquetSeeds returns valid Parquet files of several tables, types and encodings.
func parquetSeeds(tb testing.TB) []parquetSeed {
	mem := memory.DefaultAllocator
	ti := func(table string) uint8 { return uint8(indexOf(table)) }
	var seeds []parquetSeed
	add := func(table string, opts []parquet.WriterProperty, cols ...parquetColumn) {
		seeds = append(seeds, parquetSeed{ti(table), parquetBytes(tb, opts, cols...)})
	}
	zstd := []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Zstd)}
	snappy := []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDataPageVersion(parquet.DataPageV2)}
	gzip := []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Gzip), parquet.WithDictionaryDefault(false)}
	small := []parquet.WriterProperty{parquet.WithMaxRowGroupLength(2), parquet.WithDictionaryDefault(false)}

	add(model.TableClinicians, nil, strCol("npi", npiA, npiB, npiC, "1234567890"), strCol("tin", "012345678", "012345678", "987654321", ""),
		strCol("clinician_type", "physician", "", "Nurse_Practitioner", "x"), strCol("hospital_based", "Y", "n", "", "maybe"))
	add(model.TableClinicians, small, strCol("npi", npiA, npiB, npiC, npiD, npiA), strCol("tin", "012345678", "012345678", "987654321", "1", "012345678"),
		strCol("practice_zip", "02134", "02134-1234", "", "2134", "02134"))

	dict := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	for _, v := range []string{"012345678", "012345678", "987654321"} {
		dict.AppendString(v)
	}
	seg := array.NewInt32Builder(mem)
	seg.AppendValues([]int32{1, 0, 3}, []bool{true, false, true})
	elig := array.NewBooleanBuilder(mem)
	elig.AppendValues([]bool{false, true, true}, []bool{true, true, false})
	add(model.TableClinicians, snappy, strCol("npi", npiA, npiB, npiC), parquetColumn{"tin", dict.NewArray()},
		parquetColumn{"segment", seg.NewArray()}, parquetColumn{"nonPatientFacing", elig.NewArray()}, int64Col("total_services", 4, -1, 9))

	d32 := array.NewDate32Builder(mem)
	d32.AppendValues([]arrow.Date32{20148, -1, 0}, []bool{true, true, false})
	add(model.TableExceptions, zstd, strCol("application_id", "A1", "A2", "A1"), strCol("exception_type", "pi_hardship", "euc", "euc"),
		strCol("level", "group", "individual", "group"), strCol("npi", "", npiA, ""), strCol("tin", "012345678", "012345678", "987654321"),
		strCol("categories", "", "quality;pi", "cost"), strCol("status", "approved", "denied", "approved"), parquetColumn{"submitted_at", d32.NewArray()})

	f32 := array.NewFloat32Builder(mem)
	f32.AppendValues([]float32{87.5, 101}, nil)
	add(model.TableScores, gzip, strCol("level", "group", "individual"), strCol("npi", "", npiA), strCol("tin", "012345678", "012345678"),
		parquetColumn{"quality_score", f32.NewArray()}, float64Col("complex_patient_bonus", 0.25, -1))
	add(model.TableGroups, nil, strCol("tin", "012345678", "555555555"), int64Col("clinician_count", 3, 20), strCol("smallGroupPractitioner", "true", "false"))
	add(model.TableGroups, nil, int64Col("tin", 12345678))
	add(model.TableEUCAreas, zstd, strCol("note", "a", "b", "c"))
	add(model.TableMeasurements, small, strCol("submission_id", "S1", "S2", ""), strCol("measure_id", "001", "IA_EPA_1", "PI_EP_1"), int64Col("numerator", 1, 2, 3))
	return seeds
}

// parquetBytes writes the columns as a Parquet file in memory.
func parquetBytes(tb testing.TB, opts []parquet.WriterProperty, cols ...parquetColumn) []byte {
	tb.Helper()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.arr.DataType(), Nullable: true}
		arrs[i] = c.arr
	}
	sc := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(sc, arrs, -1)
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(sc, &buf, parquet.NewWriterProperties(opts...), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// readWithin is ReadAll that fails the test when it takes longer than d (a hang).
func readWithin(t *testing.T, dir string, d time.Duration) (*model.Inputs, error) {
	type result struct {
		in  *model.Inputs
		err error
	}
	done := make(chan result, 1)
	go func() {
		in, err := ReadAll(context.Background(), dir, Options{Workers: 2})
		done <- result{in, err}
	}()
	select {
	case r := <-done:
		return r.in, r.err
	case <-time.After(d):
		t.Fatalf("ReadAll did not return within %s", d)
		return nil, nil
	}
}
