package bridge_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// A contact sending nudges, or content msn2irc cannot show (winks, ink,
// custom emoticons...), in a flood is shown it once, then again at most
// every 10 seconds while it goes on: each would otherwise be a line to
// every client and a message kept in the history (or, with history off,
// among the 1,000 kept for replay, pushing real messages out).
func TestNudgeAndContentFloodShownOnce(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c, sb := bobsChat(e)
	ctx, cancel := ctxT()
	defer cancel()
	flood := func(n int) {
		t.Helper()
		for i := range n {
			// Content types the sender makes up are one kind.
			if err := sb.Send(ctx, msn.AckNone, mimeMessage(fmt.Sprintf("application/x-flood-%d", i), "x")); err != nil {
				t.Fatal(err)
			}
			if err := sb.SendNudge(ctx); err != nil {
				t.Fatal(err)
			}
			if err := sb.Send(ctx, msn.AckNone, mimeMessage("text/x-msnmsgr-datacast", "ID: 2\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
		}
	}
	text := func(s string) {
		t.Helper()
		if err := sb.SendText(ctx, s, msn.Format{}); err != nil {
			t.Fatal(err)
		}
		c.expectFrom("bob", "PRIVMSG", s)
	}
	count := func() (nudges, winks, others int) {
		for _, m := range c.seen {
			if m.Prefix == nil || m.Prefix.Name != "bob" {
				continue
			}
			switch {
			case m.Command == "PRIVMSG" && strings.Contains(m.Trailing(), "sent you a nudge"):
				nudges++
			case m.Command == "NOTICE" && strings.Contains(m.Trailing(), "a wink"):
				winks++
			case m.Command == "NOTICE" && strings.Contains(m.Trailing(), "content of type"):
				others++
			}
		}
		return nudges, winks, others
	}
	flood(30)
	text("first")
	if n, w, o := count(); n != 1 || w != 1 || o != 1 {
		t.Errorf("30 nudges, winks and contents of made-up types were shown as %d nudges, %d wink and %d other notices, want 1 each", n, w, o)
	}
	e.clock.advance(10 * time.Second)
	flood(5)
	text("second")
	if n, w, o := count(); n != 2 || w != 2 || o != 2 {
		t.Errorf("after 10 s, nudges, winks and other contents shown %d, %d and %d times in all, want 2 each", n, w, o)
	}
}
