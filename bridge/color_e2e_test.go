package bridge_test

import (
	"testing"

	"github.com/msn2irc/msn2irc/msn"
)

// A colour over a whole message goes both ways, as MSN's CO (BGR) and the
// nearest mIRC colour code; a colour over part of a message cannot be
// said in MSN and is dropped, the text kept.
func TestColorBothWays(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		p := e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")

		c.send("PRIVMSG bob :\x0304all red\x03")
		got := p.expectText("all red")
		if got.Text != "all red" || got.Format.Color != 0x0000ff {
			t.Errorf("whole red: MSN got %q CO=%x, want CO=ff (red, as BGR)", got.Text, got.Format.Color)
		}
		c.send("PRIVMSG bob :only \x0312this\x03 blue")
		got = p.expectText("blue")
		if got.Text != "only this blue" || got.Format.Color != 0 {
			t.Errorf("part blue: MSN got %q CO=%x, want the text without a colour", got.Text, got.Format.Color)
		}

		ctx, cancel := ctxT()
		defer cancel()
		// Dark green, as BGR: the nearest mIRC colour is 03 (green).
		if err := got.Switchboard.SendText(ctx, "green from msn", msn.Format{Color: 0x008800, Bold: true}); err != nil {
			t.Fatal(err)
		}
		m := c.expectFrom("bob", "PRIVMSG", "green from msn")
		if want := "\x0303\x02green from msn\x02\x03"; m.Trailing() != want {
			t.Errorf("colour from MSN: IRC got %q, want %q", m.Trailing(), want)
		}
	})
}
