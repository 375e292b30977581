package bridge_test

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/ircd"
)

// retryIn reads the wait of a refusal ("try again in 14m32s", "goes to MSN
// in 3s").
func retryIn(t *testing.T, text string) (time.Duration, bool) {
	t.Helper()
	m := regexp.MustCompile(` in ([0-9hms]+)`).FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatalf("refusal %q: %v", text, err)
	}
	return d, true
}

// expectClosed waits for ERROR with text and the end of the connection.
func (c *client) expectClosed(text string) {
	c.t.Helper()
	c.expect("ERROR ~"+text, func(m *irc.Message) bool {
		return m.Command == "ERROR" && strings.Contains(m.Trailing(), text)
	})
	timer := time.NewTimer(waitTime)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-c.msgs:
			if !ok {
				return
			}
		case <-timer.C:
			c.t.Fatal("connection still open after ERROR")
		}
	}
}

// expectRefusedForNow waits for the end of a PASS login refused for now,
// for a reason containing text: ERROR, without the 464 of a wrong
// password, after which a bouncer would stop reconnecting.
func (c *client) expectRefusedForNow(text string) {
	c.t.Helper()
	c.expectClosed(text)
	if m := c.seen[len(c.seen)-1]; !strings.HasPrefix(m.Trailing(), "Login refused for now: ") {
		c.t.Errorf("ERROR %q, want a refusal for now", m.Trailing())
	}
	for _, m := range c.seen {
		if m.Command == irc.ERR_PASSWDMISMATCH {
			c.t.Errorf("464 for a login refused for now: %v", m)
		}
	}
}

// A guest guessing with the login command is told when to retry and is
// disconnected after three refusals.
func TestGuestLoginGuessesDisconnected(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.dial()
	c.send("NICK guest")
	c.send("USER guest 0 * :x")
	c.expectCmd(irc.RPL_WELCOME)
	c.expectMsn("/msg msn login")
	c.send("PRIVMSG msn :login " + alice + " guess1")
	c.expectMsn("wrong address or password")
	c.send("PRIVMSG msn :login " + alice + " guess2")
	m := c.expectMsn("Too many failed logins from your address: try again in ")
	if d, ok := retryIn(t, m.Trailing()); !ok || d != time.Second {
		t.Errorf("refusal %q; want a wait of 1s", m.Trailing())
	}
	e.clock.advance(time.Second)
	c.send("PRIVMSG msn :login " + alice + " guess3")
	c.expectMsn("wrong address or password")
	c.expectClosed("Too many failed logins")
}

// SASL retries on one connection: the same.
func TestSASLGuessesDisconnected(t *testing.T) {
	e := newEnv(t, "MSNP12")
	s := e.dial()
	s.send("CAP LS 302")
	s.send("CAP REQ :sasl")
	s.send("NICK alice")
	s.send("USER alice 0 * :x")
	for i := range 3 {
		s.send("AUTHENTICATE PLAIN")
		s.expectCmd("AUTHENTICATE", "+")
		s.send("AUTHENTICATE " + b64("\x00"+alice+"\x00guess"+fmt.Sprint(i)))
		m := s.expectCmd(irc.ERR_SASLFAIL)
		if i == 1 && !strings.Contains(m.Trailing(), "Too many failed logins from your address: try again in 1s") {
			t.Errorf("second try: 904 says %q", m.Trailing())
		}
	}
	s.expectClosed("Too many failed logins")
}

// Guessing an account that has no session does not turn into as many
// logins with the MSN server.
func TestGuessesReachMSNAtMostThreeTimes(t *testing.T) {
	forVersions(t, func(t *testing.T, e *env) {
		var last string
		for i := range 10 {
			c := e.dial()
			c.send("PASS " + alice + ":guess" + fmt.Sprint(i))
			c.send("NICK alice")
			c.send("USER alice 0 * :x")
			// 464 while MSN is asked, ERROR alone (refused for now) past that.
			last = c.expectCmd("ERROR").Trailing()
			e.clock.advance(10 * time.Second) // past every block short of a lockout
		}
		if n := e.msn.PasswordChecks(alice); n > 3 {
			t.Errorf("the MSN server checked %d passwords for 10 guesses; want at most 3", n)
		}
		if !strings.Contains(last, "the next one goes to MSN in") {
			t.Errorf("last refusal %q does not say when the next try goes through", last)
		}
	})
}

