package bridge_test

import "testing"

// A message still on its way when the session ends (its last client quit
// right after sending it) waits in the outbox and is delivered once at
// the next login, instead of vanishing.
func TestMessageUnsentWhenSessionEndsWaitsInOutbox(t *testing.T) {
	forSomeVersions(t, func(t *testing.T, e *env) {
		c := e.login("alice", alice, password, allCaps)
		p := e.peer(bob)
		c.expectCmd("MODE", "&msn", "+v", "bob")
		e.msn.IgnoreCommand("XFR") // the switchboard does not come before the quit
		c.send("PRIVMSG bob :sent just before quitting")
		c.sync()
		c.send("QUIT")
		c.expectCmd("ERROR")
		waitFor(t, "the session to sign out", func() bool { return !e.msn.Online(alice) })
		e.msn.AnswerCommand("XFR")

		c2 := e.login("alice", alice, password, allCaps)
		p.expectText("sent just before quitting")
		c2.send("PRIVMSG bob :after the next login")
		p.expectTextNot("after the next login", "sent just before quitting")
	})
}
