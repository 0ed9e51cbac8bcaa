package readers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkCSVClinicians reads a generated clinicians.csv of 100k rows.
func BenchmarkCSVClinicians(b *testing.B) {
	const n = 100_000
	var sb strings.Builder
	sb.WriteString("npi,tin,clinician_type,mips_eligible,segment,total_services,hospital_services,asc_services,patient_facing_encounters,hospital_based,non_patient_facing,asc_based,auto_euc,practice_zip,practice_state,practice_county\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "%s,%09d,physician,true,,%d,%d,0,%d,,,,,%05d,MA,Suffolk\n",
			npiWithCheckDigit(100000000+i), i/12, 100+i%400, i%300, i%500, 10000+i%9000)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clinicians.csv"), []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(sb.Len()))
	b.ReportAllocs()
	for b.Loop() {
		in, err := ReadAll(context.Background(), dir, Options{Workers: 2})
		if err != nil || len(in.Clinicians) != n {
			b.Fatal(err, len(in.Clinicians), in.Rejects[:1])
		}
	}
}
