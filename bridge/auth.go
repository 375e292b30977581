package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/internal/source"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// Errors of the login limits, shown to IRC users.
var (
	errBusy = errors.New("msn2irc is busy signing other users in; try again in a moment")
	// errPasswordRevoked is what a session's clients are told, and the
	// session ends with, when MSN refuses the password it started with.
	errPasswordRevoked = errors.New("MSN no longer accepts the password this session started with; sign in again with your current password")
)

// blockedError is the refusal of a login from a blocked address; its text
// is a sentence shown to the user as is.
type blockedError struct{ wait time.Duration }

func (e blockedError) Error() string {
	return "Too many failed logins from your address: try again in " + roundUp(e.wait).String()
}

// roundUp rounds a wait up to the second, so that "try again in 3s" is
// never too early.
func roundUp(d time.Duration) time.Duration {
	return (d + time.Second - 1).Truncate(time.Second)
}

// Authenticate logs in to MSN with the credentials, or attaches to the
// running session of that account when the password is the session's.
//
// Every way in (PASS, SASL, the guest's login command) ends here, so the
// limits hold for all of them: while the account and address (or the
// address alone) are blocked after failed logins, the password is neither
// compared nor sent to MSN, and the refusal does not count as a failure.
func (b *Bridge) Authenticate(ctx context.Context, creds ircd.Credentials) (*ircd.World, error) {
	var w *ircd.World
	_, err := b.limited(ctx, creds, func(account string) (err error) {
		w, err = b.authenticate(ctx, account, creds.Password, b.loginSource(creds.Source))
		return err
	})
	if err == nil {
		b.cfg.Metrics.Login()
	}
	return w, err
}

// limited runs check, the password check of a login, inside the login
// limits, and returns the normalized account. A blocked (account, address)
// or address is refused before check runs; an error of check matching
// errWrongPassword counts as a failed login, and success resets the
// (account, address) key. Logins for one (account, address) are checked
// one at a time, each after the outcome of the one before; one that cannot
// get its turn within ctx is refused with errBusy. Every way in, IRC
// logins and HTTP uploads, goes through it.
func (b *Bridge) limited(ctx context.Context, creds ircd.Credentials, check func(account string) error) (string, error) {
	m := b.cfg.Metrics
	account, ok := normalizeAccount(creds.Account)
	if !ok {
		m.AuthFailed(metrics.BadAccount)
		return "", errBadAccount
	}
	unlock, err := b.limits.Lock(ctx, account, creds.Source)
	if err != nil {
		m.AuthFailed(metrics.LoginError)
		return "", errBusy
	}
	defer unlock()
	if wait := b.limits.Blocked(account, creds.Source); wait > 0 {
		b.log.Info("login refused: too many failed logins", "account", account, "source", creds.Source, "wait", roundUp(wait))
		m.AuthFailed(metrics.Blocked)
		return "", blockedError{wait}
	}
	err = check(account)
	switch {
	case err == nil:
		b.limits.Succeeded(account, creds.Source)
	case errors.Is(err, errWrongPassword):
		b.limits.Failed(account, creds.Source)
		b.log.Info("login refused: wrong password", "account", account, "source", creds.Source)
		m.AuthFailed(metrics.WrongPassword)
	case errors.Is(err, errNoSession):
		// An HTTP request for an account without a session: counted as a
		// failure, so that probing which accounts are signed in meets
		// the same limits as guessing passwords.
		b.limits.Failed(account, creds.Source)
		m.AuthFailed(metrics.WrongPassword)
	default:
		m.AuthFailed(metrics.LoginError)
	}
	return account, err
}

