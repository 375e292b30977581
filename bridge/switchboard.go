package bridge

// Opening a conversation's switchboard: calling its participants in, the
// bound on open switchboards (the least recently used idle query closes
// first) and typing notifications.

import (
	"context"
	"errors"
	"slices"

	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// open starts the switchboard of a conversation and calls its participants in.
func (cv *conv) open() {
	s := cv.s
	var targets []string
	if cv.channel == "" {
		targets = []string{cv.peer}
	} else {
		seen := map[string]bool{}
		for _, p := range append(sortedKeys(cv.members), cv.invites...) {
			if !seen[p] {
				seen[p] = true
				targets = append(targets, p)
			}
		}
		// The first is called as the switchboard opens, and its refusal
		// fails the opening: those known to be offline go last.
		slices.SortStableFunc(targets, func(a, b string) int {
			ca, cb := s.contacts[a], s.contacts[b]
			return cmpBool(ca != nil && ca.knownOffline(), cb != nil && cb.knownOffline())
		})
	}
	if len(targets) == 0 {
		cv.failAll("nobody is in this group chat; /INVITE a contact first")
		return
	}
	if s.convs.switchboards() >= s.b.cfg.MaxSwitchboards && !s.evictIdle("") {
		// Every open conversation is busy: wait until one is idle.
		for _, w := range s.convs.waiting {
			if w == cv {
				return
			}
		}
		s.convs.waiting = append(s.convs.waiting, cv)
		return
	}
	cv.busy = true
	invited := cv.invites
	cv.invites = nil
	s.convs.opening++
	client := s.client
	timeout := s.b.cfg.RequestTimeout
	s.spawn(func(ctx context.Context) {
		octx, cancel := context.WithTimeout(ctx, 2*timeout)
		defer cancel()
		sb, err := client.OpenSwitchboard(octx, targets[0])
		inviteErrs := map[string]error{} // by passport
		if err == nil {
			for _, p := range targets[1:] {
				if ierr := sb.Invite(octx, p); ierr != nil {
					inviteErrs[p] = ierr
				}
			}
		}
		if !s.post(func() { cv.opened(sb, err, targets, invited, inviteErrs) }) && sb != nil {
			sb.Close()
		}
	})
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// opened takes the outcome of opening a switchboard to call targets in,
// the contacts invited (/INVITE) among them; inviteErrs are the calls
// after the first that failed.
func (cv *conv) opened(sb *msn.Switchboard, err error, targets, invited []string, inviteErrs map[string]error) {
	s := cv.s
	cv.busy = false
	s.convs.opening--
	if err != nil || cv.closed {
		defer s.wakeWaiting() // its slot is free
	}
	if err != nil {
		if sb != nil {
			s.spawn(func(context.Context) { sb.Close() })
		}
		if cv.closed {
			cv.pump() // reports what was written meanwhile
			return
		}
		var se *msn.ServerError
		offline := errors.Is(err, msn.ErrContactOffline) || (errors.As(err, &se) && se.Code == 217)
		if errors.Is(err, msn.ErrClosed) && cv.channel == "" {
			switch {
			case s.client != nil && !s.client.Connected():
				// The connection to MSN is dropping: once its end is
				// taken (dropConversations), what waits for the contact
				// waits in the outbox, as what is written while
				// disconnected does.
				cv.settle()
				return
			case s.client != nil && !cv.reopened:
				// Only the switchboard closed: open another, once.
				cv.reopened = true
				cv.pump()
				return
			case s.client == nil:
				cv.reopened = false
				cv.park("")
				cv.settle()
				return
			}
		}
		cv.reopened = false
		if offline && cv.channel == "" {
			if c := s.contacts[cv.peer]; c != nil && c.online() {
				c.setStatus(msn.StatusOffline)
				s.refresh(c)
			}
			cv.park("")
			cv.settle()
			return
		}
		reason := "could not open a conversation: " + sendErrorText(err, s.clientVersion())
		if errors.Is(err, msn.ErrClosed) {
			reason = "could not open a conversation: the switchboard closed while it opened"
		}
		if offline {
			reason = "the contact is offline"
		}
		for _, p := range invited {
			why := "the chat could not be started" // not called
			if p == targets[0] {
				why = sendErrorText(err, s.clientVersion())
			}
			cv.inviteFailed(p, why)
		}
		cv.failAll(reason)
		cv.settle()
		return
	}
	if cv.closed {
		s.spawn(func(context.Context) { sb.Close() })
		cv.pump() // reports what was written meanwhile
		return
	}
	cv.reopened = false
	cv.claim(sb)
	for _, p := range targets {
		if err := inviteErrs[p]; err != nil {
			cv.inviteFailed(p, sendErrorText(err, s.clientVersion()))
		}
	}
	cv.pump()
}

// wakeWaiting lets conversations waiting for a switchboard slot try again.
func (s *session) wakeWaiting() {
	waiting := s.convs.waiting
	s.convs.waiting = nil
	for _, cv := range waiting {
		cv.pump()
	}
}

// inviteInto calls a contact into an open switchboard.
func (cv *conv) inviteInto(sb *msn.Switchboard, passport string) {
	s := cv.s
	if cv.calling[passport] {
		return // called in already, waiting for the answer
	}
	if cv.calling == nil {
		cv.calling = map[string]bool{}
	}
	cv.calling[passport] = true
	timeout := s.b.cfg.RequestTimeout
	s.spawn(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		err := sb.Invite(ctx, passport)
		s.post(func() {
			delete(cv.calling, passport)
			if err != nil {
				cv.inviteFailed(passport, sendErrorText(err, s.clientVersion()))
			}
		})
	})
}

// inviteFailed tells the group chat that the contact passport could not
// be called in, and why. A member who could not be called back into the
// reopened chat leaves it, and is not called again each time it reopens:
// they come back when they are invited again.
func (cv *conv) inviteFailed(passport, why string) {
	s := cv.s
	nick := passport
	c := s.contacts[passport]
	if c != nil {
		nick = c.nick
	}
	s.deliver(ircd.Message{Command: "NOTICE", Target: cv.channel, Text: "Could not invite " + nick + ": " + why})
	if !cv.members[passport] {
		return
	}
	delete(cv.members, passport)
	if c != nil {
		s.world.Part(cv.channel, c.nick, "could not be called back into the chat: "+why)
		if c.lists() == 0 {
			s.queueStranger(c) // strangers.go
		}
	}
}

// evictIdle closes the least recently used idle query switchboard; the
// least recently used with the contact with, when with is not "".
func (s *session) evictIdle(with string) bool {
	var victim *conv
	for _, cv := range s.convs.bySB {
		if cv.channel != "" || cv.busy || cv.snd != nil || len(cv.queue) > 0 || cv.sb == nil {
			continue
		}
		if with != "" && !cv.members[with] {
			continue
		}
		if victim == nil || cv.lastUse < victim.lastUse {
			victim = cv
		}
	}
	if victim == nil {
		return false
	}
	victim.releaseSwitchboard()
	return true
}

// sendTyping tells the participants of an open switchboard that the user types.
func (cv *conv) sendTyping() {
	if cv == nil || cv.sb == nil {
		return
	}
	s := cv.s
	sb := cv.sb
	timeout := s.b.cfg.RequestTimeout
	s.spawn(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		sb.SendTyping(ctx)
	})
}
