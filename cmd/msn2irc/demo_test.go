package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an io.Writer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDemo runs the demo as a newcomer would: it prints how to connect, Bob
// answers, and Ctrl-C ends it with a goodbye to the IRC client.
func TestDemo(t *testing.T) {
	t.Setenv("MSN2IRC_DB", filepath.Join(t.TempDir(), "demo.db"))
	t.Setenv("MSN2IRC_LISTEN", "127.0.0.1:0")
	t.Setenv("MSN2IRC_HTTP_LISTEN", "127.0.0.1:0")
	t.Setenv("MSN2IRC_METRICS_LISTEN", "127.0.0.1:0")
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runDemo(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), &out)
	}()

	// The banner names the address to connect to.
	var addr string
	deadline := time.Now().Add(20 * time.Second)
	for addr == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no connect command printed; output:\n%s", out.String())
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if f := strings.Fields(line); len(f) >= 7 && f[0] == "irssi" && f[1] == "-c" {
				addr = net.JoinHostPort(f[2], f[4])
				if f[6] != demoUser+":"+demoPassword {
					t.Errorf("printed password %q", f[6])
				}
			}
		}
		time.Sleep(10 * time.Millisecond) // polling the output with a deadline
	}

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(conn)
	send := func(s string) {
		if _, err := io.WriteString(conn, s+"\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	waitLine := func(what string, match func(string) bool) string {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			if match(line) {
				return line
			}
		}
	}
	send("PASS " + demoUser + ":" + demoPassword)
	send("NICK me")
	send("USER me 0 * :Me")
	waitLine("&msn names", func(l string) bool { return strings.Contains(l, " 366 ") && strings.Contains(l, "&msn") })
	send("PRIVMSG bob :hello bob")
	waitLine("Bob's answer", func(l string) bool { return strings.HasPrefix(l, ":bob!") && strings.Contains(l, "PRIVMSG me :Hello!") })
	send("PRIVMSG msn :pending")
	waitLine("Frank's request", func(l string) bool { return strings.HasPrefix(l, ":msn!") && strings.Contains(l, demoFrank) })

	cancel()
	waitLine("the goodbye", func(l string) bool { return strings.HasPrefix(l, "ERROR") && strings.Contains(l, shutdownReason) })
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the demo did not stop")
	}
}
