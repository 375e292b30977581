package ircd

// Ports of the relevant cases of irctest (progval/irctest,
// irctest/server_tests/*.py), the IRC server conformance suite, which cannot
// run here. Each test is named after the irctest case it follows; the
// assertions are the ones irctest makes. Cases that need two independent
// IRC users talk to users of the world instead (contacts are not clients).

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// cap.py

func TestIrctestCapNoReq(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS 302")
	c.expectCap("LS")
	c.send("USER foo foo foo :foo")
	c.send("NICK foo")
	c.send("CAP END")
	if m := c.next(); m.Command != irc.RPL_WELCOME {
		t.Fatalf("expected 001 after CAP END, got %v", m)
	}
}

func TestIrctestCapReqUnavailable(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS 302")
	c.expectCap("LS")
	c.send("USER foo foo foo :foo")
	c.send("NICK foo")
	c.send("CAP REQ :foo")
	checkParams(t, c.next(), "*any*", "NAK", "foo")
	c.send("CAP END")
	if m := c.next(); m.Command != irc.RPL_WELCOME {
		t.Fatalf("expected 001, got %v", m)
	}
}

func TestIrctestCapNakExactString(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS 302")
	c.expectCap("LS")
	c.send("CAP REQ :foo qux bar baz qux quux")
	checkParams(t, c.next(), "*any*", "NAK", "foo qux bar baz qux quux")
}

func TestIrctestCapNakWhole(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS 302")
	c.expectCap("LS")
	for _, req := range []string{"foo multi-prefix bar", "multi-prefix bar", "foo multi-prefix"} {
		c.send("CAP REQ :%s", req)
		checkParams(t, c.next(), "*any*", "NAK", req)
	}
	c.send("CAP REQ :multi-prefix")
	checkParams(t, c.next(), "*any*", "ACK", "multi-prefix")
}

func TestIrctestCapRemovalByClient(t *testing.T) {
	e := newEnv(t, Config{})
	w, _ := e.backend.world("alice@example.com")
	w.SetUser(User{Nick: "sender", Online: true})
	c := e.pipe()
	c.send("CAP LS 302")
	c.expectCap("LS")
	c.send("CAP REQ :echo-message server-time")
	c.send("PASS alice@example.com:secret")
	c.send("nick bar")
	c.send("user user 0 * realname")
	c.send("CAP END")
	m := c.expectCap("ACK")
	if got := strings.Fields(m.Param(2)); len(got) != 2 {
		t.Fatalf("did not ACK both caps: %v", m)
	}
	c.expect(irc.RPL_WELCOME)
	c.sync()
	c.send("CAP LIST")
	list := c.expectCap("LIST")
	if got := capSet(list.Param(2)); got != "echo-message server-time" {
		t.Fatalf("enabled caps %q", got)
	}
	w.Deliver(Message{Command: "PRIVMSG", From: "sender", Text: "hi"})
	if m := c.expect("PRIVMSG"); m.Tags["time"] == "" {
		t.Fatalf("no time tag: %v", m)
	}
	c.send("CAP REQ :-server-time")
	checkParams(t, c.next(), "*any*", "ACK", "-server-time")
	c.send("CAP LIST")
	list = c.expectCap("LIST")
	if got := capSet(list.Param(2)); got != "echo-message" {
		t.Fatalf("enabled caps %q", got)
	}
	if _, ok := list.Tags["time"]; ok {
		t.Fatalf("time tag after removal: %v", list)
	}
}

// capSet drops cap-notify (implied by CAP LS 302) from a CAP LIST reply.
func capSet(s string) string {
	var out []string
	for _, c := range strings.Fields(s) {
		if c != "cap-notify" {
			out = append(out, c)
		}
	}
	return strings.Join(out, " ")
}

func TestIrctestIrc301CapLs(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS")
	m := c.next()
	if m.Param(2) == "*" {
		t.Fatalf("multi-line CAP LS for 3.1: %v", m)
	}
	if strings.Contains(m.Param(2), "=") {
		t.Fatalf("cap values for 3.1: %v", m)
	}
}

func TestIrctestEmptyCapList(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LIST")
	checkParams(t, c.next(), "*", "LIST", "")
}

// connection_registration.py

func TestIrctestPassBeforeNickuser(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("PASS alice@example.com:secret")
	c.send("NICK foo")
	c.send("USER username * * :Realname")
	if m := c.next(); m.Command != irc.RPL_WELCOME {
		t.Fatalf("expected 001, got %v", m)
	}
}

