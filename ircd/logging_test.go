package ircd

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"gopkg.in/irc.v4"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSecretsStayOutOfDebugLogs(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, Config{Logger: logger})
	e.backend.passwords["bob@example.com"] = "hunter2-sasl"
	e.backend.passwords["alice@example.com"] = "hunter2-pass"

	// PASS, right and wrong.
	c := e.dial()
	c.send("PASS alice@example.com:hunter2-pass")
	c.send("NICK a")
	c.send("USER a 0 * :a")
	c.expect(irc.RPL_WELCOME)
	c.send("PRIVMSG a :secret: hunter2-msg")
	c.send("PRIVMSG a :plain")
	if m := c.expect("PRIVMSG"); m.Trailing() != "plain" {
		t.Errorf("got %v, want the plain message only", m)
	}
	bad := e.dial()
	bad.send("PASS alice@example.com:hunter2-wrong")
	bad.send("NICK b")
	bad.send("USER b 0 * :b")
	bad.expectClosed()
	// SASL, right and wrong.
	s := e.dial()
	s.send("CAP REQ sasl")
	s.send("AUTHENTICATE PLAIN")
	s.expect("AUTHENTICATE")
	s.send("AUTHENTICATE %s", plainPayload("bob@example.com", "hunter2-saslwrong"))
	s.expect(irc.ERR_SASLFAIL)
	s.send("AUTHENTICATE PLAIN")
	s.expect("AUTHENTICATE")
	s.send("AUTHENTICATE %s", plainPayload("bob@example.com", "hunter2-sasl"))
	s.expect(irc.RPL_SASLSUCCESS)

	logs := buf.String()
	if !strings.Contains(logs, "recv") || !strings.Contains(logs, "alice@example.com") {
		t.Fatalf("debug logging did not happen:\n%s", logs)
	}
	for _, secret := range []string{"hunter2", plainPayload("bob@example.com", "hunter2-sasl")[:20]} {
		if strings.Contains(logs, secret) {
			t.Fatalf("%q in the logs:\n%s", secret, logs)
		}
	}
}

func TestCapLSMultiline(t *testing.T) {
	old := maxCapLine
	maxCapLine = 60
	t.Cleanup(func() { maxCapLine = old })
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("CAP LS 302")
	var caps []string
	lines := 0
	for {
		m := c.expectCap("LS")
		lines++
		if len(m.Trailing()) > 60 {
			t.Fatalf("line over budget: %v", m)
		}
		caps = append(caps, strings.Fields(m.Trailing())...)
		if m.Param(2) != "*" {
			checkParams(t, m, "*", "LS", "*any*")
			break
		}
		checkParams(t, m, "*", "LS", "*", "*any*")
	}
	if lines < 2 || len(caps) != len(capabilities) {
		t.Fatalf("%d lines, caps %v", lines, caps)
	}
}
