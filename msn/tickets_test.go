package msn_test

import (
	"context"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn/msntest"
)

// A session keeps the tickets it signed in with past their LifeTime: the
// web services take the ticket of a live session, and no other
// (escargot-transcripts-13-18.md, section 1, lines 62 and 120), so one
// asked for later would be refused. With tickets that expire within
// minutes, or in a day, changing the address book and leaving an offline
// message work and ask the RST service nothing.
func TestSessionTicketsKeptPastTheirLifetime(t *testing.T) {
	for _, ver := range []string{"MSNP13", "MSNP15", "MSNP18"} {
		for _, lifetime := range []time.Duration{5 * time.Minute, 24 * time.Hour} {
			t.Run(ver+"/"+lifetime.String(), func(t *testing.T) {
				t.Parallel()
				srv := newServer(t, msntest.Options{})
				if err := srv.AddAccount("dave@example.com", "secret123", "Dave"); err != nil {
					t.Fatal(err)
				}
				srv.SetTicketLifetime(lifetime)
				alice := login(t, srv, "alice@example.com", ver)
				before := srv.PasswordChecks("alice@example.com")
				ctx := context.Background()
				if err := alice.AddContact(ctx, "dave@example.com"); err != nil {
					t.Fatal(err)
				}
				if err := alice.SendOfflineMessage(ctx, "dave@example.com", "see you"); err != nil {
					t.Fatal(err)
				}
				if n := srv.PasswordChecks("alice@example.com") - before; n != 0 {
					t.Errorf("%d RST calls after the login, want none", n)
				}
			})
		}
	}
}
