package msn

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultVersions is the VER list offered when Config.Versions is empty, best first.
var DefaultVersions = []string{"MSNP12", "MSNP11", "MSNP10", "MSNP9", "MSNP8", "MSNP7"}

// Config says where and how to sign in.
type Config struct {
	Server   string   // notification or dispatch server, host:port
	Versions []string // offered in VER, best first; DefaultVersions when empty
	NexusURL string   // Passport 1.4 nexus (TWN, MSNP8+)
	LoginURL string   // overrides the DALogin URL the nexus gives, when set
	// SOAPURL is the base of the Passport RST and address book services
	// of MSNP13 and later, e.g. http://127.0.0.1:8081; when empty, the
	// scheme and host of NexusURL.
	SOAPURL string
	// MachineGUID identifies this endpoint at MSNP16 and later, as
	// "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}"; a random one per Login when
	// empty. Logins with the same GUID replace each other.
	MachineGUID string
	// EndpointName is the name the user's other endpoints show for this
	// one at MSNP16 and later (EpName); default "msn2irc".
	EndpointName string
	Passport     string
	Password     string // never logged

	HTTPClient     *http.Client  // for Passport; http.DefaultClient-like with timeouts when nil
	DialTimeout    time.Duration // default 10s
	LoginTimeout   time.Duration // whole login, default 30s
	RequestTimeout time.Duration // each request, default 15s
	Logger         *slog.Logger  // debug logs every protocol line with secrets redacted; discard when nil
	EventBuffer    int           // capacity of the Events channel, default 256

	// PingInterval is the time between keepalive PNGs until the server
	// suggests another one with "QNG n"; default 45s.
	PingInterval time.Duration
	// PingTimeout is how long to wait for the QNG answering a PNG before
	// the connection is considered dead; default 30s.
	PingTimeout time.Duration
	// SwitchboardIdleTimeout closes a switchboard after this long without a
	// message sent or received; default 5 minutes.
	SwitchboardIdleTimeout time.Duration
	// ClientID is the capability number sent with CHG from MSNP8 on; default 0.
	ClientID uint32
	// ClientIDFor, when set, gives the capability number for the version
	// the server chose instead of ClientID (e.g. SupportedClientID).
	ClientIDFor func(version int) uint32
	// Started, when set, is called once by Login, on Login's goroutine,
	// with the new client before it connects, so that its events (the
	// contact list, the initial presence) can be read while Login runs.
	// Only Events may be used until Login returns. Login still returns the
	// client, or an error, and then Events is closed without a
	// Disconnected event and the client must not be used.
	Started func(*Client)
	// ListProgress makes Login queue ContactsListed events as the contact
	// list arrives, before ContactListSynced, which then usually carries
	// no contacts (see ContactListSynced.Streamed).
	ListProgress bool
	// TransferIdleTimeout ends a P2P transfer (file or display picture)
	// when nothing arrives for it this long, an offer not answered
	// included; default 2 minutes.
	TransferIdleTimeout time.Duration
	// MaxFileSize is the largest file a contact may offer: larger offers
	// are declined without asking (FileTransferEnded with
	// ErrFileTooLarge); default 1 GiB.
	MaxFileSize int64
}

func (cfg Config) withDefaults() Config {
	if len(cfg.Versions) == 0 {
		cfg.Versions = DefaultVersions
	}
	positiveOr(&cfg.DialTimeout, 10*time.Second)
	positiveOr(&cfg.LoginTimeout, 30*time.Second)
	positiveOr(&cfg.RequestTimeout, 15*time.Second)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	positiveOr(&cfg.EventBuffer, 256)
	positiveOr(&cfg.PingInterval, 45*time.Second)
	positiveOr(&cfg.PingTimeout, 30*time.Second)
	positiveOr(&cfg.SwitchboardIdleTimeout, 5*time.Minute)
	positiveOr(&cfg.TransferIdleTimeout, 2*time.Minute)
	positiveOr(&cfg.MaxFileSize, 1<<30)
	if cfg.EndpointName == "" {
		cfg.EndpointName = "msn2irc"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.RequestTimeout, Transport: passportTransport()}
	}
	return cfg
}

// passportTransport is the HTTP transport of every client without an
// HTTPClient of its own: two requests per login, hours apart, so it keeps
// no idle connections, and one is enough for any number of clients.
var passportTransport = sync.OnceValue(func() *http.Transport {
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment}
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = dt.Clone()
	}
	tr.DisableKeepAlives = true
	// A Passport or SOAP answer has a few headers; a server sending
	// megabytes of them is refused rather than held in memory.
	tr.MaxResponseHeaderBytes = maxResponseHeaderBytes
	return tr
})

