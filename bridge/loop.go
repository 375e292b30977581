package bridge

import (
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// maxBatch bounds the actions and events run back to back before the
// switchboard writes of the batch are flushed.
const maxBatch = 64

// wake makes sure a goroutine runs the session's work: the one running
// already, or a new one. Whoever gives the session work (an action, an
// event of the MSN client, a stop request) calls it after.
func (s *session) wake() {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.running {
		select {
		case s.kick <- struct{}{}:
		default: // kicked already
		}
		return
	}
	s.running = true
	go s.drain()
}

// lingerTime is how long drain waits for more work before its goroutine
// ends: the answers to what it just did (an ACK, a reply, the next message
// of a burst) mostly come sooner, and then need no new goroutine.
const lingerTime = 2 * time.Millisecond

// drain runs the session's actions and events while there are any, then
// lingers a moment and lets its goroutine end: an idle session keeps no
// goroutine, and wake starts another when work comes. Once the session is
// ending, it shuts the session down.
func (s *session) drain() {
	var linger *time.Timer
	defer func() {
		if linger != nil {
			linger.Stop()
		}
	}()
	for {
		s.serveReady()
		if s.ending != "" {
			s.shutdown()
			return // running stays set: nothing runs after the end
		}
		if linger == nil {
			linger = time.NewTimer(lingerTime)
		} else {
			linger.Reset(lingerTime)
		}
		select {
		case <-s.kick:
			continue
		case <-linger.C:
		}
		s.runMu.Lock()
		select {
		case <-s.kick:
			s.runMu.Unlock()
			continue
		default:
		}
		s.running = false
		s.runMu.Unlock()
		return
	}
}

// serveReady runs what is ready in batches: it runs up to maxBatch
// actions and events back to back, and only then writes what the batch
// sent on switchboards: a burst of messages costs one write per
// switchboard instead of one each, and a lone message goes out at once.
func (s *session) serveReady() {
	for s.ending == "" {
		n := 0
		for n < maxBatch && s.ending == "" && s.serveOne() {
			n++
		}
		s.flushWrites()
		if n < maxBatch {
			return
		}
	}
}

// serveOne runs one action or event that is ready, or takes a stop
// request, and reports whether there was one. A stop request comes first;
// actions and events take turns, so a flood of one does not hold up the
// other. (Receiving from each channel on its own costs less than a select
// over all three.)
func (s *session) serveOne() bool {
	select {
	case reason := <-s.stopCh:
		s.ending = reason
		return true
	default:
	}
	s.eventsFirst = !s.eventsFirst
	if s.eventsFirst {
		return s.serveEvent() || s.serveAction()
	}
	return s.serveAction() || s.serveEvent()
}

// serveAction runs an action, if one is ready.
func (s *session) serveAction() bool {
	select {
	case a := <-s.actions:
		s.checkSaves()
		a.run()
		return true
	default:
		return false
	}
}

// serveEvent handles an event of the MSN client, if one is ready.
func (s *session) serveEvent() bool {
	select {
	case ev, ok := <-s.events:
		s.checkSaves()
		s.takeEvent(ev, ok)
		return true
	default:
		return false
	}
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
