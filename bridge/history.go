package bridge

import (
	"context"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
)

// The history's write batches: the session stores the messages it
// recorded once historyBatch of them wait, or historyFlushDelay after the
// first, and everything before anything reads the history. A message of
// the user's waits for its outcome (delivered, queued, not delivered), so
// that it is stored with it rather than updated after: a write stores
// the messages up to the first one still waiting, and that one and those
// after it only once it waited outcomeWait, or maxHeldHistory messages
// wait in all.
const (
	historyBatch      = 256
	maxHeldHistory    = 2048                  // more than a full queue of the user's messages (backlog.go)
	historyFlushDelay = 10 * time.Millisecond // small batches keep the store's bursts of CPU short
	outcomeWait       = time.Second
	// historyPurgeEvery is how often a session deletes the messages older
	// than its retention.
	historyPurgeEvery = time.Hour
)

const riskHistory = "the message history may miss messages, and messages that arrive while no IRC client is connected may be lost or shown twice"

// historyStored is stored for the history's writes, except that one that
// succeeded does not count as the store working again: a full disk
// leaves room for the small updates of the history (an outcome, a
// cursor), and the user is still told once.
func (s *session) historyStored(err error, what string) bool {
	if err == nil {
		return true
	}
	return s.stored(err, what, riskHistory)
}

// historyState is the session's side of the message history. Owned by
// the session goroutine.
type historyState struct {
	pending []db.HistoryMessage // recorded, not stored yet
	live    []bool              // pending[i] reached a greeted, attached client
	settled int                 // how many of pending, from the first, wait for no outcome
	// outcomes and marks wait for the next write too, with the target
	// (nick or channel) each mark is announced to.
	outcomes    []db.HistoryOutcome
	marks       []db.HistoryMarker
	markTargets []string
	flushT      *time.Timer
	w           *historyWriter // stores the batches (historywriter.go)
	forget      forgetState    // msn forget's confirmation (historycmds.go)
	jobs        []historyJob   // slow work waiting for its turn (historyjobs.go)
	jobRunning  bool           // a job runs off the session goroutine
	searches    *rate.Limiter  // how often the account searches; nil until its first search
}

// historyOn reports whether the account's messages are stored.
func (s *session) historyOn() bool {
	_, on := s.historyKeep()
	return on
}

// historyKeep returns how many days of messages the account keeps (0:
// every message) and whether it keeps any (retention.go).
func (s *session) historyKeep() (days int, on bool) {
	return historyKeep(s.settings, s.b.cfg.HistoryDays)
}

// queryConversation is the conversation key of a query with passport.
func queryConversation(passport string) string { return strings.ToLower(passport) }

// convKey is the conversation key of cv: the group channel's name, or
// the contact's passport.
func (cv *conv) convKey() string {
	if cv.channel != "" {
		return strings.ToLower(cv.channel)
	}
	return queryConversation(cv.peer)
}

// deliverRecorded delivers a message of a conversation to the user's
// clients with a new msgid, and records it in the history: m comes from
// the contact sender (a passport), or from the user (m.Self, sent from
// another MSN endpoint) when kind is db.KindEndpoint. It reports whether
// m reached a client; with the history off, or was kept for the next.
func (s *session) deliverRecorded(m ircd.Message, conversation, sender, kind string) bool {
	return s.deliverRecordedAs(m, m.Text, conversation, sender, kind)
}

// deliverRecordedAs is deliverRecorded of a message whose text is stored
// as stored: what a client gets now may hold a secret the store must not
// (a download link).
func (s *session) deliverRecordedAs(m ircd.Message, stored, conversation, sender, kind string) bool {
	if m.Time.IsZero() {
		m.Time = time.Now()
	}
	if m.MsgID == "" {
		m.MsgID = ircd.NewMsgID()
	}
	live := s.attachedGreeted()
	if s.historyOn() {
		if m.Self || live {
			// A client may leave between the check and the delivery: a
			// message that reached no client stays for the next one.
			if n := s.world.Deliver(m); n == 0 {
				live = false
			}
		}
		// Otherwise the history keeps it for the next client (greet).
		nick, peer := m.From, ""
		if m.Self {
			nick, peer = s.world.Nick(), m.Target
		}
		s.record(db.HistoryMessage{Account: s.account, Conversation: conversation, MsgID: m.MsgID, Time: m.Time,
			Self: m.Self, Sender: sender, SenderNick: nick, PeerNick: peer, Command: m.Command, Text: stored, Kind: kind}, live)
		return live
	}
	if m.Self {
		return s.world.Deliver(m) > 0
	}
	return s.deliverOrKeep(m, stored)
}

