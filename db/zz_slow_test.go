package db

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestZZClear(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	words := strings.Fields("the quick brown fox jumps over a lazy dog and then we go to lunch at noon see you later ok")
	for b := 0; b < 200; b++ {
		var ms []HistoryMessage
		for i := 0; i < 1000; i++ {
			n := b*1000 + i
			var sb strings.Builder
			for k := 0; k < 8; k++ {
				sb.WriteString(words[(n*7+k*3)%len(words)] + " ")
			}
			ms = append(ms, HistoryMessage{Account: histAcct, Conversation: fmt.Sprintf("c%d@x", n%10), MsgID: fmt.Sprint(n), Time: histT0.Add(time.Duration(n) * time.Millisecond), Command: "PRIVMSG", Text: sb.String()})
		}
		if err := s.AddHistory(ctx, ms); err != nil {
			t.Fatal(err)
		}
	}
	s.IndexHistory(ctx, 1_000_000)
	start := time.Now()
	n, err := s.ClearHistory(ctx, histAcct, "c3@x")
	t.Logf("clear one conversation: %d in %v (%v)", n, time.Since(start), err)
	start = time.Now()
	n, err = s.PurgeHistory(ctx, histAcct, histT0.Add(100*time.Second))
	t.Logf("purge: %d in %v (%v)", n, time.Since(start), err)
	start = time.Now()
	n, err = s.ClearHistory(ctx, histAcct, "")
	t.Logf("clear all: %d in %v (%v)", n, time.Since(start), err)
}