func TestIrctestWrongPassword(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("PASS alice@example.com:secretgarbage")
	c.send("NICK foo")
	c.send("USER username * * :Realname")
	m := c.next()
	if m.Command != irc.ERR_PASSWDMISMATCH && m.Command != "ERROR" {
		t.Fatalf("got %v", m)
	}
	if m.Command == irc.ERR_PASSWDMISMATCH {
		if m := c.next(); m.Command != "ERROR" {
			t.Fatalf("464 not followed by ERROR: %v", m)
		}
	}
}

func TestIrctestQuitDisconnects(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial()
	c.register("foo")
	c.send("QUIT")
	c.expectClosed()
}

func TestIrctestQuitErrors(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial()
	c.register("foo")
	c.send("QUIT")
	if len(find(c.expectClosed(), "ERROR")) == 0 {
		t.Fatal("no ERROR in reply to QUIT")
	}
}

func TestIrctestNickCollision(t *testing.T) {
	// In a world, "foo" is already a user: registering as foo does not
	// give the client foo (001 carries another nick).
	e := newEnv(t, Config{})
	w, _ := e.backend.world("alice@example.com")
	w.SetUser(User{Nick: "foo", Online: true})
	c := e.pipe()
	c.send("PASS alice@example.com:secret")
	c.send("NICK foo")
	c.send("USER username * * :Realname")
	m := c.next()
	if m.Command == irc.RPL_WELCOME && m.Param(0) == "foo" {
		t.Fatalf("registered with the nick of a user: %v", m)
	}
}

func TestIrctestEmptyRealname(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("NICK foo")
	c.send("USER username * * :")
	m := c.next()
	checkParams(t, m, "*any*", "USER", "*any*")
	if m.Command != irc.ERR_NEEDMOREPARAMS || (m.Param(0) != "*" && m.Param(0) != "foo") {
		t.Fatalf("got %v", m)
	}
}

// pingpong.py

func TestIrctestPing(t *testing.T) {
	e := newEnv(t, Config{ServerName: "My.Little.Server"})
	c := e.pipe()
	c.register("foo")
	c.send("PING abcdef")
	checkParams(t, c.next(), "My.Little.Server", "abcdef")
}

func TestIrctestPingNoToken(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.register("foo")
	c.send("PING")
	m := c.next()
	if m.Command == irc.ERR_NOORIGIN {
		checkParams(t, m, "foo", "*any*")
	} else {
		if m.Command != irc.ERR_NEEDMOREPARAMS {
			t.Fatalf("got %v", m)
		}
		checkParams(t, m, "foo", "PING", "*any*")
	}
}

func TestIrctestPingEmptyToken(t *testing.T) {
	e := newEnv(t, Config{ServerName: "My.Little.Server"})
	c := e.pipe()
	c.register("foo")
	c.send("PING :")
	m := c.next()
	if m.Command != "PONG" {
		t.Fatalf("got %v", m)
	}
	checkParams(t, m, "My.Little.Server", "")
}

// sasl.py

func saslStart(t *testing.T, c *testClient) {
	t.Helper()
	c.send("CAP LS 302")
	caps := c.expectCap("LS")
	if !strings.Contains(caps.Trailing(), "sasl=PLAIN") {
		t.Fatalf("no sasl=PLAIN in %v", caps)
	}
	c.send("CAP REQ sasl")
	c.expectCap("ACK")
	c.send("AUTHENTICATE PLAIN")
	checkParams(t, c.next(), "+")
}

func TestIrctestSaslPlain(t *testing.T) {
	e := newEnv(t, Config{})
	e.backend.passwords["jilles"] = "sesame"
	c := e.pipe()
	saslStart(t, c)
	c.send("AUTHENTICATE amlsbGVzAGppbGxlcwBzZXNhbWU=")
	m := c.next()
	if m.Command != irc.RPL_LOGGEDIN {
		t.Fatalf("got %v", m)
	}
	checkParams(t, m, "*any*", "*any*", "jilles", "*any*")
}

func TestIrctestSaslPlainFailure(t *testing.T) {
	e := newEnv(t, Config{})
	e.backend.passwords["jilles"] = "sesame"
	c := e.pipe()
	saslStart(t, c)
	c.send("AUTHENTICATE amlsbGVzAGppbGxlcwBtaWxsZXQ=")
	m := c.next()
	if m.Command != irc.ERR_SASLFAIL {
		t.Fatalf("got %v", m)
	}
	checkParams(t, m, "*any*", "*any*")
}

