package bridge_test

import (
	"context"
	"sync/atomic"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/msn"
)

// MSN sends an unanswered authorization request again at every login:
// it is announced once, to the clients attached when it came, and after
// that only counted when a client attaches and listed by pending.
func TestAuthorizationRequestAnnouncedOnce(t *testing.T) {
	const frank = "frank@example.com"
	const announcement = "frank@example.com (Frank) added you to their contact list"
	e := newEnv(t, "MSNP12")
	if err := e.msn.AddAccount(frank, password, "Frank"); err != nil {
		t.Fatal(err)
	}
	c := e.login("alice", alice, password, allCaps)
	if err := e.msn.AddContact(frank, alice, msn.ForwardList|msn.AllowList); err != nil {
		t.Fatal(err)
	}
	c.expectMsn(announcement)
	for range 3 {
		e.msn.DropNS(alice)
		c.expectMsn("Lost the connection")
		c.expectMsn("Reconnected")
		c.sync()
	}
	// A barrier after the last login's lists: the session handled them.
	c.ask("status", "Your status is")
	// An announcement made before the session greeted c was kept and
	// replayed to it; c confirms it read it, as every client answers PING,
	// so that it is not replayed to the next client (barrier: status).
	for _, m := range c.seen {
		if m.Command == "PING" {
			c.send("PONG :" + m.Param(0))
		}
	}
	c.ask("status", "Your status is")
	if n := c.countMsn("added you"); n != 1 {
		t.Errorf("the request was announced %d times over 4 logins, want once", n)
	}

	late := e.login("alice", alice, password, allCaps)
	late.expectMsn("1 person waits for an answer: msn pending")
	late.sync()
	if n := late.countMsn("added you"); n != 0 {
		t.Errorf("an attaching client was shown the old request %d times, want only the count", n)
	}
	late.ask("pending", "1 authorization request(s)")
	late.expectMsn(announcement)
}

// pendingCountingStore counts the authorization requests stored.
type pendingCountingStore struct {
	bridge.Store
	adds atomic.Int32
}

func (s *pendingCountingStore) AddPending(ctx context.Context, r db.AuthRequest) error {
	s.adds.Add(1)
	return s.Store.AddPending(ctx, r)
}

// Someone adding the user, removing them and adding them again in a loop
// is announced once and costs the store one write per 10 seconds, not
// one per add.
func TestAuthorizationRequestFloodStoredOnce(t *testing.T) {
	const frank = "frank@example.com"
	var counting *pendingCountingStore
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) {
		counting = &pendingCountingStore{Store: c.Store}
		c.Store = counting
	})
	if err := e.msn.AddAccount(frank, password, "Frank"); err != nil {
		t.Fatal(err)
	}
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	for range 20 {
		if err := e.msn.AddContact(frank, alice, msn.ForwardList|msn.AllowList); err != nil {
			t.Fatal(err)
		}
		if err := e.msn.AddContact(frank, alice, 0); err != nil {
			t.Fatal(err)
		}
	}
	// A barrier: bob's new name comes after the adds on alice's MSN
	// connection, so the session handled them once it shows.
	ctx, cancel := ctxT()
	defer cancel()
	if err := p.c.SetFriendlyName(ctx, "Bob after the adds"); err != nil {
		t.Fatal(err)
	}
	c.expect("bob's new name", func(m *irc.Message) bool {
		return m.Command == "SETNAME" && m.Prefix.Name == "bob" && m.Trailing() == "Bob after the adds"
	})
	if n := c.countMsn("added you"); n != 1 {
		t.Errorf("20 adds announced %d times, want once", n)
	}
	if n := counting.adds.Load(); n != 1 {
		t.Errorf("20 adds stored %d times, want once", n)
	}
}
