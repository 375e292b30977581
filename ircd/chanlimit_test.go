package ircd

import (
	"testing"

	"gopkg.in/irc.v4"
)

// JOIN opens channels up to Config.MaxChannels in the world (&msn
// counts), then answers 405 without asking the handler; a channel already
// open is still joined, and parting one makes room for another.
func TestJoinChannelLimit(t *testing.T) {
	e := newEnv(t, Config{MaxChannels: 3})
	c, w, h := loggedIn(t, e)
	c.send("JOIN #a,#b,#c,#d")
	for _, name := range []string{"#a", "#b"} {
		if got := h.expectCall(t, "Join").args[0]; got != name {
			t.Fatalf("handler asked to join %s, want %s", got, name)
		}
	}
	c.expectParams(irc.ERR_TOOMANYCHANNELS, "alice", "#c", "You have joined too many channels")
	c.expectParams(irc.ERR_TOOMANYCHANNELS, "alice", "#d", "You have joined too many channels")
	if n := len(w.channelNames()); n != 3 {
		t.Errorf("%d channels open, want 3", n)
	}
	h.noCall(t, "Join")

	c.send("PART #a")
	h.expectCall(t, "Part")
	c.send("JOIN #b,#c")
	if got := h.expectCall(t, "Join").args[0]; got != "#c" {
		t.Errorf("handler asked to join %s, want #c", got)
	}
	if msgs := c.sync(); len(find(msgs, irc.ERR_TOOMANYCHANNELS)) != 0 {
		t.Errorf("405 with room for the channel: %v", msgs)
	}
}
