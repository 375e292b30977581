package ircd

import (
	"bytes"
	"context"
	"testing"

	"gopkg.in/irc.v4"
)

// Relaying a message of the user to a user of the world is the hot path
// of the program (every line a user types): ircd hands it to the Handler
// with a handful of allocations (one is the message's msgid), and no
// timer of its own per message.
func TestRelayedMessageAllocations(t *testing.T) {
	srv := NewServer(Config{ServerName: "alloc.test", SendQueue: 64}, nil)
	w := srv.NewWorld(nopHandler{})
	srv.backend = &fixedBackend{w: w}
	w.SetUser(User{Nick: "bob", Online: true, Account: "bob@example.com"})
	c := newClient(srv, &bytesConn{r: bytes.NewReader(nil)})
	if refusal := srv.limits.admit(c.Source()); refusal != "" {
		t.Fatal(refusal)
	}
	defer srv.limits.leaveWelcomed(c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.cancel = cancel
	for _, l := range []string{"NICK alice", "USER alice 0 * :Alice"} {
		c.handleLine(ctx, irc.MustParseMessage(l))
	}
	if !c.registered {
		t.Fatal("not registered")
	}
	defer func() { c.quit(""); <-c.writerDone }()
	defer w.detach(c)
	msg := irc.MustParseMessage("PRIVMSG bob :hello there")
	allocs := testing.AllocsPerRun(200, func() { c.handleLine(ctx, msg) })
	t.Logf("%.1f allocations per relayed message", allocs)
	if allocs > 3 {
		t.Errorf("%.1f allocations per relayed message, want at most 3", allocs)
	}
}
