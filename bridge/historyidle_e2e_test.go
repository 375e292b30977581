package bridge_test

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/db"
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
