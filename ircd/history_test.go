package ircd

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// fakeHistorian is a fakeHandler that keeps a history in memory: the
// messages of one conversation at a time, oldest first, and read markers.
type fakeHistorian struct {
	*fakeHandler
	hmu     sync.Mutex
	msgs    []Message
	targets []HistoryTarget
	markers map[string]time.Time
	queries []HistoryQuery
	err     error
}

// historyWorld gives alice@example.com a world whose handler is a
// fakeHistorian, with bob in it.
func historyWorld(t *testing.T, e *testEnv) (*World, *fakeHistorian) {
	t.Helper()
	h := &fakeHistorian{fakeHandler: newFakeHandler(), markers: map[string]time.Time{}}
	w := e.srv.NewWorld(h)
	h.world = w
	e.backend.mu.Lock()
	e.backend.worlds["alice@example.com"] = w
	e.backend.handlers["alice@example.com"] = h.fakeHandler
	e.backend.mu.Unlock()
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Account: "bob@hotmail.com", Online: true})
	return w, h
}

var historyCaps = []string{"batch", "draft/chathistory", "draft/read-marker", "echo-message", "labeled-response",
	"message-tags", "server-time", "standard-replies"}

// t0 is the time of the first message of the fake history.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// fill gives the fake history n messages in #chat, one a second from t0:
// msgid m0… ; every third one is the user's own.
func (h *fakeHistorian) fill(n int) {
	h.hmu.Lock()
	defer h.hmu.Unlock()
	for i := range n {
		m := Message{Command: "PRIVMSG", From: "bob", Target: "#chat", Text: "message " + strconv.Itoa(i),
			Time: t0.Add(time.Duration(i) * time.Second), MsgID: "m" + strconv.Itoa(i)}
		if i%3 == 2 {
			m.From, m.Self = "", true
		}
		h.msgs = append(h.msgs, m)
	}
}

// index is the position of ref in the history: a msgid's own, or where a
// time falls (first message not before it); exact reports a message at ref.
func (h *fakeHistorian) index(ref HistoryRef) (i int, exact bool) {
	for i, m := range h.msgs {
		if ref.MsgID != "" && m.MsgID == ref.MsgID {
			return i, true
		}
		if ref.MsgID == "" && !m.Time.Before(ref.Time) {
			return i, m.Time.Equal(ref.Time)
		}
	}
	return len(h.msgs), false
}

// before and after are the messages strictly before and after ref.
func (h *fakeHistorian) before(ref HistoryRef) []Message {
	i, _ := h.index(ref)
	return h.msgs[:i]
}

func (h *fakeHistorian) after(ref HistoryRef) []Message {
	i, exact := h.index(ref)
	if exact {
		i++
	}
	return h.msgs[i:]
}

func last(ms []Message, n int) []Message  { return ms[max(0, len(ms)-n):] }
func first(ms []Message, n int) []Message { return ms[:min(n, len(ms))] }

func (h *fakeHistorian) History(ctx context.Context, c *Client, q HistoryQuery) ([]Message, error) {
	h.hmu.Lock()
	defer h.hmu.Unlock()
	h.queries = append(h.queries, q)
	if h.err != nil {
		return nil, h.err
	}
	switch q.Subcommand {
	case "LATEST":
		if q.From.IsZero() {
			return last(h.msgs, q.Limit), nil
		}
		return last(h.after(q.From), q.Limit), nil
	case "BEFORE":
		return last(h.before(q.From), q.Limit), nil
	case "AFTER":
		return first(h.after(q.From), q.Limit), nil
	case "AROUND":
		i, _ := h.index(q.From)
		start := max(0, i-(q.Limit-1)/2)
		return first(h.msgs[start:], q.Limit), nil
	case "BETWEEN":
		a, _ := h.index(q.From)
		b, _ := h.index(q.To)
		if a <= b {
			return first(h.after(q.From)[:max(0, b-a-1)], q.Limit), nil
		}
		return last(h.after(q.To)[:max(0, a-b-1)], q.Limit), nil
	}
	return nil, errors.New("unknown subcommand")
}

func (h *fakeHistorian) HistoryTargets(ctx context.Context, c *Client, from, to time.Time, limit int) ([]HistoryTarget, error) {
	h.hmu.Lock()
	defer h.hmu.Unlock()
	return first2(h.targets, limit), h.err
}

