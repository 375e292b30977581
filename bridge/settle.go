package bridge

import "time"

// presenceSettle is how long a contact's presence change waits for the
// rest of it before IRC is told. An MSN client that changes its status
// and its personal message sends two commands (UUX, CHG, in either
// order), and a contact signing in has its NLN followed by its UBX; the
// IRC away text names both (Busy — in a meeting), so each half on its
// own would give every client two AWAY lines for one change.
const presenceSettle = 50 * time.Millisecond

// settlePresence redraws c on IRC once its presence settled: the changes that
// come within presenceSettle of the first are shown together. renamed says
// that c's friendly name changed (recordName): with nick_source=name its
// nick follows the name it has once settled, so that a contact changing
// its name many times a second is renamed (a NICK to every client) once
// per settling, not once per change, and always to its last name.
func (s *session) settlePresence(c *contact, renamed bool) {
	if s.unsettled == nil {
		s.unsettled = map[*contact]bool{}
	}
	s.unsettled[c] = s.unsettled[c] || renamed
	if s.settleT == nil {
		s.settleT = s.afterFunc(presenceSettle, s.settled)
	}
}

// settled redraws the contacts whose presence changed, in passport order,
// and stores the names that changed with them (saveSoon).
func (s *session) settled() {
	s.settleT = nil
	defer s.saveSettled() // stored once shown: what the store says, clients see
	renamed := s.unsettled
	cs := byPassport(renamed)
	s.unsettled = nil
	for _, c := range cs {
		if s.contacts[c.passport] != c {
			continue
		}
		if renamed[c] {
			nick := c.nick
			s.followName(c)
			if c.nick != nick && !s.toSave[c] {
				s.saveContact(c) // its name was stored, or is on its way, with the old nick
			}
		}
		s.refresh(c)
	}
}

// byPassport returns the contacts of set in passport order.
func byPassport(set map[*contact]bool) []*contact {
	cs := make([]*contact, 0, len(set))
	for c := range set {
		cs = append(cs, c)
	}
	sortByPassport(cs)
	return cs
}
