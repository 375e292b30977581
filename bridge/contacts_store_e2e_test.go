package bridge_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
)

// The contacts of a first login are stored, all of them, with the nicks the
// client was shown, so the next login shows the same nicks.
func TestFirstLoginStoresEveryContact(t *testing.T) {
	e := newEnv(t, "MSNP12")
	const extra = 60
	for i := range extra {
		p := fmt.Sprintf("friend%02d@hotmail.com", i)
		if err := e.msn.AddAccount(p, password, fmt.Sprintf("Friend %d", i)); err != nil {
			t.Fatal(err)
		}
		if err := e.msn.Befriend(alice, p); err != nil {
			t.Fatal(err)
		}
	}
	c := e.login("alice", alice, password, allCaps)
	shown := namesOf(c)
	// They are stored once the client has its world, before the session
	// handles anything else the client asks.
	c.send("PRIVMSG msn :version")
	c.expectMsn("signed in to")

	ctx := context.Background()
	store, err := db.Open(ctx, e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := store.Contacts(ctx, alice)
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != extra+3 {
		t.Errorf("stored %d contacts, want %d: %+v", len(stored), extra+3, stored)
	}
	byPassport := map[string]db.Contact{}
	for _, sc := range stored {
		byPassport[sc.Passport] = sc
		if _, ok := shown[sc.Nick]; !ok {
			t.Errorf("stored nick %q of %s is not in &msn: %v", sc.Nick, sc.Passport, shown)
		}
	}
	if sc := byPassport["friend07@hotmail.com"]; sc.FriendlyName != "Friend 7" {
		t.Errorf("friend07 stored as %+v, want friendly name Friend 7", sc)
	}

	e.restart()
	c2 := e.login("alice", alice, password, allCaps)
	again := namesOf(c2)
	for _, sc := range stored {
		if _, ok := again[sc.Nick]; !ok {
			t.Errorf("after a restart %s is not %q in &msn: %v", sc.Passport, sc.Nick, again)
		}
	}
}

// WHOIS of a contact says who they are on MSN, as they are now.
func TestWhoisContact(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.send("WHOIS bob")
	c.expectAll(map[string]func(m *irc.Message) bool{
		"bob's address and status": func(m *irc.Message) bool {
			return m.Command == "320" && m.Param(1) == "bob" && m.Trailing() == "is "+bob+" on MSN (Online)"
		},
		"bob's friendly name": func(m *irc.Message) bool {
			return m.Command == "320" && m.Param(1) == "bob" && m.Trailing() == "friendly name: Bob"
		},
		"bob's lists": func(m *irc.Message) bool {
			return m.Command == "320" && m.Param(1) == "bob" && strings.HasPrefix(m.Trailing(), "lists: FL AL")
		},
	})
	c.send("WHOIS carol")
	c.expect("carol offline", func(m *irc.Message) bool {
		return m.Command == "320" && m.Param(1) == "carol" && m.Trailing() == "is "+carol+" on MSN (Offline)"
	})
}

// A login that fails after the contact list came (the server never
// confirms going online) fails for the client and leaves no session
// behind; the next login draws the whole world.
func TestLoginFailingAfterTheContactList(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.MSN.RequestTimeout = 300 * time.Millisecond })
	e.msn.IgnoreCommand("CHG")
	c := e.dial()
	c.send("PASS " + alice + ":" + password)
	c.send("NICK alice")
	c.send("USER alice 0 * :x")
	c.expectRefusedForNow("MSN login failed: the server did not answer in time")
	if n := e.bridge.SessionCount(); n != 0 {
		t.Errorf("%d sessions after the failed login", n)
	}

	e.msn.AnswerCommand("CHG")
	c2 := e.login("alice", alice, password, allCaps)
	names := namesOf(c2)
	for _, n := range []string{"bob", "carol", "dave"} {
		if _, ok := names[n]; !ok {
			t.Errorf("%s is not in &msn: %v", n, names)
		}
	}
}

