package msn_test

import (
	"context"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn/msntest"
)

// The web service tickets of a long session are renewed before they
// expire (their LifeTime), not only once a service refused them: a change
// to the address book with tickets that expire within minutes asks the RST
// service first; with tickets good for a day it does not.
func TestTicketsRenewedBeforeTheyExpire(t *testing.T) {
	for _, ver := range []string{"MSNP13", "MSNP15", "MSNP18"} {
		for _, tc := range []struct {
			lifetime time.Duration
			renewed  bool
		}{{5 * time.Minute, true}, {24 * time.Hour, false}} {
			t.Run(ver+"/"+tc.lifetime.String(), func(t *testing.T) {
				t.Parallel()
				srv := newServer(t, msntest.Options{})
				if err := srv.AddAccount("dave@example.com", "secret123", "Dave"); err != nil {
					t.Fatal(err)
				}
				srv.SetTicketLifetime(tc.lifetime)
				alice := login(t, srv, "alice@example.com", ver)
				before := srv.PasswordChecks("alice@example.com")
				if err := alice.AddContact(context.Background(), "dave@example.com"); err != nil {
					t.Fatal(err)
				}
				if renewed := srv.PasswordChecks("alice@example.com") > before; renewed != tc.renewed {
					t.Errorf("tickets renewed before the call: %v, want %v", renewed, tc.renewed)
				}
			})
		}
	}
}
