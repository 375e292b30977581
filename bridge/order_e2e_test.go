package bridge_test

import (
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// When the contact starts a chat while the bridge's call to them is
// still ringing, what the user wrote goes out in order: the message
// waiting for the call first, on the contact's chat, then the next one.
func TestOrderWhenContactChatsDuringCall(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	ctx, cancel := ctxT()
	defer cancel()
	bc, err := e.msn.Login(ctx, bob, password, "MSNP12")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		bc.Close()
		for range bc.Events() {
		}
	}()
	invs := make(chan msn.Invitation, 4)
	texts := make(chan string, 16)
	go func() {
		for ev := range bc.Events() {
			switch ev := ev.(type) {
			case msn.Invitation:
				invs <- ev
			case msn.MessageReceived:
				texts <- ev.Text
			}
		}
	}()
	c.expectCmd("MODE", "&msn", "+v", "bob")

	c.send("PRIVMSG bob :first")
	var inv msn.Invitation
	select {
	case inv = <-invs: // the bridge's call, left ringing
	case <-time.After(waitTime):
		t.Fatal("the bridge did not call bob")
	}
	// bob starts a chat of his own meanwhile, and the bridge takes it.
	if _, err := bc.OpenSwitchboard(ctx, alice); err != nil {
		t.Fatal(err)
	}
	c.sync()
	c.send("PRIVMSG bob :second")
	next := func() string {
		t.Helper()
		select {
		case s := <-texts:
			return s
		case <-time.After(waitTime):
			t.Fatal("bob got no message")
			return ""
		}
	}
	if got := next(); got != "first" {
		t.Fatalf("bob got %q first, want \"first\"", got)
	}
	if _, err := bc.Accept(ctx, inv); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != "second" {
		t.Fatalf("bob got %q second, want \"second\"", got)
	}
}
