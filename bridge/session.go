package bridge

import (
	"context"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// session is one MSN account's bridge state. Everything but the fields
// marked otherwise is owned by the goroutine running run: other goroutines
// post functions to it (post, call).
type session struct {
	b       *Bridge
	account string
	salt    [16]byte
	hash    [32]byte
	mcfg    msn.Config // holds the password in memory for reconnects; never logged; owned by the session goroutine
	log     *slog.Logger
	store   Store

	// Safe from any goroutine.
	actions  chan action
	started  chan *msn.Client // the first login's client, before it connects
	logged   chan loginResult // how the first login ended
	ready    chan struct{}    // closed once the first login ended
	loginErr error            // set before ready is closed
	// firstWorld, set before ready is closed, is the world of the client
	// whose login started the session, already expected to attach.
	firstWorld *ircd.World
	quit       chan struct{} // closed when the loop stops taking actions
	done       chan struct{} // closed when everything of the session ended
	stopOnce   sync.Once
	stopCh     chan string // a stop request with its reason
	// Whether a goroutine runs the session's work (see drain); kick tells
	// it that more came.
	runMu   sync.Mutex
	running bool
	kick    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup // short-lived goroutines

	// Owned by the session goroutine.
	client      *msn.Client
	events      <-chan msn.Event
	world       *ircd.World
	settings    db.Settings
	selfName    string
	status      msn.Status // as MSN last confirmed it
	away        awayState  // the status the user chose (away.go)
	psm         string
	contacts    map[string]*contact // by passport (lower case)
	nicks       map[string]*contact // by casefolded nick, stored ones included
	convs       convState
	pending     []pendingClient // clients authenticated and not attached yet, oldest first
	ending      string
	eventsFirst bool      // serveOne looks at events before actions this time
	stopped     bool      // no reconnect (OUT OTH, wrong password)
	twn         bool      // the login went through Passport (MSNP8+), which can check a password alone
	confirmedAt time.Time // when MSN last accepted the password (Config.Now)
	reconnects  int
	reconnectT  *time.Timer
	connecting  bool
	typing      map[typingKey]*time.Timer
	synced      bool
	presenced   bool // the initial presence of this login was handled
	chanCounter int
	replayKept  replayKept
	noPending   bool // the store holds no authorization request for the account
	storeFail   storeFailure
	// unsaved collects contacts to store in one transaction while
	// batching (a contact list sync) or while saves are held back (see
	// holdSaves); nil otherwise.
	unsaved  []*contact
	batching bool
	// holdSaves keeps the contacts of the first sync in unsaved until the
	// first client has its world (or AttachTimeout passed, or the session
	// ends), so that storing them does not delay the client's welcome.
	holdSaves bool
	holdT     *time.Timer // ends holdSaves after AttachTimeout, or welcomeGrace after the attach
	// drawBatch is drawListed's batch of users, kept while the list
	// arrives; nil once it is drawn.
	drawBatch []ircd.ChannelUser
	// outElsewhere is set while the session is signed out because the
	// account signed in from another location (OUT OTH): a bare "login"
	// signs in again.
	outElsewhere bool
	// Contacts whose presence changed, redrawn once it settled (settle.go).
	unsettled map[*contact]bool
	settleT   *time.Timer
}

// sessionEventBuffer is the capacity of a session's MSN event channel when
// the template does not set one: the session reads events as they come,
// and a longer burst waits in the client's queue, so a small channel is
// enough and every idle session keeps less memory.
const sessionEventBuffer = 64

func newSession(b *Bridge, account, password string) *session {
	s := &session{
		b:        b,
		account:  account,
		log:      b.log.With("account", account),
		store:    b.cfg.Store,
		actions:  make(chan action, 64),
		started:  make(chan *msn.Client, 1),
		logged:   make(chan loginResult, 1),
		ready:    make(chan struct{}),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		stopCh:   make(chan string, 1),
		kick:     make(chan struct{}, 1),
		contacts: map[string]*contact{},
		nicks:    map[string]*contact{},
		typing:   map[typingKey]*time.Timer{},
		status:   msn.StatusOnline,
		away:     awayState{chosen: msn.StatusOnline, sent: msn.StatusOnline},
	}
	s.convs.init()
	if _, err := cryptorand.Read(s.salt[:]); err != nil {
		panic("bridge: no randomness: " + err.Error())
	}
	s.hash = s.passwordHash(password)
	s.mcfg = b.cfg.MSN
	s.mcfg.Passport = account
	s.mcfg.Password = password
	s.mcfg.Logger = b.log.With("account", account)
	s.running = true // run, started with the session
	if s.mcfg.ClientID == 0 && s.mcfg.ClientIDFor == nil {
		s.mcfg.ClientIDFor = msn.SupportedClientID // MSN 7 clients send nudges then
	}
	if s.mcfg.EventBuffer <= 0 {
		s.mcfg.EventBuffer = sessionEventBuffer
	}
	s.ctx, s.cancel = context.WithCancel(b.ctx)
	return s
}

func (s *session) passwordHash(password string) [32]byte {
	h := sha256.New()
	h.Write(s.salt[:])
	h.Write([]byte(password))
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// passwordMatches compares password with the session's in constant time.
func (s *session) passwordMatches(password string) bool {
	h := s.passwordHash(password)
	return subtle.ConstantTimeCompare(h[:], s.hash[:]) == 1
}

// attachCheck is what Bridge.attach needs to know of the session before
// it lets a client in.
type attachCheck struct {
	matches     bool      // the password is the session's
	twn         bool      // a password can be checked with Passport
	confirmedAt time.Time // when MSN last accepted the session's password
	ending      bool
}

// attachCheck compares password with the session's.
func (s *session) attachCheck(password string) attachCheck {
	return attachCheck{matches: s.passwordMatches(password), twn: s.twn, confirmedAt: s.confirmedAt, ending: s.ending != ""}
}

// confirmed records that MSN accepted password just now. A password other
// than the session's becomes the session's (its owner changed it): the
// next reconnect uses it, and the old one no longer attaches.
func (s *session) confirmed(password string) {
	if !s.passwordMatches(password) {
		s.log.Info("the session's password changed: MSN accepts a new one")
		s.hash = s.passwordHash(password)
		s.mcfg.Password = password
	}
	s.confirmedAt = s.b.cfg.Now()
}

// revoked ends the session because MSN refused password, unless the
// session's password changed meanwhile.
func (s *session) revoked(password string) {
	if !s.passwordMatches(password) || s.ending != "" {
		return
	}
	s.notice(errPasswordRevoked.Error())
	s.ending = errPasswordRevoked.Error()
}

// authorize returns the world when password is the session's, and expects
// the client to attach. It returns errSessionEnded when the session is ending.
func (s *session) authorize(password string) (*ircd.World, error) {
	if !s.passwordMatches(password) {
		s.log.Info("attach refused: wrong password")
		return nil, nil
	}
	if s.ending != "" {
		return nil, errSessionEnded
	}
	s.pending = append(s.pending, pendingClient{at: time.Now(), timer: s.afterFunc(s.b.cfg.AttachTimeout, s.maybeEnd)})
	return s.world, nil
}

// pendingClient is a client that was authenticated and has not attached.
type pendingClient struct {
	at    time.Time
	timer *time.Timer // runs maybeEnd once the client had its time to attach
}

// attachedPending forgets the oldest pending client: it attached.
func (s *session) attachedPending() {
	if len(s.pending) > 0 {
		s.pending[0].timer.Stop() // its session stays
		s.pending = s.pending[1:]
	}
}

// dropPending forgets every pending client. Their timers would keep the
// session in memory until they fire.
func (s *session) dropPending() {
	for _, p := range s.pending {
		p.timer.Stop()
	}
	s.pending = nil
}

// action is work for the session goroutine.
type action interface{ run() }

// actionFunc is a function run as an action.
type actionFunc func()

func (f actionFunc) run() { f() }

// post runs fn on the session goroutine. It reports false when the session
// has stopped taking work. Safe from any goroutine.
func (s *session) post(fn func()) bool {
	return s.postAction(actionFunc(fn))
}

// postAction is post for an action that is not a function: one that
// carries its own data costs one allocation instead of two.
func (s *session) postAction(fn action) bool {
	// Without waiting first, which costs less than the select below.
	select {
	case <-s.quit:
		return false
	default:
	}
	select {
	case s.actions <- fn:
		s.wake()
		return true
	default:
	}
	select {
	case s.actions <- fn:
		s.wake()
		return true
	case <-s.quit:
		return false
	}
}

// call runs fn on the session goroutine and waits for it to return.
// Safe from any goroutine but the session's own.
func (s *session) call(ctx context.Context, fn func()) error {
	ch := make(chan struct{})
	f := func() {
		defer close(ch)
		fn()
	}
	select {
	case s.actions <- actionFunc(f):
		s.wake()
	case <-s.quit:
		return errSessionEnded
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ch:
		return nil
	case <-s.quit:
		select {
		case <-ch:
			return nil
		default:
			return errSessionEnded
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// spawn runs fn in a short-lived goroutine tied to the session's life.
func (s *session) spawn(fn func(ctx context.Context)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn(s.ctx)
	}()
}

// request runs an MSN request with a timeout off the session goroutine and
// posts done with its result.
func (s *session) request(fn func(ctx context.Context, c *msn.Client) error, done func(error)) {
	c := s.client
	if c == nil {
		done(errNotConnected)
		return
	}
	s.spawn(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, s.b.cfg.RequestTimeout)
		defer cancel()
		err := fn(ctx, c)
		s.post(func() { done(err) })
	})
}

var errNotConnected = errors.New("not connected to MSN right now")

// afterFunc runs fn on the session goroutine after d.
func (s *session) afterFunc(d time.Duration, fn func()) *time.Timer {
	return time.AfterFunc(d, func() { s.post(fn) })
}

// stop asks the session to sign out and end. Safe from any goroutine.
func (s *session) stop(reason string) {
	s.stopOnce.Do(func() {
		s.stopCh <- reason
		s.wake()
	})
}

// run logs in and draws the world, then serves what is ready (see
// drain); it is the session's first goroutine.
func (s *session) run() {
	// MSN signs in on the goroutine of the client that started the
	// session (firstLogin) while the stored state is read here; the world
	// is drawn from the contact list as soon as it arrives, while the
	// login goes online.
	s.loadState()
	var r loginResult
	var started *msn.Client
	ended := false
	select {
	case started = <-s.started:
	case r = <-s.logged:
		// Login calls Started before it returns: it ended before this
		// looked, or it failed before it began.
		ended = true
		select {
		case started = <-s.started:
		default:
		}
	}
	if started != nil && s.awaitList(started) {
		t := time.NewTimer(firstSyncWait)
		s.syncFirst(t, func() bool { return s.presenced })
		t.Stop()
	}
	if !ended {
		r = <-s.logged
	}
	if r.err != nil {
		s.log.Info("MSN login failed", "err", r.err)
		s.loginErr = r.err
		s.client, s.events = nil, nil
		s.releaseHold()
		s.unsaved = nil
		s.b.unregister(s)
		close(s.quit)
		close(s.ready)
		s.cancel()
		s.ended()
		return
	}
	s.log.Info("signed in to MSN", "version", r.c.Version())
	if s.world == nil { // the list never came, which Login does not allow
		s.start(r.c)
	}
	t := time.NewTimer(firstSyncWait)
	s.syncFirst(t, func() bool { return s.presenced })
	t.Stop()
	// The client whose login started the session attaches without asking
	// the session again.
	s.firstWorld, _ = s.authorize(s.mcfg.Password)
	close(s.ready)

	s.events = s.relayEvents(s.events)
	s.drain()
}

// loginResult is what the first login of a session ended with.
type loginResult struct {
	c   *msn.Client
	err error
}

// firstLogin signs in for the session that was just created, on the
// goroutine of the client that asked for it: that goroutine would only
// wait for it, and starting another would cost a thread's wake-up before
// the login even dials. run reads the client's events meanwhile.
func (s *session) firstLogin() {
	cfg := s.mcfg
	cfg.Started = func(c *msn.Client) { s.started <- c }
	cfg.ListProgress = true
	c, err := s.loginWith(s.ctx, cfg, msn.StatusOnline)
	s.logged <- loginResult{c, err}
}

// awaitList reads the events of a client that is logging in until its
// contact list arrives, then draws the world from it and handles the
// events so far. It reports false when the events ended first (the login
// failed).
func (s *session) awaitList(c *msn.Client) bool {
	var early []msn.Event
	begin := func(n int) {
		s.start(c)
		s.beginSaves() // until the complete list is handled
		for _, ev := range early {
			s.handleEvent(ev)
		}
		early = nil
		s.reserve(n)
		s.world.Reserve(n+1, ContactsChannel, n+1)
	}
	for ev := range c.Events() {
		switch ev := ev.(type) {
		case msn.ContactsListed:
			if s.world == nil {
				begin(ev.Total)
			}
			s.drawListed(ev.Contacts)
		case msn.ContactListSynced:
			if s.world == nil {
				begin(len(ev.Contacts))
			}
			s.drawBatch = nil
			s.handleEvent(ev)
			return true
		default:
			if s.world == nil {
				early = append(early, ev)
			} else {
				s.handleEvent(ev)
			}
		}
	}
	return false
}

// firstSyncWait bounds the wait for the contact list and the initial
// presence after the login.
const firstSyncWait = 5 * time.Second

// start draws the world of a client whose contact list is synced.
func (s *session) start(c *msn.Client) {
	s.world = s.b.srv.NewWorld(&handler{s: s})
	s.setClient(c)
	s.drawWorld()
	s.holdSaves = true
	s.holdT = s.afterFunc(s.b.cfg.AttachTimeout, s.releaseSaves)
}

// syncFirst handles the events Login queued until done reports true (the
// contact list taken, or the presence of the contacts already online too),
// the events end or t fires, so the first client gets a complete world:
// NAMES shows who is online, with no burst of MODE +v after it.
func (s *session) syncFirst(t *time.Timer, done func() bool) {
	for !done() && s.events != nil {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.events = nil
				return
			}
			s.handleEvent(ev)
		case <-t.C:
			return
		}
	}
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
}

