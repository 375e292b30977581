package bridge

import (
	"slices"

	"github.com/msn2irc/msn2irc/mapping"
)

// A query conversation stays once its switchboard closed, so that the
// user can answer later, and someone on none of the user's lists who
// calls the user into a chat (a stranger) stays a user of the world while
// their query does, with a contact entry and a stored nick, so that their
// nick stays the same. Each stranger needs only an MSN account of their
// own, so both are bounded: a session keeps at most Config.MaxQueries
// queries (past that, the least recently used one with no switchboard and
// nothing to send goes: a contact's is made again when needed, and a
// stranger's takes them out of the world), and at most
// Config.MaxStrangers strangers who left their chats (a query that went,
// a group chat): past that, the one who left first and is in no chat now
// is forgotten (its user, its entry, its nick, its stored row); if they
// write again, they are a new stranger.

// checkBounds drops the queries and forgets the strangers past their
// bounds. It runs between the session's events and actions, never inside
// one, so that no step loses a conversation or a contact it holds.
func (s *session) checkBounds() {
	if s.world == nil {
		return // not drawn yet: nothing to drop from it
	}
	if len(s.convs.queries) > s.b.cfg.MaxQueries {
		s.boundQueries()
	}
	if len(s.strangers) > s.b.cfg.MaxStrangers {
		s.boundStrangers()
	}
}

// boundQueries drops the least recently used idle queries until at most
// Config.MaxQueries are left or none is idle.
func (s *session) boundQueries() {
	for len(s.convs.queries) > s.b.cfg.MaxQueries {
		var victim *conv
		for _, cv := range s.convs.queries {
			if cv.idle() && (victim == nil || cv.lastUse < victim.lastUse) {
				victim = cv
			}
		}
		if victim == nil {
			return
		}
		delete(s.convs.queries, victim.peer)
		if c := s.contacts[victim.peer]; c != nil {
			s.refresh(c)
		}
	}
}

// idle reports whether a query holds nothing but its peer: no
// switchboard, no opener, nothing to send, nobody being called.
func (cv *conv) idle() bool {
	return cv.sb == nil && !cv.busy && cv.snd == nil && len(cv.queue) == 0 && len(cv.invites) == 0 &&
		len(cv.calling) == 0 && !slices.Contains(cv.s.convs.waiting, cv)
}

// queueStranger notes that c is a stranger who left a chat (a group
// chat, or a query that went); checkBounds forgets the ones past the
// bound.
func (s *session) queueStranger(c *contact) {
	if c.stranger {
		return
	}
	c.stranger = true
	s.strangers = append(s.strangers, c.passport)
}

// boundStrangers forgets the strangers queued first until at most
// Config.MaxStrangers are queued. One who is on a list now, or in a chat,
// leaves the queue without being forgotten, and is queued again when they
// next leave a chat.
func (s *session) boundStrangers() {
	for len(s.strangers) > s.b.cfg.MaxStrangers {
		p := s.strangers[0]
		s.strangers = s.strangers[1:]
		c := s.contacts[p]
		if c == nil || !c.stranger {
			continue
		}
		c.stranger = false
		if c.lists() != 0 || s.convs.holds(p) {
			continue
		}
		s.forgetStranger(c)
	}
}

// forgetStranger forgets a stranger in no chat.
func (s *session) forgetStranger(c *contact) {
	if _, ok := s.world.LookupUser(c.nick); ok {
		s.world.RemoveUser(c.nick, "not on your contact list")
	}
	delete(s.contacts, c.passport)
	if s.nicks[mapping.Casefold(c.nick)] == c {
		delete(s.nicks, mapping.Casefold(c.nick))
	}
	delete(s.unsettled, c)
	delete(s.toSave, c)
	s.unsaved = slices.DeleteFunc(s.unsaved, func(u *contact) bool { return u == c })
	s.stored(s.store.DeleteContact(s.ctx, s.account, c.passport), "forgetting a stranger's nick", riskNicks)
}
