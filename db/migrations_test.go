package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// seeds[k] puts rows into a database at schema version k+1, with the SQL
// that version understands, as an older msn2irc would have written them.
var seeds = []string{
	// v1
	`INSERT INTO contact (account, passport, nick, friendly_name) VALUES
		('alice@example.com', 'bob@hotmail.com', 'bob', 'Bob %E2%98%BA');
	INSERT INTO setting (account, nick_source, show_offline, keep_online) VALUES
		('alice@example.com', 'name', 0, 1);`,
	// v2
	`INSERT INTO pending (account, passport, friendly_name, received) VALUES
		('alice@example.com', 'eve@hotmail.com', 'Eve', '2026-01-02T03:04:05.5Z');
	INSERT INTO outbox (account, passport, kind, text, queued) VALUES
		('alice@example.com', 'bob@hotmail.com', 'text', 'queued hello', '2026-01-02T03:04:06Z');`,
	// v3
	`INSERT INTO replay (account, sender, target, command, text, time) VALUES
		('alice@example.com', 'bob', '', 'PRIVMSG', 'while you were away', '2026-01-02T03:04:07Z');`,
	// v4
	`UPDATE setting SET formatting = 0 WHERE account = 'alice@example.com';`,
	// v5
	`INSERT INTO contact_snapshot (account, contacts, count, size) VALUES
		('alice@example.com', 'bob@hotmail.com' || char(31) || 'bob' || char(31) || 'Bob %E2%98%BA', 1, 33);`,
	// v6
	`INSERT INTO chat_counter (account, last) VALUES ('alice@example.com', 41);
	UPDATE setting SET presence_modes = 0 WHERE account = 'alice@example.com';`,
	// v7
	`UPDATE setting SET detached_status = 'AWY' WHERE account = 'alice@example.com';`,
	// v8
	`UPDATE setting SET answer_chats = 'never' WHERE account = 'alice@example.com';`,
	// v9
	`INSERT INTO machine_guid (account, guid) VALUES ('alice@example.com', '{00000000-0000-0000-0000-000000000001}');`,
	// v10
	`INSERT INTO probe (time, pad) VALUES ('2026-01-02T03:04:08Z', zeroblob(16));`,
	// v11
	`INSERT INTO message (account, conversation, msgid, time, self, sender, sender_nick, command, text, kind, outcome) VALUES
		('alice@example.com', 'bob@hotmail.com', 'seedmsgid0000001', 1767323047000, 1, 'alice@example.com', 'alice', 'PRIVMSG', 'seeded hello', 'message', 'queued');
	INSERT INTO history_conversation (account, conversation, nick, latest) VALUES ('alice@example.com', 'bob@hotmail.com', 'bob', 1767323047000);
	UPDATE setting SET history_days = 30 WHERE account = 'alice@example.com';`,
	// v12
	`INSERT INTO message (account, conversation, msgid, time, self, sender, sender_nick, command, text, kind, outcome) VALUES
		('alice@example.com', 'bob@hotmail.com', 'seedmsgid0000002', 1767323048000, 0, 'bob@hotmail.com', 'bob', 'PRIVMSG', 'seeded reply', 'message', '');`,
	// v13
	`INSERT INTO instance_secret (name, secret) VALUES ('pictures', zeroblob(32));
	INSERT INTO own_picture (account, sha1, size, updated) VALUES ('alice@example.com', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', 10, 1767323047000);`,
	// v14
	`INSERT INTO received_file (account, contact, name, size, token_hash, nonce, path, created, expires, state) VALUES
		('alice@example.com', 'bob@hotmail.com', 'holiday.jpg', 5, x'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', x'00',
		'files/0123/abcd', 1767323049000, 1767927849000, 'complete');
	UPDATE setting SET dcc_files = 1 WHERE account = 'alice@example.com';`,
	// v15
	`INSERT INTO message (account, conversation, msgid, time, self, sender, sender_nick, command, text, kind, outcome) VALUES
		('carol@example.com', 'bob@hotmail.com', 'seedmsgid0000003', 1767323049000, 0, 'bob@hotmail.com', 'bob', 'PRIVMSG', 'hello carol', 'message', '');`,
	// v16
	`INSERT INTO message (account, conversation, msgid, time, self, sender, sender_nick, command, text, kind, outcome) VALUES
		('carol@example.com', 'bob@hotmail.com', 'seedmsgid0000004', 1767323050000, 0, 'bob@hotmail.com', 'bob', 'PRIVMSG', char(4) || 'ff0000crimson', 'message', '');`,
	// v17
	`UPDATE replay SET msgid = 'seedkeptmsgid001' WHERE account = 'alice@example.com';`,
	// v18
	`INSERT INTO erase_due (since) VALUES (1767323051000);`,
}

