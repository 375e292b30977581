package bridge_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// A member who cannot be called back into a group chat that reopens
// leaves its channel, saying why, and is not called again each time it
// reopens.
func TestGroupChatMemberNotCalledBackLeaves(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	pc := e.peer(carol)
	c.expectVoiced("bob", "carol")
	ch := groupChatChannel(t, pb, c)
	dropAll := func() {
		waitFor(t, "the chat's switchboard to end", func() bool {
			e.msn.DropSB(alice)
			for _, st := range e.bridge.Stats() {
				if st.Switchboards > 0 {
					return false
				}
			}
			return true
		})
	}
	dropAll()
	pb.close()
	c.expectCmd("MODE", "&msn", "-v", "bob")
	c.send("PRIVMSG " + ch + " :first")
	pc.expectText("first")
	m := c.expect("bob PARTs", func(m *irc.Message) bool {
		return m.Command == "PART" && m.Prefix.Name == "bob" && m.Param(0) == ch
	})
	if m.Trailing() == "" || m.Trailing() == ch {
		t.Errorf("bob left without a reason: %s", m)
	}
	dropAll()
	c.send("PRIVMSG " + ch + " :second")
	pc.expectText("second")
	c.send("NAMES " + ch)
	names := c.expectCmd(irc.RPL_NAMREPLY)
	if strings.Contains(names.Trailing(), "bob") {
		t.Errorf("bob still in %s: %s", ch, names)
	}
	c.sync()
	n := 0
	for _, m := range c.seen {
		if strings.Contains(m.Trailing(), "Could not invite bob") {
			n++
		}
	}
	if n > 1 {
		t.Errorf("told %d times that bob could not be invited:\n%s", n, c.history())
	}
}
