package bridge

import (
	"context"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

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
	ctx        context.Context
	cancel     context.CancelFunc
	wg         sync.WaitGroup // short-lived goroutines

	// Owned by the session goroutine.
	client   *msn.Client
	events   <-chan msn.Event
	world    *ircd.World
	settings db.Settings
	selfName string
	status   msn.Status // as MSN last confirmed it
	away     awayState  // the status the user chose (away.go)
	requests struct {   // what the user's commands ask of MSN (userRequest)
		inFlight int
		limit    *rate.Limiter // nil until the first
	}
	psm      string
	groups   []msn.Group         // the account's contact groups, names cleaned (groups.go)
	contacts map[string]*contact // by passport (lower case)
	nicks    map[string]*contact // by casefolded nick, stored ones included
	// strangers are the passports of contacts on none of the user's
	// lists and in no chat, in the order they became so (strangers.go).
	strangers []string
	convs     convState
	pending   []pendingClient // clients authenticated and not attached yet, oldest first
	ending    string
	// The first login (login.go): the client it created, until the
	// world is drawn; the events that came before the contact list; the
	// wait for the initial presence once Login returned.
	loggingIn   bool
	first       *msn.Client
	early       []msn.Event
	firstSync   <-chan time.Time
	firstSyncT  *time.Timer
	stopped     bool      // no reconnect (OUT OTH, wrong password)
	twn         bool      // the login went through Passport (MSNP8+), which can check a password alone
	confirmedAt time.Time // when MSN last accepted the password (Config.Now)
	reconnects  int
	pub         sessionStats // what Stats reports; safe from any goroutine
	backlog     backlog      // the wait of the user's messages while a queue is full (backlog.go)
	reconnectT  *time.Timer
	connecting  bool
	typing      map[typingKey]*typingState
	repeats     map[repeatKey]time.Time // when a contact's nudge or unsupported content was last shown (repeats.go)
	ringers     map[string]*ringer      // the rate of each contact's invitations answered (rings.go)
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
	eps          endpointState // the account's other places (endpoints.go)
	// Contacts whose presence changed, redrawn once it settled (settle.go);
	// true for those whose nick then follows their new friendly name.
	unsettled map[*contact]bool
	toSave    map[*contact]bool // contacts whose names saveSoon stores when they settle
	settleT   *time.Timer
	oim       oimState // offline messages (oim.go)
	outFiles  int      // files on their way to contacts (filesend.go)
	hist      historyState
	files     fileState // files from contacts (filerecv.go)
}

// sessionEventBuffer is the capacity of a session's MSN event channel when
// the template does not set one: the session reads events as they come,
// and a longer burst waits in the client's queue, so a small channel is
// enough and every idle session keeps less memory.
const sessionEventBuffer = 16

// sessionActionBuffer is the capacity of a session's action channel, which
// carries the user's messages from the IRC readers: a reader that finds it
// full waits for the session, and every idle session keeps the buffer.
const sessionActionBuffer = 32

func newSession(b *Bridge, account, password string) *session {
	s := &session{
		b:        b,
		account:  account,
		log:      b.log.With("account", account),
		store:    b.cfg.Store,
		actions:  make(chan action, sessionActionBuffer),
		started:  make(chan *msn.Client, 1),
		logged:   make(chan loginResult, 1),
		ready:    make(chan struct{}),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		stopCh:   make(chan string, 1),
		contacts: map[string]*contact{},
		nicks:    map[string]*contact{},
		typing:   map[typingKey]*typingState{},
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
	s.mcfg.Logger = s.log
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
// next reconnect uses it, and the old one no longer attaches. A session
// that stopped reconnecting because MSN refused the old one signs in
// again with it.
func (s *session) confirmed(password string) {
	if !s.passwordMatches(password) {
		s.log.Info("the session's password changed: MSN accepts a new one")
		s.hash = s.passwordHash(password)
		s.mcfg.Password = password
		if s.stopped && !s.outElsewhere && s.signedOut() && !s.connecting && s.ending == "" {
			s.notice("MSN accepts your new password: signing in to MSN again.")
			s.stopped = false
			s.reconnects = 0
			s.reconnect()
		}
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

// postAction is post for an action that carries its own data.
func (s *session) postAction(fn action) bool {
	// A session that stopped takes nothing more, even while its channel
	// has room.
	select {
	case <-s.quit:
		return false
	default:
	}
	select {
	case s.actions <- fn:
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

// The MSN requests a user's commands make (a friendly name, a personal
// message, adding, removing, blocking or accepting a contact; an INVITE
// takes a turn too): at most maxUserRequests waiting for their answers, and
// userRequestBurst at once, then userRequestRate a second. Each is a
// command to the MSN server and a goroutine here; a flood of them would
// get the account cut off by the server.
const (
	maxUserRequests  = 8
	userRequestRate  = 2
	userRequestBurst = 20
)

var errTooManyRequests = errors.New("too many requests to MSN at once")

// allowUserRequest takes a turn of the user's requests to MSN
// (userRequestRate, userRequestBurst), and reports false when none is
// left now.
func (s *session) allowUserRequest() bool {
	if s.requests.limit == nil {
		s.requests.limit = rate.NewLimiter(userRequestRate, userRequestBurst)
	}
	return s.requests.limit.AllowN(s.b.cfg.Now(), 1)
}

// userRequest is request for what a user's command asks of MSN, within
// the bounds above: past them, done gets errTooManyRequests at once.
func (s *session) userRequest(fn func(ctx context.Context, c *msn.Client) error, done func(error)) {
	if s.requests.inFlight >= maxUserRequests || !s.allowUserRequest() {
		done(errTooManyRequests)
		return
	}
	s.requests.inFlight++
	s.request(fn, func(err error) {
		s.requests.inFlight--
		done(err)
	})
}

// afterFunc runs fn on the session goroutine after d.
func (s *session) afterFunc(d time.Duration, fn func()) *time.Timer {
	return time.AfterFunc(d, func() { s.post(fn) })
}

// stop asks the session to sign out and end. Safe from any goroutine.
func (s *session) stop(reason string) {
	s.stopOnce.Do(func() {
		s.stopCh <- reason
	})
}

// shutdown signs out and releases everything; it runs on the session
// goroutine once the loop ended.
func (s *session) shutdown() {
	s.log.Info("session ending", "reason", s.ending)
	// Stored before the account can log in again (the next session reads
	// them), even though the session's context may be cancelled already.
	s.releaseHold()
	s.takeSoon()
	if len(s.unsaved) > 0 {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), s.b.cfg.RequestTimeout)
		s.storeUnsaved(ctx)
		cancel()
	}
	if s.world != nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), s.b.cfg.RequestTimeout)
		s.parkUnsent(ctx)
		cancel()
	}
	s.flushHistory()
	s.hist.w.close()
	s.b.unregister(s)
	close(s.quit)
	s.dropPending()
	if s.reconnectT != nil {
		s.reconnectT.Stop()
	}
	for _, st := range s.typing {
		st.timer.Stop()
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