// shutdown signs out and releases everything; it runs on the session
// goroutine once the loop ended.
func (s *session) shutdown() {
	s.log.Info("session ending", "reason", s.ending)
	// Stored before the account can log in again (the next session reads
	// them), even though the session's context may be cancelled already.
	s.releaseHold()
	if len(s.unsaved) > 0 {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), s.b.cfg.RequestTimeout)
		s.storeUnsaved(ctx)
		cancel()
	}
	s.b.unregister(s)
	close(s.quit)
	s.dropPending()
	if s.reconnectT != nil {
		s.reconnectT.Stop()
	}
	for _, t := range s.typing {
		t.Stop()
	}
	if s.settleT != nil {
		s.settleT.Stop()
	}
	if s.client != nil {
		closeClient(s.client)
		s.client = nil
	}
	s.world.Close(s.ending)
	s.cancel()
	s.wg.Wait()
	s.ended()
}

// ended marks the session as over: done is closed and the bridge stops
// counting it.
func (s *session) ended() {
	close(s.done)
	s.b.wg.Done()
}

// closeClient signs out and drains the client's events until they end.
func closeClient(c *msn.Client) {
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for range c.Events() {
		}
	}()
	c.Close()
	<-drained
}

// maybeEnd ends the session when no client is left and none is coming,
// unless the account keeps the session online.
func (s *session) maybeEnd() {
	// Authenticated clients that did not attach in time are not coming.
	for len(s.pending) > 0 && time.Since(s.pending[0].at) >= s.b.cfg.AttachTimeout {
		s.pending = s.pending[1:]
	}
	if s.world.ClientCount() > 0 || len(s.pending) > 0 || s.settings.KeepOnline {
		return
	}
	if s.ending == "" {
		s.ending = "the last IRC client left"
	}
}

