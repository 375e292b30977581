package bridge_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// TestOutboxStatusNotFromContact checks that the reports about a message
// to an offline contact (queued, then delivered when they come online)
// never come from the contact's nick, which a bouncer would store as if
// the contact had said them: a NOTE to clients with standard-replies, a
// NOTICE from msn naming the contact to the others.
func TestOutboxStatusNotFromContact(t *testing.T) {
	e := newEnv(t, "MSNP12")
	sr := e.login("alice", alice, password, allCaps)
	plain := e.login("alice", alice, password, "server-time echo-message")
	notFromDave := func(c *client) {
		t.Helper()
		c.sync()
		for _, m := range c.seen {
			if m.Prefix != nil && m.Prefix.Name == "dave" && m.Command != "JOIN" && m.Command != "MODE" {
				t.Errorf("status from dave's nick: %v", m)
			}
		}
	}

	sr.send("PRIVMSG dave :while you were out")
	note := sr.expectCmd("NOTE", "PRIVMSG", "QUEUED", "dave")
	if !strings.Contains(note.Trailing(), "dave is offline: message queued") {
		t.Errorf("NOTE text %q", note.Trailing())
	}
	n := plain.expect("NOTICE from msn about the queued message", func(m *irc.Message) bool {
		return m.Command == "NOTICE" && strings.Contains(m.Trailing(), "queued")
	})
	if n.Prefix.Name != "msn" || n.Param(0) != "alice" || !strings.Contains(n.Trailing(), "dave is offline") {
		t.Errorf("plain client got %v, want a NOTICE from msn to alice naming dave", n)
	}

	p := e.peer(dave)
	sr.expectCmd("NOTE", "PRIVMSG", "DELIVERING", "dave")
	n = plain.expect("NOTICE from msn about delivering", func(m *irc.Message) bool {
		return m.Command == "NOTICE" && strings.Contains(m.Trailing(), "delivering")
	})
	if n.Prefix.Name != "msn" || !strings.Contains(n.Trailing(), "dave is online: delivering 1 queued message(s).") {
		t.Errorf("plain client got %v, want a NOTICE from msn naming dave", n)
	}
	p.expectText("while you were out")
	notFromDave(sr)
	notFromDave(plain)
}
