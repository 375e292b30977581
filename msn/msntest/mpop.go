package msntest

import (
	"strings"

	"github.com/msn2irc/msn2irc/msn"
)

// Multiple points of presence (MSNP16+), as Escargot does them: a login
// with a machine GUID leaves the account's other MSNP16+ endpoints signed
// in, unless one has the same GUID (it gets OUT OTH); a login without one
// (MSNP13-15) boots every other session, and any login boots an
// MSNP13-15 session. Every endpoint is rung for a new chat; the first to
// answer joins and the other invitations go stale. When an endpoint signs
// out while another stays, contacts get a fresh UBX without it, not FLN.
// An endpoint may ask the server to sign another one out (UUN type 4,
// "goawyplzthxbye"), which the server passes on as UBN.

// signOutPayload is the UUN/UBN payload that asks an endpoint to sign out.
const signOutPayload = "goawyplzthxbye"

// mpop reports whether n may share its account with other endpoints.
func (n *nsConn) mpop() bool { return n.ver >= 16 && n.guid != "" }

// has reports whether n is one of a's signed-in sessions. s.mu held.
func (a *account) has(n *nsConn) bool {
	for _, e := range a.eps {
		if e == n {
			return true
		}
	}
	return false
}

// live returns a's sessions past their first CHG: those that get
// presence notifications. s.mu held.
func (a *account) live() []*nsConn {
	var out []*nsConn
	for _, n := range a.eps {
		if n.chg {
			out = append(out, n)
		}
	}
	return out
}

// attach adds n to a's sessions, first booting those it replaces (OUT
// OTH). s.mu held.
func (s *Server) attach(a *account, n *nsConn) {
	for _, old := range append([]*nsConn(nil), a.eps...) {
		if n.mpop() && old.mpop() && old.guid != n.guid {
			continue
		}
		old.w.sendLine("OUT OTH")
		old.w.finish()
		s.signOff(old)
	}
	a.eps = append(a.eps, n)
	if a.ns == nil {
		a.ns = n
	}
}

// detach takes n out of a's sessions; when it gave a's presence, the
// last remaining session past its CHG (or any) gives it now, keeping the
// status n last set: on Escargot the status is the account's, so when
// endpoint B that went busy signs out, A is still shown busy
// (modern-mpop18). s.mu held.
func (a *account) detach(n *nsConn) {
	for i, e := range a.eps {
		if e == n {
			a.eps = append(a.eps[:i:i], a.eps[i+1:]...)
			break
		}
	}
	if a.ns != n {
		return
	}
	a.ns = nil
	if live := a.live(); len(live) > 0 {
		a.ns = live[len(live)-1]
		if n.chg {
			a.ns.status = n.status
		}
	} else if len(a.eps) > 0 {
		a.ns = a.eps[len(a.eps)-1]
	}
}

// endpointLeft tells everyone concerned that n signed out while another
// endpoint of its account stays: contacts at MSNP16+ get a UBX without
// it, the account's own endpoints the NLN and UBX about themselves.
// s.mu held.
func (s *Server) endpointLeft(a *account, n *nsConn) {
	if !n.mpop() || !n.chg {
		return
	}
	for _, w := range s.watchers(a) {
		if !visible(a, w) {
			continue
		}
		for _, e := range w.live() {
			if e.ver >= 16 {
				e.w.sendPayload(ubxCommand(e.ver, a.passport), ubxPayload(e.ver, a, false))
			}
		}
	}
	s.tellOwnEndpoints(a)
}

// uun handles "UUN t passport;{guid} type len": type 4 with the sign-out
// payload, sent to the user's own endpoint, is passed on to that endpoint
// as "UBN passport;{sender guid} 4 len". Escargot does not answer it;
// other types are answered "UUN t OK" and go no further. s.mu held.
func (n *nsConn) uun(cmd *msn.Command) {
	a := n.acct
	trid := cmd.Param(0)
	if n.ver < 13 {
		return
	}
	passport, g, _ := strings.Cut(cmd.Param(1), ";")
	if cmd.Param(2) != "4" {
		n.reply("UUN " + trid + " OK")
		return
	}
	if key(passport) != key(a.passport) || !strings.HasPrefix(string(cmd.Payload), signOutPayload) {
		return
	}
	guid := strings.ToLower(strings.Trim(g, "{}"))
	for _, e := range a.eps {
		if e != n && e.mpop() && e.guid == guid {
			e.w.sendPayload("UBN "+a.passport+";{"+n.guid+"} 4", cmd.Payload)
		}
	}
}

// revokeInvitations ends the other endpoints' invitations of passport to
// session sid once one endpoint answered: a late ANS gets 911. s.mu held.
func (s *Server) revokeInvitations(passport, sid string) {
	for ck, c := range s.cookies {
		if c.session == sid && key(c.passport) == key(passport) {
			delete(s.cookies, ck)
		}
	}
}

// endpointFor returns the session of a that an endpoint with this GUID
// (lower case, no braces; "" for none) signed in on. s.mu held.
func (a *account) endpointFor(guid string) *nsConn {
	if guid != "" {
		for _, e := range a.eps {
			if e.guid == guid {
				return e
			}
		}
	}
	return a.ns
}

// EndpointCount returns how many notification server sessions passport
// has now (several at MSNP16+).
func (s *Server) EndpointCount(passport string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key(passport)]; a != nil {
		return len(a.eps)
	}
	return 0
}

// ringLine is the RNG that invites endpoint e to session sid.
func ringLine(e *nsConn, sid, addr, ck string, from *account) string {
	return "RNG " + sid + " " + addr + " CKI " + ck + " " + from.passport + " " + msn.QuoteName(from.name) + serverSuffix(e.ver, "messenger.hotmail.com")
}
