package bridge_test

import (
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
