package db

import (
	"context"
	"testing"
)

// A group chat number is never given twice to an account, not even after
// the store is opened again.
func TestNextChatNumberSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	for want := 1; want <= 2; want++ {
		if n, err := s.NextChatNumber(ctx, "alice@example.com"); err != nil || n != want {
			t.Fatalf("NextChatNumber = %d, %v; want %d", n, err, want)
		}
	}
	if n, err := s.NextChatNumber(ctx, "bob@example.com"); err != nil || n != 1 {
		t.Errorf("another account's first number = %d, %v; want 1", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if n, err := s2.NextChatNumber(ctx, "Alice@Example.com"); err != nil || n != 3 {
		t.Errorf("after reopening, NextChatNumber = %d, %v; want 3 (account compared without case)", n, err)
	}
	if _, err := s2.NextChatNumber(ctx, ""); err == nil {
		t.Error("empty account accepted")
	}
}

// A number the user took is never given: the counter goes past it, and
// never back.
func TestReserveChatNumber(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	const acct = "alice@example.com"
	for _, n := range []int{3, 2} {
		if err := s.ReserveChatNumber(ctx, acct, n); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.NextChatNumber(ctx, acct); err != nil || n != 4 {
		t.Errorf("NextChatNumber after reserving 3 and 2 = %d, %v; want 4", n, err)
	}
	if err := s.ReserveChatNumber(ctx, acct, 1); err != nil {
		t.Fatal(err)
	}
	if n, err := s.NextChatNumber(ctx, acct); err != nil || n != 5 {
		t.Errorf("NextChatNumber = %d, %v; want 5", n, err)
	}
}
