package ircd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// Defaults for the zero values of Config.
const (
	defaultServerName          = "msn2irc"
	defaultNetwork             = "MSN"
	defaultVersion             = "msn2irc-dev"
	defaultRegistrationTimeout = 30 * time.Second
	defaultPingInterval        = 90 * time.Second
	defaultPingTimeout         = 60 * time.Second
	defaultSendQueue           = 4096
	defaultSendQueueBytes      = 4 << 20
	defaultWriteTimeout        = 10 * time.Second
	defaultMonitorLimit        = 1000
	defaultHistoryLimit        = 100
	defaultMaxChannels         = 100
	defaultQueryInterval       = 50 * time.Millisecond
	defaultQueryBurst          = 100
	authTimeout                = 60 * time.Second // Backend.Authenticate and Guest
	handleTimeout              = 30 * time.Second // one Handler call
)

// Server is the IRC server. Its methods are safe to call from any goroutine.
type Server struct {
	cfg     Config
	backend Backend
	log     *slog.Logger
	prefix  *irc.Prefix
	created time.Time
	support [][]string // ISUPPORT tokens, at most 13 per line
	limits  *connLimits

	nextID atomic.Uint64
	// queryWaits counts the history commands that waited for their
	// turn (Client.queryTurn).
	queryWaits atomic.Int64

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	clients   map[*Client]struct{}
	peakUsers int // most registered connections at once (LUSERS)
	closing   bool
	wg        sync.WaitGroup
}

// NewServer returns a server that asks backend for the worlds.
func NewServer(cfg Config, backend Backend) *Server {
	if cfg.ServerName == "" {
		cfg.ServerName = defaultServerName
	}
	cfg.ServerName = cleanWord(cfg.ServerName)
	if cfg.Network == "" {
		cfg.Network = defaultNetwork
	}
	if cfg.Version == "" {
		cfg.Version = defaultVersion
	}
	cfg.Version = cleanWord(cfg.Version)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	setDefault(&cfg.RegistrationTimeout, defaultRegistrationTimeout)
	setDefault(&cfg.PingInterval, defaultPingInterval)
	setDefault(&cfg.PingTimeout, defaultPingTimeout)
	setDefault(&cfg.SendQueue, defaultSendQueue)
	setDefault(&cfg.SendQueueBytes, defaultSendQueueBytes)
	setDefault(&cfg.WriteTimeout, defaultWriteTimeout)
	setDefault(&cfg.MonitorLimit, defaultMonitorLimit)
	setDefault(&cfg.HistoryLimit, defaultHistoryLimit)
	setDefault(&cfg.MaxChannels, defaultMaxChannels)
	setDefault(&cfg.QueryInterval, defaultQueryInterval)
	setDefault(&cfg.QueryBurst, defaultQueryBurst)
	setDefault(&cfg.UnregisteredPerAddress, defaultUnregisteredPerAddress)
	setDefault(&cfg.UnregisteredMax, defaultUnregisteredMax)
	setDefault(&cfg.GuestsPerAddress, defaultGuestsPerAddress)
	setDefault(&cfg.RegisteredPerAddress, defaultRegisteredPerAddress)
	setDefault(&cfg.GuestTimeout, defaultGuestTimeout)
	s := &Server{
		cfg:       cfg,
		backend:   backend,
		log:       cfg.Logger,
		prefix:    &irc.Prefix{Name: cfg.ServerName},
		created:   time.Now(),
		listeners: make(map[net.Listener]struct{}),
		clients:   make(map[*Client]struct{}),
	}
	s.support = splitTokens(s.isupportTokens(), 13)
	s.limits = newConnLimits(&s.cfg)
	return s
}

// setDefault sets a limit left at zero (or below) to its default.
func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// ListenTLS listens for TLS connections on addr with the certificate and key
// in the given PEM files. Pass the listener to Serve.
func ListenTLS(addr, certFile, keyFile string) (net.Listener, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("ircd: load TLS key pair: %w", err)
	}
	ln, err := tls.Listen("tcp", addr, &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		return nil, fmt.Errorf("ircd: listen TLS %s: %w", addr, err)
	}
	return ln, nil
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("ircd: server closed")

