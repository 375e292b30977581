package bridge

import (
	"fmt"
	"slices"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
)

// DefaultMaxReplay is how many messages are kept per account, by default,
// while no IRC client is attached (keep_online); older ones are dropped and
// the next client is told how many.
const DefaultMaxReplay = 1000

// replayKept tracks the messages of a session kept for replay. Owned by the
// session goroutine.
//
// Kept messages are deleted from the store only once a client has read
// them: after replaying them to a client, the session asks it to confirm
// (ircd.Client.Confirm, a PING after the replayed lines), and deletes them
// when it answers. A client that drops or never answers deletes nothing,
// and the next client gets them all again.
type replayKept struct {
	ids     []int64 // kept messages, oldest first; valid when loaded
	loaded  bool    // ids reflects the store
	dropped int     // older messages dropped to stay within the bound, not told to any client yet
	// told is how many dropped messages replays told of that no client
	// confirmed yet; the next replay tells them again.
	told int
	// greeted are the attached clients the session has greeted (and
	// replayed to): each gets the kept messages at most once.
	greeted []*ircd.Client
}

// deliver sends a message to the attached clients, or keeps it for the
// next client when none the session greeted is attached (or the last
// left meanwhile): a client that attached and has not had its replay yet
// gets the message after the kept ones, in its replay. It reports
// whether m reached a client or was kept. A TAGMSG is never kept.
func (s *session) deliver(m ircd.Message) bool { return s.deliverOrKeep(m, m.Text) }

// deliverOrKeep is deliver of a message kept, when no client takes it,
// with the text stored: what a client gets now may hold a secret the
// store must not (a download link).
func (s *session) deliverOrKeep(m ircd.Message, stored string) bool {
	if m.Time.IsZero() {
		m.Time = time.Now()
	}
	if m.Command == "TAGMSG" {
		return s.world.Deliver(m) > 0
	}
	if len(s.replayKept.greeted) > 0 && s.world.ClientCount() > 0 && s.world.Deliver(m) > 0 {
		return true
	}
	m.Text = stored
	return s.keep(m)
}

// keep stores a message for replay, dropping the oldest kept messages
// beyond the bound first, so that the store never holds more than the
// bound. It reports whether m was stored.
func (s *session) keep(m ircd.Message) bool {
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
	if m.MsgID == "" {
		m.MsgID = ircd.NewMsgID()
	}
	id, err := s.store.SaveReplay(s.ctx, db.StoredMessage{Account: s.account, From: m.From, Target: m.Target, Command: m.Command, Text: m.Text, Time: m.Time, MsgID: m.MsgID})
	if !s.stored(err, "keeping a message for replay", riskKept) {
		return false
	}
	if r.loaded {
		r.ids = append(r.ids, id)
	}
	return true
}

// greet replays to a client that finished its burst the messages kept
// while no client was attached, after saying how many older ones were
// dropped, and asks it to confirm it read them; confirmReplay deletes them
// then. The replay is one action of the session: a message that arrives
// meanwhile is delivered after it.
//
// Every client gets the messages kept when it attaches and not yet
// confirmed by any client, once. So a second client that attaches while
// the first is replaying (or before the first answered) gets the same kept
// messages after its own welcome, and whichever answers first has them
// deleted; messages that came while the first client was attached reach
// both as usual, and the second may get those before its replay. A client
// that attaches after one confirmed gets no replay.
func (s *session) greet(c *ircd.Client) {
	r := &s.replayKept
	if slices.Contains(r.greeted, c) {
		return
	}
	r.greeted = append(r.greeted, c)
	s.replayKeptTo(c)
	s.replayHistory(c)
}