func TestIrctestSaslPlainNonAscii(t *testing.T) {
	e := newEnv(t, Config{})
	password := strings.Repeat("é", 100)
	e.backend.passwords["foo"] = password
	c := e.pipe()
	saslStart(t, c)
	c.send("AUTHENTICATE %s", b64("foo\x00foo\x00"+password))
	m := c.next()
	if m.Command != irc.RPL_LOGGEDIN {
		t.Fatalf("got %v", m)
	}
	checkParams(t, m, "*any*", "*any*", "foo", "*any*")
}

func TestIrctestSaslPlainNoAuthzid(t *testing.T) {
	e := newEnv(t, Config{})
	e.backend.passwords["jilles"] = "sesame"
	c := e.pipe()
	saslStart(t, c)
	c.send("AUTHENTICATE AGppbGxlcwBzZXNhbWU=")
	m := c.next()
	if m.Command != irc.RPL_LOGGEDIN {
		t.Fatalf("got %v", m)
	}
	checkParams(t, m, "*any*", "*any*", "jilles", "*any*")
}

func TestIrctestSaslMechanismNotAvailable(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS 302")
	c.expectCap("LS")
	c.send("CAP REQ sasl")
	c.expectCap("ACK")
	c.send("AUTHENTICATE FOO")
	m := c.next()
	for m.Command == irc.RPL_SASLMECHS {
		m = c.next()
	}
	if m.Command != irc.ERR_SASLFAIL {
		t.Fatalf("got %v", m)
	}
}

func confirmSuccessfulAuth(t *testing.T, c *testClient) {
	t.Helper()
	m1, m2 := c.next(), c.next()
	if m1.Command != irc.RPL_LOGGEDIN || m2.Command != irc.RPL_SASLSUCCESS {
		t.Fatalf("got %v then %v", m1, m2)
	}
}

func TestIrctestSaslPlainLarge(t *testing.T) {
	e := newEnv(t, Config{})
	e.backend.passwords["foo"] = strings.Repeat("bar", 100)
	auth := b64("foo\x00foo\x00" + strings.Repeat("bar", 100))
	c := e.pipe()
	saslStart(t, c)
	c.send("AUTHENTICATE %s", auth[:400])
	c.send("AUTHENTICATE %s", auth[400:])
	confirmSuccessfulAuth(t, c)
}

func TestIrctestSaslPlainLargeEquals400(t *testing.T) {
	e := newEnv(t, Config{})
	e.backend.passwords["foo"] = strings.Repeat("bar", 97)
	auth := b64("foo\x00foo\x00" + strings.Repeat("bar", 97))
	if len(auth) != 400 {
		t.Fatal("bad test")
	}
	c := e.pipe()
	saslStart(t, c)
	c.send("AUTHENTICATE %s", auth)
	c.send("AUTHENTICATE +")
	confirmSuccessfulAuth(t, c)
}

// messages.py

func TestIrctestPrivmsgNonexistentUser(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.register("foo")
	c.send("PRIVMSG bar :hey")
	checkParams(t, c.expect(irc.ERR_NOSUCHNICK), "foo", "bar", "*any*")
}

func TestIrctestPrivmsgNonexistentChannel(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.register("foo")
	c.send("PRIVMSG #nonexistent :hey")
	m := c.next()
	if m.Command != irc.ERR_NOSUCHNICK && m.Command != irc.ERR_NOSUCHCHANNEL && m.Command != irc.ERR_CANNOTSENDTOCHAN {
		t.Fatalf("got %v", m)
	}
	checkParams(t, m, "foo", "#nonexistent", "*any*")
}

func TestIrctestNoticeNonexistentChannel(t *testing.T) {
	// "automatic replies MUST NEVER be sent in response to a NOTICE message"
	e := newEnv(t, Config{})
	c := e.pipe()
	c.register("foo")
	c.send("NOTICE #nonexistent :hello there")
	if msgs := c.sync(); len(msgs) != 0 {
		t.Fatalf("reply to NOTICE: %v", msgs)
	}
}

func TestIrctestEmptyPrivmsg(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e)
	c.send("PRIVMSG bob :")
	checkParams(t, c.next(), "alice", "*any*")
}

// echo_message.py

