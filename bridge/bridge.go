package bridge

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/msn2irc/msn2irc/internal/authlimit"
	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// ContactsChannel is the channel that lists the contacts.
const ContactsChannel = "&msn"

// NickLen is the longest nick given to a contact.
const NickLen = 30

// Defaults of the Config limits.
const (
	DefaultLoginTimeout    = 30 * time.Second
	DefaultRequestTimeout  = 15 * time.Second
	DefaultReconnectMin    = 2 * time.Second
	DefaultReconnectMax    = 5 * time.Minute
	DefaultTypingTimeout   = 6 * time.Second
	DefaultMaxSwitchboards = 16
	// DefaultMaxGroupChats is how many group chat channels a session
	// keeps; past it, the least recently used one without a switchboard
	// is closed for a new one.
	DefaultMaxGroupChats = 50
	// DefaultMaxQueries is how many query conversations a session keeps
	// (strangers.go): past it, the least recently used idle one goes.
	DefaultMaxQueries = 1000
	// DefaultMaxStrangers is how many people on none of the user's lists
	// a session keeps a nick for once their chats ended (strangers.go).
	DefaultMaxStrangers    = 1000
	DefaultAttachTimeout   = 30 * time.Second
	DefaultPasswordRecheck = time.Hour
	DefaultMSNLoginRate    = 5
	// DefaultSearchTimeout bounds a history search: it holds one of the
	// store's few read connections, which every session's history
	// queries share, while it runs.
	DefaultSearchTimeout = 5 * time.Second
)

// Config configures a Bridge.
type Config struct {
	// Store keeps settings, contacts, the outbox and replay; *db.Store.
	Store Store
	// MSN is the template of every login: server, versions, nexus, login
	// URL and timeouts. Passport and Password are set per login.
	MSN        msn.Config
	ServerName string // the IRC server name, host of the service user
	Version    string // shown by the version command
	Logger     *slog.Logger

	// Limits; zero means the default.
	LoginTimeout    time.Duration // whole MSN login
	RequestTimeout  time.Duration // one MSN request (send, add, status...)
	ReconnectMin    time.Duration // first delay after the connection was lost
	ReconnectMax    time.Duration // longest delay between reconnect attempts
	TypingTimeout   time.Duration // quiet time after which typing is reported done
	MaxSwitchboards int           // open conversations (switchboards) per session, the user's and the contacts'; 16
	MaxGroupChats   int           // group chat channels a session keeps (DefaultMaxGroupChats)
	MaxQueries      int           // query conversations a session keeps (DefaultMaxQueries)
	MaxStrangers    int           // strangers a session keeps a nick for (DefaultMaxStrangers)
	AttachTimeout   time.Duration // how long a session waits for an authenticated client to attach
	MaxReplay       int           // messages kept per account while no client is attached (DefaultMaxReplay)
	SearchTimeout   time.Duration // one history search (msn search)
	// HistoryDays is the most days of messages any account's history
	// keeps; 0 means no limit (an account keeps everything unless its
	// history_days says otherwise).
	HistoryDays int

	// Login limits (auth.go); zero means the default.
	AuthFailures       int           // failed logins per account and address before a lockout (5)
	AuthSourceFailures int           // failed logins per address, all accounts, before a lockout (20)
	AuthLockout        time.Duration // the first lockout (15m); it doubles with each further failure, up to 24h
	MSNPasswordTries   int           // distinct passwords per account sent to MSN per 15 minutes (3)
	// MSNLoginRate is how many MSN logins per second the whole bridge
	// makes (burst twice that); negative means no limit.
	MSNLoginRate int
	// PasswordRecheck is how old MSN's last confirmation of a session's
	// password may be before an attach confirms it with MSN again (1h).
	PasswordRecheck time.Duration
	// TrustedNets carry many users (a bouncer host, a proxy): the
	// per-address limits skip them.
	TrustedNets []netip.Prefix
	// Now is the clock of the login limits, of the history's retention
	// and of how long a message waits for its outcome before it is
	// stored without; time.Now when nil.
	Now func() time.Time
	// Metrics counts logins, messages and reconnects; nil counts nothing.
	Metrics *metrics.Metrics
	// Uploads configures the files the user sends to contacts
	// (fileupload.go); its zero value takes none.
	Uploads UploadConfig

	// Files from contacts (files.go). DataDir holds them, one
	// subdirectory per account; empty: files are declined. Zero limits
	// mean the defaults.
	DataDir        string
	FileAutoAccept int64         // files up to this size are accepted without asking (DefaultFileAutoAccept)
	FileMaxSize    int64         // larger files are declined (DefaultFileMaxSize)
	FileQuota      int64         // bytes of files kept per account, received and uploaded (DefaultFileQuota)
	FileCount      int           // files kept per account, received and uploaded (DefaultFileCount)
	FileExpiry     time.Duration // how long a received file and its link are kept (DefaultFileExpiry)
	// PictureCache bounds the cache of contacts' pictures, in bytes: the
	// least recently used go first when it is larger (DefaultPictureCache).
	PictureCache int64
}

