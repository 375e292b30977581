package ircd

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/source"
)

// Defaults of the connection limits of Config.
const (
	defaultUnregisteredPerAddress = 10
	defaultUnregisteredMax        = 1000
	defaultGuestsPerAddress       = 3
	defaultRegisteredPerAddress   = 20
	defaultGuestTimeout           = 5 * time.Minute
)

// The texts of the ERROR a refused connection gets.
const (
	tooManyFromAddress  = "Too many connections from your address"
	tooManyUnregistered = "Too many unregistered connections on this server"
	tooManyGuests       = "Too many guest connections from your address: log in with PASS address:password or SASL"
	tooManyRegistered   = "Too many clients connected from your address"
)

// refuseWriteTimeout bounds the write of the ERROR line to a connection
// refused by the accept loop. A fresh TCP socket takes a line at once; the
// bound is for a client that is already not reading.
const refuseWriteTimeout = 50 * time.Millisecond

// connLimits counts the connections the limits of Config apply to. A
// connection counts as unregistered from its accept until its welcome or
// its end, as registered from just before its login and welcome until it
// ends, and as a guest from just before its welcome (when its world comes
// from Backend.Guest) until it ends or World.Transfer moves it.
// Per-address counts (keyed as package source says: an IPv6 host by its
// /64) skip trusted sources and connections without an IP address (a
// pipe); the total counts every connection.
type connLimits struct {
	unregPerAddr  int
	unregMax      int
	guestsPerAddr int
	regPerAddr    int
	trusted       []netip.Prefix

	mu           sync.Mutex
	unregistered int                  // in total
	unregByAddr  map[netip.Prefix]int // per untrusted source (source.Key); no zero entries
	guestsByAddr map[netip.Prefix]int // per untrusted source (source.Key); no zero entries
	regByAddr    map[netip.Prefix]int // per untrusted source (source.Key); no zero entries
}

func newConnLimits(cfg *Config) *connLimits {
	return &connLimits{
		unregPerAddr:  cfg.UnregisteredPerAddress,
		unregMax:      cfg.UnregisteredMax,
		guestsPerAddr: cfg.GuestsPerAddress,
		regPerAddr:    cfg.RegisteredPerAddress,
		trusted:       cfg.TrustedNets,
		unregByAddr:   make(map[netip.Prefix]int),
		guestsByAddr:  make(map[netip.Prefix]int),
		regByAddr:     make(map[netip.Prefix]int),
	}
}

// perAddress returns the key src counts under for the per-address
// limits, and false when they do not apply to it (source.Key).
func (l *connLimits) perAddress(src netip.Addr) (netip.Prefix, bool) {
	return source.Key(src, l.trusted)
}

// admit counts a new connection from src as unregistered. Over a limit it
// counts nothing and returns the reason to refuse it with.
func (l *connLimits) admit(src netip.Addr) (refusal string) {
	key, per := l.perAddress(src)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.unregistered >= l.unregMax {
		return tooManyUnregistered
	}
	if per && l.unregByAddr[key] >= l.unregPerAddr {
		return tooManyFromAddress
	}
	l.unregistered++
	if per {
		l.unregByAddr[key]++
	}
	return ""
}

// leaveUnregistered takes back what admit counted for src.
func (l *connLimits) leaveUnregistered(src netip.Addr) {
	key, per := l.perAddress(src)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.unregistered--
	if per {
		decrement(l.unregByAddr, key)
	}
}

// joinRegistered counts c as registered, unless its address has too many
// registered connections. Each costs a goroutine, a send queue, a copy of
// every line of its world and a file descriptor: one address (with one
// valid login) must not take them all.
func (l *connLimits) joinRegistered(c *Client) bool {
	key, per := l.perAddress(c.Source())
	if !per {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.regCounted {
		return true
	}
	if l.regByAddr[key] >= l.regPerAddr {
		return false
	}
	l.regByAddr[key]++
	c.regCounted = true
	return true
}

// leaveWelcomed takes back, when c ends, what joinRegistered and
// joinGuest counted for it, if anything.
func (l *connLimits) leaveWelcomed(c *Client) {
	l.leaveGuest(c)
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.regCounted {
		c.regCounted = false
		key, _ := l.perAddress(c.Source())
		decrement(l.regByAddr, key)
	}
}

// joinGuest counts c as a guest, unless its address has too many.
func (l *connLimits) joinGuest(c *Client) bool {
	key, per := l.perAddress(c.Source())
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.guest {
		return true
	}
	if per {
		if l.guestsByAddr[key] >= l.guestsPerAddr {
			return false
		}
		l.guestsByAddr[key]++
	}
	c.guest = true
	return true
}

// leaveGuest stops counting c as a guest; it does nothing for a client
// that is not one.
func (l *connLimits) leaveGuest(c *Client) {
	key, per := l.perAddress(c.Source())
	l.mu.Lock()
	defer l.mu.Unlock()
	if !c.guest {
		return
	}
	c.guest = false
	if per {
		decrement(l.guestsByAddr, key)
	}
}

// isGuest reports whether c is counted as a guest.
func (l *connLimits) isGuest(c *Client) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return c.guest
}

// decrement lowers m[k] by one, deleting the entry at zero so that the
// maps hold only the sources that have connections.
func decrement(m map[netip.Prefix]int, k netip.Prefix) {
	if m[k] <= 1 {
		delete(m, k)
		return
	}
	m[k]--
}

// sourceOf is the IP address of a connection's peer, IPv4-mapped IPv6
// addresses unmapped; the zero Addr when it has none (a pipe).
func sourceOf(conn net.Conn) netip.Addr {
	a := conn.RemoteAddr()
	if a == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// refuse sends conn ERROR :reason and closes it. From the accept loop
// (inLoop) it spends at most refuseWriteTimeout on it, and sends nothing
// over TLS, whose handshake would wait on the client.
func (s *Server) refuse(conn net.Conn, reason string, inLoop bool) {
	defer conn.Close()
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		remote := "unknown"
		if a := conn.RemoteAddr(); a != nil {
			remote = a.String()
		}
		s.log.Debug("connection refused", slog.String("remote", remote), slog.String("reason", reason))
	}
	timeout := s.cfg.WriteTimeout
	if inLoop {
		if _, ok := conn.(*tls.Conn); ok {
			return
		}
		timeout = refuseWriteTimeout
	}
	_ = conn.SetWriteDeadline(time.Now().Add(timeout))
	_, _ = io.WriteString(conn, encodeLine(&irc.Message{Command: "ERROR", Params: []string{reason}})+"\r\n")
}
