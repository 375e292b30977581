// Package authlimit limits password guessing: it counts failed logins per
// (account, source address) and per source address, blocks a key for a
// growing delay after each failure and locks it out after too many.
//
// While a key is blocked, a login must be refused without looking at the
// password; such a refusal is not a failure. The owner of an account,
// logging in from another address, has keys of their own and is never
// locked out by someone else's guesses.
package authlimit

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/msn2irc/msn2irc/internal/source"
)

// Defaults of Config.
const (
	DefaultFailures       = 5
	DefaultSourceFailures = 20
	DefaultLockout        = 15 * time.Minute
	DefaultMaxLockout     = 24 * time.Hour
	DefaultForget         = 24 * time.Hour
	DefaultMaxKeys        = 100000

	// FirstDelay is the block after a key's first failure; it doubles with
	// each further failure, up to MaxDelay, until the lockout starts.
	FirstDelay = time.Second
	MaxDelay   = 8 * time.Second
)

// Config sets the policy; zero values mean the defaults.
type Config struct {
	// Failures per (account, source) that start a lockout.
	Failures int
	// SourceFailures per source, all accounts together, that start a lockout.
	SourceFailures int
	// Lockout is the first lockout; each further failure doubles it, up to MaxLockout.
	Lockout    time.Duration
	MaxLockout time.Duration
	// Forget is how long after its last failure a key is forgotten.
	Forget time.Duration
	// MaxKeys bounds the keys of each kind kept in memory.
	MaxKeys int
	// Trusted sources carry many users (a bouncer, a proxy): they have no
	// per-source key, only their (account, source) keys.
	Trusted []netip.Prefix
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Limiter counts failed logins. It is safe for concurrent use.
type Limiter struct {
	cfg Config

	mu      sync.Mutex
	account table // by account and source
	source  table // by source
	// checking holds the (account, source) keys whose login is being
	// checked (Lock).
	checking map[string]*keyLock
}

// keyLock serializes the logins of one (account, source) key: a token in
// ch is the login being checked; n counts it and those waiting.
type keyLock struct {
	ch chan struct{}
	n  int
}

// New returns a Limiter with cfg's policy.
func New(cfg Config) *Limiter {
	orDefault(&cfg.Failures, DefaultFailures)
	orDefault(&cfg.SourceFailures, DefaultSourceFailures)
	orDefault(&cfg.Lockout, DefaultLockout)
	orDefault(&cfg.MaxLockout, DefaultMaxLockout)
	orDefault(&cfg.Forget, DefaultForget)
	orDefault(&cfg.MaxKeys, DefaultMaxKeys)
	cfg.MaxLockout = max(cfg.MaxLockout, cfg.Lockout)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Limiter{
		cfg:     cfg,
		account: table{keys: map[string]*entry{}, failures: cfg.Failures},
		source:  table{keys: map[string]*entry{}, failures: cfg.SourceFailures},

		checking: map[string]*keyLock{},
	}
}

// Lock waits until no other login for account from src is being checked,
// or ctx is done, and returns the function that ends this one's turn. A
// login holds its turn from Blocked to Failed or Succeeded, so that logins
// made at once (over many connections) cannot all pass Blocked before the
// first one's failure blocks the key: each waits for the outcome of the
// one before it.
func (l *Limiter) Lock(ctx context.Context, account string, src netip.Addr) (unlock func(), err error) {
	key := accountKey(account, src)
	l.mu.Lock()
	k := l.checking[key]
	if k == nil {
		k = &keyLock{ch: make(chan struct{}, 1)}
		l.checking[key] = k
	}
	k.n++
	l.mu.Unlock()
	leave := func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if k.n--; k.n == 0 {
			delete(l.checking, key)
		}
	}
	select {
	case k.ch <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
	return func() {
		<-k.ch
		leave()
	}, nil
}

func orDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Blocked returns how long a login for account from src must wait; 0 when
// it may be tried now.
func (l *Limiter) Blocked(account string, src netip.Addr) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	wait := l.account.blocked(accountKey(account, src), now, l.cfg.Forget)
	if sk, ok := l.sourceKey(src); ok {
		wait = max(wait, l.source.blocked(sk, now, l.cfg.Forget))
	}
	return wait
}

// Failed records a failed login for account from src.
func (l *Limiter) Failed(account string, src netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	l.account.failed(accountKey(account, src), now, &l.cfg)
	if sk, ok := l.sourceKey(src); ok {
		l.source.failed(sk, now, &l.cfg)
	}
}

// Succeeded forgets the failures of account from src. The per-source count
// stays: one valid account must not let its owner reset the guesses made
// against the others.
func (l *Limiter) Succeeded(account string, src netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.account.keys, accountKey(account, src))
}

// Len returns how many keys of each kind are kept.
func (l *Limiter) Len() (accountKeys, sourceKeys int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.account.keys), len(l.source.keys)
}

// sourceKey is the per-source key of src (see package source), false for
// a trusted source. Sources that are no IP address share one key.
func (l *Limiter) sourceKey(src netip.Addr) (string, bool) {
	if src.IsValid() {
		if _, counted := source.Key(src, l.cfg.Trusted); !counted {
			return "", false
		}
	}
	return sourceString(src), true
}

func sourceString(src netip.Addr) string { return source.Prefix(src).String() }

func accountKey(account string, src netip.Addr) string {
	return account + " " + sourceString(src)
}