// Bridge draws an IRC world for each MSN account and keeps one MSN session
// per account. It implements ircd.Backend. Its methods are safe to call from
// any goroutine.
type Bridge struct {
	cfg Config
	log *slog.Logger
	srv *ircd.Server

	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	sessions map[string]*session
	closed   bool
	wg       sync.WaitGroup

	fileURL string // public base URL of the download links, ending in "/" (SetFileURL)
	keyOnce sync.Once
	key     []byte // the key of the download tokens (linkKey)
	keyErr  error

	limits    *authlimit.Limiter // failed logins per account and address
	throttle  *loginThrottle     // what reaches MSN: refused and distinct passwords
	loginRate *rate.Limiter      // MSN logins of the whole bridge; nil for no limit
	pics      *pictureHub        // display pictures (pictures.go); nil until ServePictures
	// searching holds a token while a search reads the store: one at a
	// time for the whole bridge (historycmds.go).
	searching chan struct{}
}

// NewBridge returns a bridge; call SetServer before serving clients.
func NewBridge(cfg Config) *Bridge {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	setDefault(&cfg.ServerName, "msn2irc")
	setDefault(&cfg.Version, "dev")
	setDefault(&cfg.LoginTimeout, DefaultLoginTimeout)
	setDefault(&cfg.RequestTimeout, DefaultRequestTimeout)
	setDefault(&cfg.ReconnectMin, DefaultReconnectMin)
	setDefault(&cfg.ReconnectMax, DefaultReconnectMax)
	setDefault(&cfg.TypingTimeout, DefaultTypingTimeout)
	setDefault(&cfg.AttachTimeout, DefaultAttachTimeout)
	setDefault(&cfg.MaxSwitchboards, DefaultMaxSwitchboards)
	setDefault(&cfg.MaxGroupChats, DefaultMaxGroupChats)
	setDefault(&cfg.MaxQueries, DefaultMaxQueries)
	setDefault(&cfg.MaxStrangers, DefaultMaxStrangers)
	setDefault(&cfg.MaxReplay, DefaultMaxReplay)
	setDefault(&cfg.SearchTimeout, DefaultSearchTimeout)
	setDefault(&cfg.FileAutoAccept, DefaultFileAutoAccept)
	setDefault(&cfg.FileMaxSize, DefaultFileMaxSize)
	setDefault(&cfg.FileQuota, DefaultFileQuota)
	setDefault(&cfg.FileCount, DefaultFileCount)
	setDefault(&cfg.FileExpiry, DefaultFileExpiry)
	setDefault(&cfg.PictureCache, DefaultPictureCache)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	setDefault(&cfg.PasswordRecheck, DefaultPasswordRecheck)
	setDefault(&cfg.MSNPasswordTries, DefaultMSNPasswordTries)
	setDefault(&cfg.Uploads.MaxSize, DefaultFileMaxSize)
	setDefault(&cfg.Uploads.Expiry, DefaultFileExpiry)
	if cfg.MSNLoginRate == 0 {
		cfg.MSNLoginRate = DefaultMSNLoginRate
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Bridge{cfg: cfg, log: cfg.Logger, ctx: ctx, cancel: cancel, sessions: map[string]*session{},
		throttle: newLoginThrottle(cfg.Now, cfg.MSNPasswordTries), fileURL: "http://localhost/",
		searching: make(chan struct{}, 1)}
	b.limits = authlimit.New(authlimit.Config{
		Failures:       cfg.AuthFailures,
		SourceFailures: cfg.AuthSourceFailures,
		Lockout:        cfg.AuthLockout,
		Trusted:        cfg.TrustedNets,
		Now:            cfg.Now,
	})
	if cfg.MSNLoginRate > 0 {
		b.loginRate = rate.NewLimiter(rate.Limit(cfg.MSNLoginRate), 2*cfg.MSNLoginRate)
	}
	if b.filesOn() {
		b.removeStrayTemps()
	}
	// The sweep also deletes the cached pictures (ServePictures), which
	// need the HTTP listener, as received files do.
	if b.filesOn() || b.uploadsOn() {
		b.wg.Add(1)
		go b.runFileSweeper()
	}
	if cfg.Store != nil {
		b.wg.Add(2)
		go b.runIndexer()
		go b.runRetention()
	}
	return b
}

// setDefault sets an unset setting (zero or negative) to def.
func setDefault[T cmp.Ordered](v *T, def T) {
	var unset T
	if *v <= unset {
		*v = def
	}
}

// SetServer gives the bridge the IRC server whose worlds it draws. It must be
// called once, before the server serves clients.
func (b *Bridge) SetServer(srv *ircd.Server) { b.srv = srv }

// Errors shown to IRC users.
var (
	errWrongPassword = credentialsError("MSN login failed: wrong address or password")
	errBadAccount    = credentialsError("MSN login failed: the account must be an e-mail address (PASS address:password)")
	errShuttingDown  = errors.New("msn2irc is shutting down")
	errSessionEnded  = errors.New("bridge: session ended")
	errSessionGone   = errors.New("the MSN session has ended") // errSessionEnded, as a client is told
)

// credentialsError refuses the credentials themselves, not the login for
// now: ircd answers a PASS login with it by 464 (ircd.ErrBadCredentials),
// after which a bouncer waits for its user to change them.
type credentialsError string

func (e credentialsError) Error() string { return string(e) }

// Is makes every credentialsError an ircd.ErrBadCredentials.
func (e credentialsError) Is(target error) bool { return target == ircd.ErrBadCredentials }

// loginError turns an msn.Login error into a message for the user.
func loginError(err error) error {
	var se *msn.ServerError
	switch {
	case errors.Is(err, msn.ErrAuthFailed):
		return errWrongPassword
	case errors.Is(err, msn.ErrNoVersion):
		return errors.New("MSN login failed: the server speaks none of the offered protocol versions (see MSN2IRC_MSN_VERSIONS)")
	case errors.Is(err, msn.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return errors.New("MSN login failed: the server did not answer in time")
	case errors.As(err, &se):
		return fmt.Errorf("MSN login failed: server error %d (%s)", se.Code, msn.ErrorText(se.Code))
	case errors.Is(err, errShuttingDown), errors.Is(err, context.Canceled):
		return errShuttingDown
	case errors.Is(err, msn.ErrClosed):
		return errors.New("MSN login failed: the server closed the connection")
	}
	return errLoginOther
}

// errLoginOther is loginError's answer to an error it has no words for:
// the connection failed or the server answered with something unexpected.
// The error itself goes to the log.
var errLoginOther = errors.New("MSN login failed: the connection to the MSN server failed or it answered unexpectedly")

// sessionFor returns the running session of account or starts one.
func (b *Bridge) sessionFor(account, password string) (s *session, created bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, false, errShuttingDown
	}
	if s := b.sessions[account]; s != nil {
		return s, false, nil
	}
	s = newSession(b, account, password)
	b.sessions[account] = s
	b.wg.Add(1) // until the session ended (session.ended)
	go s.run()
	return s, true, nil
}

// unregister forgets s if it is still the session of its account.
func (b *Bridge) unregister(s *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sessions[s.account] == s {
		delete(b.sessions, s.account)
		if b.pics != nil {
			b.pics.forget(s.account)
		}
	}
}

// Guest returns a world with only the service user, who explains how to log in.
func (b *Bridge) Guest(ctx context.Context) (*ircd.World, error) {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, errShuttingDown
	}
	return newGuest(b), nil
}