// authenticate attaches to the account's session or starts one. Errors
// that mean the password is wrong match errWrongPassword.
func (b *Bridge) authenticate(ctx context.Context, account, password string, src netip.Prefix) (*ircd.World, error) {
	if password == "" {
		return nil, errWrongPassword
	}
	for attempt := 0; attempt < 3; attempt++ {
		if s := b.runningSession(account); s != nil {
			w, err := b.attach(ctx, s, password)
			if errors.Is(err, errSessionEnded) {
				continue
			}
			return w, err
		}
		if err := b.mayTryWithMSN(account, password); err != nil {
			return nil, err
		}
		if wait := b.throttle.loginWait(account, src); wait > 0 {
			b.log.Info("login not sent to MSN: too many logins for the account or the address", "account", account, "source", src, "wait", roundUp(wait))
			return nil, fmt.Errorf("MSN login not tried: too many MSN logins for this account (%d a minute) or from your address (%d a minute); connect again in %s, or set keep_online true to keep the session between connections", accountLogins, sourceLogins, roundUp(wait))
		}
		if err := b.loginTurn(ctx); err != nil {
			return nil, err
		}
		s, created, err := b.sessionFor(account, password)
		if err != nil {
			return nil, err
		}
		if !created {
			continue // another client started it meanwhile
		}
		b.throttle.countLogin(account, src)
		select {
		case <-s.ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("MSN login failed: %w", ctx.Err())
		}
		if s.loginErr != nil {
			if errors.Is(s.loginErr, msn.ErrAuthFailed) {
				b.throttle.failed(account, password)
			}
			return nil, loginError(s.loginErr)
		}
		b.throttle.succeeded(account, password)
		if s.firstWorld == nil { // the session ended at once
			continue
		}
		return s.firstWorld, nil // the session expects this client already (see run)
	}
	return nil, errors.New("MSN login failed: the session ended while attaching, try again")
}

// runningSession returns the account's session, nil when none runs.
func (b *Bridge) runningSession(account string) *session {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sessions[account]
}

// mayTryWithMSN reports, as an error, why password must not be sent to MSN
// for account now (see loginThrottle), and counts it as sent otherwise.
func (b *Bridge) mayTryWithMSN(account, password string) error {
	why, wait := b.throttle.take(account, password)
	switch why {
	case refusedRecently:
		b.log.Info("login not retried: MSN refused this password recently", "account", account, "wait", roundUp(wait))
		return fmt.Errorf("%w (refused moments ago; msn2irc tries this password with MSN again in %s)", errWrongPassword, roundUp(wait))
	case tooManyPasswords:
		b.log.Info("login not sent to MSN: too many different passwords for the account", "account", account, "wait", roundUp(wait))
		return fmt.Errorf("MSN login not tried: too many different passwords for this account were tried lately; the next one goes to MSN in %s", roundUp(wait))
	}
	return nil
}

// notSessionPassword is the error of an attach whose password is not the
// session's and was not confirmed with MSN for the reason err: a wrong
// password, which the lockouts count.
func notSessionPassword(err error) error {
	if errors.Is(err, errWrongPassword) {
		return err
	}
	return fmt.Errorf("%w (not this session's password, and %w)", errWrongPassword, err)
}

// loginTurn waits for the bridge's turn to log in to MSN, within ctx; when
// the wait would outlast ctx, it returns errBusy at once.
func (b *Bridge) loginTurn(ctx context.Context) error {
	if b.loginRate == nil {
		return nil
	}
	if err := b.loginRate.Wait(ctx); err != nil {
		return errBusy
	}
	return nil
}

// checkWithMSN asks Passport whether password is the account's, without
// touching the session's notification server connection. It waits its
// turn like a login.
func (b *Bridge) checkWithMSN(ctx context.Context, s *session, password string) error {
	if err := b.loginTurn(ctx); err != nil {
		return err
	}
	cfg := b.cfg.MSN
	cfg.Passport = s.account
	cfg.Password = password
	cfg.Logger = s.log
	ctx, cancel := context.WithTimeout(ctx, b.cfg.LoginTimeout)
	defer cancel()
	return msn.CheckPassword(ctx, cfg)
}

