package ircd

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A burst of lines written at once, many times the reader's first buffer,
// is read whole and in order, and a line split across reads is put back
// together.
func TestReaderBurstOfLines(t *testing.T) {
	e := newEnv(t, Config{SendQueue: 4096})
	c, _, _ := loggedIn(t, e)
	var b strings.Builder
	const n = 3000
	for i := range n {
		fmt.Fprintf(&b, "PING :burst-%d-%s\r\n", i, strings.Repeat("p", i%300))
	}
	c.send("%s", strings.TrimSuffix(b.String(), "\r\n"))
	for i := range n {
		m := c.expect("PONG")
		if want := fmt.Sprintf("burst-%d-%s", i, strings.Repeat("p", i%300)); m.Trailing() != want {
			t.Fatalf("PONG %d: %.40q, want %.40q", i, m.Trailing(), want)
		}
	}
}

// The part of a line read before the reader wakes up for a timer (here
// the PING of an idle client) is kept and completed by the next read.
func TestReaderKeepsLineAcrossWakeUp(t *testing.T) {
	e := newEnv(t, Config{PingInterval: 50 * time.Millisecond})
	c, _, h := loggedIn(t, e)
	c.sync()
	if _, err := c.conn.Write([]byte("PRIVMSG bob :hel")); err != nil {
		t.Fatal(err)
	}
	c.expect("PING")
	if _, err := c.conn.Write([]byte("lo\r\n")); err != nil {
		t.Fatal(err)
	}
	if cl := h.expectCall(t, "Message"); cl.msg.Text != "hello" {
		t.Fatalf("got %q, want hello", cl.msg.Text)
	}
}
