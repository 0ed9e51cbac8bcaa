package readers

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func FuzzCSVClinicians(f *testing.F) {
	f.Add([]byte(baseClinicians))
	f.Add([]byte("\uFEFFnpi,tin,segment,mips_eligible\r\n" + npiA + ",012345678,1,Y\r\n" + npiA + ",012345678,2,n\r\n"))
	f.Add([]byte("npi,tin,practice_county\n" + npiA + ",012345678,\"a\nb\"\n" + npiB + ",\xff,x\n"))
	f.Add([]byte("npi,tin\n" + npiA + ",012345678,extra\n,\n"))
	f.Add([]byte("npi,tin,npi\n"))
	f.Add([]byte("npi,tin\n\"" + npiA + ",012345678\n"))
	f.Add([]byte("npi,tin,total_services,practice_zip,practice_state\n" + npiA + ",012345678,-3,1234,X1\n"))
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
			case CodeFileCSVSyntax, CodeFileEmpty, CodeFileMissingColumn, CodeFileDuplicateColumn:
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
