package bridge_test

import (
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

// expectOwnStatus waits for the next status change of alice the peer
// sees (its login's initial presence aside), and fails unless it is want.
func (p *peer) expectOwnStatus(want msn.Status) {
	p.t.Helper()
	ev := p.expect("alice "+string(want), func(ev msn.Event) bool {
		pc, ok := ev.(msn.PresenceChanged)
		return ok && pc.Passport == alice && !pc.Initial
	}).(msn.PresenceChanged)
	if ev.Status != want {
		p.t.Errorf("peer %s saw alice %s, want %s", p.c.Passport(), ev.Status, want)
	}
}

// expectAway waits for 306 (away) or 305 (back, text "").
func (c *client) expectAway(away bool) {
	c.t.Helper()
	if away {
		c.expectCmd(irc.RPL_NOWAWAY, c.nick)
	} else {
		c.expectCmd(irc.RPL_UNAWAY, c.nick)
	}
}

// expectSelfAway waits for the away-notify line of the user itself.
func (c *client) expectSelfAway(text string) {
	c.t.Helper()
	c.expect("AWAY of "+c.nick+" :"+text, func(m *irc.Message) bool {
		if m.Command != "AWAY" || m.Prefix == nil || m.Prefix.Name != c.nick {
			return false
		}
		return text == "" && len(m.Params) == 0 || len(m.Params) == 1 && m.Params[0] == text
	})
}

// `msn status busy` changes the IRC side with MSN's: every client gets
// 306 (and the AWAY line with away-notify) and WHOIS of oneself shows it;
// `msn status online` brings 305.
func TestStatusCommandSetsAway(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	other := e.login("alice", alice, password, "server-time")
	pb := e.peer(bob)

	c.send("PRIVMSG msn :status busy")
	c.expectAway(true)
	c.expectSelfAway("Busy")
	c.expectMsn("Status set to Busy.")
	pb.expectOwnStatus(msn.StatusBusy)
	other.expectAway(true)
	c.send("WHOIS alice")
	if m := c.expectCmd(irc.RPL_AWAY, "alice", "alice"); m.Trailing() != "Busy" {
		t.Errorf("301 of oneself = %q, want Busy", m.Trailing())
	}
	c.expectCmd(irc.RPL_ENDOFWHOIS)

	other.send("PRIVMSG msn :status online")
	other.expectAway(false)
	other.expectMsn("Status set to Online.")
	pb.expectOwnStatus(msn.StatusOnline)
	c.expectAway(false)
	c.expectSelfAway("")
}

// A bouncer's auto-away on detach (AWAY :Auto away) is laid over the
// status the user chose: MSN shows Away while detached, and the reattach
// (AWAY) brings Busy back, on MSN and on IRC, rather than Online.
func TestAutoAwayKeepsChosenStatus(t *testing.T) {
	e := newEnv(t, "MSNP12")
	bnc := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)

	bnc.ask("status busy", "Status set to Busy.")
	pb.expectOwnStatus(msn.StatusBusy)

	bnc.send("AWAY :Auto away")
	pb.expectOwnStatus(msn.StatusAway)
	bnc.send("AWAY")
	bnc.expectAway(false)
	pb.expectOwnStatus(msn.StatusBusy)
	bnc.expectAway(true) // Busy again on IRC
	bnc.send("WHOIS alice")
	if m := bnc.expectCmd(irc.RPL_AWAY, "alice", "alice"); m.Trailing() != "Busy" {
		t.Errorf("301 of oneself after the reattach = %q, want Busy", m.Trailing())
	}

	// A keyworded AWAY is a choice: clearing it makes the user Online.
	bnc.send("AWAY :lunch with Bob")
	pb.expectOwnStatus(msn.StatusLunch)
	bnc.send("AWAY :Auto away")
	pb.expectOwnStatus(msn.StatusAway)
	bnc.send("AWAY")
	pb.expectOwnStatus(msn.StatusLunch)
	bnc.send("AWAY")
	pb.expectOwnStatus(msn.StatusOnline)
}

// dialPreAway registers like a bouncer with draft/pre-away whose user is
// detached: AWAY * before CAP END.
func (e *env) dialPreAway(nick string) *client {
	e.t.Helper()
	c := e.dial()
	c.nick = nick
	c.send("CAP LS 302")
	c.send("CAP REQ :draft/pre-away away-notify server-time")
	c.expectCmd("CAP", "*", "ACK")
	c.send("PASS " + alice + ":" + password)
	c.send("NICK " + nick)
	c.send("USER " + nick + " 0 * :IRC user")
	c.send("AWAY *")
	c.send("CAP END")
	c.expectCmd(irc.RPL_WELCOME)
	return c
}

// AWAY * (draft/pre-away: the bouncer has no client attached) keeps the
// chosen status by default; with `set detached_status away` MSN shows
// Away while detached. Either way the reattach brings the chosen status
// back. AWAY * is taken before registration too.
func TestPreAwayDetachedStatus(t *testing.T) {
	e := newEnv(t, "MSNP12")
	bnc := e.login("alice", alice, password, allCaps+" draft/pre-away")
	pb := e.peer(bob)
	bnc.ask("status busy", "Status set to Busy.")
	pb.expectOwnStatus(msn.StatusBusy)

	bnc.send("AWAY *")
	bnc.expectAway(true)
	bnc.send("AWAY")
	bnc.expectAway(false)
	bnc.expectAway(true) // Busy again
	bnc.ask("status", "Your status is Busy.")
	// Nothing went to MSN: the next status it shows is the next choice.
	bnc.send("PRIVMSG msn :status lunch")
	bnc.expectMsn("Status set to Out to lunch.")
	pb.expectOwnStatus(msn.StatusLunch)

	bnc.ask("set detached_status away", "detached_status=away")
	bnc.send("AWAY *")
	pb.expectOwnStatus(msn.StatusAway)
	bnc.ask("status", "Your status is Away (your choice, Out to lunch, comes back when you are back).")
	bnc.send("AWAY")
	pb.expectOwnStatus(msn.StatusLunch)

	// A second bouncer connection, registering while its user is
	// detached, says so before its welcome.
	late := e.dialPreAway("alice")
	pb.expectOwnStatus(msn.StatusAway)
	late.expectAway(true)
	late.send("AWAY")
	pb.expectOwnStatus(msn.StatusLunch)
	bnc.ask("set detached_status", "detached_status=away")
	bnc.ask("set detached_status nonsense", "detached_status is keep or a status")
	bnc.ask("set detached_status keep", "detached_status=keep")
}

// A status change made while MSN has not answered the one before is sent
// once that one is over, also when MSN never answered it: IRC and MSN
// do not disagree until the next change.
func TestStatusChangedWhileOneFailsIsSent(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.msn.IgnoreCommand("CHG")
	c.send("PRIVMSG msn :status busy")
	c.sync()
	c.send("PRIVMSG msn :status brb")
	c.sync()
	e.msn.AnswerCommand("CHG")
	c.expectMsn("Could not change your status")
	waitFor(t, "MSN to show the status chosen last", func() bool { return e.msn.Status(alice) == msn.StatusBRB })
}
