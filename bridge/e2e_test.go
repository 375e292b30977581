package bridge_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/msn"
)

// names returns the NAMES entries of &msn from the burst read so far.
func namesOf(c *client) map[string]string {
	out := map[string]string{}
	for _, m := range c.seen {
		if m.Command == irc.RPL_NAMREPLY && m.Param(2) == "&msn" {
			for _, n := range strings.Fields(m.Trailing()) {
				out[strings.TrimLeft(n, "@+")] = n[:len(n)-len(strings.TrimLeft(n, "@+"))]
			}
		}
	}
	return out
}

func TestLoginAndContactsChannel(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		e.peer(bob)
		c := e.login("alice", alice, password, allCaps)
		names := namesOf(c)
		if names["bob"] == "" {
			// Presence (ILN) may come after the contact list.
			c.expectCmd("MODE", "&msn", "+v", "bob")
			names["bob"] = "+"
		}
		want := map[string]string{"alice": "@", "msn": "@", "bob": "+", "carol": "", "dave": ""}
		for n, p := range want {
			if got, ok := names[n]; !ok || got != p {
				t.Errorf("&msn member %s: got %q (present %v), want prefix %q; names %v", n, got, ok, p, names)
			}
		}
		c.send("WHOIS bob")
		c.expect("320 with the passport", func(m *irc.Message) bool {
			return m.Command == "320" && m.Param(1) == "bob" && strings.Contains(m.Trailing(), bob)
		})
		c.expectCmd(irc.RPL_ENDOFWHOIS, "alice", "bob")
		c.send("WHOIS msn")
		c.expectCmd("320", "alice", "msn", "is the msn2irc service: /msg msn help")
		c.expectCmd(irc.RPL_ENDOFWHOIS, "alice", "msn")
	})
}

func TestLoginSASL(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.loginSASL("alice", alice, password)
		c.send("WHOIS carol")
		c.expectCmd(irc.RPL_WHOISUSER, "alice", "carol", "carol", "example.com")
	})
}

func TestWrongPassword(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.dial()
		c.send("PASS " + alice + ":wrong")
		c.send("NICK alice")
		c.send("USER alice 0 * :x")
		m := c.expectCmd(irc.ERR_PASSWDMISMATCH)
		if !strings.Contains(m.Trailing(), "wrong address or password") {
			t.Errorf("464 says %q", m.Trailing())
		}
		e.clock.advance(time.Second) // the block after a failed login
		s := e.dial()
		s.send("CAP LS 302")
		s.send("CAP REQ :sasl")
		s.send("NICK alice")
		s.send("USER alice 0 * :x")
		s.send("AUTHENTICATE PLAIN")
		s.expectCmd("AUTHENTICATE", "+")
		s.send("AUTHENTICATE " + b64("\x00"+alice+"\x00nope"))
		m = s.expectCmd(irc.ERR_SASLFAIL)
		if !strings.Contains(m.Trailing(), "wrong address or password") {
			t.Errorf("904 says %q", m.Trailing())
		}
	})
}

func TestPresence(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		c.send("MONITOR + carol")
		c.expectCmd(irc.RPL_MONOFFLINE, "alice", "carol")
		p := e.peer(carol)
		c.expectAll(map[string]func(m *irc.Message) bool{
			"+v carol": func(m *irc.Message) bool {
				return m.Command == "MODE" && m.Param(0) == "&msn" && m.Param(1) == "+v" && m.Param(2) == "carol"
			},
			"730 carol": func(m *irc.Message) bool {
				return m.Command == irc.RPL_MONONLINE && strings.HasPrefix(m.Trailing(), "carol!")
			},
		})
		ctx, cancel := ctxT()
		defer cancel()
		if err := p.c.SetStatus(ctx, msn.StatusBusy); err != nil {
			t.Fatal(err)
		}
		c.expectFrom("carol", "AWAY", "Busy")
		if err := p.c.SetStatus(ctx, msn.StatusOnline); err != nil {
			t.Fatal(err)
		}
		c.expect("AWAY back", func(m *irc.Message) bool {
			return m.Command == "AWAY" && m.Prefix.Name == "carol" && len(m.Params) == 0
		})
		p.close()
		c.expectAll(map[string]func(m *irc.Message) bool{
			"-v carol": func(m *irc.Message) bool {
				return m.Command == "MODE" && m.Param(1) == "-v" && m.Param(2) == "carol"
			},
			"731 carol": func(m *irc.Message) bool {
				return m.Command == irc.RPL_MONOFFLINE && m.Trailing() == "carol"
			},
		})
	})
}

