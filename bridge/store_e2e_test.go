package bridge_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/db"
)

// storeFullNotice starts the notice that says writes to the store fail.
const storeFullNotice = "msn2irc could not save to its database (database or disk is full)"

// fullStore makes every later write of the running bridge fail as on a
// full disk.
func (e *env) fullStore() {
	e.t.Helper()
	ctx, cancel := ctxT()
	defer cancel()
	if err := e.store.FillForTest(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// countMsn counts what msn said containing text, among the messages read.
func (c *client) countMsn(text string) int {
	n := 0
	for _, m := range c.seen {
		if (m.Command == "PRIVMSG" || m.Command == "NOTICE") && m.Prefix != nil && m.Prefix.Name == "msn" && strings.Contains(m.Trailing(), text) {
			n++
		}
	}
	return n
}

// A rename that cannot be stored is reported, as set reports a setting it
// cannot store, and the contact keeps its nick.
func TestRenameReportsFullStore(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.fullStore()
	c.ask("rename bob bob_the_builder_of_things", "Could not rename bob: could not save to the database (database or disk is full).")
	c.ask("set nick_source name", "Could not save the setting")
	c.send("WHOIS bob")
	c.expectCmd(irc.RPL_WHOISUSER, "*", "bob")
	e.restart()
	c2 := e.login("alice", alice, password, allCaps)
	c2.send("WHOIS bob")
	c2.expectCmd(irc.RPL_WHOISUSER, "*", "bob")
}

// When the store fails every write, the user is told once, in &msn, and a
// message for an offline contact that cannot be queued is reported as not
// delivered, each of them.
func TestStoreFailureToldOnce(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.fullStore()
	for i := range 3 {
		c.send(fmt.Sprintf("PRIVMSG bob :message %d for the outbox", i))
		c.expect("message not delivered", func(m *irc.Message) bool {
			return m.Command == "FAIL" && strings.Contains(m.Trailing(), fmt.Sprintf("message %d for the outbox", i)) &&
				strings.Contains(m.Trailing(), "could not be queued") && strings.Contains(m.Trailing(), "database or disk is full")
		})
	}
	if err := e.msn.AddAccount("frank@example.com", password, "Frank"); err != nil {
		t.Fatal(err)
	}
	if err := e.msn.AddContact("frank@example.com", alice, 0x3); err != nil {
		t.Fatal(err)
	}
	c.expectMsn("frank@example.com")
	c.sync()
	if n := c.countMsn(storeFullNotice); n != 1 {
		t.Errorf("told %d times that the store is full, want once; read:\n%s", n, c.history())
	}
}

// Thousands of authorization requests give an attaching client a short
// announcement; pending lists every stored one with a number.
func TestManyAuthorizationRequests(t *testing.T) {
	e := newEnv(t, "MSNP12")
	e.stop()
	ctx, cancel := ctxT()
	defer cancel()
	store, err := db.OpenWith(ctx, e.dbPath, db.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Add(-time.Hour)
	for i := range 3000 {
		r := db.AuthRequest{Account: alice, Passport: fmt.Sprintf("spam%04d@example.com", i), FriendlyName: "Spam", Received: t0.Add(time.Duration(i) * time.Millisecond)}
		if err := store.AddPending(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	e.start()
	c := e.login("alice", alice, password, allCaps)
	c.expectMsn("... and 995 more: /msg msn pending lists them all")
	c.sync()
	if n := c.countMsn("added you to their contact list"); n > 6 {
		t.Errorf("%d lines about requests on attach, want the newest 5 and a count", n)
	}
	if c.countMsn("spam2999@example.com") != 1 || c.countMsn("spam1995@example.com") != 0 {
		t.Errorf("the announcement does not show the newest 5; read:\n%s", c.history())
	}
	c.ask("pending", "1,000 authorization request(s)")
	c.expectMsn("spam2999@example.com")
	c.sync()
	if n := c.countMsn(": spam"); n != db.MaxPending {
		t.Errorf("pending listed %d requests, want %d", n, db.MaxPending)
	}
}

// A request from an address that is not a valid MSN address can be denied
// by its number, which only removes it from the store; it is shown without
// its control characters and does not come back after a restart.
func TestMalformedAuthorizationRequest(t *testing.T) {
	const weird = "we!rd:ni\x01ck@x.com"
	const shown = "we!rd:nick@x.com"
	e := newEnv(t, "MSNP12")
	e.stop()
	ctx, cancel := ctxT()
	defer cancel()
	store, err := db.Open(ctx, e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	err = store.AddPending(ctx, db.AuthRequest{Account: alice, Passport: weird, FriendlyName: "We\x02ird\x01", Received: time.Now()})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	e.start()
	c := e.login("alice", alice, password, allCaps)
	c.expectMsn(shown + " (Weird) added you to their contact list, but that is not a valid MSN address")
	c.ask("accept "+shown, "is not a valid MSN address, so the request cannot be accepted")
	m := c.ask("pending", ": "+shown)
	num, _, _ := strings.Cut(m.Trailing(), ":")
	c.ask("deny "+num, "Removed the request of "+shown)
	c.ask("pending", "No authorization requests")
	c.sync()
	for _, m := range c.seen {
		if strings.ContainsFunc(m.Trailing(), func(r rune) bool { return r < 0x20 && r != 0x02 && r != 0x1d && r != 0x1f && r != 0x03 && r != 0x0f }) {
			t.Errorf("a line with a control character: %q", m.String())
		}
		if strings.Contains(m.Trailing(), "\x01") {
			t.Errorf("a line with \\x01: %q", m.String())
		}
	}
	e.restart()
	c2 := e.login("alice", alice, password, allCaps)
	c2.ask("pending", "No authorization requests")
	if n := c2.countMsn(shown); n != 0 {
		t.Errorf("the denied request came back after a restart")
	}
}
