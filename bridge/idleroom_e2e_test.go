package bridge_test

import (
	"testing"

	"github.com/msn2irc/msn2irc/bridge"
)

// An idle session keeps a small MSN event channel: every session holds
// its buffer for as long as it lives, and a burst longer than it waits in
// the client's queue anyway. At 64 events it took 1.1 KiB per session.
func TestIdleSessionEventRoom(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	c.sync()
	room, ok := bridge.EventRoom(e.bridge, alice)
	if !ok {
		t.Fatal("no session for alice")
	}
	if room > 16 {
		t.Errorf("the session's event channel has room for %d events, want at most 16", room)
	}
}

// An idle session keeps a small action channel too: it carries the user's
// messages from the IRC readers, which wait for the session when it is
// full, so a longer one only made every session hold the buffer: at 64
// actions it took 1.1 KiB per session, at 32 0.6 KiB. At 16 a burst of
// messages came through a little slower.
func TestIdleSessionActionRoom(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	c.sync()
	room, ok := bridge.ActionRoom(e.bridge, alice)
	if !ok {
		t.Fatal("no session for alice")
	}
	if room > 32 {
		t.Errorf("the session's action channel has room for %d actions, want at most 32", room)
	}
}
