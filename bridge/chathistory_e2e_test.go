package bridge_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/msn"
)

// historyCaps are allCaps with the history's capabilities.
const historyCaps = allCaps + " batch draft/chathistory draft/read-marker"

// readBatch reads one chathistory batch for target and returns its
// messages, checking that each is tagged with the batch, a msgid and a
// time.
func readBatch(t *testing.T, c *client, target string) []*irc.Message {
	t.Helper()
	start := c.expectCmd("BATCH")
	if len(start.Params) != 3 || !strings.HasPrefix(start.Param(0), "+") || start.Param(1) != "chathistory" || start.Param(2) != target {
		t.Fatalf("batch start %v, want BATCH +ref chathistory %s", start, target)
	}
	ref := start.Param(0)[1:]
	var ms []*irc.Message
	for {
		m := c.expect("a line of the batch", func(*irc.Message) bool { return true })
		if m.Command == "BATCH" {
			if m.Param(0) != "-"+ref {
				t.Fatalf("batch end %v, want -%s", m, ref)
			}
			return ms
		}
		if m.Command != "PRIVMSG" || m.Tags["batch"] != ref || m.Tags["msgid"] == "" || m.Tags["time"] == "" {
			t.Fatalf("in the batch: %v", m)
		}
		ms = append(ms, m)
	}
}

// The msgid a client sees live is the one CHATHISTORY gives, for the
// contact's messages and the user's own (echo-message), with the same
// time; BEFORE pages back by msgid.
func TestChathistoryGivesTheLiveMsgIDs(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, historyCaps)
	chatBob(t, p, "one", "two")
	live := map[string]*irc.Message{}
	for _, text := range []string{"one", "two"} {
		live[text] = c.expectFrom("bob", "PRIVMSG", text)
	}
	c.send("PRIVMSG bob :three")
	live["three"] = c.expect("the echo of three", func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && m.Prefix.Name == "alice" && m.Trailing() == "three"
	})
	p.expectText("three")
	for text, m := range live {
		if m.Tags["msgid"] == "" {
			t.Fatalf("%q came without a msgid: %v", text, m)
		}
	}

	c.send("CHATHISTORY LATEST bob * 10")
	got := readBatch(t, c, "bob")
	var texts []string
	for _, m := range got {
		texts = append(texts, m.Trailing())
		l := live[m.Trailing()]
		if l == nil || m.Tags["msgid"] != l.Tags["msgid"] || m.Tags["time"] != l.Tags["time"] || m.Prefix.Name != l.Prefix.Name {
			t.Errorf("in the history %v, live %v", m, l)
		}
	}
	if !slices.Equal(texts, []string{"one", "two", "three"}) {
		t.Fatalf("history %v", texts)
	}
	c.send("CHATHISTORY BEFORE bob msgid=" + live["three"].Tags["msgid"] + " 1")
	if got := readBatch(t, c, "bob"); len(got) != 1 || got[0].Trailing() != "two" {
		t.Errorf("BEFORE three: %v", got)
	}
	c.send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10")
	start := c.expectCmd("BATCH")
	if start.Param(1) != "draft/chathistory-targets" {
		t.Fatalf("TARGETS batch %v", start)
	}
	target := c.expectCmd("CHATHISTORY", "TARGETS", "bob")
	if target.Param(2) != live["three"].Tags["time"] {
		t.Errorf("TARGETS gives %v, want bob at %s", target, live["three"].Tags["time"])
	}
	c.expectCmd("BATCH", "-"+start.Param(0)[1:])
}

// The msgid of a long message's second line, the last a client saw,
// places AFTER and LATEST after the message, as soju and Goguma ask when
// they catch up.
func TestChathistoryAfterASplitLine(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, historyCaps)
	long := strings.Repeat("x", 480) // fits the client's line, not a line with alice's full prefix
	c.send("PRIVMSG bob :" + long)
	p.expectText(long)
	chatBob(t, p, "after the long one")
	c.expectFrom("bob", "PRIVMSG", "after the long one")

	c.send("CHATHISTORY LATEST bob * 10")
	var last *irc.Message // the long message's last line
	for _, m := range readBatch(t, c, "bob") {
		if strings.HasPrefix(m.Trailing(), "x") {
			last = m
		}
	}
	if last == nil || !strings.Contains(last.Tags["msgid"], ".") {
		t.Fatalf("the long message was not split in the batch: %v", last)
	}
	for _, sub := range []string{"AFTER", "LATEST"} {
		c.send("CHATHISTORY " + sub + " bob msgid=" + last.Tags["msgid"] + " 10")
		if got := readBatch(t, c, "bob"); len(got) != 1 || got[0].Trailing() != "after the long one" {
			t.Errorf("%s msgid=%s: %v, want the message after it", sub, last.Tags["msgid"], got)
		}
	}
}

