package bridge_test

import (
	"testing"

	"github.com/msn2irc/msn2irc/msn"
)

// An outbox message on its way on a chat the contact then superseded
// with a new one is not sent again on the new chat when the outbox is
// delivered once more: the contact would read it twice.
func TestOutboxMessageInFlightOnOlderChatNotSentTwice(t *testing.T) {
	e := newEnv(t, "MSNP12")
	const erin = "erin@example.com"
	if err := e.msn.AddAccount(erin, password, "Erin"); err != nil {
		t.Fatal(err)
	}
	c := e.login("alice", alice, password, allCaps)
	pe := e.peer(erin)
	first := pe.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	if err := first.SendText(ctx, "hello", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("erin", "PRIVMSG", "hello")
	first.Close()
	waitFor(t, "the chat's switchboard to end", func() bool {
		for _, st := range e.bridge.Stats() {
			if st.Switchboards > 0 {
				return false
			}
		}
		return true
	})
	e.msn.RefuseCall(erin, 217)
	c.send("PRIVMSG erin :queued")
	c.expectCmd("NOTE", "PRIVMSG", "QUEUED", "erin")
	e.msn.RefuseCall(erin, 0)

	// erin's next chat delivers the outbox (erin, not on the list, gives
	// no presence): written, not acknowledged yet.
	e.msn.IgnoreCommand("MSG")
	pe.chat(alice)
	c.expectCmd("NOTE", "PRIVMSG", "DELIVERING", "erin")
	c.sync()
	e.msn.AnswerCommand("MSG")

	// A newer chat from erin supersedes it.
	third := pe.chat(alice)
	if err := third.SendText(ctx, "again", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("erin", "PRIVMSG", "again")
	c.send("PRIVMSG erin :after")
	pe.expectTextNot("after", "queued")
}
