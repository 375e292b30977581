package bridge_test

import (
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

// awayLinesOf returns the texts of the AWAY lines of nick that c read.
func awayLinesOf(c *client, nick string) []string {
	var out []string
	for _, m := range c.seen {
		if m.Command == "AWAY" && m.Prefix != nil && m.Prefix.Name == nick {
			out = append(out, m.Trailing())
		}
	}
	return out
}

// A contact changing status and personal message together (two MSN
// commands, as MSN clients send them) gives one AWAY line per change, not
// one per command.
func TestOneAwayLinePerPresenceChange(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	ctx, cancel := ctxT()
	defer cancel()
	for _, step := range []struct {
		psm  string
		st   msn.Status
		away string
	}{{"In a meeting", msn.StatusBusy, "Busy — In a meeting"}, {"Gone for a walk", msn.StatusAway, "Away — Gone for a walk"}} {
		if err := pb.c.SetPersonalMessage(ctx, step.psm); err != nil {
			t.Fatal(err)
		}
		if err := pb.c.SetStatus(ctx, step.st); err != nil {
			t.Fatal(err)
		}
		c.expect("bob "+step.away, func(m *irc.Message) bool {
			return m.Command == "AWAY" && m.Prefix.Name == "bob" && m.Trailing() == step.away
		})
	}
	got := awayLinesOf(c, "bob")
	if len(got) != 2 || got[0] != "Busy — In a meeting" {
		t.Errorf("AWAY lines of bob %q, want [Busy — In a meeting, Away — Gone for a walk]", got)
	}
}

// A group chat channel forming sends no AWAY line of its away members:
// the clients know their away state from &msn.
func TestNoAwayLineWhenGroupChatForms(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	e.peer(carol)
	c.expectVoiced("bob", "carol")
	ctx, cancel := ctxT()
	defer cancel()
	if err := pb.c.SetStatus(ctx, msn.StatusBusy); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("bob", "AWAY", "Busy")
	from := len(c.seen)
	ch := groupChatChannel(t, pb, c)
	c.expectCmd(irc.RPL_ENDOFNAMES, "alice", ch)
	c.sync()
	c.seen = c.seen[from:]
	if got := awayLinesOf(c, "bob"); len(got) != 0 {
		t.Errorf("AWAY lines of bob when %s formed: %q", ch, got)
	}
	// A client attaching later gets bob's AWAY once, not once per channel.
	late := e.login("alice", alice, password, allCaps)
	late.sync()
	if got := awayLinesOf(late, "bob"); len(got) != 1 {
		t.Errorf("AWAY lines of bob in the burst: %q, want one", got)
	}
}
