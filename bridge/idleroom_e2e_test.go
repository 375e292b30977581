package bridge_test

import (
	"testing"

	"github.com/msn2irc/msn2irc/bridge"
)

// An idle session keeps small channels: every session holds their
// buffers for as long as it lives. A burst of MSN events longer than the
// event channel waits in the client's queue, and the IRC readers wait for
// the session when the action channel (the user's messages) is full; at
// 16 actions a burst of messages came through a little slower.
func TestIdleSessionChannelRoom(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	c.sync()
	for _, tc := range []struct {
		name string
		room func(*bridge.Bridge, string) (int, bool)
		most int
	}{
		{"MSN event", bridge.EventRoom, 16},
		{"action", bridge.ActionRoom, 32},
	} {
		room, ok := tc.room(e.bridge, alice)
		if !ok {
			t.Fatal("no session for alice")
		}
		if room > tc.most {
			t.Errorf("the session's %s channel has room for %d, want at most %d", tc.name, room, tc.most)
		}
	}
}
