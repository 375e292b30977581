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
// as the user's own message, as are the nudges and the content msn2irc
// cannot show that they send; nothing else of them is drawn.

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
		if !s.isSelf(ev.From) {
			return false
		}
		s.onOwnContent(ev.Switchboard, "PRIVMSG", "\x01ACTION sent a nudge\x01")
		return true
	case msn.UnsupportedContent:
		if !s.isSelf(ev.From) {
			return false
		}
		text := unsupportedText(s.world.Nick(), ev)
		if ev.Description == "a cancelled invitation" {
			text = s.world.Nick() + " cancelled an invitation"
		}
		s.onOwnContent(ev.Switchboard, "NOTICE", text)
		return true
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
	cv, target := s.ownTarget(ev.Switchboard)
	if cv == nil {
		return
	}
	at := ev.Time
	if at.IsZero() {
		at = time.Now()
	}
	room := min(maxLineBytes, s.world.TextRoom("PRIVMSG", s.world.Nick(), target))
	for _, line := range ircLines(ev.Text, ev.Format, s.settings.Formatting, room) {
		s.deliverRecorded(ircd.Message{Command: "PRIVMSG", Target: target, Text: line, Time: at, Self: true}, cv.convKey(), s.account, db.KindEndpoint)
	}
}

// onOwnContent shows a nudge or content msn2irc cannot show that the user
// sent from another endpoint, as onOwnMessage shows their text.
func (s *session) onOwnContent(sb *msn.Switchboard, command, text string) {
	cv, target := s.ownTarget(sb)
	if cv == nil {
		return
	}
	s.deliverRecorded(ircd.Message{Command: command, Target: target, Text: text, Time: time.Now(), Self: true}, cv.convKey(), s.account, db.KindEndpoint)
}

// ownTarget returns the conversation of sb and where the user's own
// messages in it show (a query as the contact's nick, where the user's
// own messages to them go), or nil when there is no conversation to show
// them in, or nobody to show them to nor history to keep them.
func (s *session) ownTarget(sb *msn.Switchboard) (*conv, string) {
	cv := s.convs.bySB[sb]
	if cv == nil || cv.sb != sb || s.world.ClientCount() == 0 && !s.historyOn() {
		return nil, ""
	}
	target := cv.target()
	if target == "" {
		c := s.contacts[cv.peer]
		if c == nil || c.nick == "" {
			return nil, ""
		}
		target = c.nick
	}
	return cv, target
}