func TestFriendlyNameChanges(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		p := e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		ctx, cancel := ctxT()
		defer cancel()
		if err := p.c.SetFriendlyName(ctx, "Bobby\r\nQUIT :x"); err != nil {
			t.Fatal(err)
		}
		m := c.expectCmd("SETNAME")
		if m.Prefix.Name != "bob" || strings.ContainsAny(m.Trailing(), "\r\n") || !strings.HasPrefix(m.Trailing(), "Bobby") {
			t.Errorf("SETNAME %v", m)
		}
		c.send("PRIVMSG msn :set nick_source name")
		c.expect("NICK bob -> Bobby...", func(m *irc.Message) bool {
			return m.Command == "NICK" && m.Prefix.Name == "bob" && strings.HasPrefix(m.Param(0), "Bobby")
		})
		c.expectMsn("nick_source=name")
		if err := p.c.SetFriendlyName(ctx, "Robert"); err != nil {
			t.Fatal(err)
		}
		c.expect("NICK -> Robert", func(m *irc.Message) bool {
			return m.Command == "NICK" && strings.HasPrefix(m.Prefix.Name, "Bobby") && m.Param(0) == "Robert"
		})
		c.send("PRIVMSG Robert :hi Robert")
		p.expectText("hi Robert")
	})
}

func TestChat(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		p := e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")

		c.send("PRIVMSG bob :hello \x02bob\x02")
		got := p.expectText("hello bob")
		if got.Switchboard == nil {
			t.Fatal("no switchboard")
		}
		sb := got.Switchboard
		ctx, cancel := ctxT()
		defer cancel()
		if err := sb.SendTyping(ctx); err != nil {
			t.Fatal(err)
		}
		c.expect("typing active", func(m *irc.Message) bool {
			return m.Command == "TAGMSG" && m.Prefix.Name == "bob" && m.Tags["+typing"] == "active"
		})
		c.expect("typing done", func(m *irc.Message) bool {
			return m.Command == "TAGMSG" && m.Prefix.Name == "bob" && m.Tags["+typing"] == "done"
		})
		if err := sb.SendText(ctx, "line one\r\nline two", msn.Format{Bold: true}); err != nil {
			t.Fatal(err)
		}
		m := c.expectFrom("bob", "PRIVMSG", "line one")
		if m.Param(0) != "alice" || m.Tags["time"] == "" || !strings.Contains(m.Trailing(), "\x02") {
			t.Errorf("first line %v", m)
		}
		c.expectFrom("bob", "PRIVMSG", "line two")

		c.send("@+typing=active TAGMSG bob")
		p.expect("typing", func(ev msn.Event) bool { _, ok := ev.(msn.TypingReceived); return ok })
		c.send("PRIVMSG bob :\x01ACTION waves\x01")
		p.expectText("* alice waves")
		c.send("PRIVMSG bob :\x01NUDGE\x01")
		p.expect("nudge", func(ev msn.Event) bool { _, ok := ev.(msn.NudgeReceived); return ok })
		if err := sb.SendNudge(ctx); err != nil {
			t.Fatal(err)
		}
		c.expect("nudge action", func(m *irc.Message) bool {
			return m.Command == "PRIVMSG" && m.Prefix.Name == "bob" && m.Trailing() == "\x01ACTION sent you a nudge\x01"
		})
		long := strings.Repeat("0123456789", 300)
		c.send("PRIVMSG bob :" + long[:400])
		p.expectText(long[:400])
		if err := sb.SendText(ctx, long[:1400], msn.Format{}); err != nil {
			t.Fatal(err)
		}
		total := 0
		for total < 1400 {
			m := c.expectCmd("PRIVMSG", "alice")
			if len(m.String()) > 512 {
				t.Errorf("line of %d bytes", len(m.String()))
			}
			total += len(m.Trailing())
		}
	})
}

