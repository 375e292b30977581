package bridge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/metrics"
)

// toOutbox stores messages for a contact who cannot get them now and tells
// the user (see messageStatus).
func (s *session) toOutbox(c *contact, items []*outgoing) {
	why, until := s.queuedWhy(c.nick)
	s.enqueue(s.ctx, c, items, why, until)
}

// enqueue is toOutbox with the context of the writes and the reason and
// the wait the user is told.
func (s *session) enqueue(ctx context.Context, c *contact, items []*outgoing, why, until string) {
	stored := 0
	for _, o := range items {
		if o.outboxID != 0 {
			continue // already in the outbox
		}
		id, err := s.store.Enqueue(ctx, db.OutboxMessage{Account: s.account, Passport: c.passport, Kind: o.kind, Text: o.text, Queued: time.Now(), MsgID: o.msgid})
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
	// What is on its way already, in the query or in an older chat with
	// the contact that a newer one superseded, is not sent again.
	have := map[int64]bool{}
	sending := func(cv *conv) {
		for _, o := range cv.queue {
			if o.outboxID != 0 {
				have[o.outboxID] = true
			}
		}
	}
	sending(q)
	for _, cv := range s.convs.superseded(c.passport) {
		sending(cv)
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

// parkUnsent keeps what was not sent when the session ends, so that the
// next login sends it: a query's messages no piece of which was written
// yet, and those waiting to be left as offline messages, go to the
// outbox. One written and not acknowledged most likely arrived (the
// switchboard closes after it): sent again, the contact would read it
// twice. A group chat ends with the session: its messages are reported
// as not delivered.
func (s *session) parkUnsent(ctx context.Context) {
	// Superseded queries first: their messages are older.
	why := "Signed out of MSN before it was delivered"
	for _, cv := range append(s.convs.superseded(""), s.allConvs()...) {
		var left []*outgoing
		for _, o := range cv.queue {
			if !o.done && o.sent == 0 && o.written == 0 {
				left = append(left, o)
			}
		}
		cv.queue = nil
		if len(left) == 0 {
			continue
		}
		if cv.channel != "" {
			for _, o := range left {
				cv.failed(o, "the MSN session ended before it was sent")
			}
			continue
		}
		c := s.ensureContact(cv.peer, "")
		s.enqueue(ctx, c, left, why, "once you are signed in again and "+c.nick+" is online")
	}
	for _, m := range s.oim.outq {
		s.enqueue(ctx, m.c, []*outgoing{m.o}, why, "once you are signed in again and "+m.c.nick+" is online")
	}
	s.oim.outq = nil
}
