package msn

import (
	"slices"
	"strings"
)

// Switchboard participants at MSNP16 and later: each endpoint of an
// account joins as "passport;{guid}", and the server repeats IRO, JOI and
// BYE with the bare address. The user's own address with another GUID is
// another endpoint of the user (MPOP), not a participant to talk to; the
// bare own address is the server telling the user of their own join.

// sbHandle is how the user signs in to a switchboard: the address, with
// the machine GUID from MSNP16.
func (c *Client) sbHandle() string {
	if c.Version() >= 16 {
		return c.Passport() + ";" + c.MachineGUID()
	}
	return c.Passport()
}

// splitEndpointHandle splits "passport;{guid}" into the address and the
// GUID (lower case, in braces; "" when absent or malformed).
func splitEndpointHandle(h string) (passport, guid string) {
	passport, g, found := strings.Cut(h, ";")
	if !found {
		return h, ""
	}
	return passport, normalGUID(g)
}

// onJoin handles IRO (initial) and JOI. Each participant is reported
// once, however many lines name it.
func (s *Switchboard) onJoin(handle, name string, initial bool) {
	c := s.c
	passport, guid := splitEndpointHandle(handle)
	if passport == "" {
		return
	}
	p := participant{passport: passport, name: decodeName(name)}
	if strings.EqualFold(passport, c.Passport()) {
		if guid == "" || guid == normalGUID(c.MachineGUID()) {
			return // the user's own join, told back
		}
		s.mu.Lock()
		known, full := slices.Contains(s.own, guid), len(s.own) >= maxParticipants
		if !known && !full {
			s.own = append(s.own, guid)
		}
		s.mu.Unlock()
		if known || full {
			return // told already, or one endpoint too many
		}
		ev := ParticipantJoined{Switchboard: s, Passport: passport, FriendlyName: p.name, Initial: initial,
			Endpoint: guid, OwnEndpoint: true}
		s.report(ev, initial)
		return
	}
	s.mu.Lock()
	known := s.hasLocked(passport)
	if !known && !s.addLocked(p) {
		s.mu.Unlock()
		s.l.log.Debug("msn: switchboard full, join dropped", "passport", passport, "max", maxParticipants)
		return
	}
	s.joinedEndpointLocked(passport, guid)
	if s.outgoing && !initial {
		s.announced = true
	}
	key := strings.ToLower(passport)
	waiters := s.waiters[key]
	delete(s.waiters, key)
	s.mu.Unlock()
	if !known {
		s.report(ParticipantJoined{Switchboard: s, Passport: passport, FriendlyName: p.name, Initial: initial, Endpoint: guid}, initial)
	}
	for _, w := range waiters {
		close(w)
	}
}

// joinedEndpointLocked notes the place guid ("" for none) of the
// participant passport. s.mu held.
func (s *Switchboard) joinedEndpointLocked(passport, guid string) {
	if guid == "" {
		return
	}
	for i := range s.participants {
		p := &s.participants[i]
		if strings.EqualFold(p.passport, passport) {
			if !slices.Contains(p.endpoints, guid) && len(p.endpoints) < maxParticipants {
				p.endpoints = append(p.endpoints, guid)
			}
			return
		}
	}
}

// report queues a join: IRO joins before ANS OK wait for it, the others
// are queued once the user knows the session.
func (s *Switchboard) report(ev ParticipantJoined, initial bool) {
	s.mu.Lock()
	if initial && !s.announced {
		if len(s.stash) < maxStash {
			s.stash = append(s.stash, ev)
		} else {
			s.l.log.Debug("msn: too many joins before ANS OK, one dropped", "passport", ev.Passport, "max", maxStash)
		}
		s.mu.Unlock()
		return
	}
	announced := s.announced
	s.mu.Unlock()
	if announced {
		s.c.events.push(ev)
	}
}

// onBye handles BYE: a participant left (reported once, on the first of
// the repeated lines), or one of the user's other endpoints did.
func (s *Switchboard) onBye(handle string, idle bool) {
	passport, guid := splitEndpointHandle(handle)
	if strings.EqualFold(passport, s.c.Passport()) {
		s.mu.Lock()
		n := len(s.own)
		s.own = slices.DeleteFunc(s.own, func(g string) bool { return g == guid })
		found := guid != "" && len(s.own) < n
		s.mu.Unlock()
		if found {
			s.c.events.push(ParticipantLeft{Switchboard: s, Passport: passport, Idle: idle, Endpoint: guid, OwnEndpoint: true})
		}
		return
	}
	s.mu.Lock()
	found := false
	for i, p := range s.participants {
		if !strings.EqualFold(p.passport, passport) {
			continue
		}
		if guid != "" {
			// One of the participant's places left; the participant
			// leaves with the last (Escargot then also sends the bare
			// address, which finds nobody).
			p.endpoints = slices.DeleteFunc(p.endpoints, func(g string) bool { return g == guid })
			s.participants[i].endpoints = p.endpoints
			if len(p.endpoints) > 0 {
				break
			}
		}
		s.participants = append(s.participants[:i], s.participants[i+1:]...)
		passport, found = p.passport, true
		break
	}
	empty := len(s.participants) == 0
	announced := s.announced
	s.mu.Unlock()
	if !found {
		return // the repeated line of a departure already reported
	}
	if announced {
		s.c.events.push(ParticipantLeft{Switchboard: s, Passport: passport, Idle: idle, Endpoint: guid})
	}
	if empty {
		s.closeWith(nil) // nobody left to talk to
	}
}
