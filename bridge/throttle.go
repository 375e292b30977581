package bridge

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net/netip"
	"sync"
	"time"
)

// What reaches the MSN server: a refused password is not tried again with
// the server for a while (a bouncer that reconnects every few seconds with
// a wrong password does not send a Passport login each time), and at most
// a few distinct passwords per account and window are sent at all, so that
// guessing through msn2irc cannot get the account locked or the bridge's
// address banned by the server. The password MSN last accepted always
// passes.
const (
	FailedLoginBackoffMin = 30 * time.Second
	FailedLoginBackoffMax = 10 * time.Minute
	// DefaultMSNPasswordTries is how many distinct passwords per account
	// are sent to MSN per passwordTriesWindow.
	DefaultMSNPasswordTries = 3
	passwordTriesWindow     = 15 * time.Minute
	// accountLogins is how many MSN logins a client may start for one
	// account per accountLoginsWindow: each is a Passport login and a
	// turn of the bridge's login rate (MSNLoginRate), which every account
	// shares, so that one account connecting and leaving in a loop cannot
	// take every turn.
	accountLogins       = 6
	accountLoginsWindow = time.Minute
	// sourceLogins is how many MSN logins the clients of one address
	// (outside the trusted networks) may start per accountLoginsWindow,
	// all accounts together: many accounts from one address must not take
	// every turn either.
	sourceLogins = 30
	// maxThrottled bounds the number of accounts remembered.
	maxThrottled = 10000
)

// loginThrottle remembers, per account, the passwords sent to MSN by a
// keyed hash (HMAC with a random per-process key), never the password. It
// is safe for concurrent use.
type loginThrottle struct {
	now   func() time.Time
	tries int // distinct passwords per account per passwordTriesWindow
	key   [32]byte

	mu       sync.Mutex
	fails    map[string]*loginFailure
	bySource map[netip.Prefix][]time.Time // logins started per untrusted source (source.Key), oldest first
}

// loginFailure is what is known of an account's passwords.
type loginFailure struct {
	refused []refusal // the passwords MSN refused lately, at most maxRefused

	accepted    [32]byte // the password MSN accepted last
	hasAccepted bool
	tried       []triedPassword // distinct passwords sent in the window, oldest first
	logins      []time.Time     // logins started in the window (startLogin), oldest first
}

// refusal is a password MSN refused: how often in a row, and until when
// it is not sent again.
type refusal struct {
	hash  [32]byte
	count int
	until time.Time
}

// maxRefused is how many refused passwords an account's record keeps: the
// distinct passwords of a window, and the one accepted before.
func (t *loginThrottle) maxRefused() int { return t.tries + 1 }

// refusalOf returns the refusal of the password hashed h, nil when
// MSN did not refuse it lately.
func (f *loginFailure) refusalOf(h [32]byte) *refusal {
	for i := range f.refused {
		if hmac.Equal(f.refused[i].hash[:], h[:]) {
			return &f.refused[i]
		}
	}
	return nil
}

// refusing reports whether a refused password is still held back.
func (f *loginFailure) refusing(now time.Time) bool {
	for _, r := range f.refused {
		if r.until.After(now) {
			return true
		}
	}
	return false
}

// triedPassword is a password sent to MSN, and when it first was.
type triedPassword struct {
	hash [32]byte
	at   time.Time
}

