package writers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// streamed writes out through Begin, with its determinations and clinician scores given to
// their streams in pieces of the sizes cuts (cycled), then Commit.
func streamed(t *testing.T, dir string, format Format, out *Output, cuts []int, mem memory.Allocator) error {
	t.Helper()
	r, err := Begin(context.Background(), dir, format, mem, out.Metadata, out.Workers)
	if err != nil {
		return err
	}
	defer r.Abort()
	dets, err := r.Determinations()
	if err != nil {
		return err
	}
	scores, err := r.ClinicianScores()
	if err != nil {
		return err
	}
	if err := writeInPieces(dets, out.Determinations, cuts); err != nil {
		return err
	}
	if err := writeInPieces(scores, out.ClinicianScores, cuts); err != nil {
		return err
	}
	o := *out
	o.Determinations, o.ClinicianScores = nil, nil // ignored once streamed
	return r.Commit(&o)
}

// sameFiles requires the files of got to be those of want (written by Write), byte for byte.
func sameFiles(t *testing.T, want, got, what string) {
	t.Helper()
	sw, sg := snapshot(t, want), snapshot(t, got)
	if len(sg) != len(sw) {
		t.Errorf("%s: %d files, want %d", what, len(sg), len(sw))
	}
	for name := range sw {
		if sw[name] != sg[name] {
			t.Errorf("%s: %s differs from Write's", what, name)
		}
	}
}

func writeInPieces[T any](s *Stream[T], rows []T, cuts []int) error {
	for i := 0; len(rows) > 0; i++ {
		n := min(cuts[i%len(cuts)], len(rows))
		// The stream must not keep the slice: hand it a copy and then spoil the copy.
		piece := slices.Clone(rows[:n])
		if err := s.Write(piece); err != nil {
			return err
		}
		clear(piece)
		rows = rows[n:]
	}
	return nil
}

// Determinations and clinician scores streamed in pieces of any size give the same files, byte
// for byte, as Write with all the rows at once, in both formats, across batch and row group
// boundaries.
func TestStreamedTablesSameBytes(t *testing.T) {
	defer func(b, g int) { batchRows, rowGroupRows = b, g }(batchRows, rowGroupRows)
	batchRows, rowGroupRows = 4, 8
	out := func() *Output {
		o := sample()
		o.Determinations = slices.Repeat(o.Determinations, 5)
		o.ClinicianScores = slices.Repeat(o.ClinicianScores, 7)
		o.Metadata = map[string]string{"reweigh.version": "test"}
		return o
	}
	for _, format := range Formats {
		want := t.TempDir()
		if err := Write(context.Background(), want, format, out()); err != nil {
			t.Fatal(err)
		}
		for _, cuts := range [][]int{{1}, {4}, {5, 1, 3}, {1000}} {
			got := t.TempDir()
			if err := streamed(t, got, format, out(), cuts, nil); err != nil {
				t.Fatal(err)
			}
			sameFiles(t, want, got, fmt.Sprintf("%s cuts %v", format, cuts))
		}
	}
}

