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
