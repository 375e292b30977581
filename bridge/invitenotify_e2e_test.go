package bridge_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// When the user invites a contact into a group chat, the user's other
// clients that negotiated invite-notify see the INVITE; the inviting
// client has its 341 and clients without the capability see nothing.
func TestInviteNotify(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	watcher := e.login("alice", alice, password, allCaps+" invite-notify")
	plain := e.login("alice", alice, password, allCaps)
	e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")

	c.send("JOIN #plans")
	c.expectCmd(irc.RPL_ENDOFNAMES, "alice", "#plans")
	c.send("INVITE bob #plans")
	c.expectCmd("341", "alice", "bob", "#plans")
	m := watcher.expectCmd("INVITE", "bob", "#plans")
	if m.Prefix == nil || m.Prefix.Name != "alice" {
		t.Errorf("INVITE from %v, want alice", m.Prefix)
	}
	c.sync()
	plain.sync()
	for _, cl := range []*client{c, plain} {
		for _, m := range cl.seen {
			if m.Command == "INVITE" {
				t.Errorf("a client without invite-notify, or the inviting one, got %v", m)
			}
		}
	}
}

// Inviting a contact again while the first invitation waits for MSN's
// answer sends nothing more: a flood of INVITEs is one call.
func TestInviteAgainWhileCalling(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.peer(bob)
	e.peer(carol)
	c.expectCmd("MODE", "&msn", "+v", "carol")
	c.send("JOIN #plans")
	c.expectCmd(irc.RPL_ENDOFNAMES, "alice", "#plans")
	c.send("INVITE bob #plans")
	c.expect("bob joins", func(m *irc.Message) bool {
		return m.Command == "JOIN" && m.Prefix.Name == "bob" && m.Param(0) == "#plans"
	})

	e.msn.IgnoreCommand("CAL") // carol's call waits for an answer
	t.Cleanup(func() { e.msn.AnswerCommand("CAL") })
	for range 30 {
		c.send("INVITE carol #plans")
	}
	for _, m := range c.syncSeen() {
		if m.Command == "FAIL" || m.Command == "NOTICE" && strings.Contains(m.Trailing(), "too many") {
			t.Errorf("an INVITE while carol's call waits: %v", m)
		}
	}
}

// An invitation into an empty group chat whose call MSN refuses says so
// in the channel, as one into a chat under way does.
func TestRefusedInviteIntoEmptyChatReported(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.send("JOIN #party")
	c.expectCmd("JOIN", "#party")
	e.msn.RefuseCall(bob, 217)
	c.send("INVITE bob #party")
	// The refusal may come before the 341.
	c.expectAll(map[string]func(m *irc.Message) bool{
		"341 bob #party": func(m *irc.Message) bool {
			return m.Command == irc.RPL_INVITING && m.Param(1) == "bob" && m.Param(2) == "#party"
		},
		"a notice that bob could not be invited": func(m *irc.Message) bool {
			return m.Command == "NOTICE" && m.Param(0) == "#party" && strings.HasPrefix(m.Trailing(), "Could not invite bob:")
		},
	})
}
