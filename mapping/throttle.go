package mapping

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// Backoff of logins refused by MSN for a wrong password: the same address
// and password are not tried again with the server for a while, so a bouncer
// that reconnects every few seconds with a wrong password does not send a
// Passport login each time (servers rate-limit or lock such accounts).
const (
	FailedLoginBackoffMin = 30 * time.Second
	FailedLoginBackoffMax = 10 * time.Minute
	// maxThrottled bounds the number of accounts remembered.
	maxThrottled = 10000
)

// loginThrottle remembers refused logins by account and a keyed hash of the
// password (never the password). It is safe for concurrent use.
type loginThrottle struct {
	now func() time.Time
	key [32]byte

	mu    sync.Mutex
	fails map[string]loginFailure
}

type loginFailure struct {
	hash  [32]byte
	count int
	until time.Time
}

func newLoginThrottle(now func() time.Time) *loginThrottle {
	t := &loginThrottle{now: now, fails: map[string]loginFailure{}}
	if _, err := rand.Read(t.key[:]); err != nil {
		panic("mapping: no randomness: " + err.Error())
	}
	return t
}

func (t *loginThrottle) hash(password string) [32]byte {
	m := hmac.New(sha256.New, t.key[:])
	m.Write([]byte(password))
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

// blocked reports how long the server must not be asked again for this
// account and password; 0 when a login may be tried. A different password
// than the refused one may always be tried.
func (t *loginThrottle) blocked(account, password string) time.Duration {
	h := t.hash(password)
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.fails[account]
	if !ok || !hmac.Equal(f.hash[:], h[:]) {
		return 0
	}
	if left := f.until.Sub(t.now()); left > 0 {
		return left
	}
	return 0
}

// failed records that the server refused this account and password; the
// wait doubles with each refusal of the same password.
func (t *loginThrottle) failed(account, password string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.hash(password)
	f := t.fails[account]
	if f.hash != h {
		f = loginFailure{hash: h}
	}
	wait := FailedLoginBackoffMin
	for i := 0; i < f.count && wait < FailedLoginBackoffMax; i++ {
		wait *= 2
	}
	wait = min(wait, FailedLoginBackoffMax)
	f.count++
	f.until = t.now().Add(wait)
	if len(t.fails) >= maxThrottled {
		t.expireLocked()
	}
	t.fails[account] = f
}

// succeeded forgets the account's refusals.
func (t *loginThrottle) succeeded(account string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, account)
}

// expireLocked forgets refusals whose wait is over and, when that is not
// enough to stay under maxThrottled, arbitrary others.
func (t *loginThrottle) expireLocked() {
	now := t.now()
	for a, f := range t.fails {
		if !f.until.After(now) {
			delete(t.fails, a)
		}
	}
	for a := range t.fails {
		if len(t.fails) < maxThrottled {
			break
		}
		delete(t.fails, a)
	}
}