// handleDisconnect reacts to the end of the notification server connection.
func (s *session) handleDisconnect(ev msn.Disconnected) {
	old := s.client
	s.client = nil
	s.events = nil
	if old != nil {
		s.spawn(func(context.Context) { closeClient(old) })
	}
	s.dropConversations()
	s.markAllOffline()
	switch ev.Reason {
	case msn.ReasonClosed:
		return
	case msn.ReasonOtherLogin:
		s.stopped = true
		s.outElsewhere = true
		s.notice("Signed out of MSN: this account signed in from another location. Not reconnecting; say \"login\" to sign in again (here or in /msg msn).")
		return
	}
	why := ev.Reason.String()
	if ev.Err != nil {
		why += ": " + ev.Err.Error()
	}
	s.notice("Lost the connection to MSN (" + why + "). Reconnecting; messages to contacts wait in the outbox.")
	s.scheduleReconnect()
}

// scheduleReconnect waits with exponential backoff and jitter, then logs in again.
func (s *session) scheduleReconnect() {
	if s.stopped || s.connecting || s.client != nil {
		return
	}
	d := s.b.cfg.ReconnectMin
	for i := 0; i < s.reconnects && d < s.b.cfg.ReconnectMax; i++ {
		d *= 2
	}
	if d > s.b.cfg.ReconnectMax {
		d = s.b.cfg.ReconnectMax
	}
	d = d/2 + time.Duration(rand.Int64N(int64(d)+1)) // jitter: 50%..150%
	s.reconnects++
	s.log.Info("reconnecting", "in", d, "attempt", s.reconnects)
	s.connecting = true
	s.reconnectT = s.afterFunc(d, s.reconnect)
}

