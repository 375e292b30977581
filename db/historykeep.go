package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/internal/irctext"
)

// deleteChunk is how many messages one statement of a purge deletes, so
// that a large purge never holds the write lock for long.
const deleteChunk = 1000

// ReadMarker returns the time up to which the account read the
// conversation; zero when never set.
func (s *Store) ReadMarker(ctx context.Context, account, conversation string) (time.Time, error) {
	var t int64
	err := s.db.QueryRowContext(ctx, `SELECT time FROM read_marker WHERE account = ? AND conversation = ?`,
		account, strings.ToLower(conversation)).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("db: read marker of %s for %s: %w", account, conversation, err)
	}
	return fromMillis(t), nil
}

// MarkRead moves the conversation's read marker to t unless it is
// already later, and returns the marker it now has. An account keeps at
// most MaxReadMarkers (see markRead).
func (s *Store) MarkRead(ctx context.Context, account, conversation string, t time.Time) (got time.Time, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return time.Time{}, fmt.Errorf("db: mark read %s for %s: %w", conversation, account, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if got, err = markRead(ctx, tx, account, conversation, t); err != nil {
		return time.Time{}, err
	}
	if err := tx.Commit(); err != nil {
		return time.Time{}, fmt.Errorf("db: mark read %s for %s: %w", conversation, account, err)
	}
	return got, nil
}

// DeliveryCursor returns the id of the last message confirmed delivered
// to a client of the account, and whether one was recorded.
func (s *Store) DeliveryCursor(ctx context.Context, account string) (int64, bool, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT message_id FROM delivery_cursor WHERE account = ?`, account).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("db: delivery cursor of %s: %w", account, err)
	}
	return id, true, nil
}

// setCursorSQL moves a delivery cursor forward, never back.
const setCursorSQL = `INSERT INTO delivery_cursor (account, message_id) VALUES (?, ?)
	ON CONFLICT (account) DO UPDATE SET message_id = max(message_id, excluded.message_id)`

// SetDeliveryCursor moves the account's delivery cursor to the message
// id, unless it is already further.
func (s *Store) SetDeliveryCursor(ctx context.Context, account string, id int64) error {
	if _, err := s.db.ExecContext(ctx, setCursorSQL, account, id); err != nil {
		return fmt.Errorf("db: delivery cursor of %s: %w", account, err)
	}
	return nil
}

// deleteMessages runs a DELETE of message ids chosen by sel (a SELECT id
// ... with args, without LIMIT) in chunks of deleteChunk, each its own
// statement, and returns how many went.
func (s *Store) deleteMessages(ctx context.Context, sel string, args ...any) (int, error) {
	total := 0
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM message WHERE id IN (`+sel+` LIMIT `+fmt.Sprint(deleteChunk)+`)`, args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += int(n)
		if n < deleteChunk {
			return total, nil
		}
	}
}

// PurgeHistory deletes the account's messages older than before, a
// chunk at a time, and says how many went.
func (s *Store) PurgeHistory(ctx context.Context, account string, before time.Time) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT conversation FROM history_conversation WHERE account = ?`, account)
	if err != nil {
		return 0, fmt.Errorf("db: purge history of %s: %w", account, err)
	}
	var convs []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return 0, fmt.Errorf("db: purge history of %s: %w", account, err)
		}
		convs = append(convs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("db: purge history of %s: %w", account, err)
	}
	total := 0
	for _, c := range convs {
		n, err := s.deleteMessages(ctx, `SELECT id FROM message WHERE account = ? AND conversation = ? AND time < ?`, account, c, millis(before))
		total += n
		if err != nil {
			return total, fmt.Errorf("db: purge history of %s: %w", account, err)
		}
	}
	// A conversation, and its read marker, goes with its last message:
	// not one that got a message meanwhile, older than before or not.
	for _, q := range []string{
		`DELETE FROM history_conversation WHERE account = ? AND latest < ? AND NOT EXISTS (SELECT 1 FROM message m
			WHERE m.account = history_conversation.account AND m.conversation = history_conversation.conversation)`,
		`DELETE FROM read_marker WHERE account = ? AND time < ? AND NOT EXISTS (SELECT 1 FROM message m
			WHERE m.account = read_marker.account AND m.conversation = read_marker.conversation)`,
	} {
		if _, err := s.db.ExecContext(ctx, q, account, millis(before)); err != nil {
			return total, fmt.Errorf("db: purge history of %s: %w", account, err)
		}
	}
	return total, nil
}

// HistoryAccounts returns the accounts that have a stored history.
func (s *Store) HistoryAccounts(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT account FROM history_conversation`)
	if err != nil {
		return nil, fmt.Errorf("db: accounts with a history: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("db: accounts with a history: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: accounts with a history: %w", err)
	}
	return out, nil
}

