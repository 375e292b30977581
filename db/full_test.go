package db

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// After FillForTest, the writes the bridge relies on fail as on a full
// disk, and Reason says so in SQLite's words.
func TestFillForTest(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	if err := s.PutContact(ctx, Contact{Account: acct, Passport: "bob@x", Nick: "bob"}); err != nil {
		t.Fatal(err)
	}
	if err := s.FillForTest(ctx); err != nil {
		t.Fatal(err)
	}
	errs := map[string]error{
		"rename":   s.PutContact(ctx, Contact{Account: acct, Passport: "bob@x", Nick: "robert_the_builder_of_things"}),
		"settings": s.SaveSettings(ctx, acct, Settings{NickSource: NickSourceName}),
		"pending":  s.AddPending(ctx, AuthRequest{Account: acct, Passport: "eve@x"}),
	}
	_, errs["outbox"] = s.Enqueue(ctx, OutboxMessage{Account: acct, Passport: "bob@x", Kind: "text", Text: "hi", Queued: time.Now()})
	_, errs["replay"] = s.SaveReplay(ctx, StoredMessage{Account: acct, From: "bob", Command: "PRIVMSG", Text: "hi", Time: time.Now()})
	for what, err := range errs {
		if err == nil {
			t.Errorf("%s: stored in a full store", what)
		} else if Reason(err) != "database or disk is full" {
			t.Errorf("%s: Reason(%v) = %q", what, err, Reason(err))
		}
	}
	// Reading still works.
	if c, err := s.Contact(ctx, acct, "bob@x"); err != nil || c.Nick != "bob" {
		t.Errorf("Contact = %+v, %v", c, err)
	}
}

// Anyone can add the user as often as they like: the store keeps the newest
// MaxPending requests of an account, and a request keeps its ID.
func TestPendingBounded(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const n = MaxPending + 500
	for i := range n {
		err := s.AddPending(ctx, AuthRequest{Account: acct, Passport: fmt.Sprintf("p%04d@x", i), Received: t0.Add(time.Duration(i) * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
	}
	rs, err := s.Pending(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != MaxPending {
		t.Fatalf("%d requests stored, want %d", len(rs), MaxPending)
	}
	if !strings.HasPrefix(rs[0].Passport, "p0500@") || !strings.HasPrefix(rs[len(rs)-1].Passport, fmt.Sprintf("p%04d@", n-1)) {
		t.Errorf("kept %s to %s, want the newest", rs[0].Passport, rs[len(rs)-1].Passport)
	}
	id := rs[10].ID
	if err := s.DeletePending(ctx, acct, rs[0].Passport); err != nil {
		t.Fatal(err)
	}
	rs2, _ := s.Pending(ctx, acct)
	if rs2[9].ID != id || rs2[9].Passport != rs[10].Passport {
		t.Errorf("request %s changed its ID from %d to %d", rs[10].Passport, id, rs2[9].ID)
	}
}
