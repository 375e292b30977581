package bridge

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
)

var _ ircd.Historian = (*handler)(nil)

// History answers CHATHISTORY from the store, after storing what the
// session recorded. Only what needs the session's state runs on the
// session goroutine: storing what it recorded and naming the
// conversation before the query, naming the senders after it. The query
// runs on the calling goroutine (the store is safe for concurrent use),
// so that the session goes on meanwhile.
func (h *handler) History(ctx context.Context, c *ircd.Client, q ircd.HistoryQuery) ([]ircd.Message, error) {
	var conv string
	err := h.do(ctx, func() error {
		h.s.syncHistory() // what was recorded before the request is stored before it is read
		var err error
		conv, err = h.s.historyConversation(q.Target, q.TargetAccount)
		if err != nil {
			return historyTargetError(q.Subcommand, q.Target)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// account and store never change once the session exists.
	ms, err := queryHistory(ctx, h.s.store, h.s.account, conv, q)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	out := make([]ircd.Message, 0, len(ms))
	err = h.do(ctx, func() error {
		for _, m := range ms {
			out = append(out, h.s.historyMessage(m))
		}
		return nil
	})
	return out, err
}

// HistoryTargets lists the conversations with messages between from and
// to, newest first.
func (h *handler) HistoryTargets(ctx context.Context, c *ircd.Client, from, to time.Time, limit int) ([]ircd.HistoryTarget, error) {
	// The query runs off the session, as History's does: its cost grows
	// with the account's conversations.
	if err := h.do(ctx, func() error { h.s.syncHistory(); return nil }); err != nil {
		return nil, err
	}
	cs, err := h.s.store.HistoryTargets(ctx, h.s.account, from, to, limit)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	out := make([]ircd.HistoryTarget, 0, len(cs))
	err = h.do(ctx, func() error {
		for _, c := range cs {
			target := c.Conversation
			if !strings.HasPrefix(target, "#") {
				target = h.s.nickOf(c.Conversation, c.Nick)
			}
			out = append(out, ircd.HistoryTarget{Target: target, Latest: c.Latest})
		}
		return nil
	})
	return out, err
}

// ReadMarker returns the read marker of the conversation with target.
func (h *handler) ReadMarker(ctx context.Context, c *ircd.Client, target, targetAccount string) (time.Time, error) {
	var t time.Time
	err := h.do(ctx, func() error {
		h.s.syncHistory()
		conv, err := h.s.markerConversation(target, targetAccount)
		if err != nil {
			return historyTargetError("MARKREAD", target)
		}
		t, err = h.s.store.ReadMarker(ctx, h.s.account, conv)
		return err
	})
	return t, err
}

// MarkRead moves the read marker of the conversation with target to t,
// unless it is later already.
func (h *handler) MarkRead(ctx context.Context, c *ircd.Client, target, targetAccount string, t time.Time) (time.Time, error) {
	var got time.Time
	err := h.do(ctx, func() error {
		h.s.syncHistory()
		conv, err := h.s.markerConversation(target, targetAccount)
		if err != nil {
			return historyTargetError("MARKREAD", target)
		}
		got, err = h.s.store.MarkRead(ctx, h.s.account, conv, t)
		return err
	})
	return got, err
}

var errNoConversation = errors.New("no such conversation")

func historyTargetError(sub, target string) error {
	return &ircd.HistoryError{Code: "INVALID_TARGET", Context: []string{sub, target}, Text: "No such conversation"}
}

// markerConversation is the key a read marker of target is kept under:
// its conversation's (historyConversation), or for the contacts channel
// and the service user, whose messages the history does not keep, their
// own name (no passport or group channel is spelt so). Clients mark them
// read too, and the account's other clients follow.
func (s *session) markerConversation(target, account string) (string, error) {
	switch t := mapping.Casefold(target); t {
	case mapping.Casefold(ContactsChannel), mapping.Casefold(mapping.ServiceNick):
		return t, nil
	}
	return s.historyConversation(target, account)
}

// historyConversation is the conversation key of a CHATHISTORY or
// MARKREAD target: a group channel's name, or the passport of the contact
// a nick names (the account ircd resolved, a contact of the session, or
// the nick a stored conversation last had).
func (s *session) historyConversation(target, account string) (string, error) {
	switch {
	case strings.HasPrefix(target, "#"):
		return strings.ToLower(target), nil
	case strings.HasPrefix(target, "&"), mapping.Casefold(target) == mapping.Casefold(mapping.ServiceNick):
		return "", errNoConversation
	case account != "":
		return queryConversation(account), nil
	}
	if c := s.nicks[mapping.Casefold(target)]; c != nil {
		return queryConversation(c.passport), nil
	}
	conv, err := s.store.ConversationByNick(s.ctx, s.account, target)
	if err != nil {
		return "", errNoConversation
	}
	return conv, nil
}

// queryHistory runs a CHATHISTORY subcommand on the conversation conv of
// account in store. A msgid of another conversation gives no messages;
// one the history does not have (a line never kept: an echo of what MSN
// was not sent, a notice) places the reference at the time it carries.
func queryHistory(ctx context.Context, store Store, account, conv string, q ircd.HistoryQuery) ([]db.HistoryMessage, error) {
	r := db.HistoryRange{Account: account, Conversation: conv, Limit: q.Limit}
	// before and after place a reference: just before (after) the
	// message it names, or every message at its time. ok is false for a
	// msgid the conversation does not have; err, when the store could
	// not tell.
	resolve := func(ref ircd.HistoryRef) (before, after db.HistoryPos, ok bool, err error) {
		if ref.MsgID == "" {
			return db.PosBefore(ref.Time), db.PosAfter(ref.Time), true, nil
		}
		m, err := store.HistoryByMsgID(ctx, account, ref.MsgID)
		if errors.Is(err, db.ErrNotFound) {
			if t, ok := ircd.MsgIDTime(ref.MsgID); ok {
				return db.PosBefore(t), db.PosAfter(t), true, nil
			}
			return db.HistoryPos{}, db.HistoryPos{}, false, nil
		}
		if err == nil && m.Conversation != conv {
			return db.HistoryPos{}, db.HistoryPos{}, false, nil
		}
		if err != nil {
			return db.HistoryPos{}, db.HistoryPos{}, false, err
		}
		p := db.HistoryPos{Time: m.Time, ID: m.ID}
		return p, p, true, nil
	}
	from, fromAfter, ok, err := resolve(q.From)
	if err != nil {
		return nil, err
	}
	if !ok && !q.From.IsZero() {
		return nil, nil
	}
	switch q.Subcommand {
	case "LATEST":
		r.Newest = true
		if !q.From.IsZero() {
			r.After = fromAfter
		}
	case "BEFORE":
		r.Before, r.Newest = from, true
	case "AFTER":
		r.After = fromAfter
	case "AROUND":
		r.Before, r.Newest, r.Limit = from, true, q.Limit/2
		before, err := store.History(ctx, r)
		if err != nil {
			return nil, err
		}
		// The rest from the reference on: the message it names, or the
		// first at its time.
		after := db.HistoryRange{Account: account, Conversation: conv, Limit: q.Limit - len(before)}
		after.After = from
		if from.ID > 0 {
			after.After.ID = from.ID - 1
		}
		rest, err := store.History(ctx, after)
		if err != nil {
			return nil, err
		}
		return append(before, rest...), nil
	case "BETWEEN":
		to, toAfter, ok, err := resolve(q.To)
		if err != nil || !ok {
			return nil, err
		}
		if from.Time.Before(to.Time) || from.Time.Equal(to.Time) && from.ID <= to.ID {
			r.After, r.Before = fromAfter, to
		} else {
			r.After, r.Before, r.Newest = toAfter, from, true
		}
	default:
		return nil, &ircd.HistoryError{Code: "INVALID_PARAMS", Context: []string{q.Subcommand}, Text: "Unknown subcommand"}
	}
	return store.History(ctx, r)
}