func TestSeedsCoverEveryMigration(t *testing.T) {
	if len(seeds) != len(migrations) {
		t.Fatalf("%d migrations but %d seeds: add a seed for the new schema version", len(migrations), len(seeds))
	}
}

// schema returns the database's schema as SQLite stores it.
func schema(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT type, name, COALESCE(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s: %s\n", typ, name, text)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func userVersion(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigrateFromEmptyFile(t *testing.T) {
	s, _ := openTemp(t)
	if v := userVersion(t, s.db); v != len(migrations) {
		t.Errorf("user_version = %d, want %d", v, len(migrations))
	}
	for _, table := range []string{"contact", "setting", "pending", "outbox", "replay"} {
		var n int
		if err := s.db.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s missing (%v)", table, err)
		}
	}
}

// TestMigrateFromEveryVersion builds a database at every earlier schema
// version, fills it as that version would, upgrades it, and checks that the
// rows survived and that the schema is the one a fresh database gets.
func TestMigrateFromEveryVersion(t *testing.T) {
	ctx := context.Background()
	fresh, _ := openTemp(t)
	wantSchema := schema(t, fresh.db)

	for k := 0; k < len(migrations); k++ {
		t.Run(fmt.Sprintf("from_v%d", k), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "old.db")
			old, err := open(ctx, path, migrations[:k])
			if err != nil {
				t.Fatalf("build v%d: %v", k, err)
			}
			if v := userVersion(t, old.db); v != k {
				t.Fatalf("built database has user_version %d, want %d", v, k)
			}
			for i := 0; i < k; i++ {
				if _, err := old.db.Exec(seeds[i]); err != nil {
					t.Fatalf("seed v%d: %v", i+1, err)
				}
			}
			if err := old.Close(); err != nil {
				t.Fatal(err)
			}

			s, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("upgrade from v%d: %v", k, err)
			}
			defer s.Close()
			if v := userVersion(t, s.db); v != len(migrations) {
				t.Errorf("user_version after upgrade = %d, want %d", v, len(migrations))
			}
			if got := schema(t, s.db); got != wantSchema {
				t.Errorf("upgraded schema differs from a fresh one:\n got: %s\nwant: %s", got, wantSchema)
			}
			checkSeeded(t, s, k)
		})
	}
}

// The seeds are what the current schema stores too.
func TestSeedsAtCurrentVersion(t *testing.T) {
	s, _ := openTemp(t)
	for i, seed := range seeds {
		if _, err := s.db.Exec(seed); err != nil {
			t.Fatalf("seed v%d: %v", i+1, err)
		}
	}
	if _, _, ok, err := s.readSnapshot(context.Background(), "alice@example.com"); err != nil || !ok {
		t.Errorf("the seeded contact snapshot does not read back (%v)", err)
	}
	checkSeeded(t, s, len(seeds))
}

