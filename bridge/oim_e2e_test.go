package bridge_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// oimVersions are the versions with offline messages the tests run over:
// TWN with RST tickets and ABFindAll (MSNP15 uses SSO), and SSO with
// ABFindContactsPaged and MPOP (MSNP18).
var oimVersions = []string{"MSNP15", "MSNP18"}

// forOIMVersions runs f at each of oimVersions.
func forOIMVersions(t *testing.T, f func(t *testing.T, e *env)) {
	for _, v := range oimVersions {
		t.Run(v, func(t *testing.T) {
			f(t, newEnv(t, v))
		})
	}
}

// modernPeer signs a contact in with the client id of a Messenger of the
// env's version (MSNC8 or 9: it reads offline messages).
func (e *env) modernPeer(passport string) *peer {
	e.t.Helper()
	return e.peerWith(passport, e.version, msn.SupportedClientID(e.versionNumber()))
}

// peerWith signs a contact in at version, announcing clientID.
func (e *env) peerWith(passport, version string, clientID uint32) *peer {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	cfg := e.msn.Config(passport, password, version)
	cfg.ClientID = clientID
	c, err := msn.Login(ctx, cfg, msn.StatusOnline)
	if err != nil {
		e.t.Fatalf("peer %s login: %v", passport, err)
	}
	p := &peer{t: e.t, c: c, events: make(chan msn.Event, 1024), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for ev := range c.Events() {
			select {
			case p.events <- ev:
			default:
			}
		}
	}()
	e.t.Cleanup(p.close)
	return p
}

// leaveOIM has from leave an offline message for to.
func (e *env) leaveOIM(from *peer, to, text string) {
	e.t.Helper()
	ctx, cancel := ctxT()
	defer cancel()
	if err := from.c.SendOfflineMessage(ctx, to, text); err != nil {
		e.t.Fatalf("leaving an offline message: %v", err)
	}
}

func TestLoginContactsAndChatWithOIMVersions(t *testing.T) {
	forOIMVersions(t, func(t *testing.T, e *env) {
		p := e.peer(bob)
		c := e.login("alice", alice, password, allCaps)
		names := namesOf(c)
		if names["bob"] == "" {
			c.expectCmd("MODE", "&msn", "+v", "bob")
			names["bob"] = "+"
		}
		for n, pre := range map[string]string{"bob": "+", "carol": "", "dave": ""} {
			if got, ok := names[n]; !ok || got != pre {
				t.Errorf("&msn member %s: got %q (present %v), want %q; names %v", n, got, ok, pre, names)
			}
		}
		c.send("PRIVMSG bob :hello from irc")
		p.expectText("hello from irc")
		sb := p.chat(alice)
		ctx, cancel := ctxT()
		defer cancel()
		if err := sb.SendText(ctx, "hello from msn", msn.Format{}); err != nil {
			t.Fatal(err)
		}
		c.expectFrom("bob", "PRIVMSG", "hello from msn")
	})
}

func TestOIMsWaitingAtLoginShownWithTheirTime(t *testing.T) {
	forOIMVersions(t, func(t *testing.T, e *env) {
		p := e.peer(bob)
		e.leaveOIM(p, alice, "first while you were away")
		e.leaveOIM(p, alice, "second while you were away")
		sentBy := time.Now()
		c := e.login("alice", alice, password, allCaps)
		// After the contact list (login read up to its end), in order.
		for _, text := range []string{"first while you were away", "second while you were away"} {
			m := c.expectFrom("bob", "PRIVMSG", text)
			if m.Param(0) != "alice" {
				t.Errorf("offline message to %q, want the query", m.Param(0))
			}
			at, err := time.Parse("2006-01-02T15:04:05.000Z", m.Tags["time"])
			if err != nil || at.After(sentBy) || sentBy.Sub(at) > time.Minute {
				t.Errorf("offline message time %q (%v), want the time it was sent, before %v", m.Tags["time"], err, sentBy)
			}
		}
		deadline := time.Now().Add(waitTime)
		for e.msn.OIMCount(alice) != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d offline messages left on the server after they were shown", e.msn.OIMCount(alice))
			}
			pollPause()
		}
	})
}

