package authlimit

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// clock is a fake clock for the limiter.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTest(cfg Config) (*Limiter, *clock) {
	c := &clock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	cfg.Now = c.now
	return New(cfg), c
}

var (
	attacker = netip.MustParseAddr("198.51.100.7")
	owner    = netip.MustParseAddr("203.0.113.9")
)

const alice = "alice@example.com"

func TestDelaysGrowThenLockoutDoubles(t *testing.T) {
	l, c := newTest(Config{})
	want := []time.Duration{
		time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, // growing delays
		15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 16 * time.Hour,
		24 * time.Hour, // capped
	}
	for i, w := range want {
		if d := l.Blocked(alice, attacker); d != 0 {
			t.Fatalf("before failure %d: blocked for %v", i+1, d)
		}
		l.Failed(alice, attacker)
		if d := l.Blocked(alice, attacker); d != w {
			t.Fatalf("after failure %d: blocked for %v, want %v", i+1, d, w)
		}
		c.advance(w)
	}
	// One more failure right as the last lockout ends: still capped.
	c.advance(-time.Second)
	l.Failed(alice, attacker)
	if d := l.Blocked(alice, attacker); d != DefaultMaxLockout {
		t.Fatalf("past the cap: blocked for %v, want %v", d, DefaultMaxLockout)
	}
}

func TestOwnerElsewhereNotLockedOut(t *testing.T) {
	l, _ := newTest(Config{})
	for range 5 {
		l.Failed(alice, attacker)
	}
	if d := l.Blocked(alice, attacker); d != DefaultLockout {
		t.Fatalf("attacker blocked for %v, want the lockout", d)
	}
	if d := l.Blocked(alice, owner); d != 0 {
		t.Fatalf("the owner at another address is blocked for %v", d)
	}
	// Another account from the attacker's address: the per-source key,
	// at 5 of its 20 failures, blocks for its growing delay only.
	if d := l.Blocked("bob@example.com", attacker); d != MaxDelay {
		t.Fatalf("another account from the attacker's address: blocked for %v, want %v", d, MaxDelay)
	}
}

func TestSourceLockoutAcrossAccounts(t *testing.T) {
	l, c := newTest(Config{})
	for i := range 20 {
		c.advance(time.Hour) // waits out each block
		l.Failed(fmt.Sprintf("user%d@example.com", i), attacker)
	}
	if d := l.Blocked("someone@example.com", attacker); d != DefaultLockout {
		t.Fatalf("20 failures on 20 accounts: a new account from that address is blocked for %v, want %v", d, DefaultLockout)
	}
	// A success on one account does not reset the per-source count.
	l.Succeeded("user0@example.com", attacker)
	if d := l.Blocked("user0@example.com", attacker); d != DefaultLockout {
		t.Fatalf("after a success: blocked for %v, want the source lockout", d)
	}
}

func TestSuccessResetsAccountKey(t *testing.T) {
	l, c := newTest(Config{})
	for range 3 {
		l.Failed(alice, owner)
		c.advance(time.Minute)
	}
	l.Succeeded(alice, owner)
	if n, _ := l.Len(); n != 0 {
		t.Fatalf("%d account keys after a success", n)
	}
	// The next failure starts the account key over, but the per-source
	// key keeps its count (4 failures: 8 s).
	l.Failed(alice, owner)
	if d := l.account.blocked(accountKey(alice, owner), c.now(), l.cfg.Forget); d != FirstDelay {
		t.Fatalf("account key after a success and a failure: %v, want %v", d, FirstDelay)
	}
	if d := l.Blocked(alice, owner); d != MaxDelay {
		t.Fatalf("blocked for %v, want the per-source %v", d, MaxDelay)
	}
}

func TestForgottenAfterADay(t *testing.T) {
	l, c := newTest(Config{})
	for range 6 {
		l.Failed(alice, attacker)
	}
	c.advance(DefaultForget)
	if d := l.Blocked(alice, attacker); d != 0 {
		t.Fatalf("blocked %v a day after the last failure", d)
	}
	l.Failed(alice, attacker)
	if d := l.Blocked(alice, attacker); d != FirstDelay {
		t.Fatalf("first failure after forgetting: %v, want %v", d, FirstDelay)
	}
}

