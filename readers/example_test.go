package readers_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"reweigh/readers"
)

func ExampleReadAll() {
	dir, _ := os.MkdirTemp("", "reweigh-example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "clinicians.csv"), []byte(
		"npi,tin,clinician_type\n"+
			"1234567893,012345678,physician\n"+
			"1234567890,012345678,physician\n"), 0o644)

	in, err := readers.ReadAll(context.Background(), dir, readers.Options{Workers: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range in.Stats {
		fmt.Println(s.Table, s.RowsRead, s.RowsAccepted, s.RowsRejected)
	}
	for _, r := range in.Rejects {
		fmt.Println(r.File, r.Row, r.Column, r.Code)
	}
	fmt.Println(in.Clinicians[0].TIN)

	os.WriteFile(filepath.Join(dir, "groups.csv"), []byte("clinician_count\n3\n"), 0o644)
	_, err = readers.ReadAll(context.Background(), dir, readers.Options{})
	fmt.Println(err)
	// Output:
	// clinicians 2 1 1
	// clinicians.csv 3 npi npi.check_digit
	// 012345678
	// groups.csv: column "tin": missing required column
}