// A run aborted after streaming some determinations leaves the output directory as it was
// and releases every buffer; a stream that fails (cancelled) makes Commit fail.
func TestStreamAbort(t *testing.T) {
	defer func(b, g int) { batchRows, rowGroupRows = b, g }(batchRows, rowGroupRows)
	batchRows, rowGroupRows = 2, 4
	dir := t.TempDir()
	if err := Write(context.Background(), dir, FormatParquet, sample()); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	r, err := Begin(context.Background(), dir, FormatParquet, mem, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.Determinations()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(slices.Repeat(sample().Determinations, 3)); err != nil {
		t.Fatal(err)
	}
	r.Abort()
	r.Abort() // twice is fine
	mem.AssertSize(t, 0)
	if after := snapshot(t, dir); !equalMaps(before, after) {
		t.Errorf("aborted run changed the output directory: %v", after)
	}
	if err := r.Commit(sample()); err == nil {
		t.Error("Commit after Abort succeeded")
	}

	ctx, cancel := context.WithCancel(context.Background())
	r, err = Begin(ctx, dir, FormatParquet, mem, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Abort()
	if s, err = r.Determinations(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := s.Write(sample().Determinations); !errors.Is(err, context.Canceled) {
		t.Fatalf("write after cancel: %v", err)
	}
	if err := s.Write(sample().Determinations); !errors.Is(err, context.Canceled) {
		t.Errorf("a failed stream forgot its error: %v", err)
	}
	if err := r.Commit(sample()); err == nil {
		t.Error("Commit of a failed stream succeeded")
	}
	r.Abort()
	mem.AssertSize(t, 0)
	if after := snapshot(t, dir); !equalMaps(before, after) {
		t.Errorf("failed run changed the output directory")
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, tmpPrefix+"*")); len(tmps) > 0 {
		t.Errorf("temporary directories left: %v", tmps)
	}
	if _, err := os.Stat(filepath.Join(dir, TableDeterminations+".parquet")); err != nil {
		t.Errorf("the previous determinations are gone: %v", err)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A table can be streamed once, only before Commit, and only if it is among the outputs.
func TestStreamMisuse(t *testing.T) {
	dir := t.TempDir()
	r, err := Begin(context.Background(), dir, FormatParquet, nil, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Abort()
	if _, err := r.ClinicianScores(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ClinicianScores(); err == nil {
		t.Error("a second clinician_scores stream was opened")
	}
	out := sample()
	out.WriteClinicianScores = false
	if err := r.Commit(out); err == nil || !strings.Contains(err.Error(), "streamed") {
		t.Errorf("Commit with a streamed table that is not an output: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, TableDeterminations+".parquet")); !os.IsNotExist(err) {
		t.Errorf("the failed Commit wrote outputs: %v", err)
	}
	r.Abort()
	if _, err := r.Determinations(); err == nil {
		t.Error("a stream was opened on an aborted run")
	}
}

// started writes out through Begin with the named tables started (Start) before Commit.
func started(dir string, format Format, out *Output, tables ...string) error {
	r, err := Begin(context.Background(), dir, format, nil, out.Metadata, out.Workers)
	if err != nil {
		return err
	}
	defer r.Abort()
	if err := r.Start(out, tables...); err != nil {
		return err
	}
	return r.Commit(out)
}

// Tables started before Commit give the same files, byte for byte, as Commit writing them, in
// both formats and across batch and row group boundaries.
func TestStartedTablesSameBytes(t *testing.T) {
	defer func(b, g int) { batchRows, rowGroupRows = b, g }(batchRows, rowGroupRows)
	batchRows, rowGroupRows = 2, 4
	out := func() *Output {
		o := sample()
		o.APMParticipants = slices.Repeat(o.APMParticipants, 5)
		o.Members = slices.Repeat(o.Members, 3)
		o.Rejects = slices.Repeat(o.Rejects, 7)
		o.Metadata = map[string]string{"reweigh.version": "test"}
		o.Workers = 2
		return o
	}
	for _, format := range Formats {
		want := t.TempDir()
		if err := Write(context.Background(), want, format, out()); err != nil {
			t.Fatal(err)
		}
		for _, tables := range [][]string{{TableRejects}, {TableAPMParticipants, TableMembers, TableRejects}} {
			got := t.TempDir()
			if err := started(got, format, out(), tables...); err != nil {
				t.Fatal(err)
			}
			sameFiles(t, want, got, fmt.Sprintf("%s %v started", format, tables))
		}
	}
}

// A table can be started once, only if it is among the outputs and not streamed; a started
// table that fails fails Commit, and Abort waits for started tables and leaves the output
// directory as it was.
func TestStartMisuseAndFailure(t *testing.T) {
	dir := t.TempDir()
	if err := Write(context.Background(), dir, FormatParquet, sample()); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)

	r, err := Begin(context.Background(), dir, FormatParquet, nil, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	out := sample()
	out.WriteMembers = false
	if err := r.Start(out, TableMembers); err == nil {
		t.Error("a table that is not an output was started")
	}
	if _, err := r.Determinations(); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(out, TableDeterminations); err == nil {
		t.Error("a streamed table was started")
	}
	if err := r.Start(out, TableRejects); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(out, TableRejects); err == nil {
		t.Error("a table was started twice")
	}
	r.Abort()
	if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
		t.Errorf("an aborted run with a started table changed the output directory: %v", slices.Sorted(maps.Keys(after)))
	}
	if err := r.Start(out, TableAPMParticipants); err == nil {
		t.Error("a table was started on an aborted run")
	}

	errInjected := errors.New("injected")
	testHook = func(p string) error {
		if p == "table:apm_participants" {
			return errInjected
		}
		return nil
	}
	defer func() { testHook = nil }()
	if err := started(dir, FormatParquet, sample(), TableAPMParticipants); !errors.Is(err, errInjected) {
		t.Errorf("Commit after a started table failed: %v, want the injected error", err)
	}
	if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
		t.Errorf("a failed started table changed the output directory: %v", slices.Sorted(maps.Keys(after)))
	}
}
