package bridge_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/msn"
)

// askAnd sends a command and waits, in any order, for its answer and for
// another message.
func (c *client) askAnd(cmd, want, desc string, match func(m *irc.Message) bool) {
	c.t.Helper()
	c.send("PRIVMSG msn :" + cmd)
	c.expectAll(map[string]func(m *irc.Message) bool{
		"msn: " + want: func(m *irc.Message) bool {
			return m.Prefix.Name == "msn" && strings.Contains(m.Trailing(), want)
		},
		desc: match,
	})
}

// ask sends a command to msn in its query and waits for an answer containing want.
func (c *client) ask(cmd, want string) *irc.Message {
	c.t.Helper()
	c.send("PRIVMSG msn :" + cmd)
	return c.expectMsn(want)
}

// A friendly name longer than MSN takes is refused with how long it may
// be; one of just that length is set.
func TestNameTooLong(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	m := c.ask("name "+strings.Repeat("x", 370)+strings.Repeat(" x", 6), "name")
	if want := "too long"; !strings.Contains(m.Trailing(), want) || !strings.Contains(m.Trailing(), "387") {
		t.Errorf("answer %q does not say the name is too long and the limit", m.Trailing())
	}
	c.ask("name "+strings.Repeat("x", 387), "Friendly name set to xxx")

	// By SETNAME, which the clients show at once, a name MSN does not
	// take is taken back.
	c.ask("name Alice Liddell", "Friendly name set to Alice Liddell")
	long := strings.Repeat("%", 150)
	c.send("SETNAME :" + long)
	c.expect("SETNAME "+long[:10]+"...", func(m *irc.Message) bool { return m.Command == "SETNAME" && m.Param(0) == long })
	c.expect("SETNAME back", func(m *irc.Message) bool { return m.Command == "SETNAME" && m.Param(0) == "Alice Liddell" })
	c.expectMsn("too long")
	c.send("WHOIS alice")
	c.expectCmd(irc.RPL_WHOISUSER, "alice", "alice", "alice", "example.com", "*", "Alice Liddell")
}

func TestCommands(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		if err := e.msn.AddAccount("erin@example.com", password, "Erin"); err != nil {
			t.Fatal(err)
		}
		c := e.login("alice", alice, password, allCaps)

		c.ask("help", "Commands")
		c.ask("frobnicate", "Unknown command")
		c.ask("version", "MSNP")

		c.ask("status", "Online")
		c.ask("status sleepy", "Unknown status")
		c.ask("status busy", "Status set to Busy")
		if got := e.msn.Status(alice); got != msn.StatusBusy {
			t.Errorf("status on the server %s", got)
		}
		c.ask("status online", "Status set to Online")

		c.ask("name", "Usage: name")
		c.ask("name Alice\x01 in Wonderland", "Friendly name set to Alice in Wonderland")

		if e.versionNumber() < 11 {
			c.ask("psm hello", "need MSNP11")
		} else {
			c.askAnd("psm hello there", "Personal message set", "topic", func(m *irc.Message) bool {
				return m.Command == "TOPIC" && m.Param(0) == "&msn" && m.Trailing() == "hello there"
			})
		}

		c.ask("add", "Usage: add")
		c.ask("add not-an-address", "is not an MSN address")
		c.ask("add erin@example.com bad!nick", "not a valid nick")
		c.ask("add erin@example.com bob", "is taken")
		c.ask("add bob@example.com", "already a contact")
		c.askAnd("add erin@example.com erinnick", "Added erin@example.com as erinnick", "erinnick joins", func(m *irc.Message) bool {
			return m.Command == "JOIN" && m.Prefix.Name == "erinnick"
		})
		if e.msn.Lists(alice, "erin@example.com")&msn.ForwardList == 0 {
			t.Errorf("erin is not on alice's forward list")
		}

		c.ask("rename", "Usage: rename")
		c.ask("rename nobody x", "No contact nobody")
		c.ask("rename erinnick 9bad", "not a valid nick")
		c.ask("rename erinnick carol", "taken")
		c.ask("rename erinnick erin", "Renamed erinnick to erin")

		c.ask("block", "Usage: block")
		c.ask("block nobody", "No contact")
		c.ask("block erin", "Blocked erin")
		if e.msn.Lists(alice, "erin@example.com")&msn.BlockList == 0 {
			t.Errorf("erin is not blocked")
		}
		c.ask("allow erin", "Allowed erin")
		c.ask("remove nobody@example.com", "No contact")
		c.askAnd("remove erin", "Removed erin", "erin parts", func(m *irc.Message) bool {
			return m.Command == "PART" && m.Prefix.Name == "erin" && m.Param(0) == "&msn"
		})

		c.ask("contacts", "3 contacts")
		c.ask("outbox", "outbox is empty")
		c.ask("outbox frob", "Usage: outbox")
		c.ask("outbox clear nobody", "No contact")
		c.ask("outbox clear", "Cleared 0")

		c.ask("set", "nick_source=passport")
		c.ask("set colour", "Unknown setting")
		c.ask("set show_offline maybe", "true or false")
		c.ask("set nick_source email", "passport or name")
		c.askAnd("set show_offline false", "show_offline=false", "offline dave hidden", func(m *irc.Message) bool {
			return m.Command == "PART" && m.Prefix.Name == "dave" && m.Param(0) == "&msn"
		})
		c.ask("set show_offline", "show_offline=false")
		c.ask("set formatting off", "formatting=false")

		c.ask("pending", "No authorization requests")
		c.ask("accept", "Usage: accept")
		c.ask("deny bad", "is not an MSN address")

		// Commands also work in &msn, with or without "msn:".
		c.send("PRIVMSG &msn :msn: version")
		c.expect("answer in &msn", func(m *irc.Message) bool {
			return m.Command == "PRIVMSG" && m.Prefix.Name == "msn" && m.Param(0) == "&msn" && strings.Contains(m.Trailing(), "msn2irc")
		})

		c.ask("login", "Already signed in to MSN as "+alice)
		c.ask("login a b c", "Usage: login")
		c.ask("login other@example.com x", "logout")
		c.ask("logout", "Signing out")
		c.expectCmd("ERROR")
	})
}

