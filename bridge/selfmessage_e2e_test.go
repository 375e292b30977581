package bridge_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// bobChatsWithOtherPlace has bob write to alice, waits until each of the
// clients shows it, and has the user's other place (w) answer the same
// ring: it returns bob's switchboard, and that place's in the chat too.
func bobChatsWithOtherPlace(t *testing.T, bp *peer, w *wlm, clients ...*client) (bobs, other *msn.Switchboard) {
	t.Helper()
	ctx, cancel := ctxT()
	defer cancel()
	sb := bp.chat(alice)
	if err := sb.SendText(ctx, "hello alice", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		c.expectFrom("bob", "PRIVMSG", "hello alice")
	}
	inv := w.expect("invitation", func(ev msn.Event) bool { _, ok := ev.(msn.Invitation); return ok }).(msn.Invitation)
	wsb, err := w.c.Accept(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	return sb, wsb
}

// What the user says from another place (MPOP) in a chat msn2irc is in
// too is shown in that chat's query as the user's own message, to the
// clients that asked for it (echo-message, znc.in/self-message); other
// clients see nothing of it, bob is not told twice, and bob's messages
// still arrive as his.
func TestSelfMessageFromOtherEndpoint(t *testing.T) {
	for _, v := range mpopVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnvServer(t, v, msntest.Options{EveryEndpointJoins: true}, nil)
			bp := e.peer(bob)
			echo := e.login("alice", alice, password, "echo-message")
			bouncer := e.login("alice", alice, password, "znc.in/self-message")
			plain := e.login("alice", alice, password, "")
			w := e.wlm()
			waitEndpoints(t, echo, "2")

			sb, wsb := bobChatsWithOtherPlace(t, bp, w, echo, bouncer, plain)
			ctx, cancel := ctxT()
			defer cancel()
			if err := wsb.SendText(ctx, "from my phone", msn.Format{}); err != nil {
				t.Fatal(err)
			}
			bp.expectText("from my phone")
			for _, c := range []*client{echo, bouncer} {
				m := c.expectFrom("alice", "PRIVMSG", "from my phone")
				if m.Param(0) != "bob" || m.Prefix.User != "alice" || m.Prefix.Host != "example.com" {
					t.Errorf("own message shown as %v, want :alice!alice@example.com PRIVMSG bob", m)
				}
			}
			if err := sb.SendText(ctx, "still here", msn.Format{}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []*client{echo, bouncer, plain} {
				c.expectFrom("bob", "PRIVMSG", "still here")
				c.sync()
				for _, m := range c.seen {
					if strings.Contains(m.Trailing(), "from my phone") && (c == plain || m.Prefix.Name != "alice") ||
						m.Command == "JOIN" && strings.HasPrefix(m.Param(0), "#") || m.Command == irc.RPL_NAMREPLY && strings.Contains(m.Trailing(), "alice_") {
						t.Errorf("client %s got %v", c.history(), m)
					}
				}
			}
			// Nothing went back to MSN: bob got the message once.
			if err := sb.SendText(ctx, "barrier", msn.Format{}); err != nil {
				t.Fatal(err)
			}
			echo.expectFrom("bob", "PRIVMSG", "barrier")
			for {
				select {
				case ev := <-bp.events:
					if m, ok := ev.(msn.MessageReceived); ok && strings.Contains(m.Text, "from my phone") {
						t.Errorf("bob got the message again: %+v", m)
					}
					continue
				default:
				}
				break
			}
		})
	}
}

// What the user says from another place while no IRC client is attached
// (keep_online) is kept: the next client that shows the user's own
// messages gets it in its replay, as the user's own message to bob.
func TestSelfMessageWhileDetachedReplayed(t *testing.T) {
	e := newEnvServer(t, "MSNP18", msntest.Options{EveryEndpointJoins: true}, nil)
	bp := e.peer(bob)
	c := e.login("alice", alice, password, "echo-message server-time message-tags")
	c.ask("set keep_online true", "keep_online=true")
	w := e.wlm()
	waitEndpoints(t, c, "2")

	_, wsb := bobChatsWithOtherPlace(t, bp, w, c)
	ctx, cancel := ctxT()
	defer cancel()
	leave(c)
	if err := wsb.SendText(ctx, "from my phone while away", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	bp.expectText("from my phone while away")
	waitHistory(t, e, bob, "the own message", textIs("from my phone while away"))

	c2 := e.login("alice", alice, password, "echo-message server-time message-tags")
	m := c2.expectFrom("alice", "PRIVMSG", "from my phone while away")
	if m.Param(0) != "bob" || m.Tags["msgid"] == "" {
		t.Errorf("replayed as %v, want the user's own message to bob with its msgid", m)
	}
}

// A nudge, or something msn2irc cannot show, that the user sends from
// another place in a chat msn2irc is in too is shown in that chat's query
// as the user's own, as their text is, and is not sent to MSN again.
func TestSelfNudgeAndContentFromOtherEndpoint(t *testing.T) {
	e := newEnvServer(t, "MSNP18", msntest.Options{EveryEndpointJoins: true}, nil)
	bp := e.peer(bob)
	echo := e.login("alice", alice, password, "echo-message")
	w := e.wlm()
	waitEndpoints(t, echo, "2")
	_, wsb := bobChatsWithOtherPlace(t, bp, w, echo)
	ctx, cancel := ctxT()
	defer cancel()
	if err := wsb.SendNudge(ctx); err != nil {
		t.Fatal(err)
	}
	bp.expect("the nudge", func(ev msn.Event) bool { _, ok := ev.(msn.NudgeReceived); return ok })
	m := echo.expectFrom("alice", "PRIVMSG", "nudge")
	if m.Param(0) != "bob" || m.Trailing() != "\x01ACTION sent a nudge\x01" {
		t.Errorf("own nudge shown as %v, want :alice PRIVMSG bob :\\x01ACTION sent a nudge\\x01", m)
	}
	wink := mimeMessage("text/x-msnmsgr-datacast", "ID: 2\r\nData: <wink/>\r\n\r\n")
	if err := wsb.Send(ctx, msn.AckNone, wink); err != nil {
		t.Fatal(err)
	}
	m = echo.expectFrom("alice", "NOTICE", "a wink")
	if m.Param(0) != "bob" {
		t.Errorf("own wink shown as %v, want a NOTICE to bob", m)
	}
}