func TestIncomingChatAndControlCharacters(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		p := e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		sb := p.chat(alice)
		ctx, cancel := ctxT()
		defer cancel()
		if err := sb.SendText(ctx, "evil\x00 text\rPRIVMSG #x :injected\nsecond", msn.Format{}); err != nil {
			t.Fatal(err)
		}
		m := c.expectFrom("bob", "PRIVMSG", "evil")
		if strings.ContainsAny(m.Trailing(), "\x00\r\n") {
			t.Errorf("control characters passed: %q", m.Trailing())
		}
		c.expectFrom("bob", "PRIVMSG", "injected")
		c.expectFrom("bob", "PRIVMSG", "second")
		if p.c.Version() >= 11 {
			if err := p.c.SetPersonalMessage(ctx, "psm\r\nNICK x\x00"); err != nil {
				t.Fatal(err)
			}
			if err := p.c.SetStatus(ctx, msn.StatusAway); err != nil {
				t.Fatal(err)
			}
			m := c.expectFrom("bob", "AWAY", "psm")
			if strings.ContainsAny(m.Trailing(), "\x00\r\n") {
				t.Errorf("control characters in away: %q", m.Trailing())
			}
		}
		// The answer goes back on the same switchboard.
		c.send("PRIVMSG bob :reply")
		got := p.expectText("reply")
		if got.Switchboard != sb {
			t.Errorf("answer on another switchboard")
		}
	})
}

func TestGroupChat(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		pb := e.peer(bob)
		pc := e.peer(carol)
		pd := e.peer(dave)
		c.expectCmd("MODE", "&msn", "+v", "dave")
		sb := pb.chat(alice)
		ctx, cancel := ctxT()
		defer cancel()
		if err := sb.SendText(ctx, "one to one", msn.Format{}); err != nil {
			t.Fatal(err)
		}
		c.expectFrom("bob", "PRIVMSG", "one to one")
		if err := sb.Invite(ctx, carol); err != nil {
			t.Fatal(err)
		}
		join := c.expect("JOIN #chat", func(m *irc.Message) bool {
			return m.Command == "JOIN" && m.Prefix.Name == "alice" && strings.HasPrefix(m.Param(0), "#chat-")
		})
		ch := join.Param(0)
		c.expectCmd(irc.RPL_ENDOFNAMES, "alice", ch)
		if err := sb.SendText(ctx, "to the group", msn.Format{}); err != nil {
			t.Fatal(err)
		}
		c.expect("group message", func(m *irc.Message) bool {
			return m.Command == "PRIVMSG" && m.Prefix.Name == "bob" && m.Param(0) == ch && m.Trailing() == "to the group"
		})
		c.send("PRIVMSG " + ch + " :hi all")
		pc.expectText("hi all")
		pb.expectText("hi all")
		c.send("INVITE dave " + ch)
		c.expect("dave joins", func(m *irc.Message) bool {
			return m.Command == "JOIN" && m.Prefix.Name == "dave" && m.Param(0) == ch
		})
		pd.expect("dave in the chat", func(ev msn.Event) bool {
			_, ok := ev.(msn.ParticipantJoined)
			return ok
		})
		c.send("PART " + ch)
		c.expect("PART", func(m *irc.Message) bool {
			return m.Command == "PART" && m.Prefix.Name == "alice" && m.Param(0) == ch
		})
		pb.expect("alice left", func(ev msn.Event) bool {
			l, ok := ev.(msn.ParticipantLeft)
			return ok && l.Passport == alice
		})
		// An empty group chat started from IRC.
		c.startGroupChat("#party", "carol")
		c.send("PRIVMSG #party :party time")
		pc.expectText("party time")
	})
}

func TestOutbox(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		c.send("PRIVMSG dave :first")
		c.expectCmd("NOTE", "PRIVMSG", "QUEUED", "dave")
		c.send("PRIVMSG dave :second")
		c.send("PRIVMSG dave :\x01ACTION third\x01")
		c.send("PRIVMSG msn :outbox")
		c.expectMsn("3 queued")
		c.expectMsn(" UTC: first") // the time of the queueing, in UTC as everywhere
		p := e.peer(dave)
		for _, want := range []string{"first", "second", "* alice third"} {
			got := p.expectText("")
			if got.Text != want {
				t.Errorf("delivered %q, want %q", got.Text, want)
			}
		}
		// The last acknowledgement may still be on its way: ask until empty.
		deadline := time.Now().Add(waitTime)
		for {
			c.send("PRIVMSG msn :outbox")
			m := c.expect("outbox answer", func(m *irc.Message) bool {
				return m.Prefix.Name == "msn" && (strings.Contains(m.Trailing(), "outbox is empty") || strings.Contains(m.Trailing(), "queued message"))
			})
			if strings.Contains(m.Trailing(), "empty") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("outbox not emptied: %s", m.Trailing())
			}
		}
	})
}

func TestOutboxOnRefusedCall(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		e.msn.RefuseCall(bob, 217)
		c.send("PRIVMSG bob :are you there")
		c.expectCmd("NOTE", "PRIVMSG", "QUEUED", "bob")
		c.send("PRIVMSG msn :outbox")
		c.expectMsn("are you there")
		c.send("PRIVMSG msn :outbox clear bob")
		c.expectMsn("Cleared 1")
	})
}