// A conversation in which only the user wrote is named, in the store, by
// the nick the user wrote to: after the contact leaves the world (a
// restart, the contact on no list), TARGETS and CHATHISTORY still name it
// so.
func TestConversationOnlyTheUserWroteKeepsItsName(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, historyCaps)
	c.send("PRIVMSG bob :are you there?")
	p.expectText("are you there?")
	waitHistory(t, e, bob, "the user's message", textIs("are you there?"))
	ctx, cancel := ctxT()
	defer cancel()
	if nick, err := e.store.ConversationNick(ctx, alice, bob); err != nil || nick != "bob" {
		t.Errorf("the conversation's stored nick = %q, %v; want bob", nick, err)
	}
	if conv, err := e.store.ConversationByNick(ctx, alice, "bob"); err != nil || conv != bob {
		t.Errorf("the conversation of the nick bob = %q, %v; want %s", conv, err, bob)
	}
}

// lookupFailing is a store that cannot look a message up by its msgid.
type lookupFailing struct{ bridge.Store }

func (lookupFailing) HistoryByMsgID(context.Context, string, string) (db.HistoryMessage, error) {
	return db.HistoryMessage{}, errors.New("database is locked")
}

// A msgid= reference the store could not look up is an error, not an
// empty history, which would tell the client there is nothing newer.
func TestChathistoryLookupFailureIsAnError(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.Store = lookupFailing{c.Store} })
	p := e.peer(bob)
	c := e.login("alice", alice, password, historyCaps)
	chatBob(t, p, "one")
	m := c.expectFrom("bob", "PRIVMSG", "one")
	for _, cmd := range []string{"AFTER bob msgid=" + m.Tags["msgid"] + " 10",
		"BETWEEN bob timestamp=2000-01-01T00:00:00.000Z msgid=" + m.Tags["msgid"] + " 10"} {
		c.send("CHATHISTORY " + cmd)
		c.expectCmd("FAIL", "CHATHISTORY", "MESSAGE_ERROR")
	}
}

// A client without chathistory gets the replay with the msgids the
// history keeps (the ones CHATHISTORY gives).
func TestReplayCarriesTheStoredMsgIDs(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	c.ask("set keep_online true", "keep_online=true")
	leave(c)
	chatBob(t, p, "away 1", "away 2")
	ms := waitHistory(t, e, bob, "away 2", textIs("away 2"))
	c2 := e.login("alice", alice, password, allCaps)
	for _, want := range ms {
		got := c2.expectFrom("bob", "PRIVMSG", want.Text)
		if got.Tags["msgid"] != want.MsgID {
			t.Errorf("%q replayed with msgid %q, stored %q", want.Text, got.Tags["msgid"], want.MsgID)
		}
	}
	c2.send("PONG :" + replayPing(c2))
	c2.sync()

	// A client with chathistory gets no automatic replay: it fetches.
	leave(c2)
	chatBob(t, p, "away 3")
	waitHistory(t, e, bob, "away 3", textIs("away 3"))
	c3 := e.login("alice", alice, password, historyCaps)
	for _, m := range c3.syncSeen() {
		if m.Command == "PRIVMSG" && m.Prefix.Name == "bob" {
			t.Errorf("a chathistory client got a replay: %v", m)
		}
	}
	c3.send("CHATHISTORY LATEST bob * 1")
	if got := readBatch(t, c3, "bob"); len(got) != 1 || got[0].Trailing() != "away 3" {
		t.Errorf("LATEST 1 = %v", got)
	}
}

// syncSeen runs a round trip and returns what came before its PONG.
func (c *client) syncSeen() []*irc.Message {
	c.t.Helper()
	from := len(c.seen)
	c.sync()
	return c.seen[from:]
}

// The read marker is shared by the account's clients: the user's own
// message moves it and every read-marker client is told, and so is a
// MARKREAD from one of them.
func TestReadMarkerAcrossClients(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	a := e.login("alice", alice, password, historyCaps)
	b := e.login("alice", alice, password, historyCaps)
	a.send("MARKREAD bob")
	a.expectCmd("MARKREAD", "bob", "*")

	a.send("PRIVMSG bob :read up to here")
	echo := a.expect("the echo", func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && m.Trailing() == "read up to here"
	})
	p.expectText("read up to here")
	want := "timestamp=" + echo.Tags["time"]
	b.expectCmd("MARKREAD", "bob", want)
	a.expectCmd("MARKREAD", "bob", want)

	later := "timestamp=2100-01-01T00:00:00.000Z"
	b.send("MARKREAD bob " + later)
	b.expectCmd("MARKREAD", "bob", later)
	a.expectCmd("MARKREAD", "bob", later)
	a.send("MARKREAD bob " + want)
	a.expectCmd("MARKREAD", "bob", later)

	// The marker outlives the session.
	quitAll(t, e, a, b)
	c := e.login("alice", alice, password, historyCaps)
	c.send("MARKREAD bob")
	c.expectCmd("MARKREAD", "bob", later)
}