// maxResponseHeaderBytes bounds the headers of an answer of the MSN web
// services (net/http's default is 10 MiB).
const maxResponseHeaderBytes = 64 << 10

// LogValue shows the configuration in logs without the password.
func (cfg Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("server", cfg.Server),
		slog.Any("versions", cfg.Versions),
		slog.String("nexus_url", cfg.NexusURL),
		slog.String("login_url", cfg.LoginURL),
		slog.String("soap_url", cfg.SOAPURL),
		slog.String("passport", cfg.Passport),
		slog.Bool("password_set", cfg.Password != ""),
	)
}

// String describes the configuration without the password, also for the
// %v and %+v verbs of fmt.
func (cfg Config) String() string {
	return fmt.Sprintf("msn.Config{Server:%q Versions:%q NexusURL:%q LoginURL:%q Passport:%q Password:%s}",
		cfg.Server, cfg.Versions, cfg.NexusURL, cfg.LoginURL, cfg.Passport, hidden(cfg.Password))
}

// GoString is String, for the %#v verb of fmt.
func (cfg Config) GoString() string { return cfg.String() }

func hidden(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[redacted]"
}

// positiveOr sets *v to d unless it is positive.
func positiveOr[T ~int | ~int64](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// eventGrace is how long Close waits for the consumer to take the last
// events before dropping them.
const eventGrace = time.Second

// Client is a signed-in MSN session on a notification server. Its methods
// are safe to call from any goroutine.
type Client struct {
	cfg    Config
	log    *slog.Logger
	trid   atomic.Uint32
	events *eventQueue
	wg     sync.WaitGroup // NS reader, switchboard readers
	qng    chan int       // QNG arrivals, for the login's initial presence wait
	sbSeq  atomic.Uint32

	mu           sync.Mutex
	ns           *link
	ping         *pinger // the keepalive of ns, once logged in
	version      int
	passport     string
	friendlyName string
	status       Status
	contacts     map[string]*Contact  // by lower-cased passport (see contacts.go)
	pictures     map[string]MSNObject // by lower-cased passport, of the contacts who show one
	groups       []Group
	blp, gtc     string
	sync         *syncState // a list sync in progress
	listSynced   bool       // the last list sync finished
	sbs          map[*Switchboard]struct{}
	loggedIn     bool // Login returned the client
	down         bool // the NS connection ended and shutdown began
	closing      bool // Close was called
	outReason    DisconnectReason
	gotOUT       bool
	tickets      *tickets   // Passport tickets of the web services, MSNP13+
	machineGUID  string     // sent at MSNP16+
	endpoints    []Endpoint // the user's own, MSNP16+ (endpoints.go)
	ownPSM       string     // personal message as last set (UUX)
	ownMedia     string     // current media as last set (UUX)
	// bg lives as long as the connection: the offline message fetches
	// (oim.go) run under it, counted by oimWG, and end before
	// Disconnected.
	bg       context.Context
	bgCancel context.CancelFunc
	oimWG    sync.WaitGroup
	// oimSeen holds the offline messages listed, by id: true when fetched
	// or waiting to be, false when a fetch failed and the next listing may
	// try again (oimFails counts the failures).
	oimSeen     map[string]bool
	oimFails    map[string]int
	oimQueue    []oimListed // waiting for the fetcher
	oimFetching bool        // the fetcher goroutine runs
	oimSeq      int         // X-OIM-Sequence-Num of the last one sent
	// oimLockKey answers the OIM service's last lock key challenge.
	oimLockKey string

	closeOnce sync.Once

	p2pOnce sync.Once
	p2ps    *p2pState // P2P transfers (p2p.go), made on first use
}

// Login connects, negotiates the version, authenticates (MD5 or TWN), syncs
// the contact list and goes online with the given initial status (NLN when
// empty). It returns once the ContactListSynced event has been queued.
// Wrong credentials give an error matching ErrAuthFailed.
func Login(ctx context.Context, cfg Config, initial Status) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := checkPassport(cfg.Passport); err != nil {
		return nil, fmt.Errorf("msn: login: %w", err)
	}
	if initial == "" {
		initial = StatusOnline
	}
	if !validOwnStatus(initial) {
		return nil, fmt.Errorf("msn: login: invalid initial status %q", initial)
	}
	c := &Client{
		cfg:      cfg,
		log:      cfg.Logger.With("passport", cfg.Passport),
		events:   newEventQueue(cfg.EventBuffer),
		qng:      make(chan int, 1),
		passport: cfg.Passport,
		status:   StatusOffline,
		contacts: map[string]*Contact{},
		sbs:      map[*Switchboard]struct{}{},
	}
	c.bg, c.bgCancel = context.WithCancel(context.Background())
	c.machineGUID = cfg.MachineGUID
	if c.machineGUID == "" {
		c.machineGUID = newMachineGUID()
	}
	if cfg.Started != nil {
		cfg.Started(c)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.LoginTimeout)
	defer cancel()
	if err := c.login(ctx, initial); err != nil {
		c.abort()
		return nil, err
	}
	return c, nil
}

