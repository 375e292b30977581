package db

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// countMarkers returns how many read markers the account has.
func countMarkers(t *testing.T, s *Store, account string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM read_marker WHERE account = ?`, account).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// MARKREAD names any channel ("#x1", "#x2", ...), each a marker of its
// own: an account keeps at most MaxReadMarkers, and a new one pushes out
// the oldest (the earliest time), never the one just set, nor another
// account's.
func TestReadMarkersBounded(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const other = "carol@example.com"
	if _, err := s.MarkRead(ctx, other, "#chat-1", histT0); err != nil {
		t.Fatal(err)
	}
	conv := func(i int) string { return fmt.Sprintf("#x%d", i) }
	at := func(i int) time.Time { return histT0.Add(time.Duration(i) * time.Second) }
	const extra = 20
	for i := range MaxReadMarkers + extra {
		if got, err := s.MarkRead(ctx, histAcct, conv(i), at(i)); err != nil || !got.Equal(at(i)) {
			t.Fatalf("MarkRead %s = %v, %v; want %v", conv(i), got, err, at(i))
		}
	}
	if n := countMarkers(t, s, histAcct); n != MaxReadMarkers {
		t.Errorf("%d markers after %d MARKREADs; want at most %d", n, MaxReadMarkers+extra, MaxReadMarkers)
	}
	for _, i := range []int{0, extra - 1} {
		if got, err := s.ReadMarker(ctx, histAcct, conv(i)); err != nil || !got.IsZero() {
			t.Errorf("the old marker of %s is %v, %v; want it gone", conv(i), got, err)
		}
	}
	for _, i := range []int{extra, MaxReadMarkers + extra - 1} {
		if got, err := s.ReadMarker(ctx, histAcct, conv(i)); err != nil || !got.Equal(at(i)) {
			t.Errorf("marker of %s is %v, %v; want %v", conv(i), got, err, at(i))
		}
	}

	// A new marker older than every other stays: another goes.
	old := histT0.Add(-time.Hour)
	if _, err := s.MarkRead(ctx, histAcct, "bob@hotmail.com", old); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ReadMarker(ctx, histAcct, "bob@hotmail.com"); err != nil || !got.Equal(old) {
		t.Errorf("the marker just set is %v, %v; want %v", got, err, old)
	}
	// So does one that WriteHistory sets (the user's own message).
	w := &HistoryWrite{Markers: []HistoryMarker{{Account: histAcct, Conversation: "dave@hotmail.com", Time: old}}}
	if err := s.WriteHistory(ctx, w); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ReadMarker(ctx, histAcct, "dave@hotmail.com"); err != nil || !got.Equal(old) {
		t.Errorf("the marker WriteHistory set is %v, %v; want %v", got, err, old)
	}
	if n := countMarkers(t, s, histAcct); n != MaxReadMarkers {
		t.Errorf("%d markers; want %d", n, MaxReadMarkers)
	}
	if n := countMarkers(t, s, other); n != 1 {
		t.Errorf("the other account has %d markers; want its 1", n)
	}
}
