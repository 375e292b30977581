package mapping

import (
	"fmt"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
)

// DefaultMaxReplay is how many messages are kept per account, by default,
// while no IRC client is attached (keep_online); older ones are dropped and
// the next client is told how many.
const DefaultMaxReplay = 1000

// replayKept tracks the messages of a session kept for replay. Owned by the
// session goroutine.
type replayKept struct {
	ids     []int64 // kept messages, oldest first; valid when loaded
	loaded  bool    // ids reflects the store
	dropped int     // older messages dropped to stay within the bound
}

// deliver sends a message to the attached clients, or keeps it for the
// next client when none is attached.
func (s *session) deliver(m ircd.Message) {
	if m.Time.IsZero() {
		m.Time = time.Now()
	}
	if s.world.ClientCount() == 0 && m.Command != "TAGMSG" {
		s.keep(m)
		return
	}
	s.world.Deliver(m)
}

// keep stores a message for replay, dropping the oldest kept messages
// beyond the bound first, so that the store never holds more than the
// bound.
func (s *session) keep(m ircd.Message) {
	r := &s.replayKept
	if !r.loaded {
		// The store may hold messages from before this session: count them.
		msgs, err := s.store.Replay(s.ctx, s.account)
		if err != nil {
			s.log.Warn("reading kept messages", "err", err)
		} else {
			r.ids = r.ids[:0]
			for _, km := range msgs {
				r.ids = append(r.ids, km.ID)
			}
			r.loaded = true
		}
	}
	if over := len(r.ids) + 1 - s.b.cfg.MaxReplay; r.loaded && over > 0 {
		if err := s.store.DeleteReplay(s.ctx, s.account, r.ids[over-1]); s.stored(err, "dropping the oldest kept messages", riskKept) {
			r.dropped += over
			r.ids = append(r.ids[:0], r.ids[over:]...)
		}
	}
	id, err := s.store.SaveReplay(s.ctx, db.StoredMessage{Account: s.account, From: m.From, Target: m.Target, Command: m.Command, Text: m.Text, Time: m.Time})
	if !s.stored(err, "keeping a message for replay", riskKept) {
		return
	}
	if r.loaded {
		r.ids = append(r.ids, id)
	}
}

// replay delivers the messages kept while no client was attached, after
// saying how many older ones were dropped.
func (s *session) replay() {
	if r := &s.replayKept; r.loaded && len(r.ids) == 0 && r.dropped == 0 {
		return // nothing kept
	}
	msgs, err := s.store.Replay(s.ctx, s.account)
	if err != nil {
		s.log.Warn("reading kept messages", "err", err)
		return
	}
	r := &s.replayKept
	dropped := r.dropped
	if over := len(msgs) - s.b.cfg.MaxReplay; over > 0 {
		// Kept by an earlier run with a larger bound.
		dropped += over
		msgs = msgs[over:]
	}
	if dropped > 0 {
		s.world.Deliver(ircd.Message{Command: "NOTICE", From: ServiceNick, Target: ContactsChannel, Time: time.Now(),
			Text: fmt.Sprintf("%d older message(s) that arrived while no IRC client was connected were dropped: at most %d are kept. The newest %d follow.",
				dropped, s.b.cfg.MaxReplay, len(msgs))})
	}
	*r = replayKept{ids: r.ids[:0], loaded: true}
	if len(msgs) == 0 {
		return
	}
	for _, m := range msgs {
		s.world.Deliver(ircd.Message{Command: m.Command, From: m.From, Target: m.Target, Text: m.Text, Time: m.Time})
	}
	if err := s.store.DeleteReplay(s.ctx, s.account, msgs[len(msgs)-1].ID); !s.stored(err, "deleting replayed messages", riskKept) {
		r.loaded = false // count what is left the next time
	}
}
