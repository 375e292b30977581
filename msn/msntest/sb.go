package msntest

import (
	"net"
	"strconv"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// defaultSBAuthTimeout is how long a new switchboard connection may take
// to send USR or ANS.
const defaultSBAuthTimeout = 60 * time.Second

// sbSession is one chat: its members in the order they joined.
type sbSession struct {
	id      string
	members []*sbConn
}

// sbConn is one user's connection to a switchboard session.
type sbConn struct {
	s          *Server
	w          *wire
	c          net.Conn
	acct       *account
	ver        int    // the user's notification server version
	clientID   string // the user's client id
	guid       string // the endpoint's machine GUID, MSNP16+, lower case (sbhandles.go)
	guidAsSent string // the GUID as USR or ANS gave it
	sess       *sbSession
}

func (s *Server) serveSB(w *wire, c net.Conn) {
	sc := &sbConn{s: s, w: w, c: c}
	s.mu.Lock()
	timeout := s.sbAuthTimeout
	s.mu.Unlock()
	c.SetReadDeadline(time.Now().Add(timeout))
	defer s.sbGone(sc)
	s.readLoop(w, c, sc.handle)
}

// sbGone takes a closed connection out of its session; the others get BYE.
func (s *Server) sbGone(sc *sbConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc.leave()
}

// leave takes the connection out of its session, which ends when its last
// member leaves; the others get BYE. s.mu held.
func (sc *sbConn) leave() {
	s := sc.s
	sess := sc.sess
	if sess == nil {
		return
	}
	sc.sess = nil
	for i, m := range sess.members {
		if m == sc {
			sess.members = append(sess.members[:i], sess.members[i+1:]...)
			break
		}
	}
	last := !sess.has(sc.acct)
	for _, m := range sess.members {
		for _, h := range sc.byeHandles(m.ver, last) {
			m.w.sendLine("BYE " + h)
		}
	}
	if len(sess.members) == 0 {
		delete(s.sessions, sess.id)
	}
}

func (sc *sbConn) err(code int, trid string) {
	sc.w.sendLine(strconv.Itoa(code) + " " + trid)
}

// handle runs one switchboard command; false closes the connection, once
// the user has left the session, so that whoever sees the close also sees a
// session without them.
func (sc *sbConn) handle(cmd *msn.Command) bool {
	s := sc.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !sc.dispatch(cmd) {
		sc.leave()
		return false
	}
	return true
}

// dispatch runs one command; false ends the connection. s.mu held.
func (sc *sbConn) dispatch(cmd *msn.Command) bool {
	trid := cmd.Param(0)
	if sc.sess == nil {
		switch cmd.Name {
		case "USR":
			return sc.usr(trid, sc.takeHandle(msn.UnquoteName(cmd.Param(1))), cmd.Param(2))
		case "ANS":
			return sc.ans(trid, sc.takeHandle(msn.UnquoteName(cmd.Param(1))), cmd.Param(2), cmd.Param(3))
		}
		return false
	}
	switch cmd.Name {
	case "CAL":
		if trid != "" {
			sc.cal(trid, msn.UnquoteName(cmd.Param(1)))
		}
	case "MSG":
		return sc.msg(cmd)
	case "OUT":
		return false
	}
	return true
}

// join authenticates the connection as passport. s.mu held.
func (sc *sbConn) join(passport string) bool {
	a := sc.s.accounts[key(passport)]
	if a == nil {
		return false
	}
	sc.acct = a
	sc.ver, sc.clientID = 12, "0"
	if n := a.endpointFor(sc.guid); n != nil {
		sc.ver, sc.clientID = n.ver, n.clientID
	}
	sc.c.SetReadDeadline(time.Time{})
	return true
}

func (sc *sbConn) usr(trid, passport, ck string) bool {
	s := sc.s
	if trid == "" || !s.takeCookie(ck, passport, "") || !sc.join(passport) {
		sc.err(911, trid)
		return false
	}
	sess := &sbSession{id: randHex(31), members: []*sbConn{sc}}
	s.sessions[sess.id] = sess
	sc.sess = sess
	sc.w.sendLine("USR " + trid + " OK " + sc.ownHandle() + " " + msn.QuoteName(sc.acct.name))
	return true
}

func (sc *sbConn) ans(trid, passport, ck, sid string) bool {
	s := sc.s
	sess := s.sessions[sid]
	if trid == "" || !s.takeCookie(ck, passport, sid) || sess == nil || !sc.join(passport) {
		sc.err(911, trid)
		return false
	}
	if !s.opts.EveryEndpointJoins {
		s.revokeInvitations(passport, sid)
	}
	var iro []string
	for _, m := range sess.members {
		for _, h := range m.handles(sc.ver) {
			line := h + " " + msn.QuoteName(m.acct.name)
			if sc.ver >= 12 {
				line += " " + capsFor(sc.ver, m.clientID)
			}
			iro = append(iro, line)
		}
	}
	var b []byte
	for i, line := range iro {
		b = append(b, "IRO "+trid+" "+strconv.Itoa(i+1)+" "+strconv.Itoa(len(iro))+" "+line+"\r\n"...)
	}
	b = append(b, "ANS "+trid+" OK\r\n"...)
	sc.w.send(b)
	first := !sess.has(sc.acct)
	for _, m := range sess.members {
		for _, h := range sc.joinHandles(m, first) {
			line := "JOI " + h + " " + msn.QuoteName(sc.acct.name)
			if m.ver >= 12 {
				line += " " + capsFor(m.ver, sc.clientID)
			}
			m.w.sendLine(line)
		}
	}
	if sc.ver >= 16 {
		// From MSNP16 the joiner is told of its own join, by address.
		sc.w.sendLine("JOI " + sc.acct.passport + " " + msn.QuoteName(sc.acct.name) + " " + capsFor(sc.ver, sc.clientID))
	}
	sess.members = append(sess.members, sc)
	sc.sess = sess
	return true
}

func (sc *sbConn) cal(trid, passport string) {
	s := sc.s
	if !validPassport(passport) {
		sc.err(208, trid)
		return
	}
	if code := s.faults.refuseCall[key(passport)]; code != 0 {
		sc.err(code, trid)
		return
	}
	for _, m := range sc.sess.members {
		if key(m.acct.passport) == key(passport) {
			sc.err(215, trid)
			return
		}
	}
	t := s.accounts[key(passport)]
	if t == nil || !t.present() || t.blocks(sc.acct.passport) {
		sc.err(217, trid)
		return
	}
	// Every endpoint is rung, each with its own cookie (mpop.go).
	for _, e := range t.live() {
		e.w.sendLine(ringLine(e, sc.sess.id, s.SBAddr(), s.newCookie(t.passport, sc.sess.id), sc.acct))
	}
	sc.w.sendLine("CAL " + trid + " RINGING " + sc.sess.id)
}

func (sc *sbConn) msg(cmd *msn.Command) bool {
	s := sc.s
	if len(cmd.Params) != 3 || cmd.Payload == nil {
		return false
	}
	trid, ack := cmd.Params[0], cmd.Params[1]
	switch ack {
	case "U", "N", "A", "D":
	default:
		return false // Escargot closes on an unknown ack type
	}
	if len(cmd.Payload) > msn.MaxSBMessagePayload {
		return false
	}
	if relay, keep := sc.checkP2P(trid, ack, cmd.Payload); !relay {
		return keep
	}
	drop, afterAck := s.takeSBDrop(sc.acct.passport)
	if drop && !afterAck {
		// What was queued before (ACKs of earlier messages) still goes
		// out, so that only this message is affected.
		sc.w.finish()
		return false
	}
	line := "MSG " + sc.acct.passport + " " + msn.QuoteName(sc.acct.name)
	for _, m := range sc.sess.members {
		if m != sc {
			m.w.sendPayload(line, cmd.Payload)
		}
	}
	if ack == "A" || ack == "D" {
		sc.w.sendLine("ACK " + trid)
	}
	return !drop // a drop after the ACK: closed once the ACK is written
}
