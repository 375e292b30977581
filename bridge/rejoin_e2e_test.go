package bridge_test

import (
	"testing"

	"gopkg.in/irc.v4"
)

// /part &msn then /join &msn draws the channel as the first join did:
// every contact in NAMES, no JOIN or MODE per contact after it.
func TestRejoinContactsChannelSameNames(t *testing.T) {
	e := newEnv(t, "MSNP12")
	e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	if namesOf(c)["bob"] == "" {
		c.expectCmd("MODE", "&msn", "+v", "bob") // presence after the list
	}
	c.sync()
	c.send("PART &msn")
	c.expectCmd("PART", "&msn")
	c.sync()
	c.seen = nil
	c.send("JOIN &msn")
	c.expectCmd(irc.RPL_ENDOFNAMES, "alice", "&msn")
	c.sync()
	names := namesOf(c)
	want := map[string]string{"alice": "@", "msn": "@", "bob": "+", "carol": "", "dave": ""}
	for n, p := range want {
		if got, ok := names[n]; !ok || got != p {
			t.Errorf("rejoined &msn member %s: got %q (present %v), want prefix %q; names %v", n, got, ok, p, names)
		}
	}
	for _, m := range c.seen {
		if (m.Command == "JOIN" || m.Command == "MODE") && m.Prefix != nil && m.Prefix.Name != "alice" {
			t.Errorf("after the rejoin's NAMES: %v", m)
		}
	}
}

// With presence_modes off, a rejoined &msn voices nobody, as the first
// join did not.
func TestRejoinContactsChannelWithoutVoices(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.ask("set presence_modes false", "presence_modes=false")
	if got := c.askNames()["bob"]; got != "" {
		t.Fatalf("before the rejoin bob has prefix %q", got)
	}
	c.send("PART &msn")
	c.expectCmd("PART", "&msn")
	c.send("JOIN &msn")
	c.expectCmd(irc.RPL_ENDOFNAMES, "alice", "&msn")
	if got := c.askNames()["bob"]; got != "" {
		t.Errorf("after the rejoin bob has prefix %q, want none", got)
	}
}
