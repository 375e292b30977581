package bridge

import (
	"context"
	"errors"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
)

// What is at risk when a write to the store fails, for the user's notice.
const (
	riskNicks     = "the nicks of your contacts may change after a restart"
	riskPending   = "authorization requests may be lost, or shown again after you answered them"
	riskOutbox    = "messages to offline contacts cannot be queued (each is reported as not delivered), and delivered ones may be sent again"
	riskKept      = "messages that arrive while no IRC client is connected may be lost, or shown twice"
	riskChatNames = "a new group chat may be given the name of one you made, after a restart"
)

// storeFailure tells the user about failed writes to the store. Owned by
// the session goroutine.
type storeFailure struct {
	told bool   // the user was told since the last write that succeeded
	held string // a notice for the next client: none was attached
}

// stored reports whether a write to the store succeeded. When it failed,
// the log gets every failure and the user, in &msn, the first one since a
// write last succeeded: a full disk fails every write, and one notice is
// enough to say so. atRisk says what the user may lose.
func (s *session) stored(err error, what, atRisk string) bool {
	if err == nil {
		s.storeFail.told = false
		return true
	}
	if errors.Is(err, context.Canceled) {
		return false // the session is ending
	}
	s.log.Warn(what, "err", err)
	if s.storeFail.told {
		return false
	}
	s.storeFail.told = true
	text := "msn2irc could not save to its database (" + db.Reason(err) + "): " + atRisk + "."
	if s.world.ClientCount() == 0 {
		// Not kept with the messages of the next client: keeping them is
		// a write, which may fail the same way.
		s.storeFail.held = text
		return false
	}
	s.world.Deliver(ircd.Message{Command: "NOTICE", From: mapping.ServiceNick, Target: ContactsChannel, Text: text})
	return false
}

// tellHeldStoreFailure gives an attaching client the notice of a write
// that failed while no client was attached.
func (s *session) tellHeldStoreFailure() {
	if s.storeFail.held == "" {
		return
	}
	s.world.Deliver(ircd.Message{Command: "NOTICE", From: mapping.ServiceNick, Target: ContactsChannel, Text: s.storeFail.held})
	s.storeFail.held = ""
}
