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