func TestIrctestEchoMessage(t *testing.T) {
	for _, cmd := range []string{"PRIVMSG", "NOTICE"} {
		e := newEnv(t, Config{})
		c, _, h := loggedIn(t, e, "echo-message", "server-time")
		c.send("%s &msn :hello everyone", cmd)
		m := c.expect(cmd)
		checkParams(t, m, "&msn", "hello everyone")
		if m.Prefix.Name != "alice" || m.Tags["time"] == "" {
			t.Fatalf("echo %v", m)
		}
		h.expectCall(t, "Message")
	}
}

// whois.py

func TestIrctestWhoisUser(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e)
	c.send("WHOIS bob")
	seen := map[string]bool{}
	for {
		m := c.next()
		seen[m.Command] = true
		if m.Command == irc.RPL_WHOISUSER {
			checkParams(t, m, "alice", "bob", "bob", "hotmail.com", "*", "Bob B")
		}
		if m.Command == irc.RPL_WHOISSERVER {
			checkParams(t, m, "alice", "bob", "irc.test", "*any*")
		}
		if m.Command == irc.RPL_ENDOFWHOIS {
			checkParams(t, m, "alice", "bob", "*any*")
			break
		}
		if m.Param(1) != "bob" {
			t.Fatalf("WHOIS line about someone else: %v", m)
		}
	}
	if !seen[irc.RPL_WHOISUSER] || !seen[irc.RPL_WHOISSERVER] {
		t.Fatalf("missing lines: %v", seen)
	}
}

// away.py

func TestIrctestAway(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e)
	c.send("AWAY :I'm not here right now")
	c.expectParams(irc.RPL_NOWAWAY, "alice", "*any*")
	c.send("AWAY")
	c.expectParams(irc.RPL_UNAWAY, "alice", "*any*")
	// PRIVMSG to an away user gets RPL_AWAY with their message.
	w.SetUser(User{Nick: "bar", Online: true, Away: "I'm not here right now"})
	c.send("PRIVMSG bar :what's up")
	c.expectParams(irc.RPL_AWAY, "alice", "bar", "I'm not here right now")
}

func TestIrctestAwayNotify(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e, "away-notify")
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Online: true, Away: "using the away-notify cap"})
	m := c.expect("AWAY")
	if m.Prefix.Name != "bob" || m.Param(0) != "using the away-notify cap" {
		t.Fatalf("away %v", m)
	}
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Online: true})
	if m := c.expect("AWAY"); len(m.Params) != 0 {
		t.Fatalf("back %v", m)
	}
}

// monitor.py

func TestIrctestMonitorOneDisconnected(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.register("foo")
	c.send("MONITOR + bar")
	m := c.next()
	if m.Command != irc.RPL_MONOFFLINE {
		t.Fatalf("got %v", m)
	}
	checkParams(t, m, "foo", "bar")
	// bar comes online
	e.backend.guest.SetUser(User{Nick: "bar", Online: true})
	m = c.next()
	if m.Command != irc.RPL_MONONLINE || !strings.HasPrefix(m.Param(1), "bar!") {
		t.Fatalf("got %v", m)
	}
}

func TestIrctestMonitorOneConnection(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.register("foo")
	e.backend.guest.SetUser(User{Nick: "bar", Online: true})
	c.send("MONITOR + bar")
	m := c.next()
	if m.Command != irc.RPL_MONONLINE || m.Param(0) != "foo" || !strings.HasPrefix(m.Param(1), "bar!") {
		t.Fatalf("got %v", m)
	}
}

func TestIrctestMonitorList(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.register("foo")
	c.send("MONITOR L")
	checkParams(t, c.next(), "foo", "*any*") // 733 only
	c.send("MONITOR + qux")
	c.next()
	c.send("MONITOR + bar")
	c.next()
	c.send("MONITOR L")
	var got []string
	for {
		m := c.next()
		if m.Command == irc.RPL_ENDOFMONLIST {
			break
		}
		if m.Command != irc.RPL_MONLIST {
			t.Fatalf("got %v", m)
		}
		got = append(got, strings.Split(m.Param(1), ",")...)
	}
	if strings.Join(got, ",") != "bar,qux" {
		t.Fatalf("list %v", got)
	}
	c.send("MONITOR - bar")
	c.send("MONITOR L")
	checkParams(t, c.expect(irc.RPL_MONLIST), "foo", "qux")
}