func TestTrustedSourceHasNoSourceKey(t *testing.T) {
	bouncer := netip.MustParseAddr("10.1.2.3")
	l, c := newTest(Config{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	for i := range 100 {
		c.advance(time.Hour)
		l.Failed(fmt.Sprintf("user%d@example.com", i), bouncer)
	}
	if d := l.Blocked("someone@example.com", bouncer); d != 0 {
		t.Fatalf("a trusted address is blocked for %v after failures on other accounts", d)
	}
	if _, n := l.Len(); n != 0 {
		t.Fatalf("%d source keys for a trusted address", n)
	}
	// Its (account, source) key still applies.
	for range 5 {
		l.Failed(alice, bouncer)
	}
	if d := l.Blocked(alice, bouncer); d != DefaultLockout {
		t.Fatalf("trusted address, one account: blocked for %v, want %v", d, DefaultLockout)
	}
}

func TestIPv6CountsBySlash64(t *testing.T) {
	l, _ := newTest(Config{SourceFailures: 2})
	l.Failed("a@example.com", netip.MustParseAddr("2001:db8:1:2::1"))
	l.Failed("b@example.com", netip.MustParseAddr("2001:db8:1:2::ffff"))
	if d := l.Blocked("c@example.com", netip.MustParseAddr("2001:db8:1:2:3:4:5:6")); d != DefaultLockout {
		t.Fatalf("same /64: blocked for %v, want %v", d, DefaultLockout)
	}
	if d := l.Blocked("c@example.com", netip.MustParseAddr("2001:db8:1:3::1")); d != 0 {
		t.Fatalf("another /64: blocked for %v", d)
	}
}

func TestBoundedSize(t *testing.T) {
	l, c := newTest(Config{MaxKeys: 100})
	for i := range 1000 {
		c.advance(time.Second)
		src := netip.AddrFrom4([4]byte{192, 0, byte(i >> 8), byte(i)})
		l.Failed(alice, src)
	}
	a, s := l.Len()
	if a > 100 || s > 100 {
		t.Fatalf("%d account keys and %d source keys, limit 100", a, s)
	}
	// The newest keys are kept.
	if d := l.Blocked(alice, netip.AddrFrom4([4]byte{192, 0, 3, 231})); d == 0 {
		t.Fatal("the newest key was dropped")
	}
}

func TestExpiredKeysDroppedFirst(t *testing.T) {
	l, c := newTest(Config{MaxKeys: 3})
	l.Failed("old@example.com", attacker)
	c.advance(DefaultForget)
	for range 4 {
		l.Failed(alice, owner) // a key with failures, newer
	}
	l.Failed("bob@example.com", owner)
	l.Failed("carol@example.com", owner) // full: the forgotten key goes, not alice's
	if d := l.Blocked(alice, owner); d == 0 {
		t.Fatal("a live key was dropped while a forgotten one was kept")
	}
}

func TestConcurrentUse(t *testing.T) {
	l := New(Config{MaxKeys: 50})
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 200 {
				src := netip.AddrFrom4([4]byte{192, 0, byte(g), byte(i)})
				l.Failed(alice, src)
				l.Blocked(alice, src)
				l.Succeeded(alice, src)
			}
		}()
	}
	for range 4 {
		<-done
	}
	if a, s := l.Len(); a > 50 || s > 50 {
		t.Fatalf("%d and %d keys, limit 50", a, s)
	}
}

// A login's turn (Lock) keeps a second one for the same account and
// address waiting, not one for another address; a waiter gives up with
// its context; the keys are forgotten once no login holds them.
func TestLockOneLoginAtATime(t *testing.T) {
	l, _ := newTest(Config{})
	ctx := context.Background()
	unlock, err := l.Lock(ctx, alice, attacker)
	if err != nil {
		t.Fatal(err)
	}
	other, err := l.Lock(ctx, alice, owner)
	if err != nil {
		t.Fatalf("another address waits: %v", err)
	}
	other()
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := l.Lock(short, alice, attacker); err == nil {
		t.Fatal("a second login for the same key got its turn while the first held it")
	}
	got := make(chan func())
	go func() {
		u, err := l.Lock(ctx, alice, attacker)
		if err != nil {
			t.Error(err)
		}
		got <- u
	}()
	unlock()
	(<-got)()
	l.mu.Lock()
	n := len(l.checking)
	l.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d keys kept after every login ended", n)
	}
}
