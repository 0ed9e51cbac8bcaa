package readers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"

	"reweigh/bufpool"
)

// manyRowGroups is a clinicians.parquet of n rows in row groups of 50, with bad NPIs and
// duplicate keys spread over the row groups.
func manyRowGroups(t *testing.T, n int) []byte {
	b := rowGroupsOf(t, n, 50)
	pf, err := file.NewParquetReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if pf.NumRowGroups() < 20 {
		t.Fatalf("%d row groups, want many", pf.NumRowGroups())
	}
	return b
}

// rowGroupsOf is a clinicians.parquet of n rows in row groups of size rows, with bad NPIs and
// duplicate keys spread over them.
func rowGroupsOf(t *testing.T, n, size int) []byte {
	npis, tins, counties := make([]string, n), make([]string, n), make([]string, n)
	for i := range npis {
		npis[i], tins[i], counties[i] = npiWithCheckDigit(100000000+i), fmt.Sprintf("%09d", i/7), fmt.Sprintf("County %d", i%13)
		switch {
		case i%97 == 5:
			npis[i] = "12345" // npi.format
		case i%89 == 3 && i > 0:
			npis[i], tins[i] = npis[i-1], tins[i-1] // duplicate_key
		}
	}
	return parquetBytes(t, []parquet.WriterProperty{parquet.WithMaxRowGroupLength(int64(size)), parquet.WithCompression(compress.Codecs.Zstd)},
		strCol("npi", npis...), strCol("tin", tins...), strCol("practice_county", counties...))
}

// Row groups of several record batches each reach the rows batch by batch (ordered.Stream):
// the same rows, rejects and stats as one worker, with every batch released (a checked
// allocator ends at zero bytes) and none used after its release (a poisoning pool).
func TestParquetRowGroupsOfManyBatches(t *testing.T) {
	const n, size = 90_000, 40_000 // row groups of 40,000, 40,000 and 10,000 rows: 3, 3 and 1 batches
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clinicians.parquet"), rowGroupsOf(t, n, size), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := ReadAll(context.Background(), dir, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkReconciles(t, want)
	if want.Stats[0].RowsRead != n || len(want.Rejects) == 0 {
		t.Fatalf("rows read %d, rejects %d", want.Stats[0].RowsRead, len(want.Rejects))
	}
	for _, workers := range []int{1, 2, 8} {
		checked := memory.NewCheckedAllocator(memory.NewGoAllocator())
		for _, mem := range []memory.Allocator{checked, bufpool.NewPoisoning(1 << 20)} {
			got, err := ReadAll(context.Background(), dir, Options{Workers: workers, Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("workers %d (%T): inputs differ from one worker's", workers, mem)
			}
		}
		checked.AssertSize(t, 0)
	}
}

// Row groups decoded by several workers give exactly the rows, rejects and stats of one
// worker, through either allocator.
func TestParquetRowGroupsInParallel(t *testing.T) {
	const n = 2000
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clinicians.parquet"), manyRowGroups(t, n), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := ReadAll(context.Background(), dir, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkReconciles(t, want)
	if want.Stats[0].RowsRead != n || len(want.Rejects) == 0 {
		t.Fatalf("rows read %d, rejects %d", want.Stats[0].RowsRead, len(want.Rejects))
	}
	for _, workers := range []int{2, 8} {
		for _, mem := range []*bufpool.Pool{nil, bufpool.New(1 << 20)} {
			o := Options{Workers: workers}
			if mem != nil {
				o.Allocator = mem
			}
			got, err := ReadAll(context.Background(), dir, o)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("workers %d (pool %v): inputs differ from one worker's", workers, mem != nil)
			}
		}
	}
}

// A corrupt row group in the middle of the file fails the read naming the file and column,
// however many row groups are decoded at once, and nothing leaks or blocks.
func TestParquetCorruptRowGroupInParallel(t *testing.T) {
	good := manyRowGroups(t, 2000)
	bad := []byte(strings.Clone(string(good)))
	for i := len(bad)/2 - 8; i < len(bad)/2+8; i++ {
		bad[i] ^= 0xFF
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clinicians.parquet"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2, 8} {
		_, err := ReadAll(context.Background(), dir, Options{Workers: workers, Allocator: bufpool.New(1 << 20)})
		var fe *FileError
		if !errors.As(err, &fe) || fe.Code != CodeFileCorrupt || fe.File != "clinicians.parquet" {
			t.Errorf("workers %d: err = %v, want file.corrupt naming clinicians.parquet", workers, err)
		}
	}
	// Cancelled part-way: the context's error, no hang.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := os.WriteFile(filepath.Join(dir, "clinicians.parquet"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAll(ctx, dir, Options{Workers: 4}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}
