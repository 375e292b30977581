package web

import (
	"net"
	"net/netip"
	"sync"

	"github.com/msn2irc/msn2irc/internal/source"
)

// LimitListener returns a listener that has at most n connections open at
// once: Accept waits while n are open, and the next waits in the kernel's
// backlog until one closes. When perAddress is above 0, one source address
// (outside trusted) may hold at most perAddress of them: one more from it
// is closed at once, so that one address cannot take every slot. A source
// counts as package source says: an IPv6 host by its /64.
func LimitListener(ln net.Listener, n, perAddress int, trusted []netip.Prefix) net.Listener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{}),
		perAddress: perAddress, trusted: trusted, byAddr: map[netip.Prefix]int{}}
}

type limitListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{} // closed by Close: Accept stops waiting
	closeOnce sync.Once

	perAddress int
	trusted    []netip.Prefix
	mu         sync.Mutex
	byAddr     map[netip.Prefix]int // connections open per source (source.Key)
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
		key, counted := l.admit(c.RemoteAddr())
		if !counted && key.IsValid() {
			// Over its address's share: refused, and the slot is free again.
			c.Close()
			<-l.slots
			continue
		}
		return &limitConn{Conn: c, release: func() {
			if counted {
				l.leave(key)
			}
			<-l.slots
		}}, nil
	}
}

// admit counts a connection from remote against its source's share. It
// returns the source's key and whether it was counted; a source it does
// not count (no limit, trusted, or not an IP) comes back invalid.
func (l *limitListener) admit(remote net.Addr) (netip.Prefix, bool) {
	if l.perAddress <= 0 {
		return netip.Prefix{}, false
	}
	ap, err := netip.ParseAddrPort(remote.String())
	if err != nil {
		return netip.Prefix{}, false
	}
	key, counted := source.Key(ap.Addr(), l.trusted)
	if !counted {
		return netip.Prefix{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byAddr[key] >= l.perAddress {
		return key, false
	}
	l.byAddr[key]++
	return key, true
}

// leave uncounts a closed connection of key.
func (l *limitListener) leave(key netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byAddr[key]--; l.byAddr[key] <= 0 {
		delete(l.byAddr, key)
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
