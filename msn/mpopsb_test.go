package msn_test

import (
	"context"
	"strings"
	"testing"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// A server that lets both endpoints of an account answer a chat's ring
// (MSNP16+) puts them in one switchboard: each sees the other as its own
// endpoint, not as a participant, and a message from one reaches the
// other and the contact, from the user's own address.
func TestMatrixOwnEndpointInSwitchboard(t *testing.T) {
	for _, ver := range []string{"MSNP16", "MSNP18"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{EveryEndpointJoins: true})
			ctx := context.Background()
			guid := func(g string) func(*msn.Config) {
				return func(c *msn.Config) { c.MachineGUID = g }
			}
			a := login(t, srv, "alice@example.com", ver, guid("{7D9269F9-3C18-439E-969B-4E454049886F}"))
			b := login(t, srv, "alice@example.com", ver, guid("{5B0D23E5-D1BB-4729-9C23-B520E488F3C8}"))
			bob := login(t, srv, "bob@example.com", ver)
			for _, c := range []*msn.Client{a, b} {
				waitEv(t, c, func(e msn.OwnEndpointsChanged) bool { return len(e.Endpoints) == 2 })
			}
			_, asb, _ := call(t, ctx, bob, a, "alice@example.com")
			bsb, err := b.Accept(ctx, waitEv[msn.Invitation](t, b, nil))
			if err != nil {
				t.Fatalf("second endpoint's answer: %v", err)
			}
			joined := waitEv(t, a, func(e msn.ParticipantJoined) bool { return e.Switchboard == asb && e.OwnEndpoint })
			if joined.Endpoint != strings.ToLower(b.MachineGUID()) || !strings.EqualFold(joined.Passport, "alice@example.com") {
				t.Errorf("A saw %+v, want B's endpoint", joined)
			}
			if err := bsb.SendText(ctx, "from my phone", msn.Format{}); err != nil {
				t.Fatal(err)
			}
			got := waitEv(t, a, func(e msn.MessageReceived) bool { return e.Text == "from my phone" })
			if got.Switchboard != asb || !strings.EqualFold(got.From, "alice@example.com") {
				t.Errorf("A got %+v", got)
			}
			waitEv(t, bob, func(e msn.MessageReceived) bool { return e.Text == "from my phone" })
			if p := asb.Participants(); len(p) != 1 || p[0] != "bob@example.com" {
				t.Errorf("A's participants = %v, want only bob", p)
			}
			if p := bsb.Participants(); len(p) != 1 || p[0] != "bob@example.com" {
				t.Errorf("B's participants = %v, want only bob", p)
			}
		})
	}
}

// A contact signed in from two places, both in one switchboard (MSNP16+),
// is still there when one of the places leaves: Escargot then sends BYE
// only with that place's GUID, and the bare address when the last one
// leaves. The chat goes on with the other place.
func TestMatrixContactEndpointLeaves(t *testing.T) {
	for _, ver := range []string{"MSNP16", "MSNP18"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{EveryEndpointJoins: true})
			ctx := context.Background()
			guid := func(g string) func(*msn.Config) {
				return func(c *msn.Config) { c.MachineGUID = g }
			}
			alice := login(t, srv, "alice@example.com", ver)
			b1 := login(t, srv, "bob@example.com", ver, guid("{141EDF7C-E1AC-4C83-8B5B-FDDE3B9B37D7}"))
			b2 := login(t, srv, "bob@example.com", ver, guid("{9C5ABDE2-A1DD-4B11-8F1B-A747A476D85F}"))
			for _, c := range []*msn.Client{b1, b2} {
				waitEv(t, c, func(e msn.OwnEndpointsChanged) bool { return len(e.Endpoints) == 2 })
			}
			asb, b1sb, _ := call(t, ctx, alice, b1, "bob@example.com")
			b2sb, err := b2.Accept(ctx, waitEv[msn.Invitation](t, b2, nil))
			if err != nil {
				t.Fatalf("bob's second place's answer: %v", err)
			}
			if err := b2sb.SendText(ctx, "both here", msn.Format{}); err != nil {
				t.Fatal(err)
			}
			waitEv(t, alice, func(e msn.MessageReceived) bool { return e.Text == "both here" })
			b1sb.Close()
			if err := b2sb.SendText(ctx, "still here", msn.Format{}); err != nil {
				t.Fatal(err)
			}
			for {
				ev := waitEv[msn.Event](t, alice, nil)
				if l, ok := ev.(msn.ParticipantLeft); ok && l.Switchboard == asb {
					t.Fatalf("alice saw bob leave while his other place is in the chat: %+v", l)
				}
				if c, ok := ev.(msn.SwitchboardClosed); ok && c.Switchboard == asb {
					t.Fatal("alice's switchboard closed while bob's other place is in it")
				}
				if m, ok := ev.(msn.MessageReceived); ok && m.Text == "still here" {
					break
				}
			}
			if p := asb.Participants(); len(p) != 1 || p[0] != "bob@example.com" {
				t.Errorf("participants = %v, want bob", p)
			}
			b2sb.Close()
			l := waitEv(t, alice, func(e msn.ParticipantLeft) bool { return e.Switchboard == asb })
			if l.Passport != "bob@example.com" {
				t.Errorf("left: %+v", l)
			}
		})
	}
}
