package web

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// serveTest serves h on a loopback port, at most conns connections at once,
// until the test ends; it returns the address.
func serveTest(t *testing.T, h http.Handler, conns int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, NewServer(h), LimitListener(ln, conns), 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestMuxServesRootAndNotFound checks what the file listener serves before
// the bridge registers anything: a root page naming the server, 404
// elsewhere, and a registered handler once registered.
func TestMuxServesRootAndNotFound(t *testing.T) {
	m := NewMux("msn2irc.test")
	addr := serveTest(t, m, 8)
	if code, body := get(t, "http://"+addr+"/"); code != 200 || !strings.Contains(body, "msn2irc.test") {
		t.Errorf("root: %d %q", code, body)
	}
	for _, path := range []string{"/metrics", "/healthz", "/readyz", "/files/x", "/../../etc/passwd"} {
		if code, _ := get(t, "http://"+addr+path); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
	m.Handle("GET /files/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "file") }))
	if code, body := get(t, "http://"+addr+"/files/x"); code != 200 || body != "file" {
		t.Errorf("registered handler: %d %q", code, body)
	}
}

// TestHeaderLimit checks that a request whose header is larger than
// MaxHeaderBytes is refused.
func TestHeaderLimit(t *testing.T) {
	addr := serveTest(t, NewMux("msn2irc.test"), 8)
	req, err := http.NewRequest("GET", "http://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Big", strings.Repeat("a", 2*MaxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d, want 431", resp.StatusCode)
	}
}

// TestConnectionLimit checks that a listener limited to one connection
// answers a second client only once the first has gone.
func TestConnectionLimit(t *testing.T) {
	addr := serveTest(t, NewMux("msn2irc.test"), 1)
	first, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	// A request answered proves the first connection holds the slot.
	io.WriteString(first, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	first.SetDeadline(time.Now().Add(10 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(first), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("first: %v %v", resp, err)
	}
	second, err := net.Dial("tcp", addr) // waits in the backlog
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	io.WriteString(second, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	second.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	r := bufio.NewReader(second)
	if _, err := r.Peek(1); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("second connection answered while the first is open: %v", err)
	}
	first.Close()
	second.SetReadDeadline(time.Now().Add(10 * time.Second))
	if resp, err := http.ReadResponse(r, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("second after the first closed: %v %v", resp, err)
	}
}
