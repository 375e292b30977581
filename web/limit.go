package web

import (
	"net"
	"net/netip"
	"sync"
)

// LimitListener returns a listener that has at most n connections open at
// once: Accept waits while n are open, and the next waits in the kernel's
// backlog until one closes. When perAddress is above 0, one source address
// (outside trusted) may hold at most perAddress of them: one more from it
// is closed at once, so that one address cannot take every slot.
func LimitListener(ln net.Listener, n, perAddress int, trusted []netip.Prefix) net.Listener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{}),
		perAddress: perAddress, trusted: trusted, byAddr: map[netip.Addr]int{}}
}

type limitListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{} // closed by Close: Accept stops waiting
	closeOnce sync.Once

	perAddress int
	trusted    []netip.Prefix
	mu         sync.Mutex
	byAddr     map[netip.Addr]int // connections open per source address
}

// Accept waits for a free slot, then for a connection from an address
// that has room.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		select {
		case l.slots <- struct{}{}:
		case <-l.done:
			return nil, net.ErrClosed
		}
		c, err := l.Listener.Accept()
		if err != nil {
			<-l.slots
			return nil, err
		}
		addr, counted := l.admit(c.RemoteAddr())
		if !counted && addr.IsValid() {
			// Over its address's share: refused, and the slot is free again.
			c.Close()
			<-l.slots
			continue
		}
		return &limitConn{Conn: c, release: func() {
			if counted {
				l.leave(addr)
			}
			<-l.slots
		}}, nil
	}
}

// admit counts a connection from remote against its address's share. It
// returns the address and whether it was counted; an address it does not
// count (no limit, trusted, or not an IP) comes back invalid.
func (l *limitListener) admit(remote net.Addr) (netip.Addr, bool) {
	if l.perAddress <= 0 {
		return netip.Addr{}, false
	}
	ap, err := netip.ParseAddrPort(remote.String())
	if err != nil {
		return netip.Addr{}, false
	}
	addr := ap.Addr().Unmap()
	for _, p := range l.trusted {
		if p.Contains(addr) {
			return netip.Addr{}, false
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byAddr[addr] >= l.perAddress {
		return addr, false
	}
	l.byAddr[addr]++
	return addr, true
}

// leave uncounts a closed connection from addr.
func (l *limitListener) leave(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
}

// Close closes the listener and ends a wait for a slot.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitConn gives its slot back when closed, once.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and frees its slot.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
