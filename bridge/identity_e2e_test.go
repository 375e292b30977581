package bridge_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// identityCaps are the capabilities a bouncer such as soju asks for that
// carry the user's own identity.
const identityCaps = "account-notify account-tag chghost extended-join setname echo-message"

// welcomeMask is nick!user@host from the end of 001's text.
func welcomeMask(m *irc.Message) string {
	t := m.Trailing()
	return t[strings.LastIndexByte(t, ' ')+1:]
}

// A client that signs in with "/msg msn login" gets its account and the
// passport's user@host: CHGHOST, ACCOUNT and 900 first, then &msn with the
// account in extended-join, account-tag on its lines and WHOIS 330.
func TestGuestLoginSetsAccountAndHost(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.dial()
	c.send("CAP LS 302")
	c.send("CAP REQ :" + identityCaps)
	c.send("NICK alicew")
	c.send("USER alicew 0 * :IRC user")
	c.send("CAP END")
	if got := welcomeMask(c.expectCmd(irc.RPL_WELCOME)); got != "alicew!alicew@127.0.0.1" {
		t.Fatalf("guest welcome mask %q", got)
	}
	c.expectMsn("You are not signed in")
	c.send("PRIVMSG msn :login " + alice + " " + password)
	c.expectCmd("CHGHOST", "alice", "example.com")
	if m := c.expectCmd("ACCOUNT", alice); m.Prefix.String() != "alicew!alice@example.com" {
		t.Errorf("ACCOUNT from %q", m.Prefix)
	}
	c.expectCmd(irc.RPL_LOGGEDIN, "alicew", "alicew!alice@example.com", alice)
	c.expectCmd("SETNAME", "Alice")
	c.expectCmd("JOIN", "&msn", alice, "Alice")
	c.expectCmd(irc.RPL_ENDOFNAMES, "*", "&msn")

	c.send("PRIVMSG bob :hello")
	if m := c.expectCmd("PRIVMSG", "bob", "hello"); m.Tags["account"] != alice {
		t.Errorf("echo without account-tag: %v", m)
	}
	c.send("WHOIS alicew")
	c.expectCmd("330", "alicew", "alicew", alice)
}

// SASL and PASS logins show one identity from the first line on: 900 and
// 001 say the same nick!user@host (the passport's), the realname is the
// MSN friendly name, and the account is in 900, the JOIN and WHOIS.
func TestLoginIdentityIsThePassport(t *testing.T) {
	e := newEnv(t, "MSNP12")

	s := e.dial()
	s.send("CAP LS 302")
	s.send("CAP REQ :sasl " + identityCaps)
	s.send("NICK alicew")
	s.send("USER alicew 0 * :IRC user")
	s.send("AUTHENTICATE PLAIN")
	s.expectCmd("AUTHENTICATE", "+")
	s.send("AUTHENTICATE " + b64("\x00"+alice+"\x00"+password))
	logged := s.expectCmd(irc.RPL_LOGGEDIN, "*", "*", alice)
	s.send("CAP END")
	if w := welcomeMask(s.expectCmd(irc.RPL_WELCOME)); logged.Param(1) != w || w != "alicew!alice@example.com" {
		t.Errorf("SASL: 900 says %q, 001 says %q; want both alicew!alice@example.com", logged.Param(1), w)
	}
	if m := s.expectCmd("SETNAME", "Alice"); m.Prefix.String() != "alicew!alice@example.com" {
		t.Errorf("SETNAME from %q", m.Prefix)
	}
	s.expectCmd("JOIN", "&msn", alice, "Alice")
	s.send("WHOIS alicew")
	s.expectCmd("330", "alicew", "alicew", alice)

	p := e.dial()
	p.send("CAP LS 302")
	p.send("CAP REQ :" + identityCaps)
	p.send("PASS " + alice + ":" + password)
	p.send("NICK alicep")
	p.send("USER alicep 0 * :IRC user")
	p.send("CAP END")
	w := welcomeMask(p.expectCmd(irc.RPL_WELCOME))
	if m := p.expectCmd(irc.RPL_LOGGEDIN, "*", "*", alice); m.Param(1) != w || w != "alicew!alice@example.com" {
		t.Errorf("PASS: 900 says %q, 001 says %q; want both alicew!alice@example.com", m.Param(1), w)
	}
	p.expectCmd("SETNAME", "Alice")
	p.expectCmd("JOIN", "&msn", alice, "Alice")
}
