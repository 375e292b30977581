package ircd

// lusers are the counts LUSERS reports.
type lusers struct {
	visible, invisible int // registered connections, by their user's +i
	unregistered       int // connections that have not registered yet
	peak               int // most registered connections at once
	channels           int // channels of the asking client's world
}

// countLusers counts the server's connections, those that are ending left
// out, and raises the peak of registered ones. Every registration sends
// LUSERS in its welcome, so the peak misses no registration.
func (s *Server) countLusers() lusers {
	var n lusers
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		c.mu.Lock()
		w, closing := c.world, c.closing
		c.mu.Unlock()
		switch {
		case closing:
		case w == nil:
			n.unregistered++
		case w.visible.Load():
			n.visible++
		default:
			n.invisible++
		}
	}
	s.peakUsers = max(s.peakUsers, n.visible+n.invisible)
	n.peak = s.peakUsers
	return n
}

// Stats are counts of the server's connections, for monitoring.
type Stats struct {
	Connected  int // open client connections, registered or not
	Registered int // connections that completed registration
	Listeners  int // listeners Serve is accepting on
	// QueryWaits counts, since the server started, the queries that
	// waited because their client asked faster than Config.QueryInterval.
	QueryWaits int64
}

// Stats counts the server's client connections; those that are ending are
// left out, as LUSERS leaves them out.
func (s *Server) Stats() Stats {
	n := s.countLusers()
	registered := n.visible + n.invisible
	s.mu.Lock()
	listeners := len(s.listeners)
	s.mu.Unlock()
	return Stats{Connected: registered + n.unregistered, Registered: registered, Listeners: listeners,
		QueryWaits: s.queryWaits.Load()}
}
