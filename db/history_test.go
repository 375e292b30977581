package db

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const histAcct = "alice@example.com"

var histT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// addHist stores n messages in conversation conv, the i-th at
// histT0 + times(i) milliseconds, with msgids prefix-i.
func addHist(t testing.TB, s *Store, conv, prefix string, n int, times func(i int) int) []HistoryMessage {
	t.Helper()
	var ms []HistoryMessage
	for i := range n {
		ms = append(ms, HistoryMessage{
			Account: histAcct, Conversation: conv, MsgID: fmt.Sprintf("%s-%d", prefix, i),
			Time:   histT0.Add(time.Duration(times(i)) * time.Millisecond),
			Sender: conv, SenderNick: "bob", Command: "PRIVMSG", Text: fmt.Sprintf("message %d of %s", i, prefix),
		})
	}
	if err := s.AddHistory(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
	return ms
}

func msgids(ms []HistoryMessage) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.MsgID)
	}
	return ids
}

func TestAddHistoryStoresAndSkipsKnownMsgIDs(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	m := HistoryMessage{Account: histAcct, Conversation: "Bob@Hotmail.com", MsgID: "m1", Time: histT0,
		Self: true, Sender: histAcct, SenderNick: "alice", Command: "NOTICE", Text: "\x01ACTION waves\x01", Kind: KindEndpoint, Outcome: OutcomeQueued}
	if err := s.AddHistory(ctx, []HistoryMessage{m, m}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddHistory(ctx, []HistoryMessage{m}); err != nil {
		t.Fatal(err)
	}
	got, err := s.History(ctx, HistoryRange{Account: histAcct, Conversation: "bob@hotmail.com", Newest: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	m.Conversation = "bob@hotmail.com"
	if len(got) != 1 {
		t.Fatalf("history = %+v, want the one message", got)
	}
	m.ID = got[0].ID
	if got[0] != m {
		t.Errorf("stored %+v, want %+v", got[0], m)
	}
	if err := s.SetOutcome(ctx, histAcct, "m1", OutcomeDelivered); err != nil {
		t.Fatal(err)
	}
	if got, err := s.HistoryByMsgID(ctx, histAcct, "m1"); err != nil || got.Outcome != OutcomeDelivered {
		t.Errorf("after SetOutcome: %+v, %v", got, err)
	}
	if _, err := s.HistoryByMsgID(ctx, "other@example.com", "m1"); err == nil {
		t.Error("another account finds the message by msgid")
	}
}

// TestHistoryRangesMatchModel checks History against a model over
// random conversations with many equal times: the order is (time, id),
// both bounds excluded, the newest or oldest Limit of the range.
func TestHistoryRangesMatchModel(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	all := addHist(t, s, "bob@hotmail.com", "b", 200, func(int) int { return r.IntN(40) })
	addHist(t, s, "#chat-1", "c", 50, func(int) int { return r.IntN(40) })
	stored, err := s.History(ctx, HistoryRange{Account: histAcct, Conversation: "bob@hotmail.com", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(all) {
		t.Fatalf("%d stored, want %d", len(stored), len(all))
	}
	less := func(a, b HistoryPos) bool {
		return a.Time.Before(b.Time) || a.Time.Equal(b.Time) && a.ID < b.ID
	}
	pos := func(m HistoryMessage) HistoryPos { return HistoryPos{m.Time, m.ID} }
	for i := 1; i < len(stored); i++ {
		if !less(pos(stored[i-1]), pos(stored[i])) {
			t.Fatalf("not in (time, id) order at %d: %+v then %+v", i, stored[i-1], stored[i])
		}
	}
	randPos := func() HistoryPos {
		switch r.IntN(4) {
		case 0:
			return HistoryPos{}
		case 1:
			return PosBefore(histT0.Add(time.Duration(r.IntN(42)-1) * time.Millisecond))
		case 2:
			return PosAfter(histT0.Add(time.Duration(r.IntN(42)-1) * time.Millisecond))
		default:
			return pos(stored[r.IntN(len(stored))])
		}
	}
	for range 500 {
		q := HistoryRange{Account: histAcct, Conversation: "BOB@hotmail.com", After: randPos(), Before: randPos(), Newest: r.IntN(2) == 0, Limit: 1 + r.IntN(30)}
		var want []HistoryMessage
		for _, m := range stored {
			if (q.After == HistoryPos{} || less(q.After, pos(m))) && (q.Before == HistoryPos{} || less(pos(m), q.Before)) {
				want = append(want, m)
			}
		}
		if len(want) > q.Limit {
			if q.Newest {
				want = want[len(want)-q.Limit:]
			} else {
				want = want[:q.Limit]
			}
		}
		got, err := s.History(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(msgids(got), msgids(want)) {
			t.Fatalf("History(%+v) = %v, want %v", q, msgids(got), msgids(want))
		}
	}
}

func TestHistoryTargetsMarkersAndCursor(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	addHist(t, s, "bob@hotmail.com", "b", 3, func(i int) int { return i * 1000 }) // 0, 1, 2 s
	addHist(t, s, "#chat-2", "c", 2, func(i int) int { return 500 + i*3000 })     // 0.5, 3.5 s
	got, err := s.HistoryTargets(ctx, histAcct, histT0.Add(3*time.Second), histT0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []ConversationLatest{{"bob@hotmail.com", "bob", histT0.Add(2 * time.Second)}, {"#chat-2", "", histT0.Add(500 * time.Millisecond)}}
	if !slices.Equal(got, want) {
		t.Errorf("targets = %+v, want %+v", got, want)
	}
	if got, _ := s.HistoryTargets(ctx, histAcct, histT0, histT0.Add(time.Hour), 1); len(got) != 1 || got[0].Conversation != "#chat-2" {
		t.Errorf("targets limited to 1 = %+v, want #chat-2", got)
	}
	if c, err := s.ConversationByNick(ctx, histAcct, "BOB"); err != nil || c != "bob@hotmail.com" {
		t.Errorf("ConversationByNick = %q, %v", c, err)
	}

	if m, err := s.ReadMarker(ctx, histAcct, "bob@hotmail.com"); err != nil || !m.IsZero() {
		t.Errorf("new read marker = %v, %v; want zero", m, err)
	}
	for _, step := range []struct{ set, want time.Time }{{histT0.Add(time.Second), histT0.Add(time.Second)}, {histT0, histT0.Add(time.Second)}, {histT0.Add(2 * time.Second), histT0.Add(2 * time.Second)}} {
		if got, err := s.MarkRead(ctx, histAcct, "Bob@hotmail.com", step.set); err != nil || !got.Equal(step.want) {
			t.Errorf("MarkRead(%v) = %v, %v; want %v", step.set, got, err, step.want)
		}
	}
	if m, _ := s.ReadMarker(ctx, histAcct, "bob@hotmail.com"); !m.Equal(histT0.Add(2 * time.Second)) {
		t.Errorf("read marker = %v", m)
	}

	if _, ok, _ := s.DeliveryCursor(ctx, histAcct); ok {
		t.Error("a new account has a delivery cursor")
	}
	last, err := s.LastHistoryID(ctx, histAcct)
	if err != nil {
		t.Fatal(err)
	}
	since, older, err := s.HistoryTail(ctx, histAcct, last-2, 10)
	if err != nil || len(since) != 2 || since[1].ID != last || older != 0 {
		t.Errorf("HistoryTail(last-2, 10) = %+v, %d, %v", since, older, err)
	}
	// The newest, in the order stored, and how many older ones are left.
	tail, older, err := s.HistoryTail(ctx, histAcct, 0, 1)
	if err != nil || len(tail) != 1 || tail[0].ID != last || older != int(last)-1 {
		t.Errorf("HistoryTail(0, 1) = %+v, %d, %v; want the last and %d older", tail, older, err, last-1)
	}
	if tail, _, err := s.HistoryTail(ctx, histAcct, last-3, 2); err != nil || len(tail) != 2 || tail[0].ID != last-1 || tail[1].ID != last {
		t.Errorf("HistoryTail(last-3, 2) = %+v, %v; want the last two, oldest first", tail, err)
	}
	for _, id := range []int64{last, last - 1} {
		if err := s.SetDeliveryCursor(ctx, histAcct, id); err != nil {
			t.Fatal(err)
		}
	}
	if c, ok, err := s.DeliveryCursor(ctx, histAcct); err != nil || !ok || c != last {
		t.Errorf("cursor = %d, %v, %v; want %d (it never moves back)", c, ok, err, last)
	}
}

// A conversation in which only the user wrote is named by the contact's
// nick the user wrote to; a message of the contact names it after.
func TestConversationNamedByTheUsersMessages(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if err := s.AddHistory(ctx, []HistoryMessage{
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "1", Time: histT0, Self: true, Sender: histAcct, SenderNick: "me", PeerNick: "bob", Command: "PRIVMSG", Text: "hello?"},
		{Account: histAcct, Conversation: "#chat-1", MsgID: "2", Time: histT0, Self: true, Sender: histAcct, SenderNick: "me", PeerNick: "#chat-1", Command: "PRIVMSG", Text: "all"},
	}); err != nil {
		t.Fatal(err)
	}
	if nick, err := s.ConversationNick(ctx, histAcct, "bob@hotmail.com"); err != nil || nick != "bob" {
		t.Errorf("ConversationNick = %q, %v; want bob", nick, err)
	}
	if conv, err := s.ConversationByNick(ctx, histAcct, "Bob"); err != nil || conv != "bob@hotmail.com" {
		t.Errorf("ConversationByNick(Bob) = %q, %v", conv, err)
	}
	if _, err := s.ConversationNick(ctx, histAcct, "#chat-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a group chat has a nick: %v", err)
	}
	if err := s.AddHistory(ctx, []HistoryMessage{
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "3", Time: histT0.Add(time.Second), Sender: "bob@hotmail.com", SenderNick: "bobby", Command: "PRIVMSG", Text: "here"},
	}); err != nil {
		t.Fatal(err)
	}
	if nick, err := s.ConversationNick(ctx, histAcct, "bob@hotmail.com"); err != nil || nick != "bobby" {
		t.Errorf("ConversationNick after bob wrote = %q, %v; want bobby", nick, err)
	}
}

func TestPurgeAndClearHistory(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	addHist(t, s, "bob@hotmail.com", "b", 2500, func(i int) int { return i })
	addHist(t, s, "carol@hotmail.com", "c", 10, func(i int) int { return 5000 + i })
	n, err := s.PurgeHistory(ctx, histAcct, histT0.Add(2400*time.Millisecond))
	if err != nil || n != 2400 {
		t.Fatalf("PurgeHistory = %d, %v; want 2400", n, err)
	}
	got, _ := s.History(ctx, HistoryRange{Account: histAcct, Conversation: "bob@hotmail.com", Limit: 1000})
	if len(got) != 100 || got[0].MsgID != "b-2400" {
		t.Errorf("after purge: %d messages from %v", len(got), msgids(got[:1]))
	}
	// The full-text index follows deletions.
	if ms, _ := s.SearchHistory(ctx, histAcct, "message", "bob@hotmail.com", 1000); len(ms) != 100 {
		t.Errorf("search after purge finds %d, want 100", len(ms))
	}
	if n, err := s.ClearHistory(ctx, histAcct, "BOB@hotmail.com"); err != nil || n != 100 {
		t.Errorf("ClearHistory(bob) = %d, %v", n, err)
	}
	if ms, _ := s.SearchHistory(ctx, histAcct, "message", "", 1000); len(ms) != 10 {
		t.Errorf("search after clearing bob finds %d, want carol's 10", len(ms))
	}
	if n, err := s.ClearHistory(ctx, histAcct, ""); err != nil || n != 10 {
		t.Errorf("ClearHistory(all) = %d, %v", n, err)
	}
	if ts, _ := s.HistoryTargets(ctx, histAcct, histT0, histT0.Add(time.Hour), 10); len(ts) != 0 {
		t.Errorf("targets after clear: %+v", ts)
	}
}

// A purge takes a conversation, its place in TARGETS and its read marker
// only with its last message. HistoryAccounts lists the accounts with a
// history.
func TestPurgeKeepsConversationsWithMessages(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	addHist(t, s, "bob@hotmail.com", "b", 10, func(i int) int { return i })
	addHist(t, s, "carol@hotmail.com", "c", 3, func(i int) int { return i })
	for _, conv := range []string{"bob@hotmail.com", "carol@hotmail.com"} {
		if _, err := s.MarkRead(ctx, histAcct, conv, histT0.Add(time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddHistory(ctx, []HistoryMessage{{Account: "other@example.com", Conversation: "bob@hotmail.com", MsgID: "o", Time: histT0, Command: "PRIVMSG", Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.HistoryAccounts(ctx); err != nil || len(got) != 2 {
		t.Fatalf("HistoryAccounts = %v, %v; want two accounts", got, err)
	}
	if n, err := s.PurgeHistory(ctx, histAcct, histT0.Add(5*time.Millisecond)); err != nil || n != 8 {
		t.Fatalf("PurgeHistory = %d, %v; want 8", n, err)
	}
	ts, _ := s.HistoryTargets(ctx, histAcct, histT0, histT0.Add(time.Hour), 10)
	if len(ts) != 1 || ts[0].Conversation != "bob@hotmail.com" {
		t.Errorf("targets after the purge: %+v, want bob's alone", ts)
	}
	if m, _ := s.ReadMarker(ctx, histAcct, "bob@hotmail.com"); m.IsZero() {
		t.Error("the read marker of a conversation with messages left went")
	}
	if m, _ := s.ReadMarker(ctx, histAcct, "carol@hotmail.com"); !m.IsZero() {
		t.Errorf("the read marker of a purged conversation stays: %v", m)
	}
	if got, _ := s.History(ctx, HistoryRange{Account: "other@example.com", Conversation: "bob@hotmail.com", Limit: 10}); len(got) != 1 {
		t.Errorf("another account's history: %d messages, want 1", len(got))
	}
}

func TestSearchHistory(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	ms := []HistoryMessage{
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "1", Time: histT0, Command: "PRIVMSG", Text: "lunch at noon?"},
		{Account: histAcct, Conversation: "carol@hotmail.com", MsgID: "2", Time: histT0.Add(time.Second), Command: "PRIVMSG", Text: "LUNCH tomorrow"},
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "3", Time: histT0.Add(2 * time.Second), Command: "PRIVMSG", Text: "no lunch today"},
		{Account: "other@example.com", Conversation: "bob@hotmail.com", MsgID: "4", Time: histT0, Command: "PRIVMSG", Text: "lunch"},
		// An offline message, stored last with the time it was sent.
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "5", Time: histT0.Add(-time.Hour), Command: "PRIVMSG", Text: "lunch?", Kind: KindOIM},
	}
	if err := s.AddHistory(ctx, ms); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text, conv string
		want       []string
	}{
		{"lunch", "", []string{"3", "2", "1", "5"}},
		{"lunch", "bob@hotmail.com", []string{"3", "1", "5"}},
		{"lunch noon", "", []string{"1"}},
		{`lunch OR "x" NEAR -`, "", nil},
		{`"`, "", nil},
		{"dinner", "", nil},
	} {
		got, err := s.SearchHistory(ctx, histAcct, c.text, c.conv, 10)
		if err != nil {
			t.Errorf("search %q: %v", c.text, err)
		}
		if !slices.Equal(msgids(got), c.want) {
			t.Errorf("search %q in %q = %v, want %v", c.text, c.conv, msgids(got), c.want)
		}
	}
}

// A search of a word in more messages than it sorts by time
// (searchWindow) answers with the newest of them, in or out of one
// conversation.
func TestSearchNewestOfMany(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	n := 3 * searchWindow
	var ms []HistoryMessage
	for i := range n {
		ms = append(ms, HistoryMessage{Account: histAcct, Conversation: fmt.Sprintf("c%d@hotmail.com", i%2), MsgID: strconv.Itoa(i),
			Time: histT0.Add(time.Duration(i) * time.Second), Command: "PRIVMSG", Text: "lunch again"})
	}
	if err := s.AddHistory(ctx, ms); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		conv string
		want []string
	}{
		{"", []string{strconv.Itoa(n - 1), strconv.Itoa(n - 2), strconv.Itoa(n - 3)}},
		{"c0@hotmail.com", []string{strconv.Itoa(n - 2), strconv.Itoa(n - 4), strconv.Itoa(n - 6)}},
	} {
		got, err := s.SearchHistory(ctx, histAcct, "lunch", c.conv, 3)
		if err != nil || !slices.Equal(msgids(got), c.want) {
			t.Errorf("search in %q = %v, %v; want %v", c.conv, msgids(got), err, c.want)
		}
	}
}

// TestForgetAccountEmptiesEveryTable fills every table through the store
// for two accounts, forgets one, and checks that no table with an
// account column keeps a row of it, and that the other keeps its own.
func TestForgetAccountEmptiesEveryTable(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	fill := func(acct string) {
		t.Helper()
		for _, err := range []error{
			s.PutContact(ctx, Contact{Account: acct, Passport: "bob@hotmail.com", Nick: "bob"}),
			s.SaveSettings(ctx, acct, Settings{HistoryDays: 3, HistoryDaysSet: true}),
			s.AddPending(ctx, AuthRequest{Account: acct, Passport: "eve@hotmail.com", Received: histT0}),
			s.MarkOIMSeen(ctx, acct, "oim1"),
			s.SetClientID(ctx, acct, "bob@hotmail.com", 7),
			s.AddHistory(ctx, []HistoryMessage{{Account: acct, Conversation: "bob@hotmail.com", MsgID: "m", Command: "PRIVMSG", Text: "secret words"}}),
			s.SetDeliveryCursor(ctx, acct, 1),
			s.SetOwnPicture(ctx, acct, OwnPicture{SHA1: "aa", Size: 1, Updated: histT0}),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		_, err1 := s.Enqueue(ctx, OutboxMessage{Account: acct, Passport: "bob@hotmail.com", Kind: KindText, Text: "later"})
		_, err2 := s.SaveReplay(ctx, StoredMessage{Account: acct, From: "bob", Command: "PRIVMSG", Text: "kept"})
		_, err3 := s.NextChatNumber(ctx, acct)
		_, err4 := s.MachineGUID(ctx, acct, "{guid}")
		_, err5 := s.MarkRead(ctx, acct, "bob@hotmail.com", histT0)
		_, err6 := s.ContactsOf(ctx, acct) // builds the snapshot
		_, err7 := s.AddReceivedFile(ctx, ReceivedFile{Account: acct, Contact: "bob@hotmail.com", Name: "a.txt", Size: 1,
			TokenHash: []byte(acct), Nonce: []byte{1}, Path: "files/x/" + acct, Created: histT0, Expires: histT0.Add(time.Hour)})
		for _, err := range []error{err1, err2, err3, err4, err5, err6, err7} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	fill(histAcct)
	fill("other@example.com")
	// Both accounts' messages in the full-text index, as after a search.
	if _, err := s.IndexHistory(ctx, IndexChunk); err != nil {
		t.Fatal(err)
	}

	counts := func(acct string) map[string]int {
		t.Helper()
		rows, err := s.db.QueryContext(ctx, `SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND p.name = 'account'`)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, name)
		}
		rows.Close()
		got := map[string]int{}
		for _, table := range tables {
			var n int
			if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE account = ?`, acct).Scan(&n); err != nil {
				t.Fatal(err)
			}
			got[table] = n
		}
		var fts int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM message_fts WHERE message_fts MATCH 'secret'`).Scan(&fts); err != nil {
			t.Fatal(err)
		}
		got["message_fts (both accounts)"] = fts
		return got
	}
	before := counts(histAcct)
	for table, n := range before {
		if n == 0 {
			t.Errorf("the test put no row of the account in %s", table)
		}
	}
	if err := s.ForgetAccount(ctx, "ALICE@example.com"); err != nil {
		t.Fatal(err)
	}
	for table, n := range counts(histAcct) {
		if n != 0 && !strings.Contains(table, "both") {
			t.Errorf("%s keeps %d rows of the forgotten account", table, n)
		}
	}
	for table, n := range counts("other@example.com") {
		if n == 0 {
			t.Errorf("%s lost the other account's rows", table)
		}
	}
	if got := counts("")["message_fts (both accounts)"]; got != 1 {
		t.Errorf("full-text index has %d entries, want the other account's 1", got)
	}
}

// TestHistoryQueriesUseIndexes checks with EXPLAIN QUERY PLAN that the
// history's queries search an index rather than scan a table.
func TestHistoryQueriesUseIndexes(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for name, q := range map[string]string{
		"range": `SELECT ` + historyColumns + ` FROM message
			WHERE account = 'a' AND conversation = 'b' AND (time, id) > (1, 2) AND (time, id) < (3, 4) ORDER BY time DESC, id DESC LIMIT 100`,
		"msgid":   `SELECT id FROM message WHERE account = 'a' AND msgid = 'x'`,
		"since":   `SELECT id FROM message INDEXED BY message_account WHERE account = 'a' AND id > 5 ORDER BY id LIMIT 10`,
		"targets": `SELECT max(m.time) FROM message m WHERE m.account = 'a' AND m.conversation = 'b' AND m.time BETWEEN 1 AND 2`,
	} {
		rows, err := s.db.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "; ")
		t.Logf("%s: %s", name, text)
		if !strings.Contains(text, "USING") || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s: plan %q searches no index or sorts", name, text)
		}
	}
}

// WriteHistory applies outcomes to the messages of its own batch and
// moves read markers, keeping a later one, in one transaction.
func TestWriteHistoryOutcomesAndMarkers(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if _, err := s.MarkRead(ctx, histAcct, "carol@hotmail.com", histT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	w := &HistoryWrite{
		Messages: []HistoryMessage{{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "w1", Time: histT0, Self: true, Command: "PRIVMSG", Text: "hi"}},
		Outcomes: []HistoryOutcome{{Account: histAcct, MsgID: "w1", Outcome: OutcomeDelivered}},
		Markers: []HistoryMarker{{Account: histAcct, Conversation: "Bob@hotmail.com", Time: histT0},
			{Account: histAcct, Conversation: "carol@hotmail.com", Time: histT0}},
	}
	if err := s.WriteHistory(ctx, w); err != nil {
		t.Fatal(err)
	}
	if w.Messages[0].ID == 0 {
		t.Error("no id given")
	}
	if m, err := s.HistoryByMsgID(ctx, histAcct, "w1"); err != nil || m.Outcome != OutcomeDelivered {
		t.Errorf("stored %+v, %v", m, err)
	}
	if !w.Markers[0].Time.Equal(histT0) || !w.Markers[1].Time.Equal(histT0.Add(time.Hour)) {
		t.Errorf("markers now %v, %v; want %v and the later %v", w.Markers[0].Time, w.Markers[1].Time, histT0, histT0.Add(time.Hour))
	}
}

// WriteHistory moves the delivery cursor over the messages that reached
// a client, in the same transaction: to the last of them stored, never
// back, and not over the ones after them.
func TestWriteHistoryMovesDeliveryCursor(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	msg := func(id string) HistoryMessage {
		return HistoryMessage{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: id, Time: histT0, Command: "PRIVMSG", Text: id}
	}
	w := &HistoryWrite{Messages: []HistoryMessage{msg("c1"), msg("c2"), msg("c3")}, CursorAccount: histAcct, Delivered: 2}
	if err := s.WriteHistory(ctx, w); err != nil {
		t.Fatal(err)
	}
	if id, ok, err := s.DeliveryCursor(ctx, histAcct); err != nil || !ok || id != w.Messages[1].ID {
		t.Errorf("cursor %d, %v, %v; want the second message's id %d", id, ok, err, w.Messages[1].ID)
	}
	// A batch of messages stored already moves nothing; a cursor never
	// moves back.
	again := &HistoryWrite{Messages: []HistoryMessage{msg("c1")}, CursorAccount: histAcct, Delivered: 1}
	if err := s.WriteHistory(ctx, again); err != nil {
		t.Fatal(err)
	}
	if id, _, err := s.DeliveryCursor(ctx, histAcct); err != nil || id != w.Messages[1].ID {
		t.Errorf("cursor %d, %v after a batch stored already; want %d", id, err, w.Messages[1].ID)
	}
}