func TestAuthorizationRequests(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		for _, p := range []string{"frank@example.com", "gina@example.com"} {
			if err := e.msn.AddAccount(p, password, "Someone"); err != nil {
				t.Fatal(err)
			}
			if err := e.msn.AddContact(p, alice, msn.ForwardList|msn.AllowList); err != nil {
				t.Fatal(err)
			}
		}
		c := e.login("alice", alice, password, allCaps)
		c.expectMsn("frank@example.com")
		c.ask("pending", "gina@example.com")
		c.ask("accept frank@example.com", "Accepted frank@example.com")
		if e.msn.Lists(alice, "frank@example.com")&msn.AllowList == 0 {
			t.Errorf("frank not allowed")
		}
		c.ask("deny gina@example.com", "Denied gina@example.com")
		c.ask("pending", "No authorization requests")

		// Someone adding alice while she is connected is announced at once.
		if err := e.msn.AddAccount("hal@example.com", password, "Hal"); err != nil {
			t.Fatal(err)
		}
		if err := e.msn.AddContact("hal@example.com", alice, msn.ForwardList|msn.AllowList); err != nil {
			t.Fatal(err)
		}
		c.expectMsn("hal@example.com")
		// A new client is told how many wait, not each again.
		c2 := e.login("alice2", alice, password, allCaps)
		c2.expectMsn("1 person waits for an answer: msn pending")
	})
}

func TestGuestLogin(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.dial()
		c.send("NICK alice")
		c.send("USER alice 0 * :x")
		c.expectCmd(irc.RPL_WELCOME)
		c.expectMsn("/msg msn login")
		c.send("PRIVMSG msn :login " + alice + " wrong")
		c.expectMsn("wrong address or password")
		e.clock.advance(time.Second) // the block after a failed login
		c.send("PRIVMSG msn :login " + alice + " " + password)
		c.expectCmd(irc.RPL_ENDOFNAMES, "*", "&msn")
		c.send("WHOIS bob")
		c.expectCmd(irc.RPL_WHOISUSER, "*", "bob")
	})
}

func TestOwnStatusFromIRC(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		waitStatus := func(want msn.Status) {
			t.Helper()
			c.sync()
			for i := 0; i < 500 && e.msn.Status(alice) != want; i++ {
				c.sync()
			}
			if got := e.msn.Status(alice); got != want {
				t.Errorf("status %s, want %s", got, want)
			}
		}
		c.send("AWAY :busy with work")
		waitStatus(msn.StatusBusy)
		c.send("AWAY :gone")
		waitStatus(msn.StatusAway)
		// Back from "gone": the chosen status, busy, comes back; back
		// once more: online.
		c.send("AWAY")
		waitStatus(msn.StatusBusy)
		c.send("AWAY")
		waitStatus(msn.StatusOnline)
		p := e.peer(bob)
		c.send("SETNAME :Alice Liddell")
		p.expect("alice's new name", func(ev msn.Event) bool {
			pc, ok := ev.(msn.PresenceChanged)
			return ok && pc.Passport == alice && pc.FriendlyName == "Alice Liddell"
		})
		if p.c.Version() >= 11 {
			c.send("TOPIC &msn :my personal message")
			p.expect("alice's psm", func(ev msn.Event) bool {
				pm, ok := ev.(msn.PersonalMessageChanged)
				return ok && pm.Passport == alice && pm.Message == "my personal message"
			})
		}
	})
}

