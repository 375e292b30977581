package bridge_test

import (
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
)

// A message goes to the contact its nick named when the user sent it,
// even when that nick passed to another contact before the session took
// the message: "hello bob" never reaches Carol because she is now "bob".
func TestMessageGoesToTheContactTheNickNamed(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	pb := e.peer(bob)
	e.peer(carol) // online: a message sent to her would arrive
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.expectCmd("MODE", "&msn", "+v", "carol")

	release, ok := bridge.HoldSession(e.bridge, alice, "rename bob robert", "rename carol bob")
	if !ok {
		t.Fatal("no session to hold")
	}
	t.Cleanup(release)
	c.send("PRIVMSG bob :hello bob")
	c.sync() // ircd resolved "bob" and handed the message on
	release()
	c.expect("bob becoming robert", func(m *irc.Message) bool { return m.Command == "NICK" && m.Param(0) == "robert" })
	c.expect("carol becoming bob", func(m *irc.Message) bool { return m.Command == "NICK" && m.Param(0) == "bob" })
	if got := pb.expectText("hello bob").Text; got != "hello bob" {
		t.Fatalf("bob got %q", got)
	}
}
