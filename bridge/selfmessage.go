package bridge

import (
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// The user's other endpoints (MPOP, MSNP16+) may share a switchboard with
// msn2irc. They are not participants: what the user says there is shown
// as the user's own message, and nothing else of them is drawn.

// fromOwnEndpoint handles the switchboard events of the user's other
// endpoints and reports whether ev was one of them.
func (s *session) fromOwnEndpoint(ev msn.Event) bool {
	switch ev := ev.(type) {
	case msn.ParticipantJoined:
		return ev.OwnEndpoint
	case msn.ParticipantLeft:
		return ev.OwnEndpoint
	case msn.MessageReceived:
		if !s.isSelf(ev.From) {
			return false
		}
		s.onOwnMessage(ev)
		return true
	case msn.TypingReceived:
		return s.isSelf(ev.From)
	case msn.NudgeReceived:
		return s.isSelf(ev.From)
	case msn.UnsupportedContent:
		return s.isSelf(ev.From)
	}
	return false
}

// isSelf reports whether passport is the user's own address.
func (s *session) isSelf(passport string) bool {
	return strings.EqualFold(passport, s.account)
}

// onOwnMessage shows what the user said from another endpoint in the
// conversation of its switchboard, from the user's nick, to the clients
// that asked for their own messages (ircd.Message.Self), and records it in
// the history. It is never sent to MSN.
func (s *session) onOwnMessage(ev msn.MessageReceived) {
	cv := s.convs.bySB[ev.Switchboard]
	if cv == nil || cv.sb != ev.Switchboard || s.world.ClientCount() == 0 && !s.historyOn() {
		return // no conversation to show it in, or nobody to show it to nor history to keep it
	}
	at := ev.Time
	if at.IsZero() {
		at = time.Now()
	}
	// A query shows as the contact's nick, where the user's own messages
	// to them go.
	target := cv.target()
	if target == "" {
		c := s.contacts[cv.peer]
		if c == nil || c.nick == "" {
			return
		}
		target = c.nick
	}
	room := min(maxLineBytes, s.world.TextRoom("PRIVMSG", s.world.Nick(), target))
	for _, line := range ircLines(ev.Text, ev.Format, s.settings.Formatting, room) {
		s.deliverRecorded(ircd.Message{Command: "PRIVMSG", Target: target, Text: line, Time: at, Self: true}, cv.convKey(), s.account, db.KindEndpoint)
	}
}
