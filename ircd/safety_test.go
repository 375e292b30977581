package ircd

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/irctext"
)

// bodyLen is the length of m's line without its tags, CRLF included.
func bodyLen(m *irc.Message) int {
	cp := *m
	cp.Tags = nil
	return len(cp.String()) + 2
}

// A label or client-only tag with a control character in its value is
// dropped rather than echoed or relayed.
func TestTagsWithControlsDropped(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e, "echo-message", "batch", "labeled-response", "message-tags")
	other := e.dial()
	other.loginSASL("alice", "alice@example.com", "secret", "message-tags")
	h.expectCall(t, "Attached")

	c.send("@label=1\x00 PING x")
	pong := c.expect("PONG")
	if _, ok := pong.Tags["label"]; ok {
		t.Errorf("label with NUL echoed: %q", pong.Tags["label"])
	}

	c.send("@+typing=active;+x=a\x07b;+y=c\x00d PRIVMSG bob :hi")
	for _, m := range []*irc.Message{c.expect("PRIVMSG"), other.expect("PRIVMSG")} {
		if m.Tags["+typing"] != "active" {
			t.Errorf("+typing lost: %v", m)
		}
		if _, ok := m.Tags["+x"]; ok {
			t.Errorf("+x with BEL relayed: %v", m)
		}
		if _, ok := m.Tags["+y"]; ok {
			t.Errorf("+y with NUL relayed: %v", m)
		}
	}
	got := h.expectCall(t, "Message").msg
	if len(got.Tags) != 1 || got.Tags["+typing"] != "active" {
		t.Errorf("handler got tags %v", got.Tags)
	}
}

// A 600-byte WHOIS info line is split into lines that each fit 512 bytes,
// and nothing of it is lost.
func TestWhoisLongInfoSplit(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, h := loggedIn(t, e)
	info := "is bob on MSN, friendly name " + strings.Repeat("Zoë ", 150) + "end"
	withWhois(w, h, map[string][]string{"bob": {info}})
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: strings.Repeat("x", 600), Online: true})
	c.send("WHOIS bob")
	var parts []string
	for _, m := range c.sync() {
		if n := bodyLen(m); n > maxBodyLen {
			t.Errorf("%d-byte line: %v", n, m)
		}
		if m.Command == rplWhoisSpecial {
			parts = append(parts, m.Trailing())
		}
	}
	if len(parts) < 2 || strings.Join(parts, "") != info {
		t.Errorf("320 lines %q, want %q split", parts, info)
	}
}

// The channels of a user in many long-named channels are listed in as
// many 319 lines as they need, each within 512 bytes, none cut.
func TestWhoisManyChannelsSplit(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e)
	want := []string{"&msn"}
	for i := range 12 {
		name := fmt.Sprintf("#%02d-%s", i, strings.Repeat("x", 60))
		want = append(want, name)
		w.OpenChannel(name, "", false, []Member{{Nick: "bob"}})
	}
	c.sync()
	for _, target := range []string{"alice", "bob"} {
		c.send("WHOIS %s", target)
		var got []string
		for _, m := range c.sync() {
			if n := bodyLen(m); n > maxBodyLen {
				t.Errorf("%d-byte line: %v", n, m)
			}
			if m.Command == irc.RPL_WHOISCHANNELS {
				for _, ch := range strings.Fields(m.Param(2)) {
					got = append(got, strings.TrimLeft(ch, "@+"))
				}
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("WHOIS %s: 319 lists %q, want %q", target, got, want)
		}
	}
}

