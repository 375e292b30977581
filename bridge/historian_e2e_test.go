package bridge_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
)

// blockingHistoryStore holds the first History or HistoryTargets query
// after it is armed until it is released.
type blockingHistoryStore struct {
	bridge.Store
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

// hold waits, the first time after the store is armed, until released.
func (s *blockingHistoryStore) hold(ctx context.Context) error {
	if s.armed.CompareAndSwap(true, false) {
		close(s.entered)
		select {
		case <-s.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (s *blockingHistoryStore) History(ctx context.Context, r db.HistoryRange) ([]db.HistoryMessage, error) {
	if err := s.hold(ctx); err != nil {
		return nil, err
	}
	return s.Store.History(ctx, r)
}

func (s *blockingHistoryStore) HistoryTargets(ctx context.Context, account string, from, to time.Time, limit int) ([]db.ConversationLatest, error) {
	if err := s.hold(ctx); err != nil {
		return nil, err
	}
	return s.Store.HistoryTargets(ctx, account, from, to, limit)
}

// A CHATHISTORY whose store query takes long does not hold up the
// session: a message that arrives meanwhile reaches the user's other
// client at once (ircd gives the asking client what comes while its
// command runs once the command ends), and the answer, once the query
// ends, has what was stored before it. TARGETS too: its cost grows with
// the account's conversations.
func TestChathistoryQueryDoesNotHoldUpTheSession(t *testing.T) {
	for _, tt := range []struct {
		name, command string
		answer        func(t *testing.T, c *client)
	}{
		{"LATEST", "CHATHISTORY LATEST bob * 10", func(t *testing.T, c *client) {
			var texts []string
			for _, m := range readBatch(t, c, "bob") {
				texts = append(texts, m.Trailing())
			}
			if !slices.Equal(texts, []string{"one"}) {
				t.Errorf("the batch has %q, want [one]", texts)
			}
		}},
		{"TARGETS", "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10", func(t *testing.T, c *client) {
			start := c.expectCmd("BATCH")
			if start.Param(1) != "draft/chathistory-targets" {
				t.Fatalf("TARGETS batch %v", start)
			}
			c.expectCmd("CHATHISTORY", "TARGETS", "bob")
			c.expectCmd("BATCH", "-"+start.Param(0)[1:])
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var st *blockingHistoryStore
			e := newEnvWith(t, "MSNP12", func(c *bridge.Config) {
				st = &blockingHistoryStore{Store: c.Store, entered: make(chan struct{}), release: make(chan struct{})}
				c.Store = st
			})
			p := e.peer(bob)
			c := e.login("alice", alice, password, historyCaps)
			other := e.login("alice", alice, password, allCaps)
			chatBob(t, p, "one")
			c.expectFrom("bob", "PRIVMSG", "one")
			other.expectFrom("bob", "PRIVMSG", "one")
			st.armed.Store(true)
			released := false
			release := func() {
				if !released {
					released = true
					close(st.release)
				}
			}
			defer release()
			c.send(tt.command)
			select {
			case <-st.entered:
			case <-time.After(waitTime):
				t.Fatal("the store was never queried")
			}
			chatBob(t, p, "two")
			other.expectFrom("bob", "PRIVMSG", "two")
			release()
			tt.answer(t, c)
		})
	}
}
