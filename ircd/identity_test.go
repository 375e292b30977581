package ircd

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// Bouncers (soju) ask for account-notify and chghost: both are offered.
func TestCapLSOffersAccountNotifyAndChghost(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial()
	c.send("CAP LS 302")
	ls := c.expectCap("LS")
	for _, want := range []string{"account-notify", "chghost"} {
		if !strings.Contains(" "+ls.Trailing()+" ", " "+want+" ") {
			t.Errorf("CAP LS %q lacks %s", ls.Trailing(), want)
		}
	}
	c.send("CAP REQ :account-notify chghost")
	checkParams(t, c.expectCap("ACK"), "*", "ACK", "account-notify chghost")
}

// A change of the user's or a contact's user@host or account is announced
// to the clients that negotiated chghost and account-notify, and to no
// other.
func TestChghostAndAccountNotify(t *testing.T) {
	e := newEnv(t, Config{})
	w, _ := e.backend.world("alice@example.com")
	w.SetSelf("alice", "example.com", "Alice")
	w.SetAccount("alice@example.com")
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "example.com", Account: "bob@example.com"})
	w.OpenChannel("&msn", "", true, []Member{{Nick: "bob"}})

	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", "chghost", "account-notify")
	plain := e.dial()
	plain.send("PASS alice@example.com:secret")
	plain.register("alice")

	w.SetSelf("al", "example.net", "")
	m := c.expect("CHGHOST")
	if m.Prefix.String() != "alice!alice@example.com" {
		t.Errorf("CHGHOST from %q", m.Prefix)
	}
	checkParams(t, m, "al", "example.net")

	w.SetUser(User{Nick: "bob", Ident: "robert", Host: "example.org", Account: "robert@example.org"})
	m = c.expect("CHGHOST")
	if m.Prefix.String() != "bob!bob@example.com" {
		t.Errorf("CHGHOST from %q", m.Prefix)
	}
	checkParams(t, m, "robert", "example.org")
	m = c.expect("ACCOUNT")
	if m.Prefix.Name != "bob" {
		t.Errorf("ACCOUNT from %q", m.Prefix)
	}
	checkParams(t, m, "robert@example.org")

	w.SetAccount("al@example.net")
	m = c.expect("ACCOUNT")
	if m.Prefix.String() != "alice!al@example.net" {
		t.Errorf("ACCOUNT from %q", m.Prefix)
	}
	checkParams(t, m, "al@example.net")
	c.send("WHOIS alice")
	c.expectParams(rplWhoisAccount, "alice", "alice", "al@example.net", "is logged in as")

	for _, m := range plain.sync() {
		if m.Command == "CHGHOST" || m.Command == "ACCOUNT" {
			t.Errorf("a client without the capabilities got %v", m)
		}
	}
}

// After PASS, 900 follows the welcome with the identity 001 gave, and a
// setname client learns the world's realname.
func TestPassLoginSends900AfterWelcome(t *testing.T) {
	e := newEnv(t, Config{})
	w, _ := e.backend.world("alice@example.com")
	w.SetSelf("alice", "example.com", "Alice")
	w.SetAccount("alice@example.com")
	c := e.dial()
	c.send("CAP LS 302")
	c.send("CAP REQ :setname")
	c.send("PASS alice@example.com:secret")
	c.send("NICK al")
	c.send("USER al 0 * :Real al")
	c.send("CAP END")
	welcome := c.expect(irc.RPL_WELCOME)
	if !strings.HasSuffix(welcome.Trailing(), " al!alice@example.com") {
		t.Errorf("001 %q", welcome.Trailing())
	}
	c.expectParams(irc.RPL_LOGGEDIN, "al", "al!alice@example.com", "alice@example.com", "You are now logged in as alice@example.com")
	m := c.expect("SETNAME")
	if m.Prefix.String() != "al!alice@example.com" || m.Param(0) != "Alice" {
		t.Errorf("SETNAME %v", m)
	}
}
