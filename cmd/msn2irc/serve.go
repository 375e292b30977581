package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// shutdownTimeout bounds the graceful shutdown: MSN sign-outs and flushing
// the IRC clients.
const shutdownTimeout = 10 * time.Second

// shutdownReason is what IRC clients are told when the program stops.
const shutdownReason = "msn2irc is shutting down"

// uploadKeyName is the instance secret that names the accounts'
// directories of uploads in their links (bridge.UploadConfig.Key).
const uploadKeyName = "uploads"

// serve runs the bridge until ctx is done. ready, when not nil, gets the
// addresses of the listeners once they accept.
func serve(ctx context.Context, cfg config, log *slog.Logger, ready func(addrs []net.Addr)) error {
	warnConfig(cfg, log)
	store, err := db.OpenWith(ctx, cfg.DB, db.Options{Logger: log.With("component", "db")})
	if errors.Is(err, db.ErrDamaged) {
		return fmt.Errorf("%w, and set MSN2IRC_DB to NEW.db", err)
	}
	if err != nil {
		return fmt.Errorf("database %s: %w", cfg.DB, err)
	}
	defer store.Close()
	if cfg.testStore != nil {
		cfg.testStore(store)
	}
	if err := makeDataDir(cfg.dataDir()); err != nil {
		return err
	}

	// The HTTP listener opens first: the upload links name its address.
	side, err := listenHTTP(cfg, log)
	if err != nil {
		return err
	}
	uploadKey, err := store.InstanceSecret(ctx, uploadKeyName)
	if err != nil {
		side.close()
		return fmt.Errorf("database %s: %w", cfg.DB, err)
	}
	uploads := bridge.UploadConfig{Dir: filepath.Join(cfg.dataDir(), "outgoing"), MaxSize: cfg.FileMaxSize, Expiry: cfg.FileExpiry,
		Key: uploadKey}
	if side.files != nil {
		uploads.BaseURL = side.base
	}
	m := metrics.New()
	// Files from contacts are taken only when their links can be served.
	dataDir := ""
	if cfg.HTTPListen != "" {
		dataDir = cfg.dataDir()
	}
	br := bridge.NewBridge(bridge.Config{
		Store: store,
		MSN: msn.Config{
			Server:   cfg.MSNServer,
			Versions: cfg.MSNVersions,
			NexusURL: cfg.MSNNexus,
			LoginURL: cfg.MSNLoginURL,
			SOAPURL:  cfg.MSNSOAPURL,
			// msn declines larger offers itself; the bridge says so.
			MaxFileSize: cfg.FileMaxSize,
		},
		ServerName: cfg.ServerName,
		Version:    version,
		Logger:     log.With("component", "bridge"),

		AuthFailures:       cfg.AuthFailures,
		AuthSourceFailures: cfg.AuthSourceFailures,
		AuthLockout:        cfg.AuthLockout,
		MSNPasswordTries:   cfg.MSNPasswordTries,
		MSNLoginRate:       cfg.MSNLoginRate,
		PasswordRecheck:    cfg.PasswordRecheck,
		TrustedNets:        cfg.trusted,
		Metrics:            m,
		HistoryDays:        cfg.HistoryDays,
		Uploads:            uploads,
		DataDir:            dataDir,
		FileAutoAccept:     cfg.FileAutoAccept,
		FileMaxSize:        cfg.FileMaxSize,
		FileQuota:          cfg.FileQuota,
		FileCount:          cfg.FileCount,
		FileExpiry:         cfg.FileExpiry,
		PictureCache:       cfg.PictureCache,
	})
	srv := ircd.NewServer(ircd.Config{
		ServerName: cfg.ServerName,
		Network:    "MSN",
		Version:    "msn2irc-" + version,
		MOTD: []string{
			"msn2irc " + version + ": MSN Messenger over IRC.",
			"Your contacts are in &msn; /msg msn help lists the commands.",
		},
		Logger: log.With("component", "ircd"),

		UnregisteredPerAddress: cfg.UnregisteredPerAddress,
		UnregisteredMax:        cfg.UnregisteredMax,
		GuestsPerAddress:       cfg.GuestsPerAddress,
		RegisteredPerAddress:   cfg.RegisteredPerAddress,
		GuestTimeout:           cfg.GuestTimeout,
		TrustedNets:            cfg.trusted,
		FileHost:               br.UploadURL(),
		QueryInterval:          queryInterval(cfg.QueryRate),
		QueryBurst:             5 * cfg.QueryRate,
	}, br)
	br.SetServer(srv)
	// fail undoes the start before serve returns err: the bridge's
	// background work stops before the store closes.
	fail := func(err error) error {
		side.close()
		br.Close(context.Background(), shutdownReason)
		return err
	}
	if err := registerGauges(m, store, srv, br, log); err != nil {
		return fail(fmt.Errorf("metrics: %w", err))
	}
	if br.UploadURL() != "" {
		h := br.UploadHandler()
		side.mux.Handle("/upload", h)
		side.mux.Handle("/upload/", h)
	}

	listeners, err := listen(cfg, log)
	if err != nil {
		return fail(err)
	}
	side.ircWant = len(listeners)
	if side.files != nil {
		if err := br.ServePictures(ctx, side.mux, side.base, cfg.dataDir()); err != nil {
			for _, ln := range listeners {
				ln.Close()
			}
			return fail(err)
		}
		br.SetFileURL(side.base)
		side.mux.Handle(bridge.FilePattern, br.FileHandler())
	}
	// The listeners get their own context, cancelled only after the bridge
	// and the server said goodbye, so that clients read shutdownReason.
	serveCtx, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServing()
	var wg sync.WaitGroup
	var addrs []net.Addr
	for i, ln := range listeners {
		addrs = append(addrs, ln.Addr())
		if cfg.TLSListen != "" && i == len(listeners)-1 { // listen opens the TLS listener last
			log.Info("listening for IRC clients over TLS", "addr", ln.Addr().String())
		} else {
			log.Info("listening for IRC clients", "addr", ln.Addr().String())
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(serveCtx, ln); err != nil && ctx.Err() == nil {
				log.Error("IRC listener stopped", "addr", ln.Addr().String(), "err", err)
			}
		}()
	}
	side.start(serveCtx, log, side.operational(m, store, srv))
	if cfg.httpReady != nil {
		cfg.httpReady(addrOf(side.files), addrOf(side.metrics))
	}
	if ready != nil {
		ready(addrs)
	}
	<-ctx.Done()
	log.Info("shutting down")
	side.stopping.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := br.Close(sctx, shutdownReason); err != nil {
		log.Warn("closing MSN sessions", "err", err)
	}
	if err := srv.Shutdown(sctx, shutdownReason); err != nil {
		log.Warn("closing IRC clients", "err", err)
	}
	stopServing()
	for _, ln := range listeners {
		ln.Close()
	}
	wg.Wait()
	side.wait()
	return nil
}

// addrOf is the address of ln, nil when ln is.
func addrOf(ln net.Listener) net.Addr {
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

// listen opens the configured IRC listeners.
func listen(cfg config, log *slog.Logger) ([]net.Listener, error) {
	var out []net.Listener
	closeAll := func() {
		for _, ln := range out {
			ln.Close()
		}
	}
	if cfg.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
		}
		if !isLoopback(ln.Addr()) {
			log.Warn("the plain IRC listener is not on loopback: MSN passwords cross the network in clear text; prefer MSN2IRC_TLS_LISTEN", "addr", ln.Addr().String())
		}
		out = append(out, ln)
	}
	if cfg.TLSListen != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("TLS certificate: %w", err)
		}
		ln, err := tls.Listen("tcp", cfg.TLSListen, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("listen %s: %w", cfg.TLSListen, err)
		}
		out = append(out, ln)
	}
	if len(out) == 0 {
		return nil, errors.New("nothing to listen on")
	}
	return out, nil
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// queryInterval is the time between a client's queries at
// rate a second; 0 (no rate given) leaves ircd's default.
func queryInterval(rate int) time.Duration {
	if rate <= 0 {
		return 0
	}
	return time.Second / time.Duration(rate)
}
