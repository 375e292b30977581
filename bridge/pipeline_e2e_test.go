package bridge_test

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

// texts waits for the next n text messages the peer receives.
func (p *peer) texts(n int) []string {
	p.t.Helper()
	var got []string
	for len(got) < n {
		m := p.expect(fmt.Sprintf("text %d of %d", len(got)+1, n), func(ev msn.Event) bool {
			_, ok := ev.(msn.MessageReceived)
			return ok
		}).(msn.MessageReceived)
		got = append(got, m.Text)
	}
	return got
}

// A burst of messages, more than are ever left unacknowledged at once,
// arrives whole and in the order it was written, with no failure reported.
func TestBurstArrivesInOrder(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	p := e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	var want []string
	for i := range 600 {
		want = append(want, fmt.Sprintf("burst %03d", i))
		c.send("PRIVMSG bob :" + want[i])
	}
	got := p.texts(len(want))
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("the peer got\n%v\nwant\n%v", got, want)
	}
	c.send("PING :done")
	c.expect("PONG", func(m *irc.Message) bool { return m.Command == "PONG" })
	for _, m := range c.seen {
		if m.Command == "FAIL" || (m.Command == "NOTICE" && strings.Contains(m.Trailing(), "not delivered")) {
			t.Errorf("failure reported for a delivered burst: %v", m)
		}
	}
}

// When the switchboard drops while a burst is unacknowledged, every
// message is sent again on a new one, once, in order.
func TestBurstSurvivesSwitchboardDrop(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	p := e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.send("PRIVMSG bob :warm up")
	p.expectText("warm up")
	e.msn.DropSBOnNextMessage(alice)
	var want []string
	for i := range 30 {
		want = append(want, fmt.Sprintf("after drop %02d", i))
		c.send("PRIVMSG bob :" + want[i])
	}
	got := p.texts(len(want))
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after a drop the peer got\n%v\nwant\n%v", got, want)
	}
	c.send("PRIVMSG bob :still open")
	p.expectText("still open")
}
