package bridge_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
)

// heldSearchStore holds every search until released, and then until its
// time is up: a search that reads for long.
type heldSearchStore struct {
	bridge.Store
	entered chan struct{}
	release chan struct{}
	running atomic.Int32
}

func (s *heldSearchStore) SearchHistory(ctx context.Context, account, text, conversation string, limit int) ([]db.HistoryMessage, error) {
	s.running.Add(1)
	defer s.running.Add(-1)
	s.entered <- struct{}{}
	<-s.release
	<-ctx.Done() // it reads past its time
	return nil, ctx.Err()
}

// One search reads the store at a time in the whole bridge, so that the
// history's read connections stay free for every session's CHATHISTORY:
// another user's search waits its time for it, then says the bridge is
// busy with searches, rather than running beside it.
func TestOneSearchAtATime(t *testing.T) {
	var st *heldSearchStore
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) {
		st = &heldSearchStore{Store: c.Store, entered: make(chan struct{}, 2), release: make(chan struct{})}
		c.Store = st
		c.SearchTimeout = 200 * time.Millisecond
	})
	var once sync.Once
	release := func() { once.Do(func() { close(st.release) }) }
	defer release()
	a := e.login("alice", alice, password, allCaps)
	b := e.login("bob", bob, password, allCaps)
	a.send("PRIVMSG msn :search lunch")
	select {
	case <-st.entered:
	case <-time.After(waitTime):
		t.Fatal("alice's search never reached the store")
	}
	b.ask("search lunch", "busy with other users' searches")
	if n := st.running.Load(); n != 1 {
		t.Errorf("%d searches read the store at once, want 1", n)
	}
	release()
	a.expectMsn("Could not search: the search took too long")
}