func first2(ts []HistoryTarget, n int) []HistoryTarget { return ts[:min(n, len(ts))] }

func (h *fakeHistorian) ReadMarker(ctx context.Context, c *Client, target, targetAccount string) (time.Time, error) {
	h.hmu.Lock()
	defer h.hmu.Unlock()
	return h.markers[strings.ToLower(target)], h.err
}

func (h *fakeHistorian) MarkRead(ctx context.Context, c *Client, target, targetAccount string, t time.Time) (time.Time, error) {
	h.hmu.Lock()
	defer h.hmu.Unlock()
	if h.err != nil {
		return time.Time{}, h.err
	}
	k := strings.ToLower(target)
	if t.After(h.markers[k]) {
		h.markers[k] = t
	}
	return h.markers[k], nil
}

// historyBatch reads one chathistory batch for target and returns the
// msgids of its messages, checking the batch's shape: every line in it
// tagged with the batch, its time and msgid, the user's own messages from
// the user.
func historyBatch(t *testing.T, c *testClient, target string) []string {
	t.Helper()
	start := c.expect("BATCH")
	if len(start.Params) != 3 || !strings.HasPrefix(start.Param(0), "+") || start.Param(1) != "chathistory" || start.Param(2) != target {
		t.Fatalf("batch start %v, want BATCH +ref chathistory %s", start, target)
	}
	ref := start.Param(0)[1:]
	var ids []string
	for {
		m := c.next()
		if m.Command == "BATCH" {
			checkParams(t, m, "-"+ref)
			return ids
		}
		if m.Command != "PRIVMSG" || m.Tags["batch"] != ref || m.Tags["msgid"] == "" || m.Tags["time"] == "" {
			t.Fatalf("in the batch: %v", m)
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(m.Tags["msgid"], "m"))
		wantFrom, wantAccount := "bob", "bob@hotmail.com"
		if n%3 == 2 {
			wantFrom, wantAccount = "alice", "alice@example.com"
		}
		if m.Prefix.Name != wantFrom || m.Tags["account"] != wantAccount {
			t.Errorf("%s from %v account %q, want %s (%s)", m.Tags["msgid"], m.Prefix, m.Tags["account"], wantFrom, wantAccount)
		}
		if want := t0.Add(time.Duration(n) * time.Second).Format(serverTimeFormat); m.Tags["time"] != want {
			t.Errorf("%s at %s, want %s", m.Tags["msgid"], m.Tags["time"], want)
		}
		ids = append(ids, m.Tags["msgid"])
	}
}

func ids(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, "m"+strconv.Itoa(i))
	}
	return out
}

