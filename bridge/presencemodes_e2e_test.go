package bridge_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

// contactsChannelChurn returns the MODE, JOIN and PART lines of &msn that
// c read from seen on.
func contactsChannelChurn(c *client, from int) []*irc.Message {
	var out []*irc.Message
	for _, m := range c.seen[from:] {
		if (m.Command == "MODE" || m.Command == "JOIN" || m.Command == "PART") && m.Param(0) == "&msn" {
			out = append(out, m)
		}
	}
	return out
}

// askNames sends NAMES &msn and returns the members with their prefixes.
func (c *client) askNames() map[string]string {
	c.t.Helper()
	from := len(c.seen)
	c.send("NAMES &msn")
	c.expectCmd(irc.RPL_ENDOFNAMES, "*", "&msn")
	saved := c.seen
	c.seen = c.seen[from:]
	names := namesOf(c)
	c.seen = saved
	return names
}

// With presence_modes false, &msn carries no voices and nobody joins or
// parts it when they sign in or out (even with show_offline false):
// presence travels by MONITOR, away-notify and WHOIS only. Changing the
// setting redraws &msn for every attached client, and it is kept.
func TestPresenceModesOff(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	plain := e.login("alice", alice, password, "server-time")
	pb := e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	plain.expectCmd("MODE", "&msn", "+v", "bob")
	c.askAnd("set show_offline false", "show_offline=false", "offline dave parts", func(m *irc.Message) bool {
		return m.Command == "PART" && m.Prefix.Name == "dave" && m.Param(0) == "&msn"
	})
	c.ask("set presence_modes", "presence_modes=true")

	// Turning it off: bob loses his voice, the offline contacts come back.
	c.send("PRIVMSG msn :set presence_modes false")
	for _, cl := range []*client{c, plain} {
		cl.expectAll(map[string]func(m *irc.Message) bool{
			"-v bob":      func(m *irc.Message) bool { return m.Command == "MODE" && m.Param(1) == "-v" && m.Param(2) == "bob" },
			"carol joins": func(m *irc.Message) bool { return m.Command == "JOIN" && m.Prefix.Name == "carol" },
			"dave joins":  func(m *irc.Message) bool { return m.Command == "JOIN" && m.Prefix.Name == "dave" },
		})
	}
	c.expectMsn("presence_modes=false")
	want := map[string]string{"alice": "@", "msn": "@", "bob": "", "carol": "", "dave": ""}
	checkNames := func(cl *client, when string) {
		t.Helper()
		names := cl.askNames()
		for n, p := range want {
			if got, ok := names[n]; !ok || got != p {
				t.Errorf("%s: &msn member %s: got %q (present %v), want prefix %q; names %v", when, n, got, ok, p, names)
			}
		}
	}
	checkNames(c, "after set presence_modes false")
	checkNames(plain, "after set presence_modes false, other client")

	// Presence now comes by MONITOR and AWAY, never by &msn.
	c.send("MONITOR + carol,dave")
	c.expectCmd(irc.RPL_MONOFFLINE)
	from := len(c.seen)
	plainFrom := len(plain.seen)
	pc := e.peer(carol)
	c.expect("730 carol", func(m *irc.Message) bool {
		return m.Command == irc.RPL_MONONLINE && strings.HasPrefix(m.Trailing(), "carol!")
	})
	ctx, cancel := ctxT()
	defer cancel()
	if err := pb.c.SetStatus(ctx, msn.StatusBusy); err != nil {
		t.Fatal(err)
	}
	c.expect("bob AWAY Busy", func(m *irc.Message) bool {
		return m.Command == "AWAY" && m.Prefix.Name == "bob" && strings.HasPrefix(m.Trailing(), "Busy")
	})
	pc.close()
	c.expect("731 carol", func(m *irc.Message) bool {
		return m.Command == irc.RPL_MONOFFLINE && strings.HasPrefix(m.Trailing(), "carol")
	})
	c.sync()
	plain.sync()
	for _, m := range append(contactsChannelChurn(c, from), contactsChannelChurn(plain, plainFrom)...) {
		t.Errorf("&msn changed on a sign-in or sign-out: %v", m)
	}

	// Kept across a restart: the new world is drawn without voices.
	e.restart()
	c = e.login("alice", alice, password, allCaps)
	c.ask("set presence_modes", "presence_modes=false")
	checkNames(c, "after a restart")

	// Turning it on again: bob is voiced, the offline ones leave.
	c.send("PRIVMSG msn :set presence_modes on")
	c.expectAll(map[string]func(m *irc.Message) bool{
		"+v bob":      func(m *irc.Message) bool { return m.Command == "MODE" && m.Param(1) == "+v" && m.Param(2) == "bob" },
		"carol parts": func(m *irc.Message) bool { return m.Command == "PART" && m.Prefix.Name == "carol" },
		"dave parts":  func(m *irc.Message) bool { return m.Command == "PART" && m.Prefix.Name == "dave" },
		"answer":      func(m *irc.Message) bool { return m.Prefix.Name == "msn" && m.Trailing() == "presence_modes=true" },
	})
}
