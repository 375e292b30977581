package msntest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// TestLoginHelper signs in with the msn client through Login, as the other
// party in a test would.
func TestLoginHelper(t *testing.T) {
	s := newServer(t, Options{})
	for _, ver := range []string{"MSNP7", "MSNP12"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := s.Login(ctx, "alice@example.com", "secret123", ver)
		cancel()
		if err != nil {
			t.Fatalf("%s: Login: %v", ver, err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for s.Status("alice@example.com") != msn.StatusOnline {
			if time.Now().After(deadline) {
				t.Fatalf("%s: server sees alice as %s", ver, s.Status("alice@example.com"))
			}
			time.Sleep(5 * time.Millisecond) // polling with a deadline
		}
		if err := c.Close(); err != nil {
			t.Errorf("%s: Close: %v", ver, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Login(ctx, "alice@example.com", "wrong"); !errors.Is(err, msn.ErrAuthFailed) {
		t.Errorf("Login with a wrong password: %v, want ErrAuthFailed", err)
	}
}
