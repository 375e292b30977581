package mapping

import "github.com/msn2irc/msn2irc/msn"

// maxBatch bounds the actions and events run back to back before the
// switchboard writes of the batch are flushed.
const maxBatch = 64

// serve runs the session's actions and events until the session ends.
// Once it has run one, it runs whatever else is ready before it waits
// again, and only then writes what the batch sent on switchboards: a burst
// of messages costs one write per switchboard instead of one each, and a
// lone message goes out at once.
func (s *session) serve() {
	for s.ending == "" {
		s.serveOne(true)
		s.checkSaves()
		for n := 1; n < maxBatch && s.ending == "" && s.serveOne(false); n++ {
			s.checkSaves()
		}
		s.flushWrites()
	}
}

// serveOne runs one action or event, or takes a stop request; it waits for
// one when wait is set, and reports whether there was one.
func (s *session) serveOne(wait bool) bool {
	if !wait {
		select {
		case fn := <-s.actions:
			fn()
		case ev, ok := <-s.events:
			s.takeEvent(ev, ok)
		case reason := <-s.stopCh:
			s.ending = reason
		default:
			return false
		}
		return true
	}
	select {
	case fn := <-s.actions:
		fn()
	case ev, ok := <-s.events:
		s.takeEvent(ev, ok)
	case reason := <-s.stopCh:
		s.ending = reason
	}
	return true
}

// takeEvent handles an event of the MSN client, or the end of its events.
func (s *session) takeEvent(ev msn.Event, ok bool) {
	if !ok {
		s.events = nil
		return
	}
	s.handleEvent(ev)
}

// cork holds what the session writes on sb until the end of the batch.
func (s *session) cork(sb *msn.Switchboard) {
	for _, c := range s.convs.corked {
		if c == sb {
			return
		}
	}
	sb.Cork()
	s.convs.corked = append(s.convs.corked, sb)
}

// flushWrites writes what the batch held on each switchboard. A failed
// write closes the switchboard, and its messages come back as failed
// outcomes, so there is nothing more to do here.
func (s *session) flushWrites() {
	for i, sb := range s.convs.corked {
		if err := sb.Flush(); err != nil {
			s.log.Debug("writing to a switchboard", "err", err)
		}
		s.convs.corked[i] = nil
	}
	s.convs.corked = s.convs.corked[:0]
}
