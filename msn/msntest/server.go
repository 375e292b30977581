package msntest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// Options select the behaviour of other servers than Escargot. The zero
// value reproduces Escargot as recorded.
type Options struct {
	// Dispatch makes NSAddr a dispatch server: it answers "USR t MD5|TWN I"
	// with "XFR t NS <ns addr> 0 <dispatch addr>" and closes, as the
	// historical MSN servers did.
	Dispatch bool
	// Challenges sends "CHL 0 <20 digits>" after the first CHG and checks
	// the QRY answer: "QRY t" when right, 540 and a disconnect when wrong.
	Challenges bool
	// TimestampSalt gives MD5 logins (MSNP2-7) a new challenge like
	// "1013928519.693957190" at each login instead of Escargot's fixed
	// per-account salt.
	TimestampSalt bool
	// CorrectNexusURL makes the nexus announce the real http URL of the
	// login endpoint instead of Escargot's https one.
	CorrectNexusURL bool
	// EveryEndpointJoins lets each rung MSNP16+ endpoint of an account
	// answer its RNG and join the session, as a server that puts a user's
	// other endpoint in the same switchboard would: the members then see
	// "JOI passport;{guid}" of an address already present, and each
	// endpoint's messages reach the others. On Escargot the first answer
	// makes the other endpoints' invitations stale.
	EveryEndpointJoins bool
	// Logger receives debug logs of every protocol line, with secrets
	// hidden. Nothing is logged when nil.
	Logger *slog.Logger
}

// Server is an in-process MSN server: a notification server, a switchboard
// server and the Passport HTTP endpoints, all on 127.0.0.1. Its methods are
// safe to call from any goroutine.
type Server struct {
	opts Options
	log  *slog.Logger

	nsLn   net.Listener
	sbLn   net.Listener
	dsLn   net.Listener // nil unless Options.Dispatch
	httpLn net.Listener
	http   *http.Server

	wg   sync.WaitGroup
	done chan struct{}

	mu          sync.Mutex
	closed      bool
	accounts    map[string]*account // by lower-case passport
	wires       map[*wire]struct{}
	cookies     map[string]*cookie
	tickets     map[string]*ticket
	rstLifetime time.Duration // of the RST service's tickets; 0 means rstLifetime
	sessions    map[string]*sbSession
	nextConn    int
	faults      faults
	issued      issued
	checks      map[string]int // password checks by lower-case passport (passwords.go)

	sbAuthTimeout time.Duration
}

// New starts a server listening on 127.0.0.1 ports chosen by the system.
func New(opts Options) (*Server, error) {
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		done:     make(chan struct{}),
		accounts: make(map[string]*account),
		wires:    make(map[*wire]struct{}),
		cookies:  make(map[string]*cookie),
		tickets:  make(map[string]*ticket),
		sessions: make(map[string]*sbSession),
		faults:   newFaults(),

		sbAuthTimeout: defaultSBAuthTimeout,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var lns []net.Listener
	listen := func() (net.Listener, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("msntest: listen: %w", err)
		}
		lns = append(lns, ln)
		return ln, nil
	}
	var err error
	if s.nsLn, err = listen(); err != nil {
		return nil, err
	}
	if s.sbLn, err = listen(); err != nil {
		return nil, err
	}
	if s.httpLn, err = listen(); err != nil {
		return nil, err
	}
	if opts.Dispatch {
		if s.dsLn, err = listen(); err != nil {
			return nil, err
		}
	}
	s.http = &http.Server{Handler: s.httpHandler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.http.Serve(s.httpLn)
	}()
	s.acceptLoop(s.nsLn, s.serveNS)
	s.acceptLoop(s.sbLn, s.serveSB)
	if s.dsLn != nil {
		s.acceptLoop(s.dsLn, s.serveDS)
	}
	return s, nil
}

func (s *Server) acceptLoop(ln net.Listener, serve func(*wire, net.Conn)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if s.serveConn(c, serve) == nil {
				return
			}
		}
	}()
}

