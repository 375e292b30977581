package bridge_test

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

// expectTextNot waits for a text containing text from the peer and fails if
// a text containing never comes first.
func (p *peer) expectTextNot(text, never string) msn.MessageReceived {
	p.t.Helper()
	return p.expect("text ~"+text, func(ev msn.Event) bool {
		m, ok := ev.(msn.MessageReceived)
		if ok && strings.Contains(m.Text, never) {
			p.t.Errorf("peer %s got %q again, or when it should not have", p.c.Passport(), m.Text)
		}
		return ok && strings.Contains(m.Text, text)
	}).(msn.MessageReceived)
}

func TestSwitchboardDroppedTwiceIsReported(t *testing.T) {
	forSomeVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		p := e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		// A second client without standard replies gets a NOTICE instead of FAIL.
		c2 := e.login("alice", alice, password, "server-time echo-message")
		c.send("PRIVMSG bob :warm up")
		p.expectText("warm up")

		// One drop: the message is sent again, on a new switchboard, once.
		e.msn.DropSBOnNextMessages(alice, 1)
		c.send("PRIVMSG bob :survives one drop")
		got := p.expectText("survives one drop")
		if left := e.msn.SBDropsLeft(alice); left != 0 {
			t.Errorf("%d drops left, want the one used", left)
		}

		// Two drops: sent, sent again once, then reported in bob's window.
		e.msn.DropSBOnNextMessages(alice, 3)
		c.send("PRIVMSG bob :dropped twice")
		report := func(m *irc.Message) bool {
			if m.Command == "NOTICE" && m.Prefix.Name == "bob" {
				t.Errorf("report from bob, as if bob said it: %v", m)
			}
			if m.Command != "FAIL" && (m.Command != "NOTICE" || m.Prefix.Name != "msn") {
				return false
			}
			if !strings.Contains(m.Trailing(), "dropped twice") {
				t.Errorf("unexpected report: %v", m)
				return false
			}
			return true
		}
		fail := c.expect("FAIL for dropped twice", report)
		if fail.Command != "FAIL" || fail.Param(0) != "PRIVMSG" || fail.Param(1) != "MESSAGE_NOT_DELIVERED" || fail.Param(2) != "bob" ||
			!strings.Contains(fail.Trailing(), "dropped twice") {
			t.Errorf("standard-replies client got %v, want FAIL PRIVMSG MESSAGE_NOT_DELIVERED bob naming the text", fail)
		}
		notice := c2.expect("NOTICE for dropped twice", report)
		if notice.Command != "NOTICE" || !strings.Contains(notice.Trailing(), "dropped twice") ||
			!strings.Contains(notice.Trailing(), "to bob not delivered") || !strings.Contains(notice.Trailing(), "may not have arrived") {
			t.Errorf("plain client got %v, want a NOTICE from msn saying the text to bob may not have arrived", notice)
		}
		// Exactly two attempts: the third drop is still waiting.
		if left := e.msn.SBDropsLeft(alice); left != 1 {
			t.Errorf("%d drops left, want 1: the message was sent %d times, want 2", left, 3-left)
		}
		e.msn.DropSBOnNextMessages(alice, 0)
		c.send("PRIVMSG bob :after the report")
		after := p.expectTextNot("after the report", "dropped twice")
		if after.Switchboard == got.Switchboard {
			t.Error("the message after the report went to a switchboard that was dropped")
		}
	})
}

func TestSwitchboardDroppedAfterDeliveryIsNotResent(t *testing.T) {
	forSomeVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		p := e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		c.send("PRIVMSG bob :warm up")
		p.expectText("warm up")
		// Delivered and acknowledged, then the switchboard drops.
		e.msn.DropSBAfterNextMessages(alice, 1)
		c.send("PRIVMSG bob :delivered once")
		first := p.expectText("delivered once")
		p.expect("the chat ends", func(ev msn.Event) bool {
			sc, ok := ev.(msn.SwitchboardClosed)
			return ok && sc.Switchboard == first.Switchboard
		})
		c.send("PRIVMSG bob :next one")
		p.expectTextNot("next one", "delivered once")
		c.sync()
		for _, m := range c.seen {
			if m.Command == "FAIL" || (m.Command == "NOTICE" && m.Prefix.Name == "bob") {
				t.Errorf("reported although delivered: %v", m)
			}
		}
	})
}

// A switchboard that closes while it opens (before the contact joined) is
// opened again, once: the contact is online, so the message is delivered
// now, in order, not put in the outbox as if the contact were offline.
func TestSwitchboardDroppedWhileOpeningIsOpenedAgain(t *testing.T) {
	forSomeVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		p := e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		// Each command waits: the switchboard closes while CAL waits.
		e.msn.SetReplyDelay(300 * time.Millisecond)
		c.send("PRIVMSG bob :while opening")
		c.sync()
		waitFor(t, "alice's switchboard", func() bool { return e.msn.DropSB(alice) > 0 })
		e.msn.SetReplyDelay(0)
		p.expectText("while opening")
		c.send("PRIVMSG bob :next")
		p.expectTextNot("next", "while opening")
		c.sync()
		for _, m := range c.seen {
			if m.Command == "NOTE" && m.Param(1) == "QUEUED" {
				t.Errorf("a message to bob, who is online, was queued: %s", m)
			}
		}
	})
}

// A message whose switchboard closed with the connection to MSN waits in
// the outbox, and the user is told that MSN is not connected: not that
// the contact, who is online, is offline.
func TestMessageInFlightWhenConnectionDropsIsQueuedAsNotConnected(t *testing.T) {
	forSomeVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		p := e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		c.send("PRIVMSG bob :warm up")
		p.expectText("warm up")
		e.msn.IgnoreCommand("MSG") // written, never acknowledged
		c.send("PRIVMSG bob :in flight")
		c.sync()
		e.msn.RejectLogin(alice, 500)
		e.msn.DropNS(alice)
		m := c.expectCmd("NOTE", "PRIVMSG", "QUEUED", "bob")
		if !strings.HasPrefix(m.Trailing(), "Not connected to MSN") {
			t.Errorf("queued because %q, want that MSN is not connected", m.Trailing())
		}
		e.msn.AnswerCommand("MSG")
		e.msn.RejectLogin(alice, 0)
		c.expectMsn("Reconnected")
		p.expectText("in flight")
		c.send("PRIVMSG bob :next")
		p.expectTextNot("next", "in flight")
	})
}
