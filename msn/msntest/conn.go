package msntest

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// readLoop reads commands from c and hands them to handle until handle
// returns false, the peer goes away or the server closes. The connection is
// then closed once what was queued for it has been written.
func (s *Server) readLoop(w *wire, c net.Conn, handle func(*msn.Command) bool) {
	defer w.finish()
	r := msn.NewReader(c, msn.ClientPayloads)
	for {
		cmd, err := r.ReadCommand()
		if err != nil {
			if errors.Is(err, msn.ErrEmptyLine) || errors.Is(err, msn.ErrBadCommand) {
				continue // the stream is still in step; Escargot ignores these
			}
			return
		}
		if w.closing() {
			return
		}
		if w.log.Enabled(context.Background(), slog.LevelDebug) {
			w.log.Debug("line", "dir", "<-", "line", redact(cmd.String()))
		}
		s.mu.Lock()
		ignore := s.faults.ignore[cmd.Name]
		delay := s.faults.delay
		s.mu.Unlock()
		if ignore {
			continue
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-w.quit:
				t.Stop()
				return
			case <-s.done:
				t.Stop()
				return
			}
		}
		if !handle(cmd) {
			return
		}
	}
}

// cookie admits one user to a switchboard: a new session after XFR SB
// (session empty) or an existing one after RNG.
type cookie struct {
	passport string
	session  string
	expires  time.Time
}

// newCookie issues a switchboard cookie. s.mu held.
func (s *Server) newCookie(passport, session string) string {
	now := time.Now()
	pruneExpired(s.cookies, now, func(c *cookie) time.Time { return c.expires })
	ck := randHex(20)
	s.cookies[ck] = &cookie{passport: passport, session: session, expires: now.Add(cookieLifetime)}
	s.issued.Cookies = append(s.issued.Cookies, ck)
	return ck
}

// pruneExpired deletes the entries of m that expired before now, once m
// holds more than 256, so that unused tickets and cookies do not pile up.
func pruneExpired[V any](m map[string]V, now time.Time, expires func(V) time.Time) {
	if len(m) <= 256 {
		return
	}
	for k, v := range m {
		if now.After(expires(v)) {
			delete(m, k)
		}
	}
}

// takeCookie consumes a cookie: it is valid once. s.mu held.
func (s *Server) takeCookie(ck, passport, session string) bool {
	c := s.cookies[ck]
	if c == nil {
		return false
	}
	delete(s.cookies, ck)
	return key(c.passport) == key(passport) && c.session == session && time.Now().Before(c.expires)
}

func randDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rand.IntN(10))
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}
