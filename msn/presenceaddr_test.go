package msn_test

import (
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// A presence line without an address (MSNP18's "1:" alone) is ignored, as
// FLN and UBX without one are: no contact named "" appears.
func TestPresenceWithoutAddressIgnored(t *testing.T) {
	srv := newServer(t, msntest.Options{})
	c := login(t, srv, "alice@example.com", "MSNP18")
	for _, line := range []string{"NLN NLN 1: Eve 0\r\n", "NLN AWY 1:bob@example.com Bob 0\r\n"} {
		if err := srv.SendRaw("alice@example.com", []byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-c.Events():
			p, ok := ev.(msn.PresenceChanged)
			if !ok {
				continue
			}
			if p.Passport == "" {
				t.Fatalf("presence reported for an empty address: %+v", p)
			}
			if p.Passport == "bob@example.com" && p.Status == msn.StatusAway {
				return
			}
		case <-timeout:
			t.Fatal("no presence for bob")
		}
	}
}
