package bridge

import (
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// maxBatch bounds the actions and events run back to back before the
// switchboard writes they made are flushed.
const maxBatch = 64

// run is the session's goroutine, started with the session: it signs in,
// draws the world, then runs the session's work until the session ends,
// and shuts it down. Its work comes from one select:
//
//   - the first login: the client it creates (started) and how it ended
//     (logged), and the wait for the initial presence (firstSync);
//   - actions posted by the ircd Handler methods, by timers and by the
//     goroutines that wait on MSN requests;
//   - the events of the MSN client;
//   - a stop request, and the end of the session's context;
//   - the hourly purge of the history beyond its retention, and the
//     history writer's failures.
//
// Writes on switchboards are held while more work is ready and flushed
// once it ran out (or after maxBatch steps): a burst of messages costs one
// write per switchboard, a lone message goes out at once.
func (s *session) run() {
	s.hist.w = newHistoryWriter(s.store, s.account, s.log, s.b.cfg.RequestTimeout)
	defer s.hist.w.close() // when the first login failed; shutdown closes it otherwise
	s.loadState()
	s.startLogin()
	done := s.ctx.Done()
	purge := time.NewTicker(historyPurgeEvery)
	defer purge.Stop()
	n := 0
	for s.loggingIn || s.ending == "" {
		select {
		case err := <-s.hist.w.errs:
			s.historyStored(err, "storing the message history")
		case <-purge.C:
			if s.world != nil {
				s.purgeHistory(nil)
			}
		case c := <-s.started:
			s.first, s.events = c, c.Events()
		case r := <-s.logged:
			if !s.loggedIn(r) {
				return
			}
		case <-s.firstSync:
			s.becomeReady()
		case reason := <-s.stopCh:
			s.stopWith(reason)
		case <-done:
			// The bridge is closing; its stop request, when it sent one,
			// has the reason.
			done = nil
			reason := errShuttingDown.Error()
			select {
			case reason = <-s.stopCh:
			default:
			}
			s.stopWith(reason)
		case a := <-s.actions:
			s.checkSaves()
			a.run()
		case ev, ok := <-s.events:
			s.checkSaves()
			s.takeEvent(ev, ok)
		}
		s.checkBacklog()
		s.checkBounds()
		if n++; n >= maxBatch || len(s.actions) == 0 && len(s.events) == 0 {
			s.flushWrites()
			n = 0
		}
		if s.loggingIn {
			s.checkReady()
		}
		s.publishStats()
	}
	s.flushWrites()
	s.shutdown()
}

// stopWith ends the session with reason, unless it is ending already. A
// login in flight is cancelled: the loop ends once it returned.
func (s *session) stopWith(reason string) {
	if s.ending == "" {
		s.ending = reason
	}
	if s.loggingIn {
		s.cancel()
	}
}

// takeEvent handles an event of the MSN client, or the end of its events.
// Until the contact list begins to arrive there is no world to draw on:
// what comes before it waits in early.
func (s *session) takeEvent(ev msn.Event, ok bool) {
	if !ok {
		s.events = nil
		return
	}
	if s.world == nil {
		switch ev := ev.(type) {
		case msn.ContactsListed:
			s.openWorld(ev.Total)
		case msn.ContactListSynced:
			s.openWorld(len(ev.Contacts))
		default:
			s.early = append(s.early, ev)
			return
		}
	}
	s.handleEvent(ev)
}

// cork holds what the session writes on sb until the loop flushes.
func (s *session) cork(sb *msn.Switchboard) {
	for _, c := range s.convs.corked {
		if c == sb {
			return
		}
	}
	sb.Cork()
	s.convs.corked = append(s.convs.corked, sb)
}

// flushWrites writes what the loop held on each switchboard. A failed
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

// firstSyncWait bounds the wait for the initial presence once the first
// login returned.
const firstSyncWait = 5 * time.Second
