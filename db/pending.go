package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// MaxPending is how many authorization requests are stored per account:
// beyond it, the oldest are dropped (anyone can add the user, as often as
// they like).
const MaxPending = 1000

// AuthRequest is someone who added the user to their contact list and waits
// for the user to accept or deny.
type AuthRequest struct {
	// ID identifies the request while it is stored: it does not change
	// when other requests come or go. Set by the store.
	ID                              int64
	Account, Passport, FriendlyName string
	Received                        time.Time
	// Announced: the user was told of the request (MarkAnnounced). A
	// request stored again keeps it.
	Announced bool
}

// AddPending stores an authorization request. Adding the same passport
// again keeps the first Received time and updates the friendly name when the
// new one is not empty. A zero Received means now. The account keeps at most
// MaxPending requests: the oldest stored beyond that are dropped, and the log
// says so. The friendly name is cut to MaxFriendlyNameBytes.
func (s *Store) AddPending(ctx context.Context, r AuthRequest) error {
	if r.Account == "" || r.Passport == "" {
		return fmt.Errorf("db: add pending %q of %q: account and passport are required", r.Passport, r.Account)
	}
	r.FriendlyName = cutName(r.FriendlyName)
	if r.Received.IsZero() {
		r.Received = now()
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO pending (account, passport, friendly_name, received) VALUES (?, ?, ?, ?)
		ON CONFLICT (account, passport) DO UPDATE SET
			friendly_name = CASE WHEN excluded.friendly_name <> '' THEN excluded.friendly_name ELSE friendly_name END`,
		r.Account, r.Passport, r.FriendlyName, timeText(r.Received))
	if err != nil {
		return fmt.Errorf("db: add pending %s of %s: %w", r.Passport, r.Account, err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pending WHERE account = ?`, r.Account).Scan(&n); err != nil {
		return fmt.Errorf("db: count pending of %s: %w", r.Account, err)
	}
	if n <= MaxPending {
		return nil
	}
	_, err = s.db.ExecContext(ctx,
		`DELETE FROM pending WHERE rowid IN (
			SELECT rowid FROM pending WHERE account = ? ORDER BY rowid LIMIT ?)`,
		r.Account, n-MaxPending)
	if err != nil {
		return fmt.Errorf("db: drop the oldest pending of %s: %w", r.Account, err)
	}
	s.log.Info("dropped the oldest authorization requests beyond the limit",
		"account", r.Account, "dropped", n-MaxPending, "limit", MaxPending)
	return nil
}

// Pending returns the account's unanswered authorization requests, oldest
// first.
func (s *Store) Pending(ctx context.Context, account string) ([]AuthRequest, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT rowid, account, passport, friendly_name, received, announced FROM pending
		WHERE account = ? ORDER BY rowid`, account)
	if err != nil {
		return nil, fmt.Errorf("db: pending of %s: %w", account, err)
	}
	defer rows.Close()
	var rs []AuthRequest
	for rows.Next() {
		var r AuthRequest
		var received string
		if err := rows.Scan(&r.ID, &r.Account, &r.Passport, &r.FriendlyName, &received, &r.Announced); err != nil {
			return nil, fmt.Errorf("db: pending of %s: %w", account, err)
		}
		if r.Received, err = parseTime(received); err != nil {
			return nil, fmt.Errorf("db: pending of %s: %w", account, err)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: pending of %s: %w", account, err)
	}
	// Stored text times do not sort as text (RFC 3339 trims trailing
	// zeros), so order here; rowid order breaks ties.
	slices.SortStableFunc(rs, func(a, b AuthRequest) int { return a.Received.Compare(b.Received) })
	return rs, nil
}

// DeletePending forgets an authorization request (it was answered).
// Deleting one that is not stored is not an error.
func (s *Store) DeletePending(ctx context.Context, account, passport string) error {
	_, err := s.db.ExecContext(ctx,
		`DELETE FROM pending WHERE account = ? AND passport = ?`, account, passport)
	if err != nil {
		return fmt.Errorf("db: delete pending %s of %s: %w", passport, account, err)
	}
	return nil
}

// MarkAnnounced records that the user was told of the account's requests
// from these passports, so that they are not announced again.
func (s *Store) MarkAnnounced(ctx context.Context, account string, passports []string) error {
	if len(passports) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: mark pending of %s announced: %w", account, err)
	}
	defer tx.Rollback()
	for _, p := range passports {
		if _, err := tx.ExecContext(ctx, `UPDATE pending SET announced = 1 WHERE account = ? AND passport = ?`, account, p); err != nil {
			return fmt.Errorf("db: mark pending %s of %s announced: %w", p, account, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: mark pending of %s announced: %w", account, err)
	}
	return nil
}

// PendingAnnounced reports whether the account's request from passport
// was announced; false when none is stored.
func (s *Store) PendingAnnounced(ctx context.Context, account, passport string) (bool, error) {
	var announced bool
	err := s.db.QueryRowContext(ctx, `SELECT announced FROM pending WHERE account = ? AND passport = ?`, account, passport).Scan(&announced)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("db: pending %s of %s: %w", passport, account, err)
	}
	return announced, nil
}

// MaxFriendlyNameBytes bounds a friendly name the store keeps of someone
// not yet a contact: MSN allows 387 bytes URL-encoded, which is never
// longer decoded, but nothing stops a server or client sending a name as
// long as a command line (16 KiB), and anyone may ask to add the user.
const MaxFriendlyNameBytes = 387

// cutName returns name cut to at most MaxFriendlyNameBytes, at a
// character boundary.
func cutName(name string) string {
	if len(name) <= MaxFriendlyNameBytes {
		return name
	}
	name = name[:MaxFriendlyNameBytes]
	for len(name) > 0 {
		r, size := utf8.DecodeLastRuneInString(name)
		if r != utf8.RuneError || size != 1 {
			break
		}
		name = name[:len(name)-1]
	}
	return name
}
