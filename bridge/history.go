package bridge

import (
	"context"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
)

// The history's write batches: the session stores the messages it
// recorded once historyBatch of them wait, or historyFlushDelay after the
// first, and before anything reads the history.
const (
	historyBatch      = 256
	historyFlushDelay = 100 * time.Millisecond
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
	flushT  *time.Timer
	// cursor is the delivery cursor: the id of the last stored message a
	// client is known to have got (cursorOK: it was read from the store).
	cursor   int64
	cursorOK bool
	// lastUnread is the id of the newest stored message that reached no
	// client: while it is after the cursor, messages delivered live do
	// not move the cursor past it, until a replay confirms it.
	lastUnread int64
	forget     forgetState // msn forget's confirmation (historycmds.go)
}

// historyOn reports whether the account's messages are stored.
func (s *session) historyOn() bool {
	_, on := s.historyKeep()
	return on
}

// historyKeep returns how many days of messages the account keeps (0:
// every message) and whether it keeps any: the user's history_days,
// within the operator's HistoryDays.
func (s *session) historyKeep() (days int, on bool) {
	limit := s.b.cfg.HistoryDays
	if !s.settings.HistoryDaysSet {
		return limit, true
	}
	days = s.settings.HistoryDays
	if days == 0 {
		return 0, false
	}
	if limit > 0 && days > limit {
		days = limit
	}
	return days, true
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
// another MSN endpoint) when kind is db.KindEndpoint.
func (s *session) deliverRecorded(m ircd.Message, conversation, sender, kind string) {
	if m.Time.IsZero() {
		m.Time = time.Now()
	}
	if m.MsgID == "" {
		m.MsgID = ircd.NewMsgID()
	}
	live := s.attachedGreeted()
	if s.historyOn() {
		nick := m.From
		if m.Self {
			nick = s.world.Nick()
		}
		s.record(db.HistoryMessage{Account: s.account, Conversation: conversation, MsgID: m.MsgID, Time: m.Time,
			Self: m.Self, Sender: sender, SenderNick: nick, Command: m.Command, Text: m.Text, Kind: kind}, live)
		if m.Self || live {
			s.world.Deliver(m)
		}
		// Otherwise the history keeps it for the next client (greet).
		return
	}
	if m.Self {
		s.world.Deliver(m)
		return
	}
	s.deliver(m)
}

// attachedGreeted reports whether a message delivered now reaches a
// client that had its replay.
func (s *session) attachedGreeted() bool {
	return len(s.replayKept.greeted) > 0 && s.world.ClientCount() > 0
}

// recordOwn records a message the user sent from an IRC client to a
// conversation, under msgid, and moves the conversation's read marker to
// it. text is what the user wrote, cleaned.
func (s *session) recordOwn(conversation, target, msgid, command, text string) {
	if !s.historyOn() {
		return
	}
	now := time.Now()
	s.record(db.HistoryMessage{Account: s.account, Conversation: conversation, MsgID: msgid, Time: now,
		Self: true, Sender: s.account, SenderNick: s.world.Nick(), Command: command, Text: text}, true)
	t, err := s.store.MarkRead(s.ctx, s.account, conversation, now)
	if s.historyStored(err, "moving the read marker") {
		s.world.AnnounceReadMarker(target, t)
	}
}

// record adds a message to the history's next write batch.
func (s *session) record(m db.HistoryMessage, live bool) {
	h := &s.hist
	if h.forget.done {
		return
	}
	h.pending = append(h.pending, m)
	h.live = append(h.live, live)
	if len(h.pending) >= historyBatch {
		s.flushHistory(s.ctx)
		return
	}
	if h.flushT == nil {
		h.flushT = s.afterFunc(historyFlushDelay, func() {
			s.hist.flushT = nil
			s.flushHistory(s.ctx)
		})
	}
}

// flushHistory stores the recorded messages, and moves the delivery
// cursor over those that reached a client live when no message before
// them waits for a replay.
func (s *session) flushHistory(ctx context.Context) {
	h := &s.hist
	if h.flushT != nil {
		h.flushT.Stop()
		h.flushT = nil
	}
	if len(h.pending) == 0 || h.forget.done {
		return
	}
	// The cursor is read before the first messages are stored: they
	// come after it.
	s.loadCursor(ctx)
	ms, live := h.pending, h.live
	h.pending, h.live = nil, nil
	if !s.historyStored(s.store.AddHistory(ctx, ms), "storing the message history") {
		return
	}
	upTo := h.cursor
	for i, m := range ms {
		switch {
		case m.ID == 0: // known already
		case !live[i]:
			h.lastUnread = m.ID
		case h.lastUnread <= upTo:
			upTo = m.ID
		}
	}
	if upTo > h.cursor {
		s.moveCursor(ctx, upTo)
	}
}

// loadCursor reads the delivery cursor once; an account without one
// starts it at its newest stored message.
func (s *session) loadCursor(ctx context.Context) {
	h := &s.hist
	if h.cursorOK {
		return
	}
	id, ok, err := s.store.DeliveryCursor(ctx, s.account)
	if err != nil {
		s.log.Warn("reading the delivery cursor", "err", err)
		return
	}
	h.cursor, h.cursorOK = id, true
	// Anything stored after it reached no client yet.
	last, err := s.store.LastHistoryID(ctx, s.account)
	if err != nil {
		s.log.Warn("reading the history", "err", err)
	}
	if !ok {
		// An account without a cursor starts it at its newest message.
		h.cursor = last
		s.moveCursor(ctx, last)
	}
	h.lastUnread = last
}

// moveCursor moves the delivery cursor to the message id.
func (s *session) moveCursor(ctx context.Context, id int64) {
	if s.historyStored(s.store.SetDeliveryCursor(ctx, s.account, id), "moving the delivery cursor") {
		s.hist.cursor = max(s.hist.cursor, id)
	}
}

// setOutcome records the outcome of the user's message msgid, in the
// batch when it waits there.
func (s *session) setOutcome(msgid, outcome string) {
	if msgid == "" || !s.historyOn() {
		return
	}
	for i := range s.hist.pending {
		if s.hist.pending[i].MsgID == msgid {
			s.hist.pending[i].Outcome = outcome
			return
		}
	}
	s.historyStored(s.store.SetOutcome(s.ctx, s.account, msgid, outcome), "recording a message's outcome")
}

// purgeHistory deletes the messages older than the account's retention,
// and every message when it keeps none.
func (s *session) purgeHistory() {
	days, on := s.historyKeep()
	if on && days == 0 {
		return
	}
	s.flushHistory(s.ctx)
	var n int
	var err error
	if !on {
		n, err = s.store.ClearHistory(s.ctx, s.account, "")
	} else {
		n, err = s.store.PurgeHistory(s.ctx, s.account, s.b.cfg.Now().Add(-time.Duration(days)*24*time.Hour))
	}
	if s.historyStored(err, "deleting old history") && n > 0 {
		s.log.Info("deleted old messages from the history", "count", n, "days", days)
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
	s.recordOwn(conversation, target, o.msgid, m.Command, text)
}
