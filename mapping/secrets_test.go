package mapping_test

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/mapping"
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
			e := newEnvWith(t, v, func(c *mapping.Config) { c.Logger = logger })
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
