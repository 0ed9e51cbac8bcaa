package writers

import (
	"context"
	"testing"

	"reweigh/model"
)

// BenchmarkStreamDeterminations streams determinations through one long-lived Parquet writer
// in shards of 2048 rows from a reused buffer, as a run's determine stage does: the cost a
// row of taking it into the columns and encoding them, without a new writer's start-up.
func BenchmarkStreamDeterminations(b *testing.B) {
	rows := benchDeterminations(2048).Determinations
	shard := make([]model.Determination, len(rows))
	r, err := Begin(context.Background(), b.TempDir(), FormatParquet, nil, nil, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Abort()
	s, err := r.Determinations()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		copy(shard, rows)
		if err := s.Write(shard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}
