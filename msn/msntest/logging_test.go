package msntest

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestLogsHideSecrets checks that debug logs show the protocol but no
// password, password hash, ticket or switchboard cookie.
func TestLogsHideSecrets(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newServer(t, Options{Logger: log})
	var secrets []string
	// MD5 login.
	c := dial(t, "alice", s.NSAddr())
	c.send("VER 1 MSNP7 CVR0")
	c.expect("VER 1 MSNP7")
	c.send("USR 2 MD5 I alice@example.com")
	salt := c.expect("USR 2 MD5 S {salt}")[0]
	hash := md5hex(salt + "secret123")
	secrets = append(secrets, hash)
	c.send("USR 3 MD5 S " + hash)
	c.expect("USR 3 OK alice@example.com Alice 1")
	c.readPayload("MSG Hotmail Hotmail")
	c.chg(7, 4, "NLN")
	// TWN login.
	b := dial(t, "bob", s.NSAddr())
	b.send("VER 1 MSNP12 CVR0")
	b.expect("VER 1 MSNP12")
	b.send("USR 2 TWN I bob@example.com")
	b.expect("USR 2 TWN S " + twnParams)
	_, tok := passportLogin(t, s.LoginURL(), "bob@example.com", "secret123")
	secrets = append(secrets, tok)
	b.send("USR 3 TWN S t=" + tok + "&p=")
	b.expect("USR 3 OK bob@example.com 1 0")
	b.expect("SBS 0 null")
	b.readPayload("MSG Hotmail Hotmail")
	// A switchboard cookie.
	c.send("XFR 5 SB")
	ck := c.skipTo("XFR 5 SB " + s.SBAddr() + " CKI {cookie}")[0]
	secrets = append(secrets, ck)
	sb := dial(t, "alice/SB", s.SBAddr())
	sb.send("USR 1 alice@example.com " + ck)
	sb.expect("USR 1 OK alice@example.com Alice")
	c.send("OUT")
	c.expectClosed()
	b.send("OUT")
	b.expectClosed()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	logs := buf.String()
	if !strings.Contains(logs, "USR 3 MD5 S [redacted]") || !strings.Contains(logs, "XFR 5 SB") {
		t.Errorf("logs lack the protocol lines:\n%s", logs)
	}
	for _, sec := range append(secrets, "secret123") {
		if strings.Contains(logs, sec) {
			t.Errorf("logs contain the secret %q", sec)
		}
	}
}
