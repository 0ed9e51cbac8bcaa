package readers_test

import (
	"context"
	"reflect"
	"testing"

	"reweigh/bufpool"
	"reweigh/fixtures"
	"reweigh/readers"
)

// Reading Parquet through a recycling allocator gives exactly the rows, rejects and stats of
// arrow-go's default allocator: every value kept from a batch is a copy.
func TestRecyclingAllocatorSameInputs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := fixtures.Generate(ctx, dir, fixtures.Options{Scale: 4000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	want, err := readers.ReadAll(ctx, dir, readers.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	pool := bufpool.NewPoisoning(64 << 20)
	got, err := readers.ReadAll(ctx, dir, readers.Options{Workers: 2, Allocator: pool})
	if err != nil {
		t.Fatal(err)
	}
	if pool.Held() == 0 {
		t.Error("the pool holds nothing after the read: no buffer was recycled")
	}
	if got.Measurements.Len() == 0 || len(got.Rejects) == 0 {
		t.Fatalf("fixture too small: %d measurements, %d rejects", got.Measurements.Len(), len(got.Rejects))
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("inputs read through the recycling pool differ from the default allocator's")
	}
}
