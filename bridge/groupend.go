package bridge

import "github.com/msn2irc/msn2irc/mapping"

// endGroupChat closes a group chat channel whose other participants all
// left: the user parts it (a bouncer would otherwise rejoin an empty
// channel with an old topic on every attach) and is told why. Messages
// still queued for it are reported as not delivered.
func (s *session) endGroupChat(cv *conv) {
	delete(s.convs.channels, mapping.Casefold(cv.channel))
	cv.closed = true
	if !cv.busy && cv.snd == nil {
		for _, o := range cv.queue {
			cv.failed(o, "everyone left the chat")
		}
		cv.queue = nil
	}
	cv.releaseSwitchboard()
	s.wakeWaiting()
	s.world.CloseChannel(cv.channel, "everyone left the group chat")
	s.notice("Everyone left " + cv.channel + ", so the group chat ended; /JOIN a new # channel and /INVITE contacts to start another.")
}