func TestOIMShownBeforeAStopIsNotShownAgain(t *testing.T) {
	forOIMVersions(t, func(t *testing.T, e *env) {
		p := e.peer(bob)
		e.leaveOIM(p, alice, "shown before the stop")
		e.leaveOIM(p, alice, "not shown yet")
		// The bridge stopped after it stored the first and before the
		// server deleted it: the store says so.
		ctx, cancel := ctxT()
		defer cancel()
		ac, err := e.msn.Login(ctx, alice, password, e.version)
		if err != nil {
			t.Fatal(err)
		}
		var first string
		for ev := range ac.Events() {
			if m, ok := ev.(msn.OfflineMessageReceived); ok && m.Text == "shown before the stop" {
				first = m.ID
				break
			}
		}
		ac.Close()
		for range ac.Events() {
		}
		if err := e.store.MarkOIMSeen(ctx, alice, first); err != nil {
			t.Fatal(err)
		}

		c := e.login("alice", alice, password, allCaps)
		c.expectFrom("bob", "PRIVMSG", "not shown yet")
		c.sync()
		for _, m := range c.seen {
			if m.Command == "PRIVMSG" && strings.Contains(m.Trailing(), "shown before the stop") {
				t.Errorf("an offline message shown before was shown again: %v", m)
			}
		}
		deadline := time.Now().Add(waitTime)
		for e.msn.OIMCount(alice) != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d offline messages left on the server", e.msn.OIMCount(alice))
			}
			pollPause()
		}
	})
}

func TestMessageToOfflineContactBecomesOIM(t *testing.T) {
	forOIMVersions(t, func(t *testing.T, e *env) {
		p := e.modernPeer(bob)
		c := e.login("alice", alice, password, allCaps)
		if names := namesOf(c); names["bob"] != "+" {
			c.expectCmd("MODE", "&msn", "+v", "bob")
		}
		p.close()
		c.expectCmd("MODE", "&msn", "-v", "bob")
		// What bob's client reads survives a restart.
		c.send("QUIT")
		e.restart()
		c = e.login("alice", alice, password, allCaps)

		c.send("PRIVMSG bob :for when you are back")
		m := c.expectCmd("NOTE", "PRIVMSG", "STORED", "bob")
		if !strings.Contains(m.Trailing(), "stored on the MSN server for bob") {
			t.Errorf("NOTE says %q", m.Trailing())
		}
		if n := e.msn.OIMCount(bob); n != 1 {
			t.Errorf("bob has %d offline messages on the server, want 1", n)
		}
		ctx, cancel := ctxT()
		defer cancel()
		if out, err := e.store.Outbox(ctx, alice, bob); err != nil || len(out) != 0 {
			t.Errorf("outbox for bob: %v, %v; want it empty (no message sent both ways)", out, err)
		}

		// Dave was never seen online: the outbox, as before.
		c.send("PRIVMSG dave :outbox for dave")
		c.expectCmd("NOTE", "PRIVMSG", "QUEUED", "dave")
		if n := e.msn.OIMCount(dave); n != 0 {
			t.Errorf("dave has %d offline messages, want none", n)
		}

		// Bob fetches it at his next sign-in.
		b := e.peer(bob)
		got := b.expect("the offline message", func(ev msn.Event) bool {
			m, ok := ev.(msn.OfflineMessageReceived)
			return ok && m.From == alice
		}).(msn.OfflineMessageReceived)
		if got.Text != "for when you are back" {
			t.Errorf("bob got %q", got.Text)
		}
	})
}

func TestMessageToContactLastOnOldClientGoesToOutbox(t *testing.T) {
	forOIMVersions(t, func(t *testing.T, e *env) {
		p := e.modernPeer(bob)
		c := e.login("alice", alice, password, allCaps)
		if names := namesOf(c); names["bob"] != "+" {
			c.expectCmd("MODE", "&msn", "+v", "bob")
		}
		p.close()
		c.expectCmd("MODE", "&msn", "-v", "bob")
		// Then on Messenger 7.5 (MSNC5), which has no offline messages.
		p = e.peerWith(bob, "MSNP12", 5<<28)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		p.close()
		c.expectCmd("MODE", "&msn", "-v", "bob")
		c.send("PRIVMSG bob :waits in the outbox")
		c.expectCmd("NOTE", "PRIVMSG", "QUEUED", "bob")
		if n := e.msn.OIMCount(bob); n != 0 {
			t.Errorf("bob has %d offline messages, want none", n)
		}
	})
}