// ClearHistory deletes the account's messages with one conversation, or
// with every conversation when conversation is "", with their read
// markers, and says how many messages went. Only the messages stored
// before it began go: it may run beside the writes of new ones, which
// then stay, with their conversation's place in TARGETS.
func (s *Store) ClearHistory(ctx context.Context, account, conversation string) (int, error) {
	var last int64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM message`).Scan(&last); err != nil {
		return 0, fmt.Errorf("db: clear history of %s: %w", account, err)
	}
	var n int
	var err error
	if conversation == "" {
		n, err = s.deleteMessages(ctx, `SELECT id FROM message INDEXED BY message_account WHERE account = ? AND id <= ?`, account, last)
	} else {
		conversation = strings.ToLower(conversation)
		n, err = s.deleteMessages(ctx, `SELECT id FROM message WHERE account = ? AND conversation = ? AND id <= ?`, account, conversation, last)
	}
	if err != nil {
		return n, fmt.Errorf("db: clear history of %s: %w", account, err)
	}
	for _, q := range []string{
		`DELETE FROM history_conversation WHERE account = ? AND NOT EXISTS (SELECT 1 FROM message m
			WHERE m.account = history_conversation.account AND m.conversation = history_conversation.conversation)`,
		`DELETE FROM read_marker WHERE account = ?`,
	} {
		args := []any{account}
		if conversation != "" {
			q += ` AND conversation = ?`
			args = append(args, conversation)
		}
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			return n, fmt.Errorf("db: clear history of %s: %w", account, err)
		}
	}
	return n, nil
}

// accountTables are the tables with an account column, every one of
// them: ForgetAccount empties them all of an account's rows.
var accountTables = []string{
	"contact", "contact_snapshot", "contact_client", "setting", "pending", "outbox",
	"replay", "chat_counter", "machine_guid", "oim_seen",
	"history_conversation", "read_marker", "delivery_cursor", "own_picture", "received_file",
}

// EraseDue reports whether an account was forgotten since the files were
// last rewritten (EraseDeleted), before a restart too.
func (s *Store) EraseDue(ctx context.Context) (bool, error) {
	var due bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM erase_due)`).Scan(&due); err != nil {
		return false, fmt.Errorf("db: erase due: %w", err)
	}
	return due, nil
}

