package bridge_test

import (
	"bytes"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
)

// historyWriterRunning reports whether a goroutine runs the history
// writer.
func historyWriterRunning() bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Contains(buf[:n], []byte("bridge.(*historyWriter).run"))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// A session whose history is written holds no writer goroutine once the
// writes are done: an idle session costs no goroutine for its history.
func TestHistoryIdleSessionHoldsNoWriter(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	c.send("PRIVMSG bob :hello bob")
	p.expectText("hello bob")
	waitHistory(t, e, bob, "delivered message from alice", func(m db.HistoryMessage) bool {
		return m.Text == "hello bob" && m.Outcome == db.OutcomeDelivered
	})
	deadline := time.Now().Add(waitTime)
	for historyWriterRunning() {
		if time.Now().After(deadline) {
			t.Fatal("the history writer still runs once the history is written")
		}
		pollPause()
	}
}

// goroutinesCreated is how many goroutines the program started so far.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// A CHATHISTORY query on a session whose history is written waits for no
// history writer: it starts none, and waits for no other goroutine to
// answer before it reads the store.
func TestHistoryQueryStartsNoWriter(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	chatBob(t, p, "hello alice")
	c.expectFrom("bob", "PRIVMSG", "hello alice")
	waitHistory(t, e, bob, "bob's message", textIs("hello alice"))
	deadline := time.Now().Add(waitTime)
	for historyWriterRunning() {
		if time.Now().After(deadline) {
			t.Fatal("the history writer still runs once the history is written")
		}
		pollPause()
	}
	h, ok := bridge.HistorianOf(e.bridge, alice)
	if !ok {
		t.Fatal("no session")
	}
	ctx, cancel := ctxT()
	defer cancel()
	const queries = 20
	before := goroutinesCreated()
	for range queries {
		ms, err := h.History(ctx, nil, ircd.HistoryQuery{Subcommand: "LATEST", Target: "bob", TargetAccount: bob, Limit: 10})
		if err != nil || len(ms) != 1 {
			t.Fatalf("LATEST gave %+v, %v", ms, err)
		}
	}
	// database/sql starts one per query, to watch its context; a writer
	// started per query would make it two.
	if n := goroutinesCreated() - before; n >= queries+queries/2 {
		t.Errorf("%d queries started %d goroutines, want about one each (database/sql's)", queries, n)
	}
}
