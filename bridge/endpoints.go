package bridge

// The account's other places (MSNP16+, MPOP): one account may be signed in
// from several places at once, msn2irc being one of them. Every place is
// rung for a new chat and the first to answer takes it (answer_chats says
// when msn2irc answers); `endpoints` lists the places and signs one out;
// being signed out by another place stops the session like OUT OTH.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

// endpointState is what the session knows of the account's places.
type endpointState struct {
	// list is where the account is signed in, as the server last said,
	// this place included; nil before MSNP16 or before the first list.
	list []msn.Endpoint
	// byEndpoint is set while the session is signed out because another
	// place asked it to (UBN); name is that place's name when known.
	byEndpoint bool
	name       string
}

// ownGUID is the machine GUID of msn2irc's own place, as the server
// writes it; "" when not signed in.
func (s *session) ownGUID() string {
	if s.client == nil {
		return ""
	}
	return strings.ToLower(s.client.MachineGUID())
}

// otherEndpoints are the places of the account other than msn2irc.
func (s *session) otherEndpoints() []msn.Endpoint {
	own := s.ownGUID()
	var out []msn.Endpoint
	for _, ep := range s.eps.list {
		if ep.GUID != own {
			out = append(out, ep)
		}
	}
	return out
}

// onOwnEndpoints takes the server's list of the account's places.
func (s *session) onOwnEndpoints(ev msn.OwnEndpointsChanged) {
	s.eps.list = ev.Endpoints
}

// answersChats reports whether msn2irc answers an incoming chat now
// (answer_chats). With no other place signed in it always does: the
// setting only chooses between places.
func (s *session) answersChats() bool {
	if len(s.otherEndpoints()) == 0 {
		return true
	}
	switch s.settings.AnswerChats {
	case db.AnswerAlways:
		return true
	case db.AnswerNever:
		return false
	}
	if s.world.ClientCount() > 0 {
		return true
	}
	for _, ep := range s.otherEndpoints() {
		if endpointActive(ep) {
			return false
		}
	}
	return true
}

// endpointActive reports whether someone seems to be at a place: it is
// neither idle nor away.
func endpointActive(ep msn.Endpoint) bool {
	switch ep.Status {
	case msn.StatusIdle, msn.StatusAway, msn.StatusBRB, msn.StatusLunch:
		return false
	}
	return !ep.Idle
}

// chatTakenElsewhere reports whether err answers an invitation that
// another place of the account answered first: the server refuses the
// stale cookie (911), or closes the connection.
func chatTakenElsewhere(err error, others int) bool {
	var se *msn.ServerError
	return others > 0 && (errors.As(err, &se) && se.Code == 911 || errors.Is(err, msn.ErrClosed))
}

// endpointName is how a place is named to the user.
func endpointName(ep msn.Endpoint) string {
	if n := cleanName(ep.Name); n != "" {
		return shorten(n, 60)
	}
	return "an unnamed place"
}

// endpointLine describes one place for the endpoints command.
func (s *session) endpointLine(i int, ep msn.Endpoint) string {
	kind := "Messenger on a computer"
	if ep.ClientType != 1 {
		kind = "client type " + strconv.Itoa(ep.ClientType)
	}
	state := mapping.StatusName(ep.Status)
	if ep.Status == "" {
		state = "status unknown"
	}
	if ep.Idle && ep.Status != msn.StatusIdle {
		state += ", idle"
	}
	line := strconv.Itoa(i+1) + ". " + endpointName(ep)
	if ep.GUID == s.ownGUID() {
		line += " (this is msn2irc)"
	}
	return line + " - " + kind + ", " + state
}

// cmdEndpoints lists the account's places, or signs one out.
func (s *session) cmdEndpoints(args []string, say func(string)) {
	if s.signedOut() {
		say(s.signedOutLine())
		return
	}
	if v := s.clientVersion(); v < 16 {
		say("MSN lists the places an account is signed in from at MSNP16 and later; this session speaks MSNP" + strconv.Itoa(v) + ".")
		return
	}
	switch {
	case len(args) == 0:
		if len(s.eps.list) == 0 {
			say("The MSN server has not listed the places this account is signed in from yet.")
			return
		}
		say("Signed in to MSN at " + places(len(s.eps.list)) + ":")
		for i, ep := range s.eps.list {
			say(s.endpointLine(i, ep))
		}
		say(`Say "endpoints signout <number>" to sign one out.`)
	case len(args) == 2 && strings.EqualFold(args[0], "signout"):
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 || n > len(s.eps.list) {
			say("No place number " + shorten(args[1], 10) + `; say "endpoints" for the list.`)
			return
		}
		ep := s.eps.list[n-1]
		if ep.GUID == s.ownGUID() {
			say(`That is msn2irc itself; say "logout" to sign out here.`)
			return
		}
		name := endpointName(ep)
		s.request(func(ctx context.Context, c *msn.Client) error {
			return c.SignOutEndpoint(ctx, ep.GUID)
		}, func(err error) {
			if err != nil {
				say("Could not sign out " + name + ": " + err.Error())
				return
			}
			say("Asked " + name + " to sign out of MSN.")
		})
	default:
		say("Usage: endpoints [signout <number>]")
	}
}

// places is "1 place" or "n places".
func places(n int) string {
	if n == 1 {
		return "1 place"
	}
	return strconv.Itoa(n) + " places"
}

// greetEndpoints tells a client that just attached where else the account
// is signed in.
func (s *session) greetEndpoints(c *ircd.Client) {
	others := s.otherEndpoints()
	if len(others) == 0 || s.signedOut() {
		return
	}
	names := make([]string, len(others))
	for i, ep := range others {
		names[i] = endpointName(ep)
	}
	s.world.DeliverTo(c, ircd.Message{Command: "NOTICE", From: mapping.ServiceNick, Target: ContactsChannel, Time: time.Now(),
		Text: "This account is also signed in to MSN at " + places(len(others)) + " besides msn2irc (" + strings.Join(names, ", ") + `); say "endpoints" to list them.`})
}

// signedOutByEndpoint stops the session after another place of the
// account signed it out: like OUT OTH, it does not reconnect by itself.
func (s *session) signedOutByEndpoint(ev msn.Disconnected) {
	name := "another place"
	if ev.Err != nil {
		for _, ep := range s.eps.list {
			if ep.GUID != "" && strings.Contains(ev.Err.Error(), ep.GUID) {
				name = endpointName(ep)
			}
		}
	}
	s.stopped = true
	s.outElsewhere = true
	s.eps = endpointState{byEndpoint: true, name: name}
	s.notice("Signed out of MSN by " + name + ` where this account is signed in. Not reconnecting; say "login" to sign in again (here or in /msg msn).`)
}
