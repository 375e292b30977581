package bridge_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

// What a contact listens to shows in WHOIS and in their away reason, as
// their personal message does (current media: MSNP11+).
func TestNowPlayingInWhoisAndAway(t *testing.T) {
	for _, v := range []string{"MSNP12"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			p := e.peer(bob)
			c := e.login("alice", alice, password, allCaps)
			ctx, cancel := ctxT()
			defer cancel()
			if err := p.c.SetStatus(ctx, msn.StatusBusy); err != nil {
				t.Fatal(err)
			}
			if err := p.c.SetPersonalMessage(ctx, "working"); err != nil {
				t.Fatal(err)
			}
			if err := p.c.SetCurrentMedia(ctx, msn.Media{Artist: "Daft Punk", Title: "One More Time", Album: "Discovery"}); err != nil {
				t.Fatal(err)
			}
			c.expect("bob away with the song", func(m *irc.Message) bool {
				return m.Command == "AWAY" && m.Prefix != nil && m.Prefix.Name == "bob" &&
					m.Trailing() == "Busy — working ♫ Daft Punk - One More Time"
			})
			c.send("WHOIS bob")
			c.expect("WHOIS now playing", func(m *irc.Message) bool {
				return m.Command == "320" && strings.HasSuffix(m.Trailing(), "now playing: Daft Punk - One More Time")
			})
		})
	}
}
