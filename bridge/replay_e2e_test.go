package bridge_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/msn"
)

// keptMessages reads the messages the bridge keeps for alice's next client,
// from a second connection to the bridge's database.
func keptMessages(t *testing.T, e *env) []db.StoredMessage {
	t.Helper()
	ctx, cancel := ctxT()
	defer cancel()
	store, err := db.Open(ctx, e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	msgs, err := store.Replay(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// waitReplayKept waits until the bridge keeps a message containing text
// for alice's next client.
func waitReplayKept(t *testing.T, e *env, text string) []db.StoredMessage {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for {
		msgs := keptMessages(t, e)
		for _, m := range msgs {
			if strings.Contains(m.Text, text) {
				return msgs
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no kept message contains %q; kept: %+v", text, msgs)
		}
		pollPause()
	}
}

// leave sets keep_online and disconnects c, leaving the session online.
func leave(c *client) {
	c.t.Helper()
	c.send("QUIT")
	c.expectCmd("ERROR")
}

func TestReplayIsBounded(t *testing.T) {
	const bound = 5
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.MaxReplay = bound })
	c := e.login("alice", alice, password, allCaps)
	c.ask("set keep_online true", "keep_online=true")
	c.ask("set history_days 0", "history_days=0") // the replay queue, without the history
	leave(c)
	p := e.peer(bob)
	sb := p.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	const sent = 8
	for i := 1; i <= sent; i++ {
		if err := sb.SendText(ctx, fmt.Sprintf("message %d", i), msn.Format{}); err != nil {
			t.Fatal(err)
		}
	}
	kept := waitReplayKept(t, e, fmt.Sprintf("message %d", sent))
	// The oldest is dropped right after the newest is stored.
	deadline := time.Now().Add(waitTime)
	for len(kept) > bound && time.Now().Before(deadline) {
		pollPause()
		kept = keptMessages(t, e)
	}
	if len(kept) != bound || kept[0].Text != fmt.Sprintf("message %d", sent-bound+1) {
		t.Errorf("%d messages kept, want the newest %d: %+v", len(kept), bound, kept)
	}

	c2 := e.login("alice", alice, password, allCaps)
	m := c2.expectMsn("dropped")
	if want := fmt.Sprint(sent-bound, " older message"); !strings.Contains(m.Trailing(), want) || m.Param(0) != "&msn" {
		t.Errorf("drop notice %v, want it in &msn and to say %q", m, want)
	}
	for i := sent - bound + 1; i <= sent; i++ {
		m := c2.expectCmd("PRIVMSG", "alice")
		if want := fmt.Sprintf("message %d", i); m.Prefix.Name != "bob" || m.Trailing() != want || m.Tags["time"] == "" {
			t.Errorf("replayed %v, want %q from bob with server-time", m, want)
		}
	}
	// Replayed messages are forgotten once the client answered the PING
	// that follows them.
	c2.send("PONG :" + replayPing(c2))
	deadline = time.Now().Add(waitTime)
	for left := keptMessages(t, e); len(left) != 0; left = keptMessages(t, e) {
		if time.Now().After(deadline) {
			t.Fatalf("still kept after the replay: %+v", left)
		}
		pollPause()
	}

	// The count starts again: fewer than the bound are all replayed, without a notice.
	leave(c2)
	if err := sb.SendText(ctx, "one more", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	waitReplayKept(t, e, "one more")
	c3 := e.login("alice", alice, password, allCaps)
	m = c3.expect("replay of one more", func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" || (m.Prefix != nil && m.Prefix.Name == "msn" && strings.Contains(m.Trailing(), "dropped"))
	})
	if m.Command != "PRIVMSG" || m.Trailing() != "one more" {
		t.Errorf("got %v, want only the replay of \"one more\"", m)
	}
}

func TestReplayBoundAppliesAfterRestart(t *testing.T) {
	// Messages kept by a run with a larger bound are cut to the new one.
	e := newEnvWith(t, "MSNP7", nil)
	c := e.login("alice", alice, password, allCaps)
	c.ask("set keep_online true", "keep_online=true")
	c.ask("set history_days 0", "history_days=0") // the replay queue, without the history
	leave(c)
	p := e.peer(bob)
	sb := p.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	for i := 1; i <= 4; i++ {
		if err := sb.SendText(ctx, fmt.Sprintf("before restart %d", i), msn.Format{}); err != nil {
			t.Fatal(err)
		}
	}
	waitReplayKept(t, e, "before restart 4")
	e.tweak = func(c *bridge.Config) { c.MaxReplay = 2 }
	e.restart()
	c2 := e.login("alice", alice, password, allCaps)
	c2.expectMsn("2 older message")
	c2.expectFrom("bob", "PRIVMSG", "before restart 3")
	c2.expectFrom("bob", "PRIVMSG", "before restart 4")
	// Unconfirmed, the next client is told the same.
	leave(c2)
	c3 := e.login("alice", alice, password, allCaps)
	if m := c3.expectMsn("older message"); !strings.HasPrefix(m.Trailing(), "2 older message") {
		t.Errorf("second drop notice %q, want it to say 2 again", m.Trailing())
	}
	c3.expectFrom("bob", "PRIVMSG", "before restart 3")
	c3.expectFrom("bob", "PRIVMSG", "before restart 4")
}

func TestFailureKeptForNextClient(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.RequestTimeout = 300 * time.Millisecond })
	c := e.login("alice", alice, password, allCaps)
	p := e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.ask("set keep_online true", "keep_online=true")
	c.ask("set history_days 0", "history_days=0") // the replay queue, without the history
	c.send("PRIVMSG bob :warm up")
	p.expectText("warm up")
	e.msn.IgnoreCommand("MSG")
	c.send("PRIVMSG bob :sent just before leaving")
	leave(c)
	waitReplayKept(t, e, "sent just before leaving")
	e.msn.AnswerCommand("MSG")
	c2 := e.login("alice", alice, password, allCaps)
	// Kept as a NOTICE from msn naming bob, never as one from bob.
	m := c2.expectFrom("msn", "NOTICE", "sent just before leaving")
	if !strings.Contains(m.Trailing(), "Message to bob not delivered") {
		t.Errorf("kept report %q does not say the message was not delivered", m.Trailing())
	}
}
