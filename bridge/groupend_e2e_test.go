package bridge_test

import (
	"testing"

	"gopkg.in/irc.v4"
)

// When everyone else left a group chat, its channel is closed with a PART
// and a notice, is not drawn again for a client that attaches later, and
// a message to it is answered 403.
func TestGroupChatEndsWhenEveryoneLeft(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	pc := e.peer(carol)
	c.expectAll(map[string]func(m *irc.Message) bool{
		"+v bob":   func(m *irc.Message) bool { return m.Command == "MODE" && m.Param(2) == "bob" },
		"+v carol": func(m *irc.Message) bool { return m.Command == "MODE" && m.Param(2) == "carol" },
	})
	sb := pb.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.Invite(ctx, carol); err != nil {
		t.Fatal(err)
	}
	ch := c.expect("alice JOINs a group chat", func(m *irc.Message) bool {
		return m.Command == "JOIN" && m.Prefix.Name == "alice" && m.Param(0) != "&msn"
	}).Param(0)
	sb.Close()
	c.expectCmd("PART", ch)
	pc.close() // carol signs out, and leaves the chat
	c.expect("alice parts "+ch, func(m *irc.Message) bool {
		return m.Command == "PART" && m.Prefix.Name == "alice" && m.Param(0) == ch
	})
	c.expectMsn("Everyone left " + ch)
	c.send("PRIVMSG " + ch + " :anyone?")
	c.expectCmd(irc.ERR_NOSUCHCHANNEL, "alice", ch)
	late := e.login("alice", alice, password, allCaps)
	late.sync()
	for _, m := range late.seen {
		if m.Command == "JOIN" && m.Param(0) == ch {
			t.Errorf("a client attaching later joined %s", ch)
		}
	}
}