// Whatever a line carries, its body is cut to 512 bytes with its CRLF, at
// a UTF-8 boundary, in its last parameter.
func TestLongLineCut(t *testing.T) {
	for _, m := range []*irc.Message{
		{Prefix: &irc.Prefix{Name: "bob", User: "bob", Host: "hotmail.com"}, Command: "PRIVMSG", Params: []string{"alice", strings.Repeat("é", 400)}},
		{Prefix: &irc.Prefix{Name: "irc.test"}, Command: "320", Params: []string{"alice", "bob", strings.Repeat("a ", 400)}},
		{Prefix: &irc.Prefix{Name: "irc.test"}, Command: "401", Params: []string{"alice", strings.Repeat("w", 600), "No such nick"}},
		{Tags: irc.Tags{"time": "2026-01-01T00:00:00.000Z"}, Command: "NOTICE", Params: []string{"alice", strings.Repeat("n", 600)}},
	} {
		line := string(appendEncoded(nil, m))
		if encodeLine(m) != line && len(m.Tags) <= 1 {
			t.Errorf("encodeLine and appendEncoded differ on %v", m)
		}
		back, err := irc.ParseMessage(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		last := m.Params[len(m.Params)-1]
		if n := bodyLen(back); n > maxBodyLen || back.Trailing() != last && n < maxBodyLen-3 {
			t.Errorf("%d-byte line, want at most 512, and close to it when cut: %q", n, line)
		}
		if len(back.Params) != len(m.Params) || !utf8.ValidString(back.Trailing()) || back.Trailing() == "" {
			t.Errorf("%q parses back as %q", line, back.Params)
		}
		if !strings.HasPrefix(last, back.Trailing()) {
			t.Errorf("last parameter %q is not cut from the original", back.Trailing())
		}
	}
}

// A message the handler says carries a secret reaches the handler but is
// not echoed to the sender (echo-message) nor copied to the user's other
// clients.
func TestSecretNotEchoed(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e, "echo-message", "message-tags")
	other := e.dial()
	other.loginSASL("alice", "alice@example.com", "secret", "message-tags")
	h.expectCall(t, "Attached")
	c.send("PRIVMSG bob :secret: hunter2")
	c.send("NOTICE bob,carol :secret: hunter2")
	c.send("PRIVMSG bob :plain")
	for _, cl := range []*testClient{c, other} {
		if m := cl.expect("PRIVMSG"); m.Trailing() != "plain" {
			t.Errorf("got %v, want only the plain message echoed", m)
		}
	}
	for _, want := range []string{"secret: hunter2", "secret: hunter2", "secret: hunter2", "plain"} {
		if got := h.expectCall(t, "Message").msg.Text; got != want {
			t.Errorf("handler got %q, want %q", got, want)
		}
	}
}

// Names, away reasons and topics lose control characters and the bidi
// controls that would make them display as something else.
func TestNamesWithoutControls(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e)
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: "Bob\u202eevil\u2066\x07", Away: "Busy \u202dx\x01", Online: true})
	w.SetTopic("&msn", "psm\u202e\u2069\x1f", "")
	c.send("WHOIS bob")
	c.send("TOPIC &msn")
	for _, m := range c.sync() {
		for _, p := range m.Params {
			if strings.IndexFunc(p, func(r rune) bool { return irctext.IsControl(r) || irctext.IsBidiControl(r) }) >= 0 {
				t.Errorf("control character in %q", m)
			}
		}
		switch m.Command {
		case irc.RPL_WHOISUSER:
			checkParams(t, m, "alice", "bob", "bob", "hotmail.com", "*", "Bobevil")
		case irc.RPL_AWAY:
			checkParams(t, m, "alice", "bob", "Busy x")
		case irc.RPL_TOPIC:
			checkParams(t, m, "alice", "&msn", "psm")
		}
	}
}

// dirty is a name with terminal escapes, BEL, SOH and a right-to-left
// override; clean is what is left of it after cleanName.
const (
	dirty = "Eve\x1b[2J\x1b]0;pwned\x07\u202egnp.exe\x01"
	clean = "Eve[2J]0;pwnedgnp.exe"
)

// A realname set with SETNAME is cleaned as USER's is: the user's other
// clients (SETNAME, WHOIS) and the handler never see control or bidi
// characters, and a name of nothing else is refused.
func TestSetnameCleaned(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e, "setname")
	other := e.dial()
	other.loginSASL("alice", "alice@example.com", "secret", "setname")
	h.expectCall(t, "Attached")

	c.send("SETNAME :%s", dirty)
	other.expectParams("SETNAME", clean)
	if got := h.expectCall(t, "Realname").args[0]; got != clean {
		t.Errorf("handler got realname %q, want %q", got, clean)
	}
	other.send("WHOIS alice")
	other.expectParams(irc.RPL_WHOISUSER, "alice", "alice", "*any*", "*any*", "*", clean)

	c.send("SETNAME :\x1b\u202e\x07")
	c.expectParams("FAIL", "SETNAME", "INVALID_REALNAME", "*any*")
	c.send("WHOIS alice")
	c.expectParams(irc.RPL_WHOISUSER, "alice", "alice", "*any*", "*any*", "*", clean)
}

// An AWAY sent before registration (draft/pre-away) is cleaned as AWAY
// after it is: the other clients and the handler get it without control
// or bidi characters.
func TestPreAwayCleaned(t *testing.T) {
	e := newEnv(t, Config{})
	_, _, h := loggedIn(t, e, "away-notify")
	watcher := e.dial()
	watcher.loginSASL("alice", "alice@example.com", "secret", "away-notify")
	h.expectCall(t, "Attached")

	pre := e.dial()
	pre.send("CAP LS 302")
	pre.send("CAP REQ :draft/pre-away sasl")
	pre.expectCap("ACK")
	pre.send("AWAY :%s", dirty)
	pre.send("AUTHENTICATE PLAIN")
	pre.expect("AUTHENTICATE")
	pre.send("AUTHENTICATE %s", plainPayload("alice@example.com", "secret"))
	pre.expect(irc.RPL_SASLSUCCESS)
	pre.send("NICK alice")
	pre.send("USER alice 0 * :Alice")
	pre.send("CAP END")
	pre.expect(irc.RPL_WELCOME)

	watcher.expectParams("AWAY", clean)
	h.expectCall(t, "Attached")
	if got := h.expectCall(t, "Away").args[0]; got != clean {
		t.Errorf("handler got away text %q, want %q", got, clean)
	}
}