// An attacker who waits out every block gets few guesses: 1,000 tries
// against a live session cost at least an hour of lockout, while the owner
// elsewhere attaches at once.
func TestBruteForceAgainstLiveSession(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.MSNLoginRate = -1 })
	e.login("alice", alice, password, "")
	attacker := netip.MustParseAddr("198.51.100.7")
	owner := netip.MustParseAddr("203.0.113.9")
	ctx, cancel := ctxT()
	defer cancel()
	var waited time.Duration
	guesses := 0
	for i := range 1000 {
		_, err := e.bridge.Authenticate(ctx, ircd.Credentials{Account: alice, Password: fmt.Sprint("guess", i), Source: attacker})
		if err == nil {
			t.Fatalf("guess %d attached", i)
		}
		// The attacker waits only when it must: a lockout. Any other
		// refusal (MSN not asked, say) lets it guess again at once.
		if d, ok := retryIn(t, err.Error()); ok && strings.Contains(err.Error(), "Too many failed logins") {
			waited += d
			e.clock.advance(d)
		} else {
			guesses++
		}
	}
	if waited < time.Hour {
		t.Errorf("1,000 tries cost %v of waiting; want at least an hour", waited)
	}
	t.Logf("%d guesses compared, %v of waiting", guesses, waited)

	// Lock the attacker out once more, then the owner comes.
	for range 5 {
		e.bridge.Authenticate(ctx, ircd.Credentials{Account: alice, Password: "again", Source: attacker})
	}
	// Locked out, the attacker's address gets nowhere even with the password.
	if _, err := e.bridge.Authenticate(ctx, ircd.Credentials{Account: alice, Password: password, Source: attacker}); err == nil {
		t.Error("the right password attached from the locked-out address")
	}
	if w, err := e.bridge.Authenticate(ctx, ircd.Credentials{Account: alice, Password: password, Source: owner}); err != nil || w == nil {
		t.Fatalf("the owner at another address: %v", err)
	}
}

// A keep_online session whose password was changed on the MSN server:
// the new password attaches and becomes the session's; once the recheck
// age has passed, the old one ends the session with a notice.
func TestChangedPasswordRechecked(t *testing.T) {
	for _, v := range []string{"MSNP10", "MSNP12"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			c := e.login("alice", alice, password, "")
			c.send("PRIVMSG msn :set keep_online true")
			c.expectMsn("keep_online=true")
			if err := e.msn.SetPassword(alice, "second-pw"); err != nil {
				t.Fatal(err)
			}
			// The owner changed it: the new one is checked with MSN and
			// attaches to the running session.
			c2 := e.login("alice2", alice, "second-pw", "")
			c2.send("WHOIS bob")
			c2.expectCmd(irc.RPL_WHOISUSER, "*", "bob")
			// The old one no longer attaches.
			old := e.dial()
			old.send("PASS " + alice + ":" + password)
			old.send("NICK old")
			old.send("USER old 0 * :x")
			old.expectCmd(irc.ERR_PASSWDMISMATCH)
			c.sync()

			// Changed again; within the recheck age the session's password
			// (second-pw) attaches without asking MSN.
			if err := e.msn.SetPassword(alice, "third-pw"); err != nil {
				t.Fatal(err)
			}
			e.clock.advance(2 * time.Second) // past the block of the refused attach
			e.login("alice3", alice, "second-pw", "")
			// Once the confirmation is older than the recheck age, MSN is
			// asked, refuses, and the session ends.
			e.clock.advance(bridge.DefaultPasswordRecheck + time.Second)
			late := e.dial()
			late.send("PASS " + alice + ":second-pw")
			late.send("NICK late")
			late.send("USER late 0 * :x")
			late.expectCmd(irc.ERR_PASSWDMISMATCH)
			const notice = "MSN no longer accepts the password this session started with; sign in again with your current password"
			c.expectMsn(notice)
			c.expectClosed(notice)
			e.clock.advance(2 * time.Second)
			n := e.login("alice4", alice, "third-pw", "")
			n.send("WHOIS bob")
			n.expectCmd(irc.RPL_WHOISUSER, "*", "bob")
		})
	}
}