// recheckPassword confirms the session's password with MSN when MSN last
// confirmed it longer ago than PasswordRecheck (sessions that log in with
// TWN or SSO; MD5 ones cannot ask), and reports whether it did. A
// password MSN refuses now ends the session (errPasswordRevoked); an MSN
// that cannot be asked must not lock the user out of a session that runs
// with this password: it lets the login through, and the next asks again.
func (b *Bridge) recheckPassword(ctx context.Context, s *session, password string, st attachCheck) (bool, error) {
	if !st.twn || b.cfg.Now().Sub(st.confirmedAt) < b.cfg.PasswordRecheck {
		return false, nil
	}
	err := b.checkWithMSN(ctx, s, password)
	switch {
	case errors.Is(err, msn.ErrAuthFailed):
		s.log.Info("MSN no longer accepts the session's password: ending the session")
		b.throttle.failed(s.account, password)
		s.post(func() { s.revoked(password) })
		return false, fmt.Errorf("%w: %w", errWrongPassword, errPasswordRevoked)
	case errors.Is(err, errBusy):
		return false, err
	case err != nil:
		s.log.Warn("password recheck: MSN could not be asked; logging in without it", "err", err)
		return false, nil
	}
	return true, nil
}

// attach authorizes a client for the running session s. A password that
// MSN confirmed longer ago than PasswordRecheck is confirmed again first;
// a password other than the session's is checked with MSN and, when MSN
// accepts it, becomes the session's (the owner changed it). Sessions that
// log in with MD5 (MSNP2-7) cannot ask MSN without a new login, which
// would sign them out: they accept only the password they started with.
func (b *Bridge) attach(ctx context.Context, s *session, password string) (*ircd.World, error) {
	// A session still signing in has no world yet: a client that finds it
	// waits for its login, as the client that started it does, rather
	// than being refused.
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("MSN login failed: %w", ctx.Err())
	}
	if s.loginErr != nil {
		// MSN refused the password of the client that started the
		// session, which says nothing of another: that one logs in
		// with its own. (The session is over and forgotten by now.)
		if errors.Is(s.loginErr, msn.ErrAuthFailed) && !s.passwordMatches(password) {
			return nil, errSessionEnded
		}
		return nil, loginError(s.loginErr)
	}
	var st attachCheck
	if err := s.call(ctx, func() { st = s.attachCheck(password) }); err != nil {
		return nil, err
	}
	if st.ending {
		return nil, errSessionEnded
	}
	confirmed := false
	switch {
	case st.matches:
		var err error
		if confirmed, err = b.recheckPassword(ctx, s, password, st); err != nil {
			return nil, err
		}
	case !st.twn:
		return nil, errWrongPassword
	default:
		// Not the session's password: a failed login unless MSN confirms
		// it (the owner changed it). Whether MSN is asked or not, it counts
		// as one, or guesses against a running session would cost nothing.
		if err := b.mayTryWithMSN(s.account, password); err != nil {
			return nil, notSessionPassword(err)
		}
		err := b.checkWithMSN(ctx, s, password)
		switch {
		case errors.Is(err, msn.ErrAuthFailed):
			b.throttle.failed(s.account, password)
			return nil, errWrongPassword
		case err != nil:
			b.log.Info("checking a password with MSN failed", "account", s.account, "err", err)
			return nil, notSessionPassword(loginError(err))
		}
		b.throttle.succeeded(s.account, password)
		confirmed = true
	}
	var w *ircd.World
	var aerr error
	err := s.call(ctx, func() {
		if confirmed {
			s.confirmed(password)
		}
		w, aerr = s.authorize(password)
	})
	if err == nil {
		err = aerr
	}
	if errors.Is(err, errSessionEnded) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("MSN login failed: %w", err)
	}
	if w == nil {
		return nil, errWrongPassword
	}
	return w, nil
}

// loginSource is the key under which the MSN logins from src are
// counted (package source): the zero Prefix, not counted, for a trusted
// network, which carries many users, or a source that is no IP address.
func (b *Bridge) loginSource(src netip.Addr) netip.Prefix {
	key, _ := source.Key(src, b.cfg.TrustedNets)
	return key
}
