package bridge_test

import (
	"testing"

	"gopkg.in/irc.v4"
)

// groupChatChannel has bob open a chat with alice and call carol in, and
// returns the channel alice's client is put in.
func groupChatChannel(t *testing.T, pb *peer, c *client) string {
	t.Helper()
	sb := pb.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.Invite(ctx, carol); err != nil {
		t.Fatal(err)
	}
	join := c.expect("alice JOINs a group chat", func(m *irc.Message) bool {
		return m.Command == "JOIN" && m.Prefix.Name == "alice" && m.Param(0) != "&msn"
	})
	return join.Param(0)
}

// A group chat channel name is never given twice to an account: a
// bouncer keeps a channel's history by its name, so a new chat after a
// restart must not land in the old chat's window.
func TestGroupChatNamesNotReusedAfterRestart(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	e.peer(carol)
	c.expectVoiced("bob", "carol")
	first := groupChatChannel(t, pb, c)
	if first != "#chat-1" {
		t.Errorf("first group chat in %s, want #chat-1", first)
	}
	e.restart()
	c2 := e.login("alice", alice, password, allCaps)
	if second := groupChatChannel(t, pb, c2); second == first || second != "#chat-2" {
		t.Errorf("group chat after the restart in %s, want #chat-2 (the first was %s)", second, first)
	}
}

// A #chat-N name the user took for a chat of their own is not given to a
// chat a contact starts later.
func TestGroupChatNameTakenByTheUserNotGiven(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	e.peer(carol)
	c.expectVoiced("bob", "carol")
	c.send("JOIN #Chat-2")
	c.expectCmd("JOIN", "#Chat-2")
	c.send("PART #Chat-2")
	c.expectCmd("PART", "#Chat-2")
	if got := groupChatChannel(t, pb, c); got != "#chat-3" {
		t.Errorf("a contact's group chat in %s, want #chat-3", got)
	}
}
