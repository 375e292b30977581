package bridge_test

import (
	"testing"

	"github.com/msn2irc/msn2irc/msn"
)

// Contacts see alice with the client id of the Messenger release that
// spoke the session's version (its MSNC number), so that MSN 7 and later
// clients offer nudges; no ink or webcam bits. Before MSNP8 there is none.
func TestOwnClientID(t *testing.T) {
	want := map[string]uint32{"MSNP2": 0, "MSNP7": 0, "MSNP10": 0x30000000, "MSNP12": 0x50000000, "MSNP15": 0x80000000, "MSNP18": 0x90000000}
	forVersions(t, func(t *testing.T, e *env) {
		e.login("alice", alice, password, allCaps)
		pb := e.peer(bob)
		ev := pb.expect("alice's presence", func(ev msn.Event) bool {
			pc, ok := ev.(msn.PresenceChanged)
			return ok && pc.Passport == alice
		}).(msn.PresenceChanged)
		if ev.ClientID != want[e.version] {
			t.Errorf("alice's client id %#x, want %#x", ev.ClientID, want[e.version])
		}
	})
}

func TestSupportedClientID(t *testing.T) {
	for v, want := range map[int]uint32{8: 0, 9: 0x10000000, 11: 0x40000000, 15: 0x80000000, 18: 0x90000000} {
		if got := msn.SupportedClientID(v); got != want {
			t.Errorf("SupportedClientID(%d) = %#x, want %#x", v, got, want)
		}
	}
}