func TestSwitchboardDropResends(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		p := e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		c.send("PRIVMSG bob :warm up")
		p.expectText("warm up")
		e.msn.DropSBOnNextMessage(alice)
		c.send("PRIVMSG bob :survives a drop")
		p.expectText("survives a drop")
		if e.version != "MSNP12" {
			return // the timeout below is the same for every version
		}
		// Never acknowledged: reported in bob's window.
		e.msn.IgnoreCommand("MSG")
		c.send("PRIVMSG bob :lost")
		m := c.expect("failure report", func(m *irc.Message) bool {
			return (m.Command == "FAIL" || m.Command == "NOTICE") && strings.Contains(m.Trailing(), "lost")
		})
		if m.Command == "NOTICE" && m.Prefix.Name != "bob" {
			t.Errorf("failure from %s", m.Prefix.Name)
		}
		e.msn.AnswerCommand("MSG")
		c.send("PRIVMSG bob :works again")
		p.expectText("works again")
	})
}

func TestReconnect(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		e.msn.DropNS(alice)
		c.expectMsn("Lost the connection")
		c.expectMsn("Reconnected")
		c.expectCmd("MODE", "&msn", "+v", "bob")
		c.send("PRIVMSG bob :after reconnect")
	})
}

func TestSignedInElsewhere(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		if err := e.msn.SendOUT(alice, "OTH"); err != nil {
			t.Fatal(err)
		}
		c.expectMsn("another location")
		c.send("PRIVMSG msn :version")
		c.expectMsn("msn2irc")
		if e.msn.Online(alice) {
			t.Errorf("the bridge signed in again after OUT OTH")
		}
	})
}

func TestSecondClientAndRestart(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		e.peer(bob)
		c1 := e.login("alice", alice, password, allCaps)
		if namesOf(c1)["bob"] != "+" {
			c1.expectCmd("MODE", "&msn", "+v", "bob")
		}
		c1.send("PRIVMSG msn :rename carol caz")
		c1.expectMsn("Renamed carol to caz")
		c2 := e.login("phone", alice, password, "server-time echo-message")
		if names := namesOf(c2); names["caz"] != "" || names["bob"] != "+" {
			t.Errorf("second client's &msn: %v", names)
		}
		c2.send("PRIVMSG bob :from the phone")
		c1.expect("echo to the first client", func(m *irc.Message) bool {
			return m.Command == "PRIVMSG" && m.Param(0) == "bob" && m.Trailing() == "from the phone"
		})
		// A wrong password never attaches.
		w := e.dial()
		w.send("PASS " + alice + ":bad")
		w.send("NICK x")
		w.send("USER x 0 * :x")
		w.expectCmd(irc.ERR_PASSWDMISMATCH)

		e.restart()
		c3 := e.login("alice", alice, password, allCaps)
		names := namesOf(c3)
		for _, n := range []string{"bob", "caz", "dave"} {
			if _, ok := names[n]; !ok {
				t.Errorf("after restart %s is missing from %v", n, names)
			}
		}
	})
}

func TestReconnectRefusedPassword(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	e.msn.RejectLogin(alice, 911)
	e.msn.DropNS(alice)
	c.expectMsn("Lost the connection")
	c.expectMsn("refused the password")
	c.send("PRIVMSG dave :later")
	c.expectCmd("NOTE", "PRIVMSG", "QUEUED", "dave")
	if e.msn.Online(alice) {
		t.Error("signed in despite the refused password")
	}
	// "login" with the right password tries again once the server agrees.
	e.msn.RejectLogin(alice, 0)
	c.send("PRIVMSG msn :login " + alice + " wrong")
	c.expectMsn("wrong address or password")
	c.send("PRIVMSG msn :login " + alice + " " + password)
	c.expectMsn("Reconnected")
}

func TestBlockedContactCannotChat(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	p := e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.send("PRIVMSG msn :block bob")
	c.expectMsn("Blocked bob")
	ctx, cancel := ctxT()
	defer cancel()
	if _, err := p.c.OpenSwitchboard(ctx, alice); err == nil {
		t.Error("bob opened a chat with alice, who blocked him")
	}
}

