package bridge

import (
	"context"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// The first login of a session runs while the session's loop reads the
// client's events: the contact list arrives in batches (ContactsListed)
// and is drawn as it comes, so the world is ready soon after Login
// returns. The client that started the session gets the world once the
// login returned and the initial presence was handled (or firstSyncWait
// passed), so that NAMES shows who is online.

// loginResult is what the first login of a session ended with.
type loginResult struct {
	c   *msn.Client
	err error
}

// startLogin starts the session's first login in a goroutine, which hands
// its client over (started) before it connects, and its result (logged).
func (s *session) startLogin() {
	s.loggingIn = true
	cfg := s.mcfg
	cfg.Started = func(c *msn.Client) { s.started <- c }
	cfg.ListProgress = true
	s.spawn(func(ctx context.Context) {
		c, err := s.loginWith(ctx, cfg, msn.StatusOnline)
		s.logged <- loginResult{c, err}
	})
}

// openWorld draws the world when the first login's contact list begins to
// arrive (n contacts), and handles the events that came before it.
func (s *session) openWorld(n int) {
	s.start(s.first)
	s.beginSaves() // until the complete list is handled
	for _, ev := range s.early {
		s.handleEvent(ev)
	}
	s.early = nil
	s.reserve(n)
	s.world.Reserve(ContactsChannel, n+1) // and the service user
}

// start draws the world of a client whose contact list is synced.
func (s *session) start(c *msn.Client) {
	s.world = s.b.srv.NewWorld(&handler{s: s})
	s.setClient(c)
	s.drawWorld()
	if s.historyOn() {
		s.syncHistory() // reads the delivery cursor before anything is recorded
	}
	s.purgeHistory(nil)
	s.holdSaves = true
	s.holdT = s.afterFunc(s.b.cfg.AttachTimeout, s.releaseSaves)
}

// loggedIn takes the result of the first login. It reports false when the
// login failed: the session is over then.
func (s *session) loggedIn(r loginResult) bool {
	if r.err != nil {
		s.loginFailed(r.err)
		return false
	}
	s.log.Info("signed in to MSN", "version", r.c.Version())
	s.first = r.c
	if s.events == nil && s.world == nil { // Started not taken yet
		s.events = r.c.Events()
	}
	s.firstSyncT = time.NewTimer(firstSyncWait)
	s.firstSync = s.firstSyncT.C
	return true
}

// checkReady hands the world to the first client once the login returned
// and the initial presence was handled, or the events ended.
func (s *session) checkReady() {
	if s.firstSync != nil && (s.presenced || s.events == nil) {
		s.becomeReady()
	}
}

// becomeReady lets the client whose login started the session in: it
// attaches without asking the session again.
func (s *session) becomeReady() {
	if s.world == nil { // the list never came, which Login does not allow
		s.openWorld(0)
	}
	s.first = nil
	s.firstSyncT.Stop()
	s.firstSync = nil
	s.loggingIn = false
	s.firstWorld, _ = s.authorize(s.mcfg.Password)
	close(s.ready)
}

// loginFailed ends a session whose first login failed.
func (s *session) loginFailed(err error) {
	s.log.Info("MSN login failed", "err", err)
	if s.ending != "" {
		err = errShuttingDown
	}
	s.loginErr = err
	s.loggingIn = false
	s.client, s.events, s.first = nil, nil, nil
	s.releaseHold()
	s.unsaved = nil
	if s.settleT != nil {
		s.settleT.Stop()
	}
	s.b.unregister(s)
	close(s.quit)
	close(s.ready)
	s.cancel()
	s.wg.Wait()
	s.ended()
}

// login signs in with the session's credentials and status st.
func (s *session) login(ctx context.Context, cfg msn.Config, st msn.Status) (*msn.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, s.b.cfg.LoginTimeout)
	defer cancel()
	if err := s.b.loginTurn(ctx); err != nil {
		return nil, err
	}
	return s.loginWith(ctx, cfg, st)
}

// loginWith signs in with cfg and status st.
func (s *session) loginWith(ctx context.Context, cfg msn.Config, st msn.Status) (*msn.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, s.b.cfg.LoginTimeout)
	defer cancel()
	return msn.Login(ctx, cfg, st)
}

// setClient starts using a signed-in client.
func (s *session) setClient(c *msn.Client) {
	s.client = c
	s.twn = c.Version() >= 8
	s.confirmedAt = s.b.cfg.Now()
	s.events = c.Events()
	s.synced = false
	s.presenced = false
	if n := c.FriendlyName(); n != "" {
		s.selfName = cleanName(n)
	}
	s.advertisePicture(c)
}
