package msntest

import (
	"fmt"
	"strings"
	"time"
)

// faults are the failures a test asked for. Guarded by Server.mu.
type faults struct {
	delay       time.Duration
	ignore      map[string]bool
	refuseCall  map[string]int
	rejectLogin map[string]int
	dropOnMsg   map[string]sbDrops
	soap        map[string]SOAPFailure // by endpoint path
}

func newFaults() faults {
	return faults{
		ignore:      make(map[string]bool),
		refuseCall:  make(map[string]int),
		rejectLogin: make(map[string]int),
		dropOnMsg:   make(map[string]sbDrops),
		soap:        make(map[string]SOAPFailure),
	}
}

// DropNS closes passport's notification server connections (every
// endpoint) at once, as a network failure would (no OUT); contacts see the
// user go offline. It returns the number of connections closed.
func (s *Server) DropNS(passport string) int {
	s.mu.Lock()
	var ws []*wire
	if a := s.accounts[key(passport)]; a != nil {
		for _, n := range a.eps {
			ws = append(ws, n.w)
		}
	}
	s.mu.Unlock()
	for _, w := range ws {
		w.kill()
	}
	return len(ws)
}

// DropSB closes every switchboard connection of passport at once; the other
// participants get BYE. It returns the number of connections closed.
func (s *Server) DropSB(passport string) int {
	s.mu.Lock()
	var ws []*wire
	for _, sess := range s.sessions {
		for _, m := range sess.members {
			if key(m.acct.passport) == key(passport) {
				ws = append(ws, m.w)
			}
		}
	}
	s.mu.Unlock()
	for _, w := range ws {
		w.kill()
	}
	return len(ws)
}

// DropSBOnNextMessage makes the switchboard close the connection the next
// time passport sends MSG there, before relaying or acknowledging it. It is
// DropSBOnNextMessages(passport, 1).
func (s *Server) DropSBOnNextMessage(passport string) {
	s.DropSBOnNextMessages(passport, 1)
}

// SetReplyDelay makes the server wait d before handling each command it
// receives, on every connection. Zero restores immediate replies.
func (s *Server) SetReplyDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.delay = d
}

// IgnoreCommand makes the notification and switchboard servers drop every
// command named cmd (e.g. "CHG") without acting on it or answering.
func (s *Server) IgnoreCommand(cmd string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.ignore[strings.ToUpper(cmd)] = true
}

// AnswerCommand undoes IgnoreCommand.
func (s *Server) AnswerCommand(cmd string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults.ignore, strings.ToUpper(cmd))
}

// RefuseCall makes every CAL that invites passport fail with the error code
// (e.g. 217). A code of 0 lets calls through again.
func (s *Server) RefuseCall(passport string, code int) {
	s.setCode(s.faults.refuseCall, passport, code)
}

// RejectLogin makes USR for passport fail with the error code (e.g. 500 or
// 911), after which the connection is closed. A code of 0 allows logins
// again.
func (s *Server) RejectLogin(passport string, code int) {
	s.setCode(s.faults.rejectLogin, passport, code)
}

// setCode sets passport's error code in m, or removes it when code is 0.
func (s *Server) setCode(m map[string]int, passport string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(m, key(passport))
		return
	}
	m[key(passport)] = code
}

// SendRaw writes data as it is on passport's notification server
// connections (every endpoint), to test how a client copes with malformed
// input.
func (s *Server) SendRaw(passport string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key(passport)]
	if a == nil || len(a.eps) == 0 {
		return fmt.Errorf("msntest: send raw to %q: %w", passport, ErrNotOnline)
	}
	for _, n := range a.eps {
		if !n.w.send(append([]byte(nil), data...)) {
			return fmt.Errorf("msntest: send raw to %q: connection closing", passport)
		}
	}
	return nil
}

// SendOUT sends "OUT reason" (e.g. SSD for a server shutdown; a bare OUT
// when reason is empty) on passport's notification server connections
// (every endpoint) and closes them. Contacts see the user go offline.
func (s *Server) SendOUT(passport, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key(passport)]
	if a == nil || len(a.eps) == 0 {
		return fmt.Errorf("msntest: send OUT to %q: %w", passport, ErrNotOnline)
	}
	line := "OUT"
	if reason != "" {
		line += " " + reason
	}
	for _, n := range append([]*nsConn(nil), a.eps...) {
		n.w.sendLine(line)
		n.w.finish()
		s.signOff(n)
	}
	return nil
}
