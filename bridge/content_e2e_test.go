package bridge_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

// forSomeVersions runs f over MD5 login with the MSNP7 message formats and
// over TWN login with MSNP12's, for behaviour that does not change between.
func forSomeVersions(t *testing.T, f func(t *testing.T, e *env)) {
	for _, v := range []string{"MSNP7", "MSNP12"} {
		t.Run(v, func(t *testing.T) {
			f(t, newEnv(t, v))
		})
	}
}

// mimeMessage builds a switchboard MSG payload: headers, a blank line, body.
func mimeMessage(contentType, body string) []byte {
	return []byte("MIME-Version: 1.0\r\nContent-Type: " + contentType + "\r\n\r\n" + body)
}

func TestUnsupportedContentIsAnnounced(t *testing.T) {
	cases := []struct {
		what    string
		payload []byte
		want    string // what the notice says was sent
	}{
		{"file transfer", mimeMessage("text/x-msmsgsinvite; charset=UTF-8",
			"Application-Name: File Transfer\r\n"+
				"Application-GUID: {5D3E02AB-6190-11d3-BBBB-00C04F795683}\r\n"+
				"Invitation-Command: INVITE\r\n"+
				"Invitation-Cookie: 4711\r\n"+
				"Application-File: holiday photo.jpg\r\n"+
				"Application-FileSize: 52312\r\n\r\n"),
			"a file transfer (holiday photo.jpg)"},
		{"ink as GIF", mimeMessage("image/gif", "base64:R0lGODlhAQABAAAAACw="), "ink"},
		{"ink as ISF", mimeMessage("application/x-ms-ink", "base64:AKMBHAOAgAQdBLAC7gICDQRI"), "ink"},
		{"wink", mimeMessage("text/x-msnmsgr-datacast", "ID: 2\r\nData: <wink/>\r\n\r\n"), "a wink"},
		{"voice clip", mimeMessage("text/x-msnmsgr-datacast", "ID: 3\r\nData: {CE4F1F2C-voice}.wav\r\n\r\n"), "a voice clip"},
	}
	forSomeVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		p := e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		// The chat starts with something msn2irc cannot show: the query
		// still opens, and the notice comes from bob in it.
		sb := p.chat(alice)
		ctx, cancel := ctxT()
		defer cancel()
		for _, tc := range cases {
			if err := sb.Send(ctx, msn.AckNone, tc.payload); err != nil {
				t.Fatalf("%s: %v", tc.what, err)
			}
			m := c.expectFrom("bob", "NOTICE", "")
			if m.Param(0) != "alice" {
				t.Errorf("%s: notice to %q, want alice's query with bob", tc.what, m.Param(0))
			}
			text := m.Trailing()
			if !strings.Contains(text, tc.want) || !strings.Contains(text, "not support") {
				t.Errorf("%s: notice %q, want it to say %q was sent and is not supported", tc.what, text, tc.want)
			}
			if m.Tags["time"] == "" {
				t.Errorf("%s: notice without server-time", tc.what)
			}
			// The same kind again is shown only some time later
			// (TestNudgeAndContentFloodShownOnce): both inks are.
			e.clock.advance(10 * time.Second)
		}
		// The contact's client gives up on the file transfer: no "sent a cancelled invitation".
		cancelled := mimeMessage("text/x-msmsgsinvite; charset=UTF-8", "Invitation-Command: CANCEL\r\nInvitation-Cookie: 4711\r\nCancel-Code: TIMEOUT\r\n\r\n")
		if err := sb.Send(ctx, msn.AckNone, cancelled); err != nil {
			t.Fatal(err)
		}
		if m := c.expectFrom("bob", "NOTICE", ""); !strings.Contains(m.Trailing(), "bob cancelled an invitation") {
			t.Errorf("cancelled invitation shown as %q", m.Trailing())
		}
		// The conversation still works both ways afterwards.
		if err := sb.SendText(ctx, "did you get my photo?", msn.Format{}); err != nil {
			t.Fatal(err)
		}
		c.expectFrom("bob", "PRIVMSG", "did you get my photo?")
		c.send("PRIVMSG bob :no, only text here")
		if got := p.expectText("only text here"); got.Switchboard != sb {
			t.Error("the answer went to another switchboard")
		}
	})
}

