package ircd

import (
	"testing"

	"gopkg.in/irc.v4"
)

// attachedGuest registers a client without credentials and returns it with
// its server side and world.
func attachedGuest(t *testing.T, e *testEnv, nick string) (*testClient, *Client, *World) {
	t.Helper()
	c := e.dial()
	c.register(nick)
	e.backend.mu.Lock()
	h, w := e.backend.guestH, e.backend.guest
	e.backend.mu.Unlock()
	return c, h.expectCall(t, "Attached").client, w
}

// expectConfirmPing reads up to the Confirm PING and returns its token
// and the lines before it.
func expectConfirmPing(t *testing.T, c *testClient) (string, []*irc.Message) {
	t.Helper()
	var before []*irc.Message
	for {
		m := c.next()
		if m.Command == "PING" {
			if m.Param(0) == "" || m.Param(0) == "irc.test" {
				t.Fatalf("Confirm PING %v carries no token of its own", m)
			}
			return m.Param(0), before
		}
		before = append(before, m)
	}
}

func TestConfirmRunsOnTheMatchingPong(t *testing.T) {
	e := newEnv(t, Config{})
	c, cl, w := attachedGuest(t, e, "alice")
	ran := make(chan int, 10)
	w.Deliver(Message{Command: "NOTICE", Text: "first"})
	w.Deliver(Message{Command: "NOTICE", Text: "second"})
	cl.Confirm(func() { ran <- 1 })
	token, before := expectConfirmPing(t, c)
	if len(before) != 2 || before[0].Trailing() != "first" || before[1].Trailing() != "second" {
		t.Fatalf("lines before the PING: %v, want the two notices", before)
	}

	// Wrong tokens, and the keepalive's, do not confirm.
	c.send("PONG :%s", token+"x")
	c.send("PONG :irc.test")
	c.send("PONG")
	c.sync() // the PONGs were handled before the sync's PING
	if len(ran) != 0 {
		t.Fatal("fn ran on a PONG with a wrong token")
	}

	c.send("PONG irc.test :%s", token)
	c.sync()
	if len(ran) != 1 {
		t.Fatalf("fn ran %d times after the matching PONG, want once", len(ran))
	}
	c.send("PONG :%s", token)
	c.sync()
	if len(ran) != 1 {
		t.Fatalf("fn ran %d times after the PONG came twice, want once", len(ran))
	}
}

func TestConfirmLaterPongConfirmsEarlierOnes(t *testing.T) {
	e := newEnv(t, Config{})
	c, cl, _ := attachedGuest(t, e, "alice")
	ran := make(chan int, 10)
	cl.Confirm(func() { ran <- 1 })
	cl.Confirm(func() { ran <- 2 })
	cl.Confirm(func() { ran <- 3 })
	expectConfirmPing(t, c)
	second, _ := expectConfirmPing(t, c)
	third, _ := expectConfirmPing(t, c)
	if second == third {
		t.Fatalf("two Confirms sent the same token %q", second)
	}
	c.send("PONG :%s", second)
	c.sync()
	if len(ran) != 2 || <-ran != 1 || <-ran != 2 {
		t.Fatal("a PONG for the second Confirm did not run the first two in order")
	}
	c.send("PONG :%s", third)
	c.sync()
	if len(ran) != 1 || <-ran != 3 {
		t.Fatal("the third Confirm did not run on its PONG")
	}
}

func TestConfirmNeverRunsAfterTheClientLeft(t *testing.T) {
	e := newEnv(t, Config{})
	c, cl, _ := attachedGuest(t, e, "alice")
	ran := make(chan int, 10)
	cl.Confirm(func() { ran <- 1 })
	token, _ := expectConfirmPing(t, c)
	c.close() // without answering
	e.backend.mu.Lock()
	h := e.backend.guestH
	e.backend.mu.Unlock()
	h.expectCall(t, "Detached")
	cl.Confirm(func() { ran <- 2 }) // too late: never sent, never run
	cl.mu.Lock()
	left := len(cl.confirms)
	cl.mu.Unlock()
	if left != 0 {
		t.Errorf("the client left and %d confirmations are still held", left)
	}
	cl.handlePong(&irc.Message{Command: "PONG", Params: []string{token}})
	if len(ran) != 0 {
		t.Errorf("fn ran after the client left")
	}
	// newEnv checks that no goroutine is left behind.
}

func TestDeliverToReachesOnlyThatClient(t *testing.T) {
	e := newEnv(t, Config{})
	w, h := e.backend.world("alice@example.com")
	a := e.dial()
	a.loginSASL("alice", "alice@example.com", "secret")
	ca := h.expectCall(t, "Attached").client
	b := e.dial()
	b.loginSASL("alice", "alice@example.com", "secret")
	h.expectCall(t, "Attached")
	if !w.DeliverTo(ca, Message{Command: "NOTICE", Text: "only for a"}) {
		t.Fatal("DeliverTo reports that the attached client did not get it")
	}
	if got := a.sync(); len(got) != 1 || got[0].Trailing() != "only for a" {
		t.Errorf("a got %v, want the notice", got)
	}
	if got := b.sync(); len(got) != 0 {
		t.Errorf("b got %v, want nothing", got)
	}
}
