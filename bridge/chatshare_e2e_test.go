package bridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/msn"
)

// One contact takes part in at most a quarter of the session's
// switchboards: a contact and a helper who keep calling the user into
// group chats (which, unlike idle queries, are never closed to make room)
// would otherwise hold every switchboard, and no other contact could
// start a chat with the user again.
func TestOneContactCannotHoldEverySwitchboard(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.MaxSwitchboards = 4 })
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	e.peer(carol)
	pd := e.peer(dave)
	c.expectVoiced("bob", "carol", "dave")
	// bob opens a chat with carol and calls alice in, again and again,
	// keeping every chat open: each is a group chat for alice.
	joined := 0
	for range 6 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		sb, err := pb.c.OpenSwitchboard(ctx, carol)
		if err == nil {
			if sb.Invite(ctx, alice) == nil {
				joined++
			}
		}
		cancel()
	}
	if joined == 0 {
		t.Fatal("alice joined none of bob's group chats")
	}
	st := e.bridge.Stats()
	if len(st) != 1 || st[0].Switchboards > 1 {
		t.Errorf("bob's group chats hold %+v switchboards, want at most 1 (a quarter of MaxSwitchboards 4)", st)
	}
	// dave still reaches alice.
	ctx, cancel := ctxT()
	defer cancel()
	sb, err := pd.c.OpenSwitchboard(ctx, alice)
	if err != nil {
		t.Fatalf("dave cannot start a chat with alice once bob's chats are open: %v", err)
	}
	if err := sb.SendText(ctx, "still there?", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("dave", "PRIVMSG", "still there?")
}