// checkSeeded checks, through the Store API, the rows seeds[:k] put in.
func checkSeeded(t *testing.T, s *Store, k int) {
	t.Helper()
	ctx := context.Background()
	const acct = "alice@example.com"

	cs, err := s.Contacts(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Settings(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if k < 1 {
		if len(cs) != 0 || st != DefaultSettings() {
			t.Errorf("empty database has contacts %+v, settings %+v", cs, st)
		}
	} else {
		want := Contact{Account: acct, Passport: "bob@hotmail.com", Nick: "bob", FriendlyName: "Bob %E2%98%BA"}
		if len(cs) != 1 || cs[0] != want {
			t.Errorf("contacts = %+v, want [%+v]", cs, want)
		}
		wantSt := Settings{NickSource: "name", ShowOffline: false, KeepOnline: true, Formatting: k < 4, PresenceModes: k < 6, DetachedStatus: DetachedKeep}
		if k >= 7 {
			wantSt.DetachedStatus = "AWY"
		}
		if k >= 8 {
			wantSt.AnswerChats = AnswerNever
		}
		if k >= 11 {
			wantSt.HistoryDays, wantSt.HistoryDaysSet = 30, true
		}
		if k >= 14 {
			wantSt.DCCFiles = true
		}
		if st != wantSt {
			t.Errorf("settings = %+v, want %+v", st, wantSt)
		}
		// ContactsOf reads them too: the first time from the rows, then
		// from the snapshot that built.
		for range 2 {
			if got, err := s.ContactsOf(ctx, acct); err != nil || len(got) != 1 || got[0] != want {
				t.Errorf("ContactsOf = %+v, %v; want [%+v]", got, err, want)
			}
		}
		// The nick uniqueness of v1 still holds.
		err := s.PutContact(ctx, Contact{Account: acct, Passport: "b2@hotmail.com", Nick: "BOB"})
		if !errors.Is(err, ErrNickTaken) {
			t.Errorf("PutContact with a taken nick = %v, want ErrNickTaken", err)
		}
	}

	ps, err := s.Pending(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.Outbox(ctx, acct, "")
	if err != nil {
		t.Fatal(err)
	}
	if k < 2 {
		if len(ps) != 0 || len(ms) != 0 {
			t.Errorf("pending %+v, outbox %+v; want none", ps, ms)
		}
	} else {
		wantT := time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.UTC)
		// A request stored before version 7 was shown on every attach:
		// it counts as announced.
		if len(ps) != 1 || ps[0].Passport != "eve@hotmail.com" || ps[0].FriendlyName != "Eve" || !ps[0].Received.Equal(wantT) || ps[0].Announced != (k < 7) {
			t.Errorf("pending = %+v", ps)
		}
		if len(ms) != 1 || ms[0].Text != "queued hello" || ms[0].Kind != KindText || ms[0].Passport != "bob@hotmail.com" {
			t.Errorf("outbox = %+v", ms)
		}
	}

	rs, err := s.Replay(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if k < 3 {
		if len(rs) != 0 {
			t.Errorf("replay = %+v; want none", rs)
		}
	} else if len(rs) != 1 || rs[0].Text != "while you were away" || rs[0].From != "bob" || rs[0].Command != "PRIVMSG" {
		t.Errorf("replay = %+v", rs)
	} else if want := fmt.Sprintf("kept-%d", rs[0].ID); k >= 17 && rs[0].MsgID != "seedkeptmsgid001" || k < 17 && rs[0].MsgID != want {
		// A message kept before v17 has a msgid of its own too.
		t.Errorf("replayed msgid %q", rs[0].MsgID)
	}

	// Group chat numbers go on from the stored one.
	wantChat := 1
	if k >= 6 {
		wantChat = 42
	}
	if n, err := s.NextChatNumber(ctx, acct); err != nil || n != wantChat {
		t.Errorf("NextChatNumber = %d, %v; want %d", n, err, wantChat)
	}

	// The seeded history is found, by its words too.
	hs, err := s.SearchHistory(ctx, acct, "hello", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if k < 11 {
		if len(hs) != 0 {
			t.Errorf("history = %+v; want none", hs)
		}
	} else if len(hs) != 1 || hs[0].MsgID != "seedmsgid0000001" || !hs[0].Self || hs[0].Outcome != OutcomeQueued {
		t.Errorf("history = %+v", hs)
	}

	// A message stored after the index left the write path is found too.
	hs, err = s.SearchHistory(ctx, acct, "reply", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := min(max(k-11, 0), 1); len(hs) != want || want == 1 && hs[0].MsgID != "seedmsgid0000002" {
		t.Errorf("search for the v12 seed = %+v; want %d message", hs, want)
	}
	// Another account's message (v15) is its own: alice's search above
	// did not find it, carol's does.
	hs, err = s.SearchHistory(ctx, "carol@example.com", "hello", "", 10)
	if want := min(max(k-14, 0), 1); err != nil || len(hs) != want || want == 1 && hs[0].MsgID != "seedmsgid0000003" {
		t.Errorf("carol's search = %+v, %v; want %d message", hs, err, want)
	}

	// A word after a colour code is found.
	hs, err = s.SearchHistory(ctx, "carol@example.com", "crimson", "", 10)
	if want := min(max(k-15, 0), 1); err != nil || len(hs) != want {
		t.Errorf("carol's search for a word in colour = %+v, %v; want %d message", hs, err, want)
	}

	// The own display picture survives.
	if p, ok, err := s.OwnPicture(ctx, acct); err != nil || ok != (k >= 13) || ok && p.SHA1 != "da39a3ee5e6b4b0d3255bfef95601890afd80709" {
		t.Errorf("own picture = %+v, %v, %v; want it only from v13", p, ok, err)
	}

	// Tables added by the upgrade are usable.
	if err := s.AddHistory(ctx, []HistoryMessage{{Account: acct, Conversation: "bob@hotmail.com", MsgID: "new", Command: "PRIVMSG", Text: "new"}}); err != nil {
		t.Errorf("AddHistory after upgrade: %v", err)
	}
	if _, err := s.SaveReplay(ctx, StoredMessage{Account: acct, From: "bob", Command: "PRIVMSG", Text: "new"}); err != nil {
		t.Errorf("SaveReplay after upgrade: %v", err)
	}
	if _, err := s.Enqueue(ctx, OutboxMessage{Account: acct, Passport: "bob@hotmail.com", Kind: KindNudge}); err != nil {
		t.Errorf("Enqueue after upgrade: %v", err)
	}
}

// A message in colour that a search indexed before version 16, as its
// text was, is indexed again: its first word is found after the upgrade.
func TestMigrationReindexesColouredTexts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := open(ctx, path, migrations[:15])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.db.Exec(`INSERT INTO message (account, conversation, msgid, time, self, sender, sender_nick, command, text, kind, outcome) VALUES
		('alice@example.com', 'bob@hotmail.com', 'm1', 1767323049500, 0, 'bob@hotmail.com', 'bob', 'PRIVMSG', char(3) || '04painted words', 'message', '');
	INSERT INTO message_fts (docid, owner, text) SELECT id, hex(lower(account)), text FROM message;
	UPDATE message_fts_done SET id = (SELECT max(id) FROM message);`); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if hs, err := s.SearchHistory(ctx, "alice@example.com", "painted", "", 10); err != nil || len(hs) != 1 {
		t.Errorf("search for the first word = %+v, %v; want the message", hs, err)
	}
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	if err := s.PutContact(ctx, Contact{Account: "a@x", Passport: "b@x", Nick: "b"}); err != nil {
		t.Fatal(err)
	}
	before := schema(t, s.db)
	if err := migrate(ctx, s.db, migrations); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if got := schema(t, s.db); got != before {
		t.Errorf("second migrate changed the schema:\n%s\n%s", before, got)
	}

	// Reopening the file also leaves it as it was.
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	if v := userVersion(t, s2.db); v != len(migrations) {
		t.Errorf("user_version = %d", v)
	}
	if cs, err := s2.Contacts(ctx, "a@x"); err != nil || len(cs) != 1 {
		t.Errorf("contacts after reopen = %+v, %v", cs, err)
	}
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	newer := len(migrations) + 1
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", newer)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err = Open(ctx, path)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open of a newer database = %v, want ErrNewerSchema", err)
	}
	for _, want := range []string{fmt.Sprint(newer), fmt.Sprint(len(migrations)), "newer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	// The file was not touched: an older program does not downgrade it.
	s, err = open(ctx, path, append(append([]string{}, migrations...), "SELECT 1"))
	if err != nil {
		t.Fatalf("open with a migration list as new as the file: %v", err)
	}
	defer s.Close()
	if v := userVersion(t, s.db); v != newer {
		t.Errorf("user_version = %d, want %d", v, newer)
	}
}

// TestMigrateIsAtomic checks that a failing migration leaves the database
// at its old version, with none of the earlier pending migrations applied.
func TestMigrateIsAtomic(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "atomic.db")
	s, err := open(ctx, path, migrations[:1])
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	bad := append(append([]string{}, migrations...), "CREATE TABLE broken (")
	if _, err := open(ctx, path, bad); err == nil {
		t.Fatal("open with a broken migration succeeded")
	} else if !strings.Contains(err.Error(), fmt.Sprintf("version %d", len(bad))) {
		t.Errorf("error %q does not name the failing version", err)
	}

	s, err = open(ctx, path, migrations[:1])
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v := userVersion(t, s.db); v != 1 {
		t.Errorf("user_version = %d after a failed upgrade, want 1", v)
	}
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'pending'").Scan(&n); err != nil || n != 0 {
		t.Errorf("migration 2 was kept although a later one failed (%d, %v)", n, err)
	}
}

// An SQLite database of another program (MSN2IRC_DB set to the wrong
// file) is refused, and none of msn2irc's tables are added to it.
func TestMigrateRefusesForeignDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "places.sqlite")
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE bookmark (url TEXT); INSERT INTO bookmark VALUES ('https://example.com/')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	s, err := Open(ctx, path)
	if err == nil {
		s.Close()
		t.Fatal("Open of another program's database succeeded")
	}
	for _, want := range []string{path, "not an msn2irc database"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	raw, err = sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var names []string
	rows, err := raw.Query(`SELECT name FROM sqlite_master ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	if len(names) != 1 || names[0] != "bookmark" || userVersion(t, raw) != 0 {
		t.Errorf("the other program's database now has %v, user_version %d", names, userVersion(t, raw))
	}
}