// EraseDeleted removes from the files the bytes of the rows deleted so
// far (erase), and clears EraseDue for the forgets it covered.
func (s *Store) EraseDeleted(ctx context.Context) error {
	start := time.Now().UnixMilli()
	if err := s.erase(ctx); err != nil {
		return fmt.Errorf("db: erase deleted rows: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM erase_due WHERE since <= ?`, start); err != nil {
		return fmt.Errorf("db: erase deleted rows: %w", err)
	}
	return nil
}

// erase removes from the files the bytes of the rows deleted so far.
// SQLite leaves them behind: in the free space of pages and in free
// pages, in the full-text index's segments (which keep a deleted
// message's words until they are merged), and in the WAL's copies of
// the pages it wrote. So erase merges the index into one segment (an
// optimize), rebuilds the database (VACUUM: every page written anew,
// the free ones dropped), and checkpoints and truncates the WAL. It
// rewrites the whole file, a few seconds for a million messages, and
// other writes wait meanwhile.
func (s *Store) erase(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO message_fts (message_fts) VALUES ('optimize')`); err != nil {
		return fmt.Errorf("merge the search index: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	// TRUNCATE waits (busy_timeout) for the reads in progress; busy is 1
	// when one still uses the WAL, which then keeps its copies until
	// the next checkpoint.
	var busy, logged, moved int
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		s.log.Warn("db: a read kept the WAL from being truncated: it holds copies of deleted rows until the next checkpoint")
	}
	return nil
}

// ForgetAccount deletes every row the store holds for account, in every
// table: its history (a chunk at a time), then the rest in one
// transaction, which also records that an erase is due: their bytes
// stay in the files until EraseDeleted.
func (s *Store) ForgetAccount(ctx context.Context, account string) (err error) {
	if account == "" {
		return errors.New("db: forget: empty account")
	}
	if _, err := s.ClearHistory(ctx, account, ""); err != nil {
		return fmt.Errorf("db: forget %s: %w", account, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: forget %s: %w", account, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	for _, table := range accountTables {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE account = ?`, account); err != nil {
			return fmt.Errorf("db: forget %s: %s: %w", account, table, err)
		}
	}
	// A message stored since ClearHistory goes too.
	if _, err := tx.ExecContext(ctx, `DELETE FROM message WHERE account = ?`, account); err != nil {
		return fmt.Errorf("db: forget %s: %w", account, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO erase_due (since) VALUES (?)`, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("db: forget %s: %w", account, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: forget %s: %w", account, err)
	}
	return nil
}

// maxSearchWords and maxSearchTokens bound a search: its words, and the
// tokens of all of them. FTS4 reads and merges a list of the messages
// holding each token, so a search costs about its tokens times the
// messages that hold them.
const (
	maxSearchWords  = 16
	maxSearchTokens = 32
)

// searchPhrases returns what a search for text looks for: the tokens of
// each word (see searchTokens), in order, for its first maxSearchWords
// words that have tokens, and maxSearchTokens tokens in all (the word
// that reaches the bound is cut there).
func searchPhrases(text string) [][]string {
	var phrases [][]string
	tokens := 0
	for _, w := range strings.Fields(text) {
		t := searchTokens(w)
		if len(t) == 0 {
			continue
		}
		t = t[:min(len(t), maxSearchTokens-tokens)]
		phrases = append(phrases, t)
		tokens += len(t)
		if len(phrases) == maxSearchWords || tokens == maxSearchTokens {
			break
		}
	}
	return phrases
}

// searchQuery turns the user's words, without their formatting, into an
// FTS4 query: each phrase of searchPhrases quoted, all of them required.
// It returns "" when no word is left.
func searchQuery(text string) string {
	var words []string
	for _, p := range searchPhrases(irctext.StripFormatting(text)) {
		words = append(words, `"`+strings.Join(p, " ")+`"`)
	}
	return strings.Join(words, " ")
}

// searchTokens splits a word as the index's "simple" tokenizer does: a
// token is a run of ASCII letters and digits and non-ASCII bytes. Every
// other byte splits, and never reaches the query, where some are
// operators even inside a phrase ('"', '*' for a prefix, '^' for the
// first token): "lunch*" is the word "lunch", not every word that begins
// with it.
func searchTokens(w string) []string {
	return strings.FieldsFunc(w, func(r rune) bool {
		return r < 0x80 && !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
}

// searchWindow is how many of the matches stored last a search sorts by
// time, beside the limit it returns. Messages are stored as they arrive,
// so the newest matches are among the last stored: only a message stored
// with a time older than its arrival (an offline message) breaks that
// order, and more than searchWindow of them after a newer one would be
// needed to miss it. A common word then costs a search the index's
// matches and searchWindow rows of the table, not every row it matches:
// 15 ms rather than 370 for a word in each of 300,000 messages.
const searchWindow = 1000

// SearchHistory returns the account's messages that contain every word
// of text (whole words, case-insensitive for ASCII), newest first, at
// most limit; within one conversation when conversation is not "". It
// first indexes the messages not indexed yet (see IndexHistory), or,
// when more than searchIndexMax are, returns an *IndexingError.
func (s *Store) SearchHistory(ctx context.Context, account, text, conversation string, limit int) ([]HistoryMessage, error) {
	q := searchQuery(text)
	if q == "" || account == "" {
		return nil, nil
	}
	if err := s.catchUpIndex(ctx, searchIndexMax); err != nil {
		var ie *IndexingError
		if errors.As(err, &ie) {
			return nil, err
		}
		return nil, fmt.Errorf("db: search history of %s: %w", account, err)
	}
	// The index yields its matches last stored first (docid is the
	// message's id), and the table is read for those alone.
	rows, err := s.read.QueryContext(ctx, `SELECT `+historyColumns+` FROM (
			SELECT m.id, m.account, m.conversation, m.msgid, m.time, m.self, m.sender, m.sender_nick, m.command, m.text, m.kind, m.outcome
			FROM message_fts f JOIN message m ON m.id = f.docid
			WHERE f.message_fts MATCH 'owner:' || `+ownerToken("?")+` || ' ' || ?
				AND m.account = ? AND (? = '' OR m.conversation = ?)
			ORDER BY f.docid DESC LIMIT ?)
		ORDER BY time DESC, id DESC LIMIT ?`,
		account, q, account, conversation, strings.ToLower(conversation), limit+searchWindow, limit)
	if err != nil {
		return nil, fmt.Errorf("db: search history of %s: %w", account, err)
	}
	defer rows.Close()
	ms, err := scanHistory(rows)
	if err != nil {
		return nil, fmt.Errorf("db: search history of %s: %w", account, err)
	}
	return ms, nil
}
