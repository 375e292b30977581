package bridge_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// After "signed in from another location" the session is signed out: the
// commands say so and how to sign in again, a bare "login" does it, and a
// message sent meanwhile waits for that.
func TestSignedOutElsewhereSaysSoAndLoginSignsInAgain(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		p := e.peer(bob)
		c := e.login("alice", alice, password, allCaps)
		if namesOf(c)["bob"] != "+" {
			c.expectCmd("MODE", "&msn", "+v", "bob")
		}
		if err := e.msn.SendOUT(alice, "OTH"); err != nil {
			t.Fatal(err)
		}
		c.expectMsn(`another location. Not reconnecting; say "login" to sign in again`)

		signedOut := `You are signed out of MSN (this account signed in from another location); say "login" to sign in again.`
		c.send("PRIVMSG msn :status")
		if m := c.expectFrom("msn", "PRIVMSG", ""); m.Trailing() != signedOut {
			t.Errorf("status while signed out: %q, want %q", m.Trailing(), signedOut)
		}
		c.send("PRIVMSG msn :version")
		if m := c.expectMsn("msn2irc"); !strings.Contains(m.Trailing(), signedOut) || strings.Contains(m.Trailing(), "MSNP0") {
			t.Errorf("version while signed out: %q", m.Trailing())
		}
		c.send("PRIVMSG msn :contacts")
		c.expectMsn("3 contacts. " + signedOut)
		if m := c.expectMsn("bob (" + bob + ")"); !strings.Contains(m.Trailing(), "status unknown") {
			t.Errorf("contacts while signed out: %q, want the status unknown", m.Trailing())
		}
		c.send("WHOIS bob")
		c.expect("WHOIS 320 with the status unknown", func(m *irc.Message) bool {
			return m.Command == "320" && strings.Contains(m.Trailing(), "status unknown while you are signed out of MSN")
		})

		c.send("PRIVMSG bob :sent while signed out")
		c.expect("the message waits for the sign-in", func(m *irc.Message) bool {
			return (m.Command == "NOTE" || m.Command == "NOTICE") &&
				strings.Contains(m.Trailing(), `You are signed out of MSN (this account signed in from another location): message queued; it will be delivered once you are signed in again and bob is online (say "login" to sign in again)`)
		})

		c.send("PRIVMSG msn :login")
		c.expectMsn("Signing in to MSN again as " + alice + ".")
		c.expectMsn("Reconnected to MSN")
		p.expectText("sent while signed out")
		c.send("PRIVMSG msn :status")
		c.expectMsn("Your status is Online.")
	})
}

// The MSN server shutting down is said once, plainly, and the session
// reconnects.
func TestServerShutdownSaidOnce(t *testing.T) {
	e := newEnv(t, "MSNP18")
	c := e.login("alice", alice, password, allCaps)
	if err := e.msn.SendOUT(alice, "SSD"); err != nil {
		t.Fatal(err)
	}
	m := c.expectMsn("Lost the connection to MSN")
	if want := "Lost the connection to MSN (server is shutting down). Reconnecting;"; !strings.HasPrefix(m.Trailing(), want) {
		t.Errorf("notice %q, want it to begin %q", m.Trailing(), want)
	}
}
