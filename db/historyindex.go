package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/msn2irc/msn2irc/internal/irctext"
)

// IndexChunk is how many messages one IndexHistory call of a search adds
// to the full-text index: one transaction each, so that catching up with
// many messages never holds the write lock for long.
const IndexChunk = 1000

// The full-text index (message_fts) is not kept by the write path:
// storing a message costs a third of what indexing it too does. The
// messages after the id in message_fts_done are the ones not indexed
// yet; IndexHistory indexes them, oldest first, a chunk at a time, and
// SearchHistory calls it until the index holds every message stored
// when the search began, so that a message is found as soon as it is
// stored.

// ownerToken is the SQL of the token that stands for the account expr
// in the index's owner column: the hex of its lowercased address, one
// run of letters and digits, which the index's tokenizer keeps whole.
func ownerToken(expr string) string { return "hex(lower(" + expr + "))" }

// hasFormatting is the SQL condition of a message whose text holds an
// IRC formatting code (irctext.IsFormatCode). The index and the search
// see texts without their formatting, as a reader does: the tokenizer
// would take a colour's digits for the start of the word after it
// ("\x0312hello" as "12hello"), and split a word that a code cuts in two.
// Such a text is indexed by indexFormatted; the others, most of them,
// straight from SQL.
var hasFormatting = func() string {
	var or []string
	for c := rune(0); c < 0x20; c++ {
		if irctext.IsFormatCode(c) {
			or = append(or, fmt.Sprintf("instr(text, char(%d)) > 0", c))
		}
	}
	return "(" + strings.Join(or, " OR ") + ")"
}()

// indexFormatted adds to the full-text index, within tx, the messages
// with ids in (after, upTo] that hold formatting codes, without them.
func indexFormatted(ctx context.Context, tx *sql.Tx, after, upTo int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, `+ownerToken("account")+`, text FROM message
		WHERE id > ? AND id <= ? AND `+hasFormatting, after, upTo)
	if err != nil {
		return err
	}
	type doc struct {
		id          int64
		owner, text string
	}
	var docs []doc
	for rows.Next() {
		var d doc
		if err := rows.Scan(&d.id, &d.owner, &d.text); err != nil {
			rows.Close()
			return err
		}
		docs = append(docs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range docs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO message_fts (docid, owner, text) VALUES (?, ?, ?)`,
			d.id, d.owner, irctext.StripFormatting(d.text)); err != nil {
			return err
		}
	}
	return nil
}

// IndexHistory adds to the full-text index at most limit of the stored
// messages it does not hold yet, the oldest first, in one transaction,
// and says how many it added: fewer than limit when it caught up.
func (s *Store) IndexHistory(ctx context.Context, limit int) (int, error) {
	_, n, err := s.indexHistory(ctx, limit)
	return n, err
}

// indexHistory is IndexHistory, which also returns the id of the last
// message the index then holds.
func (s *Store) indexHistory(ctx context.Context, limit int) (done int64, n int, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("db: index history: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := tx.QueryRowContext(ctx, `SELECT id FROM message_fts_done`).Scan(&done); err != nil {
		return 0, 0, fmt.Errorf("db: index history: %w", err)
	}
	var upTo sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(id), count(*) FROM (SELECT id FROM message WHERE id > ? ORDER BY id LIMIT ?)`,
		done, limit).Scan(&upTo, &n); err != nil {
		return 0, 0, fmt.Errorf("db: index history: %w", err)
	}
	if n == 0 {
		return done, 0, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO message_fts (docid, owner, text)
		SELECT id, `+ownerToken("account")+`, text FROM message WHERE id > ? AND id <= ? AND NOT `+hasFormatting,
		done, upTo.Int64); err != nil {
		return 0, 0, fmt.Errorf("db: index history: %w", err)
	}
	if err := indexFormatted(ctx, tx, done, upTo.Int64); err != nil {
		return 0, 0, fmt.Errorf("db: index history: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE message_fts_done SET id = ?`, upTo.Int64); err != nil {
		return 0, 0, fmt.Errorf("db: index history: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("db: index history: %w", err)
	}
	return upTo.Int64, n, nil
}

// searchIndexMax bounds what a search indexes before it runs: the
// messages stored since the bridge's last round of indexing, normally a
// few seconds' worth. A longer backlog means the index is catching up
// (after an upgrade rebuilt it, or a long pause of the indexing): the
// search says so (*IndexingError) rather than index it all on the user's
// behalf, about 5 µs a message.
const searchIndexMax = 10 * IndexChunk

// IndexingError is a search's answer while the full-text index is
// catching up: Left messages (about) are not indexed yet.
type IndexingError struct{ Left int64 }

func (e *IndexingError) Error() string {
	return fmt.Sprintf("db: the history is still being indexed for search, about %d messages left", e.Left)
}

// catchUpIndex brings the full-text index up to date with every message
// stored when it is called, IndexChunk messages per transaction, unless
// more than limit are missing: then it indexes none and returns an
// *IndexingError.
func (s *Store) catchUpIndex(ctx context.Context, limit int64) error {
	var last, done int64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce((SELECT max(id) FROM message), 0), (SELECT id FROM message_fts_done)`).Scan(&last, &done); err != nil {
		return fmt.Errorf("db: index history: %w", err)
	}
	// Ids only grow, and deleted ones leave gaps: last - done is at most
	// the messages left.
	if left := last - done; left > limit {
		var n int64
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM message WHERE id > ?`, done).Scan(&n); err != nil {
			return fmt.Errorf("db: index history: %w", err)
		}
		if n > limit {
			return &IndexingError{Left: n}
		}
	}
	for {
		done, n, err := s.indexHistory(ctx, IndexChunk)
		if err != nil {
			return err
		}
		if n < IndexChunk || done >= last {
			return nil
		}
	}
}
