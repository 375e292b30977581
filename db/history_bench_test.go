package db

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// fillHistory stores n messages of histAcct in convs conversations, one
// millisecond apart, in batches as the bridge writes them.
func fillHistory(b *testing.B, s *Store, n, convs int) {
	b.Helper()
	ctx := context.Background()
	const batch = 10000
	ms := make([]HistoryMessage, 0, batch)
	for i := range n {
		ms = append(ms, HistoryMessage{
			Account: histAcct, Conversation: fmt.Sprintf("contact%d@hotmail.com", i%convs), MsgID: fmt.Sprintf("fill%07d", i),
			Time: histT0.Add(time.Duration(i) * time.Millisecond), Sender: "x@hotmail.com", SenderNick: "x",
			Command: "PRIVMSG", Text: fmt.Sprintf("a message of ordinary length, number %d", i),
		})
		if len(ms) == batch || i == n-1 {
			if err := s.AddHistory(ctx, ms); err != nil {
				b.Fatal(err)
			}
			ms = ms[:0]
		}
	}
}

// BenchmarkHistory1M reads 100 messages of one conversation, as
// CHATHISTORY does, from an account with 1,000,000 stored messages in 10
// conversations.
func BenchmarkHistory1M(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 10_000
	}
	s, _ := openTemp(b)
	fillHistory(b, s, n, 10)
	ctx := context.Background()
	// The bridge indexes in the background what a search finds; a search
	// refuses a backlog this long.
	for {
		k, err := s.IndexHistory(ctx, 100_000)
		if err != nil {
			b.Fatal(err)
		}
		if k == 0 {
			break
		}
	}
	conv := "contact3@hotmail.com"
	mid := histT0.Add(time.Duration(n/2) * time.Millisecond)
	for name, r := range map[string]HistoryRange{
		"LATEST":  {Newest: true},
		"BEFORE":  {Before: PosBefore(mid), Newest: true},
		"AFTER":   {After: PosAfter(mid)},
		"BETWEEN": {After: PosAfter(mid), Before: PosBefore(mid.Add(time.Hour))},
	} {
		r.Account, r.Conversation, r.Limit = histAcct, conv, 100
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if ms, err := s.History(ctx, r); err != nil || len(ms) != 100 {
					b.Fatalf("%d messages, %v", len(ms), err)
				}
			}
		})
	}
	b.Run("TARGETS", func(b *testing.B) {
		for b.Loop() {
			if ts, err := s.HistoryTargets(ctx, histAcct, histT0, mid, 50); err != nil || len(ts) != 10 {
				b.Fatalf("%d targets, %v", len(ts), err)
			}
		}
	})
	b.Run("msgid", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.HistoryByMsgID(ctx, histAcct, "fill0500003"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("search", func(b *testing.B) {
		for b.Loop() {
			if ms, err := s.SearchHistory(ctx, histAcct, "number 500003", "", 10); err != nil || len(ms) != 1 {
				b.Fatalf("%d matches, %v", len(ms), err)
			}
		}
	})
	// A word in every message: the index's matches are many, the rows
	// read for them few; but every one of them in a conversation that
	// has none.
	for _, c := range []struct {
		name, conv string
		want       int
	}{
		{"search-common", "", 10},
		{"search-common-conversation", conv, 10},
		{"search-common-elsewhere", "nobody@hotmail.com", 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if ms, err := s.SearchHistory(ctx, histAcct, "ordinary", c.conv, 10); err != nil || len(ms) != c.want {
					b.Fatalf("%d matches, %v", len(ms), err)
				}
			}
		})
	}
}

// BenchmarkAddHistory stores messages in batches of 256, as the bridge's
// session does; the figure is per message.
func BenchmarkAddHistory(b *testing.B) {
	s, _ := openTemp(b)
	benchAdd(b, s)
}

func benchAdd(b *testing.B, s *Store) {
	ctx := context.Background()
	ms := make([]HistoryMessage, 256)
	i := 0
	for b.Loop() {
		for j := range ms {
			ms[j] = HistoryMessage{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: fmt.Sprintf("add%d", i),
				Time: histT0.Add(time.Duration(i) * time.Millisecond), Sender: "bob@hotmail.com", SenderNick: "bob",
				Command: "PRIVMSG", Text: "hello there, how are you today?"}
			i++
		}
		if err := s.AddHistory(ctx, ms); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/msg")
}

// BenchmarkAddHistoryFilled stores messages in batches of 256 into an
// account that already has 200,000 messages: the index pages no longer
// fit in the cache the first writes warmed.
func BenchmarkAddHistoryFilled(b *testing.B) {
	n := 200_000
	if testing.Short() {
		n = 10_000
	}
	s, _ := openTemp(b)
	fillHistory(b, s, n, 10)
	b.ResetTimer()
	benchAdd(b, s)
}

// BenchmarkWriteHistoryOutcomes stores 256 of the user's messages a
// batch and, in the next, their outcomes, as the bridge does for a bulk
// the user sends; the figure is per message.
func BenchmarkWriteHistoryOutcomes(b *testing.B) {
	s, _ := openTemp(b)
	ctx := context.Background()
	ms := make([]HistoryMessage, 256)
	var outs []HistoryOutcome
	i := 0
	for b.Loop() {
		for j := range ms {
			ms[j] = HistoryMessage{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: fmt.Sprintf("out%d", i),
				Time: histT0.Add(time.Duration(i) * time.Millisecond), Self: true, Sender: histAcct, SenderNick: "alice",
				Command: "PRIVMSG", Text: "hello there, how are you today?"}
			i++
		}
		if err := s.WriteHistory(ctx, &HistoryWrite{Messages: ms, Outcomes: outs}); err != nil {
			b.Fatal(err)
		}
		outs = outs[:0]
		for _, m := range ms {
			outs = append(outs, HistoryOutcome{Account: histAcct, MsgID: m.MsgID, Outcome: OutcomeDelivered})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/msg")
}
