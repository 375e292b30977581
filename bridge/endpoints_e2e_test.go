package bridge_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// mpopVersions are the versions at which an account may be signed in from
// several places at once.
var mpopVersions = []string{"MSNP16", "MSNP18"}

// wlm is a scripted Messenger signed in to alice's own account from
// another machine; unlike a peer it answers no invitation by itself.
type wlm struct {
	*peer
}

// wlmGUID is the machine GUID of the scripted Messenger.
const wlmGUID = "{5B0D23E5-D1BB-4729-9C23-B520E488F3C8}"

// wlm signs alice in from another machine, named ALICE-PC.
func (e *env) wlm() *wlm {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	cfg := e.msn.Config(alice, password, e.version)
	cfg.MachineGUID = wlmGUID
	cfg.EndpointName = "ALICE-PC"
	c, err := msn.Login(ctx, cfg, msn.StatusOnline)
	if err != nil {
		e.t.Fatalf("WLM login: %v", err)
	}
	p := &peer{t: e.t, c: c, events: make(chan msn.Event, 1024), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for ev := range c.Events() {
			select {
			case p.events <- ev:
			default:
			}
		}
	}()
	e.t.Cleanup(p.close)
	return &wlm{p}
}

// waitEndpoints asks msn2irc for the account's places until it lists n,
// each with its name (a place is listed before its name comes, in a later
// UBX), and returns the lines of that answer.
func waitEndpoints(t *testing.T, c *client, n string) []string {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for {
		c.send("PRIVMSG msn :endpoints")
		lines := []string{c.expectFrom("msn", "PRIVMSG", "").Trailing()}
		if strings.HasPrefix(lines[0], "Signed in to MSN at ") {
			for !strings.HasPrefix(lines[len(lines)-1], "Say ") {
				lines = append(lines, c.expectFrom("msn", "PRIVMSG", "").Trailing())
			}
		}
		answer := strings.Join(lines, "\n")
		if strings.Contains(lines[0], "Signed in to MSN at "+n+" places:") && !strings.Contains(answer, "an unnamed place") {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("endpoints never listed %s named places; last answer %q", n, answer)
		}
		pollPause()
	}
}

// placeLine returns the line of lines that contains text.
func placeLine(t *testing.T, lines []string, text string) string {
	t.Helper()
	for _, l := range lines {
		if strings.Contains(l, text) {
			return l
		}
	}
	t.Fatalf("no place %q in %q", text, lines)
	return ""
}

// msn2irc and Messenger stay signed in together: the endpoints command
// lists both, a client that attaches is told of the other place, and
// answer_chats decides who takes a contact's chat.
func TestEndpointsSharedAccountAndAnswerChats(t *testing.T) {
	for _, v := range mpopVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			bp := e.peer(bob)
			c := e.login("alice", alice, password, allCaps)
			w := e.wlm()
			places := waitEndpoints(t, c, "2")
			placeLine(t, places, "(this is msn2irc) - Messenger on a computer, Online")
			placeLine(t, places, "ALICE-PC - Messenger on a computer, Online")
			if n := e.msn.EndpointCount(alice); n != 2 {
				t.Fatalf("alice's places on the server = %d, want 2 (neither kicked off)", n)
			}
			c2 := e.login("alice2", alice, password, allCaps)
			c2.expectMsn("also signed in to MSN at 1 place besides msn2irc (ALICE-PC)")
			c2.ic.Close()

			// never: Messenger takes the chat, msn2irc leaves it alone.
			c.send("PRIVMSG msn :set answer_chats never")
			c.expectMsn("answer_chats=never")
			opened := make(chan *msn.Switchboard, 1)
			go func() {
				ctx, cancel := ctxT()
				defer cancel()
				sb, err := bp.c.OpenSwitchboard(ctx, alice)
				if err != nil {
					t.Errorf("bob's chat: %v", err)
				}
				opened <- sb
			}()
			inv := w.expect("an invitation", func(ev msn.Event) bool { _, ok := ev.(msn.Invitation); return ok }).(msn.Invitation)
			// Time for msn2irc to answer, had it wanted to: two round trips.
			for range 2 {
				c.send("PRIVMSG msn :set answer_chats")
				c.expectMsn("answer_chats=never")
			}
			ctx, cancel := ctxT()
			defer cancel()
			if _, err := w.c.Accept(ctx, inv); err != nil {
				t.Fatalf("Messenger could not take the chat: %v", err)
			}
			sb := <-opened
			if sb == nil {
				return
			}
			if err := sb.SendText(ctx, "for messenger", msn.Format{}); err != nil {
				t.Fatal(err)
			}
			w.expectText("for messenger")
			c.sync()
			for _, m := range c.seen {
				if m.Command == "PRIVMSG" && strings.Contains(m.Trailing(), "for messenger") || m.Command == "FAIL" {
					t.Errorf("msn2irc showed %s", m)
				}
			}
			sb.Close()

			// always: msn2irc takes it at once, though Messenger is there.
			c.send("PRIVMSG msn :set answer_chats always")
			c.expectMsn("answer_chats=always")
			sb2 := bp.chat(alice)
			if err := sb2.SendText(ctx, "for msn2irc", msn.Format{}); err != nil {
				t.Fatal(err)
			}
			c.expectFrom("bob", "PRIVMSG", "for msn2irc")
		})
	}
}

// Signing places out: msn2irc signs Messenger out, and Messenger signing
// msn2irc out is said plainly and not answered by reconnecting.
func TestEndpointsSignOut(t *testing.T) {
	for _, v := range mpopVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			c := e.login("alice", alice, password, allCaps)
			w := e.wlm()
			n := "1"
			if strings.HasPrefix(placeLine(t, waitEndpoints(t, c, "2"), "ALICE-PC"), "2.") {
				n = "2"
			}
			c.send("PRIVMSG msn :endpoints signout " + n)
			c.expectMsn("Asked ALICE-PC to sign out of MSN.")
			d := w.expect("the sign-out", func(ev msn.Event) bool { _, ok := ev.(msn.Disconnected); return ok }).(msn.Disconnected)
			if d.Reason != msn.ReasonEndpointSignOut {
				t.Errorf("Messenger signed out with %v", d.Reason)
			}

			w2 := e.wlm()
			waitEndpoints(t, c, "2")
			ctx, cancel := ctxT()
			defer cancel()
			var guid string
			for _, ep := range w2.c.Endpoints() {
				if ep.GUID != strings.ToLower(wlmGUID) {
					guid = ep.GUID
				}
			}
			if err := w2.c.SignOutEndpoint(ctx, guid); err != nil {
				t.Fatal(err)
			}
			c.expectMsn(`Signed out of MSN by ALICE-PC where this account is signed in. Not reconnecting; say "login" to sign in again`)
			c.send("PRIVMSG msn :status")
			want := `You are signed out of MSN (ALICE-PC where this account is signed in signed this one out); say "login" to sign in again.`
			if m := c.expectFrom("msn", "PRIVMSG", ""); m.Trailing() != want {
				t.Errorf("status after the sign-out: %q, want %q", m.Trailing(), want)
			}
			c.sync()
			for _, m := range c.seen {
				if m.Command == "NOTICE" && strings.Contains(m.Trailing(), "Reconnect") {
					t.Errorf("msn2irc reconnects after being signed out: %s", m)
				}
			}
			if n := e.msn.EndpointCount(alice); n != 1 {
				t.Errorf("alice's places on the server = %d, want 1", n)
			}
			c.send("PRIVMSG msn :login")
			c.expectMsn("Reconnected to MSN")
		})
	}
}
