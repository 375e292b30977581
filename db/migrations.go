package db

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations[i] upgrades the schema from version i to i+1; PRAGMA
// user_version holds the number applied. The list is append-only: never edit
// or reorder an entry once it has been released, add a new one instead.
//
// Accounts and passports are COLLATE NOCASE (e-mail addresses); nicks are
// COLLATE NOCASE too, which folds exactly the ASCII letters: the IRC ascii
// casemapping.
var migrations = []string{
	// 1: contacts and settings.
	`CREATE TABLE contact (
		account       TEXT NOT NULL COLLATE NOCASE,
		passport      TEXT NOT NULL COLLATE NOCASE,
		nick          TEXT NOT NULL COLLATE NOCASE CHECK (nick <> ''),
		friendly_name TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (account, passport),
		UNIQUE (account, nick)
	);
	CREATE TABLE setting (
		account      TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
		nick_source  TEXT NOT NULL DEFAULT 'passport',
		show_offline INTEGER NOT NULL DEFAULT 1,
		keep_online  INTEGER NOT NULL DEFAULT 0
	);`,

	// 2: authorization requests and the outbox.
	`CREATE TABLE pending (
		account       TEXT NOT NULL COLLATE NOCASE,
		passport      TEXT NOT NULL COLLATE NOCASE,
		friendly_name TEXT NOT NULL DEFAULT '',
		received      TEXT NOT NULL,
		PRIMARY KEY (account, passport)
	);
	CREATE TABLE outbox (
		id       INTEGER PRIMARY KEY AUTOINCREMENT,
		account  TEXT NOT NULL COLLATE NOCASE,
		passport TEXT NOT NULL COLLATE NOCASE,
		kind     TEXT NOT NULL CHECK (kind IN ('text', 'action', 'nudge')),
		text     TEXT NOT NULL DEFAULT '',
		queued   TEXT NOT NULL
	);
	CREATE INDEX outbox_account_passport ON outbox (account, passport, id);`,

	// 3: messages kept for replay while no IRC client is attached.
	`CREATE TABLE replay (
		id      INTEGER PRIMARY KEY AUTOINCREMENT,
		account TEXT NOT NULL COLLATE NOCASE,
		sender  TEXT NOT NULL,
		target  TEXT NOT NULL DEFAULT '',
		command TEXT NOT NULL,
		text    TEXT NOT NULL,
		time    TEXT NOT NULL
	);
	CREATE INDEX replay_account ON replay (account, id);`,

	// 4: the formatting setting.
	`ALTER TABLE setting ADD COLUMN formatting INTEGER NOT NULL DEFAULT 1;`,

	// 5: each account's contacts in one value, for reading them all at
	// once (see contactsnapshot.go), and the contacts kept in the order
	// of their key, without a rowid: one b-tree less to write for each
	// contact stored, and an account's contacts side by side.
	//
	// A change or deletion of a contact drops the snapshot of its account
	// in the same statement. Inserts do not, for a trigger run for each
	// row would cost a first login's contacts more than the snapshot
	// saves: whatever inserts contacts drops the snapshot of their
	// account in the same transaction.
	`CREATE TABLE contact_new (
		account       TEXT NOT NULL COLLATE NOCASE,
		passport      TEXT NOT NULL COLLATE NOCASE,
		nick          TEXT NOT NULL COLLATE NOCASE CHECK (nick <> ''),
		friendly_name TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (account, passport),
		UNIQUE (account, nick)
	) WITHOUT ROWID;
	INSERT INTO contact_new (account, passport, nick, friendly_name)
		SELECT account, passport, nick, friendly_name FROM contact;
	DROP TABLE contact;
	ALTER TABLE contact_new RENAME TO contact;
	CREATE TABLE contact_snapshot (
		account  TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
		contacts TEXT NOT NULL,
		count    INTEGER NOT NULL,
		size     INTEGER NOT NULL
	);
	CREATE TRIGGER contact_snapshot_update AFTER UPDATE ON contact BEGIN
		DELETE FROM contact_snapshot WHERE account IN (OLD.account, NEW.account);
	END;
	CREATE TRIGGER contact_snapshot_delete AFTER DELETE ON contact BEGIN
		DELETE FROM contact_snapshot WHERE account = OLD.account;
	END;`,

	// 6: the number of the last group chat channel (#chat-N) of each
	// account, so that a name is never given twice (see chats.go), and
	// the presence_modes setting.
	`CREATE TABLE chat_counter (
		account TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
		last    INTEGER NOT NULL
	);
	ALTER TABLE setting ADD COLUMN presence_modes INTEGER NOT NULL DEFAULT 1;`,

	// 7: the detached_status setting, and whether each authorization
	// request was announced (see pending.go). Requests stored before were
	// shown on every attach: they count as announced.
	`ALTER TABLE setting ADD COLUMN detached_status TEXT NOT NULL DEFAULT 'keep';
	ALTER TABLE pending ADD COLUMN announced INTEGER NOT NULL DEFAULT 0;
	UPDATE pending SET announced = 1;`,

	// 8: the answer_chats setting; '' is the default, when_attached.
	`ALTER TABLE setting ADD COLUMN answer_chats TEXT NOT NULL DEFAULT '';`,

	// 9: the machine GUID of each account at MSNP16+, the offline
	// messages already shown (see oim.go) and the client id each contact
	// last announced.
	`CREATE TABLE machine_guid (
		account TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
		guid    TEXT NOT NULL
	);
	CREATE TABLE oim_seen (
		account TEXT NOT NULL COLLATE NOCASE,
		id      TEXT NOT NULL,
		PRIMARY KEY (account, id)
	) WITHOUT ROWID;
	CREATE TABLE contact_client (
		account   TEXT NOT NULL COLLATE NOCASE,
		passport  TEXT NOT NULL COLLATE NOCASE,
		client_id INTEGER NOT NULL,
		PRIMARY KEY (account, passport)
	) WITHOUT ROWID;`,
	// 10: the rows of the readiness probe (health.go), which no account
	// reads.
	`CREATE TABLE probe (
		id   INTEGER PRIMARY KEY,
		time TEXT NOT NULL,
		pad  BLOB NOT NULL
	);`,

	// 11: the message history (see history.go). A message belongs to a
	// conversation: the contact's passport (lowercased) for a query, the
	// group channel's name ("#chat-N", never reused) for a group chat.
	// Times are Unix milliseconds; messages are ordered by (time, id).
	// history_conversation keeps each conversation's latest time and the
	// contact's last nick, so that TARGETS and retention visit
	// conversations rather than every message; message_account serves
	// the replay after the delivery cursor (a message id). message_fts
	// is the full-text index of the texts, kept in step by triggers.
	// The history_days setting is NULL when unset (keep forever); an
	// outbox message keeps its msgid, so that its outcome reaches the
	// history when it is delivered.
	`CREATE TABLE message (
		id           INTEGER PRIMARY KEY AUTOINCREMENT,
		account      TEXT NOT NULL COLLATE NOCASE,
		conversation TEXT NOT NULL COLLATE NOCASE,
		msgid        TEXT NOT NULL,
		time         INTEGER NOT NULL,
		self         INTEGER NOT NULL DEFAULT 0,
		sender       TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
		sender_nick  TEXT NOT NULL DEFAULT '',
		command      TEXT NOT NULL CHECK (command IN ('PRIVMSG', 'NOTICE')),
		text         TEXT NOT NULL,
		kind         TEXT NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'oim', 'endpoint')),
		outcome      TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'delivered', 'queued', 'not_delivered')),
		UNIQUE (account, msgid)
	);
	CREATE INDEX message_conversation ON message (account, conversation, time);
	CREATE INDEX message_account ON message (account);
	CREATE TABLE history_conversation (
		account      TEXT NOT NULL COLLATE NOCASE,
		conversation TEXT NOT NULL COLLATE NOCASE,
		nick         TEXT NOT NULL DEFAULT '',
		latest       INTEGER NOT NULL,
		PRIMARY KEY (account, conversation)
	) WITHOUT ROWID;
	CREATE TABLE read_marker (
		account      TEXT NOT NULL COLLATE NOCASE,
		conversation TEXT NOT NULL COLLATE NOCASE,
		time         INTEGER NOT NULL,
		PRIMARY KEY (account, conversation)
	) WITHOUT ROWID;
	CREATE TABLE delivery_cursor (
		account    TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
		message_id INTEGER NOT NULL
	);
	CREATE VIRTUAL TABLE message_fts USING fts4(content="message", text);
	CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN
		INSERT INTO message_fts (docid, text) VALUES (NEW.id, NEW.text);
	END;
	CREATE TRIGGER message_fts_delete BEFORE DELETE ON message BEGIN
		DELETE FROM message_fts WHERE docid = OLD.id;
	END;
	CREATE TRIGGER message_fts_before_text BEFORE UPDATE OF text ON message BEGIN
		DELETE FROM message_fts WHERE docid = OLD.id;
	END;
	CREATE TRIGGER message_fts_after_text AFTER UPDATE OF text ON message BEGIN
		INSERT INTO message_fts (docid, text) VALUES (NEW.id, NEW.text);
	END;
	ALTER TABLE setting ADD COLUMN history_days INTEGER;
	ALTER TABLE outbox ADD COLUMN msgid TEXT NOT NULL DEFAULT '';`,

	// 12: the full-text index leaves the write path: a message is no
	// longer indexed by a trigger as it is stored but later, in chunks,
	// by IndexHistory (which a search calls first, so that every stored
	// message is found). message_fts_done holds the id of the last
	// message indexed; ids only grow (AUTOINCREMENT), so the messages
	// after it are the ones not indexed yet. The index keeps its own copy
	// of the texts rather than reading them from message: an index that
	// lags behind its external content fails PRAGMA quick_check. The
	// messages stored before this version are indexed again, lazily.
	`DROP TRIGGER message_fts_insert;
	DROP TRIGGER message_fts_delete;
	DROP TRIGGER message_fts_before_text;
	DROP TRIGGER message_fts_after_text;
	DROP TABLE message_fts;
	CREATE VIRTUAL TABLE message_fts USING fts4(text);
	CREATE TABLE message_fts_done (
		only INTEGER PRIMARY KEY CHECK (only = 1),
		id   INTEGER NOT NULL
	);
	INSERT INTO message_fts_done (only, id) VALUES (1, 0);
	CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN
		DELETE FROM message_fts WHERE docid = OLD.id;
	END;
	CREATE TRIGGER message_fts_text AFTER UPDATE OF text ON message BEGIN
		UPDATE message_fts SET text = NEW.text WHERE docid = NEW.id;
	END;`,

	// 13: display pictures (pictures.go): the instance's secrets (the
	// key of the picture URLs) and each account's own picture, by the
	// hex SHA-1 of its data (its file in the data directory).
	`CREATE TABLE instance_secret (
		name   TEXT NOT NULL PRIMARY KEY,
		secret BLOB NOT NULL
	);
	CREATE TABLE own_picture (
		account TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
		sha1    TEXT NOT NULL,
		size    INTEGER NOT NULL,
		updated INTEGER NOT NULL
	);`,

	// 14: files received from contacts (received.go). The token of a
	// download link is stored as its SHA-256, never as itself (nonce, with
	// a key outside the database, makes it again for "msn files"); path is
	// relative to the data directory; created and expires are Unix
	// milliseconds.
	`CREATE TABLE received_file (
		id         INTEGER PRIMARY KEY,
		account    TEXT NOT NULL COLLATE NOCASE,
		contact    TEXT NOT NULL,
		name       TEXT NOT NULL,
		size       INTEGER NOT NULL,
		token_hash BLOB NOT NULL UNIQUE,
		nonce      BLOB NOT NULL,
		path       TEXT NOT NULL,
		created    INTEGER NOT NULL,
		expires    INTEGER NOT NULL,
		state      TEXT NOT NULL DEFAULT 'complete'
	);
	CREATE INDEX received_file_account ON received_file (account, id);
	CREATE INDEX received_file_expires ON received_file (expires);
	ALTER TABLE setting ADD COLUMN dcc_files INTEGER NOT NULL DEFAULT 0;`,

	// 15: the full-text index holds each message's account too, as one
	// token in a column of its own (owner, see ownerToken), so that a
	// search reads the matches of its own account only, not every
	// account's. The messages are indexed again, lazily (IndexHistory).
	`DROP TRIGGER message_fts_delete;
	DROP TRIGGER message_fts_text;
	DROP TABLE message_fts;
	CREATE VIRTUAL TABLE message_fts USING fts4(owner, text);
	UPDATE message_fts_done SET id = 0;
	CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN
		DELETE FROM message_fts WHERE docid = OLD.id;
	END;
	CREATE TRIGGER message_fts_text AFTER UPDATE OF text ON message BEGIN
		UPDATE message_fts SET text = NEW.text WHERE docid = NEW.id;
	END;`,

	// 16: a text with IRC formatting codes is indexed without them
	// (indexFormatted): indexed as it was, the first word after a colour
	// was not found. The messages are indexed again, lazily.
	`DROP TRIGGER message_fts_delete;
	DROP TRIGGER message_fts_text;
	DROP TABLE message_fts;
	CREATE VIRTUAL TABLE message_fts USING fts4(owner, text);
	UPDATE message_fts_done SET id = 0;
	CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN
		DELETE FROM message_fts WHERE docid = OLD.id;
	END;
	CREATE TRIGGER message_fts_text AFTER UPDATE OF text ON message BEGIN
		UPDATE message_fts SET text = NEW.text WHERE docid = NEW.id;
	END;`,

	// 17: a message kept for replay (history off) keeps its msgid, so
	// that a replay no client confirmed comes again with the same ids. A
	// message kept before gets one made of its row id.
	`ALTER TABLE replay ADD COLUMN msgid TEXT NOT NULL DEFAULT '';
	UPDATE replay SET msgid = 'kept-' || id;`,

	// 18: a forget whose rows' bytes are still in the files (EraseDue),
	// until EraseDeleted rewrites them; kept across a restart.
	`CREATE TABLE erase_due (since INTEGER NOT NULL);`,
}

// migrate applies the migrations that db has not seen yet, all in one
// transaction, and refuses a database newer than migs or one of another
// program.
func migrate(ctx context.Context, db *sql.DB, migs []string) error {
	// _txlock=immediate: the write lock is taken at BEGIN, so two processes
	// opening the same file cannot both migrate.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback()

	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if version > len(migs) {
		return fmt.Errorf("migrate: schema version %d, this program knows up to %d; use a newer msn2irc: %w",
			version, len(migs), ErrNewerSchema)
	}
	if version == len(migs) {
		return nil
	}
	if version == 0 {
		// Version 0 is an empty file: migrations set the version in
		// the transaction that creates the tables.
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
			return fmt.Errorf("migrate: read schema: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("migrate: the file already holds tables, of another program: %w", ErrForeign)
		}
	}
	for i := version; i < len(migs); i++ {
		if _, err := tx.ExecContext(ctx, migs[i]); err != nil {
			return fmt.Errorf("migrate: to version %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no bind parameters.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migs))); err != nil {
		return fmt.Errorf("migrate: set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}
