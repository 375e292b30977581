package source

import (
	"net/netip"
	"testing"
)

func TestKey(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	for _, tt := range []struct {
		src     string // "" for an invalid address
		key     string
		counted bool
	}{
		{"192.0.2.7", "192.0.2.7/32", true},
		{"::ffff:192.0.2.7", "192.0.2.7/32", true},
		// One IPv6 host holds its /64: every address of it is one source.
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64", true},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64", true},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64", true},
		{"10.1.2.3", "", false},
		{"::ffff:10.1.2.3", "", false},
		{"fd12::1", "", false},
		{"", "", false},
	} {
		var src netip.Addr
		if tt.src != "" {
			src = netip.MustParseAddr(tt.src)
		}
		k, ok := Key(src, trusted)
		if ok != tt.counted || ok && k.String() != tt.key {
			t.Errorf("Key(%s) = %v, %v; want %s, %v", tt.src, k, ok, tt.key, tt.counted)
		}
	}
}

func TestTrusted(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("172.17.0.1/32"), netip.MustParsePrefix("fd00::/8")}
	for addr, want := range map[string]bool{
		"172.17.0.1": true, "::ffff:172.17.0.1": true, "fd00::5": true,
		"172.17.0.2": false, "127.0.0.1": false, "2001:db8::1": false,
	} {
		if got := Trusted(netip.MustParseAddr(addr), trusted); got != want {
			t.Errorf("Trusted(%s) = %v, want %v", addr, got, want)
		}
	}
}
