package bridge

import (
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
)

// statusKind is what a report about a message the user sent says: the
// standard reply (FAIL or NOTE) and its code.
type statusKind struct {
	verb, code string
}

// The reports about messages the user sent.
var (
	// statusQueued: the contact is offline (or MSN is not connected);
	// the message waits in the outbox.
	statusQueued = statusKind{"NOTE", "QUEUED"}
	// statusDelivering: the contact came online; the outbox is sent.
	statusDelivering = statusKind{"NOTE", "DELIVERING"}
	// statusNotDelivered: the message was refused, or not acknowledged
	// and so may not have arrived.
	statusNotDelivered = statusKind{"FAIL", "MESSAGE_NOT_DELIVERED"}
)

// messageStatus tells the user something about a message they sent to
// target (a contact's nick or a group chat channel). It never comes from
// the contact, whom a bouncer would otherwise store as having said it:
// clients that negotiated standard-replies get `NOTE PRIVMSG <code>
// <target> :text` or `FAIL PRIVMSG <code> <target> :text`, the others a
// NOTICE from the service user. When no client is attached, that NOTICE
// is kept for the next one. text must name target.
func (s *session) messageStatus(kind statusKind, target, text string) {
	if s.world.ClientCount() == 0 {
		s.deliver(ircd.Message{Command: "NOTICE", From: mapping.ServiceNick, Text: text})
		return
	}
	if kind.verb == "FAIL" {
		s.world.Fail(mapping.ServiceNick, "PRIVMSG", kind.code, text, target)
		return
	}
	s.world.Note(mapping.ServiceNick, "PRIVMSG", kind.code, text, target)
}