// attachedGreeted reports whether a message delivered now reaches a
// client that had its replay.
func (s *session) attachedGreeted() bool {
	return len(s.replayKept.greeted) > 0 && s.world.ClientCount() > 0
}

// recordOwn records a message the user sent from an IRC client at time
// at (the echo's server-time; now when zero) to a conversation, under
// msgid, and moves the conversation's read marker to it. text is what the
// user wrote, cleaned.
func (s *session) recordOwn(conversation, target, msgid, command, text string, at time.Time) {
	if !s.historyOn() {
		return
	}
	now := at
	if now.IsZero() {
		now = time.Now()
	}
	h := &s.hist
	if i := slices.Index(h.markTargets, target); i >= 0 {
		h.marks[i].Time = now
	} else {
		h.marks = append(h.marks, db.HistoryMarker{Account: s.account, Conversation: conversation, Time: now})
		h.markTargets = append(h.markTargets, target)
	}
	s.record(db.HistoryMessage{Account: s.account, Conversation: conversation, MsgID: msgid, Time: now,
		Self: true, Sender: s.account, SenderNick: s.world.Nick(), PeerNick: target, Command: command, Text: text}, true)
}

// record adds a message to the history's next write batch.
func (s *session) record(m db.HistoryMessage, live bool) {
	h := &s.hist
	if h.forget.done {
		return
	}
	h.pending = append(h.pending, m)
	h.live = append(h.live, live)
	h.settle()
	s.flushSoon()
}

// awaitsOutcome reports whether m is a message the user sent from IRC
// whose outcome is not known yet.
func awaitsOutcome(m *db.HistoryMessage) bool {
	return m.Self && m.Kind == "" && m.Outcome == ""
}

// settle counts the messages that wait for no outcome, from the first.
func (h *historyState) settle() {
	for h.settled < len(h.pending) && !awaitsOutcome(&h.pending[h.settled]) {
		h.settled++
	}
}

// flushSoon writes the history's batch once it is full, and what is due
// historyFlushDelay from now (flushDue).
func (s *session) flushSoon() {
	h := &s.hist
	switch {
	case len(h.pending) >= maxHeldHistory:
		s.writeHistory(len(h.pending))
	case h.settled >= historyBatch || len(h.outcomes) >= historyBatch:
		s.writeHistory(h.settled)
	}
	s.armHistoryTimer()
}

// armHistoryTimer writes what waits historyFlushDelay from now.
func (s *session) armHistoryTimer() {
	h := &s.hist
	if h.flushT == nil && len(h.pending)+len(h.outcomes)+len(h.marks) > 0 {
		h.flushT = s.afterFunc(historyFlushDelay, func() {
			s.hist.flushT = nil
			s.flushDue()
		})
	}
}

// flushDue writes what waited historyFlushDelay: everything up to the
// first message waiting for its outcome, and everything once that one
// waited outcomeWait.
func (s *session) flushDue() {
	h := &s.hist
	n := h.settled
	if n < len(h.pending) && s.b.cfg.Now().Sub(h.pending[n].Time) >= outcomeWait {
		n = len(h.pending)
	}
	s.writeHistory(n)
	s.armHistoryTimer()
}

// flushHistory hands every recorded message, outcome and read marker to
// the history writer.
func (s *session) flushHistory() {
	h := &s.hist
	if h.flushT != nil {
		h.flushT.Stop()
		h.flushT = nil
	}
	s.writeHistory(len(h.pending))
}

// writeHistory hands the first n recorded messages, the outcomes and the
// read markers to the history writer.
func (s *session) writeHistory(n int) {
	h := &s.hist
	if n+len(h.outcomes)+len(h.marks) == 0 || h.forget.done || h.w.closed {
		return
	}
	op := historyOp{w: &db.HistoryWrite{Outcomes: h.outcomes, Markers: h.marks}, targets: h.markTargets, world: s.world}
	if n == len(h.pending) {
		op.w.Messages, op.live = h.pending, h.live
		h.pending, h.live = nil, nil
	} else {
		op.w.Messages, op.live = slices.Clone(h.pending[:n]), slices.Clone(h.live[:n])
		h.pending, h.live = dropFront(h.pending, n), dropFront(h.live, n)
	}
	h.settled = 0 // n is at least the settled messages
	h.settle()
	h.outcomes, h.marks, h.markTargets = nil, nil, nil
	h.w.add(op)
}

// syncHistory stores what the session recorded and waits until the
// writer did everything it was given, before the history is read; it
// returns the delivery cursor then.
func (s *session) syncHistory() historyCursor {
	s.flushHistory()
	if s.hist.w.closed {
		return historyCursor{}
	}
	return s.hist.w.sync()
}