// The subcommands over a history of ten messages, as irctest's
// chathistory cases check them for one user.
func TestChathistorySubcommands(t *testing.T) {
	e := newEnv(t, Config{})
	_, h := historyWorld(t, e)
	h.fill(10)
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", append(historyCaps, "account-tag")...)
	ts := func(i int) string { return t0.Add(time.Duration(i) * time.Second).Format(serverTimeFormat) }
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"LATEST #chat * 20", ids(0, 10)},
		{"LATEST #chat * 5", ids(5, 10)},
		{"LATEST #chat * 1", ids(9, 10)},
		{"LATEST #chat msgid=m4 20", ids(5, 10)},
		{"LATEST #chat timestamp=" + ts(4) + " 20", ids(5, 10)},
		{"BEFORE #chat msgid=m6 20", ids(0, 6)},
		{"BEFORE #chat timestamp=" + ts(6) + " 20", ids(0, 6)},
		{"BEFORE #chat timestamp=" + ts(6) + " 2", ids(4, 6)},
		{"AFTER #chat msgid=m3 20", ids(4, 10)},
		{"AFTER #chat timestamp=" + ts(3) + " 20", ids(4, 10)},
		{"AFTER #chat timestamp=" + ts(3) + " 3", ids(4, 7)},
		{"BETWEEN #chat msgid=m0 msgid=m9 20", ids(1, 9)},
		{"BETWEEN #chat msgid=m9 msgid=m0 20", ids(1, 9)},
		{"BETWEEN #chat msgid=m0 msgid=m9 3", ids(1, 4)},
		{"BETWEEN #chat msgid=m9 msgid=m0 3", ids(6, 9)},
		{"BETWEEN #chat timestamp=" + ts(0) + " timestamp=" + ts(9) + " 3", ids(1, 4)},
		{"BETWEEN #chat timestamp=" + ts(9) + " timestamp=" + ts(0) + " 3", ids(6, 9)},
		{"AROUND #chat msgid=m7 1", ids(7, 8)},
		{"AROUND #chat msgid=m7 3", ids(6, 9)},
		{"latest #chat * 0500", ids(0, 10)}, // above the limit: clamped
	} {
		c.send("CHATHISTORY %s", tc.cmd)
		if got := historyBatch(t, c, "#chat"); !slices.Equal(got, tc.want) {
			t.Errorf("CHATHISTORY %s: %v, want %v", tc.cmd, got, tc.want)
		}
	}
	h.hmu.Lock()
	last := h.queries[len(h.queries)-1]
	h.hmu.Unlock()
	if last.Limit != defaultHistoryLimit {
		t.Errorf("limit 500 passed as %d, want the ISUPPORT limit %d", last.Limit, defaultHistoryLimit)
	}
	// A conversation with a user: its account goes with the query; an
	// empty history is an empty batch.
	c.send("CHATHISTORY LATEST BOB * 10")
	if got := historyBatch(t, c, "BOB"); len(got) != 0 {
		// The fake history ignores the target.
		_ = got
	}
	h.hmu.Lock()
	q := h.queries[len(h.queries)-1]
	h.hmu.Unlock()
	if q.Target != "BOB" || q.TargetAccount != "bob@hotmail.com" {
		t.Errorf("query %+v, want target BOB with bob's account", q)
	}
	c.send("CHATHISTORY BEFORE #chat msgid=m0 10")
	if got := historyBatch(t, c, "#chat"); len(got) != 0 {
		t.Errorf("before the first message: %v, want an empty batch", got)
	}
	// A nick the world does not show may still have history.
	c.send("CHATHISTORY LATEST gone * 10")
	historyBatch(t, c, "gone")
	h.hmu.Lock()
	q = h.queries[len(h.queries)-1]
	h.hmu.Unlock()
	if q.Target != "gone" || q.TargetAccount != "" {
		t.Errorf("query %+v, want target gone without an account", q)
	}
}

// Malformed CHATHISTORY commands get the FAIL the specification gives, and
// never reach the Historian.
func TestChathistoryErrors(t *testing.T) {
	e := newEnv(t, Config{HistoryLimit: 50})
	_, h := historyWorld(t, e)
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", historyCaps...)
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"CHATHISTORY", []string{"NEED_MORE_PARAMS", "*"}},
		{"CHATHISTORY FOO #chat * 10", []string{"UNKNOWN_COMMAND", "FOO"}},
		{"CHATHISTORY LATEST #chat *", []string{"NEED_MORE_PARAMS", "LATEST"}},
		{"CHATHISTORY BETWEEN #chat msgid=a 10", []string{"NEED_MORE_PARAMS", "BETWEEN"}},
		{"CHATHISTORY TARGETS timestamp=2024-01-01T00:00:00.000Z 10", []string{"NEED_MORE_PARAMS", "TARGETS"}},
		{"CHATHISTORY LATEST #chat * 0", []string{"INVALID_PARAMS", "LATEST", "0"}},
		{"CHATHISTORY LATEST #chat * -3", []string{"INVALID_PARAMS", "LATEST", "-3"}},
		{"CHATHISTORY LATEST #chat * lots", []string{"INVALID_PARAMS", "LATEST", "lots"}},
		{"CHATHISTORY BEFORE #chat * 10", []string{"INVALID_PARAMS", "BEFORE", "*"}},
		{"CHATHISTORY BEFORE #chat id=x 10", []string{"INVALID_PARAMS", "BEFORE", "id=x"}},
		{"CHATHISTORY AFTER #chat msgid= 10", []string{"INVALID_PARAMS", "AFTER", "msgid="}},
		{"CHATHISTORY AFTER #chat timestamp=yesterday 10", []string{"INVALID_PARAMS", "AFTER", "timestamp=yesterday"}},
		{"CHATHISTORY BETWEEN #chat msgid=a timestamp=x 10", []string{"INVALID_PARAMS", "BETWEEN", "timestamp=x"}},
		{"CHATHISTORY TARGETS msgid=a timestamp=2024-01-01T00:00:00.000Z 10", []string{"INVALID_PARAMS", "TARGETS", "msgid=a"}},
		{"CHATHISTORY LATEST a,b * 10", []string{"INVALID_TARGET", "LATEST", "a,b"}},
		{"CHATHISTORY LATEST * * 10", []string{"INVALID_TARGET", "LATEST", "*"}},
	} {
		c.send("%s", tc.cmd)
		m := c.expect("FAIL")
		checkParams(t, m, append(append([]string{"CHATHISTORY"}, tc.want...), "*any*")...)
	}
	h.hmu.Lock()
	n := len(h.queries)
	h.err = &HistoryError{Code: "INVALID_TARGET", Context: []string{"LATEST", "#nowhere"}, Text: "No such conversation"}
	h.hmu.Unlock()
	if n != 0 {
		t.Errorf("the Historian was asked %d times", n)
	}
	c.send("CHATHISTORY LATEST #nowhere * 10")
	c.expectParams("FAIL", "CHATHISTORY", "INVALID_TARGET", "LATEST", "#nowhere", "No such conversation")
	h.hmu.Lock()
	h.err = errors.New("database is locked")
	h.hmu.Unlock()
	c.send("CHATHISTORY LATEST #chat * 10")
	c.expectParams("FAIL", "CHATHISTORY", "MESSAGE_ERROR", "LATEST", "#chat", "Messages could not be retrieved")
	if msgs := c.sync(); len(find(msgs, "BATCH")) != 0 {
		t.Errorf("a batch after a FAIL: %v", msgs)
	}
}

