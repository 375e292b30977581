package bridge_test

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// A bouncer that keeps reconnecting with a refused password must not make
// msn2irc sign in to MSN each time; the right password still works at once.
func TestRefusedPasswordNotRetriedAtOnce(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		try := func(pass string) string {
			c := e.dial()
			c.send("PASS " + alice + ":" + pass)
			c.send("NICK alice")
			c.send("USER alice 0 * :x")
			return c.expectCmd(irc.ERR_PASSWDMISMATCH).Trailing()
		}
		first := try("wrong")
		if !strings.Contains(first, "wrong address or password") || strings.Contains(first, "again in") {
			t.Fatalf("first refusal says %q", first)
		}
		e.clock.advance(time.Second) // the block after a failed login
		second := try("wrong")
		if !strings.Contains(second, "wrong address or password") || !strings.Contains(second, "again in") {
			t.Fatalf("second attempt with the refused password says %q; want the throttle's explanation", second)
		}
		e.clock.advance(2 * time.Second) // the block after a second failed login
		c := e.login("alice", alice, password, "")
		c.send("WHOIS carol")
		c.expectCmd(irc.RPL_WHOISUSER, "alice", "carol", "carol", "example.com")
	})
}
