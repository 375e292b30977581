package main

import (
	"bufio"
	"io"
	"net"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A hangup (the terminal msn2irc runs in closing, an SSH session ending)
// stops it as Ctrl-C does: the IRC clients are told why, and it exits 0.
func TestHangupStopsCleanly(t *testing.T) {
	if signal.Ignored(syscall.SIGHUP) {
		t.Skip("started with hangups ignored (nohup): msn2irc leaves them so")
	}
	t.Setenv("MSN2IRC_DB", filepath.Join(t.TempDir(), "msn2irc.db"))
	t.Setenv("MSN2IRC_LISTEN", "127.0.0.1:0")
	t.Setenv("MSN2IRC_HTTP_LISTEN", "")
	t.Setenv("MSN2IRC_METRICS_LISTEN", "")
	t.Setenv("MSN2IRC_MSN_SERVER", "127.0.0.1:1") // never reached: the client is a guest
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(nil, io.Discard, &stderr) }()

	var addr string
	deadline := time.Now().Add(20 * time.Second)
	for addr == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no IRC listener logged:\n%s", stderr.String())
		}
		for _, line := range strings.Split(stderr.String(), "\n") {
			if _, a, ok := strings.Cut(line, `msg="listening for IRC clients" addr=`); ok {
				addr = a
			}
		}
		time.Sleep(10 * time.Millisecond) // polling the log with a deadline
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, "NICK guest\r\nUSER guest 0 * :Guest\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	waitLine := func(what, prefix, sub string) {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			if strings.HasPrefix(line, prefix) && strings.Contains(line, sub) {
				return
			}
		}
	}
	waitLine("the welcome", ":msn2irc 001 ", "")

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLine("the goodbye", "ERROR", shutdownReason)
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d after a hangup, want 0:\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("msn2irc did not stop on a hangup")
	}
}