// A world whose handler keeps no history answers with a FAIL.
func TestChathistoryWithoutHistorian(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e, historyCaps...)
	c.send("CHATHISTORY LATEST #chat * 10")
	c.expectParams("FAIL", "CHATHISTORY", "MESSAGE_ERROR", "LATEST", "#chat", "*any*")
	c.send("MARKREAD #chat")
	c.expectParams("FAIL", "MARKREAD", "INTERNAL_ERROR", "#chat", "*any*")
}

// A labelled CHATHISTORY is answered by its batch with the label on the
// BATCH start line, even when empty.
func TestChathistoryLabeled(t *testing.T) {
	e := newEnv(t, Config{})
	_, h := historyWorld(t, e)
	h.fill(3)
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", historyCaps...)
	c.send("@label=abc CHATHISTORY LATEST #chat * 10")
	m := c.next()
	if m.Command != "BATCH" || m.Param(1) != "chathistory" || m.Tags["label"] != "abc" {
		t.Fatalf("first line %v, want the chathistory BATCH with label abc", m)
	}
	for range 3 {
		if m := c.next(); m.Command != "PRIVMSG" || m.Tags["label"] != "" {
			t.Fatalf("in the batch: %v", m)
		}
	}
	c.expectParams("BATCH", "-"+m.Param(0)[1:])
	c.send("@label=empty CHATHISTORY BEFORE #chat msgid=m0 10")
	m = c.next()
	if m.Command != "BATCH" || m.Tags["label"] != "empty" {
		t.Fatalf("first line %v, want the BATCH with label empty", m)
	}
	c.expectParams("BATCH", "-"+m.Param(0)[1:])
}

// TARGETS lists the conversations in a draft/chathistory-targets batch.
func TestChathistoryTargets(t *testing.T) {
	e := newEnv(t, Config{})
	_, h := historyWorld(t, e)
	h.targets = []HistoryTarget{{Target: "bob", Latest: t0.Add(time.Hour)}, {Target: "#chat", Latest: t0}}
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", historyCaps...)
	c.send("CHATHISTORY TARGETS timestamp=2024-05-02T00:00:00.000Z timestamp=2024-04-01T00:00:00.000Z 10")
	start := c.expectParams("BATCH", "*any*", "draft/chathistory-targets")
	ref := start.Param(0)[1:]
	m := c.expectParams("CHATHISTORY", "TARGETS", "bob", "2024-05-01T13:00:00.000Z")
	if m.Tags["batch"] != ref {
		t.Errorf("%v not in batch %s", m, ref)
	}
	c.expectParams("CHATHISTORY", "TARGETS", "#chat", "2024-05-01T12:00:00.000Z")
	c.expectParams("BATCH", "-"+ref)
	c.send("CHATHISTORY TARGETS timestamp=2024-05-02T00:00:00.000Z timestamp=2024-04-01T00:00:00.000Z 1")
	c.expect("BATCH")
	c.expectParams("CHATHISTORY", "TARGETS", "bob", "*any*")
	c.expectParams("BATCH", "*any*")
}

