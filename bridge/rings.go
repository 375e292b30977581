package bridge

import (
	"time"

	"golang.org/x/time/rate"
)

// A contact's invitations into chats are answered ringBurst at once, then
// one every ringEvery: each one answered is a switchboard connection the
// bridge opens, authenticates and soon closes again, and a contact (or a
// stranger) ringing many times a second would otherwise cost the bridge
// that work at whatever rate the MSN server relays them. An invitation
// past the rate goes unanswered, as MSN clients leave a chat they do not
// take; the contact can ring again a little later.
const (
	ringBurst = 10
	ringEvery = 6 * time.Second
	// maxRingers is how many contacts' rates the session remembers
	// before it forgets the ones that have not rung for a minute (their
	// rate is full again by then).
	maxRingers = 64
)

// ringer is a contact's rate of answered invitations.
type ringer struct {
	lim  *rate.Limiter
	last time.Time // the last invitation, answered or not
}

// answerRing reports whether an invitation from passport is answered now,
// within its rate, on the bridge's clock.
func (s *session) answerRing(passport string) bool {
	now := s.b.cfg.Now()
	r := s.ringers[passport]
	if r == nil {
		if s.ringers == nil {
			s.ringers = map[string]*ringer{}
		}
		if len(s.ringers) >= maxRingers {
			for p, old := range s.ringers {
				if now.Sub(old.last) >= ringBurst*ringEvery {
					delete(s.ringers, p)
				}
			}
		}
		r = &ringer{lim: rate.NewLimiter(rate.Every(ringEvery), ringBurst)}
		s.ringers[passport] = r
	}
	r.last = now
	return r.lim.AllowN(now, 1)
}
