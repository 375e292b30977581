package db

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// An account's outbox holds at most MaxOutbox messages, all contacts
// together: one more is refused with ErrOutboxFull and stores nothing,
// another account is not held up, and clearing makes room again.
func TestOutboxBound(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "me@x"
	for i := range MaxOutbox {
		m := OutboxMessage{Account: acct, Passport: fmt.Sprintf("c%d@x", i%2), Kind: KindText, Text: fmt.Sprint(i)}
		if _, err := s.Enqueue(ctx, m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if _, err := s.Enqueue(ctx, OutboxMessage{Account: acct, Passport: "c0@x", Kind: KindText, Text: "one more"}); !errors.Is(err, ErrOutboxFull) {
		t.Fatalf("message %d: %v, want ErrOutboxFull", MaxOutbox+1, err)
	}
	if ms, err := s.Outbox(ctx, acct, ""); err != nil || len(ms) != MaxOutbox {
		t.Fatalf("outbox holds %d (%v), want %d", len(ms), err, MaxOutbox)
	}
	if _, err := s.Enqueue(ctx, OutboxMessage{Account: "other@x", Passport: "c0@x", Kind: KindText, Text: "hi"}); err != nil {
		t.Errorf("another account's message: %v", err)
	}
	if _, err := s.ClearOutbox(ctx, acct, "c1@x"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, OutboxMessage{Account: acct, Passport: "c0@x", Kind: KindText, Text: "one more"}); err != nil {
		t.Errorf("a message once the outbox was cleared for one contact: %v", err)
	}
}