func TestIrctestMonitorTwoRemove(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.register("foo")
	c.send("MONITOR + bar,baz")
	c.expect(irc.RPL_MONOFFLINE)
	c.send("MONITOR - bar")
	c.sync() // the server took the removal before the users come online
	e.backend.guest.SetUser(User{Nick: "bar", Online: true})
	e.backend.guest.SetUser(User{Nick: "baz", Online: true})
	m := c.expect(irc.RPL_MONONLINE)
	if !strings.HasPrefix(m.Param(1), "baz!") {
		t.Fatalf("notified about a removed nick: %v", m)
	}
}

// labeled_responses.py

func TestIrctestLabeledPrivmsgResponsesToClient(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e, "echo-message", "batch", "labeled-response")
	c.send("@label=12345 PRIVMSG bob :hi")
	m := c.next()
	if m.Command != "PRIVMSG" || m.Tags["label"] != "12345" {
		t.Fatalf("got %v", m)
	}
}

func TestIrctestLabeledPrivmsgResponsesToSelf(t *testing.T) {
	for _, cmd := range []string{"PRIVMSG", "NOTICE"} {
		e := newEnv(t, Config{})
		c, _, _ := loggedIn(t, e, "echo-message", "batch", "labeled-response")
		c.send("@label=12345 %s alice :hi", cmd)
		labels := 0
		for _, m := range []*irc.Message{c.next(), c.next()} {
			if m.Command != cmd {
				t.Fatalf("got %v", m)
			}
			if l, ok := m.Tags["label"]; ok {
				labels++
				if l != "12345" {
					t.Fatalf("label %q", l)
				}
			}
		}
		if labels != 1 {
			t.Fatalf("%d labeled lines, want 1", labels)
		}
	}
}

func TestIrctestLabeledTagMsgResponsesToClient(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e, "echo-message", "batch", "labeled-response", "message-tags")
	c.send("@label=12345;+draft/reply=123;+draft/react=l😃l TAGMSG bob")
	m := c.next()
	if m.Command != "TAGMSG" || m.Tags["label"] != "12345" || m.Tags["+draft/reply"] != "123" || m.Tags["+draft/react"] != "l😃l" {
		t.Fatalf("got %v", m)
	}
	cl := h.expectCall(t, "Message")
	if _, ok := cl.msg.Tags["label"]; ok || cl.msg.Tags["+draft/react"] != "l😃l" {
		t.Fatalf("handler tags %v", cl.msg.Tags)
	}
}

func TestIrctestBatchedJoinMessages(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e, "batch", "labeled-response", "message-tags", "server-time")
	c.send("@label=12345 JOIN #xyz")
	msgs := c.sync()
	if len(msgs) < 3 {
		t.Fatalf("got %v", msgs)
	}
	start := msgs[0]
	if start.Command != "BATCH" || start.Param(1) != "labeled-response" || !strings.HasPrefix(start.Param(0), "+") || start.Tags["label"] != "12345" {
		t.Fatalf("batch start %v", start)
	}
	id := start.Param(0)[1:]
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			t.Fatalf("batch id %q", id)
		}
	}
	end := msgs[len(msgs)-1]
	checkParams(t, end, "-"+id)
	for _, m := range msgs[1 : len(msgs)-1] {
		if m.Tags["batch"] != id {
			t.Fatalf("line outside the batch: %v", m)
		}
	}
}

func TestIrctestNoBatchForSingleMessage(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e, "batch", "labeled-response")
	c.send("@label=98765 PING adhoctestline")
	m := c.next()
	if m.Command != "PONG" || m.Tags["label"] != "98765" {
		t.Fatalf("got %v", m)
	}
	checkParams(t, m, "*any*", "adhoctestline")
}

func TestIrctestEmptyBatchForNoResponse(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e, "batch", "labeled-response")
	c.send("@label=98765 PONG adhoctestline")
	m := c.next()
	if m.Command != "ACK" || m.Tags["label"] != "98765" {
		t.Fatalf("got %v", m)
	}
}

// setname.py

func TestIrctestSetnameMessage(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.registerCaps("foo", "setname")
	c.send("SETNAME bar")
	m := c.next()
	if m.Command != "SETNAME" || m.Prefix.Name != "foo" {
		t.Fatalf("got %v", m)
	}
	checkParams(t, m, "bar")
	c.send("WHOIS foo")
	checkParams(t, c.expect(irc.RPL_WHOISUSER), "foo", "foo", "*any*", "*any*", "*", "bar")
}

