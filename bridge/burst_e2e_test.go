package bridge_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// Contacts online before the user connects are voiced in the NAMES of the
// first burst; no MODE +v for them follows (bouncers log each such MODE on
// every connect).
func TestOnlineContactsVoicedInFirstNames(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		e.peer(bob)
		e.peer(carol)
		c := e.dial()
		c.send("PASS " + alice + ":" + password)
		c.send("NICK alice")
		c.send("USER alice 0 * :IRC user")
		names := map[string]bool{}
		c.expect("end of &msn NAMES", func(m *irc.Message) bool {
			if m.Command == irc.RPL_NAMREPLY && m.Param(2) == "&msn" {
				for _, n := range strings.Fields(m.Trailing()) {
					names[n] = true
				}
			}
			return m.Command == irc.RPL_ENDOFNAMES && m.Param(1) == "&msn"
		})
		if !names["+bob"] || !names["+carol"] {
			t.Fatalf("first NAMES of &msn = %v; want +bob and +carol", names)
		}
		c.sync()
		for _, m := range c.seen {
			if m.Command == "MODE" && m.Param(0) == "&msn" && strings.Contains(m.Param(1), "v") {
				t.Errorf("voice change after the burst for contacts already online: %v", m)
			}
		}
	})
}