func TestKeepOnlineReplay(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		c.ask("set keep_online true", "keep_online=true")
		c.send("QUIT")
		c.expectCmd("ERROR")
		p := e.peer(bob)
		sb := p.chat(alice)
		ctx, cancel := ctxT()
		defer cancel()
		if err := sb.SendText(ctx, "while you were away", msn.Format{}); err != nil {
			t.Fatal(err)
		}
		c2 := e.login("alice", alice, password, allCaps)
		m := c2.expectFrom("bob", "PRIVMSG", "while you were away")
		if m.Tags["time"] == "" {
			t.Errorf("replayed without server-time: %v", m)
		}
		if e.bridge.SessionCount() != 1 {
			t.Errorf("%d sessions", e.bridge.SessionCount())
		}
	})
}

func TestSessionEndsWithLastClient(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	if !e.msn.Online(alice) {
		t.Fatal("alice is not online on MSN")
	}
	c.send("QUIT")
	c.expectCmd("ERROR")
	deadline := time.Now().Add(waitTime)
	for e.msn.Online(alice) || e.bridge.SessionCount() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the MSN session did not end with the last client")
		}
		pollPause()
	}
}

// A request stored by an earlier run (the one that got it had no client
// to tell) is announced to the first client of the next session.
func TestStoredAuthorizationRequestAnnounced(t *testing.T) {
	e := newEnv(t, "MSNP12")
	e.stop()
	ctx, cancel := ctxT()
	defer cancel()
	store, err := db.Open(ctx, e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	err = store.AddPending(ctx, db.AuthRequest{Account: alice, Passport: "ivy@example.com", FriendlyName: "Ivy", Received: time.Now()})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	e.start()
	c := e.login("alice", alice, password, allCaps)
	c.expectMsn("ivy@example.com (Ivy) added you to their contact list")
}

// What the user's commands ask of MSN is bounded: a flood of them gets
// "too many requests" for the ones past the bounds, every one is
// answered, and the session goes on.
func TestUserRequestsBounded(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	const n = 25
	for i := range n {
		c.send(fmt.Sprintf("PRIVMSG msn :name Alice %d", i))
	}
	set, refused := 0, 0
	for range n {
		m := c.expectMsn("")
		switch {
		case strings.HasPrefix(m.Trailing(), "Friendly name set to"):
			set++
		case strings.Contains(m.Trailing(), "too many requests to MSN at once"):
			refused++
		default:
			t.Fatalf("unexpected answer %q", m.Trailing())
		}
	}
	// The bridge's clock stands still in tests: past the burst of 20,
	// every request is refused, and more when 8 wait at once.
	if set > 20 || refused < n-20 || set+refused != n {
		t.Errorf("%d set, %d refused of %d", set, refused, n)
	}
	c.ask("version", "MSNP12")
}

// TestCommandsUnknownAddress: MSN refusing an address that has no account
// is said as such, at every version, web service (MSNP13+) included.
func TestCommandsUnknownAddress(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		for _, cmd := range []string{"add", "block"} {
			m := c.ask(cmd+" nobody@example.com", "Could not "+cmd+" nobody@example.com")
			if text := m.Trailing(); strings.Contains(text, "could not be sent") {
				t.Errorf("%s of an unknown address: %q", cmd, text)
			}
		}
	})
}

// A personal message the user sets, by command or by TOPIC, is one topic
// change for the clients (and a bouncer's log), whether MSN echoes it
// before its answer (MSNP18, MPOP) or not.
func TestPersonalMessageOneTopic(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		if e.versionNumber() < 11 {
			t.Skip("personal messages need MSNP11")
		}
		c := e.login("alice", alice, password, allCaps)
		for i, set := range []string{"PRIVMSG msn :psm hello there", "TOPIC &msn :and now this"} {
			from := len(c.seen)
			c.send(set)
			want := []string{"hello there", "and now this"}[i]
			c.expect("the topic "+want, func(m *irc.Message) bool {
				return m.Command == "TOPIC" && m.Trailing() == want
			})
			c.sync()
			// A server-side echo comes after its answer at worst: a second
			// round trip lets it in.
			c.sync()
			n := 0
			for _, m := range c.seen[from:] {
				if m.Command == "TOPIC" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%q: %d TOPIC lines, want 1:\n%s", set, n, c.history())
			}
		}
	})
}
