package msntest

import (
	"strings"
)

// Switchboard handles of MSNP16 and later: an endpoint signs in as
// "passport;{guid}", and others see it named twice, with its GUID (lower
// case) and by its bare address; a participant below MSNP16 is named once.

// takeHandle reads the address of USR or ANS and keeps the endpoint's GUID.
func (sc *sbConn) takeHandle(h string) string {
	passport, g, found := strings.Cut(h, ";")
	if found && guidPattern.MatchString(g) {
		sc.guid = strings.ToLower(strings.Trim(g, "{}"))
		sc.guidAsSent = g
	}
	return passport
}

// ownHandle is the address USR OK echoes: as the endpoint sent it.
func (sc *sbConn) ownHandle() string {
	if sc.guid == "" {
		return sc.acct.passport
	}
	return sc.acct.passport + ";" + sc.guidAsSent
}

// handles are the names of sc in IRO, JOI and BYE for a recipient
// speaking version rv.
func (sc *sbConn) handles(rv int) []string {
	if rv < 16 || sc.guid == "" {
		return []string{sc.acct.passport}
	}
	return []string{sc.acct.passport + ";{" + sc.guid + "}", sc.acct.passport}
}

// serverSuffix is what XFR SB and RNG add from MSNP13: the server type
// and, from MSNP14, the "1" of the network.
func serverSuffix(rv int, host string) string {
	switch {
	case rv >= 14:
		return " U " + host + " 1"
	case rv >= 13:
		return " U " + host
	}
	return ""
}

// has reports whether an endpoint of a takes part in the session.
func (sess *sbSession) has(a *account) bool {
	for _, m := range sess.members {
		if m.acct == a {
			return true
		}
	}
	return false
}

// joinHandles are the names of sc in the JOI lines member m gets; first
// is whether sc is the first endpoint of its account in the session. As
// on Escargot, the bare address follows only the first endpoint's join,
// and never for another endpoint of m's own account; below MSNP16 only
// the first endpoint of another account is told of.
func (sc *sbConn) joinHandles(m *sbConn, first bool) []string {
	same := m.acct == sc.acct
	if m.ver < 16 || sc.guid == "" {
		if !first || same {
			return nil
		}
		return []string{sc.acct.passport}
	}
	if !first || same {
		return []string{sc.acct.passport + ";{" + sc.guid + "}"}
	}
	return sc.handles(m.ver)
}

// byeHandles are the names of sc in the BYE lines a member speaking
// version rv gets; last is whether sc was the last endpoint of its
// account in the session. As on Escargot, the bare address follows only
// the last endpoint's departure; below MSNP16 only the last one is told.
func (sc *sbConn) byeHandles(rv int, last bool) []string {
	if rv < 16 || sc.guid == "" {
		if !last {
			return nil
		}
		return []string{sc.acct.passport}
	}
	if !last {
		return []string{sc.acct.passport + ";{" + sc.guid + "}"}
	}
	return sc.handles(rv)
}
