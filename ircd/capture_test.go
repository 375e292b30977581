package ircd

import (
	"strconv"
	"strings"
	"testing"
)

// While a client's command waits on the handler (Handler.Message has no
// deadline), the lines it gets as a recipient (messages delivered to it,
// copies of another client's) are held for it within the bounds of
// its send queue: as many as the queue takes arrive whole and in order
// once the command ends; more drop the client as a full queue does
// instead of piling up in memory.
func TestRecipientLinesWhileHandlerBlocks(t *testing.T) {
	const sendQ = 64
	for _, tt := range []struct {
		name    string
		lines   int
		dropped bool
	}{
		{"within the queue", sendQ, false},
		{"past the queue", 10 * sendQ, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{SendQueue: sendQ})
			c, w, h := loggedIn(t, e, "message-tags")
			other := e.dial()
			other.loginSASL("alice", "alice@example.com", "secret", "message-tags")
			h.expectCall(t, "Attached")
			release := blockOnWaits(t, h)

			cl := w.Clients()[0] // c, attached first

			c.send("PRIVMSG bob :waits")
			h.expectCall(t, "Message") // c's reader is in the handler now
			for i := range tt.lines {
				if i%2 == 0 {
					w.DeliverTo(cl, Message{Command: "PRIVMSG", From: "bob", Text: strconv.Itoa(i)})
				} else {
					other.send("@+pad=%s PRIVMSG bob :%d", strings.Repeat("p", 2000), i)
					h.expectCall(t, "Message")
				}
			}
			if tt.dropped {
				expectDropped(t, c, w, 1) // the other client stays
				return
			}
			release <- struct{}{} // the handler returns; the held lines follow
			for i := range tt.lines {
				m := c.expect("PRIVMSG")
				if m.Trailing() != strconv.Itoa(i) {
					t.Fatalf("line %d is %v", i, m)
				}
			}
			c.sync()
		})
	}
}

// The world's own lines (a contact's presence, names, modes) are held the
// same way while a command waits: a presence storm of a large contact
// list during a long command drops the client once past its send queue,
// instead of piling up in memory for as long as the command waits.
func TestWorldLinesWhileHandlerBlocks(t *testing.T) {
	const sendQ = 64
	for _, tt := range []struct {
		name    string
		changes int
		dropped bool
	}{
		{"within the queue", sendQ / 2, false},
		{"past the queue", 10 * sendQ, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{SendQueue: sendQ})
			c, w, h := loggedIn(t, e, "away-notify")
			release := blockOnWaits(t, h)

			c.send("PRIVMSG bob :waits")
			h.expectCall(t, "Message") // c's reader is in the handler now
			bob := User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: "Bob B", Account: "bob@hotmail.com", Online: true}
			for i := range tt.changes {
				bob.Away = "away " + strconv.Itoa(i)
				w.SetUser(bob)
			}
			if tt.dropped {
				expectDropped(t, c, w, 0)
				return
			}
			release <- struct{}{} // the handler returns; the held lines follow
			for i := range tt.changes {
				m := c.expect("AWAY")
				if m.Trailing() != "away "+strconv.Itoa(i) {
					t.Fatalf("AWAY %d is %v", i, m)
				}
			}
			c.sync()
		})
	}
}

// A channel the world opens while a command waits (a group chat the
// bridge draws) is held the same way: its JOIN, topic and NAMES count
// against the send queue, so that channels opened without end during a
// long command drop the client instead of piling up in memory.
func TestChannelsOpenedWhileHandlerBlocks(t *testing.T) {
	const sendQ = 64
	members := make([]Member, 60)
	for i := range members {
		members[i] = Member{Nick: "m" + strconv.Itoa(i)}
	}
	for _, tt := range []struct {
		name     string
		channels int
		dropped  bool
	}{
		// A channel is drawn in 5 lines: JOIN, 332, 333, 353, 366.
		{"within the queue", 2, false},
		{"past the queue", 20, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{SendQueue: sendQ})
			c, w, h := loggedIn(t, e)
			release := blockOnWaits(t, h)

			c.send("PRIVMSG bob :waits")
			h.expectCall(t, "Message") // c's reader is in the handler now
			for i := range tt.channels {
				w.OpenChannel("#chat"+strconv.Itoa(i), "a group chat", false, members)
			}
			if tt.dropped {
				expectDropped(t, c, w, 0)
				return
			}
			release <- struct{}{} // the handler returns; the held lines follow
			for i := range tt.channels {
				if m := c.expect("JOIN"); m.Params[0] != "#chat"+strconv.Itoa(i) {
					t.Fatalf("JOIN %d is %v", i, m)
				}
				c.expect("332")
				c.expect("333")
				if m := c.expect("353"); !strings.HasSuffix(m.Trailing(), " m59") {
					t.Fatalf("NAMES of #chat%d is %v", i, m)
				}
				c.expect("366")
			}
			c.sync()
		})
	}
}

// expectDropped checks that c is disconnected, and left clients stay
// attached to w.
func expectDropped(t *testing.T, c *testClient, w *World, left int) {
	t.Helper()
	c.expectClosed()
	if n := w.ClientCount(); n != left {
		t.Fatalf("%d clients attached, want %d", n, left)
	}
}

// blockOnWaits makes h's Message wait, for a message "waits", until the
// test sends on the returned channel (or ends).
func blockOnWaits(t *testing.T, h *fakeHandler) chan struct{} {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	h.mu.Lock()
	h.onMsg = func(cl *Client, m Message) error {
		if m.Text == "waits" {
			<-release
		}
		return nil
	}
	h.mu.Unlock()
	return release
}