func TestIrctestSetnameChannel(t *testing.T) {
	// Users sharing a channel see a SETNAME when they have the cap.
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e, "setname")
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Online: true, Realname: "Bob the builder"})
	m := c.expect("SETNAME")
	if m.Prefix.Name != "bob" {
		t.Fatalf("got %v", m)
	}
	checkParams(t, m, "Bob the builder")
}

// isupport.py

func TestIrctestIsupportPrefix(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	burst := c.register("foo")
	var prefix, chantypes string
	for _, m := range find(burst, irc.RPL_ISUPPORT) {
		for _, tok := range m.Params[1 : len(m.Params)-1] {
			if v, ok := strings.CutPrefix(tok, "PREFIX="); ok {
				prefix = v
			}
			if v, ok := strings.CutPrefix(tok, "CHANTYPES="); ok {
				chantypes = v
			}
		}
	}
	// "(modes)prefixes", same length on both sides.
	modes, prefixes, ok := strings.Cut(strings.TrimPrefix(prefix, "("), ")")
	if !strings.HasPrefix(prefix, "(") || !ok || len(modes) != len(prefixes) {
		t.Fatalf("PREFIX=%q", prefix)
	}
	if chantypes == "" {
		t.Fatal("no CHANTYPES")
	}
}

// message_tags.py

func TestIrctestMessageTagsArbitraryClientTags(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e, "message-tags", "echo-message")
	other := e.dial()
	other.loginSASL("x", "alice@example.com", "secret", "message-tags")
	plain := e.dial()
	plain.loginSASL("y", "alice@example.com", "secret")
	c.send("@+baz=bat;fizz=buzz PRIVMSG bob :hi")
	echo := c.expect("PRIVMSG")
	if echo.Tags["+baz"] != "bat" {
		t.Fatalf("echo %v", echo)
	}
	if _, ok := echo.Tags["fizz"]; ok {
		t.Fatalf("server tag from a client relayed: %v", echo)
	}
	if m := other.expect("PRIVMSG"); m.Tags["+baz"] != "bat" {
		t.Fatalf("copy with message-tags %v", m)
	}
	if m := plain.expect("PRIVMSG"); len(m.Tags) != 0 {
		t.Fatalf("copy without message-tags %v", m)
	}
	if cl := h.expectCall(t, "Message"); cl.msg.Tags["+baz"] != "bat" || len(cl.msg.Tags) != 1 {
		t.Fatalf("handler tags %v", cl.msg.Tags)
	}
}

func TestIrctestMessageTagsLengthLimits(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e, "message-tags", "echo-message")
	// 4094 bytes of tag data is allowed.
	value := strings.Repeat("a", 4094-len("+baz="))
	c.send("@+baz=%s PRIVMSG bob :hi", value)
	if m := c.expect("PRIVMSG"); m.Tags["+baz"] != value {
		t.Fatal("long tag not relayed")
	}
	h.expectCall(t, "Message")
	c.send("@+baz=%sb PRIVMSG bob :hi", strings.Repeat("a", 4096))
	c.expect(errInputTooLong)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// lusers.py

// lusersResult is what irctest's getLusers reads from a LUSERS reply.
type lusersResult struct {
	visible, invisible, unregistered int
	localTotal, localMax             int
	globalTotal, globalMax           int
}

