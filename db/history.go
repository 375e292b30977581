package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// The kinds of a history message (HistoryMessage.Kind).
const (
	KindMessage  = "message"  // said in a chat, or sent by the user from IRC
	KindOIM      = "oim"      // an offline message
	KindEndpoint = "endpoint" // the user's own, sent from another MSN endpoint
)

// The outcomes of a message the user sent (HistoryMessage.Outcome); ""
// for other messages, and for one whose outcome is not known yet.
const (
	OutcomeDelivered    = "delivered"
	OutcomeQueued       = "queued" // in the outbox, or stored on the MSN server
	OutcomeNotDelivered = "not_delivered"
)

// HistoryMessage is one message of a conversation's history.
type HistoryMessage struct {
	ID      int64 // set by the store
	Account string
	// Conversation is the contact's passport for a query, the channel
	// name ("#chat-N") for a group chat; stored lowercased.
	Conversation string
	MsgID        string // unique per account
	Time         time.Time
	Self         bool   // the user sent it
	Sender       string // the sender's passport; the user's own for Self
	SenderNick   string // the sender's nick when it was sent
	// PeerNick is, for the user's own message in a query, the contact's
	// nick then: it names the conversation (HistoryTargets,
	// ConversationByNick) when the contact never wrote back. Not stored
	// with the message.
	PeerNick string
	Command  string // PRIVMSG or NOTICE (an ACTION is kept as its CTCP text)
	Text     string
	Kind     string // KindMessage, KindOIM or KindEndpoint; "" is KindMessage
	Outcome  string // OutcomeDelivered, ... or ""
}

// HistoryPos is a place in the order of a conversation's messages,
// (time, id). A message is at (its time, its ID); Before(t) and After(t)
// are the places just before and just after every message at time t.
type HistoryPos struct {
	Time time.Time
	ID   int64
}

// PosBefore returns the place before every message at t.
func PosBefore(t time.Time) HistoryPos { return HistoryPos{Time: t, ID: 0} }

// PosAfter returns the place after every message at t.
func PosAfter(t time.Time) HistoryPos { return HistoryPos{Time: t, ID: math.MaxInt64} }

// HistoryRange asks for messages of one conversation strictly between
// two places.
type HistoryRange struct {
	Account, Conversation string
	// After and Before bound the range, both excluded; a zero one means
	// no bound.
	After, Before HistoryPos
	// Newest takes the newest Limit messages of the range, otherwise the
	// oldest.
	Newest bool
	Limit  int
}

// millis is t as stored: Unix milliseconds.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis reads a stored time.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

const historyColumns = `id, account, conversation, msgid, time, self, sender, sender_nick, command, text, kind, outcome`