// The user's message has one msgid: in the echo, in the copy to the
// user's other client, and in the handler's Message, which stores it.
// Delivered messages carry theirs, or a fresh one.
func TestMsgIDs(t *testing.T) {
	e := newEnv(t, Config{})
	w, h := historyWorld(t, e)
	w.OpenChannel("#chat", "", true, nil)
	a := e.dial()
	a.loginSASL("alice", "alice@example.com", "secret", "echo-message", "message-tags", "server-time")
	b := e.dial()
	b.loginSASL("alice", "alice@example.com", "secret", "message-tags")
	plain := e.dial()
	plain.loginSASL("alice", "alice@example.com", "secret", "echo-message")
	a.send("PRIVMSG #chat :hello")
	echo := a.expectParams("PRIVMSG", "#chat", "hello")
	cp := b.expectParams("PRIVMSG", "#chat", "hello")
	got := h.expectCall(t, "Message").msg
	if echo.Tags["msgid"] == "" || echo.Tags["msgid"] != cp.Tags["msgid"] || got.MsgID != echo.Tags["msgid"] {
		t.Errorf("msgid: echo %q, copy %q, handler %q; want one", echo.Tags["msgid"], cp.Tags["msgid"], got.MsgID)
	}
	if echo.Tags["time"] != got.Time.UTC().Format(serverTimeFormat) {
		t.Errorf("echo time %q, handler's %v", echo.Tags["time"], got.Time)
	}
	if m := plain.expectParams("PRIVMSG", "#chat", "hello"); len(m.Tags) != 0 {
		t.Errorf("client without message-tags got tags %v", m.Tags)
	}
	a.send("PRIVMSG #chat :again")
	if again := a.expect("PRIVMSG"); again.Tags["msgid"] == echo.Tags["msgid"] {
		t.Error("two messages with one msgid")
	}
	b.expectParams("PRIVMSG", "#chat", "again")
	w.Deliver(Message{Command: "PRIVMSG", From: "bob", Target: "#chat", Text: "kept", MsgID: "stored1"})
	if m := b.expectParams("PRIVMSG", "#chat", "kept"); m.Tags["msgid"] != "stored1" {
		t.Errorf("delivered msgid %q, want stored1", m.Tags["msgid"])
	}
	w.Deliver(Message{Command: "NOTICE", From: "bob", Target: "#chat", Text: "fresh"})
	if m := b.expectParams("NOTICE", "#chat", "fresh"); len(m.Tags["msgid"]) != 20 {
		t.Errorf("delivered msgid %q, want a fresh one", m.Tags["msgid"])
	}
	w.Deliver(Message{Command: "PRIVMSG", Target: "bob", Text: "from my phone", Self: true, MsgID: "self1"})
	a.expectParams("PRIVMSG", "#chat", "kept")
	if m := a.expectParams("PRIVMSG", "bob", "from my phone"); m.Tags["msgid"] != "self1" {
		t.Errorf("self message msgid %q, want self1", m.Tags["msgid"])
	}
}

