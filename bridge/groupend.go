package bridge

import (
	"fmt"

	"github.com/msn2irc/msn2irc/mapping"
)

// endGroupChat closes a group chat channel whose other participants all
// left: the user parts it (a bouncer would otherwise rejoin an empty
// channel with an old topic on every attach) and is told why. Messages
// still queued for it are reported as not delivered.
func (s *session) endGroupChat(cv *conv) {
	s.closeGroupChat(cv, "everyone left the chat", "everyone left the group chat")
	s.notice("Everyone left " + cv.channel + ", so the group chat ended; /JOIN a new # channel and /INVITE contacts to start another.")
}

// closeGroupChat closes a group chat's channel and forgets the chat;
// what is still queued for it is reported as not delivered, for why.
func (s *session) closeGroupChat(cv *conv, why, reason string) {
	delete(s.convs.channels, mapping.Casefold(cv.channel))
	cv.closed, cv.closedBy = true, why
	// What is on its way is reported once its opener or sender is done
	// (pump).
	cv.pump()
	cv.releaseSwitchboard()
	s.wakeWaiting()
	s.world.CloseChannel(cv.channel, reason)
	// Its strangers join those the session may forget (strangers.go).
	for _, p := range sortedKeys(cv.members) {
		if c := s.contacts[p]; c != nil && c.lists() == 0 {
			s.queueStranger(c)
		}
	}
}

// makeRoomForChannel closes the least recently used group chat whose
// switchboard ended, with nothing waiting, when the session keeps
// MaxGroupChats: a chat whose switchboard ended stays a channel so that
// the user can go on in it, and contacts who keep starting chats must not
// grow the list without end. Its history is kept.
func (s *session) makeRoomForChannel() {
	if len(s.convs.channels) < s.b.cfg.MaxGroupChats {
		return
	}
	var victim *conv
	for _, cv := range s.convs.channels {
		if cv.sb != nil || cv.busy || cv.snd != nil || len(cv.queue) > 0 {
			continue
		}
		if victim == nil || cv.lastUse < victim.lastUse {
			victim = cv
		}
	}
	if victim == nil {
		return
	}
	s.closeGroupChat(victim, "the chat was closed", "closed to make room for a new group chat")
	s.notice(fmt.Sprintf("Closed %s, the group chat used least recently, to make room for a new one (msn2irc keeps %d); its history is kept.",
		victim.channel, s.b.cfg.MaxGroupChats))
}