// serveConn starts the writer and the reader goroutines of a connection.
// The returned channel is closed when the reader is done; it is nil when
// the server is closed.
func (s *Server) serveConn(c net.Conn, serve func(*wire, net.Conn)) <-chan struct{} {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return nil
	}
	s.nextConn++
	w := newWire(c, s.log.With("conn", s.nextConn, "remote", c.RemoteAddr().String()))
	s.wires[w] = struct{}{}
	s.wg.Add(2)
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer s.wg.Done()
		w.run()
	}()
	go func() {
		defer s.wg.Done()
		defer close(done)
		defer func() {
			s.mu.Lock()
			delete(s.wires, w)
			s.mu.Unlock()
		}()
		defer func() {
			if r := recover(); r != nil {
				w.log.Error("panic serving connection", "panic", r, "stack", string(debug.Stack()))
				w.kill()
			}
		}()
		serve(w, c)
	}()
	return done
}

// Close stops the server: it closes the listeners and every connection and
// waits for all of its goroutines to end.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	close(s.done)
	ws := make([]*wire, 0, len(s.wires))
	for w := range s.wires {
		ws = append(ws, w)
	}
	s.mu.Unlock()
	s.nsLn.Close()
	s.sbLn.Close()
	if s.dsLn != nil {
		s.dsLn.Close()
	}
	for _, w := range ws {
		w.kill()
	}
	// Shutdown waits for the Passport handlers; they never block for long.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := s.http.Shutdown(ctx)
	cancel()
	if err != nil {
		err = s.http.Close()
	}
	s.wg.Wait()
	if err != nil {
		return fmt.Errorf("msntest: closing http: %w", err)
	}
	return nil
}

// NSAddr returns the address clients connect to first: the notification
// server, or the dispatch server with Options.Dispatch.
func (s *Server) NSAddr() string {
	if s.dsLn != nil {
		return s.dsLn.Addr().String()
	}
	return s.nsLn.Addr().String()
}

// NotificationAddr returns the address of the notification server itself
// (the one a dispatch server refers clients to).
func (s *Server) NotificationAddr() string { return s.nsLn.Addr().String() }

// SBAddr returns the switchboard server's address, as given in XFR and RNG.
func (s *Server) SBAddr() string { return s.sbLn.Addr().String() }

// NexusURL returns the URL of the Passport nexus (GET /rdr/pprdr.asp).
func (s *Server) NexusURL() string { return "http://" + s.httpLn.Addr().String() + "/rdr/pprdr.asp" }

// LoginURL returns the real http URL of the Passport login endpoint.
func (s *Server) LoginURL() string { return "http://" + s.httpLn.Addr().String() + "/login" }

// account is one MSN user.
type account struct {
	passport string
	password string
	name     string
	salt     string
	guid     string
	blp      string // "AL" or "BL"
	gtc      string // "A" or "N"
	psm      []byte // the UUX payload, sent as UBX
	contacts map[string]*entry
	order    []string // contact keys in the order they were added
	// ns is the session whose status, client id and msnobj contacts
	// see: the endpoint that last changed the status (CHG); eps are all
	// the signed-in sessions, in sign-in order (several at MSNP16+, see
	// mpop.go).
	ns     *nsConn
	eps    []*nsConn
	oims   []*oim  // offline messages left for the account (oim.go)
	groups []group // contact groups, in the order they were made (groups.go)
}

// entry is a contact on an account's lists.
type entry struct {
	passport string
	lists    msn.Lists
	groups   []string // ids of the owner's groups the contact is in
	network  int      // 0, or networkYahoo for a Yahoo contact
	name     string   // display name of a Yahoo contact
}

var defaultPSM = []byte("<Data><PSM></PSM><CurrentMedia></CurrentMedia></Data>")

