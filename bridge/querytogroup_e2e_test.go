package bridge_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

// A message the user wrote to bob alone, not acknowledged yet when bob
// calls carol in, is never sent again into the group chat the query
// became: when its switchboard drops, the user is told it may not have
// arrived, in bob's window, and carol never reads it.
func TestQueryMessageNotResentToGroup(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	pc := e.peer(carol)
	c.expectVoiced("bob", "carol")
	c.send("PRIVMSG bob :warm up")
	sb := pb.expectText("warm up").Switchboard
	e.msn.IgnoreCommand("MSG") // written, never acknowledged
	c.send("PRIVMSG bob :for bob alone")
	c.sync()
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.Invite(ctx, carol); err != nil {
		t.Fatal(err)
	}
	ch := c.expect("alice JOINs a group chat", func(m *irc.Message) bool {
		return m.Command == "JOIN" && m.Prefix.Name == "alice" && m.Param(0) != "&msn"
	}).Param(0)
	e.msn.AnswerCommand("MSG")
	waitFor(t, "alice's switchboard", func() bool { return e.msn.DropSB(alice) > 0 })
	m := c.expect("report", func(m *irc.Message) bool {
		return m.Command == "FAIL" && strings.Contains(m.Trailing(), "for bob alone")
	})
	if m.Param(2) != "bob" {
		t.Errorf("reported for %q, want bob: %s", m.Param(2), m)
	}
	c.send("PRIVMSG " + ch + " :to the group")
	pc.expect("the group's message", func(ev msn.Event) bool {
		m, ok := ev.(msn.MessageReceived)
		if ok && strings.Contains(m.Text, "for bob alone") {
			t.Errorf("carol got %q, written to bob alone", m.Text)
		}
		return ok && m.Text == "to the group"
	})
}
