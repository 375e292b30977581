package msntest

// sbDrops is a switchboard fault waiting for a user's next messages.
type sbDrops struct {
	left     int  // messages still to close the connection on
	afterAck bool // relay and acknowledge each message before closing
}

// DropSBOnNextMessages makes the switchboard close passport's connection on
// each of the next n MSG passport sends there, before relaying or
// acknowledging them, as a network failure would (no OUT); what was queued
// for the connection before is still written. The other participants get
// BYE. n = 0 cancels what is left of the fault.
func (s *Server) DropSBOnNextMessages(passport string, n int) {
	s.setSBDrops(passport, sbDrops{left: n})
}

// DropSBAfterNextMessages makes the switchboard relay and acknowledge each
// of the next n MSG passport sends there, then close that connection: the
// message was delivered, and the chat ends right after. n = 0 cancels what
// is left of the fault.
func (s *Server) DropSBAfterNextMessages(passport string, n int) {
	s.setSBDrops(passport, sbDrops{left: n, afterAck: true})
}

// SBDropsLeft returns how many of the connection closes asked for with
// DropSBOnNextMessage(s) or DropSBAfterNextMessages are still to come for
// passport.
func (s *Server) SBDropsLeft(passport string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.dropOnMsg[key(passport)].left
}

func (s *Server) setSBDrops(passport string, d sbDrops) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.left <= 0 {
		delete(s.faults.dropOnMsg, key(passport))
		return
	}
	s.faults.dropOnMsg[key(passport)] = d
}

// takeSBDrop uses up one of passport's switchboard drops, if any, and says
// whether the message is relayed and acknowledged first. s.mu held.
func (s *Server) takeSBDrop(passport string) (drop, afterAck bool) {
	d, ok := s.faults.dropOnMsg[key(passport)]
	if !ok {
		return false, false
	}
	d.left--
	if d.left <= 0 {
		delete(s.faults.dropOnMsg, key(passport))
	} else {
		s.faults.dropOnMsg[key(passport)] = d
	}
	return true, d.afterAck
}
