package db

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// Anyone may add the user, with a friendly name as long as an MSN
// command line (16 KiB), and MaxPending requests are kept: each name is
// cut to MaxFriendlyNameBytes, at a character boundary, so that
// strangers cannot make an account's requests take 16 MB of the store.
func TestPendingFriendlyNameBounded(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	long := strings.Repeat("é", 8*1024) // 16 KiB
	for i := range 2 {
		r := AuthRequest{Account: "alice@example.com", Passport: fmt.Sprintf("spam%d@example.com", i), FriendlyName: long}
		if err := s.AddPending(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// A request stored again takes the new name, cut as well.
	if err := s.AddPending(ctx, AuthRequest{Account: "alice@example.com", Passport: "spam0@example.com", FriendlyName: "x" + long}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Pending(ctx, "alice@example.com")
	if err != nil || len(rs) != 2 {
		t.Fatalf("Pending = %d requests, %v; want 2", len(rs), err)
	}
	for _, r := range rs {
		n := r.FriendlyName
		if len(n) > MaxFriendlyNameBytes || len(n) < MaxFriendlyNameBytes-utf8.UTFMax || !utf8.ValidString(n) {
			t.Errorf("%s: stored name of %d bytes (valid UTF-8: %v); want at most %d, cut at a character",
				r.Passport, len(n), utf8.ValidString(n), MaxFriendlyNameBytes)
		}
	}
	if got := rs[0].FriendlyName; !strings.HasPrefix(got, "xé") {
		t.Errorf("name stored again = %.10q...; want the new one", got)
	}
	short := AuthRequest{Account: "alice@example.com", Passport: "bob@example.com", FriendlyName: "Bob ☺"}
	if err := s.AddPending(ctx, short); err != nil {
		t.Fatal(err)
	}
	if rs, err := s.Pending(ctx, "alice@example.com"); err != nil || rs[2].FriendlyName != "Bob ☺" {
		t.Errorf("a short name is stored as %q, %v; want it whole", rs[2].FriendlyName, err)
	}
}
