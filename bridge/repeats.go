package bridge

import (
	"strings"
	"time"
)

// What a contact sends that says the same thing each time (a nudge; a
// wink, ink, custom emoticons or another content msn2irc cannot show) is
// shown once, then again at most every repeatEvery while it goes on, per
// conversation and kind. Each would otherwise be a line to every client
// and a message kept in the history (or, with the history off, one of
// the messages kept for replay, pushing real ones out): a contact sending
// them in a flood costs the user and the store no more than one.

// repeatEvery is how often a contact's nudges, and its notices of
// content msn2irc cannot show, are shown while they keep coming.
const repeatEvery = 10 * time.Second

// maxRepeats is how many shown repeats the session remembers before it
// forgets the ones older than repeatEvery.
const maxRepeats = 64

// repeatNudge is the kind of repeat a nudge is; content is of the kind
// contentKind gives it. repeatAuthRequest is someone adding the user
// (pending.go). repeatNewMail is the server's notice of a new e-mail,
// one per e-mail: anyone can send the user many.
const (
	repeatNudge       = "a nudge"
	repeatAuthRequest = "an authorization request"
	repeatNewMail     = "a new e-mail"
)

// contentKind is the kind of repeat of content described as what:
// without the parts the sender chooses (a file's name, a content type),
// so that varying them does not make each one new. The kinds are as few
// as the descriptions msn.UnsupportedContent gives.
func contentKind(what string) string {
	if i := strings.Index(what, " ("); i >= 0 {
		what = what[:i]
	}
	if strings.HasPrefix(what, "content of type ") {
		return "content of type"
	}
	return what
}

// repeatKey is a contact's repeat in a conversation.
type repeatKey struct {
	target, passport string
	kind             string
}

// showRepeat reports whether what c sent in cv, of kind, is shown: the
// first time, and then once repeatEvery passed since it last was.
func (s *session) showRepeat(cv *conv, c *contact, kind string) bool {
	return s.repeatDue(repeatKey{cv.target(), c.passport, kind})
}

// repeatDue reports whether the repeat key is taken now: the first time,
// and then once repeatEvery passed since it last was.
func (s *session) repeatDue(key repeatKey) bool {
	now := s.b.cfg.Now()
	if last, ok := s.repeats[key]; ok && now.Sub(last) < repeatEvery {
		s.log.Debug("not taking a repeat", "from", key.passport, "kind", key.kind)
		return false
	}
	if s.repeats == nil {
		s.repeats = map[repeatKey]time.Time{}
	}
	if len(s.repeats) >= maxRepeats {
		for k, t := range s.repeats {
			if now.Sub(t) >= repeatEvery {
				delete(s.repeats, k)
			}
		}
	}
	s.repeats[key] = now
	return true
}
