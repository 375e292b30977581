package bridge_test

import (
	"fmt"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

// keepMessages has bob send n messages "kept 1" to "kept n" while alice
// has no client attached (keep_online), and waits until all are kept.
func keepMessages(t *testing.T, e *env, n int) *msn.Switchboard {
	t.Helper()
	c := e.login("alice", alice, password, allCaps)
	c.ask("set keep_online true", "keep_online=true")
	c.ask("set history_days 0", "history_days=0") // the replay queue, without the history
	leave(c)
	sb := e.peer(bob).chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	for i := 1; i <= n; i++ {
		if err := sb.SendText(ctx, fmt.Sprintf("kept %d", i), msn.Format{}); err != nil {
			t.Fatal(err)
		}
	}
	if kept := waitReplayKept(t, e, fmt.Sprintf("kept %d", n)); len(kept) != n {
		t.Fatalf("%d messages kept, want %d", len(kept), n)
	}
	return sb
}

// readReplay reads the replayed messages "kept 1" to "kept n", in order.
func readReplay(c *client, n int) {
	c.t.Helper()
	for i := 1; i <= n; i++ {
		want := fmt.Sprintf("kept %d", i)
		m := c.expectCmd("PRIVMSG", "alice")
		if m.Prefix.Name != "bob" || m.Trailing() != want {
			c.t.Fatalf("replayed message %d is %v, want %q from bob", i, m, want)
		}
	}
}

// replayPing waits for the PING that asks the client to confirm the
// replay and returns its token.
func replayPing(c *client) string {
	c.t.Helper()
	m := c.expect("the PING after the replay", func(m *irc.Message) bool {
		return m.Command == "PING" || m.Command == "PRIVMSG"
	})
	if m.Command != "PING" || m.Param(0) == "" || m.Param(0) == "msn2irc" {
		c.t.Fatalf("got %v after the replay, want a PING with a token", m)
	}
	return m.Param(0)
}

// waitNoneKept waits until the store keeps nothing for alice.
func waitNoneKept(t *testing.T, e *env) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for left := keptMessages(t, e); len(left) != 0; left = keptMessages(t, e) {
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still kept after the client confirmed the replay", len(left))
		}
		pollPause()
	}
}

func TestReplayKeptUntilTheClientConfirms(t *testing.T) {
	const n = 1000
	e := newEnv(t, "MSNP12")
	sb := keepMessages(t, e, n)

	// The first client reads part of the replay and its connection drops
	// without answering the PING.
	c2 := e.login("alice", alice, password, allCaps)
	readReplay(c2, 300)
	c2.conn.Close()
	if kept := keptMessages(t, e); len(kept) != n {
		t.Fatalf("%d messages kept after a client read part of the replay and dropped, want all %d", len(kept), n)
	}

	// The next answers PONGs before the replay ends, with tokens that are
	// not the one sent after it (the keepalive's, a guess), then drops.
	c3 := e.login("alice", alice, password, allCaps)
	// (No sync here: its barrier would take the replayed lines that come
	// before its own PONG.)
	c3.send("PONG :msn2irc")
	c3.send("PONG msn2irc :c")
	readReplay(c3, n)
	replayPing(c3)
	c3.conn.Close()

	// The next gets all of them, confirms, and they are gone from the store.
	c4 := e.login("alice", alice, password, allCaps)
	readReplay(c4, n)
	token := replayPing(c4)
	if kept := keptMessages(t, e); len(kept) != n {
		t.Fatalf("%d messages kept before the PONG, want all %d", len(kept), n)
	}
	c4.send("PONG :" + token)
	waitNoneKept(t, e)

	// Delivery goes on as usual, and a third attach gets no replay.
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.SendText(ctx, "live", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c4.expectFrom("bob", "PRIVMSG", "live")
	leave(c4)
	if err := sb.SendText(ctx, "after the confirmed replay", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	waitReplayKept(t, e, "after the confirmed replay")
	c5 := e.login("alice", alice, password, allCaps)
	if m := c5.expectCmd("PRIVMSG", "alice"); m.Trailing() != "after the confirmed replay" {
		t.Errorf("a client attaching after the confirmed replay got %v first, want only the newer message", m)
	}
}

// A kept message replayed again, after a replay no client confirmed,
// has the msgid it had the first time: a bouncer shows it once.
func TestReplayAgainKeepsTheMsgIDs(t *testing.T) {
	e := newEnv(t, "MSNP12")
	keepMessages(t, e, 2)
	c := e.login("alice", alice, password, allCaps)
	first := []*irc.Message{c.expectFrom("bob", "PRIVMSG", "kept 1"), c.expectFrom("bob", "PRIVMSG", "kept 2")}
	replayPing(c)
	leave(c) // without the PONG: the messages stay kept
	c2 := e.login("alice", alice, password, allCaps)
	for i, text := range []string{"kept 1", "kept 2"} {
		again := c2.expectFrom("bob", "PRIVMSG", text)
		if id := first[i].Tags["msgid"]; id == "" || again.Tags["msgid"] != id {
			t.Errorf("%q replayed with msgid %q, then %q", text, id, again.Tags["msgid"])
		}
	}
}

func TestReplayToTwoClientsAttachingTogether(t *testing.T) {
	const n = 200
	e := newEnv(t, "MSNP12")
	keepMessages(t, e, n)

	// Both get every kept message once, in order, then a PING; nothing is
	// deleted until one of them answers it.
	c2 := e.login("alice", alice, password, allCaps)
	c3 := e.login("alice", alice, password, allCaps)
	readReplay(c2, n)
	token2 := replayPing(c2)
	readReplay(c3, n)
	token3 := replayPing(c3)
	if token2 == token3 {
		t.Errorf("both clients were sent the token %q", token2)
	}
	if kept := keptMessages(t, e); len(kept) != n {
		t.Fatalf("%d messages kept before either client answered, want all %d", len(kept), n)
	}
	c3.send("PONG :" + token3)
	waitNoneKept(t, e)

	// c2's answer, later, changes nothing, and neither client gets the
	// messages again.
	c2.send("PONG :" + token2)
	for _, c := range []*client{c2, c3} {
		tok := "after" + c.nick
		c.send("PING " + tok)
		m := c.expect("no second replay", func(m *irc.Message) bool {
			return m.Command == "PRIVMSG" || m.Command == "PONG" && m.Trailing() == tok
		})
		if m.Command != "PONG" {
			t.Errorf("got %v after the replay was confirmed, want nothing more", m)
		}
	}
}

func TestReplayComesBeforeNewMessages(t *testing.T) {
	const n, fresh = 200, 100
	e := newEnv(t, "MSNP12")
	sb := keepMessages(t, e, n)

	// Bob goes on writing while the next client attaches: it gets the kept
	// messages first, then the new ones, each in order, whether a new one
	// came before the session greeted the client (it is kept, and
	// replayed after the others) or after (it is delivered).
	sent := make(chan error, 1)
	go func() {
		ctx, cancel := ctxT()
		defer cancel()
		for i := 1; i <= fresh; i++ {
			if err := sb.SendText(ctx, fmt.Sprintf("new %d", i), msn.Format{}); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	c := e.login("alice", alice, password, allCaps)
	readReplay(c, n)
	for i := 1; i <= fresh; i++ {
		want := fmt.Sprintf("new %d", i)
		if m := c.expectCmd("PRIVMSG", "alice"); m.Trailing() != want {
			t.Fatalf("got %v, want %q: kept messages first, then new ones, in order", m, want)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}
