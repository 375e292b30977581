package msntest

import "time"

// The login burst of an MSNP16+ endpoint. Messenger signs in (and
// changes its status later) with CHG, then three UUX (its capabilities,
// its name and state, its data), and
// Escargot sends the presence news these cause only afterwards, in one
// batch: the modern-login18 recording has "UUX 10 0" before the first
// NLN about oneself. So from its first CHG until the reply to its UUX
// <Data>, an endpoint's news are counted instead of sent; then each
// held CHG or UUX sends what it would have sent, rendered with the
// state after the burst: the account's own endpoints get NLN and UBX
// about the account once per held command, contacts one NLN for the
// new status and one UBX per held command. A client that sends no
// <Data> ends the burst with any other command, or by being quiet for
// burstQuiet.

// burstQuiet ends a login burst in which the client stopped sending.
const burstQuiet = time.Second

// burst is what an endpoint holds back during its login burst.
type burst struct {
	on     bool
	before map[*account]bool // who saw the account before the first CHG
	chg    int               // CHG commands held
	uux    int               // UUX commands held
	timer  *time.Timer
}

// startBurst begins n's burst at a CHG, when before is who saw n's
// account until then. s.mu held.
func (s *Server) startBurst(n *nsConn, before map[*account]bool) {
	n.burst = burst{on: true, before: before}
	s.holdBurst(n)
}

// holdBurst restarts the quiet timer of n's burst after a held command.
// s.mu held.
func (s *Server) holdBurst(n *nsConn) {
	if n.burst.timer != nil {
		n.burst.timer.Stop()
	}
	b := &n.burst
	var t *time.Timer
	t = time.AfterFunc(burstQuiet, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.closed && b.on && b.timer == t {
			s.endBurst(n)
		}
	})
	b.timer = t
}

// dropBurst forgets n's burst without sending anything (n signed off).
// s.mu held.
func (n *nsConn) dropBurst() {
	if n.burst.timer != nil {
		n.burst.timer.Stop()
	}
	n.burst = burst{}
}

// endBurst sends what n's burst held back. s.mu held.
func (s *Server) endBurst(n *nsConn) {
	b := n.burst
	n.dropBurst()
	if !b.on || n.acct == nil || !n.acct.has(n) {
		return
	}
	a := n.acct
	if b.chg > 0 {
		s.notifyPresence(a, b.before, true)
	}
	for range b.chg {
		s.ubxToWatchers(a, 16)
	}
	for range b.uux {
		s.ubxToWatchers(a, 11)
	}
	for range b.chg + b.uux {
		s.tellOwnEndpoints(a)
	}
}

// ubxToWatchers sends the UBX about a to the sessions at version min or
// later of those who see a. s.mu held.
func (s *Server) ubxToWatchers(a *account, min int) {
	for _, w := range s.watchers(a) {
		if !visible(a, w) {
			continue
		}
		for _, e := range w.live() {
			if e.ver >= min {
				e.w.sendPayload(ubxCommand(e.ver, a.passport), ubxPayload(e.ver, a, false))
			}
		}
	}
}