func key(passport string) string { return strings.ToLower(passport) }

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func newGUID() string {
	h := randHex(32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Errors of the setup methods.
var (
	ErrNoAccount     = errors.New("msntest: no such account")
	ErrAccountExists = errors.New("msntest: account already exists")
	ErrNotOnline     = errors.New("msntest: user is not signed in")
)

// AddAccount creates an account. The friendly name defaults to the passport.
func (s *Server) AddAccount(passport, password, friendlyName string) error {
	if !validPassport(passport) {
		return fmt.Errorf("msntest: add account %q: invalid address", passport)
	}
	if friendlyName == "" {
		friendlyName = passport
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts[key(passport)]; ok {
		return fmt.Errorf("msntest: add account %q: %w", passport, ErrAccountExists)
	}
	s.accounts[key(passport)] = &account{
		passport: passport, password: password, name: friendlyName,
		salt: randHex(15), guid: newGUID(), blp: "AL", gtc: "A", psm: defaultPSM,
		contacts: make(map[string]*entry),
	}
	return nil
}

// AddContact sets the forward, allow and block lists of owner for contact
// (the reverse and pending bits of lists are ignored), and keeps contact's
// reverse list in step. Online users are told as a real server would: the
// contact gets ADD/ADC RL or REM RL, and presence appears or disappears.
// The contact need not have an account.
func (s *Server) AddContact(owner, contact string, lists msn.Lists) error {
	if !validPassport(contact) {
		return fmt.Errorf("msntest: add contact %q: invalid address", contact)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key(owner)]
	if a == nil {
		return fmt.Errorf("msntest: add contact to %q: %w", owner, ErrNoAccount)
	}
	want := lists & (msn.ForwardList | msn.AllowList | msn.BlockList)
	have := a.lists(contact) & (msn.ForwardList | msn.AllowList | msn.BlockList)
	s.changeLists(a, contact, want&^have, have&^want)
	return nil
}

// Befriend makes a and b mutual contacts: each on the other's forward and
// allow lists (and so on each other's reverse list).
func (s *Server) Befriend(a, b string) error {
	for _, p := range [][2]string{{a, b}, {b, a}} {
		s.mu.Lock()
		acc := s.accounts[key(p[0])]
		var cur msn.Lists
		if acc != nil {
			cur = acc.lists(p[1])
		}
		s.mu.Unlock()
		if err := s.AddContact(p[0], p[1], cur|msn.ForwardList|msn.AllowList); err != nil {
			return err
		}
	}
	return nil
}

// SetFriendlyName changes a user's friendly name; contacts who see them
// online get an NLN with the new name.
func (s *Server) SetFriendlyName(passport, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key(passport)]
	if a == nil {
		return fmt.Errorf("msntest: rename %q: %w", passport, ErrNoAccount)
	}
	a.name = name
	s.announce(a)
	return nil
}

// Status returns a user's presence: FLN when not signed in or not yet
// online, HDN when hidden.
func (s *Server) Status(passport string) msn.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key(passport)]
	if a == nil || a.ns == nil || !a.ns.chg {
		return msn.StatusOffline
	}
	return a.ns.status
}

// Online reports whether a user is signed in to the notification server.
func (s *Server) Online(passport string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key(passport)]
	return a != nil && len(a.eps) > 0
}

// Lists returns the lists of owner that contact is on.
func (s *Server) Lists(owner, contact string) msn.Lists {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key(owner)]
	if a == nil {
		return 0
	}
	return a.lists(contact)
}

// Config returns a client configuration pointing at this server, with the
// nexus and login URLs set. Versions default to msn.DefaultVersions.
func (s *Server) Config(passport, password string, versions ...string) msn.Config {
	return msn.Config{
		Server:   s.NSAddr(),
		Versions: versions,
		NexusURL: s.NexusURL(),
		LoginURL: s.LoginURL(),
		Passport: passport,
		Password: password,
	}
}

// Login signs in with the msn client and goes online: the scripted MSN
// client for tests, to play the other party.
func (s *Server) Login(ctx context.Context, passport, password string, versions ...string) (*msn.Client, error) {
	cfg := s.Config(passport, password, versions...)
	cfg.Logger = s.log.With("client", passport)
	return msn.Login(ctx, cfg, msn.StatusOnline)
}
