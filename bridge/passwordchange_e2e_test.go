package bridge_test

import "testing"

// After the account's password changed, the session's reconnect is
// refused and it stops; a client that then connects with the new password,
// which MSN accepts, gets the session signed in again with it, instead of
// a session that stays signed out.
func TestNewPasswordSignsTheStoppedSessionInAgain(t *testing.T) {
	for _, v := range []string{"MSNP12", "MSNP18"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			c := e.login("alice", alice, password, allCaps)
			p := e.peer(bob)
			c.expectCmd("MODE", "&msn", "+v", "bob")
			if err := e.msn.SetPassword(alice, "changed-pw"); err != nil {
				t.Fatal(err)
			}
			e.msn.DropNS(alice)
			c.expectMsn("refused the password")
			c.send("PRIVMSG bob :written while signed out")
			c.expectCmd("NOTE", "PRIVMSG", "QUEUED", "bob")

			c2 := e.login("phone", alice, "changed-pw", allCaps)
			c2.expectMsn("Reconnected")
			p.expectText("written while signed out")
			if !e.msn.Online(alice) {
				t.Error("alice is not signed in to MSN")
			}
		})
	}
}
