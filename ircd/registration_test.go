package ircd

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

func TestRegistrationWithoutCredentials(t *testing.T) {
	e := newEnv(t, Config{Network: "Test Net", MOTD: []string{"hello", "world"}})
	c := e.dial()
	c.send("NICK alice")
	c.send("USER alice 0 * :Alice A")
	welcome := c.expect(irc.RPL_WELCOME)
	if welcome.Prefix.Name != "irc.test" || welcome.Param(0) != "alice" {
		t.Fatalf("001 = %v", welcome)
	}
	burst := c.sync()
	want := []string{irc.RPL_YOURHOST, irc.RPL_CREATED, irc.RPL_MYINFO, irc.RPL_ISUPPORT}
	got := commandsOf(burst)
	for i, w := range want {
		if got[i] != w {
			t.Fatalf("burst order %v, want prefix %v", got, want)
		}
	}
	motd := find(burst, irc.RPL_MOTD)
	if len(motd) != 2 || !strings.Contains(motd[0].Trailing(), "hello") {
		t.Fatalf("MOTD lines %v", motd)
	}
	if len(find(burst, irc.RPL_MOTDSTART)) != 1 || len(find(burst, irc.RPL_ENDOFMOTD)) != 1 {
		t.Fatalf("MOTD start/end missing: %v", got)
	}
	if len(find(burst, irc.RPL_LUSERCLIENT)) != 1 {
		t.Fatalf("no LUSERS in burst: %v", got)
	}
	for _, m := range burst {
		if m.Prefix.Name != "irc.test" {
			t.Fatalf("numeric without server source: %v", m)
		}
		if len(m.Params) == 0 || m.Params[0] != "alice" {
			t.Fatalf("numeric without the nick first: %v", m)
		}
	}
	h := e.backend.guestH
	h.expectCall(t, "Attached")
	if e.backend.guest.Nick() != "alice" {
		t.Fatalf("world nick %q", e.backend.guest.Nick())
	}
}

