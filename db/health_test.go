package db

import (
	"context"
	"path/filepath"
	"testing"
)

// TestProbe checks that the readiness probe passes on a store that takes
// writes, keeps one row, and fails once the store is full.
func TestProbe(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "probe.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 3; i++ {
		if err := s.Probe(ctx); err != nil {
			t.Fatalf("probe %d: %v", i, err)
		}
	}
	var rows int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM probe`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("%d probe rows, want 1", rows)
	}
	if err := s.FillForTest(ctx); err != nil {
		t.Fatal(err)
	}
	err = s.Probe(ctx)
	if err == nil || !isFull(err) {
		t.Fatalf("probe of a full store: %v, want SQLITE_FULL", err)
	}
}
