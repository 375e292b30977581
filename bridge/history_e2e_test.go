package bridge_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// storedHistory returns alice's stored messages with conv, oldest first.
func storedHistory(t *testing.T, e *env, conv string) []db.HistoryMessage {
	t.Helper()
	ctx, cancel := ctxT()
	defer cancel()
	ms, err := e.store.History(ctx, db.HistoryRange{Account: alice, Conversation: conv, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// waitHistory waits until the history with conv holds a message that
// matches, and returns the history then.
func waitHistory(t *testing.T, e *env, conv, desc string, match func(m db.HistoryMessage) bool) []db.HistoryMessage {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for {
		ms := storedHistory(t, e, conv)
		if slices.ContainsFunc(ms, match) {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("the history with %s has no %s; it has %+v", conv, desc, ms)
		}
		pollPause()
	}
}

func textIs(text string) func(m db.HistoryMessage) bool {
	return func(m db.HistoryMessage) bool { return m.Text == text }
}

// A message each way is stored, with its direction, sender and outcome,
// and the user's own message moves the read marker.
func TestHistoryStoresBothWays(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	c.send("PRIVMSG bob :hello bob")
	p.expectText("hello bob")
	ms := waitHistory(t, e, bob, "delivered message from alice", func(m db.HistoryMessage) bool {
		return m.Text == "hello bob" && m.Outcome == db.OutcomeDelivered
	})
	own := ms[0]
	if !own.Self || own.Sender != alice || own.SenderNick != "alice" || own.Command != "PRIVMSG" || own.MsgID == "" || own.Kind != db.KindMessage {
		t.Errorf("the user's message is stored as %+v", own)
	}
	ctx, cancel := ctxT()
	defer cancel()
	if mark, err := e.store.ReadMarker(ctx, alice, bob); err != nil || !mark.Equal(own.Time) {
		t.Errorf("read marker = %v, %v; want the time of the user's message %v", mark, err, own.Time)
	}

	sb := p.chat(alice)
	if err := sb.SendText(ctx, "hi alice", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	got := c.expectFrom("bob", "PRIVMSG", "hi alice")
	ms = waitHistory(t, e, bob, "message from bob", textIs("hi alice"))
	in := ms[len(ms)-1]
	if in.Self || in.Sender != bob || in.SenderNick != "bob" || in.Outcome != "" || in.MsgID == "" || in.MsgID == own.MsgID {
		t.Errorf("bob's message is stored as %+v", in)
	}
	// The time clients got is the stored one, to the millisecond.
	if tag := got.Tags["time"]; !strings.HasPrefix(tag, in.Time.UTC().Format("2006-01-02T15:04:05.000")) {
		t.Errorf("server-time %q, stored %v", tag, in.Time)
	}
}

// A message to an offline contact is stored as queued, then delivered
// when the contact comes online and gets it.
func TestHistoryQueuedThenDelivered(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	c.send("PRIVMSG dave :are you there")
	c.expectCmd("NOTE", "PRIVMSG", "QUEUED")
	waitHistory(t, e, dave, "queued message", func(m db.HistoryMessage) bool {
		return m.Text == "are you there" && m.Outcome == db.OutcomeQueued
	})
	p := e.peer(dave)
	p.expectText("are you there")
	waitHistory(t, e, dave, "delivered message", func(m db.HistoryMessage) bool {
		return m.Text == "are you there" && m.Outcome == db.OutcomeDelivered
	})
}

// An offline message is stored in the contact's conversation, as an OIM,
// with the time it was sent.
func TestHistoryStoresOIM(t *testing.T) {
	e := newEnv(t, "MSNP15")
	p := e.modernPeer(bob)
	e.leaveOIM(p, alice, "while you were out")
	c := e.login("alice", alice, password, allCaps)
	c.expectFrom("bob", "PRIVMSG", "while you were out")
	ms := waitHistory(t, e, bob, "offline message", textIs("while you were out"))
	if m := ms[0]; m.Kind != db.KindOIM || m.Self || m.Sender != bob {
		t.Errorf("stored as %+v", m)
	}
}

// chatBob has bob send alice the texts, in one chat.
func chatBob(t *testing.T, p *peer, texts ...string) {
	t.Helper()
	sb := p.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	for _, text := range texts {
		if err := sb.SendText(ctx, text, msn.Format{}); err != nil {
			t.Fatal(err)
		}
	}
}

// Retention: history_days deletes what is older, by the bridge's clock;
// history_days 0 stores nothing.
func TestHistoryRetention(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	chatBob(t, p, "old news")
	c.expectFrom("bob", "PRIVMSG", "old news")
	waitHistory(t, e, bob, "old news", textIs("old news"))

	c.ask("set history_days 3", "history_days=3")
	if ms := storedHistory(t, e, bob); len(ms) != 1 {
		t.Fatalf("a fresh message went with 3 days of retention: %+v", ms)
	}
	e.clock.advance(4 * 24 * time.Hour)
	c.ask("set history_days 5", "history_days=5")
	if ms := storedHistory(t, e, bob); len(ms) != 1 {
		t.Fatalf("a message 4 days old went with 5 days of retention: %+v", ms)
	}
	c.ask("set history_days 3", "history_days=3")
	if ms := storedHistory(t, e, bob); len(ms) != 0 {
		t.Errorf("a message 4 days old stays with 3 days of retention: %+v", ms)
	}

	c.ask("set history_days 0", "history_days=0")
	chatBob(t, p, "not kept")
	c.expectFrom("bob", "PRIVMSG", "not kept")
	c.send("PRIVMSG bob :nor this")
	p.expectText("nor this")
	c.sync()
	if ms := storedHistory(t, e, bob); len(ms) != 0 {
		t.Errorf("history_days 0 stored %+v", ms)
	}
}

// The operator's HistoryDays caps the user's history_days.
func TestHistoryOperatorLimit(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.HistoryDays = 2 })
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	chatBob(t, p, "soon gone")
	c.expectFrom("bob", "PRIVMSG", "soon gone")
	waitHistory(t, e, bob, "the message", textIs("soon gone"))
	e.clock.advance(3 * 24 * time.Hour)
	c.ask("set history_days 30", "this server keeps at most 2 days")
	if ms := storedHistory(t, e, bob); len(ms) != 0 {
		t.Errorf("a message 3 days old stays under a 2-day limit: %+v", ms)
	}
}

func TestHistoryClearAndSearch(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	pc := e.peer(carol)
	c := e.login("alice", alice, password, allCaps)
	chatBob(t, p, "lunch at noon?")
	c.expectFrom("bob", "PRIVMSG", "lunch at noon?")
	sb := pc.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.SendText(ctx, "lunch\x07 tomorrow", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("carol", "PRIVMSG", "tomorrow")
	c.send("PRIVMSG bob :no lunch for me")
	p.expectText("no lunch for me")

	c.ask("search lunch", "<alice> no lunch for me")
	c.expectMsn("carol: <carol> lunch tomorrow")
	c.expectMsn("bob: <bob> lunch at noon?")
	c.ask("search noon bob", "bob: <bob> lunch at noon?")
	c.ask("search lunch carol", "carol: <carol> lunch tomorrow")
	c.ask("search dinner", "No match")
	c.ask("search "+strings.Repeat("x", 300), "too long")

	c.ask("history clear bob", "History with bob cleared: 2 message(s) deleted.")
	c.ask("search lunch", "carol: <carol> lunch tomorrow")
	c.ask("search noon", "No match")
	c.ask("history clear all", "History cleared: 1 message(s) deleted.")
	c.ask("search lunch", "No match")
	c.ask("history clear nobody", "No conversation with")
}

// forget deletes every row of the account, in every table, after the
// confirmation, and ends the session with a clear message.
func TestHistoryForget(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	chatBob(t, p, "remember me")
	c.expectFrom("bob", "PRIVMSG", "remember me")
	c.send("PRIVMSG dave :queued for later")
	c.expectCmd("NOTE", "PRIVMSG", "QUEUED")
	c.ask("rename bob bobby", "bobby")
	c.ask("set keep_online true", "keep_online=true")
	waitHistory(t, e, bob, "the message", textIs("remember me"))

	c.ask("forget 123456", "not the code")
	c.send("PRIVMSG msn :forget")
	c.expectMsn("the message history")
	errLine := c.confirmForget()
	if !strings.Contains(errLine.Trailing(), "Everything msn2irc stored for "+alice+" was deleted") {
		t.Errorf("the client was told %q", errLine.Trailing())
	}
	waitSessionGone(t, e)

	sqldb, err := sql.Open("sqlite3", "file:"+e.dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	rows, err := sqldb.Query(`SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'account'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("found only tables %v", tables)
	}
	for _, table := range tables {
		var n int
		if err := sqldb.QueryRow(`SELECT count(*) FROM `+table+` WHERE account = ?`, alice).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s keeps %d row(s) of the forgotten account", table, n)
		}
	}
	var fts int
	if err := sqldb.QueryRow(`SELECT count(*) FROM message_fts WHERE message_fts MATCH 'remember'`).Scan(&fts); err != nil || fts != 0 {
		t.Errorf("the search index keeps %d entries (%v)", fts, err)
	}

	// The bytes leave the files at the bridge's next retention pass (at
	// start, then hourly): a restart here.
	if due, err := e.store.EraseDue(context.Background()); err != nil || !due {
		t.Fatalf("no erase due after the forget: %v, %v", due, err)
	}
	e.stop()
	e.start()
	waitFor(t, "the forgotten account's bytes to be erased", func() bool {
		due, err := e.store.EraseDue(context.Background())
		return err == nil && !due
	})
	e.stop()
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(e.dbPath + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("remember me")) {
			t.Errorf("the database file%s still holds the forgotten text", suffix)
		}
	}
	e.start()
}

// waitSessionGone waits until alice has no session.
func waitSessionGone(t *testing.T, e *env) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for {
		if _, ok := bridge.HistorianOf(e.bridge, alice); !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the session did not end")
		}
		pollPause()
	}
}

// A client without draft/chathistory that attaches gets what arrived
// while no client was attached, from the history, with the original
// times, once: the next one gets none of it again.
func TestHistoryReplayAfterDetach(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	c.ask("set keep_online true", "keep_online=true")
	chatBob(t, p, "seen live")
	c.expectFrom("bob", "PRIVMSG", "seen live")
	leave(c)
	chatBob(t, p, "while away 1", "while away 2")
	ms := waitHistory(t, e, bob, "the second message", textIs("while away 2"))
	if kept := keptMessages(t, e); len(kept) != 0 {
		t.Errorf("with the history on, the replay queue keeps %+v", kept)
	}

	c2 := e.login("alice", alice, password, allCaps)
	for _, want := range ms[1:] {
		got := c2.expectFrom("bob", "PRIVMSG", want.Text)
		if tag := got.Tags["time"]; !strings.HasPrefix(tag, want.Time.UTC().Format("2006-01-02T15:04:05.000")) {
			t.Errorf("%q replayed at %q, stored %v", want.Text, tag, want.Time)
		}
	}
	c2.send("PONG :" + replayPing(c2))
	c2.sync()
	c2.send("QUIT")
	c2.expectCmd("ERROR")

	c3 := e.login("alice", alice, password, allCaps)
	c3.sync()
	for _, m := range c3.seen {
		if m.Command == "PRIVMSG" && m.Prefix.Name == "bob" {
			t.Errorf("replayed again: %v", m)
		}
	}
}

// The replay from the history is bounded: the newest MaxReplay messages
// that reached no client, after a notice of how many older ones the
// history keeps.
func TestHistoryReplayBounded(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.MaxReplay = 2 })
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	c.ask("set keep_online true", "keep_online=true")
	leave(c)
	chatBob(t, p, "away 1", "away 2", "away 3", "away 4", "away 5")
	waitHistory(t, e, bob, "the last message", textIs("away 5"))
	c2 := e.login("alice", alice, password, allCaps)
	c2.expectMsn("3 older message(s) arrived while no IRC client was connected")
	for _, text := range []string{"away 4", "away 5"} {
		c2.expectFrom("bob", "PRIVMSG", text)
	}
	c2.send("PONG :" + replayPing(c2))
	c2.sync()
	for _, m := range c2.seen {
		if m.Command == "PRIVMSG" && m.Prefix.Name == "bob" && slices.Contains([]string{"away 1", "away 2", "away 3"}, m.Trailing()) {
			t.Errorf("replayed past the bound: %v", m)
		}
	}
}

// A bouncer that reconnects in the middle of a stream of messages sees
// each message exactly once: the live ones moved the delivery cursor,
// those that came while it was away are replayed.
func TestHistoryBouncerReconnectSeesEachOnce(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	c.ask("set keep_online true", "keep_online=true")
	sb := p.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	send := func(from, to int) {
		for i := from; i < to; i++ {
			if err := sb.SendText(ctx, fmt.Sprintf("stream %d", i), msn.Format{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	seen := map[string]int{}
	count := func(cl *client) {
		for _, m := range cl.seen {
			if m.Command == "PRIVMSG" && m.Prefix.Name == "bob" {
				seen[m.Trailing()]++
			}
		}
	}
	send(0, 20)
	c.expectFrom("bob", "PRIVMSG", "stream 19")
	send(20, 40)
	leave(c)
	count(c)
	send(40, 60)
	waitHistory(t, e, bob, "the last message", textIs("stream 59"))
	c2 := e.login("alice", alice, password, allCaps)
	c2.expectFrom("bob", "PRIVMSG", "stream 59")
	c2.send("PONG :" + replayPing(c2))
	c2.sync()
	leave(c2)
	count(c2)
	c3 := e.login("alice", alice, password, allCaps)
	c3.sync()
	count(c3)
	for i := range 60 {
		text := fmt.Sprintf("stream %d", i)
		if seen[text] != 1 {
			t.Errorf("%q seen %d times", text, seen[text])
		}
	}
}

// The Historian answers each CHATHISTORY subcommand, TARGETS and the
// read markers from the stored history.
func TestHistorian(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	var texts []string
	for i := range 10 {
		texts = append(texts, fmt.Sprintf("h%d", i))
	}
	chatBob(t, p, texts[:5]...)
	c.expectFrom("bob", "PRIVMSG", "h4")
	for _, text := range texts[5:] {
		c.send("PRIVMSG bob :" + text)
		p.expectText(text)
	}
	ms := waitHistory(t, e, bob, "the last", textIs("h9"))
	if len(ms) != 10 {
		t.Fatalf("stored %d", len(ms))
	}
	h, ok := bridge.HistorianOf(e.bridge, alice)
	if !ok {
		t.Fatal("no session")
	}
	ctx, cancel := ctxT()
	defer cancel()
	ref := func(i int) ircd.HistoryRef { return ircd.HistoryRef{MsgID: ms[i].MsgID} }
	at := func(i int) ircd.HistoryRef { return ircd.HistoryRef{Time: ms[i].Time} }
	for _, tc := range []struct {
		q    ircd.HistoryQuery
		want []string
	}{
		{ircd.HistoryQuery{Subcommand: "LATEST", Limit: 3}, texts[7:]},
		{ircd.HistoryQuery{Subcommand: "LATEST", From: ref(6), Limit: 10}, texts[7:]},
		{ircd.HistoryQuery{Subcommand: "BEFORE", From: ref(4), Limit: 2}, texts[2:4]},
		{ircd.HistoryQuery{Subcommand: "AFTER", From: ref(4), Limit: 2}, texts[5:7]},
		{ircd.HistoryQuery{Subcommand: "AROUND", From: ref(5), Limit: 4}, texts[3:7]},
		{ircd.HistoryQuery{Subcommand: "BETWEEN", From: ref(1), To: ref(5), Limit: 10}, texts[2:5]},
		{ircd.HistoryQuery{Subcommand: "BETWEEN", From: ref(8), To: ref(1), Limit: 2}, texts[6:8]},
		{ircd.HistoryQuery{Subcommand: "AFTER", From: at(9), Limit: 5}, nil},
		{ircd.HistoryQuery{Subcommand: "BEFORE", From: ircd.HistoryRef{MsgID: "unknown"}, Limit: 5}, nil},
	} {
		for _, target := range []struct{ name, account string }{{"bob", bob}, {"BOB", ""}} {
			tc.q.Target, tc.q.TargetAccount = target.name, target.account
			got, err := h.History(ctx, nil, tc.q)
			if err != nil {
				t.Fatalf("%+v: %v", tc.q, err)
			}
			var gotTexts []string
			for _, m := range got {
				gotTexts = append(gotTexts, m.Text)
			}
			if !slices.Equal(gotTexts, tc.want) {
				t.Errorf("%s %+v: got %v, want %v", tc.q.Subcommand, tc.q, gotTexts, tc.want)
			}
		}
	}
	got, err := h.History(ctx, nil, ircd.HistoryQuery{Subcommand: "LATEST", Target: "bob", TargetAccount: bob, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range got {
		want := ms[i]
		if m.MsgID != want.MsgID || !m.Time.Equal(want.Time) || m.Self != (i >= 5) {
			t.Errorf("message %d: %+v, stored %+v", i, m, want)
		}
		if m.Self && m.Target != "bob" || !m.Self && (m.From != "bob" || m.Target != "") {
			t.Errorf("message %d from %q to %q", i, m.From, m.Target)
		}
	}
	var he *ircd.HistoryError
	if _, err := h.History(ctx, nil, ircd.HistoryQuery{Subcommand: "LATEST", Target: "nobody", Limit: 1}); err == nil || !errors.As(err, &he) || he.Code != "INVALID_TARGET" {
		t.Errorf("an unknown nick: %v", err)
	}

	ts, err := h.HistoryTargets(ctx, nil, ms[0].Time, time.Now().Add(time.Minute), 10)
	if err != nil || len(ts) != 1 || ts[0].Target != "bob" || !ts[0].Latest.Equal(ms[9].Time) {
		t.Errorf("targets = %+v, %v", ts, err)
	}

	mark, err := h.ReadMarker(ctx, nil, "bob", bob)
	if err != nil || !mark.Equal(ms[9].Time) {
		t.Errorf("read marker after the user's message = %v, %v; want %v", mark, err, ms[9].Time)
	}
	later := ms[9].Time.Add(time.Second)
	if got, err := h.MarkRead(ctx, nil, "bob", bob, later); err != nil || !got.Equal(later) {
		t.Errorf("MarkRead later = %v, %v", got, err)
	}
	if got, err := h.MarkRead(ctx, nil, "bob", bob, ms[0].Time); err != nil || !got.Equal(later) {
		t.Errorf("MarkRead earlier = %v, %v; want the later marker kept", got, err)
	}
}

// The retention holds for an account that does not sign in: the
// operator's HistoryDays, and the account's own history_days, delete its
// old messages as they do a signed-in account's.
func TestHistoryRetentionWithoutSession(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.HistoryDays = 30 })
	e.stop()
	ctx, cancel := ctxT()
	defer cancel()
	store, err := db.Open(ctx, e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.now()
	msg := func(account, id string, age time.Duration) db.HistoryMessage {
		return db.HistoryMessage{Account: account, Conversation: bob, MsgID: id, Time: now.Add(-age), Sender: bob, SenderNick: "bob", Command: "PRIVMSG", Text: id}
	}
	err = store.AddHistory(ctx, []db.HistoryMessage{
		msg(alice, "alice-old", 40*24*time.Hour), msg(alice, "alice-new", time.Hour),
		msg(carol, "carol-old", 3*24*time.Hour), msg(carol, "carol-new", time.Hour),
	})
	if err == nil {
		err = store.SaveSettings(ctx, carol, db.Settings{NickSource: db.NickSourcePassport, HistoryDays: 2, HistoryDaysSet: true})
	}
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	e.start()
	for _, account := range []string{alice, carol} {
		waitFor(t, account+"'s old message to go", func() bool {
			ms, err := e.store.History(ctx, db.HistoryRange{Account: account, Conversation: bob, Limit: 10})
			return err == nil && len(ms) == 1 && strings.HasSuffix(ms[0].MsgID, "-new")
		})
	}
}
