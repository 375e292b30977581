package bridge_test

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/msn"
)

// bodyLen is the length of m's line without its tags, CRLF included.
func bodyLen(m *irc.Message) int {
	cp := *m
	cp.Tags = nil
	return len(cp.String()) + 2
}

// hasBidi reports whether s holds a bidi embedding, override or isolate.
func hasBidi(s string) bool {
	return strings.ContainsAny(s, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
}

// A 600-character friendly name with a right-to-left override: the
// override is gone, and WHOIS gives lines of at most 512 bytes.
func TestLongFriendlyNameWhois(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	name := "Bob\u202eevil" + strings.Repeat("é", 290) + strings.Repeat("x", 10)
	if err := e.msn.SetFriendlyName(bob, name); err != nil {
		t.Fatal(err)
	}
	m := c.expectCmd("SETNAME")
	if m.Prefix.Name != "bob" || hasBidi(m.Trailing()) || !strings.HasPrefix(m.Trailing(), "Bobevilé") {
		t.Errorf("SETNAME %v", m)
	}
	c.send("WHOIS bob")
	c.expect("WHOIS lines", func(m *irc.Message) bool {
		if n := bodyLen(m); n > 512 {
			t.Errorf("%d-byte line: %v", n, m)
		}
		for _, p := range m.Params {
			if hasBidi(p) {
				t.Errorf("bidi override in %v", m)
			}
		}
		return m.Command == irc.RPL_ENDOFWHOIS
	})
}

// A P4-Context header names the sender for one message only: it does not
// become the contact's name or nick (with nick_source name), and it is not
// stored.
func TestP4ContextIsNotAName(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	p := e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.send("PRIVMSG msn :set nick_source name")
	c.expect("NICK bob -> Bob", func(m *irc.Message) bool { return m.Command == "NICK" && m.Param(0) == "Bob" })
	c.expectMsn("nick_source=name")

	sb := p.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	for _, text := range []string{"one", "two"} {
		payload := "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nP4-Context: Impostor\r\n\r\n" + text
		if err := sb.Send(ctx, msn.AckAlways, []byte(payload)); err != nil {
			t.Fatal(err)
		}
	}
	c.expect("two from Bob", func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && m.Prefix.Name == "Bob" && m.Trailing() == "two"
	})
	c.send("PRIVMSG msn :contacts") // a session action: pending contact writes are done before it
	c.expectMsn("Bob")
	c.send("WHOIS Bob")
	c.expectCmd(irc.RPL_WHOISUSER, "*", "Bob", "bob", "example.com", "*", "Bob")
	for _, m := range c.seen {
		if (m.Command == "NICK" || m.Command == "SETNAME") && strings.Contains(m.String(), "Impostor") {
			t.Errorf("P4-Context taken as a name: %v", m)
		}
	}
	store, err := db.Open(ctx, e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ct, err := store.Contact(ctx, alice, bob)
	if err != nil {
		t.Fatal(err)
	}
	if ct.FriendlyName != "Bob" || ct.Nick != "Bob" {
		t.Errorf("stored contact %+v, want name and nick Bob", ct)
	}
}

// With nick_source=name, a contact changing its name many times a second
// is renamed once its presence settled, to its last name, not once per
// change: every rename is a NICK to every client.
func TestNameBurstRenamesOnce(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.send("PRIVMSG msn :set nick_source name")
	c.expect("NICK bob -> Bob", func(m *irc.Message) bool { return m.Command == "NICK" && m.Param(0) == "Bob" })
	c.expectMsn("nick_source=name")
	c.seen = nil
	const n = 20
	for i := range n {
		if err := e.msn.SetFriendlyName(bob, fmt.Sprintf("Bobby%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	last := fmt.Sprintf("Bobby%d", n-1)
	c.expect("NICK -> "+last, func(m *irc.Message) bool { return m.Command == "NICK" && m.Param(0) == last })
	c.sync()
	renames := 0
	for _, m := range c.seen {
		if m.Command == "NICK" {
			renames++
		}
	}
	// A burst the settling delay cuts (a busy machine spreads it over a
	// few periods) is renamed a few times, not once per change.
	if renames > n/4 {
		t.Errorf("%d name changes gave %d NICKs, want 1:\n%s", n, renames, c.history())
	}
	c.send("WHOIS " + last)
	if m := c.expectCmd(irc.RPL_WHOISUSER); m.Param(1) != last || m.Trailing() != last {
		t.Errorf("WHOIS %s: %v, want the nick and realname %s", last, m, last)
	}
}

// Switching nick_source to name and back gives every contact its nick of
// before, also when the friendly names crossed the contacts' nicks (bob
// named Carol, carol named Bob), and after a restart.
func TestNickSourceSwitchedBack(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		for p, name := range map[string]string{bob: "Carol", carol: "Bob"} {
			if err := e.msn.SetFriendlyName(p, name); err != nil {
				t.Fatal(err)
			}
		}
		whois := func(c *client, nick, ident string) {
			t.Helper()
			c.send("WHOIS " + nick)
			c.expectCmd(irc.RPL_WHOISUSER, "alice", nick, ident, "example.com")
			c.expectCmd(irc.RPL_ENDOFWHOIS)
		}
		c := e.login("alice", alice, password, allCaps)
		c.send("PRIVMSG msn :set nick_source name")
		c.expectMsn("nick_source=name")
		whois(c, "Carol", "bob")
		whois(c, "Bob", "carol")
		c.send("PRIVMSG msn :set nick_source passport")
		c.expectMsn("nick_source=passport")
		whois(c, "bob", "bob")
		whois(c, "carol", "carol")
		c.send("QUIT")
		c.expectCmd("ERROR")
		e.restart()
		c = e.login("alice", alice, password, allCaps)
		whois(c, "bob", "bob")
		whois(c, "carol", "carol")
	})
}

// With nick_source=name, a contact accepted from an authorization request
// is named after the friendly name the request carried, not its address;
// also after a restart between the request and the answer, when the
// contact comes back from lists that give no name (MSNP13+ memberships).
func TestAcceptedRequestNamedAfterFriendlyName(t *testing.T) {
	const ivy = "ivy@example.com"
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%v", restart), func(t *testing.T) {
			forVersions(t, func(t *testing.T, e *env) {
				if err := e.msn.AddAccount(ivy, password, "Ivy"); err != nil {
					t.Fatal(err)
				}
				c := e.login("alice", alice, password, allCaps)
				c.ask("set nick_source name", "nick_source=name")
				if err := e.msn.AddContact(ivy, alice, msn.ForwardList|msn.AllowList); err != nil {
					t.Fatal(err)
				}
				c.expectMsn(ivy + " (Ivy) added you")
				if restart {
					e.restart()
					c = e.login("alice", alice, password, allCaps)
					c.ask("pending", ivy+" (Ivy) added you")
				}
				c.ask("accept "+ivy, "Accepted "+ivy+"; they are on your contacts as Ivy.")
				c.send("WHOIS Ivy")
				c.expectCmd(irc.RPL_WHOISUSER, "*", "Ivy", "ivy", "example.com", "*", "Ivy")
			})
		})
	}
}

// A friendly name with nothing to show (a bidi override alone) is a name
// change all the same: the realname becomes the address, as for a contact
// without a name, rather than keeping the name of before.
func TestBlankFriendlyNameUpdatesRealname(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	if err := e.msn.SetFriendlyName(bob, "\u202e"); err != nil {
		t.Fatal(err)
	}
	if m := c.expectCmd("SETNAME"); m.Prefix.Name != "bob" || m.Trailing() != bob {
		t.Errorf("SETNAME %v, want bob's address", m)
	}
	c.send("WHOIS bob")
	c.expectCmd(irc.RPL_WHOISUSER, "*", "bob", "bob", "example.com", "*", bob)
}
