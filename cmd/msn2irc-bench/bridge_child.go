package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime/pprof"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/web"
)

// serveBridge is the hidden "serve-bridge" subcommand: msn2irc's bridge
// (bridge.Bridge, ircd and the SQLite store, wired as cmd/msn2irc wires them)
// on a loopback port. Besides the ready line it answers "stats" (after a GC),
// "cpu", "sessions", "cpuprofile-start <path>", "cpuprofile-stop" and
// "heapprofile <path>" (and <path>.goroutines.txt) on stdin, and shuts down when stdin ends.
func serveBridge(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve-bridge", flag.ContinueOnError)
	server := fs.String("msn-server", "", "MSN notification server")
	nexus := fs.String("msn-nexus", "", "Passport nexus URL")
	loginURL := fs.String("msn-login-url", "", "Passport login URL")
	dbPath := fs.String("db", "", "SQLite file")
	verbose := fs.Bool("v", false, "log at info level")
	dataDir := fs.String("data-dir", "", "directory of received files; when set, files from contacts are taken and served on an HTTP listener")
	fileMax := fs.Int64("file-max", 0, "with -data-dir: files up to this size are accepted without asking (also the size limit and the quota); 0: the bridge's defaults")
	if err := fs.Parse(args); err != nil {
		return err
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	store, err := db.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	// As cmd/msn2irc's serve wires them, with its defaults.
	mcfg := msn.Config{Server: *server, Versions: msn.DefaultVersions, NexusURL: *nexus, LoginURL: *loginURL}
	if *fileMax > 0 {
		mcfg.MaxFileSize = *fileMax
	}
	br := bridge.NewBridge(bridge.Config{
		Store:      store,
		MSN:        mcfg,
		ServerName: "msn2irc",
		Version:    "bench",
		Logger:     log.With("component", "bridge"),
		// The bench logs in hundreds of times from loopback: no global MSN
		// login rate, and loopback trusted like a bouncer host.
		MSNLoginRate: -1,
		TrustedNets:  []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},

		DataDir:        *dataDir,
		FileAutoAccept: *fileMax,
		FileMaxSize:    *fileMax,
		FileQuota:      *fileMax,
	})
	srv := ircd.NewServer(ircd.Config{
		ServerName: "msn2irc",
		Network:    "MSN",
		Version:    "msn2irc-bench",
		MOTD: []string{
			"msn2irc bench: MSN Messenger over IRC.",
			"Your contacts are in &msn; /msg msn help lists the commands.",
		},
		Logger: log.With("component", "ircd"),
		// Every bench session connects from loopback, -login-concurrency of them logging in at once.
		TrustedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
		// The history figure times queries back to back, not the pacing
		// of a client that asks that fast.
		QueryInterval: time.Nanosecond,
		QueryBurst:    1 << 20,
	}, br)
	br.SetServer(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	ready := bridgeReady{IRC: ln.Addr().String()}
	if *dataDir != "" {
		// The download links on an HTTP listener of their own, as
		// cmd/msn2irc serves them.
		hln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			cancel()
			<-served
			return err
		}
		ready.HTTP = "http://" + hln.Addr().String() + "/"
		br.SetFileURL(ready.HTTP)
		mux := web.NewMux("msn2irc")
		mux.Handle(bridge.FilePattern, br.FileHandler())
		httpDone := make(chan error, 1)
		go func() { httpDone <- web.Serve(ctx, web.NewServer(mux), hln, 5*time.Second) }()
		defer func() { <-httpDone }()
	}

	var profile *os.File
	err = serveControl(ready, func(cmd string, args []string) (any, error) {
		switch cmd {
		case "stats":
			return selfStats(true), nil
		case "cpu":
			return selfStats(false).CPUSeconds, nil
		case "sessions":
			return br.SessionCount(), nil
		case "cpuprofile-start":
			if len(args) != 1 || profile != nil {
				return nil, errors.New("usage: cpuprofile-start path (once)")
			}
			f, err := os.Create(args[0])
			if err != nil {
				return nil, err
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				f.Close()
				return nil, err
			}
			profile = f
			return nil, nil
		case "cpuprofile-stop":
			if profile == nil {
				return nil, errors.New("no CPU profile running")
			}
			pprof.StopCPUProfile()
			err := profile.Close()
			profile = nil
			return nil, err
		case "heapprofile":
			if len(args) != 1 {
				return nil, errors.New("usage: heapprofile path")
			}
			f, err := os.Create(args[0])
			if err != nil {
				return nil, err
			}
			selfStats(true) // a GC, so the profile shows live memory
			if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
				f.Close()
				return nil, err
			}
			if err := f.Close(); err != nil {
				return nil, err
			}
			// The goroutines, counted by where they wait, as text.
			g, err := os.Create(args[0] + ".goroutines.txt")
			if err != nil {
				return nil, err
			}
			if err := pprof.Lookup("goroutine").WriteTo(g, 1); err != nil {
				g.Close()
				return nil, err
			}
			return nil, g.Close()
		}
		return nil, fmt.Errorf("unknown command %q", cmd)
	})
	if profile != nil {
		pprof.StopCPUProfile()
		profile.Close()
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if berr := br.Close(sctx, "benchmark finished"); berr != nil {
		log.Warn("closing the bridge", "err", berr)
	}
	if serr := srv.Shutdown(sctx, "benchmark finished"); serr != nil {
		log.Warn("shutting down the IRC server", "err", serr)
	}
	cancel()
	<-served
	return err
}