// Nicks stored by an earlier session hold in the next one before anything
// looked one up: a new contact whose nick would be a stored contact's gets
// another, and the service finds a stored contact by its nick.
func TestStoredNicksAfterRestart(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	c.send("PRIVMSG msn :rename carol frank")
	c.expectMsn("Renamed carol to frank")

	e.restart()
	const frank = "frank@example.com"
	if err := e.msn.AddAccount(frank, password, "Frank"); err != nil {
		t.Fatal(err)
	}
	if err := e.msn.Befriend(alice, frank); err != nil {
		t.Fatal(err)
	}
	c2 := e.login("alice", alice, password, allCaps)
	names := namesOf(c2)
	newNick := ""
	for n := range names {
		if n != "frank" && strings.HasPrefix(n, "frank") {
			newNick = n
		}
	}
	if _, ok := names["frank"]; !ok || newNick == "" {
		t.Fatalf("&msn after the restart: %v, want carol as frank and the new contact under another frank nick", names)
	}
	c2.send("WHOIS " + newNick)
	c2.expect("the new contact under "+newNick, func(m *irc.Message) bool {
		return m.Command == "320" && m.Param(1) == newNick && strings.HasPrefix(m.Trailing(), "is "+frank+" on MSN")
	})
	c2.send("PRIVMSG msn :rename frank caz")
	c2.expectMsn("Renamed frank to caz")
	c2.send("WHOIS caz")
	c2.expect("carol under caz", func(m *irc.Message) bool {
		return m.Command == "320" && m.Param(1) == "caz" && strings.HasPrefix(m.Trailing(), "is "+carol+" on MSN")
	})
}

// contactCountingStore counts the writes of contacts, one or many at once.
type contactCountingStore struct {
	bridge.Store
	writes atomic.Int32
}

func (s *contactCountingStore) PutContact(ctx context.Context, c db.Contact) error {
	s.writes.Add(1)
	return s.Store.PutContact(ctx, c)
}

func (s *contactCountingStore) PutContacts(ctx context.Context, cs []db.Contact) error {
	s.writes.Add(1)
	return s.Store.PutContacts(ctx, cs)
}

// A contact that changes its friendly name many times a second costs the
// store that every session shares a write per settling of its presence,
// not one per change; the last name is the one shown and stored.
func TestNameChangesStoredTogether(t *testing.T) {
	var counting *contactCountingStore
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) {
		counting = &contactCountingStore{Store: c.Store}
		c.Store = counting
	})
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	c.send("PRIVMSG msn :version") // the first login's contacts are stored before this is answered
	c.expectMsn("signed in to")
	before := counting.writes.Load()
	const changes = 100
	ctx, cancel := ctxT()
	defer cancel()
	for i := range changes {
		if err := p.c.SetFriendlyName(ctx, fmt.Sprintf("Bob %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	last := fmt.Sprintf("Bob %d", changes-1)
	deadline := time.Now().Add(waitTime)
	for {
		stored, err := e.store.Contacts(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(stored, func(sc db.Contact) bool { return sc.Passport == bob && sc.FriendlyName == last }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bob's last name %q never stored: %+v", last, stored)
		}
		pollPause()
	}
	if n := counting.writes.Load() - before; n > changes/4 {
		t.Errorf("%d name changes took %d writes of contacts, want them stored together", changes, n)
	}
	c.send("WHOIS bob")
	if m := c.expectCmd(irc.RPL_WHOISUSER, "alice", "bob"); m.Trailing() != last {
		t.Errorf("bob's realname is %q, want %q", m.Trailing(), last)
	}
}

// A contact the user removes gives no presence any more: they show
// offline (MONITOR 731, WHOIS) rather than in the state they had, which
// would never change again.
func TestRemovedContactShowsOffline(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		c.send("MONITOR + bob")
		c.expectCmd(irc.RPL_MONOFFLINE, "alice", "bob")
		e.peer(bob)
		c.expectCmd(irc.RPL_MONONLINE, "alice", "bob!bob@example.com")
		c.send("PRIVMSG msn :remove bob")
		c.expectCmd(irc.RPL_MONOFFLINE, "alice", "bob")
		c.expectMsn("Removed bob")
		c.send("WHOIS bob")
		c.expect("WHOIS bob offline", func(m *irc.Message) bool {
			if m.Command == irc.RPL_AWAY || m.Command == "320" && strings.Contains(m.Trailing(), "on MSN") && !strings.HasSuffix(m.Trailing(), "(Offline)") {
				t.Errorf("WHOIS of a removed contact: %v", m)
			}
			return m.Command == irc.RPL_ENDOFWHOIS
		})
		// Added again: the same nick, online again.
		c.send("PRIVMSG msn :add " + bob)
		c.expectCmd(irc.RPL_MONONLINE, "alice", "bob!bob@example.com")
		c.expectMsn("Added " + bob + " as bob.")
	})
}
