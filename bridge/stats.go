package bridge

import "sync"

// Session states reported by Stats.
const (
	StateConnecting   = "connecting"   // the first login is in flight
	StateOnline       = "online"       // signed in to MSN
	StateReconnecting = "reconnecting" // the connection was lost; a new login is due or in flight
	StateStopped      = "stopped"      // signed out and not reconnecting (another location, wrong password)
)

// SessionStats describes one MSN session, for monitoring.
type SessionStats struct {
	State        string // one of the State constants
	Version      int    // MSNP version of the connection, 0 when none is up
	Switchboards int    // switchboard sessions open
}

// sessionStats is what a session publishes of itself for Stats: written
// by the session goroutine after each step, read by any goroutine.
type sessionStats struct {
	mu sync.Mutex
	st SessionStats
}

// publishStats records the session's state for Stats; only the session
// goroutine calls it.
func (s *session) publishStats() {
	st := SessionStats{State: StateOnline, Switchboards: len(s.convs.bySB)}
	switch {
	case s.client != nil:
		st.Version = s.client.Version()
	case s.loggingIn:
		st.State = StateConnecting
	case s.stopped:
		st.State = StateStopped
	default:
		st.State = StateReconnecting
	}
	s.pub.mu.Lock()
	s.pub.st = st
	s.pub.mu.Unlock()
}

// Stats describes every running MSN session, in no order. It names no
// account.
func (b *Bridge) Stats() []SessionStats {
	b.mu.Lock()
	list := make([]*session, 0, len(b.sessions))
	for _, s := range b.sessions {
		list = append(list, s)
	}
	b.mu.Unlock()
	out := make([]SessionStats, 0, len(list))
	for _, s := range list {
		s.pub.mu.Lock()
		st := s.pub.st
		s.pub.mu.Unlock()
		if st.State == "" {
			st.State = StateConnecting // not published yet
		}
		out = append(out, st)
	}
	return out
}
