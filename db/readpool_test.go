package db

import (
	"context"
	"testing"
	"time"
)

// The history's reads go through read-only connections of their own: a
// query still reading holds up no write, and the read connections cannot
// write.
func TestHistoryReadsBesideWrites(t *testing.T) {
	s, _ := openTemp(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ms []HistoryMessage
	for i := range 3 {
		ms = append(ms, HistoryMessage{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: string(rune('a' + i)),
			Time: histT0.Add(time.Duration(i) * time.Second), Command: "PRIVMSG", Text: "hello"})
	}
	if err := s.AddHistory(ctx, ms); err != nil {
		t.Fatal(err)
	}
	// A read in the middle of its rows, as a long CHATHISTORY would be.
	rows, err := s.read.QueryContext(ctx, `SELECT id FROM message WHERE account = ?`, histAcct)
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal("no row")
	}
	// With one connection this would wait for the rows to close, until
	// ctx ends.
	more := []HistoryMessage{{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "later", Time: histT0.Add(time.Minute), Command: "PRIVMSG", Text: "later"}}
	if err := s.AddHistory(ctx, more); err != nil {
		t.Fatalf("a write beside an open read: %v", err)
	}
	rows.Close()
	got, err := s.History(ctx, HistoryRange{Account: histAcct, Conversation: "bob@hotmail.com", Limit: 10})
	if err != nil || len(got) != 4 {
		t.Fatalf("History after the write = %d messages, %v; want 4", len(got), err)
	}

	if _, err := s.read.ExecContext(ctx, `DELETE FROM message`); err == nil {
		t.Error("a read connection deleted messages")
	}
}