// MSNP2-7 sessions log in with MD5 and cannot check a password alone:
// only the password the session started with attaches.
func TestChangedPasswordMD5Session(t *testing.T) {
	e := newEnv(t, "MSNP7")
	c := e.login("alice", alice, password, "")
	if err := e.msn.SetPassword(alice, "second-pw"); err != nil {
		t.Fatal(err)
	}
	before := e.msn.PasswordChecks(alice)
	w := e.dial()
	w.send("PASS " + alice + ":second-pw")
	w.send("NICK new")
	w.send("USER new 0 * :x")
	w.expectCmd(irc.ERR_PASSWDMISMATCH)
	if n := e.msn.PasswordChecks(alice); n != before {
		t.Errorf("MSN was asked %d times", n-before)
	}
	c.sync()
}

// One account's clients start at most 6 MSN logins a minute: a client
// connecting and leaving in a loop (each time a new session, a Passport
// login and a turn of the login rate every account shares) is refused
// with when to come back, and gets in once the minute has passed.
func TestLoginsPerAccountBounded(t *testing.T) {
	e := newEnv(t, "MSNP12")
	for range 6 {
		loginAndLeave(t, e, "alice", alice)
	}
	c := e.dial()
	c.send("PASS " + alice + ":" + password)
	c.send("NICK alice")
	c.send("USER alice 0 * :x")
	c.expectRefusedForNow("MSN login not tried: too many MSN logins for this account (6 a minute)")
	if m := c.seen[len(c.seen)-1]; !strings.Contains(m.Trailing(), "connect again in") {
		t.Errorf("a 7th login within the minute: %q, want when to come back", m.Trailing())
	}
	e.clock.advance(time.Minute)
	e.login("alice", alice, password, allCaps)
}

// loginAndLeave logs account in as a new session and waits until the
// session ended with its client.
func loginAndLeave(t *testing.T, e *env, nick, account string) {
	t.Helper()
	c := e.login(nick, account, password, allCaps)
	c.send("QUIT")
	c.expectCmd("ERROR")
	waitNoSessions(t, e)
}

// waitNoSessions waits until the bridge has ended every session.
func waitNoSessions(t *testing.T, e *env) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for e.bridge.SessionCount() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions did not end with their clients", e.bridge.SessionCount())
		}
		pollPause()
	}
}

