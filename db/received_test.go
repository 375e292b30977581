package db

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// A received file is found by the hash of its token, listed in order,
// found expired once its time passed, and gone once deleted.
func TestReceivedFiles(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.UTC)
	add := func(name string, hash byte, expires time.Time) int64 {
		t.Helper()
		id, err := s.AddReceivedFile(ctx, ReceivedFile{Account: "alice@example.com", Contact: "bob@hotmail.com", Name: name,
			Size: 5, TokenHash: bytes.Repeat([]byte{hash}, 32), Nonce: []byte{hash}, Path: "files/a/" + name, Created: t0, Expires: expires})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	a := add("a.txt", 1, t0.Add(time.Hour))
	add("b.txt", 2, t0.Add(time.Second)) // expires before a, a fraction of a second matters
	f, err := s.ReceivedFileByToken(ctx, bytes.Repeat([]byte{1}, 32))
	if err != nil || f.ID != a || f.Name != "a.txt" || f.Size != 5 || f.State != FileComplete || !f.Created.Equal(t0) {
		t.Fatalf("by token: %+v, %v", f, err)
	}
	if _, err := s.ReceivedFileByToken(ctx, bytes.Repeat([]byte{3}, 32)); !errors.Is(err, ErrNoFile) {
		t.Errorf("unknown token: %v, want ErrNoFile", err)
	}
	list, err := s.ReceivedFiles(ctx, "ALICE@example.com")
	if err != nil || len(list) != 2 || list[0].Name != "a.txt" {
		t.Fatalf("list: %+v, %v", list, err)
	}
	exp, err := s.ExpiredFiles(ctx, t0.Add(1500*time.Millisecond), 10)
	if err != nil || len(exp) != 1 || exp[0].Name != "b.txt" {
		t.Fatalf("expired: %+v, %v", exp, err)
	}
	if err := s.DeleteReceivedFile(ctx, "alice@example.com", a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReceivedFileByToken(ctx, bytes.Repeat([]byte{1}, 32)); !errors.Is(err, ErrNoFile) {
		t.Errorf("deleted file still found: %v", err)
	}
}
