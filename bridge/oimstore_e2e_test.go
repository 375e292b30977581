package bridge_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
)

// oimWriteFailing is a store whose history writes that hold an offline
// message fail while failing is set; each failure is told on failed.
type oimWriteFailing struct {
	bridge.Store
	failing atomic.Bool
	failed  chan struct{}
}

func (s *oimWriteFailing) WriteHistory(ctx context.Context, w *db.HistoryWrite) error {
	for _, m := range w.Messages {
		if m.Kind == db.KindOIM && s.failing.Load() {
			select {
			case s.failed <- struct{}{}:
			default:
			}
			return errors.New("disk I/O error")
		}
	}
	return s.Store.WriteHistory(ctx, w)
}

// An offline message that reached no client and could not be stored is
// left on the MSN server: it comes again at the next login, and is shown
// then.
func TestOIMNotStoredStaysOnTheServer(t *testing.T) {
	for _, v := range oimVersions {
		t.Run(v, func(t *testing.T) {
			st := &oimWriteFailing{failed: make(chan struct{}, 1)}
			st.failing.Store(true)
			e := newEnvWith(t, v, func(c *bridge.Config) { st.Store, c.Store = c.Store, st })
			p := e.modernPeer(bob)
			c := e.login("alice", alice, password, allCaps)
			c.ask("set keep_online true", "keep_online=true")
			leave(c)
			e.leaveOIM(p, alice, "while you were away")
			select {
			case <-st.failed:
			case <-time.After(waitTime):
				t.Fatal("the offline message was never written")
			}
			st.failing.Store(false)
			// The session signs in again, and the server lists it again.
			e.msn.DropNS(alice)
			c2 := e.login("alice", alice, password, allCaps)
			c2.expectFrom("bob", "PRIVMSG", "while you were away")
		})
	}
}
