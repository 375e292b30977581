package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Outbox message kinds.
const (
	KindText   = "text"
	KindAction = "action"
	KindNudge  = "nudge"
)

// OutboxMessage is a message for a contact who was offline, waiting to be
// delivered when they come online.
type OutboxMessage struct {
	ID       int64
	Account  string
	Passport string
	Kind     string // "text", "action", "nudge"
	Text     string
	Queued   time.Time
	MsgID    string // the message's msgid in the history; "" when none
}

// MaxOutbox is how many messages an account's outbox holds, all
// contacts together.
const MaxOutbox = 1000

// ErrOutboxFull means the account's outbox holds MaxOutbox messages.
var ErrOutboxFull = fmt.Errorf("the outbox is full (%d messages)", MaxOutbox)

// Enqueue appends a message to the outbox and returns its ID. ID is
// ignored; a zero Queued means now. It fails with ErrOutboxFull when the
// account's outbox holds MaxOutbox messages.
func (s *Store) Enqueue(ctx context.Context, m OutboxMessage) (int64, error) {
	if m.Account == "" || m.Passport == "" {
		return 0, fmt.Errorf("db: enqueue for %q of %q: account and passport are required", m.Passport, m.Account)
	}
	switch m.Kind {
	case KindText, KindAction, KindNudge:
	default:
		return 0, fmt.Errorf("db: enqueue for %s of %s: unknown kind %q", m.Passport, m.Account, m.Kind)
	}
	if m.Queued.IsZero() {
		m.Queued = now()
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO outbox (account, passport, kind, text, queued, msgid)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE (SELECT count(*) FROM outbox WHERE account = ?1) < ?7`,
		m.Account, m.Passport, m.Kind, m.Text, timeText(m.Queued), m.MsgID, MaxOutbox)
	if err != nil {
		return 0, fmt.Errorf("db: enqueue for %s of %s: %w", m.Passport, m.Account, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return 0, fmt.Errorf("db: enqueue for %s of %s: %w", m.Passport, m.Account, ErrOutboxFull)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("db: enqueue for %s of %s: %w", m.Passport, m.Account, err)
	}
	return id, nil
}

// Outbox returns the queued messages of the account for passport, or for
// every contact when passport is "", in the order they were queued.
func (s *Store) Outbox(ctx context.Context, account, passport string) ([]OutboxMessage, error) {
	var (
		rows *sql.Rows
		err  error
	)
	const cols = `SELECT id, account, passport, kind, text, queued, msgid FROM outbox `
	if passport == "" {
		rows, err = s.db.QueryContext(ctx, cols+`WHERE account = ? ORDER BY id`, account)
	} else {
		rows, err = s.db.QueryContext(ctx, cols+`WHERE account = ? AND passport = ? ORDER BY id`, account, passport)
	}
	if err != nil {
		return nil, fmt.Errorf("db: outbox of %s: %w", account, err)
	}
	defer rows.Close()
	var ms []OutboxMessage
	for rows.Next() {
		var m OutboxMessage
		var queued string
		if err := rows.Scan(&m.ID, &m.Account, &m.Passport, &m.Kind, &m.Text, &queued, &m.MsgID); err != nil {
			return nil, fmt.Errorf("db: outbox of %s: %w", account, err)
		}
		if m.Queued, err = parseTime(queued); err != nil {
			return nil, fmt.Errorf("db: outbox of %s: %w", account, err)
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: outbox of %s: %w", account, err)
	}
	return ms, nil
}

// DeleteOutbox removes one message (it was delivered). Deleting a message
// that is not queued is not an error.
func (s *Store) DeleteOutbox(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id); err != nil {
		return fmt.Errorf("db: delete outbox message %d: %w", id, err)
	}
	return nil
}

// ClearOutbox removes the account's queued messages for passport, or for
// every contact when passport is "", and returns how many were removed.
func (s *Store) ClearOutbox(ctx context.Context, account, passport string) (int, error) {
	var (
		res sql.Result
		err error
	)
	if passport == "" {
		res, err = s.db.ExecContext(ctx, `DELETE FROM outbox WHERE account = ?`, account)
	} else {
		res, err = s.db.ExecContext(ctx, `DELETE FROM outbox WHERE account = ? AND passport = ?`, account, passport)
	}
	if err != nil {
		return 0, fmt.Errorf("db: clear outbox of %s: %w", account, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("db: clear outbox of %s: %w", account, err)
	}
	return int(n), nil
}