// MARKREAD gets and sets the read marker; a set is announced to every
// client of the user with the capability.
func TestMarkread(t *testing.T) {
	e := newEnv(t, Config{})
	_, h := historyWorld(t, e)
	a := e.dial()
	a.loginSASL("alice", "alice@example.com", "secret", historyCaps...)
	b := e.dial()
	b.loginSASL("alice", "alice@example.com", "secret", "draft/read-marker")
	other := e.dial()
	other.loginSASL("alice", "alice@example.com", "secret")

	a.send("MARKREAD Bob")
	a.expectParams("MARKREAD", "bob", "*")
	a.send("MARKREAD bob timestamp=2024-05-01T12:00:05.000Z")
	a.expectParams("MARKREAD", "bob", "timestamp=2024-05-01T12:00:05.000Z")
	b.expectParams("MARKREAD", "bob", "timestamp=2024-05-01T12:00:05.000Z")
	// An older marker leaves the newer one, and says so.
	a.send("@label=l1 MARKREAD bob timestamp=2024-05-01T11:00:00.000Z")
	if m := a.expectParams("MARKREAD", "bob", "timestamp=2024-05-01T12:00:05.000Z"); m.Tags["label"] != "l1" {
		t.Errorf("answer %v, want label l1", m)
	}
	b.expectParams("MARKREAD", "bob", "timestamp=2024-05-01T12:00:05.000Z")
	b.send("MARKREAD bob")
	b.expectParams("MARKREAD", "bob", "timestamp=2024-05-01T12:00:05.000Z")
	if msgs := other.sync(); len(find(msgs, "MARKREAD")) != 0 {
		t.Errorf("client without the cap got %v", msgs)
	}
	h.hmu.Lock()
	if got := h.markers["bob"]; !got.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("stored marker %v", got)
	}
	h.hmu.Unlock()

	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"MARKREAD", []string{"NEED_MORE_PARAMS"}},
		{"MARKREAD bob *", []string{"INVALID_PARAMS", "*"}},
		{"MARKREAD bob yesterday", []string{"INVALID_PARAMS", "yesterday"}},
		{"MARKREAD bob msgid=m1", []string{"INVALID_PARAMS", "msgid=m1"}},
		{"MARKREAD a,b", []string{"INVALID_PARAMS", "a,b"}},
	} {
		a.send("%s", tc.cmd)
		m := a.expect("FAIL")
		checkParams(t, m, append(append([]string{"MARKREAD"}, tc.want...), "*any*")...)
	}
	h.hmu.Lock()
	h.err = errors.New("disk full")
	h.hmu.Unlock()
	a.send("MARKREAD bob timestamp=2024-05-01T13:00:00.000Z")
	a.expectParams("FAIL", "MARKREAD", "INTERNAL_ERROR", "bob", "*any*")
	// A target the Historian has no conversation with is an invalid one.
	h.hmu.Lock()
	h.err = &HistoryError{Code: "INVALID_TARGET", Context: []string{"MARKREAD", "bob"}, Text: "No such conversation"}
	h.hmu.Unlock()
	a.send("MARKREAD bob")
	a.expectParams("FAIL", "MARKREAD", "INVALID_PARAMS", "bob", "No such conversation")
	a.send("MARKREAD bob timestamp=2024-05-01T13:00:00.000Z")
	a.expectParams("FAIL", "MARKREAD", "INVALID_PARAMS", "bob", "No such conversation")
}

// A client with draft/read-marker gets the channel's MARKREAD after its
// JOIN and before the end of its NAMES, on /JOIN and in the burst.
func TestMarkreadOnJoin(t *testing.T) {
	e := newEnv(t, Config{})
	w, h := historyWorld(t, e)
	h.markers["#chat"] = t0
	a := e.dial()
	a.loginSASL("alice", "alice@example.com", "secret", historyCaps...)
	plain := e.dial()
	plain.loginSASL("alice", "alice@example.com", "secret")
	a.send("JOIN #chat")
	a.expect("JOIN")
	a.expectParams("MARKREAD", "#chat", "timestamp=2024-05-01T12:00:00.000Z")
	a.expect(irc.RPL_ENDOFNAMES)
	if msgs := plain.sync(); len(find(msgs, "MARKREAD")) != 0 {
		t.Errorf("client without the cap got %v", msgs)
	}
	// A channel the bridge opens is a new conversation: "*", before 366.
	w.OpenChannel("#new", "", true, nil)
	a.expectParams("JOIN", "#new")
	a.expectParams("MARKREAD", "#new", "*")
	a.expect(irc.RPL_ENDOFNAMES)

	b := e.dial()
	burst := b.loginSASL("alice", "alice@example.com", "secret", "draft/read-marker")
	order := commandsOf(burst)
	i := slices.Index(order, "MARKREAD")
	if i < 0 || !slices.Contains(order[:i], "JOIN") || !slices.Contains(order[i:], irc.RPL_ENDOFNAMES) {
		t.Errorf("burst %v, want JOIN, MARKREAD, then 366", order)
	}
}