// Serve accepts clients on ln until ctx is done or Shutdown is called. It
// closes ln before it returns. Connections it accepted end when ctx is done.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("ircd: accept: %w", err)
			}
			// Out of file descriptors and the like: wait and retry.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.log.Warn("accept", slog.Any("err", err))
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil
			}
			continue
		}
		delay = 0
		// Over a limit, the connection costs only this loop's time: no
		// goroutine is started for it.
		src := sourceOf(conn)
		if refusal := s.limits.admit(src); refusal != "" {
			s.refuse(conn, refusal, true)
			continue
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			s.limits.leaveUnregistered(src)
			conn.Close()
			return ErrServerClosed
		}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			// Without a defer: the frame stays small under the reader
			// that waits beneath it (a panic is recovered below).
			s.serveAdmitted(ctx, conn, src)
			s.wg.Done()
		}()
	}
}

// ServeConn serves one client connection and returns when it ends. The
// connection ends when ctx is done, too. Over a connection limit it sends
// ERROR and closes the connection at once.
func (s *Server) ServeConn(ctx context.Context, conn net.Conn) {
	src := sourceOf(conn)
	if refusal := s.limits.admit(src); refusal != "" {
		s.refuse(conn, refusal, false)
		return
	}
	s.serveAdmitted(ctx, conn, src)
}

// serveAdmitted serves a connection that admit counted as unregistered, and
// takes back its counts when it ends.
func (s *Server) serveAdmitted(ctx context.Context, conn net.Conn, src netip.Addr) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		s.limits.leaveUnregistered(src)
		conn.Close()
		return
	}
	s.wg.Add(1)
	c := newClient(s, conn)
	s.clients[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.clients, c)
		s.mu.Unlock()
		if !c.registered {
			s.limits.leaveUnregistered(src)
		}
		s.limits.leaveWelcomed(c)
		s.wg.Done()
	}()
	c.serve(ctx)
}

// Shutdown stops accepting, sends ERROR with reason to every client, flushes
// and closes their connections, and waits for their goroutines until ctx is done.
func (s *Server) Shutdown(ctx context.Context, reason string) error {
	if reason == "" {
		reason = "Server shutting down"
	}
	s.mu.Lock()
	s.closing = true
	for ln := range s.listeners {
		ln.Close()
	}
	clients := make([]*Client, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	for _, c := range clients {
		c.quit(reason)
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		// Give up on flushing: drop what is left.
		for _, c := range clients {
			c.abort("Server shutting down")
		}
		return fmt.Errorf("ircd: shutdown: %w", ctx.Err())
	}
}

// recoverConn logs a panic of a connection goroutine.
func (s *Server) recoverConn(c *Client) {
	if r := recover(); r != nil {
		s.log.Error("panic in connection", slog.Uint64("conn", c.id), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		c.abort("Internal error")
	}
}

func (s *Server) isupportTokens() []string {
	tokens := []string{
		"AWAYLEN=" + strconv.Itoa(awayLen),
		"BOT=B",
		"CASEMAPPING=ascii",
		"CHANLIMIT=#&:" + strconv.Itoa(s.cfg.MaxChannels),
		"CHANMODES=b,,,nt",
		"CHANNELLEN=" + strconv.Itoa(channelLen),
		"CHANTYPES=&#",
		"CHATHISTORY=" + strconv.Itoa(s.cfg.HistoryLimit),
		"ELIST=MNU",
		"KICKLEN=" + strconv.Itoa(topicLen),
		"MAXTARGETS=4",
		"MODES=4",
		"MONITOR=" + strconv.Itoa(s.cfg.MonitorLimit),
		"MSGREFTYPES=msgid,timestamp",
		"NETWORK=" + escapeISupport(s.cfg.Network),
		"NICKLEN=" + strconv.Itoa(ircname.NickLen),
		"PREFIX=(ov)@+",
		"TARGMAX=PRIVMSG:4,NOTICE:4,TAGMSG:4,JOIN:,PART:,NAMES:1,WHOIS:1,MONITOR:,KICK:1",
		"TOPICLEN=" + strconv.Itoa(topicLen),
		"USERLEN=" + strconv.Itoa(userLen),
		"UTF8ONLY",
		"WHOX",
	}
	if s.cfg.FileHost != "" {
		tokens = append(tokens, "soju.im/FILEHOST="+escapeISupport(s.cfg.FileHost))
	}
	return tokens
}

// escapeISupport escapes an ISUPPORT value (\x20 for space and so on).
func escapeISupport(v string) string {
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c == '\\' || c == '=' || c == 0x7f {
			out = append(out, fmt.Sprintf("\\x%02X", c)...)
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// splitTokens cuts tokens into groups of at most n.
func splitTokens(tokens []string, n int) [][]string {
	var out [][]string
	for len(tokens) > n {
		out = append(out, tokens[:n])
		tokens = tokens[n:]
	}
	if len(tokens) > 0 {
		out = append(out, tokens)
	}
	return out
}