func newLoginThrottle(now func() time.Time, tries int) *loginThrottle {
	t := &loginThrottle{now: now, tries: tries, fails: map[string]*loginFailure{}, bySource: map[netip.Prefix][]time.Time{}}
	if _, err := rand.Read(t.key[:]); err != nil {
		panic("bridge: no randomness: " + err.Error())
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

// throttleReason says why take refused a password.
type throttleReason int

const (
	sendNow          throttleReason = iota
	refusedRecently                 // MSN refused this very password moments ago
	tooManyPasswords                // the account's distinct passwords for the window are used up
)

// take reports whether password may be sent to MSN for account now, and
// counts it as sent when it may. Otherwise it returns why not and how long
// until it may.
func (t *loginThrottle) take(account, password string) (throttleReason, time.Duration) {
	h := t.hash(password)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.entryLocked(account, now)
	if f.hasAccepted && hmac.Equal(f.accepted[:], h[:]) {
		return sendNow, 0
	}
	if r := f.refusalOf(h); r != nil {
		if left := r.until.Sub(now); left > 0 {
			return refusedRecently, left
		}
	}
	f.pruneTried(now)
	for _, p := range f.tried {
		if hmac.Equal(p.hash[:], h[:]) {
			return sendNow, 0
		}
	}
	if len(f.tried) >= t.tries {
		return tooManyPasswords, f.tried[0].at.Add(passwordTriesWindow).Sub(now)
	}
	f.tried = append(f.tried, triedPassword{hash: h, at: now})
	return sendNow, 0
}

// loginWait returns how long until a client may start an MSN login for
// account from the source src (Bridge.loginSource; not counted per
// address when it is the zero Prefix: trusted, or no IP): 0 unless
// accountLogins were started for the account, or sourceLogins from the
// address, within accountLoginsWindow.
// Only the logins that started a session count (countLogin), so that
// several clients connecting at once, or a login refused for want of a
// turn, cost no more than one.
func (t *loginThrottle) loginWait(account string, src netip.Prefix) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if f := t.fails[account]; f != nil {
		f.pruneLogins(now)
		if len(f.logins) >= accountLogins {
			return f.logins[0].Add(accountLoginsWindow).Sub(now)
		}
	}
	if src.IsValid() {
		ts := pruneTimes(t.bySource[src], now)
		t.bySource[src] = ts
		if len(ts) == 0 {
			delete(t.bySource, src)
		}
		if len(ts) >= sourceLogins {
			return ts[0].Add(accountLoginsWindow).Sub(now)
		}
	}
	return 0
}

// countLogin counts a login that started a session for account from src.
func (t *loginThrottle) countLogin(account string, src netip.Prefix) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.entryLocked(account, now)
	f.logins = append(pruneTimes(f.logins, now), now)
	if !src.IsValid() {
		return
	}
	if len(t.bySource) >= maxThrottled {
		for a, old := range t.bySource {
			if len(pruneTimes(old, now)) == 0 {
				delete(t.bySource, a)
			}
		}
	}
	t.bySource[src] = append(pruneTimes(t.bySource[src], now), now)
}

// pruneTimes drops the times before the window from ts, oldest first.
func pruneTimes(ts []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= accountLoginsWindow {
		i++
	}
	return ts[i:]
}

// pruneLogins forgets the logins started before the window.
func (f *loginFailure) pruneLogins(now time.Time) { f.logins = pruneTimes(f.logins, now) }

// entryLocked returns the record of account, made when there is none.
func (t *loginThrottle) entryLocked(account string, now time.Time) *loginFailure {
	if f := t.fails[account]; f != nil {
		return f
	}
	return t.addLocked(account, now)
}

// pruneTried forgets the passwords sent before the window.
func (f *loginFailure) pruneTried(now time.Time) {
	i := 0
	for i < len(f.tried) && now.Sub(f.tried[i].at) >= passwordTriesWindow {
		i++
	}
	f.tried = f.tried[i:]
}

// failed records that the server refused this account and password; the
// wait doubles with each refusal of the same password.
func (t *loginThrottle) failed(account, password string) {
	h := t.hash(password)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.entryLocked(account, now)
	if f.hasAccepted && f.accepted == h {
		f.hasAccepted = false // changed since
	}
	r := f.refusalOf(h)
	if r == nil {
		if len(f.refused) >= t.maxRefused() {
			// Forget the one whose wait ends first.
			first := 0
			for i := range f.refused {
				if f.refused[i].until.Before(f.refused[first].until) {
					first = i
				}
			}
			f.refused = append(f.refused[:first], f.refused[first+1:]...)
		}
		f.refused = append(f.refused, refusal{hash: h})
		r = &f.refused[len(f.refused)-1]
	}
	wait := FailedLoginBackoffMin
	for i := 0; i < r.count && wait < FailedLoginBackoffMax; i++ {
		wait *= 2
	}
	r.count++
	r.until = now.Add(min(wait, FailedLoginBackoffMax))
}

// succeeded records that the server accepted this password: it always
// passes from now on, until the server refuses it.
func (t *loginThrottle) succeeded(account, password string) {
	h := t.hash(password)
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.fails[account]
	if f == nil {
		f = t.addLocked(account, t.now())
	}
	f.accepted, f.hasAccepted = h, true
	for i := range f.refused {
		if hmac.Equal(f.refused[i].hash[:], h[:]) {
			f.refused = append(f.refused[:i], f.refused[i+1:]...)
			break
		}
	}
}

// addLocked adds an empty record for account, making room first.
func (t *loginThrottle) addLocked(account string, now time.Time) *loginFailure {
	if len(t.fails) >= maxThrottled {
		t.expireLocked(now)
	}
	f := &loginFailure{}
	t.fails[account] = f
	return f
}

// expireLocked forgets the records that hold nothing in force and, when
// that is not enough to stay under maxThrottled, arbitrary others.
func (t *loginThrottle) expireLocked(now time.Time) {
	for a, f := range t.fails {
		f.pruneTried(now)
		f.pruneLogins(now)
		if !f.refusing(now) && len(f.tried) == 0 && len(f.logins) == 0 && !f.hasAccepted {
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
