package readers_test

import (
	"context"
	"testing"

	"reweigh/bufpool"
	"reweigh/fixtures"
	"reweigh/readers"
)

// BenchmarkReadAllParquet reads every table of a generated Parquet fixture of 50,000
// clinicians (about 340,000 measurements), the national shapes at a thirtieth of the size,
// through the recycling allocator a run uses.
func BenchmarkReadAllParquet(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	if _, err := fixtures.Generate(ctx, dir, fixtures.Options{Scale: 50_000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	pool := bufpool.New(64 << 20)
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		in, err := readers.ReadAll(ctx, dir, readers.Options{Workers: 1, Allocator: pool})
		if err != nil {
			b.Fatal(err)
		}
		rows = 0
		for _, st := range in.Stats {
			rows += st.RowsRead
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