// The capabilities and ISUPPORT tokens of history.
func TestHistoryCaps(t *testing.T) {
	e := newEnv(t, Config{HistoryLimit: 42})
	c := e.dial()
	c.send("CAP LS 302")
	var caps []string
	for {
		m := c.expectCap("LS")
		caps = append(caps, strings.Fields(m.Params[len(m.Params)-1])...)
		if m.Param(2) != "*" {
			break
		}
	}
	for _, want := range []string{"draft/chathistory", "draft/read-marker", "message-tags", "server-time", "batch"} {
		if !slices.Contains(caps, want) {
			t.Errorf("CAP LS %v: no %s", caps, want)
		}
	}
	if slices.Contains(caps, "draft/event-playback") {
		t.Error("draft/event-playback offered")
	}
	c.send("CAP END")
	var tokens []string
	for _, m := range find(c.register("foo"), irc.RPL_ISUPPORT) {
		tokens = append(tokens, m.Params[1:len(m.Params)-1]...)
	}
	for _, want := range []string{"CHATHISTORY=42", "MSGREFTYPES=msgid,timestamp"} {
		if !slices.Contains(tokens, want) {
			t.Errorf("ISUPPORT %v: no %s", tokens, want)
		}
	}
}

// A msgid reference to a later line of a split message names the message;
// other msgids are taken as they are.
func TestHistoryRefOfSplitLine(t *testing.T) {
	for ref, want := range map[string]string{
		"msgid=abc.2":   "abc",
		"msgid=abc.12":  "abc",
		"msgid=abc":     "abc",
		"msgid=abc.x":   "abc.x",
		"msgid=abc.":    "abc.",
		"msgid=.2":      ".2",
		"msgid=a.b.2":   "a.b.2",
		"msgid=abc.2.3": "abc.2.3",
	} {
		if r, ok := parseHistoryRef(ref, false); !ok || r.MsgID != want {
			t.Errorf("%s: msgid %q (%v), want %q", ref, r.MsgID, ok, want)
		}
	}
}

// FuzzHistoryParams checks the parsing of CHATHISTORY and MARKREAD
// parameters: no panic, and what passes is within bounds.
func FuzzHistoryParams(f *testing.F) {
	for _, s := range []string{"LATEST #chat * 10", "BETWEEN bob msgid=a timestamp=2024-05-01T12:00:00.000Z 5",
		"TARGETS timestamp=2024-05-01T12:00:00.000Z timestamp=2024-05-02T12:00:00Z 99999", "AROUND #c msgid=\x00 1",
		"BEFORE * timestamp=0000-01-01T00:00:00Z -1", "FOO", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		params := strings.Split(line, " ")
		r, fail := parseChathistory(params, 50)
		if fail != nil {
			return
		}
		if r.q.Limit < 1 || r.q.Limit > 50 {
			t.Errorf("%q: limit %d", line, r.q.Limit)
		}
		if !r.targets && !validHistoryTarget(r.q.Target) {
			t.Errorf("%q: target %q", line, r.q.Target)
		}
		for _, ref := range []HistoryRef{r.q.From, r.q.To} {
			if len(ref.MsgID) > maxMsgIDLen || !validTagValue(ref.MsgID) {
				t.Errorf("%q: msgid %q", line, ref.MsgID)
			}
		}
		for _, p := range params {
			parseHistoryRef(p, true)
		}
	})
}

// msgids sort in the order they were made, to the millisecond, and are
// all different: the history's index on them grows at its end.
func TestNewMsgIDOrdered(t *testing.T) {
	start := time.Now()
	prev := NewMsgID()
	seen := map[string]bool{prev: true}
	for n := 0; n < 100 || time.Since(start) < 3*time.Millisecond; n++ {
		id := NewMsgID()
		if id[:8] < prev[:8] {
			t.Fatalf("msgid %q made after %q sorts before it", id, prev)
		}
		if len(id) != 20 || seen[id] {
			t.Fatalf("msgid %q: wrong length or made twice", id)
		}
		seen[id] = true
		prev = id
	}
}

// writeLog is a connection that records the bytes of each Write.
type writeLog struct {
	net.Conn
	mu     sync.Mutex
	writes []string
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.writes = append(w.writes, string(p))
	w.mu.Unlock()
	return w.Conn.Write(p)
}

// span returns how many writes the bytes from the first write holding
// from to the first one after it holding to took, 0 when either is
// missing.
func (w *writeLog) span(from, to string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, s := range w.writes {
		if !strings.Contains(s, from) {
			continue
		}
		for j := i; j < len(w.writes); j++ {
			if strings.Contains(w.writes[j], to) {
				return j - i + 1
			}
		}
	}
	return 0
}

