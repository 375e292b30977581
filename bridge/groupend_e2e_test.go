package bridge_test

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
)

// When everyone else left a group chat, its channel is closed with a PART
// and a notice, is not drawn again for a client that attaches later, and
// a message to it is answered 403.
func TestGroupChatEndsWhenEveryoneLeft(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	pc := e.peer(carol)
	c.expectVoiced("bob", "carol")
	sb := pb.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.Invite(ctx, carol); err != nil {
		t.Fatal(err)
	}
	ch := c.expect("alice JOINs a group chat", func(m *irc.Message) bool {
		return m.Command == "JOIN" && m.Prefix.Name == "alice" && m.Param(0) != "&msn"
	}).Param(0)
	sb.Close()
	c.expectCmd("PART", ch)
	pc.close() // carol signs out, and leaves the chat
	c.expect("alice parts "+ch, func(m *irc.Message) bool {
		return m.Command == "PART" && m.Prefix.Name == "alice" && m.Param(0) == ch
	})
	c.expectMsn("Everyone left " + ch)
	c.send("PRIVMSG " + ch + " :anyone?")
	c.expectCmd(irc.ERR_NOSUCHCHANNEL, "alice", ch)
	late := e.login("alice", alice, password, allCaps)
	late.sync()
	for _, m := range late.seen {
		if m.Command == "JOIN" && m.Param(0) == ch {
			t.Errorf("a client attaching later joined %s", ch)
		}
	}
}

// Parting a group chat frees its switchboard for a message that waited
// for one.
func TestPartFreesSwitchboardForWaitingMessage(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.MaxSwitchboards = 1 })
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	e.peer(carol)
	pd := e.peer(dave)
	c.expectVoiced("bob", "carol", "dave")
	ch := groupChatChannel(t, pb, c)
	c.send("PRIVMSG dave :waiting for a switchboard")
	c.sync()
	c.send("PART " + ch)
	c.expectCmd("PART", ch)
	pd.expectText("waiting for a switchboard")
}

// A group chat whose switchboard ended stays a channel, but a session
// keeps at most MaxGroupChats of them: a new one closes the least
// recently used, with a PART and a notice, so that contacts who keep
// starting chats cannot grow the list without end.
func TestGroupChatsBounded(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(cfg *bridge.Config) { cfg.MaxGroupChats = 2 })
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	e.peer(carol)
	c.expectVoiced("bob", "carol")
	var chans []string
	for i := range 3 {
		sb := pb.chat(alice)
		ctx, cancel := ctxT()
		err := sb.Invite(ctx, carol)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		joins := func(m *irc.Message) bool {
			return m.Command == "JOIN" && m.Prefix.Name == "alice" && m.Param(0) != "&msn"
		}
		if i < 2 {
			chans = append(chans, c.expect("alice JOINs a group chat", joins).Param(0))
		} else {
			// The third closes the first, least recently used.
			third := ""
			c.expectAll(map[string]func(m *irc.Message) bool{
				"alice JOINs a third group chat": func(m *irc.Message) bool {
					if joins(m) {
						third = m.Param(0)
					}
					return third != ""
				},
				"alice parts the first": func(m *irc.Message) bool {
					return m.Command == "PART" && m.Prefix.Name == "alice" && m.Param(0) == chans[0]
				},
				"the notice": func(m *irc.Message) bool {
					return m.Prefix.Name == "msn" && strings.HasPrefix(m.Trailing(), "Closed "+chans[0]+", the group chat used least recently, to make room for a new one (msn2irc keeps 2)")
				},
			})
			chans = append(chans, third)
		}
		// The chat's switchboard ends, its participants stay: the channel
		// stays for the user to go on in. Waited for: a chat whose
		// switchboard still runs is not one to close.
		waitFor(t, "the chat's switchboard to end", func() bool {
			e.msn.DropSB(alice)
			for _, st := range e.bridge.Stats() {
				if st.Switchboards > 0 {
					return false
				}
			}
			return true
		})
		c.sync()
	}
	late := e.login("alice", alice, password, allCaps)
	late.sync()
	joined := map[string]bool{}
	for _, m := range late.seen {
		if m.Command == "JOIN" {
			joined[m.Param(0)] = true
		}
	}
	if joined[chans[0]] || !joined[chans[1]] || !joined[chans[2]] {
		t.Errorf("a client attaching later joined %v, want %s and %s", joined, chans[1], chans[2])
	}
}

// A message written to a group chat whose switchboard is still opening
// when the user parts it is reported as not delivered, not lost.
func TestPartWhileOpeningReportsMessage(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.peer(carol)
	c.expectVoiced("carol")
	c.send("JOIN #party")
	c.expectCmd("JOIN", "#party")
	e.msn.SetReplyDelay(300 * time.Millisecond)
	c.send("INVITE carol #party")
	c.send("PRIVMSG #party :are you there")
	c.send("PART #party")
	c.expectCmd("PART", "#party")
	e.msn.SetReplyDelay(0)
	c.expect("the message reported", func(m *irc.Message) bool {
		return strings.Contains(m.Trailing(), `Message to #party not delivered: "are you there"`)
	})
}
