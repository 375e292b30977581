package bridge_test

import (
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

// A contact who opened a second chat while the first is still open, then
// calls a third person into the first, turns that older chat into a group
// chat like any other: once its switchboard ended, what the user writes
// in the channel reaches everyone in it.
func TestOlderQueryBecomesGroupChat(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	pc := e.peer(carol)
	c.expectVoiced("bob", "carol")
	ctx, cancel := ctxT()
	defer cancel()
	first := pb.chat(alice)
	if err := first.SendText(ctx, "in the first chat", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("bob", "PRIVMSG", "in the first chat")
	second := pb.chat(alice)
	if err := second.SendText(ctx, "in the second chat", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("bob", "PRIVMSG", "in the second chat")
	if err := first.Invite(ctx, carol); err != nil {
		t.Fatal(err)
	}
	ch := c.expect("alice JOINs a group chat", func(m *irc.Message) bool {
		return m.Command == "JOIN" && m.Prefix.Name == "alice" && m.Param(0) != "&msn"
	}).Param(0)
	waitFor(t, "the chats' switchboards to end", func() bool {
		e.msn.DropSB(alice)
		for _, st := range e.bridge.Stats() {
			if st.Switchboards > 0 {
				return false
			}
		}
		return true
	})
	c.send("PRIVMSG " + ch + " :back in the group")
	pb.expectText("back in the group")
	pc.expectText("back in the group")
}

// Someone on none of the user's lists gives no presence: /INVITE calls
// them in as a message to them would, and MSN says whether they are
// there, instead of refusing them as offline.
func TestInviteStranger(t *testing.T) {
	e := newEnv(t, "MSNP12")
	if err := e.msn.AddAccount("erin@example.com", password, "Erin"); err != nil {
		t.Fatal(err)
	}
	c := e.login("alice", alice, password, allCaps)
	pe := e.peer("erin@example.com")
	say(t, pe, "hello from a stranger")
	c.expectFrom("erin", "PRIVMSG", "hello from a stranger")
	c.startGroupChat("#party", "erin")
	c.send("PRIVMSG #party :welcome")
	pe.expectText("welcome")
}

// A group chat whose switchboard ended opens a new one for the next
// line the user writes in it: a participant who signed out meanwhile
// does not keep the others from getting it.
func TestGroupChatReopensWithoutOfflineMember(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	pc := e.peer(carol)
	c.expectVoiced("bob", "carol")
	ch := groupChatChannel(t, pb, c)
	waitFor(t, "the chat's switchboard to end", func() bool {
		e.msn.DropSB(alice)
		for _, st := range e.bridge.Stats() {
			if st.Switchboards > 0 {
				return false
			}
		}
		return true
	})
	pb.close()
	c.expectCmd("MODE", "&msn", "-v", "bob")
	c.send("PRIVMSG " + ch + " :carol, still there?")
	pc.expectText("carol, still there?")
}