func TestChatWithSomeoneNotOnTheList(t *testing.T) {
	e := newEnv(t, "MSNP12")
	if err := e.msn.AddAccount("stranger@example.com", password, "Stranger"); err != nil {
		t.Fatal(err)
	}
	c := e.login("alice", alice, password, allCaps)
	p := e.peer("stranger@example.com")
	sb := p.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.SendText(ctx, "hi, we have not met", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("stranger", "PRIVMSG", "we have not met")
	c.send("WHOIS stranger")
	c.expect("WHOIS stranger", func(m *irc.Message) bool {
		return m.Command == "320" && strings.Contains(m.Trailing(), "stranger@example.com")
	})
	c.send("PRIVMSG stranger :nice to meet you")
	p.expectText("nice to meet you")
}

func TestSwitchboardLimit(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.MaxSwitchboards = 1 })
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	pc := e.peer(carol)
	c.expectVoiced("bob", "carol")
	for i := 0; i < 2; i++ {
		c.send("PRIVMSG bob :to bob")
		pb.expectText("to bob")
		// Only one conversation may be open: bob's idle one is closed for carol's.
		c.send("PRIVMSG carol :to carol")
		pc.expectText("to carol")
	}
}

func TestMessagesWaitWhileDisconnected(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	p := e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	e.msn.RejectLogin(alice, 500)
	e.msn.DropNS(alice)
	c.expectMsn("Lost the connection")
	c.send("PRIVMSG bob :written while disconnected")
	c.expectCmd("NOTE", "PRIVMSG", "QUEUED", "bob")
	e.msn.RejectLogin(alice, 0)
	c.expectMsn("Reconnected")
	got := p.expectText("written while disconnected")
	if got.From != alice {
		t.Errorf("from %s", got.From)
	}
}

func TestFormattingSetting(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	p := e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.send("PRIVMSG bob :\x02all bold\x02")
	if got := p.expectText("all bold"); !got.Format.Bold || got.Text != "all bold" {
		t.Errorf("formatting on: %q %+v", got.Text, got.Format)
	}
	c.send("PRIVMSG msn :set formatting false")
	c.expectMsn("formatting=false")
	c.send("PRIVMSG bob :\x02plain now\x02")
	plain := p.expectText("plain now")
	if plain.Format.Bold || plain.Text != "plain now" {
		t.Errorf("formatting off: %q %+v", plain.Text, plain.Format)
	}
	ctx, cancel := ctxT()
	defer cancel()
	if err := plain.Switchboard.SendText(ctx, "bold from msn", msn.Format{Bold: true}); err != nil {
		t.Fatal(err)
	}
	m := c.expectFrom("bob", "PRIVMSG", "bold from msn")
	if m.Trailing() != "bold from msn" {
		t.Errorf("formatting off, got %q", m.Trailing())
	}
}

// A full outbox refuses one more message with a reason the user can act
// on, and it is not taken for a failing store.
func TestOutboxFull(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	ctx, cancel := ctxT()
	defer cancel()
	for i := range db.MaxOutbox {
		if _, err := e.store.Enqueue(ctx, db.OutboxMessage{Account: alice, Passport: dave, Kind: db.KindText, Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	c.send("PRIVMSG dave :one too many")
	m := c.expect("not delivered", func(m *irc.Message) bool {
		return strings.Contains(m.Trailing(), "not delivered") && strings.Contains(m.Trailing(), "one too many")
	})
	if !strings.Contains(m.Trailing(), "the outbox is full (1000 messages); msn outbox lists the queued messages, msn outbox clear empties it") {
		t.Errorf("the refusal says %q, want why and what to do", m.Trailing())
	}
	c.send("PRIVMSG msn :outbox")
	c.expectMsn("1000 queued")
}

// A message whose conversation was opening when the connection to MSN
// dropped waits in the outbox, as one written while disconnected does,
// and goes out once reconnected.
func TestMessageOpeningWhenDisconnectedWaits(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	p := e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	e.msn.IgnoreCommand("XFR") // the switchboard never comes
	c.send("PRIVMSG bob :opening when the connection drops")
	c.sync()
	e.msn.RejectLogin(alice, 500)
	e.msn.AnswerCommand("XFR")
	e.msn.DropNS(alice)
	c.expectAll(map[string]func(m *irc.Message) bool{
		"lost the connection": func(m *irc.Message) bool {
			return m.Prefix.Name == "msn" && strings.Contains(m.Trailing(), "Lost the connection")
		},
		"NOTE PRIVMSG QUEUED bob": func(m *irc.Message) bool {
			return m.Command == "NOTE" && m.Param(0) == "PRIVMSG" && m.Param(1) == "QUEUED" && m.Param(2) == "bob"
		},
	})
	e.msn.RejectLogin(alice, 0)
	c.expectMsn("Reconnected")
	p.expectText("opening when the connection drops")
}
