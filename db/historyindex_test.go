package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// ftsCheck runs the full-text index's own integrity check and the one
// Open runs (PRAGMA quick_check, which checks the index too): both must
// pass whether or not the index caught up with the messages.
func ftsCheck(t *testing.T, s *Store) {
	t.Helper()
	if _, err := s.db.Exec(`INSERT INTO message_fts (message_fts) VALUES ('integrity-check')`); err != nil {
		t.Errorf("full-text index integrity: %v", err)
	}
	var res string
	if err := s.db.QueryRow(`PRAGMA quick_check`).Scan(&res); err != nil || res != "ok" {
		t.Errorf("quick_check = %q, %v", res, err)
	}
}

// ftsRows counts the messages the full-text index holds.
func ftsRows(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM message_fts_docsize`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A message in colour is found by its words, the first after a colour
// code too, and a word a formatting code cuts in two is one word; words
// typed with formatting match as plain words.
func TestSearchColouredText(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if err := s.AddHistory(ctx, []HistoryMessage{
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "red", Time: histT0, Command: "PRIVMSG", Text: "\x0304hello there"},
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "mixed", Time: histT0.Add(time.Second), Command: "PRIVMSG", Text: "see \x0312,01blue\x03 and \x04ff8800orange\x04 \x02bold\x02"},
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "plain", Time: histT0.Add(2 * time.Second), Command: "PRIVMSG", Text: "12hello world"},
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "split", Time: histT0.Add(3 * time.Second), Command: "PRIVMSG", Text: "a word sp\x1dlit\x1d by italics"},
	}); err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string][]string{
		"hello":           {"red"},
		"there":           {"red"},
		"blue":            {"mixed"},
		"orange":          {"mixed"},
		"bold":            {"mixed"},
		"\x0304hello":     {"red"},
		"12hello":         {"plain"},
		"ff8800orange":    nil,
		"see blue and":    {"mixed"},
		"\x02see\x02 and": {"mixed"},
		"sp\x1dlit":       {"split"},
		"split":           {"split"},
	} {
		got, err := s.SearchHistory(ctx, histAcct, query, "", 10)
		if err != nil || !slices.Equal(msgids(got), want) {
			t.Errorf("search %q = %v, %v; want %v", query, msgids(got), err, want)
		}
	}
	ftsCheck(t, s)
}

// Storing a message leaves the full-text index alone (that is what makes
// a write cheap); the search that follows finds it all the same.
func TestWriteHistoryLeavesIndexToSearch(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if err := s.AddHistory(ctx, []HistoryMessage{
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "1", Time: histT0, Command: "PRIVMSG", Text: "see you at the harbour"},
	}); err != nil {
		t.Fatal(err)
	}
	if n := ftsRows(t, s); n != 0 {
		t.Errorf("the write indexed %d message(s); want the index left to the next search", n)
	}
	ftsCheck(t, s)
	got, err := s.SearchHistory(ctx, histAcct, "harbour", "", 10)
	if err != nil || !slices.Equal(msgids(got), []string{"1"}) {
		t.Fatalf("search right after the write = %v, %v; want [1]", msgids(got), err)
	}
	// Written after a search: found by the next one.
	if err := s.AddHistory(ctx, []HistoryMessage{
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "2", Time: histT0.Add(time.Second), Command: "PRIVMSG", Text: "the harbour, then"},
	}); err != nil {
		t.Fatal(err)
	}
	got, err = s.SearchHistory(ctx, histAcct, "harbour", "", 10)
	if err != nil || !slices.Equal(msgids(got), []string{"2", "1"}) {
		t.Fatalf("search = %v, %v; want [2 1]", msgids(got), err)
	}
	ftsCheck(t, s)
}

// A search catches up with many messages not indexed yet, a chunk per
// transaction, and IndexHistory says when it caught up.
func TestSearchIndexesInChunks(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	n := 2*IndexChunk + 17
	addWordMessages(t, s, n)
	if k, err := s.IndexHistory(ctx, 10); err != nil || k != 10 {
		t.Fatalf("IndexHistory(10) = %d, %v; want 10", k, err)
	}
	for _, w := range []string{"word0", "word1500", fmt.Sprintf("word%d", n-1)} {
		got, err := s.SearchHistory(ctx, histAcct, w, "", 10)
		if err != nil || len(got) != 1 {
			t.Errorf("search %s = %v, %v; want one message", w, msgids(got), err)
		}
	}
	if rows := ftsRows(t, s); rows != n {
		t.Errorf("index holds %d messages, want %d", rows, n)
	}
	if k, err := s.IndexHistory(ctx, 10); err != nil || k != 0 {
		t.Errorf("IndexHistory when caught up = %d, %v; want 0", k, err)
	}
	ftsCheck(t, s)
}

// Deleting messages the index does not hold yet, and ones it does,
// keeps the index whole: the deleted ones are no longer found, the rest
// are.
func TestDeleteBeforeAndAfterIndexing(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	add := func(conv, id, text string) {
		t.Helper()
		if err := s.AddHistory(ctx, []HistoryMessage{{Account: histAcct, Conversation: conv, MsgID: id, Time: histT0, Command: "PRIVMSG", Text: text}}); err != nil {
			t.Fatal(err)
		}
	}
	add("bob@hotmail.com", "1", "apple indexed")
	add("carol@hotmail.com", "2", "apple indexed kept")
	if _, err := s.IndexHistory(ctx, IndexChunk); err != nil {
		t.Fatal(err)
	}
	add("bob@hotmail.com", "3", "apple not indexed")
	add("carol@hotmail.com", "4", "apple not indexed kept")
	if _, err := s.ClearHistory(ctx, histAcct, "bob@hotmail.com"); err != nil {
		t.Fatal(err)
	}
	ftsCheck(t, s)
	got, err := s.SearchHistory(ctx, histAcct, "apple", "", 10)
	if err != nil || !slices.Equal(msgids(got), []string{"4", "2"}) {
		t.Errorf("search after clear = %v, %v; want [4 2]", msgids(got), err)
	}
	ftsCheck(t, s)
}

// A search does not index a long backlog on the user's behalf (after an
// upgrade rebuilt the index): it says how much is left, and searches once
// the background indexing caught up.
func TestSearchWhileTheIndexCatchesUp(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	n := searchIndexMax + 5
	addWordMessages(t, s, n)
	_, err := s.SearchHistory(ctx, histAcct, "word0", "", 10)
	var ie *IndexingError
	if !errors.As(err, &ie) || ie.Left != int64(n) {
		t.Fatalf("search with %d messages not indexed = %v; want an IndexingError with them left", n, err)
	}
	if rows := ftsRows(t, s); rows != 0 {
		t.Errorf("the search indexed %d messages", rows)
	}
	if k, err := s.IndexHistory(ctx, 10); err != nil || k != 10 {
		t.Fatalf("IndexHistory(10) = %d, %v", k, err)
	}
	// Within the bound now: the search indexes the rest itself.
	got, err := s.SearchHistory(ctx, histAcct, fmt.Sprintf("word%d", n-1), "", 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("search = %v, %v; want one message", msgids(got), err)
	}
	ftsCheck(t, s)
}

// addWordMessages stores n messages of histAcct with bob, the i-th saying
// "word<i> common", none of them indexed for search yet.
func addWordMessages(t *testing.T, s *Store, n int) {
	t.Helper()
	ms := make([]HistoryMessage, n)
	for i := range ms {
		ms[i] = HistoryMessage{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: fmt.Sprint(i),
			Time: histT0.Add(time.Duration(i) * time.Millisecond), Command: "PRIVMSG", Text: fmt.Sprintf("word%d common", i)}
	}
	if err := s.AddHistory(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
}
