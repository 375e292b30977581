package bridge

import "github.com/msn2irc/msn2irc/mapping"

// What the user is told while the session is not signed in to MSN: after
// "signed in from another location" (OUT OTH) or a refused password the
// session stops reconnecting, and while the connection is down it
// reconnects by itself. Commands, the outbox and WHOIS say which of these
// it is and what brings the session back, instead of answering as if it
// were signed in.

// signedOut reports whether the session is not signed in to MSN now.
func (s *session) signedOut() bool { return s.client == nil }

// offlineWhy says why the session is not signed in to MSN; "" when it is.
func (s *session) offlineWhy() string {
	switch {
	case !s.signedOut():
		return ""
	case s.outElsewhere && s.eps.byEndpoint:
		return s.eps.name + " where this account is signed in signed this one out"
	case s.outElsewhere:
		return "this account signed in from another location"
	case s.stopped:
		return "the MSN server refused the password"
	default:
		return "the connection to MSN was lost"
	}
}

// signInHint says what gets the session signed in again.
func (s *session) signInHint() string {
	switch {
	case s.outElsewhere:
		return `say "login" to sign in again`
	case s.stopped:
		return `if you changed your password, say "logout" and connect again with the new one`
	default:
		return "msn2irc is reconnecting by itself"
	}
}

// signedOutLine is the sentence that answers a command which needs MSN
// while the session is signed out.
func (s *session) signedOutLine() string {
	return "You are signed out of MSN (" + s.offlineWhy() + "); " + s.signInHint() + "."
}

// queuedWhy is the reason at the front of the "message queued" notice for
// a message to nick that waits in the outbox.
func (s *session) queuedWhy(nick string) (why, until string) {
	switch {
	case !s.signedOut():
		return nick + " is offline", "when " + nick + " comes online"
	case s.outElsewhere || s.stopped:
		return "You are signed out of MSN (" + s.offlineWhy() + ")",
			"once you are signed in again and " + nick + " is online (" + s.signInHint() + ")"
	default:
		return "Not connected to MSN right now", "once msn2irc has reconnected and " + nick + " is online"
	}
}

// contactStatus is how the contacts command and WHOIS name a contact's
// status: unknown while the session is signed out, since the contacts
// shown offline then may well be online.
func (s *session) contactStatus(c *contact) string {
	if s.signedOut() {
		return "status unknown while you are signed out of MSN"
	}
	_, online := mapping.AwayText(c.status(), c.psm())
	return whoisStatusName(c.status(), online)
}

// contactWhois is a contact's WHOIS lines, with its status as the
// session knows it.
func (s *session) contactWhois(c *contact) []string {
	return s.withGroupLines(c, whoisLines(c.passport, c.name, c.psm(), c.media(), s.contactStatus(c), c.lists()))
}

// cmdLoginAgain is a bare "login": it signs in again with the password the
// session already has, after OUT OTH. After a refused password it says
// what to do instead: the same password would only be refused again.
func (s *session) cmdLoginAgain(say func(string)) {
	switch {
	case !s.signedOut():
		say("Already signed in to MSN as " + s.account + ".")
	case s.outElsewhere:
		say("Signing in to MSN again as " + s.account + ".")
		s.outElsewhere = false
		s.stopped = false
		s.reconnects = 0
		s.reconnect()
	case s.stopped:
		say("The MSN server refused this session's password; " + s.signInHint() + ".")
	default:
		say("Not connected to MSN right now; msn2irc is reconnecting by itself.")
	}
}
