package bridge_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/msn"
)

// Chats that contacts start count against MaxSwitchboards, as the
// user's do: the least recently used idle one makes room for the next,
// so a contact ringing again and again never holds more of the bridge's
// connections, and every message still arrives.
func TestIncomingChatsBounded(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.MaxSwitchboards = 2 })
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	for i := range 5 {
		sb := p.chat(alice)
		ctx, cancel := ctxT()
		err := sb.SendText(ctx, fmt.Sprintf("chat %d", i), msn.Format{})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		c.expectFrom("bob", "PRIVMSG", fmt.Sprintf("chat %d", i))
		c.sync()
		for _, st := range e.bridge.Stats() {
			if st.Switchboards > 2 {
				t.Fatalf("after chat %d the session holds %d switchboards, over MaxSwitchboards 2", i, st.Switchboards)
			}
		}
	}
}

// A contact's invitations are answered 10 at once, then one every 6
// seconds: ringing faster costs the bridge no switchboard connection,
// and the contact gets through again once its rate allows.
func TestRingsAnsweredWithinRate(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	c.sync()
	for range 10 {
		p.chat(alice)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	_, err := p.c.OpenSwitchboard(ctx, alice)
	cancel()
	if err == nil {
		t.Fatal("an 11th invitation at once was answered, past the rate of 10")
	}
	e.clock.advance(6 * time.Second)
	p.chat(alice) // fails the test unless answered
}

// Conversations the user starts together count against MaxSwitchboards
// while their switchboards open: the second waits for the first to be
// idle, and both messages arrive.
func TestChatsOpenedTogetherBounded(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.MaxSwitchboards = 1 })
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	pc := e.peer(carol)
	c.expectVoiced("bob", "carol")
	// Both messages reach the session before either switchboard opens.
	release, ok := bridge.HoldSession(e.bridge, alice)
	if !ok {
		t.Fatal("no session")
	}
	c.send("PRIVMSG bob :to bob")
	c.send("PRIVMSG carol :to carol")
	c.sync()
	release()
	pb.expectText("to bob")
	pc.expectText("to carol")
	c.sync()
	for _, st := range e.bridge.Stats() {
		if st.Switchboards > 1 {
			t.Errorf("the session holds %d switchboards, over MaxSwitchboards 1", st.Switchboards)
		}
	}
}
