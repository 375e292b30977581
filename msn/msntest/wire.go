package msntest

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

const (
	// writeTimeout bounds one write to a peer that does not read.
	writeTimeout = 10 * time.Second
	// maxPending is how many bytes may wait for a slow peer before it is dropped.
	maxPending = 32 << 20
)

// wire is the sending half of one TCP connection: anything may queue bytes
// on it without blocking, and one writer goroutine sends them in order.
type wire struct {
	c      net.Conn
	log    *slog.Logger
	wake   chan struct{}
	quit   chan struct{}
	killMu sync.Once

	mu        sync.Mutex
	pending   []byte
	spare     []byte
	finishing bool // close once pending is flushed; accept nothing more
	dead      bool
}

func newWire(c net.Conn, log *slog.Logger) *wire {
	return &wire{c: c, log: log, wake: make(chan struct{}, 1), quit: make(chan struct{})}
}

// send queues b. It reports false when the connection is closing.
func (w *wire) send(b []byte) bool {
	w.mu.Lock()
	if w.dead || w.finishing {
		w.mu.Unlock()
		return false
	}
	if len(w.pending)+len(b) > maxPending {
		w.mu.Unlock()
		w.log.Warn("peer does not read; dropping it")
		w.kill()
		return false
	}
	w.pending = append(w.pending, b...)
	w.mu.Unlock()
	if w.log.Enabled(context.Background(), slog.LevelDebug) {
		w.logOut(b)
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return true
}

// sendLine queues one command line; CRLF is added.
func (w *wire) sendLine(line string) bool {
	b := make([]byte, 0, len(line)+2)
	b = append(b, line...)
	b = append(b, '\r', '\n')
	return w.send(b)
}

// sendPayload queues "line len\r\n" followed by payload.
func (w *wire) sendPayload(line string, payload []byte) bool {
	b := make([]byte, 0, len(line)+len(payload)+16)
	b = appendPayload(b, line, payload)
	return w.send(b)
}

func appendPayload(b []byte, line string, payload []byte) []byte {
	b = append(b, line...)
	b = append(b, ' ')
	b = appendInt(b, len(payload))
	b = append(b, '\r', '\n')
	return append(b, payload...)
}

func appendInt(b []byte, n int) []byte {
	var tmp [20]byte
	i := len(tmp)
	if n == 0 {
		return append(b, '0')
	}
	for n > 0 {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, tmp[i:]...)
}

// finish closes the connection once everything queued has been written.
func (w *wire) finish() {
	w.mu.Lock()
	w.finishing = true
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// kill closes the connection now, dropping anything not yet written.
func (w *wire) kill() {
	w.killMu.Do(func() {
		w.mu.Lock()
		w.dead = true
		w.pending = nil
		w.mu.Unlock()
		close(w.quit)
		w.c.Close()
	})
}

// closing reports whether the connection is being closed.
func (w *wire) closing() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dead || w.finishing
}

// run is the writer goroutine.
func (w *wire) run() {
	defer w.kill()
	for {
		select {
		case <-w.wake:
		case <-w.quit:
			return
		}
		for {
			w.mu.Lock()
			buf := w.pending
			w.pending = w.spare[:0]
			fin := w.finishing
			w.mu.Unlock()
			if len(buf) > 0 {
				w.c.SetWriteDeadline(time.Now().Add(writeTimeout))
				if _, err := w.c.Write(buf); err != nil {
					return
				}
			}
			w.mu.Lock()
			w.spare = buf[:0]
			more := len(w.pending) > 0
			w.mu.Unlock()
			if more {
				continue
			}
			if fin {
				return
			}
			break
		}
	}
}

// logOut writes the command lines of b to the debug log, with secrets hidden.
func (w *wire) logOut(b []byte) {
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := sc.Text()
		if isCommandLine(line) {
			w.log.Debug("line", "dir", "->", "line", redact(line))
		}
	}
}

// isCommandLine tells command lines from payload lines, roughly, for logs.
func isCommandLine(line string) bool {
	if len(line) < 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		c := line[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return len(line) == 3 || line[3] == ' '
}

// redact hides passwords, hashes and tickets in a protocol line.
func redact(line string) string {
	f := strings.Fields(line)
	if len(f) >= 5 && f[0] == "USR" && f[3] == "S" && (f[2] == "MD5" || f[2] == "TWN" || f[2] == "SSO") {
		return strings.Join(f[:4], " ") + " [redacted]"
	}
	if len(f) >= 4 && (f[0] == "USR" || f[0] == "ANS") && len(f) <= 5 && f[2] != "MD5" && f[2] != "TWN" && f[2] != "OK" {
		// SB USR/ANS carry a cookie.
		f[3] = "[redacted]"
		return strings.Join(f, " ")
	}
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "CKI" {
			f[i+1] = "[redacted]"
			return strings.Join(f, " ")
		}
	}
	return line
}