// abort tears down a client whose login failed.
func (c *Client) abort() {
	c.mu.Lock()
	c.closing = true
	l := c.ns
	c.mu.Unlock()
	if l != nil {
		l.closeWith(nil)
	}
	c.wg.Wait()
	c.bgCancel()
	c.oimWG.Wait()
	c.events.abandonNow()
}

// Events delivers what the server says, in order. It is closed after the
// Disconnected event. The consumer must keep reading it until it is closed.
func (c *Client) Events() <-chan Event { return c.events.out }

// Version returns the negotiated protocol version number (2..12).
func (c *Client) Version() int { return locked(&c.mu, &c.version) }

// Passport returns the signed-in address.
func (c *Client) Passport() string { return locked(&c.mu, &c.passport) }

// FriendlyName returns the user's own friendly name as the server last said it.
func (c *Client) FriendlyName() string { return locked(&c.mu, &c.friendlyName) }

// Status returns the user's own status as the server last confirmed it.
func (c *Client) Status() Status { return locked(&c.mu, &c.status) }

// locked reads *v with mu held.
func locked[T any](mu *sync.Mutex, v *T) T {
	mu.Lock()
	defer mu.Unlock()
	return *v
}

// Connected reports whether the notification server connection is up:
// false once it ended or Close was called, also before the Disconnected
// event is taken.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ns != nil && !c.down && !c.closing && !c.ns.isClosed()
}

// Contact returns what the client knows of one contact.
func (c *Client) Contact(passport string) (Contact, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ct := c.contactLocked(passport, false)
	if ct == nil {
		return Contact{}, false
	}
	return ct.copy(), true
}

// Picture returns the display picture the contact's presence last gave
// (MSNP9+), and false when it gave none.
func (c *Client) Picture(passport string) (MSNObject, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	obj, ok := c.pictures[strings.ToLower(passport)]
	return obj, ok
}

// Contacts returns a snapshot of every contact on any list.
func (c *Client) Contacts() []Contact {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.contactsLocked()
}

// endIfOverflowed ends the notification server connection once the
// consumer has fallen so far behind that events were dropped: the client
// cannot go on as if nothing was lost. The consumer gets the events queued
// before the loss, then Disconnected.
func (c *Client) endIfOverflowed() {
	if !c.events.isOverflowed() {
		return
	}
	c.mu.Lock()
	l := c.ns
	c.mu.Unlock()
	if l != nil {
		l.closeWith(fmt.Errorf("%w: events were not read in time, so some were lost", ErrClosed))
	}
}

// Groups returns the user's contact groups, without the default group
// "0" of MSNP7-9 (see Contact.Groups).
func (c *Client) Groups() []Group {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Group(nil), c.groups...)
}

// Close signs out (OUT), closes every switchboard and waits for the client's
// goroutines to end. The last event is Disconnected{Reason: ReasonClosed}.
// Events not taken by the consumer within a second of the end are dropped.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closing = true
		l := c.ns
		c.mu.Unlock()
		if l != nil && !l.isClosed() {
			_ = l.send(&Command{Name: "OUT"})
			l.closeWith(nil)
		}
		c.wg.Wait()
		c.events.finish(eventGrace)
	})
	return nil
}

// request sends a request on the notification server connection.
func (c *Client) request(ctx context.Context, name string, params []string, payload []byte, also ...string) (*Command, error) {
	c.mu.Lock()
	l := c.ns
	c.mu.Unlock()
	if l == nil {
		return nil, fmt.Errorf("%s: %w", name, ErrClosed)
	}
	return l.request(ctx, c.cfg.RequestTimeout, name, params, payload, also...)
}

// checkPassport rejects addresses that cannot be sent as one parameter.
func checkPassport(p string) error {
	if p == "" {
		return fmt.Errorf("empty address")
	}
	if len(p) > 129 {
		return fmt.Errorf("address %q too long", truncate(p, 40))
	}
	if !strings.Contains(p, "@") {
		return fmt.Errorf("address %q has no domain", truncate(p, 40))
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] == 0x7f {
			return fmt.Errorf("address %q has white space or a control character", truncate(p, 40))
		}
	}
	return nil
}
