package bridge_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/msn"
)

// cursorCountingStore counts the delivery cursor's writes of their own.
type cursorCountingStore struct {
	bridge.Store
	sets atomic.Int32
}

func (s *cursorCountingStore) SetDeliveryCursor(ctx context.Context, account string, id int64) error {
	s.sets.Add(1)
	return s.Store.SetDeliveryCursor(ctx, account, id)
}

// Messages that reach a client live move the delivery cursor in the
// transaction that stores them, not in one of its own after each batch.
func TestHistoryCursorMovesWithTheBatch(t *testing.T) {
	var counting *cursorCountingStore
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) {
		counting = &cursorCountingStore{Store: c.Store}
		c.Store = counting
	})
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	ctx, cancel := ctxT()
	defer cancel()
	sb := p.chat(alice)
	for _, text := range []string{"one", "two", "three"} {
		if err := sb.SendText(ctx, text, msn.Format{}); err != nil {
			t.Fatal(err)
		}
		c.expectFrom("bob", "PRIVMSG", text)
	}
	ms := waitHistory(t, e, bob, "message three", textIs("three"))
	last := ms[len(ms)-1].ID
	deadline := time.Now().Add(waitTime)
	for {
		id, _, err := e.store.DeliveryCursor(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		if id == last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery cursor at %d, want the last message delivered live, %d", id, last)
		}
		pollPause()
	}
	// Once when the account had no cursor yet: it starts at its newest message.
	if n := counting.sets.Load(); n > 1 {
		t.Errorf("the delivery cursor was written on its own %d times, want at most once", n)
	}
}