// A chathistory batch of 100 messages reaches the client in one or two
// writes, not a write for each line or a few lines.
func TestChathistoryBatchInFewWrites(t *testing.T) {
	e := newEnv(t, Config{})
	_, h := historyWorld(t, e)
	h.fill(100)
	srvSide, cliSide := net.Pipe()
	log := &writeLog{Conn: srvSide}
	served := make(chan struct{})
	go func() {
		defer close(served)
		e.srv.ServeConn(context.Background(), log)
	}()
	t.Cleanup(func() {
		cliSide.Close()
		<-served
	})
	c := newTestClient(t, cliSide)
	c.loginSASL("alice", "alice@example.com", "secret", append(historyCaps, "account-tag")...)
	for range 5 {
		c.send("CHATHISTORY LATEST #chat * 100")
		if got := historyBatch(t, c, "#chat"); !slices.Equal(got, ids(0, 100)) {
			t.Fatalf("CHATHISTORY LATEST #chat * 100: %v", got)
		}
		n := log.span("chathistory #chat", "BATCH -")
		if n == 0 || n > 2 {
			t.Fatalf("the batch took %d writes, want 1 or 2", n)
		}
		log.mu.Lock()
		log.writes = nil
		log.mu.Unlock()
	}
}

// A client that did not negotiate account-tag gets the batch's lines
// without the account tag, and with their msgid and time.
func TestChathistoryLeavesOutTagsNotNegotiated(t *testing.T) {
	e := newEnv(t, Config{})
	_, h := historyWorld(t, e)
	h.fill(3)
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", historyCaps...)
	c.send("CHATHISTORY LATEST #chat * 10")
	c.expect("BATCH")
	for n := 0; ; n++ {
		m := c.next()
		if m.Command == "BATCH" {
			if n != 3 {
				t.Errorf("%d messages, want 3", n)
			}
			return
		}
		if _, ok := m.Tags["account"]; ok || m.Tags["msgid"] == "" || m.Tags["time"] == "" || m.Tags["batch"] == "" {
			t.Errorf("in the batch: %v", m)
		}
	}
}

// A client that sends queries faster than QueryInterval, past its
// QueryBurst, waits for its turn (and its next lines with it); the
// server counts the wait. Messages are no queries. A connection that
// ends while waiting leaves nothing behind.
func TestQueriesWaitTheirTurn(t *testing.T) {
	e := newEnv(t, Config{QueryInterval: time.Hour, QueryBurst: 3})
	_, h := historyWorld(t, e)
	h.fill(3)
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", historyCaps...)
	c.send("CHATHISTORY LATEST #chat * 10")
	start := c.expect("BATCH")
	c.expectParams("BATCH", "-"+start.Param(0)[1:])
	c.send("MARKREAD #chat")
	c.expectParams("MARKREAD", "#chat", "*any*")
	c.send("WHO #chat")
	c.expect("315")
	for range 3 {
		c.send("PRIVMSG #chat :not a query")
	}
	c.sync()
	if n := e.srv.Stats().QueryWaits; n != 0 {
		t.Fatalf("%d waits within the burst", n)
	}

	// A JOIN of a channel the client is not in counts too.
	c.send("JOIN #elsewhere")
	deadline := time.Now().Add(testTimeout)
	for e.srv.Stats().QueryWaits != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the third history command did not wait")
		}
		time.Sleep(time.Millisecond) // polling a counter with a deadline
	}
	c.close()
}

// A msgid tells when it was made; other texts do not.
func TestMsgIDTime(t *testing.T) {
	before := time.Now().Truncate(time.Millisecond)
	id := NewMsgID()
	got, ok := MsgIDTime(id)
	if !ok || got.Before(before) || got.After(time.Now()) {
		t.Errorf("MsgIDTime(%q) = %v, %v; want a time from now", id, got, ok)
	}
	for _, bad := range []string{"", "kept-12", id[:19], id + "x", "!!!!!!!!!!!!!!!!!!!!"} {
		if _, ok := MsgIDTime(bad); ok {
			t.Errorf("MsgIDTime(%q) gave a time", bad)
		}
	}
}
