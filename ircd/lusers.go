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
