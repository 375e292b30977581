package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Messages are inserted, and outcomes set, several rows to a statement:
// stepping one statement of 64 rows costs much less than 64 statements
// of one row (each binds its arguments, runs its own VDBE program and,
// for an insert, updates sqlite_sequence). A batch is cut greedily into
// statements of these sizes, largest first, so that a batch of up to 256
// takes at most a dozen statements, from four texts that stay in the
// connection's statement cache (_stmt_cache_size): they are run with
// ExecContext, which takes them from the cache, and never prepared
// apart, which would parse them again on every call.
var insertSizes = [...]int{64, 16, 4, 1}

// sizeFor returns the index in insertSizes of the largest size that n
// rows fill.
func sizeFor(n int) int {
	k := 0
	for insertSizes[k] > n {
		k++
	}
	return k
}

// messageColumns is how many variables one inserted message binds; a
// statement of 64 rows binds 704, well within SQLite's limit of 32766.
const messageColumns = 11

// insertSQL holds the INSERT statement of insertSizes[i] rows.
var insertSQL = func() (qs [len(insertSizes)]string) {
	for i, n := range insertSizes {
		var b strings.Builder
		b.WriteString(`INSERT INTO message (account, conversation, msgid, time, self, sender, sender_nick, command, text, kind, outcome) VALUES `)
		for r := range n {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		}
		b.WriteString(` ON CONFLICT (account, msgid) DO NOTHING`)
		qs[i] = b.String()
	}
	return qs
}()

// insertMessages inserts ms, in order, and sets the ID of each one
// stored; one whose msgid the account has already is skipped (its ID
// stays 0).
func insertMessages(ctx context.Context, tx *sql.Tx, ms []HistoryMessage) error {
	args := make([]any, 0, insertSizes[0]*messageColumns)
	for len(ms) > 0 {
		k := sizeFor(len(ms))
		chunk := ms[:insertSizes[k]]
		ms = ms[insertSizes[k]:]
		args = args[:0]
		for _, m := range chunk {
			kind := m.Kind
			if kind == "" {
				kind = KindMessage
			}
			args = append(args, m.Account, strings.ToLower(m.Conversation), m.MsgID, millis(m.Time), m.Self,
				m.Sender, m.SenderNick, m.Command, m.Text, kind, m.Outcome)
		}
		res, err := tx.ExecContext(ctx, insertSQL[k], args...)
		if err != nil {
			return fmt.Errorf("db: add history of %s: %w", chunk[0].Account, err)
		}
		if err := setInsertedIDs(ctx, tx, chunk, res); err != nil {
			return err
		}
	}
	return nil
}

// setInsertedIDs sets the IDs of the messages of chunk that one INSERT
// stored. The rows a statement stores get ids above every id before it,
// in the order of its VALUES; when it stored every row, they are the
// consecutive ids up to the last one. When it skipped some (msgids stored
// already), the ids of the stored ones are read back: the newest rows of
// the table, matched in order to the messages they hold.
func setInsertedIDs(ctx context.Context, tx *sql.Tx, chunk []HistoryMessage, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("db: add history: %w", err)
	}
	if n == 0 {
		return nil
	}
	last, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("db: add history: %w", err)
	}
	if n == int64(len(chunk)) {
		for i := range chunk {
			chunk[i].ID = last - n + 1 + int64(i)
		}
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, account, msgid FROM (
			SELECT id, account, msgid FROM message WHERE id <= ? ORDER BY id DESC LIMIT ?)
		ORDER BY id`, last, n)
	if err != nil {
		return fmt.Errorf("db: add history: %w", err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var id int64
		var account, msgid string
		if err := rows.Scan(&id, &account, &msgid); err != nil {
			return fmt.Errorf("db: add history: %w", err)
		}
		// A skipped message has a msgid its account had before this
		// statement, or earlier in it: it never matches a row stored
		// after it.
		for i < len(chunk) && (chunk[i].Account != account || chunk[i].MsgID != msgid) {
			i++
		}
		if i == len(chunk) {
			return fmt.Errorf("db: add history: stored message %s of %s not in its batch", msgid, account)
		}
		chunk[i].ID = id
		i++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("db: add history: %w", err)
	}
	return nil
}
