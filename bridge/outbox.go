package bridge

import (
	"errors"
	"fmt"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/metrics"
)

// toOutbox stores messages for a contact who cannot get them now and tells
// the user (see messageStatus).
func (s *session) toOutbox(c *contact, items []*outgoing) {
	stored := 0
	for _, o := range items {
		if o.outboxID != 0 {
			continue // already in the outbox
		}
		id, err := s.store.Enqueue(s.ctx, db.OutboxMessage{Account: s.account, Passport: c.passport, Kind: o.kind, Text: o.text, Queued: time.Now(), MsgID: o.msgid})
		if errors.Is(err, db.ErrOutboxFull) {
			lost := &conv{s: s, peer: c.passport}
			lost.failed(o, "it could not be queued: "+db.ErrOutboxFull.Error()+"; msn outbox lists the queued messages, msn outbox clear empties it")
			continue
		}
		if !s.stored(err, "queueing a message", riskOutbox) {
			lost := &conv{s: s, peer: c.passport} // names the contact in the report
			lost.failed(o, "it could not be queued: "+db.Reason(err))
			continue
		}
		o.outboxID = id
		s.setOutcome(o.msgid, db.OutcomeQueued)
		stored++
		s.b.cfg.Metrics.Delivery(metrics.Queued)
	}
	if stored == 0 {
		return
	}
	why, until := s.queuedWhy(c.nick)
	msg := fmt.Sprintf("%s: message queued; it will be delivered %s (\"outbox\" lists the queue).", why, until)
	if stored > 1 {
		msg = fmt.Sprintf("%s: %d messages queued; they will be delivered %s (\"outbox\" lists the queue).", why, stored, until)
	}
	s.messageStatus(statusQueued, c.nick, msg)
}

// flushOutbox delivers, in order, what waits for a contact who came online.
func (s *session) flushOutbox(c *contact) {
	if s.client == nil {
		return
	}
	msgs, err := s.store.Outbox(s.ctx, s.account, c.passport)
	if err != nil {
		s.log.Warn("reading the outbox", "err", err)
		return
	}
	if len(msgs) == 0 {
		return
	}
	q := s.queryFor(c.passport)
	have := map[int64]bool{}
	for _, o := range q.queue {
		if o.outboxID != 0 {
			have[o.outboxID] = true
		}
	}
	var items []*outgoing
	for _, m := range msgs {
		if !have[m.ID] {
			items = append(items, &outgoing{kind: m.Kind, text: m.Text, outboxID: m.ID, msgid: m.MsgID})
		}
	}
	if len(items) == 0 {
		return
	}
	// Outbox messages are older than anything queued now.
	// Those being sent stay first.
	n := 0
	for n < len(q.queue) && q.queue[n].written > 0 {
		n++
	}
	q.queue = append(q.queue[:n:n], append(items, q.queue[n:]...)...)
	s.messageStatus(statusDelivering, c.nick, fmt.Sprintf("%s is online: delivering %d queued message(s).", c.nick, len(items)))
	q.pump()
}