// replayKeptTo replays the messages kept in the replay queue to c (see
// greet).
func (s *session) replayKeptTo(c *ircd.Client) {
	r := &s.replayKept
	if r.loaded && len(r.ids) == 0 && r.dropped == 0 && r.told == 0 {
		return // nothing kept
	}
	msgs, err := s.store.Replay(s.ctx, s.account)
	if err != nil {
		s.log.Warn("reading kept messages", "err", err)
		return
	}
	r.ids = r.ids[:0]
	for _, m := range msgs {
		r.ids = append(r.ids, m.ID)
	}
	r.loaded = true
	r.told += r.dropped
	r.dropped = 0
	// Messages beyond the bound were kept by an earlier run with a larger
	// one: they are not replayed, and deleted with the replayed ones.
	over := max(0, len(msgs)-s.b.cfg.MaxReplay)
	msgs = msgs[over:]
	if r.told+over > 0 {
		s.world.DeliverTo(c, ircd.Message{Command: "NOTICE", From: mapping.ServiceNick, Target: ContactsChannel, Time: time.Now(),
			Text: fmt.Sprintf("%d older message(s) that arrived while no IRC client was connected were dropped: at most %d are kept. The newest %d follow.",
				r.told+over, s.b.cfg.MaxReplay, len(msgs))})
	} else if len(msgs) == 0 {
		return
	}
	for _, m := range msgs {
		s.world.DeliverTo(c, ircd.Message{Command: m.Command, From: m.From, Target: m.Target, Text: m.Text, Time: m.Time, MsgID: m.MsgID})
	}
	var upTo int64 // the last message replayed; those kept later stay
	if len(msgs) > 0 {
		upTo = msgs[len(msgs)-1].ID
	}
	c.Confirm(func() { s.post(func() { s.confirmReplay(upTo) }) })
}

// confirmReplay deletes the kept messages up to upTo: a client read them.
func (s *session) confirmReplay(upTo int64) {
	r := &s.replayKept
	r.told = 0
	if upTo == 0 {
		return
	}
	if err := s.store.DeleteReplay(s.ctx, s.account, upTo); !s.stored(err, "deleting replayed messages", riskKept) {
		r.loaded = false // count what is left the next time
		return
	}
	n := 0
	for _, id := range r.ids {
		if id > upTo {
			r.ids[n] = id
			n++
		}
	}
	r.ids = r.ids[:n]
}

// ungreet forgets a client that left.
func (s *session) ungreet(c *ircd.Client) {
	r := &s.replayKept
	if i := slices.Index(r.greeted, c); i >= 0 {
		r.greeted = slices.Delete(r.greeted, i, i+1)
	}
}

// replayHistory replays to c, a client that does not fetch history itself
// (no draft/chathistory), the history's messages after the delivery
// cursor: what reached no client, with their original times and msgids.
// The cursor moves once c confirms it read them. At most MaxReplay are
// replayed, the newest; the user is told how many older ones the history
// keeps.
func (s *session) replayHistory(c *ircd.Client) {
	if !s.historyOn() || c.HasCap("draft/chathistory") {
		return
	}
	cur := s.syncHistory()
	if !cur.ok || cur.lastUnread <= cur.cursor {
		return
	}
	msgs, skipped, err := s.store.HistoryTail(s.ctx, s.account, cur.cursor, s.b.cfg.MaxReplay)
	if err != nil {
		s.log.Warn("reading the history to replay", "err", err)
		return
	}
	if len(msgs) == 0 {
		return
	}
	if skipped > 0 {
		s.world.DeliverTo(c, ircd.Message{Command: "NOTICE", From: mapping.ServiceNick, Target: ContactsChannel, Time: time.Now(),
			Text: fmt.Sprintf("%d older message(s) arrived while no IRC client was connected: they are in the history (\"search\" finds them). The newest %d follow.",
				skipped, len(msgs))})
	}
	for _, m := range msgs {
		s.world.DeliverTo(c, s.historyMessage(m))
	}
	upTo := msgs[len(msgs)-1].ID
	c.Confirm(func() { s.post(func() { s.confirmHistory(upTo) }) })
}

// confirmHistory moves the delivery cursor to upTo: a client read the
// replay up to there. When every message stored since reached a client
// live, the cursor moves over them too.
func (s *session) confirmHistory(upTo int64) {
	s.flushHistory()
	if !s.hist.w.closed && !s.hist.forget.done {
		s.hist.w.add(historyOp{confirm: upTo})
	}
}