// getLusers sends LUSERS and reads the reply as irctest does: each
// numeric once, the client's nick first, 255 agreeing with 265.
func getLusers(t *testing.T, c *testClient) lusersResult {
	t.Helper()
	c.send("LUSERS")
	msgs := c.sync()
	by := map[string]*irc.Message{}
	for _, m := range msgs {
		if _, dup := by[m.Command]; dup {
			t.Fatalf("duplicated numeric %s in %v", m.Command, msgs)
		}
		by[m.Command] = m
		if m.Param(0) != c.nick {
			t.Fatalf("%v: first parameter is not the nick %q", m, c.nick)
		}
	}
	num := func(s string) int {
		t.Helper()
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("not a number: %q", s)
		}
		return n
	}
	var r lusersResult
	lc := by[irc.RPL_LUSERCLIENT]
	if lc == nil || len(lc.Params) != 2 {
		t.Fatalf("bad 251: %v", lc)
	}
	if _, err := fmt.Sscanf(lc.Params[1], "There are %d users and %d invisible on 1 servers", &r.visible, &r.invisible); err != nil {
		t.Fatalf("corrupt 251 %q: %v", lc.Params[1], err)
	}
	if m := by[irc.RPL_LUSERUNKNOWN]; m != nil {
		r.unregistered = num(m.Param(1))
	}
	me := by[irc.RPL_LUSERME]
	var meTotal, servers int
	if me == nil || len(me.Params) != 2 {
		t.Fatalf("bad 255: %v", me)
	}
	if _, err := fmt.Sscanf(me.Params[1], "I have %d clients and %d servers", &meTotal, &servers); err != nil {
		t.Fatalf("corrupt 255 %q: %v", me.Params[1], err)
	}
	local, global := by[rplLocalUsers], by[rplGlobalUsers]
	if local == nil || global == nil || len(local.Params) != 4 || len(global.Params) != 4 {
		t.Fatalf("bad 265/266: %v %v", local, global)
	}
	r.localTotal, r.localMax = num(local.Params[1]), num(local.Params[2])
	r.globalTotal, r.globalMax = num(global.Params[1]), num(global.Params[2])
	if r.localTotal != meTotal {
		t.Fatalf("265 says %d local users, 255 says %d clients", r.localTotal, meTotal)
	}
	return r
}

// connectClient registers nick as the only client of its own account,
// as irctest's connectClient gives each client a user of its own.
func connectClient(t *testing.T, e *testEnv, nick string) *testClient {
	t.Helper()
	account := nick + "@example.com"
	e.backend.mu.Lock()
	e.backend.passwords[account] = "pw"
	e.backend.mu.Unlock()
	c := e.dial()
	c.send("PASS %s:pw", account)
	c.register(nick)
	return c
}

func assertLusers(t *testing.T, r lusersResult, unregistered, total, max int) {
	t.Helper()
	if r.unregistered != unregistered || r.globalTotal != total || r.globalMax != max ||
		r.visible+r.invisible != total || r.localTotal != total || r.localMax != max {
		t.Fatalf("LUSERS %+v, want %d unregistered, %d users, max %d", r, unregistered, total, max)
	}
}

func TestIrctestBasicLusers(t *testing.T) {
	e := newEnv(t, Config{})
	bar := connectClient(t, e, "bar")
	assertLusers(t, getLusers(t, bar), 0, 1, 1)
	qux := connectClient(t, e, "qux")
	assertLusers(t, getLusers(t, qux), 0, 2, 2)
	qux.send("QUIT")
	qux.expectClosed()
	assertLusers(t, getLusers(t, bar), 0, 1, 2)
}

func TestIrctestLusersUnregistered(t *testing.T) {
	e := newEnv(t, Config{})
	bar := connectClient(t, e, "bar")
	assertLusers(t, getLusers(t, bar), 0, 1, 1)
	qux := connectClient(t, e, "qux")
	assertLusers(t, getLusers(t, qux), 0, 2, 2)

	bat := e.dial()
	bat.send("NICK bat")
	bat.sync() // PING works before registration
	assertLusers(t, getLusers(t, bar), 1, 2, 2)
	baz := e.dial()
	baz.sync()
	assertLusers(t, getLusers(t, bar), 2, 2, 2)

	e.backend.mu.Lock()
	e.backend.passwords["bat@example.com"] = "pw"
	e.backend.mu.Unlock()
	bat.send("PASS bat@example.com:pw")
	bat.send("USER u s e r")
	bat.expect(irc.RPL_WELCOME)
	bat.nick = "bat"
	bat.sync()
	assertLusers(t, getLusers(t, bar), 1, 3, 3)

	baz.send("QUIT")
	baz.expectClosed()
	assertLusers(t, getLusers(t, bar), 0, 3, 3)
	bat.send("QUIT")
	bat.expectClosed()
	assertLusers(t, getLusers(t, bar), 0, 2, 3)
}

// The welcome's LUSERS agrees with the command's.
func TestIrctestLusersInWelcome(t *testing.T) {
	e := newEnv(t, Config{})
	connectClient(t, e, "other")
	c := e.dial()
	c.send("PASS me@example.com:pw")
	e.backend.mu.Lock()
	e.backend.passwords["me@example.com"] = "pw"
	e.backend.mu.Unlock()
	burst := c.register("me")
	if len(find(burst, irc.RPL_LUSERME)) != 1 || len(find(burst, rplLocalUsers)) != 1 {
		t.Fatalf("welcome without LUSERS: %v", commandsOf(burst))
	}
	for _, m := range burst {
		switch m.Command {
		case irc.RPL_LUSERME:
			checkParams(t, m, "me", "I have 2 clients and 0 servers")
		case rplLocalUsers:
			checkParams(t, m, "me", "2", "2", "Current local users 2, max 2")
		}
	}
}

