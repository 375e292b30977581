package db

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"
)

// The instance secret is made once and kept; an own picture is stored,
// replaced and cleared, and a clear says whether another account still
// uses the same data.
func TestPictures(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	a, err := s.InstanceSecret(ctx, "pictures")
	if err != nil || len(a) != 32 {
		t.Fatalf("secret %x, %v", a, err)
	}
	b, _ := s.InstanceSecret(ctx, "pictures")
	if !bytes.Equal(a, b) {
		t.Error("the secret changed")
	}
	if _, ok, err := s.OwnPicture(ctx, "alice@example.com"); ok || err != nil {
		t.Fatalf("picture before any: %v, %v", ok, err)
	}
	now := time.UnixMilli(1767323047000).UTC()
	p := OwnPicture{SHA1: "aa", Size: 3, Updated: now}
	for _, acct := range []string{"alice@example.com", "bob@example.com"} {
		if err := s.SetOwnPicture(ctx, acct, p); err != nil {
			t.Fatal(err)
		}
	}
	if got, ok, _ := s.OwnPicture(ctx, "Alice@Example.com"); !ok || got != p {
		t.Errorf("picture %+v, %v, want %+v", got, ok, p)
	}
	if n, err := s.PictureUsers(ctx, "aa"); n != 2 || err != nil {
		t.Errorf("PictureUsers = %d, %v; want 2", n, err)
	}
	if got, err := s.OwnPictureAccounts(ctx); err != nil || !slices.Equal(got, []string{"alice@example.com", "bob@example.com"}) {
		t.Errorf("OwnPictureAccounts = %v, %v", got, err)
	}
	if old, unused, err := s.ClearOwnPicture(ctx, "alice@example.com"); err != nil || unused || old != p {
		t.Errorf("clear: %+v, unused %v, %v; bob still uses it", old, unused, err)
	}
	if got, err := s.OwnPictureAccounts(ctx); err != nil || !slices.Equal(got, []string{"bob@example.com"}) {
		t.Errorf("OwnPictureAccounts after a clear = %v, %v", got, err)
	}
	if _, unused, _ := s.ClearOwnPicture(ctx, "bob@example.com"); !unused {
		t.Error("the last user's clear did not say unused")
	}
	if _, ok, _ := s.OwnPicture(ctx, "alice@example.com"); ok {
		t.Error("picture left after clear")
	}
}
