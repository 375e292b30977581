// Package source is the one rule by which the program counts a network
// source against its per-address limits (connections, failed logins, MSN
// logins, HTTP connections): an IPv4 host by its address, an IPv6 host by
// its /64, which one host usually holds whole and could otherwise spread
// its connections over; a source in a trusted network (a bouncer host, a
// proxy that carries many users) not at all.
package source

import "net/netip"

// Prefix returns the prefix src counts under: its /64 for IPv6, the
// address itself (/32) for IPv4 or an IPv4-mapped IPv6 address; the zero
// Prefix for an invalid src.
func Prefix(src netip.Addr) netip.Prefix {
	if !src.IsValid() {
		return netip.Prefix{}
	}
	src = src.Unmap()
	bits := 32
	if src.Is6() {
		bits = 64
	}
	p, _ := src.Prefix(bits)
	return p
}

// Key returns the prefix src counts under for a per-address limit, and
// false when it is not counted: not an IP address, or in trusted.
func Key(src netip.Addr, trusted []netip.Prefix) (netip.Prefix, bool) {
	if !src.IsValid() || Trusted(src, trusted) {
		return netip.Prefix{}, false
	}
	return Prefix(src), true
}

// Trusted reports whether src is in one of the trusted networks: a host
// that carries many users (a bouncer, a proxy), not one user's machine.
func Trusted(src netip.Addr, trusted []netip.Prefix) bool {
	src = src.Unmap()
	for _, p := range trusted {
		if p.Contains(src) {
			return true
		}
	}
	return false
}