func TestISupport(t *testing.T) {
	e := newEnv(t, Config{Network: "Test Net"})
	c := e.dial()
	burst := c.register("alice")
	tokens := map[string]string{}
	for _, m := range find(burst, irc.RPL_ISUPPORT) {
		if n := len(m.Params) - 2; n < 1 || n > 13 {
			t.Fatalf("005 with %d tokens: %v", n, m)
		}
		if m.Trailing() != "are supported by this server" {
			t.Fatalf("005 trailing %q", m.Trailing())
		}
		for _, tok := range m.Params[1 : len(m.Params)-1] {
			k, v, _ := strings.Cut(tok, "=")
			tokens[k] = v
		}
	}
	for k, v := range map[string]string{
		"CASEMAPPING": "ascii", "CHANTYPES": "&#", "NETWORK": `Test\x20Net`, "NICKLEN": "32",
		"PREFIX": "(ov)@+", "MONITOR": "1000", "BOT": "B", "UTF8ONLY": "", "CHANLIMIT": "#&:100",
	} {
		got, ok := tokens[k]
		if !ok || got != v {
			t.Errorf("ISUPPORT %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	for _, k := range []string{"CHANNELLEN", "TARGMAX", "AWAYLEN", "CHANMODES"} {
		if _, ok := tokens[k]; !ok {
			t.Errorf("ISUPPORT lacks %s", k)
		}
	}
}

func TestRegistrationCAP302(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS 302")
	c.send("NICK bob")
	c.send("USER bob 0 * :Bob")
	var caps []string
	for {
		m := c.expect("CAP")
		if m.Param(0) != "*" || m.Param(1) != "LS" {
			t.Fatalf("CAP LS reply %v", m)
		}
		caps = append(caps, strings.Fields(m.Trailing())...)
		if m.Param(2) != "*" {
			break
		}
	}
	if !containsStr(caps, "sasl=PLAIN") || !containsStr(caps, "message-tags") || !containsStr(caps, "standard-replies") {
		t.Fatalf("caps %v", caps)
	}
	// Registration waits for CAP END.
	msgs := c.sync()
	if len(find(msgs, irc.RPL_WELCOME)) != 0 {
		t.Fatal("welcome before CAP END")
	}
	c.send("CAP REQ :server-time message-tags")
	checkParams(c.t, c.expectCap("ACK"), "*any*", "ACK", "server-time message-tags")
	c.send("CAP LIST")
	checkParams(c.t, c.expectCap("LIST"), "*any*", "LIST", "*any*")
	c.send("CAP END")
	c.expectParams(irc.RPL_WELCOME, "bob", "*any*")
}

func TestCapLSWithoutVersionHasNoValues(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS")
	m := c.expect("CAP")
	if len(m.Params) != 3 {
		t.Fatalf("CAP LS (3.1) is not one line: %v", m)
	}
	if strings.Contains(m.Trailing(), "=") {
		t.Fatalf("CAP LS (3.1) with values: %v", m)
	}
}

func TestCapReqIsAtomic(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS 302")
	c.send("CAP REQ :server-time foo-bar")
	checkParams(c.t, c.expectCap("NAK"), "*any*", "NAK", "server-time foo-bar")
	c.send("CAP LIST")
	m := c.expectCap("LIST")
	if strings.Contains(m.Trailing(), "server-time") {
		t.Fatalf("NAKed cap enabled: %v", m)
	}
	c.send("CAP REQ :-server-time")
	checkParams(c.t, c.expectCap("ACK"), "*any*", "ACK", "-server-time")
	c.send("CAP FOO")
	c.expectParams(irc.ERR_INVALIDCAPCMD, "*", "FOO", "*any*")
}

func TestSASLPlain(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS 302")
	c.send("CAP REQ sasl")
	checkParams(c.t, c.expectCap("ACK"), "*any*", "ACK", "sasl")
	c.send("NICK al")
	c.send("USER al 0 * :Al")
	c.send("AUTHENTICATE PLAIN")
	c.expectParams("AUTHENTICATE", "+")
	c.send("AUTHENTICATE %s", plainPayload("alice@example.com", "secret"))
	m := c.expect(irc.RPL_LOGGEDIN)
	checkParams(t, m, "al", "*any*", "alice@example.com", "*any*")
	c.expectParams(irc.RPL_SASLSUCCESS, "al", "*any*")
	c.send("AUTHENTICATE PLAIN")
	c.expect(irc.ERR_SASLALREADY)
	c.send("CAP END")
	c.expectParams(irc.RPL_WELCOME, "al", "*any*")
	w, h := e.backend.world("alice@example.com")
	cl := h.expectCall(t, "Attached")
	if cl.client.Account() != "alice@example.com" || w.ClientCount() != 1 {
		t.Fatalf("attached %q, %d clients", cl.client.Account(), w.ClientCount())
	}
}

func TestSASLChunked(t *testing.T) {
	for _, pwLen := range []int{283, 600} {
		e := newEnv(t, Config{})
		password := strings.Repeat("p", pwLen)
		e.backend.passwords["alice@example.com"] = password
		payload := plainPayload("alice@example.com", password)
		c := e.pipe()
		c.send("CAP LS 302")
		c.send("CAP REQ sasl")
		c.send("AUTHENTICATE PLAIN")
		c.expectParams("AUTHENTICATE", "+")
		for len(payload) >= 400 {
			c.send("AUTHENTICATE %s", payload[:400])
			payload = payload[400:]
		}
		if payload == "" {
			c.send("AUTHENTICATE +")
		} else {
			c.send("AUTHENTICATE %s", payload)
		}
		c.expect(irc.RPL_LOGGEDIN)
		c.expect(irc.RPL_SASLSUCCESS)
		e.backend.mu.Lock()
		last := e.backend.authCalls[len(e.backend.authCalls)-1]
		e.backend.mu.Unlock()
		if !last.SASL || last.Password != password {
			t.Fatalf("backend got %+v", last)
		}
	}
}

func TestSASLExactly400(t *testing.T) {
	e := newEnv(t, Config{})
	// 3 bytes of base64 per 4 chars: 300 raw bytes make exactly 400 chars.
	password := strings.Repeat("x", 300-len("\x00alice@example.com\x00"))
	e.backend.passwords["alice@example.com"] = password
	payload := plainPayload("alice@example.com", password)
	if len(payload) != 400 {
		t.Fatalf("bad test: payload %d", len(payload))
	}
	c := e.pipe()
	c.send("CAP REQ sasl")
	c.send("AUTHENTICATE PLAIN")
	c.expectParams("AUTHENTICATE", "+")
	c.send("AUTHENTICATE %s", payload)
	if msgs := c.sync(); len(find(msgs, irc.RPL_LOGGEDIN)) != 0 || len(find(msgs, irc.ERR_SASLFAIL)) != 0 {
		t.Fatalf("server answered before AUTHENTICATE +: %v", msgs)
	}
	c.send("AUTHENTICATE +")
	c.expect(irc.RPL_LOGGEDIN)
	c.expect(irc.RPL_SASLSUCCESS)
}

func TestSASLFailures(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	// Without the cap.
	c.send("AUTHENTICATE PLAIN")
	c.expect(irc.ERR_SASLFAIL)
	c.send("CAP REQ sasl")
	c.expect("CAP")
	// Unknown mechanism.
	c.send("AUTHENTICATE EXTERNAL")
	c.expectParams(irc.RPL_SASLMECHS, "*", "PLAIN", "*any*")
	c.expect(irc.ERR_SASLFAIL)
	// Abort.
	c.send("AUTHENTICATE PLAIN")
	c.expect("AUTHENTICATE")
	c.send("AUTHENTICATE *")
	c.expect(irc.ERR_SASLABORTED)
	// Too long chunk.
	c.send("AUTHENTICATE PLAIN")
	c.expect("AUTHENTICATE")
	c.send("AUTHENTICATE %s", strings.Repeat("A", 401))
	c.expect(irc.ERR_SASLTOOLONG)
	// Wrong password: 904 with the backend's text, then a retry works.
	c.send("AUTHENTICATE PLAIN")
	c.expect("AUTHENTICATE")
	c.send("AUTHENTICATE %s", plainPayload("alice@example.com", "wrong"))
	m := c.expect(irc.ERR_SASLFAIL)
	if !strings.Contains(m.Trailing(), "wrong address or password") {
		t.Fatalf("904 text %q", m.Trailing())
	}
	// Garbage base64.
	c.send("AUTHENTICATE PLAIN")
	c.expect("AUTHENTICATE")
	c.send("AUTHENTICATE !!!!")
	c.expect(irc.ERR_SASLFAIL)
	// The client may continue without SASL.
	c.send("NICK carol")
	c.send("USER carol 0 * :Carol")
	c.send("CAP END")
	c.expectParams(irc.RPL_WELCOME, "carol", "*any*")
	e.backend.guestH.expectCall(t, "Attached")
}

// A SASL login refused for now (not a wrong password) is answered 904, and
// a client that goes on to register without logging in is let go with
// the reason rather than kept as a guest: a bouncer that goes on after a
// failed SASL (soju does) reconnects later instead of staying a guest.
func TestSASLRefusedForNowEndsRegistration(t *testing.T) {
	e := refusingEnv(t)
	c := e.dial()
	c.send("CAP REQ sasl")
	c.send("NICK dave")
	c.send("USER dave 0 * :Dave")
	c.send("AUTHENTICATE PLAIN")
	c.expect("AUTHENTICATE")
	c.send("AUTHENTICATE %s", plainPayload("alice@example.com", "secret"))
	if m := c.expect(irc.ERR_SASLFAIL); !strings.Contains(m.Trailing(), "did not answer in time") {
		t.Fatalf("904 text %q", m.Trailing())
	}
	c.send("CAP END")
	expectRefusedForNow(t, c.expectClosed())
}

func TestSASLAbortedByCapEnd(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP REQ sasl")
	c.send("NICK dave")
	c.send("USER dave 0 * :Dave")
	c.send("AUTHENTICATE PLAIN")
	c.expect("AUTHENTICATE")
	c.send("CAP END")
	c.expect(irc.ERR_SASLABORTED)
	c.expect(irc.RPL_WELCOME)
}

func TestPassLogin(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial()
	c.send("PASS alice@example.com:secret")
	c.send("NICK ali")
	c.send("USER ali 0 * :Ali")
	c.expectParams(irc.RPL_WELCOME, "ali", "*any*")
	_, h := e.backend.world("alice@example.com")
	if cl := h.expectCall(t, "Attached"); cl.client.Account() != "alice@example.com" {
		t.Fatalf("account %q", cl.client.Account())
	}
}

func TestPassWaitsForCapEnd(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS 302")
	c.send("PASS alice@example.com:secret")
	c.send("NICK ali")
	c.send("USER ali 0 * :Ali")
	c.sync()
	e.backend.mu.Lock()
	n := len(e.backend.authCalls)
	e.backend.mu.Unlock()
	if n != 0 {
		t.Fatal("PASS checked before CAP END")
	}
	c.send("CAP END")
	c.expect(irc.RPL_WELCOME)
}

func TestPassWrong(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial()
	c.send("PASS alice@example.com:nope")
	c.send("NICK ali")
	c.send("USER ali 0 * :Ali")
	m := c.expect(irc.ERR_PASSWDMISMATCH)
	if !strings.Contains(m.Trailing(), "wrong address or password") {
		t.Fatalf("464 %v", m)
	}
	rest := c.expectClosed()
	if len(find(rest, "ERROR")) != 1 || len(find(rest, irc.RPL_WELCOME)) != 0 {
		t.Fatalf("after 464: %v", rest)
	}
}

// A login refused for now (a limit, an MSN server out of reach) is no
// verdict on the password: it gets ERROR alone, never 464, which bouncers
// take as a wrong password and stop reconnecting on (soju does). SASL
// answers both with 904.
func TestPassRefusedForNow(t *testing.T) {
	c := refusingEnv(t).dial()
	c.send("PASS alice@example.com:secret")
	c.send("NICK ali")
	c.send("USER ali 0 * :Ali")
	expectRefusedForNow(t, c.expectClosed())
}

// refusingEnv is an env whose backend refuses every login for now: the
// MSN server did not answer.
func refusingEnv(t *testing.T) *testEnv {
	e := newEnv(t, Config{})
	e.backend.mu.Lock()
	e.backend.refuse = errors.New("MSN login failed: the server did not answer in time")
	e.backend.mu.Unlock()
	return e
}

// expectRefusedForNow checks the last lines of a connection refusingEnv
// refused: ERROR with the reason, and neither 464 nor a welcome.
func expectRefusedForNow(t *testing.T, rest []*irc.Message) {
	t.Helper()
	errs := find(rest, "ERROR")
	if len(errs) != 1 || !strings.Contains(errs[0].Trailing(), "Login refused for now: MSN login failed: the server did not answer in time") ||
		len(find(rest, irc.ERR_PASSWDMISMATCH)) != 0 || len(find(rest, irc.RPL_WELCOME)) != 0 {
		t.Fatalf("after a login refused for now: %v", rest)
	}
}

func TestPassPasswordWithUserAddress(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("PASS secret")
	c.send("NICK ali")
	c.send("USER alice@example.com 0 * :Ali")
	c.expect(irc.RPL_WELCOME)
	c.sync()
	c.send("WHOIS ali")
	// The ident is the part of the address before '@'.
	c.expectParams(irc.RPL_WHOISUSER, "ali", "ali", "alice", "*any*", "*", "Ali")
}

func TestRegistrationErrors(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("PRIVMSG x :hi")
	c.expectParams(irc.ERR_NOTREGISTERED, "*", "*any*")
	c.send("NICK")
	c.expect(irc.ERR_NONICKNAMEGIVEN)
	c.send("NICK 1abc")
	c.expectParams(irc.ERR_ERRONEUSNICKNAME, "*", "1abc", "*any*")
	c.send("USER x")
	c.expect(irc.ERR_NEEDMOREPARAMS)
	c.send("NICK ok")
	c.send("USER ok 0 * :")
	c.expectParams(irc.ERR_NEEDMOREPARAMS, "ok", "USER", "*any*")
	c.send("USER ok 0 * :Real")
	c.expect(irc.RPL_WELCOME)
	c.sync()
	c.send("USER ok 0 * :x")
	c.expectParams(irc.ERR_ALREADYREGISTERED, "ok", "*any*")
	c.send("PASS x")
	c.expect(irc.ERR_ALREADYREGISTERED)
	c.send("FOOBAR")
	c.expectParams(irc.ERR_UNKNOWNCOMMAND, "ok", "FOOBAR", "*any*")
}

func TestRegistrationTimeout(t *testing.T) {
	e := newEnv(t, Config{RegistrationTimeout: 100 * time.Millisecond})
	c := e.dial()
	c.send("NICK slow")
	msgs := c.expectClosed()
	errs := find(msgs, "ERROR")
	if len(errs) != 1 || errs[0].Trailing() != "Connection registration timed out" {
		t.Fatalf("got %v", msgs)
	}
}

func TestIdlePingAnswered(t *testing.T) {
	// A long timeout: the PONG always arrives in time, even on a busy machine.
	e := newEnv(t, Config{PingInterval: 100 * time.Millisecond, PingTimeout: 10 * time.Second})
	c := e.dial()
	c.register("idle")
	ping := c.expectParams("PING", "irc.test")
	c.send("PONG :%s", ping.Param(0))
	c.expect("PING") // pinged again after another idle period: still connected
}

func TestPingTimeout(t *testing.T) {
	e := newEnv(t, Config{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond})
	c := e.dial()
	c.register("idle")
	msgs := c.expectClosed()
	if len(find(msgs, "PING")) == 0 {
		t.Fatalf("dropped without a PING: %v", msgs)
	}
	errs := find(msgs, "ERROR")
	if len(errs) != 1 || errs[0].Trailing() != "Ping timeout" {
		t.Fatalf("got %v", msgs)
	}
}

func TestNickCollisionAtRegistration(t *testing.T) {
	e := newEnv(t, Config{})
	w, _ := e.backend.world("alice@example.com")
	w.SetUser(User{Nick: "ali", Online: true})
	c := e.pipe()
	c.send("PASS alice@example.com:secret")
	c.send("NICK ali")
	c.send("USER ali 0 * :Ali")
	c.expectParams(irc.RPL_WELCOME, "ali_", "*any*")
	if w.Nick() != "ali_" {
		t.Fatalf("world nick %q", w.Nick())
	}
}

// A nick as long as NICKLEN that is taken gets a numbered form, the first
// nobody has: the nick of a group chat's stranger is taken too.
func TestLongNickCollisionAtRegistration(t *testing.T) {
	e := newEnv(t, Config{})
	w, _ := e.backend.world("alice@example.com")
	long := strings.Repeat("a", ircname.NickLen)
	w.SetUser(User{Nick: long, Online: true})
	w.OpenChannel("#grp", "", false, []Member{{Nick: long[:ircname.NickLen-1] + "1"}})
	w.SetUser(User{Nick: long[:ircname.NickLen-1] + "2", Online: true})
	c := e.pipe()
	c.send("PASS alice@example.com:secret")
	c.send("NICK %s", long)
	c.send("USER ali 0 * :Ali")
	want := long[:ircname.NickLen-1] + "3"
	c.expectParams(irc.RPL_WELCOME, want, "*any*")
	if w.Nick() != want {
		t.Fatalf("world nick %q", w.Nick())
	}
}

func TestSecondClientGetsWorldNick(t *testing.T) {
	e := newEnv(t, Config{})
	w, _ := e.backend.world("alice@example.com")
	w.OpenChannel("&msn", "my psm", true, []Member{{Nick: "bob", Voice: true}})
	a := e.dial()
	a.loginSASL("first", "alice@example.com", "secret")
	b := e.dial()
	b.send("PASS alice@example.com:secret")
	b.send("NICK second")
	b.send("USER second 0 * :x")
	b.expectParams(irc.RPL_WELCOME, "first", "*any*")
	burst := b.sync()
	joins := find(burst, "JOIN")
	if len(joins) != 1 || joins[0].Param(0) != "&msn" || joins[0].Prefix.Name != "first" {
		t.Fatalf("burst joins %v", joins)
	}
	if tp := find(burst, irc.RPL_TOPIC); len(tp) != 1 || tp[0].Trailing() != "my psm" {
		t.Fatalf("topic %v", tp)
	}
	if len(find(burst, rplTopicWhoTime)) != 1 {
		t.Fatal("no 333")
	}
	names := find(burst, irc.RPL_NAMREPLY)
	if len(names) != 1 || names[0].Trailing() != "@first +bob" {
		t.Fatalf("names %v", names)
	}
	checkParams(t, names[0], "first", "=", "&msn", "@first +bob")
	if w.ClientCount() != 2 {
		t.Fatalf("%d clients", w.ClientCount())
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