// Close signs every session out of MSN, closes their worlds with reason
// and waits for their goroutines, or until ctx is done.
func (b *Bridge) Close(ctx context.Context, reason string) error {
	b.mu.Lock()
	b.closed = true
	list := make([]*session, 0, len(b.sessions))
	for _, s := range b.sessions {
		list = append(list, s)
	}
	b.mu.Unlock()
	for _, s := range list {
		s.stop(reason)
	}
	b.cancel() // ends logins and requests in flight
	done := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		b.cancel()
		return nil
	case <-ctx.Done():
		b.cancel()
		return fmt.Errorf("bridge: close: %w", ctx.Err())
	}
}

// SessionCount returns how many MSN sessions are running.
func (b *Bridge) SessionCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.sessions)
}

// normalizeAccount lower-cases an MSN address and checks its shape:
// one '@' with something on each side, no white space, control
// characters or characters of IRC's grammar (",:!"), at most 129 bytes.
func normalizeAccount(a string) (string, bool) {
	a = strings.ToLower(strings.TrimSpace(a))
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || strings.ContainsAny(a, ",:!") || len(a) > 129 {
		return "", false
	}
	for i := 0; i < len(a); i++ {
		if a[i] <= ' ' || a[i] == 0x7f {
			return "", false
		}
	}
	return a, true
}