// setOutcome records the outcome of the user's message msgid, in the
// batch when it waits there.
func (s *session) setOutcome(msgid, outcome string) {
	if msgid == "" || !s.historyOn() {
		return
	}
	h := &s.hist
	// Outcomes come in the order the messages were sent: the one waiting
	// first is the likeliest. A queued message may get a second outcome.
	for i := range h.pending {
		k := (h.settled + i) % len(h.pending)
		if h.pending[k].MsgID == msgid {
			h.pending[k].Outcome = outcome
			h.settle()
			s.flushSoon()
			return
		}
	}
	h.outcomes = append(h.outcomes, db.HistoryOutcome{Account: s.account, MsgID: msgid, Outcome: outcome})
	s.flushSoon()
}

// purgeHistory deletes the messages older than the account's retention,
// and every message when it keeps none, as a history job (a large purge
// takes seconds: about 15 µs a message); then, when not nil, runs on the
// session goroutine once it is done (at once when there is nothing to
// delete, or no room for the job: the next purge comes within the hour).
func (s *session) purgeHistory(then func()) {
	if then == nil {
		then = func() {}
	}
	days, on := s.historyKeep()
	if on && days == 0 {
		then()
		return
	}
	before := s.b.cfg.Now().Add(-time.Duration(days) * 24 * time.Hour)
	store, account := s.store, s.account
	var n int
	var err error
	queued := s.queueHistoryJob(func(ctx context.Context) {
		if !on {
			n, err = store.ClearHistory(ctx, account, "")
		} else {
			n, err = store.PurgeHistory(ctx, account, before)
		}
	}, func() {
		if s.historyStored(err, "deleting old history") && n > 0 {
			s.log.Info("deleted old messages from the history", "count", n, "days", days)
		}
		then()
	})
	if !queued {
		s.log.Debug("history purge skipped: too many history jobs waiting")
		then()
	}
}

// historyMessage is a stored message as ircd delivers it: from the
// contact's nick now (or the stored one when the contact is gone), to
// the channel of a group chat, and the user's own with Self.
func (s *session) historyMessage(m db.HistoryMessage) ircd.Message {
	out := ircd.Message{Command: m.Command, Text: mapping.CleanLine(m.Text, true), Time: m.Time, MsgID: m.MsgID}
	if strings.HasPrefix(m.Text, "\x01") {
		// A CTCP ACTION keeps its delimiters; the rest is cleaned.
		out.Text = m.Text
		if body, ok := strings.CutPrefix(m.Text, "\x01ACTION "); ok {
			out.Text = "\x01ACTION " + mapping.CleanLine(strings.TrimSuffix(body, "\x01"), true) + "\x01"
		}
	}
	channel := strings.HasPrefix(m.Conversation, "#")
	if m.Self {
		out.Self = true
		if channel {
			out.Target = m.Conversation
		} else {
			out.Target = s.nickOf(m.Conversation, "")
		}
		return out
	}
	out.From = s.nickOf(m.Sender, m.SenderNick)
	if channel {
		out.Target = m.Conversation
	}
	return out
}

// nickOf is the nick of the contact passport now, or stored when the
// world does not show them.
func (s *session) nickOf(passport, stored string) string {
	if c := s.contacts[strings.ToLower(passport)]; c != nil {
		return c.nick
	}
	if stored != "" {
		return mapping.CleanLine(stored, false)
	}
	if nick, err := s.store.ConversationNick(s.ctx, s.account, passport); err == nil {
		return mapping.CleanLine(nick, false)
	}
	return mapping.CleanLine(strings.SplitN(passport, "@", 2)[0], false)
}

// recordUserMessage gives the user's message o its msgid (the one ircd
// gave m, or a new one) and records it in the conversation with the
// contact c, or in the group chat cv. An ACTION is kept as its CTCP
// text, a nudge as the ACTION "sent a nudge".
func (s *session) recordUserMessage(cv *conv, c *contact, m ircd.Message, o *outgoing) {
	o.msgid = m.MsgID
	if o.msgid == "" {
		o.msgid = ircd.NewMsgID()
	}
	conversation, target := "", ""
	if c != nil {
		conversation, target = queryConversation(c.passport), c.nick
	} else {
		conversation, target = cv.convKey(), cv.channel
	}
	text := o.text
	switch o.kind {
	case "action":
		_, args, _ := mapping.ParseCTCP(m.Text)
		text = "\x01ACTION " + mapping.CleanLine(args, true) + "\x01"
	case "nudge":
		text = "\x01ACTION sent a nudge\x01"
	}
	s.recordOwn(conversation, target, o.msgid, m.Command, text, m.Time)
}
