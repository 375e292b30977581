package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// TestSecretsNeverLogged runs the program's wiring at MSN2IRC_LOG_LEVEL=debug
// against an MSN server that logs at debug level too, logs in every way a
// user can (PASS, SASL PLAIN, "login" from a guest client, and each of them
// with a wrong password), chats so that switchboard cookies are issued, and
// then searches everything logged for the passwords and for every secret
// derived from them or handed out by the server.
func TestSecretsNeverLogged(t *testing.T) {
	for _, ver := range []string{"MSNP7", "MSNP12"} {
		t.Run(ver, func(t *testing.T) { testSecretsNeverLogged(t, ver) })
	}
}

func testSecretsNeverLogged(t *testing.T, ver string) {
	// Unique markers, so that a hit in the logs can only be a leak.
	password := "pw-" + randomMarker(t)
	wrong := "wrong-" + randomMarker(t)
	bobPassword := "bobpw-" + randomMarker(t)
	const bob = "bob@example.com"

	var logs syncBuffer
	srv, err := msntest.New(msntest.Options{
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("component", "msntest"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.AddAccount(userPassport, password, "Alice"); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddAccount(bob, bobPassword, "Bob"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Befriend(userPassport, bob); err != nil {
		t.Fatal(err)
	}

	t.Setenv("MSN2IRC_LOG_LEVEL", "debug")
	t.Setenv("MSN2IRC_LISTEN", "127.0.0.1:0")
	t.Setenv("MSN2IRC_HTTP_LISTEN", "127.0.0.1:0")
	t.Setenv("MSN2IRC_METRICS_LISTEN", "127.0.0.1:0")
	t.Setenv("MSN2IRC_DB", filepath.Join(t.TempDir(), "msn2irc.db"))
	t.Setenv("MSN2IRC_MSN_SERVER", srv.NSAddr())
	t.Setenv("MSN2IRC_MSN_NEXUS", srv.NexusURL())
	t.Setenv("MSN2IRC_MSN_LOGIN_URL", srv.LoginURL())
	t.Setenv("MSN2IRC_MSN_VERSIONS", ver)
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	log, err := newLogger(&logs, cfg.LogLevel)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrCh := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- serve(ctx, cfg, log, func(addrs []net.Addr) { addrCh <- addrs[0].String() })
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case err := <-served:
		t.Fatalf("serve: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("msn2irc does not listen after 20s")
	}

	// Bob is online with the real msn client (it logs to the server's logger)
	// and opens a chat to the user each time she signs in: an RNG cookie.
	bobCtx, bobCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer bobCancel()
	bobClient, err := srv.Login(bobCtx, bob, bobPassword, ver)
	if err != nil {
		t.Fatalf("bob: login: %v", err)
	}
	bobEvents := make(chan struct{})
	go func() {
		defer close(bobEvents)
		for range bobClient.Events() {
		}
	}()
	defer func() {
		bobClient.Close()
		<-bobEvents
	}()

	// signedIn waits for &msn, then chats both ways, then quits and waits
	// until the MSN session has ended.
	signedIn := func(c *ircClient, how string) {
		t.Helper()
		c.expect(t, 20*time.Second, how+": the NAMES of &msn", func(m *irc.Message) bool {
			return m.Command == irc.RPL_ENDOFNAMES && len(m.Params) > 1 && m.Params[1] == "&msn"
		})
		sb, err := bobClient.OpenSwitchboard(bobCtx, userPassport)
		if err != nil {
			t.Fatalf("%s: bob opens a chat: %v", how, err)
		}
		if err := sb.SendText(bobCtx, "hello from bob", msn.Format{}); err != nil {
			t.Fatalf("%s: bob says hello: %v", how, err)
		}
		c.expect(t, 20*time.Second, how+": bob's hello", func(m *irc.Message) bool {
			return m.Command == "PRIVMSG" && strings.Contains(m.Trailing(), "hello from bob")
		})
		sb.Close()
		// The user's answer goes through a switchboard msn2irc calls (an XFR
		// cookie) once bob's is gone, or through bob's.
		c.send(t, "PRIVMSG bob :hello from alice")
		c.send(t, "QUIT :bye")
		waitFor(t, 20*time.Second, how+": the MSN session to end", func() bool { return !srv.Online(userPassport) })
	}
	// refused waits for the wrong-password answer and the end of the MSN attempt.
	refused := func(c *ircClient, how string) {
		t.Helper()
		c.expect(t, 20*time.Second, how+": the wrong-password answer", func(m *irc.Message) bool {
			return strings.Contains(strings.Join(m.Params, " "), "wrong address or password") ||
				m.Command == irc.ERR_SASLFAIL
		})
		if srv.Online(userPassport) {
			t.Errorf("%s: signed in to MSN with a wrong password", how)
		}
	}
	register := func(c *ircClient, nick string) {
		c.send(t, "NICK "+nick)
		c.send(t, "USER "+nick+" 0 * :"+nick)
	}
	welcome := func(c *ircClient) {
		c.expect(t, 10*time.Second, "welcome", func(m *irc.Message) bool { return m.Command == irc.RPL_WELCOME })
	}
	// The ways to log in. odd spells the lines as a client may too: commands
	// in lower case, a trailing parameter, a command word in capitals.
	ways := []struct {
		how   string
		start func(c *ircClient, pw string, odd bool)
		// finish completes registration once the password was accepted.
		finish func(c *ircClient)
	}{{
		how: "PASS",
		start: func(c *ircClient, pw string, odd bool) {
			if odd {
				c.send(t, "pass :"+userPassport+":"+pw)
			} else {
				c.send(t, "PASS "+userPassport+":"+pw)
			}
			register(c, "alice")
		},
	}, {
		how: "SASL PLAIN",
		start: func(c *ircClient, pw string, odd bool) {
			c.send(t, "CAP LS 302")
			c.send(t, "CAP REQ :sasl")
			register(c, "alice")
			c.expect(t, 10*time.Second, "CAP ACK sasl", func(m *irc.Message) bool {
				return m.Command == "CAP" && len(m.Params) > 1 && m.Params[1] == "ACK"
			})
			c.send(t, "AUTHENTICATE PLAIN")
			c.expect(t, 10*time.Second, "AUTHENTICATE +", func(m *irc.Message) bool { return m.Command == "AUTHENTICATE" })
			if odd {
				c.send(t, "authenticate "+saslPlain(pw))
			} else {
				c.send(t, "AUTHENTICATE "+saslPlain(pw))
			}
		},
		finish: func(c *ircClient) {
			c.expect(t, 20*time.Second, "SASL success", func(m *irc.Message) bool { return m.Command == irc.RPL_SASLSUCCESS })
			c.send(t, "CAP END")
		},
	}, {
		how: "login from a guest client",
		start: func(c *ircClient, pw string, odd bool) {
			register(c, "guest")
			welcome(c)
			if odd {
				c.send(t, "privmsg msn : LOGIN "+userPassport+" "+pw)
			} else {
				c.send(t, "PRIVMSG msn :login "+userPassport+" "+pw)
			}
		},
	}}
	for _, w := range ways {
		c := dialIRC(t, addr)
		w.start(c, password, false)
		if w.finish != nil {
			w.finish(c)
		}
		signedIn(c, w.how)
	}
	for i, w := range ways {
		// Each from an address of its own: a failed login blocks the
		// next one from the same address for a moment.
		c := dialIRCFrom(t, addr, &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i))})
		w.start(c, wrong, true)
		refused(c, w.how+", wrong password")
	}

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("msn2irc did not stop")
	}
	bobClient.Close()
	<-bobEvents
	srv.Close()

	// What must never be logged.
	secrets := map[string]string{
		"the password":                      password,
		"the wrong password":                wrong,
		"bob's password":                    bobPassword,
		"the SASL PLAIN payload":            saslPlain(password),
		"the SASL PLAIN payload (wrong pw)": saslPlain(wrong),
	}
	issued := srv.Issued()
	for _, salt := range issued.Salts {
		secrets["the MD5 login answer for salt "+salt] = msn.MD5LoginResponse(salt, password)
		secrets["the MD5 login answer (wrong pw) for salt "+salt] = msn.MD5LoginResponse(salt, wrong)
		secrets["bob's MD5 login answer for salt "+salt] = msn.MD5LoginResponse(salt, bobPassword)
	}
	for i, tk := range issued.Tickets {
		secrets["Passport ticket "+string(rune('A'+i))] = tk
	}
	for i, ck := range issued.Cookies {
		secrets["switchboard cookie "+string(rune('A'+i))] = ck
	}
	// The test proves something only if there were secrets to leak and
	// debug logs that could have leaked them.
	if ver == "MSNP7" && len(issued.Salts) < 4 {
		t.Errorf("MSNP7: %d MD5 logins, want at least 4 (bob and three of the user's)", len(issued.Salts))
	}
	if ver == "MSNP12" && len(issued.Tickets) < 4 {
		t.Errorf("MSNP12: %d Passport tickets, want at least 4 (bob and three of the user's)", len(issued.Tickets))
	}
	if len(issued.Cookies) < 6 {
		t.Errorf("%d switchboard cookies issued, want at least 6 (a call each way for each of three logins)", len(issued.Cookies))
	}
	all := logs.String()
	for _, want := range []string{"component=msntest", "component=bridge", "component=ircd", "level=DEBUG", `msg="msn line" component=bridge`, "USR", "CKI", "AUTHENTICATE", "PASS"} {
		if !strings.Contains(all, want) {
			t.Errorf("the debug logs have no %q: nothing proves they would show a leak", want)
		}
	}
	for what, secret := range secrets {
		for _, l := range grepLines(all, secret) {
			t.Errorf("%s is in the logs: %s", what, strings.ReplaceAll(l, secret, "<"+what+">"))
		}
	}
}

// saslPlain is the AUTHENTICATE payload of SASL PLAIN for the user.
func saslPlain(password string) string {
	return base64.StdEncoding.EncodeToString([]byte(userPassport + "\x00" + userPassport + "\x00" + password))
}

func randomMarker(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
