package bridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
)

// heldSearch is a store whose searches each wait for a token on release
// (or for release to close, or their context to end) before they run.
type heldSearch struct {
	bridge.Store
	started chan string
	release chan struct{}
}

func (s *heldSearch) SearchHistory(ctx context.Context, account, text, conv string, limit int) ([]db.HistoryMessage, error) {
	s.started <- text
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Store.SearchHistory(ctx, account, text, conv, limit)
}

// waitSearch waits until a search reached the store.
func (s *heldSearch) waitSearch(t *testing.T) {
	t.Helper()
	select {
	case <-s.started:
	case <-time.After(waitTime):
		t.Fatal("no search reached the store")
	}
}

// A search runs beside the session: messages go on being relayed while it
// runs, one search runs at a time, and a history cleared meanwhile is not
// shown from before.
func TestSearchBesideTheSession(t *testing.T) {
	st := &heldSearch{started: make(chan string, 1), release: make(chan struct{})}
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { st.Store = c.Store; c.Store = st })
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	chatBob(t, p, "lunch at noon?")
	c.expectFrom("bob", "PRIVMSG", "lunch at noon?")

	c.send("PRIVMSG msn :search lunch")
	st.waitSearch(t)
	c.ask("search noon", "A search is still running")
	chatBob(t, p, "are you there?")
	c.expectFrom("bob", "PRIVMSG", "are you there?")
	c.send("PRIVMSG bob :searching")
	p.expectText("searching")
	st.release <- struct{}{}
	c.expectMsn("bob: <bob> lunch at noon?")

	c.send("PRIVMSG msn :search lunch")
	st.waitSearch(t)
	c.ask("history clear bob", "History with bob cleared")
	st.release <- struct{}{}
	c.expectMsn("The history was cleared while the search ran")

	close(st.release)
	c.send("PRIVMSG msn :search lunch")
	st.waitSearch(t)
	c.expectMsn("No match")
}

// A search that takes longer than SearchTimeout is given up with a clear
// answer, and the next one may run.
func TestSearchTimeout(t *testing.T) {
	st := &heldSearch{started: make(chan string, 1), release: make(chan struct{})}
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) {
		st.Store = c.Store
		c.Store = st
		c.SearchTimeout = 50 * time.Millisecond
	})
	c := e.login("alice", alice, password, allCaps)
	for range 2 {
		c.send("PRIVMSG msn :search lunch")
		st.waitSearch(t)
		c.expectMsn("Could not search: the search took too long; try rarer or fewer words.")
	}
}

// The bridge indexes stored messages for search in the background, a
// chunk at a time, so that a search has little left to index.
func TestIndexHistoryInBackground(t *testing.T) {
	e := newEnv(t, "MSNP12")
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	chatBob(t, p, "lunch at noon?", "see you")
	c.expectFrom("bob", "PRIVMSG", "see you")
	waitHistory(t, e, bob, "the second message", textIs("see you"))
	if n, err := bridge.IndexHistoryNow(e.bridge); err != nil || n != 2 {
		t.Fatalf("indexed %d message(s), %v; want 2", n, err)
	}
	if n, err := bridge.IndexHistoryNow(e.bridge); err != nil || n != 0 {
		t.Fatalf("indexed %d message(s) again, %v; want 0", n, err)
	}
	c.ask("search noon", "bob: <bob> lunch at noon?")
}