// A label or client-only tag whose value is not valid UTF-8 is dropped,
// not decoded to U+FFFD (three bytes for each bad one) and echoed or
// relayed at three times the size the client sent; the other tags of the
// line stay. Before registration too.
func TestTagsWithInvalidUTF8Dropped(t *testing.T) {
	e := newEnv(t, Config{})
	bad := strings.Repeat("\xff", 4000)

	unreg := e.dial()
	unreg.send("CAP LS 302")
	unreg.send("CAP REQ :labeled-response batch")
	unreg.expectCap("ACK")
	unreg.send("@label=%s PING x", bad)
	if pong := unreg.expect("PONG"); len(pong.Tags) != 0 {
		t.Errorf("PONG to a label that is not UTF-8 has tags of %d bytes", len(pong.Tags.String()))
	}

	c, _, h := loggedIn(t, e, "echo-message", "batch", "labeled-response", "message-tags")
	other := e.dial()
	other.loginSASL("alice", "alice@example.com", "secret", "message-tags")
	h.expectCall(t, "Attached")
	c.send("@label=%s;+typing=active;+x=%s TAGMSG bob", bad[:40], bad[:3000])
	for _, m := range []*irc.Message{c.expect("TAGMSG"), other.expect("TAGMSG")} {
		if m.Tags["+typing"] != "active" {
			t.Errorf("+typing lost: %v", m.Tags)
		}
		for _, k := range []string{"+x", "label"} {
			if v, ok := m.Tags[k]; ok {
				t.Errorf("%s relayed as %d bytes", k, len(v))
			}
		}
	}
	if got := h.expectCall(t, "Message").msg.Tags; len(got) != 1 || got["+typing"] != "active" {
		t.Errorf("handler got tags of %d bytes, want only +typing", len(irc.Tags(got).String()))
	}
}

// Client-only tags given to Deliver are relayed within the 4,094 bytes
// message-tags allows them on a line: those that do not fit are left out.
func TestDeliveredClientTagsFitLimit(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e, "message-tags")
	w.Deliver(Message{Command: "TAGMSG", From: "bob", Tags: map[string]string{
		"+a": strings.Repeat("a", 3000), "+b": strings.Repeat("b;", 1000), "+c": "small",
	}})
	m := c.expect("TAGMSG")
	client := irc.Tags{}
	for k, v := range m.Tags {
		if strings.HasPrefix(k, "+") {
			client[k] = v
		}
	}
	if n := len(client.String()); n > maxTagsLen-2 {
		t.Errorf("client-only tags of %d bytes relayed, more than 4094", n)
	}
	if len(client["+a"]) != 3000 || client["+c"] != "small" {
		t.Errorf("relayed client-only tags %q, want +a and +c", slices.Sorted(maps.Keys(client)))
	}
}

// A label of up to 64 bytes is echoed; a longer one, which the reply
// would hold until the client reads it, is dropped. Before registration
// too.
func TestLabelLength(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial()
	c.send("CAP LS 302")
	c.send("CAP REQ :labeled-response batch")
	c.expectCap("ACK")
	for _, tt := range []struct {
		label string
		kept  bool
	}{
		{strings.Repeat("l", 64), true},
		{strings.Repeat("l", 65), false},
		{strings.Repeat("l", 4000), false},
	} {
		c.send("@label=%s PING x", tt.label)
		got, ok := c.expect("PONG").Tags["label"]
		if ok != tt.kept || ok && got != tt.label {
			t.Errorf("label of %d bytes: echoed %v (%d bytes), want %v", len(tt.label), ok, len(got), tt.kept)
		}
	}
}

// A line's tags stay within the 8,191 bytes message-tags allows them
// however long the values the bridge gives are: an account of 9,000 bytes
// (a passport as the MSN server sent it) is left out, and the message
// arrives with its time.
func TestTagsFitLineLimit(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e, "message-tags", "account-tag", "server-time")
	long := strings.Repeat("a", 9000) + "@hotmail.com"
	w.SetUser(User{Nick: "dave", Ident: "dave", Host: "hotmail.com", Account: long, Online: true})
	w.Deliver(Message{Command: "PRIVMSG", From: "dave", Text: "hi", Tags: map[string]string{"+x": strings.Repeat("x", 4000)}})
	m := c.expect("PRIVMSG")
	if n := len(m.Tags.String()) + 2; n > 8191 {
		t.Errorf("tags of %d bytes on a line, more than 8191", n)
	}
	if m.Tags["time"] == "" || m.Params[1] != "hi" {
		t.Errorf("got %v, want the message with its time", m)
	}
}
