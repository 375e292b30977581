package bridge_test

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
)

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestNoPasswordInLogs(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			var logs logBuffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			e := newEnvWith(t, v, func(c *bridge.Config) { c.Logger = logger })
			c := e.login("alice", alice, password, allCaps)
			c.send("PRIVMSG msn :login " + alice + " " + password)
			c.expectMsn("Already signed in")
			e.loginSASL("phone", alice, password)
			w := e.dial()
			w.send("PASS " + alice + ":" + password + "-wrong")
			w.send("NICK x")
			w.send("USER x 0 * :x")
			w.expectCmd("464")
			e.clock.advance(time.Second) // the block after a failed login
			g := e.dial()
			g.send("NICK guest")
			g.send("USER guest 0 * :x")
			g.expectMsn("login")
			g.send("PRIVMSG msn :login " + alice + " " + password)
			g.expectCmd("366", "*", "&msn")
			e.peer(bob)
			c.send("PRIVMSG bob :hello")
			c.sync()
			if logs.String() == "" {
				t.Fatal("nothing was logged at debug level")
			}
			if strings.Contains(logs.String(), password) {
				for _, l := range strings.Split(logs.String(), "\n") {
					if strings.Contains(l, password) {
						t.Errorf("password in the log: %s", l)
					}
				}
			}
		})
	}
}

// A login command carries a password: it is neither echoed to the client
// that sent it (echo-message) nor copied to the account's other clients,
// whether sent to msn (PRIVMSG or NOTICE) or said in &msn, by a signed-in
// client or a guest; and it is not in the debug log.
func TestLoginNotEchoed(t *testing.T) {
	var logs logBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.Logger = logger })
	c := e.login("alice", alice, password, allCaps)
	other := e.login("phone", alice, password, allCaps)
	c.send("PRIVMSG msn :login " + alice + " " + password)
	c.expectMsn("Already signed in")
	c.send("NOTICE msn :login " + alice + " " + password)
	c.send("PRIVMSG &msn :msn: \x02login\x02 " + alice + " " + password)
	c.expectMsn("Already signed in")
	c.send("PRIVMSG msn :help")
	c.expectMsn("Commands")
	c.sync()
	other.sync()

	g := e.dial()
	g.send("CAP LS 302")
	g.send("CAP REQ :echo-message message-tags")
	g.send("NICK guest")
	g.send("USER guest 0 * :x")
	g.send("CAP END")
	g.expectMsn("login")
	g.send("PRIVMSG msn :login " + alice + " " + password)
	g.expectCmd("366", "*", "&msn")
	g.sync()

	for name, cl := range map[string]*client{"sender": c, "other client": other, "guest": g} {
		helpEchoed := false
		for _, m := range cl.seen {
			if strings.Contains(m.String(), password) {
				t.Errorf("%s got the password: %v", name, m)
			}
			helpEchoed = helpEchoed || m.Prefix != nil && m.Prefix.Name == "alice" && m.Trailing() == "help"
		}
		if name != "guest" && !helpEchoed {
			t.Errorf("%s did not get the echo of help: other commands must still be echoed", name)
		}
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, password) {
			t.Errorf("password in the log: %s", l)
		}
	}
}
