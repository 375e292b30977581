package msntest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// A password changed while a session runs: the session stays, the old
// password no longer signs in or passes Passport, the new one does; every
// check is counted.
func TestSetPasswordAndChecks(t *testing.T) {
	s := newServer(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := s.Login(ctx, "alice@example.com", "secret123", "MSNP12")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := s.SetPassword("alice@example.com", "new-secret"); err != nil {
		t.Fatal(err)
	}
	if !s.Online("alice@example.com") {
		t.Fatal("the running session was signed out by the password change")
	}
	for _, ver := range []string{"MSNP7", "MSNP12"} {
		if _, err := s.Login(ctx, "alice@example.com", "secret123", ver); !errors.Is(err, msn.ErrAuthFailed) {
			t.Errorf("%s: old password: %v, want ErrAuthFailed", ver, err)
		}
	}
	if err := msn.CheckPassword(ctx, s.Config("alice@example.com", "secret123")); !errors.Is(err, msn.ErrAuthFailed) {
		t.Errorf("CheckPassword with the old password: %v", err)
	}
	if err := msn.CheckPassword(ctx, s.Config("alice@example.com", "new-secret")); err != nil {
		t.Errorf("CheckPassword with the new password: %v", err)
	}
	if n := s.PasswordChecks("alice@example.com"); n != 5 {
		t.Errorf("%d password checks, want 5", n)
	}
	if err := s.SetPassword("nobody@example.com", "x"); !errors.Is(err, ErrNoAccount) {
		t.Errorf("SetPassword of an unknown account: %v", err)
	}
}