func scanHistory(rows *sql.Rows) ([]HistoryMessage, error) {
	var ms []HistoryMessage
	for rows.Next() {
		var m HistoryMessage
		var t int64
		if err := rows.Scan(&m.ID, &m.Account, &m.Conversation, &m.MsgID, &t, &m.Self, &m.Sender, &m.SenderNick, &m.Command, &m.Text, &m.Kind, &m.Outcome); err != nil {
			return nil, err
		}
		m.Time = fromMillis(t)
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

// HistoryWrite is one batch of writes to the history, stored in one
// transaction by WriteHistory.
type HistoryWrite struct {
	// Messages are stored in the order given; WriteHistory sets the ID
	// of each. A message whose msgid the account already has is skipped
	// (its ID stays 0).
	Messages []HistoryMessage
	// Outcomes are applied after the messages, so that they reach one
	// of the same batch.
	Outcomes []HistoryOutcome
	// Markers move read markers, each unless it is later already;
	// WriteHistory sets each Time to the marker the conversation then
	// has.
	Markers []HistoryMarker
	// Delivered is how many of Messages, from the first, reached a
	// client: the delivery cursor of CursorAccount moves, in the same
	// transaction, to the last of them that was stored, unless it is
	// further already. No cursor moves when CursorAccount is "".
	CursorAccount string
	Delivered     int
}

// HistoryOutcome is the outcome of the user's message MsgID.
type HistoryOutcome struct {
	Account, MsgID, Outcome string
}

// HistoryMarker is a read marker of a conversation.
type HistoryMarker struct {
	Account, Conversation string
	Time                  time.Time
}

// AddHistory stores messages in one transaction, as WriteHistory.
func (s *Store) AddHistory(ctx context.Context, ms []HistoryMessage) error {
	return s.WriteHistory(ctx, &HistoryWrite{Messages: ms})
}

// WriteHistory stores w in one transaction. Each conversation's latest
// time and the contact's nick (SenderNick of its messages not Self) are
// kept for HistoryTargets and ConversationNick.
func (s *Store) WriteHistory(ctx context.Context, w *HistoryWrite) (err error) {
	if len(w.Messages) == 0 && len(w.Outcomes) == 0 && len(w.Markers) == 0 {
		return nil
	}
	for _, m := range w.Messages {
		if m.Account == "" || m.Conversation == "" || m.MsgID == "" {
			return fmt.Errorf("db: add history: account, conversation and msgid are required (%q, %q, %q)", m.Account, m.Conversation, m.MsgID)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: add history: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := addMessages(ctx, tx, w.Messages); err != nil {
		return err
	}
	if err := setOutcomes(ctx, tx, w.Outcomes); err != nil {
		return err
	}
	for i, m := range w.Markers {
		got, err := markRead(ctx, tx, m.Account, m.Conversation, m.Time)
		if err != nil {
			return err
		}
		w.Markers[i].Time = got
	}
	if err := moveCursor(ctx, tx, w); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: add history: %w", err)
	}
	return nil
}

// moveCursor moves the delivery cursor over the delivered messages of w
// that were stored (their ID set).
func moveCursor(ctx context.Context, tx *sql.Tx, w *HistoryWrite) error {
	if w.CursorAccount == "" {
		return nil
	}
	var id int64
	for _, m := range w.Messages[:min(w.Delivered, len(w.Messages))] {
		id = max(id, m.ID)
	}
	if id == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, setCursorSQL, w.CursorAccount, id); err != nil {
		return fmt.Errorf("db: delivery cursor of %s: %w", w.CursorAccount, err)
	}
	return nil
}

// markReadSQL moves a read marker unless it is later already, and
// returns the marker.
const markReadSQL = `INSERT INTO read_marker (account, conversation, time) VALUES (?, ?, ?)
	ON CONFLICT (account, conversation) DO UPDATE SET time = max(time, excluded.time)
	RETURNING time`

// convLatest is what a batch changes of one conversation.
type convLatest struct {
	account, conv, nick string
	latest              int64
}

// addMessages inserts ms and updates their conversations, once each.
func addMessages(ctx context.Context, tx *sql.Tx, ms []HistoryMessage) error {
	if len(ms) == 0 {
		return nil
	}
	if err := insertMessages(ctx, tx, ms); err != nil {
		return err
	}
	var convs []convLatest
	for _, m := range ms {
		c := strings.ToLower(m.Conversation)
		nick := m.SenderNick
		if m.Self {
			nick = m.PeerNick
		}
		if strings.HasPrefix(c, "#") {
			nick = ""
		}
		j := slices.IndexFunc(convs, func(cl convLatest) bool { return cl.account == m.Account && cl.conv == c })
		if j < 0 {
			convs = append(convs, convLatest{account: m.Account, conv: c})
			j = len(convs) - 1
		}
		convs[j].latest = max(convs[j].latest, millis(m.Time))
		if nick != "" {
			convs[j].nick = nick
		}
	}
	for _, cl := range convs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO history_conversation (account, conversation, nick, latest) VALUES (?1, ?2, ?3, ?4)
			ON CONFLICT (account, conversation) DO UPDATE SET
				latest = max(latest, excluded.latest),
				nick = CASE WHEN excluded.nick <> '' THEN excluded.nick ELSE nick END`,
			cl.account, cl.conv, cl.nick, cl.latest); err != nil {
			return fmt.Errorf("db: add history of %s: %w", cl.account, err)
		}
	}
	return nil
}

// SetOutcome records the outcome of the user's message msgid.
func (s *Store) SetOutcome(ctx context.Context, account, msgid, outcome string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE message SET outcome = ? WHERE account = ? AND msgid = ?`, outcome, account, msgid); err != nil {
		return fmt.Errorf("db: outcome of %s of %s: %w", msgid, account, err)
	}
	return nil
}

// HistoryByMsgID returns the account's message msgid, or ErrNotFound.
func (s *Store) HistoryByMsgID(ctx context.Context, account, msgid string) (HistoryMessage, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+historyColumns+` FROM message WHERE account = ? AND msgid = ?`, account, msgid)
	if err != nil {
		return HistoryMessage{}, fmt.Errorf("db: message %s of %s: %w", msgid, account, err)
	}
	defer rows.Close()
	ms, err := scanHistory(rows)
	if err != nil {
		return HistoryMessage{}, fmt.Errorf("db: message %s of %s: %w", msgid, account, err)
	}
	if len(ms) == 0 {
		return HistoryMessage{}, fmt.Errorf("db: message %s of %s: %w", msgid, account, ErrNotFound)
	}
	return ms[0], nil
}

