package db

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A batch larger than one INSERT statement, with msgids stored already
// and a msgid twice, stores each new message once, in order, and gives
// each the id it is stored under: the replay and the delivery cursor
// follow those ids.
func TestWriteHistoryIDsAcrossStatements(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	msg := func(acct string, i int) HistoryMessage {
		return HistoryMessage{Account: acct, Conversation: "Bob@hotmail.com", MsgID: fmt.Sprintf("m%d", i),
			Time: histT0.Add(time.Duration(i) * time.Millisecond), Command: "PRIVMSG", Text: fmt.Sprintf("text %d", i)}
	}
	var first []HistoryMessage
	for i := 0; i < 300; i += 7 {
		first = append(first, msg(histAcct, i))
	}
	if err := s.AddHistory(ctx, first); err != nil {
		t.Fatal(err)
	}
	var ms []HistoryMessage
	for i := range 300 {
		ms = append(ms, msg(histAcct, i))
		if i == 100 {
			ms = append(ms, msg(histAcct, 99))            // twice in the batch
			ms = append(ms, msg("other@example.com", 99)) // another account's
		}
	}
	w := &HistoryWrite{Messages: ms, CursorAccount: histAcct, Delivered: 200}
	if err := s.WriteHistory(ctx, w); err != nil {
		t.Fatal(err)
	}
	var prev int64
	stored := 0
	for i, m := range w.Messages {
		want := m.Account != histAcct || (m.MsgID != "m99" || i < 100) && !known(first, m.MsgID)
		if !want {
			if m.ID != 0 {
				t.Errorf("message %d (%s) was stored already but got id %d", i, m.MsgID, m.ID)
			}
			continue
		}
		stored++
		if m.ID <= prev {
			t.Fatalf("message %d (%s) has id %d after %d", i, m.MsgID, m.ID, prev)
		}
		prev = m.ID
		got, err := s.HistoryByMsgID(ctx, m.Account, m.MsgID)
		if err != nil || got.ID != m.ID || got.Text != m.Text || got.Conversation != "bob@hotmail.com" {
			t.Errorf("message %d: stored %+v, %v; want id %d, text %q", i, got, err, m.ID, m.Text)
		}
	}
	if want := 300 - len(first) + 1; stored != want {
		t.Errorf("%d messages stored, want %d", stored, want)
	}
	since, older, err := s.HistoryTail(ctx, histAcct, first[len(first)-1].ID, 1000)
	if err != nil || len(since) != 300-len(first) || older != 0 {
		t.Fatalf("%d messages after the first batch, %v; want %d", len(since), err, 300-len(first))
	}
	var lastDelivered int64
	for _, m := range w.Messages[:200] {
		lastDelivered = max(lastDelivered, m.ID)
	}
	if id, ok, err := s.DeliveryCursor(ctx, histAcct); err != nil || !ok || id != lastDelivered {
		t.Errorf("cursor %d, %v, %v; want %d", id, ok, err, lastDelivered)
	}
}

func known(ms []HistoryMessage, msgid string) bool {
	for _, m := range ms {
		if m.MsgID == msgid {
			return true
		}
	}
	return false
}

// Outcomes are applied in the order given, across statements: a
// message's later outcome wins, and each reaches its own account's
// message only.
func TestWriteHistoryOutcomesInOrder(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var ms []HistoryMessage
	for _, acct := range []string{histAcct, "other@example.com"} {
		for i := range 150 {
			ms = append(ms, HistoryMessage{Account: acct, Conversation: "bob@hotmail.com", MsgID: fmt.Sprintf("s%d", i),
				Time: histT0, Self: true, Command: "PRIVMSG", Text: "hi"})
		}
	}
	if err := s.AddHistory(ctx, ms); err != nil {
		t.Fatal(err)
	}
	var outs []HistoryOutcome
	for i := range 150 {
		outs = append(outs, HistoryOutcome{Account: histAcct, MsgID: fmt.Sprintf("s%d", i), Outcome: OutcomeQueued})
	}
	for i := range 100 {
		outs = append(outs, HistoryOutcome{Account: histAcct, MsgID: fmt.Sprintf("s%d", i), Outcome: OutcomeDelivered})
	}
	outs = append(outs, HistoryOutcome{Account: "other@example.com", MsgID: "s7", Outcome: OutcomeNotDelivered},
		HistoryOutcome{Account: histAcct, MsgID: "s120", Outcome: OutcomeNotDelivered})
	if err := s.WriteHistory(ctx, &HistoryWrite{Outcomes: outs}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		acct, msgid, want string
	}{
		{histAcct, "s0", OutcomeDelivered}, {histAcct, "s99", OutcomeDelivered}, {histAcct, "s100", OutcomeQueued},
		{histAcct, "s149", OutcomeQueued}, {histAcct, "s120", OutcomeNotDelivered}, {histAcct, "s7", OutcomeDelivered},
		{"other@example.com", "s7", OutcomeNotDelivered}, {"other@example.com", "s8", ""},
	} {
		if m, err := s.HistoryByMsgID(ctx, c.acct, c.msgid); err != nil || m.Outcome != c.want {
			t.Errorf("%s of %s: outcome %q, %v; want %q", c.msgid, c.acct, m.Outcome, err, c.want)
		}
	}
}
