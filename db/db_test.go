package db

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openTemp opens a store in a real file in a temporary directory.
func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "msn2irc.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

func TestOpenPragmas(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, tc := range []struct {
		pragma, want string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "1"}, // NORMAL
		{"busy_timeout", "5000"},
		{"journal_size_limit", "4194304"},
	} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %q, want %q", tc.pragma, got, tc.want)
		}
	}
}

func TestOpenMemory(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if err := s.PutContact(ctx, Contact{Account: "a@x", Passport: "b@x", Nick: "b"}); err != nil {
		t.Fatalf("PutContact: %v", err)
	}
	cs, err := s.Contacts(ctx, "a@x")
	if err != nil || len(cs) != 1 {
		t.Fatalf("Contacts = %v, %v; want the one contact", cs, err)
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a?b#c%20d")
	path := filepath.Join(dir, "x.db")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	if err := s.SaveSettings(ctx, "a@x", Settings{NickSource: "name"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not created at %q", path)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	st, err := s.Settings(ctx, "a@x")
	if err != nil || st.NickSource != "name" {
		t.Fatalf("settings after reopen = %+v, %v", st, err)
	}
}

// A path beginning with "//" (as "$DIR/msn2irc.db" makes of DIR=/data)
// names the same file as with one slash.
func TestOpenPathWithDoubleSlash(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(ctx, "/"+path)
	if err != nil {
		t.Fatalf("Open(%q): %v", "/"+path, err)
	}
	defer s.Close()
	if err := s.SaveSettings(ctx, "a@x", Settings{NickSource: "name"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not created at %q", path)
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := Open(context.Background(), ""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "msn2irc.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutContact(ctx, Contact{Account: "a@x", Passport: "bob@x", Nick: "bob", FriendlyName: "Bob"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, OutboxMessage{Account: "a@x", Passport: "bob@x", Kind: KindText, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.Contact(ctx, "a@x", "bob@x")
	if err != nil || c.Nick != "bob" || c.FriendlyName != "Bob" {
		t.Errorf("contact after reopen = %+v, %v", c, err)
	}
	ms, err := s.Outbox(ctx, "a@x", "")
	if err != nil || len(ms) != 1 || ms[0].Text != "hi" {
		t.Errorf("outbox after reopen = %+v, %v", ms, err)
	}
}

func TestSettings(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	st, err := s.Settings(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if st != DefaultSettings() {
		t.Errorf("settings of a new account = %+v, want defaults %+v", st, DefaultSettings())
	}
	d := DefaultSettings()
	if d.NickSource != "passport" || !d.ShowOffline || d.KeepOnline || !d.Formatting {
		t.Errorf("DefaultSettings() = %+v", d)
	}

	want := Settings{NickSource: "name", ShowOffline: false, KeepOnline: true, Formatting: false, DetachedStatus: DetachedKeep}
	if err := s.SaveSettings(ctx, "alice@example.com", want); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Settings(ctx, "Alice@Example.com"); err != nil || got != want {
		t.Errorf("settings = %+v, %v; want %+v (account compared without case)", got, err, want)
	}
	if got, _ := s.Settings(ctx, "other@example.com"); got != DefaultSettings() {
		t.Errorf("another account's settings changed: %+v", got)
	}
	// Overwrite.
	want2 := DefaultSettings()
	want2.KeepOnline = true
	if err := s.SaveSettings(ctx, "alice@example.com", want2); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Settings(ctx, "alice@example.com"); got != want2 {
		t.Errorf("settings after overwrite = %+v, want %+v", got, want2)
	}
	// Empty nick source means the default.
	if err := s.SaveSettings(ctx, "bob@example.com", Settings{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Settings(ctx, "bob@example.com"); got.NickSource != "passport" {
		t.Errorf("empty nick source stored as %q", got.NickSource)
	}
	// Bad input is refused and changes nothing.
	if err := s.SaveSettings(ctx, "alice@example.com", Settings{NickSource: "friendly"}); err == nil {
		t.Error("unknown nick source accepted")
	}
	if err := s.SaveSettings(ctx, "", DefaultSettings()); err == nil {
		t.Error("empty account accepted")
	}
	if got, _ := s.Settings(ctx, "alice@example.com"); got != want2 {
		t.Errorf("refused save changed settings to %+v", got)
	}
}

func TestContacts(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	put := func(c Contact) {
		t.Helper()
		if err := s.PutContact(ctx, c); err != nil {
			t.Fatalf("PutContact(%+v): %v", c, err)
		}
	}
	put(Contact{Account: acct, Passport: "bob@hotmail.com", Nick: "bob", FriendlyName: "Bob"})
	put(Contact{Account: acct, Passport: "carol@hotmail.com", Nick: "Carol", FriendlyName: "C"})
	// Same nick, other account: fine.
	put(Contact{Account: "zed@example.com", Passport: "bob@hotmail.com", Nick: "bob"})

	cs, err := s.Contacts(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	want := []Contact{
		{Account: acct, Passport: "bob@hotmail.com", Nick: "bob", FriendlyName: "Bob"},
		{Account: acct, Passport: "carol@hotmail.com", Nick: "Carol", FriendlyName: "C"},
	}
	if !equalContacts(cs, want) {
		t.Fatalf("Contacts = %+v, want %+v", cs, want)
	}

	// Upsert: rename bob, change his friendly name.
	put(Contact{Account: acct, Passport: "bob@hotmail.com", Nick: "bobby", FriendlyName: "Bobby"})
	c, err := s.Contact(ctx, acct, "BOB@hotmail.com")
	if err != nil || c.Nick != "bobby" || c.FriendlyName != "Bobby" {
		t.Errorf("after upsert: %+v, %v", c, err)
	}
	if cs, _ := s.Contacts(ctx, acct); len(cs) != 2 {
		t.Errorf("upsert added a row: %+v", cs)
	}
	// Keeping one's own nick is not a collision.
	put(Contact{Account: acct, Passport: "bob@hotmail.com", Nick: "BOBBY", FriendlyName: "Bobby"})

	// Nick collision, ascii case-insensitive, for a new and for an existing contact.
	for _, c := range []Contact{
		{Account: acct, Passport: "dave@hotmail.com", Nick: "carol"},
		{Account: acct, Passport: "dave@hotmail.com", Nick: "CAROL"},
		{Account: acct, Passport: "bob@hotmail.com", Nick: "carol"},
	} {
		err := s.PutContact(ctx, c)
		if !errors.Is(err, ErrNickTaken) {
			t.Errorf("PutContact(%+v) = %v, want ErrNickTaken", c, err)
		}
	}
	if c, _ := s.Contact(ctx, acct, "bob@hotmail.com"); c.Nick != "BOBBY" {
		t.Errorf("failed rename changed the nick to %q", c.Nick)
	}
	if _, err := s.Contact(ctx, acct, "dave@hotmail.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("failed insert stored a contact: %v", err)
	}
	// Only ASCII letters fold (ascii casemapping): these are different nicks.
	put(Contact{Account: acct, Passport: "e1@x", Nick: "a[b"})
	put(Contact{Account: acct, Passport: "e2@x", Nick: "a{b"})

	// Missing fields are refused.
	for _, c := range []Contact{
		{Account: "", Passport: "x@x", Nick: "x"},
		{Account: acct, Passport: "", Nick: "x"},
		{Account: acct, Passport: "x@x", Nick: ""},
	} {
		if err := s.PutContact(ctx, c); err == nil || errors.Is(err, ErrNickTaken) {
			t.Errorf("PutContact(%+v) = %v, want a validation error", c, err)
		}
	}

	// Delete; deleting again is fine; the nick is free again.
	if err := s.DeleteContact(ctx, acct, "carol@hotmail.com"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteContact(ctx, acct, "carol@hotmail.com"); err != nil {
		t.Errorf("second delete: %v", err)
	}
	put(Contact{Account: acct, Passport: "dave@hotmail.com", Nick: "carol"})
	if cs, _ := s.Contacts(ctx, "zed@example.com"); len(cs) != 1 {
		t.Errorf("other account's contacts changed: %+v", cs)
	}
	if cs, err := s.Contacts(ctx, "nobody@example.com"); err != nil || len(cs) != 0 {
		t.Errorf("Contacts of unknown account = %+v, %v", cs, err)
	}
}

func equalContacts(a, b []Contact) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPending(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	add := func(r AuthRequest) {
		t.Helper()
		if err := s.AddPending(ctx, r); err != nil {
			t.Fatalf("AddPending(%+v): %v", r, err)
		}
	}
	// Added out of time order; times whose RFC 3339 text does not sort.
	add(AuthRequest{Account: acct, Passport: "late@x", FriendlyName: "Late", Received: t0.Add(500 * time.Millisecond)})
	add(AuthRequest{Account: acct, Passport: "early@x", FriendlyName: "Early", Received: t0})
	add(AuthRequest{Account: acct, Passport: "mid@x", FriendlyName: "Mid", Received: t0.Add(120 * time.Millisecond).In(time.FixedZone("X", 3600))})
	// Idempotent: same passport again keeps its time, updates the name.
	add(AuthRequest{Account: acct, Passport: "EARLY@x", FriendlyName: "Early Bird", Received: t0.Add(time.Hour)})
	add(AuthRequest{Account: acct, Passport: "early@x", FriendlyName: "", Received: t0.Add(time.Hour)})
	add(AuthRequest{Account: "other@x", Passport: "early@x", Received: t0})

	rs, err := s.Pending(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	want := []AuthRequest{
		{Account: acct, Passport: "early@x", FriendlyName: "Early Bird", Received: t0},
		{Account: acct, Passport: "mid@x", FriendlyName: "Mid", Received: t0.Add(120 * time.Millisecond)},
		{Account: acct, Passport: "late@x", FriendlyName: "Late", Received: t0.Add(500 * time.Millisecond)},
	}
	if len(rs) != len(want) {
		t.Fatalf("Pending = %+v, want %+v", rs, want)
	}
	for i := range want {
		if rs[i].Passport != want[i].Passport || rs[i].FriendlyName != want[i].FriendlyName ||
			!rs[i].Received.Equal(want[i].Received) || rs[i].Received.Location() != time.UTC {
			t.Errorf("Pending[%d] = %+v, want %+v", i, rs[i], want[i])
		}
	}

	if err := s.DeletePending(ctx, acct, "mid@x"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePending(ctx, acct, "mid@x"); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if rs, _ := s.Pending(ctx, acct); len(rs) != 2 {
		t.Errorf("after delete: %+v", rs)
	}
	if rs, _ := s.Pending(ctx, "other@x"); len(rs) != 1 {
		t.Errorf("other account: %+v", rs)
	}

	// Zero time means now.
	before := time.Now()
	add(AuthRequest{Account: "z@x", Passport: "y@x"})
	rs, _ = s.Pending(ctx, "z@x")
	if len(rs) != 1 || rs[0].Received.Before(before.Add(-time.Second)) || rs[0].Received.After(time.Now().Add(time.Second)) {
		t.Errorf("zero Received stored as %+v", rs)
	}
	if err := s.AddPending(ctx, AuthRequest{Account: acct}); err == nil {
		t.Error("AddPending without passport succeeded")
	}
}

func TestOutbox(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	t0 := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)
	enqueue := func(m OutboxMessage) int64 {
		t.Helper()
		id, err := s.Enqueue(ctx, m)
		if err != nil {
			t.Fatalf("Enqueue(%+v): %v", m, err)
		}
		return id
	}
	id1 := enqueue(OutboxMessage{Account: acct, Passport: "bob@x", Kind: KindText, Text: "one", Queued: t0})
	id2 := enqueue(OutboxMessage{Account: acct, Passport: "carol@x", Kind: KindAction, Text: "* alice waves", Queued: t0})
	id3 := enqueue(OutboxMessage{Account: acct, Passport: "bob@x", Kind: KindNudge, Queued: t0.Add(-time.Hour)})
	id4 := enqueue(OutboxMessage{Account: acct, Passport: "bob@x", Kind: KindText, Text: "four\u00e9 \U0001F600", Queued: t0})
	enqueue(OutboxMessage{Account: "other@x", Passport: "bob@x", Kind: KindText, Text: "x"})

	ms, err := s.Outbox(ctx, acct, "bob@x")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(ms); !equalIDs(got, []int64{id1, id3, id4}) {
		t.Fatalf("Outbox(bob) ids = %v, want queue order %v", got, []int64{id1, id3, id4})
	}
	if m := ms[0]; m.Account != acct || m.Passport != "bob@x" || m.Kind != KindText || m.Text != "one" || !m.Queued.Equal(t0) {
		t.Errorf("Outbox[0] = %+v", m)
	}
	if ms[2].Text != "four\u00e9 \U0001F600" {
		t.Errorf("text not kept byte for byte: %q", ms[2].Text)
	}
	all, err := s.Outbox(ctx, acct, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(all); !equalIDs(got, []int64{id1, id2, id3, id4}) {
		t.Errorf("Outbox(all) ids = %v", got)
	}

	if err := s.DeleteOutbox(ctx, id1); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOutbox(ctx, id1); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if ms, _ := s.Outbox(ctx, acct, "bob@x"); !equalIDs(ids(ms), []int64{id3, id4}) {
		t.Errorf("after delete: %v", ids(ms))
	}
	// IDs are never reused, so a deleted message cannot come back in
	// front of newer ones.
	if id5 := enqueue(OutboxMessage{Account: acct, Passport: "bob@x", Kind: KindText, Text: "five"}); id5 <= id4 {
		t.Errorf("new id %d not after %d", id5, id4)
	}

	n, err := s.ClearOutbox(ctx, acct, "bob@x")
	if err != nil || n != 3 {
		t.Errorf("ClearOutbox(bob) = %d, %v; want 3", n, err)
	}
	if ms, _ := s.Outbox(ctx, acct, ""); !equalIDs(ids(ms), []int64{id2}) {
		t.Errorf("after clear bob: %v", ids(ms))
	}
	n, err = s.ClearOutbox(ctx, acct, "")
	if err != nil || n != 1 {
		t.Errorf("ClearOutbox(all) = %d, %v; want 1", n, err)
	}
	if ms, _ := s.Outbox(ctx, "other@x", ""); len(ms) != 1 {
		t.Errorf("other account's outbox changed: %+v", ms)
	}

	for _, m := range []OutboxMessage{
		{Account: acct, Passport: "bob@x", Kind: "wink"},
		{Account: acct, Passport: "bob@x", Kind: ""},
		{Account: acct, Passport: "", Kind: KindText},
		{Account: "", Passport: "bob@x", Kind: KindText},
	} {
		if _, err := s.Enqueue(ctx, m); err == nil {
			t.Errorf("Enqueue(%+v) succeeded", m)
		}
	}
}

func ids(ms []OutboxMessage) []int64 {
	var r []int64
	for _, m := range ms {
		r = append(r, m.ID)
	}
	return r
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReplay(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	t0 := time.Date(2026, 5, 6, 7, 8, 9, 1, time.UTC)
	var want []StoredMessage
	for i, m := range []StoredMessage{
		{Account: acct, From: "bob", Command: "PRIVMSG", Text: "hi", Time: t0, MsgID: "id1"},
		{Account: acct, From: "carol", Target: "#chat", Command: "PRIVMSG", Text: "yo", Time: t0.Add(-time.Minute), MsgID: "id2"},
		{Account: acct, From: "bob", Command: "NOTICE", Text: "bob sent a file", Time: t0.Add(time.Second), MsgID: "id3"},
	} {
		id, err := s.SaveReplay(ctx, m)
		if err != nil {
			t.Fatalf("SaveReplay %d: %v", i, err)
		}
		m.ID = id
		want = append(want, m)
	}
	if _, err := s.SaveReplay(ctx, StoredMessage{Account: "other@x", From: "x", Command: "PRIVMSG", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Replay(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("Replay = %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Account != w.Account || g.From != w.From || g.Target != w.Target ||
			g.Command != w.Command || g.Text != w.Text || !g.Time.Equal(w.Time) || g.MsgID != w.MsgID {
			t.Errorf("Replay[%d] = %+v, want %+v", i, g, w)
		}
	}
	// A message saved while replaying must survive the delete.
	late, err := s.SaveReplay(ctx, StoredMessage{Account: acct, From: "bob", Command: "PRIVMSG", Text: "late"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteReplay(ctx, acct, want[len(want)-1].ID); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Replay(ctx, acct)
	if len(got) != 1 || got[0].ID != late || got[0].Text != "late" {
		t.Errorf("after DeleteReplay: %+v", got)
	}
	if got, _ := s.Replay(ctx, "other@x"); len(got) != 1 {
		t.Errorf("other account's replay changed: %+v", got)
	}
	if _, err := s.SaveReplay(ctx, StoredMessage{Account: acct, Command: "PRIVMSG"}); err == nil {
		t.Error("SaveReplay without sender succeeded")
	}
}

func TestCanceledContext(t *testing.T) {
	s, _ := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Contacts(ctx, "a@x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Contacts with canceled ctx = %v, want context.Canceled", err)
	}
	if err := s.PutContact(ctx, Contact{Account: "a@x", Passport: "b@x", Nick: "b"}); !errors.Is(err, context.Canceled) {
		t.Errorf("PutContact with canceled ctx = %v, want context.Canceled", err)
	}
}

func TestOpenBadFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte("this is not an SQLite database, just some text that is long enough to have a header"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		dir,     // a directory
		garbage, // not a database
	} {
		s, err := Open(ctx, path)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", path)
			continue
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%q) error %q does not name the file", path, err)
		}
	}
	// The garbage file was not overwritten.
	if b, _ := os.ReadFile(garbage); !strings.HasPrefix(string(b), "this is not") {
		t.Errorf("garbage file changed: %q", b)
	}
}

// TestPendingAnnounced checks that a request marked announced stays so
// when MSN sends it again (at every login), and that a new one is not.
func TestPendingAnnounced(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	for _, p := range []string{"frank@x", "gina@x"} {
		if err := s.AddPending(ctx, AuthRequest{Account: acct, Passport: p}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkAnnounced(ctx, acct, []string{"FRANK@x"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPending(ctx, AuthRequest{Account: acct, Passport: "frank@x", FriendlyName: "Frank"}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Pending(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range rs {
		got[r.Passport] = r.Announced
	}
	if want := map[string]bool{"frank@x": true, "gina@x": false}; len(got) != 2 || got["frank@x"] != want["frank@x"] || got["gina@x"] != want["gina@x"] {
		t.Errorf("announced = %v, want %v", got, want)
	}
	for p, want := range map[string]bool{"Frank@x": true, "gina@x": false, "nobody@x": false} {
		if a, err := s.PendingAnnounced(ctx, acct, p); err != nil || a != want {
			t.Errorf("PendingAnnounced(%s) = %v, %v; want %v", p, a, err, want)
		}
	}
}

// TestDetachedStatusSetting checks that the detached_status setting is
// stored, and that "" means keep.
func TestDetachedStatusSetting(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	if st, err := s.Settings(ctx, acct); err != nil || st.DetachedStatus != DetachedKeep {
		t.Fatalf("default DetachedStatus = %q, %v; want keep", st.DetachedStatus, err)
	}
	st := DefaultSettings()
	st.DetachedStatus = "AWY"
	if err := s.SaveSettings(ctx, acct, st); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Settings(ctx, acct); err != nil || got.DetachedStatus != "AWY" {
		t.Errorf("DetachedStatus = %q, %v; want AWY", got.DetachedStatus, err)
	}
	if got, err := s.AccountState(ctx, acct); err != nil || got.Settings.DetachedStatus != "AWY" {
		t.Errorf("AccountState DetachedStatus = %q, %v; want AWY", got.Settings.DetachedStatus, err)
	}
	st.DetachedStatus = ""
	if err := s.SaveSettings(ctx, acct, st); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Settings(ctx, acct); got.DetachedStatus != DetachedKeep {
		t.Errorf("DetachedStatus after saving \"\" = %q, want keep", got.DetachedStatus)
	}
}