// The clients of one address start at most 30 MSN logins a minute, all
// accounts together, unless the address is trusted (a bouncer host).
func TestLoginsPerAddressBounded(t *testing.T) {
	for _, trusted := range []bool{false, true} {
		e := newEnvWith(t, "MSNP12", func(c *bridge.Config) {
			if trusted {
				c.TrustedNets = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			}
		})
		for i := range 31 {
			a := fmt.Sprintf("user%02d@example.com", i)
			if err := e.msn.AddAccount(a, password, ""); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 30 {
			loginAndLeave(t, e, fmt.Sprintf("user%02d", i), fmt.Sprintf("user%02d@example.com", i))
		}
		if trusted {
			loginAndLeave(t, e, "user30", "user30@example.com")
			continue
		}
		c := e.dial()
		c.send("PASS user30@example.com:" + password)
		c.send("NICK user30")
		c.send("USER user30 0 * :x")
		c.expectRefusedForNow("from your address (30 a minute)")
	}
}

// Clients connecting at once while no session runs start one session, and
// count as one login: a bouncer, a phone and a desktop reconnecting
// together after a network blip do not use up the account's logins.
func TestLoginsCountedOncePerSession(t *testing.T) {
	e := newEnv(t, "MSNP12")
	for range 3 {
		var cs []*client
		for range 3 {
			c := e.dial()
			c.send("PASS " + alice + ":" + password)
			c.send("NICK alice")
			c.send("USER alice 0 * :x")
			cs = append(cs, c)
		}
		for _, c := range cs {
			c.expectCmd(irc.RPL_ENDOFNAMES, "*", "&msn")
		}
		for _, c := range cs {
			c.send("QUIT")
			c.expectCmd("ERROR")
		}
		waitNoSessions(t, e)
	}
	// Three sessions so far: three more logins within the minute.
	for range 3 {
		loginAndLeave(t, e, "alice", alice)
	}
}

// Two wrong passwords sent in turn (a bouncer and a phone, each with an
// old password, or a guesser) are each held back after MSN refused them:
// neither goes to MSN again within its wait.
func TestRefusedPasswordsInTurnNotRetried(t *testing.T) {
	e := newEnv(t, "MSNP12")
	for i, guess := range []string{"old-one", "old-two", "old-one", "old-two"} {
		c := e.dial()
		c.send("PASS " + alice + ":" + guess)
		c.send("NICK alice")
		c.send("USER alice 0 * :x")
		m := c.expectCmd("ERROR")
		if i >= 2 && !strings.Contains(m.Trailing(), "refused moments ago") {
			t.Errorf("try %d with %s: %q, want it held back", i+1, guess, m.Trailing())
		}
		e.clock.advance(5 * time.Second) // past the block of each failure so far
	}
	if n := e.msn.PasswordChecks(alice); n != 2 {
		t.Errorf("the MSN server checked %d passwords; want 2 (each wrong one once)", n)
	}
}

// A client that arrives while another client's login for the same
// account is still under way, and brings another password, is not refused
// with that login's wrong password: it logs in with its own.
func TestRightPasswordNotRefusedForAnotherClientsWrongOne(t *testing.T) {
	e := newEnv(t, "MSNP12")
	e.msn.SetReplyDelay(200 * time.Millisecond) // the first login is still under way when the owner comes
	wrong := e.dial()
	wrong.send("PASS " + alice + ":old-password")
	wrong.send("NICK old")
	wrong.send("USER old 0 * :x")
	waitFor(t, "the first login's session", func() bool { return e.bridge.SessionCount() == 1 })
	// The owner, elsewhere.
	ctx, cancel := ctxT()
	defer cancel()
	w, err := e.bridge.Authenticate(ctx, ircd.Credentials{Account: alice, Password: password, Source: netip.MustParseAddr("203.0.113.9")})
	if err != nil || w == nil {
		t.Fatalf("the owner with the right password: %v", err)
	}
	wrong.expectCmd(irc.ERR_PASSWDMISMATCH)
}

// Guesses sent at once from one address (over as many connections) do not
// all slip past the block the first one's failure sets: one is compared,
// the others are refused as a guess after it would be.
func TestParallelGuessesBlocked(t *testing.T) {
	e := newEnv(t, "MSNP7") // MD5: a wrong password is refused without asking MSN
	e.login("alice", alice, password, "")
	attacker := netip.MustParseAddr("198.51.100.7")
	ctx, cancel := ctxT()
	defer cancel()
	errs := make(chan error, 10)
	for i := range cap(errs) {
		go func() {
			_, err := e.bridge.Authenticate(ctx, ircd.Credentials{Account: alice, Password: fmt.Sprint("guess", i), Source: attacker})
			errs <- err
		}()
	}
	compared := 0
	for range cap(errs) {
		err := <-errs
		switch {
		case err == nil:
			t.Fatal("a guess attached")
		case strings.Contains(err.Error(), "Too many failed logins"):
		default:
			compared++
		}
	}
	if compared != 1 {
		t.Errorf("%d of %d guesses made at once were compared; want 1", compared, cap(errs))
	}
}