// reconnect logs in again now.
func (s *session) reconnect() {
	if s.reconnectT != nil {
		s.reconnectT.Stop()
		s.reconnectT = nil
	}
	if s.client != nil {
		s.connecting = false
		return
	}
	s.connecting = true
	cfg := s.mcfg // read here: the session goroutine owns it
	st := s.away.msnStatus()
	s.spawn(func(ctx context.Context) {
		c, err := s.login(ctx, cfg, st)
		if !s.post(func() { s.reconnected(c, err, st) }) && c != nil {
			closeClient(c)
		}
	})
}

// reconnected starts using the client of a reconnect, signed in with
// status st, or schedules the next try.
func (s *session) reconnected(c *msn.Client, err error, st msn.Status) {
	s.connecting = false
	if err != nil {
		if errors.Is(err, msn.ErrAuthFailed) {
			s.stopped = true
			s.notice("Reconnecting to MSN failed: the server refused the password (wrong address or password). Not reconnecting.")
			return
		}
		s.log.Info("reconnect failed", "err", err)
		s.notice("Reconnecting to MSN failed: " + loginError(err).Error() + ". Trying again.")
		s.scheduleReconnect()
		return
	}
	if s.stopped && s.ending != "" {
		s.spawn(func(context.Context) { closeClient(c) })
		return
	}
	s.stopped = false
	s.outElsewhere = false
	s.reconnects = 0
	s.setClient(c)
	s.events = s.relayEvents(s.events)
	s.notice("Reconnected to MSN (MSNP" + itoa(c.Version()) + ").")
	s.away.sent, s.away.sending = st, false
	s.pushStatus("") // a change made while reconnecting
	if psm := s.psm; psm != "" && c.Version() >= 11 {
		// The personal message is sent at each sign-in.
		s.request(func(ctx context.Context, c *msn.Client) error { return c.SetPersonalMessage(ctx, psm) }, func(err error) {
			if err != nil {
				s.log.Info("restoring the personal message", "err", err)
			}
		})
	}
}
