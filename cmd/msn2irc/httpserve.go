package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/web"
)

// readyTimeout bounds the store probe of one /readyz request.
const readyTimeout = 5 * time.Second

// readyProbeEvery is how often /readyz writes to the store at most: a
// probe is an 8 KiB write, and the requests of the listener's clients in
// between get the latest answer.
const readyProbeEvery = time.Second

// httpShutdownTimeout bounds the graceful shutdown of each HTTP listener.
const httpShutdownTimeout = 5 * time.Second

// httpSide is the program's HTTP listeners: the file listener (files and
// pictures, public) and the metrics listener (/metrics, /healthz,
// /readyz, for the operator). They are separate so that a public file
// listener never exposes the operational endpoints.
type httpSide struct {
	files   net.Listener // nil when disabled
	metrics net.Listener // nil when disabled
	mux     *web.Mux
	base    string // public base URL of the file listener

	ircWant  int         // IRC listeners configured
	filesUp  atomic.Bool // the file listener is serving
	stopping atomic.Bool // the program is shutting down: logins are refused
	wg       sync.WaitGroup

	probeMu  sync.Mutex // held during a store probe: one at a time
	probedAt time.Time  // the latest store probe
	probeWhy string     // its answer: why the store is not ready, "" when it is
}

// listenHTTP opens the configured HTTP listeners, each limited to
// cfg.HTTPMaxConnections connections at once.
func listenHTTP(cfg config, log *slog.Logger) (*httpSide, error) {
	h := &httpSide{mux: web.NewMux(cfg.ServerName)}
	if cfg.HTTPListen != "" {
		ln, err := net.Listen("tcp", cfg.HTTPListen)
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", cfg.HTTPListen, err)
		}
		if cfg.HTTPTLS {
			cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
			if err != nil {
				ln.Close()
				return nil, fmt.Errorf("TLS certificate: %w", err)
			}
			ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		}
		h.files = web.LimitListener(ln, cfg.HTTPMaxConnections, cfg.HTTPConnectionsPerAddress, cfg.trusted)
		h.base = cfg.httpURL(ln.Addr())
		warnHTTP(cfg, ln.Addr(), log)
	}
	if cfg.MetricsListen != "" {
		ln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			h.close()
			return nil, fmt.Errorf("listen %s: %w", cfg.MetricsListen, err)
		}
		if !isLoopback(ln.Addr()) {
			log.Warn("the metrics listener is not on loopback: anyone who reaches it sees how the bridge is used", "addr", ln.Addr().String())
		}
		h.metrics = web.LimitListener(ln, cfg.HTTPMaxConnections, 0, nil)
	}
	return h, nil
}

// warnHTTP warns of a file listener that others reach without TLS (an
// upload or a picture takes the MSN password), and of links that name
// localhost when the listener takes connections from elsewhere.
func warnHTTP(cfg config, addr net.Addr, log *slog.Logger) {
	if isLoopback(addr) {
		return
	}
	if !cfg.HTTPTLS && !strings.HasPrefix(cfg.HTTPURL, "https://") {
		log.Warn("the HTTP listener is not on loopback and not TLS: MSN passwords of uploads and pictures cross the network in clear text; set MSN2IRC_HTTP_TLS, or put a TLS proxy in front (MSN2IRC_HTTP_URL https://...)", "addr", addr.String())
	}
	if ta, ok := addr.(*net.TCPAddr); ok && ta.IP.IsUnspecified() && cfg.HTTPURL == "" {
		log.Warn("MSN2IRC_HTTP_URL is not set: links and uploads name "+cfg.httpURL(addr)+", which only this machine reaches; set it to the address clients use", "addr", addr.String())
	}
}

// close closes the listeners that are open.
func (h *httpSide) close() {
	for _, ln := range []net.Listener{h.files, h.metrics} {
		if ln != nil {
			ln.Close()
		}
	}
}

// start serves the listeners until ctx is done; wait waits for them.
func (h *httpSide) start(ctx context.Context, log *slog.Logger, metricsHandler http.Handler) {
	run := func(what string, ln net.Listener, handler http.Handler, up *atomic.Bool) {
		log.Info("listening for HTTP", "what", what, "addr", ln.Addr().String())
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			if up != nil {
				up.Store(true)
				defer up.Store(false)
			}
			if err := web.Serve(ctx, web.NewServer(handler), ln, httpShutdownTimeout); err != nil {
				log.Error("HTTP listener stopped", "what", what, "addr", ln.Addr().String(), "err", err)
			}
		}()
	}
	if h.files != nil {
		run("files", h.files, h.mux, &h.filesUp)
	}
	if h.metrics != nil {
		run("metrics", h.metrics, metricsHandler, nil)
	}
}

// wait waits until the listeners have shut down.
func (h *httpSide) wait() { h.wg.Wait() }

// operational is the metrics listener's handler: /metrics, /healthz and
// /readyz, 404 for the rest.
func (h *httpSide) operational(m *metrics.Metrics, store *db.Store, srv *ircd.Server) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if why := h.notReady(r.Context(), store, srv); why != "" {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "not ready: "+why+"\n")
			return
		}
		io.WriteString(w, "ready\n")
	})
	return mux
}

// probeStore says why the store does not take writes, "" when it does:
// from probe, run at most once per readyProbeEvery; requests meanwhile,
// and those that waited for a running probe, get its answer.
func (h *httpSide) probeStore(ctx context.Context, probe func(context.Context) error) string {
	h.probeMu.Lock()
	defer h.probeMu.Unlock()
	if !h.probedAt.IsZero() && time.Since(h.probedAt) < readyProbeEvery {
		return h.probeWhy
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	h.probeWhy = ""
	if err := probe(ctx); err != nil {
		h.probeWhy = "the database does not take writes: " + db.Reason(err)
	}
	h.probedAt = time.Now()
	return h.probeWhy
}

// notReady says why the program cannot serve its users, or "" when it
// can: it is not shutting down, the store takes a write, and every
// configured listener accepts.
func (h *httpSide) notReady(ctx context.Context, store *db.Store, srv *ircd.Server) string {
	if h.stopping.Load() {
		return "msn2irc is shutting down"
	}
	if why := h.probeStore(ctx, store.Probe); why != "" {
		return why
	}
	if n := srv.Stats().Listeners; n < h.ircWant {
		return fmt.Sprintf("%d of %d IRC listeners are up", n, h.ircWant)
	}
	if h.files != nil && !h.filesUp.Load() {
		return "the HTTP listener is not up"
	}
	return ""
}

// registerGauges adds to m the gauges read at scrape time from the IRC
// server, the bridge and the store.
func registerGauges(m *metrics.Metrics, store *db.Store, srv *ircd.Server, br *bridge.Bridge, log *slog.Logger) error {
	return m.Register(metrics.NewGauges(func() metrics.Snapshot {
		st := srv.Stats()
		s := metrics.Snapshot{IRCConnected: st.Connected, IRCRegistered: st.Registered, Sessions: map[metrics.SessionKey]int{}}
		for _, ss := range br.Stats() {
			s.Sessions[metrics.SessionKey{State: ss.State, Version: ss.Version}]++
			s.Switchboards += ss.Switchboards
		}
		ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
		defer cancel()
		n, err := store.OutboxSize(ctx)
		if err != nil {
			log.Warn("metrics: counting the outbox", "err", err)
		}
		s.Outbox, s.OutboxKnown = n, err == nil
		return s
	}))
}

// makeDataDir creates the data directory, readable by its owner only.
func makeDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	return nil
}
