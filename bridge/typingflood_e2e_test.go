package bridge_test

import (
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/msn"
)

// bobsChat logs alice in and writes to bob; it returns her client and
// bob's switchboard of that chat.
func bobsChat(e *env) (*client, *msn.Switchboard) {
	e.t.Helper()
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	c.send("PRIVMSG bob :hi")
	return c, p.expectText("hi").Switchboard
}

// A contact sending typing notifications in a flood is shown typing once,
// then again every few seconds while it goes on: clients get what they
// need to show it, not the flood.
func TestTypingFloodShownOnce(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.TypingTimeout = time.Minute })
	c, sb := bobsChat(e)
	ctx, cancel := ctxT()
	defer cancel()
	typing := func(n int) {
		t.Helper()
		for range n {
			if err := sb.SendTyping(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	active := func() int {
		n := 0
		for _, m := range c.seen {
			if m.Command == "TAGMSG" && m.Prefix.Name == "bob" && m.Tags["+typing"] == "active" {
				n++
			}
		}
		return n
	}
	typing(50)
	if err := sb.SendText(ctx, "first", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("bob", "PRIVMSG", "first")
	if n := active(); n != 1 {
		t.Errorf("50 typing notifications were shown %d times, want once", n)
	}
	isActive := func(m *irc.Message) bool {
		return m.Command == "TAGMSG" && m.Prefix.Name == "bob" && m.Tags["+typing"] == "active"
	}
	typing(5)
	c.expect("typing shown again after the message", isActive)
	e.clock.advance(3 * time.Second)
	typing(5)
	c.expect("typing shown again 3 s later", isActive)
	if err := sb.SendText(ctx, "second", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("bob", "PRIVMSG", "second")
	if n := active(); n != 3 {
		t.Errorf("typing shown %d times in all, want 3 (once more after the message, once 3 s later)", n)
	}
}

// A contact renamed while shown typing stops typing under their new
// nick, the one the clients know them by now.
func TestTypingDoneAfterRename(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.TypingTimeout = 2 * time.Second })
	c, sb := bobsChat(e)
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.SendTyping(ctx); err != nil {
		t.Fatal(err)
	}
	c.expect("bob typing", func(m *irc.Message) bool {
		return m.Command == "TAGMSG" && m.Prefix.Name == "bob" && m.Tags["+typing"] == "active"
	})
	c.ask("rename bob robert", "robert")
	done := c.expect("typing done", func(m *irc.Message) bool {
		return m.Command == "TAGMSG" && m.Tags["+typing"] == "done"
	})
	if done.Prefix.Name != "robert" {
		t.Errorf("typing done from %q, want robert", done.Prefix.Name)
	}
}