// History returns the messages r asks for, oldest first.
func (s *Store) History(ctx context.Context, r HistoryRange) ([]HistoryMessage, error) {
	if r.Limit <= 0 {
		return nil, nil
	}
	afterT, afterID := int64(math.MinInt64), int64(0)
	if r.After != (HistoryPos{}) {
		afterT, afterID = millis(r.After.Time), r.After.ID
	}
	beforeT, beforeID := int64(math.MaxInt64), int64(math.MaxInt64)
	if r.Before != (HistoryPos{}) {
		beforeT, beforeID = millis(r.Before.Time), r.Before.ID
	}
	order := "ASC"
	if r.Newest {
		order = "DESC"
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+historyColumns+` FROM message
		WHERE account = ? AND conversation = ? AND (time, id) > (?, ?) AND (time, id) < (?, ?)
		ORDER BY time `+order+`, id `+order+` LIMIT ?`,
		r.Account, strings.ToLower(r.Conversation), afterT, afterID, beforeT, beforeID, r.Limit)
	if err != nil {
		return nil, fmt.Errorf("db: history of %s with %s: %w", r.Account, r.Conversation, err)
	}
	defer rows.Close()
	ms, err := scanHistory(rows)
	if err != nil {
		return nil, fmt.Errorf("db: history of %s with %s: %w", r.Account, r.Conversation, err)
	}
	if r.Newest {
		for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
			ms[i], ms[j] = ms[j], ms[i]
		}
	}
	return ms, nil
}

// ConversationLatest is a conversation and the time of its newest
// message in a HistoryTargets window.
type ConversationLatest struct {
	Conversation string
	Nick         string // the contact's last nick, for a query
	Latest       time.Time
}

// HistoryTargets lists the account's conversations with messages from
// from to to (inclusive, either order), each with its newest message in
// that window, newest first, at most limit.
func (s *Store) HistoryTargets(ctx context.Context, account string, from, to time.Time, limit int) ([]ConversationLatest, error) {
	lo, hi := millis(from), millis(to)
	if lo > hi {
		lo, hi = hi, lo
	}
	rows, err := s.read.QueryContext(ctx, `SELECT conversation, nick, latest FROM (
			SELECT c.conversation, c.nick,
				(SELECT max(m.time) FROM message m WHERE m.account = c.account AND m.conversation = c.conversation
					AND m.time BETWEEN ?2 AND ?3) AS latest
			FROM history_conversation c WHERE c.account = ?1 AND c.latest >= ?2)
		WHERE latest IS NOT NULL ORDER BY latest DESC, conversation LIMIT ?4`, account, lo, hi, limit)
	if err != nil {
		return nil, fmt.Errorf("db: history targets of %s: %w", account, err)
	}
	defer rows.Close()
	var cs []ConversationLatest
	for rows.Next() {
		var c ConversationLatest
		var t int64
		if err := rows.Scan(&c.Conversation, &c.Nick, &t); err != nil {
			return nil, fmt.Errorf("db: history targets of %s: %w", account, err)
		}
		c.Latest = fromMillis(t)
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: history targets of %s: %w", account, err)
	}
	return cs, nil
}

// ConversationNick returns the nick the contact of a query had in its
// latest stored message, or ErrNotFound.
func (s *Store) ConversationNick(ctx context.Context, account, conversation string) (string, error) {
	var nick string
	err := s.db.QueryRowContext(ctx, `SELECT nick FROM history_conversation WHERE account = ? AND conversation = ?`,
		account, strings.ToLower(conversation)).Scan(&nick)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && nick == "") {
		return "", fmt.Errorf("db: conversation %s of %s: %w", conversation, account, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("db: conversation %s of %s: %w", conversation, account, err)
	}
	return nick, nil
}

// ConversationByNick returns the query conversation (passport) whose
// contact last had nick (ascii casemapping), or ErrNotFound.
func (s *Store) ConversationByNick(ctx context.Context, account, nick string) (string, error) {
	var conv string
	err := s.db.QueryRowContext(ctx, `SELECT conversation FROM history_conversation WHERE account = ? AND nick = ? COLLATE NOCASE
		ORDER BY latest DESC LIMIT 1`, account, nick).Scan(&conv)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("db: conversation with %s of %s: %w", nick, account, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("db: conversation with %s of %s: %w", nick, account, err)
	}
	return conv, nil
}

// HistoryTail returns the newest limit of the account's messages stored
// after the message id afterID, in the order stored, and how many older
// ones stored after afterID it leaves out: what the replay delivers after
// the delivery cursor, in two statements whatever the backlog.
func (s *Store) HistoryTail(ctx context.Context, account string, afterID int64, limit int) ([]HistoryMessage, int, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+historyColumns+` FROM (
			SELECT * FROM message INDEXED BY message_account WHERE account = ? AND id > ? ORDER BY id DESC LIMIT ?)
		ORDER BY id`, account, afterID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("db: history of %s since %d: %w", account, afterID, err)
	}
	defer rows.Close()
	ms, err := scanHistory(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("db: history of %s since %d: %w", account, afterID, err)
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM message INDEXED BY message_account WHERE account = ? AND id > ?`,
		account, afterID).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("db: history of %s since %d: %w", account, afterID, err)
	}
	return ms, max(0, n-len(ms)), nil
}

// LastHistoryID returns the id of the account's newest stored message, 0
// when it has none.
func (s *Store) LastHistoryID(ctx context.Context, account string) (int64, error) {
	var id sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(id) FROM message INDEXED BY message_account WHERE account = ?`, account).Scan(&id); err != nil {
		return 0, fmt.Errorf("db: last message of %s: %w", account, err)
	}
	return id.Int64, nil
}
