package msntest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// TestIssued checks that Issued lists the salt of an MD5 login, the ticket
// of a TWN login and both cookies of a switchboard call.
func TestIssued(t *testing.T) {
	s := newServer(t, Options{})
	if got := s.Issued(); len(got.Salts)+len(got.Tickets)+len(got.Cookies) != 0 {
		t.Fatalf("a new server has issued %+v", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	alice, err := s.Login(ctx, "alice@example.com", "secret123", "MSNP7")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.Login(ctx, "bob@example.com", "secret123", "MSNP12")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer func() {
		alice.Close()
		bob.Close()
		wg.Wait() // the event readers end when their client is closed
	}()
	accepted := make(chan error, 8)
	wg.Go(func() {
		for ev := range bob.Events() {
			if inv, ok := ev.(msn.Invitation); ok {
				_, err := bob.Accept(ctx, inv)
				accepted <- err
			}
		}
	})
	wg.Go(func() {
		for range alice.Events() {
		}
	})
	if _, err := alice.OpenSwitchboard(ctx, "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; err != nil {
		t.Fatalf("bob accepting: %v", err)
	}

	got := s.Issued()
	if len(got.Salts) != 1 || len(got.Salts[0]) != 15 {
		t.Errorf("salts = %q, want the one 15-digit salt of alice's MD5 login", got.Salts)
	}
	if len(got.Tickets) != 1 || len(got.Tickets[0]) != 20 {
		t.Errorf("tickets = %q, want the one ticket of bob's TWN login", got.Tickets)
	}
	if len(got.Cookies) != 2 || got.Cookies[0] == got.Cookies[1] {
		t.Errorf("cookies = %q, want two different ones (XFR for alice, RNG for bob)", got.Cookies)
	}
	// Issued returns a copy.
	got.Cookies[0] = "changed"
	if s.Issued().Cookies[0] == "changed" {
		t.Error("Issued shares its slices with the server")
	}
}
