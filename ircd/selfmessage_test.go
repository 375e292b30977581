package ircd

import (
	"strings"
	"testing"
)

// The user's own message from elsewhere (another MSN endpoint) comes from
// the user, to the contact it was sent to, and reaches only the clients
// that asked for such messages: echo-message or znc.in/self-message.
func TestDeliverSelfMessage(t *testing.T) {
	e := newEnv(t, Config{})
	echo, w, _ := loggedIn(t, e, "echo-message")
	bouncer := e.dial()
	bouncer.loginSASL("x", "alice@example.com", "secret", "znc.in/self-message", "account-tag")
	plain := e.dial()
	plain.loginSASL("y", "alice@example.com", "secret")

	if n := w.Deliver(Message{Command: "PRIVMSG", From: "bob", Target: "bob", Text: "from my phone", Self: true}); n != 2 {
		t.Errorf("Deliver = %d clients, want 2", n)
	}
	m := echo.expectParams("PRIVMSG", "bob", "from my phone")
	if m.Prefix.Name != "alice" {
		t.Errorf("echo-message client: from %v, want the user", m.Prefix)
	}
	m = bouncer.expectParams("PRIVMSG", "bob", "from my phone")
	if m.Prefix.Name != "alice" || m.Tags["account"] != "alice@example.com" {
		t.Errorf("self-message client: %v (tags %v), want from the user with the account", m.Prefix, m.Tags)
	}
	// A message to the user cannot be the user's own.
	if n := w.Deliver(Message{Command: "PRIVMSG", Text: "to myself", Self: true}); n != 0 {
		t.Errorf("own message to the user delivered to %d clients", n)
	}
	w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: "from bob"})
	plain.expectParams("PRIVMSG", "alice", "from bob")
	if msgs := plain.sync(); len(find(msgs, "PRIVMSG")) != 0 {
		t.Errorf("client without the caps got %v", msgs)
	}
}

// A message the user sends that does not fit one line with the user's
// prefix reaches the user's clients whole, split as Deliver splits it
// (the parts' msgids with ".2" after the first), the echo in a
// labeled-response batch: cut to one line, the other clients lost its end.
func TestLongOwnMessageReachesOtherClientsWhole(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e, "echo-message", "message-tags", "batch", "labeled-response")
	other := e.dial()
	other.loginSASL("alice", "alice@example.com", "secret", "message-tags")
	h.expectCall(t, "Attached")
	text := strings.TrimSpace(strings.Repeat("word ", 96)) // fits the client's line, not alice's
	c.send("@label=L1 PRIVMSG bob :%s", text)
	for _, cl := range []*testClient{c, other} {
		var parts []string
		var ids []string
		for _, m := range find(cl.sync(), "PRIVMSG") {
			parts = append(parts, m.Param(1))
			ids = append(ids, m.Tags["msgid"])
		}
		if got := strings.Join(parts, ""); got != text {
			t.Errorf("the client got %q (%d lines), want the whole text", got, len(parts))
		}
		if len(ids) != 2 || ids[1] != ids[0]+".2" {
			t.Errorf("msgids %v, want the message's and it with .2", ids)
		}
	}
}