// The contacts channel and the service user keep no history, but clients
// mark them read like any conversation: the marker is shared and kept.
func TestReadMarkerOfContactsChannel(t *testing.T) {
	e := newEnv(t, "MSNP12")
	a := e.login("alice", alice, password, historyCaps)
	b := e.login("alice", alice, password, historyCaps)
	for _, target := range []string{"&msn", "msn"} {
		a.send("MARKREAD " + target)
		a.expectCmd("MARKREAD", target, "*")
		at := "timestamp=2026-01-02T03:04:05.000Z"
		a.send("MARKREAD " + target + " " + at)
		a.expectCmd("MARKREAD", target, at)
		b.expectCmd("MARKREAD", target, at)
	}
	a.send("CHATHISTORY LATEST &msn * 10")
	a.expectCmd("FAIL", "CHATHISTORY", "INVALID_TARGET")
	a.send("MARKREAD nobody")
	a.expectCmd("FAIL", "MARKREAD", "INVALID_PARAMS", "nobody")

	quitAll(t, e, a, b)
	// A new client is told with the channel's JOIN, as for any channel.
	c := e.login("alice", alice, password, historyCaps)
	if !slices.ContainsFunc(c.seen, func(m *irc.Message) bool {
		return m.Command == "MARKREAD" && slices.Equal(m.Params, []string{"&msn", "timestamp=2026-01-02T03:04:05.000Z"})
	}) {
		t.Errorf("the burst has no MARKREAD of &msn: %v", c.seen)
	}
}

// quitAll disconnects clients, the session's last ones, and waits until
// the session is gone.
func quitAll(t *testing.T, e *env, clients ...*client) {
	t.Helper()
	for _, c := range clients {
		c.send("QUIT")
		c.expectCmd("ERROR")
	}
	waitSessionGone(t, e)
}

// The notice in a query that the chat went on in a group channel is in
// the query's history: a bouncer that catches up after it, the last line
// it has in the query, with AFTER msgid=, gets what the contact said in
// the query since, not an empty batch that tells it there is nothing.
func TestChathistoryAfterTheNoticeThatAChatMoved(t *testing.T) {
	e := newEnv(t, "MSNP12")
	pb := e.peer(bob)
	e.peer(carol)
	c := e.login("alice", alice, password, historyCaps)
	c.ask("set keep_online true", "keep_online=true")
	sb := pb.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.SendText(ctx, "just us", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("bob", "PRIVMSG", "just us")
	if err := sb.Invite(ctx, carol); err != nil {
		t.Fatal(err)
	}
	moved := c.expect("the notice that the chat moved", func(m *irc.Message) bool {
		return m.Command == "NOTICE" && m.Prefix.Name == "bob" && m.Param(0) == "alice" && strings.Contains(m.Trailing(), "continues in #chat-")
	})
	leave(c)
	if err := pb.chat(alice).SendText(ctx, "just us again", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	waitHistory(t, e, bob, "the new message", textIs("just us again"))

	c2 := e.login("alice", alice, password, historyCaps)
	c2.send("CHATHISTORY AFTER bob msgid=" + moved.Tags["msgid"] + " 100")
	if got := readBatch(t, c2, "bob"); len(got) != 1 || got[0].Trailing() != "just us again" {
		t.Errorf("AFTER the notice: %v, want the message since", got)
	}
}

// A line a client got with a msgid the history does not keep (an echo
// of a text of formatting codes alone, which MSN is not sent) still
// places a catch-up: CHATHISTORY AFTER it gives what came after, by the
// time its msgid carries, not an empty batch that a bouncer would take
// for "nothing newer".
func TestChathistoryAfterALineNotKept(t *testing.T) {
	e := newEnv(t, "MSNP12")
	pb := e.peer(bob)
	c := e.login("alice", alice, password, historyCaps)
	c.send("PRIVMSG bob :\x02\x02")
	echo := c.expect("the echo", func(m *irc.Message) bool { return m.Command == "PRIVMSG" && m.Param(0) == "bob" })
	c.send("CHATHISTORY AFTER bob msgid=" + echo.Tags["msgid"] + " 100")
	if got := readBatch(t, c, "bob"); len(got) != 0 {
		t.Errorf("AFTER the line, before anything came: %v", got)
	}
	e.clock.advance(time.Second) // the next message is later to the millisecond
	ctx, cancel := ctxT()
	defer cancel()
	if err := pb.chat(alice).SendText(ctx, "after it", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("bob", "PRIVMSG", "after it")
	waitHistory(t, e, bob, "the new message", textIs("after it"))
	c.send("CHATHISTORY AFTER bob msgid=" + echo.Tags["msgid"] + " 100")
	if got := readBatch(t, c, "bob"); len(got) != 1 || got[0].Trailing() != "after it" {
		t.Errorf("AFTER a line the history does not keep: %v, want the message since", got)
	}
}
