package web

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveTest serves h on a loopback port, at most conns connections at once,
// until the test ends; it returns the address.
func serveTest(t *testing.T, h http.Handler, conns int) string {
	t.Helper()
	return serveLimited(t, h, conns, 0, nil)
}

// serveLimited is serveTest with at most perAddress connections from one
// address outside trusted.
func serveLimited(t *testing.T, h http.Handler, conns, perAddress int, trusted []netip.Prefix) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, NewServer(h), LimitListener(ln, conns, perAddress, trusted), 5*time.Second) }()
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

// keepAlive opens a connection to addr and has one request answered on
// it, which proves it holds a slot; it stays open, idle, until the test
// ends.
func keepAlive(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("keep-alive request: %v %v", resp, err)
	}
	return c
}

// TestConnectionsPerAddress checks that one address cannot hold every
// slot: past its share its next connection is closed at once, while
// another address (here a trusted one) is still served.
func TestConnectionsPerAddress(t *testing.T) {
	addr := serveLimited(t, NewMux("msn2irc.test"), 8, 2, nil)
	first := keepAlive(t, addr)
	keepAlive(t, addr)
	third, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	io.WriteString(third, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	third.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := bufio.NewReader(third).Peek(1); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("a third connection from one address with a share of 2: %v, want it closed", err)
	}
	first.Close()
	// The slot and the share come back once the first has gone; the
	// listener sees the close only after a moment, so retry until then.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if err == nil && resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection served after the first closed: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}

	trusted := serveLimited(t, NewMux("msn2irc.test"), 8, 2, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	for range 3 {
		keepAlive(t, trusted)
	}
}