func TestUnsupportedContentInGroupChat(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	e.peer(carol)
	c.expectVoiced("bob", "carol")
	sb := pb.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.Invite(ctx, carol); err != nil {
		t.Fatal(err)
	}
	join := c.expect("JOIN #chat", func(m *irc.Message) bool {
		return m.Command == "JOIN" && m.Prefix.Name == "alice" && strings.HasPrefix(m.Param(0), "#chat-")
	})
	ch := join.Param(0)
	c.expectCmd(irc.RPL_ENDOFNAMES, "alice", ch)
	if err := sb.Send(ctx, msn.AckNone, mimeMessage("text/x-msnmsgr-datacast", "ID: 2\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	m := c.expectFrom("bob", "NOTICE", "a wink")
	if m.Param(0) != ch {
		t.Errorf("wink notice to %q, want the group chat %s", m.Param(0), ch)
	}
}

func TestUnsupportedContentKeptForReplay(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	c.ask("set keep_online true", "keep_online=true")
	c.ask("set history_days 0", "history_days=0") // the replay queue, without the history
	c.send("QUIT")
	c.expectCmd("ERROR")
	p := e.peer(bob)
	sb := p.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	invite := mimeMessage("text/x-msmsgsinvite; charset=UTF-8",
		"Application-Name: File Transfer\r\nInvitation-Command: INVITE\r\nInvitation-Cookie: 1\r\nApplication-File: notes.txt\r\n\r\n")
	if err := sb.Send(ctx, msn.AckNone, invite); err != nil {
		t.Fatal(err)
	}
	// A text after the invitation shows the bridge has handled both.
	if err := sb.SendText(ctx, "sent you a file", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	waitReplayKept(t, e, "sent you a file")
	c2 := e.login("alice", alice, password, allCaps)
	c2.expectFrom("bob", "NOTICE", "a file transfer (notes.txt)")
	c2.expectFrom("bob", "PRIVMSG", "sent you a file")
}

// The server sends a notice for every new e-mail: a flood of e-mails is
// one notice in &msn, then one again every 10 s while it goes on; the
// server's other notices are not held back by it.
func TestMailNotificationFloodShownOnce(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	send := func(payload string) {
		t.Helper()
		raw := "MSG Hotmail Hotmail " + strconv.Itoa(len(payload)) + "\r\n" + payload
		if err := e.msn.SendRaw(alice, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	mail := func(n int) {
		t.Helper()
		for i := range n {
			send("MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsemailnotification; charset=UTF-8\r\n\r\n" +
				"From: Spammer\r\nFrom-Addr: spam@example.com\r\nSubject: offer " + strconv.Itoa(i) + "\r\n\r\n")
		}
	}
	shown := func() int {
		n := 0
		for _, m := range c.seen {
			if m.Command == "NOTICE" && strings.Contains(m.Trailing(), "New e-mail from") {
				n++
			}
		}
		return n
	}
	mail(30)
	send("MIME-Version: 1.0\r\nContent-Type: application/x-msmsgssystemmessage\r\n\r\nType: 1\r\nArg1: 5\r\n")
	c.expectMsn("maintenance")
	if n := shown(); n != 1 {
		t.Errorf("30 new e-mails were shown as %d notices, want 1", n)
	}
	e.clock.advance(10 * time.Second)
	mail(5)
	send("MIME-Version: 1.0\r\nContent-Type: application/x-msmsgssystemmessage\r\n\r\nType: 1\r\nArg1: 4\r\n")
	c.expectMsn("4 minutes")
	if n := shown(); n != 2 {
		t.Errorf("after 10 s, new e-mails shown %d times in all, want 2", n)
	}
}

func TestServerSystemMessage(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		payload := "MIME-Version: 1.0\r\nContent-Type: application/x-msmsgssystemmessage\r\n\r\nType: 1\r\nArg1: 5\r\n"
		raw := "MSG Hotmail Hotmail " + strconv.Itoa(len(payload)) + "\r\n" + payload
		if err := e.msn.SendRaw(alice, []byte(raw)); err != nil {
			t.Fatal(err)
		}
		m := c.expectMsn("maintenance")
		if m.Command != "NOTICE" || m.Param(0) != "&msn" {
			t.Errorf("system message shown as %v, want a NOTICE in &msn", m)
		}
		if !strings.Contains(m.Trailing(), "5 minutes") {
			t.Errorf("system message %q does not say when", m.Trailing())
		}
		// The connection to MSN is still in use afterwards.
		c.ask("status busy", "Status set to Busy")
	})
}
