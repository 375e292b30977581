package bridge_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
)

// outcomeCountingStore counts the outcomes written apart from their
// messages (each one an update of a stored message).
type outcomeCountingStore struct {
	bridge.Store
	apart atomic.Int32
}

func (s *outcomeCountingStore) WriteHistory(ctx context.Context, w *db.HistoryWrite) error {
	s.apart.Add(int32(len(w.Outcomes)))
	return s.Store.WriteHistory(ctx, w)
}

// A burst of the user's messages is stored with their outcomes: a message
// waits for its outcome before it is stored, instead of being stored at
// once and updated when the switchboard acknowledges it.
func TestHistoryStoresABurstWithItsOutcomes(t *testing.T) {
	var counting *outcomeCountingStore
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) {
		counting = &outcomeCountingStore{Store: c.Store}
		c.Store = counting
	})
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	const n = 600
	for i := range n {
		c.send(fmt.Sprintf("PRIVMSG bob :burst %d", i))
	}
	last := fmt.Sprintf("burst %d", n-1)
	p.expectText(last)
	ms := waitHistory(t, e, bob, "the last message, delivered", func(m db.HistoryMessage) bool {
		return m.Text == last && m.Outcome == db.OutcomeDelivered
	})
	delivered := 0
	for _, m := range ms {
		if m.Self && m.Outcome == db.OutcomeDelivered {
			delivered++
		}
	}
	if delivered != n {
		t.Fatalf("%d of the %d messages stored as delivered", delivered, n)
	}
	// Only a message still waiting when its batch had to be written gets
	// its outcome apart.
	if apart := counting.apart.Load(); apart > n/4 {
		t.Errorf("%d of %d outcomes were written apart from their messages", apart, n)
	}
}
