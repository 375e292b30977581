package bridge

import (
	"context"
	"sync"
	"time"

	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
)

// HoldSession makes the running session of account wait, from its next
// action on, until release is called; it then runs the service commands
// cmds before anything that was queued behind it. It lets a test change
// the world between ircd resolving a message and the session taking it.
// release may be called more than once.
func HoldSession(b *Bridge, account string, cmds ...string) (release func(), ok bool) {
	b.mu.Lock()
	s := b.sessions[account]
	b.mu.Unlock()
	if s == nil {
		return nil, false
	}
	held := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(held) }) }
	ok = s.post(func() {
		<-held
		for _, line := range cmds {
			s.command(line, mapping.ServiceNick)
		}
	})
	return release, ok
}

// SyncSession waits until the running session of account has done what
// was queued for it before, and the bounds it checks after each (at most
// a minute); it reports false when there is no session, or it ended.
func SyncSession(b *Bridge, account string) bool {
	b.mu.Lock()
	s := b.sessions[account]
	b.mu.Unlock()
	if s == nil {
		return false
	}
	done := make(chan struct{})
	if !s.post(func() { close(done) }) {
		return false
	}
	select {
	case <-done:
		return true
	case <-time.After(time.Minute):
		return false
	}
}

// HistorianOf returns the Historian of account's running session (its
// world's handler), for tests that call CHATHISTORY's methods directly.
func HistorianOf(b *Bridge, account string) (ircd.Historian, bool) {
	b.mu.Lock()
	s := b.sessions[account]
	b.mu.Unlock()
	if s == nil {
		return nil, false
	}
	return &handler{s: s}, true
}

// SweepFiles deletes the expired received files now, as the periodic
// sweep does, and returns how many.
func SweepFiles(b *Bridge) (int, error) { return b.sweepFiles(b.ctx) }

// Sweep runs the periodic sweep now: expired received and uploaded files,
// and the picture cache.
func Sweep(b *Bridge) { b.sweep(b.ctx) }

// ActionRoom returns the capacity of the action channel of account's
// running session.
func ActionRoom(b *Bridge, account string) (int, bool) {
	b.mu.Lock()
	s := b.sessions[account]
	b.mu.Unlock()
	if s == nil {
		return 0, false
	}
	return cap(s.actions), true
}

// EventRoom returns the capacity of the MSN event channel of account's
// running session, read on the session goroutine.
func EventRoom(b *Bridge, account string) (int, bool) {
	b.mu.Lock()
	s := b.sessions[account]
	b.mu.Unlock()
	if s == nil {
		return 0, false
	}
	room := 0
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.call(ctx, func() { room = cap(s.events) }); err != nil {
		return 0, false
	}
	return room, true
}

// IndexHistoryNow runs the background indexing of the history now, as its
// ticker does, and returns how many messages it added to the index.
func IndexHistoryNow(b *Bridge) (int, error) { return b.indexHistory() }

// PictureFailures is how many pictures whose fetch failed the bridge
// remembers for their backoff.
func PictureFailures(b *Bridge) int {
	h := b.pictures()
	if h == nil {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.failures)
}
