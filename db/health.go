package db

import (
	"context"
	"fmt"
	"time"
)

// probePad is the size of the probe row's padding: larger than a page, so
// that writing a new probe row needs pages of its own and fails, as other
// writes would, once the file cannot grow (a full disk, or FillForTest).
const probePad = 8192

// Probe checks that the store takes writes: in one committed transaction
// it adds a probe row and then deletes the older ones. The new row is
// written before the old ones are freed, so that it cannot reuse their
// pages and a full store fails the probe. It keeps one row.
func (s *Store) Probe(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: probe: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO probe (time, pad) VALUES (?, zeroblob(?))`,
		time.Now().UTC().Format(time.RFC3339Nano), probePad)
	if err != nil {
		return fmt.Errorf("db: probe: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("db: probe: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM probe WHERE id <> ?`, id); err != nil {
		return fmt.Errorf("db: probe: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: probe: %w", err)
	}
	return nil
}

// OutboxSize counts the messages waiting in the outbox, all accounts.
func (s *Store) OutboxSize(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE account <> ?`, fillAccount).Scan(&n); err != nil {
		return 0, fmt.Errorf("db: outbox size: %w", err)
	}
	return n, nil
}
