package bridge_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
)

// heldSearch is a store whose searches and history clears each wait for
// a token on release (or for release to close, or their context to end)
// before they run; started gets each as it reaches the store.
type heldSearch struct {
	bridge.Store
	started chan string
	release chan struct{}
}

func (s *heldSearch) ClearHistory(ctx context.Context, account, conv string) (int, error) {
	s.started <- "clear " + conv
	select {
	case <-s.release:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return s.Store.ClearHistory(ctx, account, conv)
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

// newHeldEnv starts an environment whose store is a heldSearch, which
// tells of up to started searches and clears before they are waited for.
func newHeldEnv(t *testing.T, started int, tweak func(*bridge.Config)) (*heldSearch, *env) {
	t.Helper()
	st := &heldSearch{started: make(chan string, started), release: make(chan struct{})}
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) {
		st.Store, c.Store = c.Store, st
		if tweak != nil {
			tweak(c)
		}
	})
	return st, e
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

// A search runs beside the session: messages go on being relayed while
// it runs. Searches and history clears run one at a time, in the order
// they were asked for: a search before a clear answers from before it.
func TestSearchBesideTheSession(t *testing.T) {
	st, e := newHeldEnv(t, 1, nil)
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	chatBob(t, p, "lunch at noon?")
	c.expectFrom("bob", "PRIVMSG", "lunch at noon?")

	c.send("PRIVMSG msn :search lunch")
	st.waitSearch(t)
	c.send("PRIVMSG msn :search noon")
	c.send("PRIVMSG msn :history clear bob")
	chatBob(t, p, "are you there?")
	c.expectFrom("bob", "PRIVMSG", "are you there?")
	c.send("PRIVMSG bob :searching")
	p.expectText("searching")
	st.release <- struct{}{}
	c.expectMsn("bob: <bob> lunch at noon?")
	// The next search only starts once the first answered, and finds what
	// was stored meanwhile.
	st.waitSearch(t)
	st.release <- struct{}{}
	c.expectMsn("bob: <bob> lunch at noon?")
	st.waitSearch(t)
	st.release <- struct{}{}
	c.expectMsn("History with bob cleared: 3 message(s) deleted.")

	close(st.release)
	c.ask("search lunch", "No match")
}

// At most maxHistoryJobs (8) searches and clears wait for their turn;
// more are refused with a clear answer, and nothing is lost of the ones
// that wait.
func TestHistoryJobsBounded(t *testing.T) {
	st, e := newHeldEnv(t, 16, nil)
	c := e.login("alice", alice, password, allCaps)
	c.send("PRIVMSG msn :search running")
	st.waitSearch(t)
	for i := range 8 {
		c.send(fmt.Sprintf("PRIVMSG msn :search waiting%d", i))
	}
	c.ask("history clear all", "Too many history commands wait for their turn")
	close(st.release)
	for range 9 {
		c.expectMsn("No match")
	}
	c.ask("history clear all", "History cleared")
}

// A search that takes longer than SearchTimeout is given up with a clear
// answer, and the next one may run.
func TestSearchTimeout(t *testing.T) {
	st, e := newHeldEnv(t, 1, func(c *bridge.Config) { c.SearchTimeout = 50 * time.Millisecond })
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

// Clearing the history runs beside the session too: a large one takes
// seconds, while messages go on being relayed.
func TestHistoryClearBesideTheSession(t *testing.T) {
	st, e := newHeldEnv(t, 1, nil)
	p := e.peer(bob)
	c := e.login("alice", alice, password, allCaps)
	chatBob(t, p, "lunch at noon?")
	c.expectFrom("bob", "PRIVMSG", "lunch at noon?")
	waitHistory(t, e, bob, "the message", textIs("lunch at noon?"))

	c.send("PRIVMSG msn :history clear all")
	st.waitSearch(t)
	chatBob(t, p, "are you there?")
	c.expectFrom("bob", "PRIVMSG", "are you there?")
	// Stored before the clear began to run, it goes too.
	waitHistory(t, e, bob, "the second message", textIs("are you there?"))
	close(st.release)
	c.expectMsn("History cleared: 2 message(s) deleted.")
	if ms := storedHistory(t, e, bob); len(ms) != 0 {
		t.Errorf("the history keeps %+v", ms)
	}
}

// An account searches at most 10 times at once, then once every two
// seconds: each search holds the store every session shares.
func TestSearchesArePaced(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	for i := range 10 {
		c.ask(fmt.Sprintf("search word%d", i), "No match")
	}
	c.ask("search word10", "Too many searches: try again in a few seconds.")
	e.clock.advance(2 * time.Second)
	c.ask("search word11", "No match")
	c.ask("search word12", "Too many searches")
}

// While the index catches up with a long backlog (after an upgrade
// rebuilt it), a search says so; once the background indexing caught up,
// it answers.
func TestSearchWhileTheIndexCatchesUp(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	ms := make([]db.HistoryMessage, 10*db.IndexChunk+1)
	for i := range ms {
		ms[i] = db.HistoryMessage{Account: alice, Conversation: bob, Sender: bob, SenderNick: "bob", MsgID: fmt.Sprintf("old%d", i),
			Time: time.Now().Add(-time.Hour), Command: "PRIVMSG", Text: fmt.Sprintf("old message %d", i)}
	}
	ctx, cancel := ctxT()
	defer cancel()
	if err := e.store.AddHistory(ctx, ms); err != nil {
		t.Fatal(err)
	}
	c.ask("search message", "The history is still being indexed for search (about 10001 messages left): try again in a minute.")
	if n, err := bridge.IndexHistoryNow(e.bridge); err != nil || n != len(ms) {
		t.Fatalf("indexed %d, %v; want %d", n, err, len(ms))
	}
	c.ask("search 10000", "bob: <bob> old message 10000")
}