// list.py, over the user's own channels.

func TestIrctestListEmpty(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial()
	c.register("foo")
	c.send("LIST")
	got := c.sync()
	if len(got) == 0 || got[len(got)-1].Command != irc.RPL_LISTEND || len(find(got, irc.RPL_LIST)) != 0 {
		t.Fatalf("LIST with no channel: %v", got)
	}
}

func TestIrctestListOne(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial()
	c.register("foo")
	c.send("JOIN #chan")
	c.expect("JOIN")
	c.sync()
	c.send("LIST")
	got := c.sync()
	lists := find(got, irc.RPL_LIST)
	if len(lists) != 1 || got[len(got)-1].Command != irc.RPL_LISTEND {
		t.Fatalf("LIST: %v", got)
	}
	checkParams(t, lists[0], "foo", "#chan", "1", "")
}

// listed sends LIST arg and returns the channels of its 322s.
func listed(t *testing.T, c *testClient, arg string) string {
	t.Helper()
	c.send("LIST %s", arg)
	var names []string
	for _, m := range c.sync() {
		if m.Command == irc.RPL_LIST {
			names = append(names, m.Param(1))
		}
	}
	return strings.Join(names, " ")
}

func TestIrctestListElist(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e) // &msn: alice, msn, bob, carol
	w.OpenChannel("#chat-1", "with bob", true, []Member{{Nick: "bob"}})
	w.OpenChannel("#other", "", true, nil)
	c.sync()
	var elist string
	c.send("VERSION")
	for _, m := range find(c.sync(), irc.RPL_ISUPPORT) {
		for _, tok := range m.Params {
			if v, ok := strings.CutPrefix(tok, "ELIST="); ok {
				elist = v
			}
		}
	}
	if elist != "MNU" {
		t.Fatalf("ELIST=%q", elist)
	}
	for arg, want := range map[string]string{
		"":              "#chat-1 #other &msn",
		"#chat-1,&MSN":  "#chat-1 &msn",
		"#c*":           "#chat-1",
		"!#c*":          "#other &msn",
		">1":            "#chat-1 &msn",
		"<2":            "#other",
		">1,<3":         "#chat-1",
		"*,!&*,!#o?her": "#chat-1",
	} {
		if got := listed(t, c, arg); got != want {
			t.Errorf("LIST %s: %q, want %q", arg, got, want)
		}
	}
}

// who.py: WHOX.

func TestIrctestWhox(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e)
	c.send("VERSION")
	whox := false
	for _, m := range find(c.sync(), irc.RPL_ISUPPORT) {
		for _, tok := range m.Params {
			whox = whox || tok == "WHOX"
		}
	}
	if !whox {
		t.Fatal("WHOX not advertised")
	}
	c.send("%s", "WHO bob %tcuihsnfdlaor,123")
	c.expectParams("354", "alice", "123", "*", "bob", "255.255.255.255", "hotmail.com", "irc.test", "bob", "H", "0", "0", "bob@hotmail.com", "n/a", "Bob B")
	c.expectParams(irc.RPL_ENDOFWHO, "alice", "bob", "*any*")

	// Fields come in the fixed order, whatever order they are asked in.
	c.send("%s", "WHO &msn %afnt,7")
	got := c.sync()
	var lines []string
	for _, m := range got {
		if m.Command == "354" {
			lines = append(lines, strings.Join(m.Params[1:], " "))
		}
	}
	if want := "7 alice H@ alice@example.com|7 msn H@B 0|7 bob H+ bob@hotmail.com|7 carol G+ 0"; strings.Join(lines, "|") != want {
		t.Fatalf("WHO &msn %%afnt,7: %q", lines)
	}
	if m := got[len(got)-1]; m.Command != irc.RPL_ENDOFWHO || m.Param(1) != "&msn" {
		t.Fatalf("no 315 at the end: %v", got)
	}

	// Without a token (or with a bad one), t is 0; %n alone is one field.
	c.send("%s", "WHO alice %tn,toolong")
	c.expectParams("354", "alice", "0", "alice")
	c.send("%s", "WHO alice %n")
	c.expectParams("354", "alice", "alice")
}
