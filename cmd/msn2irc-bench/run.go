package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// bench holds what the figures share.
type bench struct {
	o      options
	log    *slog.Logger
	stderr io.Writer
	lay    layout
	msn    msnAddrs
	mc     msnConfig
	msnP   *child // the msntest process; nil with an external server
	sinks  *sinkTable
	tmp    string
	res    *Result
}

// run measures every selected figure and returns the results; figures that
// fail are reported in Result.Errors and the others still run.
func run(ctx context.Context, o options, stderr io.Writer) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	// The children's stderr and the logger share it.
	stderr = &syncWriter{w: stderr}
	level := slog.LevelError
	if o.Verbose {
		level = slog.LevelInfo
	}
	b := &bench{
		o:      o,
		log:    slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
		stderr: stderr,
		sinks:  newSinkTable(),
		res: &Result{
			Machine: describeMachine(),
			Command: strings.Join(o.CommandLine, " "),
			Started: time.Now().UTC(),
			Server:  "msntest (separate process)",
			Bridge:  o.Bridge,
		},
	}
	if o.Bridge == "child" {
		b.res.Bridge = "child process: bridge.Bridge + ircd, wired as in cmd/msn2irc"
	} else {
		b.res.Bridge = "msn2irc binary " + o.BridgeBin
	}
	var err error
	if b.tmp, err = os.MkdirTemp("", "msn2irc-bench-"); err != nil {
		return nil, err
	}
	defer os.RemoveAll(b.tmp)
	if err := b.startMSN(ctx); err != nil {
		return nil, err
	}
	if b.msnP != nil {
		defer b.msnP.Close()
	}
	b.mc = msnConfig{Server: b.msn.Server, Nexus: b.msn.Nexus, LoginURL: b.msn.LoginURL, Log: b.log}
	if o.Bridge == "binary" && o.BridgeBin == "" {
		if o.BridgeBin, err = buildMSN2IRC(ctx, b.tmp); err != nil {
			return nil, err
		}
		b.o.BridgeBin = o.BridgeBin
		b.res.Bridge = "msn2irc binary built from this module"
	}

	if o.External.enabled() {
		for _, f := range []string{"login", "memory"} {
			if o.Figures[f] {
				delete(o.Figures, f)
				b.res.Notes = append(b.res.Notes, f+" needs msntest (accounts with known contact lists, many sessions); skipped with -msn-server")
			}
		}
		if len(o.AggSessions) > 0 {
			b.res.Notes = append(b.res.Notes, "aggregate throughput needs msntest; skipped with -msn-server")
		}
	}
	phaseA := o.Figures["latency"] || o.Figures["throughput"] || o.Figures["login"] || o.Figures["cpu"]
	if phaseA {
		b.step("single-session figures", b.phaseA(ctx))
	}
	if (o.Figures["memory"] || o.Figures["throughput"]) && !o.External.enabled() {
		b.step("many-session figures", b.phaseB(ctx))
	}
	if o.Figures["history"] {
		if o.External.enabled() {
			b.res.Notes = append(b.res.Notes, "history needs msntest (the bench fills the store of an account it knows); skipped with -msn-server")
		} else {
			b.step("history", b.history(ctx))
		}
	}
	if o.Figures["files"] {
		if o.External.enabled() {
			b.res.Notes = append(b.res.Notes, "files needs msntest (the bench's accounts send the file); skipped with -msn-server")
		} else {
			b.step("files", b.files(ctx))
		}
	}
	b.res.Machine.LoadEnd = loadAverage()
	b.res.Finished = time.Now().UTC()
	b.res.evaluateTargets()
	return b.res, nil
}

func (b *bench) step(what string, err error) {
	if err != nil {
		b.log.Error(what, "err", err)
		b.res.Errors = append(b.res.Errors, what+": "+err.Error())
	}
}

func (b *bench) startMSN(ctx context.Context) error {
	o := b.o
	if o.External.enabled() {
		b.res.Server = o.External.Server
		b.msn = msnAddrs{Server: o.External.Server, Nexus: o.External.Nexus, LoginURL: o.External.LoginURL}
		return nil
	}
	maxAgg := 0
	for _, n := range o.AggSessions {
		maxAgg = max(maxAgg, n)
	}
	maxMem := 0
	for _, n := range o.MemSessions {
		maxMem = max(maxMem, n)
	}
	b.lay = layout{
		Peers:        o.Peers,
		Users:        max(maxAgg, maxMem, 1),
		UserContacts: max(o.MemContacts-1, 0), // plus the peer
		LoginSizes:   o.LoginSizes,
		LoginReps:    o.LoginReps,
		Directs:      3,
	}
	args := append([]string{"serve-msntest"}, b.lay.args()...)
	c, err := startChild(ctx, "msntest", o.Self, args, nil, b.stderr, &b.msn)
	if err != nil {
		return err
	}
	b.msnP = c
	return nil
}

// singleAccounts returns the accounts of the single-session figures:
// inBench is the client behind the relay hop inside the bench process,
// which is not measured against an external server (the zero account).
func (b *bench) singleAccounts() (user, direct, relayed, inBench, peer account) {
	if e := b.o.External; e.enabled() {
		return e.User, e.Direct, e.Relay, account{}, e.Peer
	}
	return b.lay.user(0), b.lay.direct(0), b.lay.direct(2), b.lay.direct(1), b.lay.userPeer(0)
}

func (b *bench) newBridge(ctx context.Context) (bridgeProc, error) {
	return startBridge(ctx, bridgeConfig{
		MSN: b.msn, Self: b.o.Self, Bin: b.o.BridgeBin, Mode: b.o.Bridge,
		Verbose: b.o.Verbose, Stderr: b.stderr, TempDir: b.tmp,
	})
}

// profiling starts the CPU profile when fig is the figure to profile and
// returns the function that stops it and writes the heap profile.
func (b *bench) profiling(ctx context.Context, br bridgeProc, fig string) func() {
	if b.o.CPUProfile == "" && b.o.HeapProfile == "" || b.o.ProfileFig != fig {
		return func() {}
	}
	cpu := b.o.CPUProfile != ""
	if cpu {
		if err := br.StartCPUProfile(ctx, b.o.CPUProfile); err != nil {
			b.step("cpu profile", err)
			cpu = false
		}
	}
	return func() {
		if cpu {
			b.step("cpu profile", br.StopCPUProfile(ctx))
		}
		if b.o.HeapProfile != "" {
			b.step("heap profile", br.WriteHeapProfile(ctx, b.o.HeapProfile))
		}
	}
}

// phaseA runs latency, single-session throughput, CPU and login to ready on
// a fresh bridge.
func (b *bench) phaseA(ctx context.Context) error {
	o := b.o
	br, err := b.newBridge(ctx)
	if err != nil {
		return err
	}
	defer br.Close()
	userAcc, directAcc, relayAcc, inBenchAcc, peerAcc := b.singleAccounts()

	if o.Figures["latency"] || o.Figures["throughput"] || o.Figures["cpu"] {
		err := func() error {
			peer, _, err := loginPeer(ctx, b.mc, peerAcc, b.sinks)
			if err != nil {
				return err
			}
			defer peer.Close()
			direct, err := newDirectClient(ctx, b.mc, directAcc, peerAcc.Passport)
			if err != nil {
				return err
			}
			defer direct.Close()
			relayP, relayAddr, err := startRelayChild(ctx, b.o.Self, b.msn.Server, b.stderr)
			if err != nil {
				return err
			}
			defer relayP.Close()
			rmc := b.mc
			rmc.Server = relayAddr
			relayed, err := newDirectClient(ctx, rmc, relayAcc, peerAcc.Passport)
			if err != nil {
				return err
			}
			defer relayed.Close()
			var inBench *directClient
			if inBenchAcc.Passport != "" {
				relay, err := newNSRelay(b.msn.Server, b.log)
				if err != nil {
					return err
				}
				defer relay.Close()
				imc := b.mc
				imc.Server = relay.Addr()
				inBench, err = newDirectClient(ctx, imc, inBenchAcc, peerAcc.Passport)
				if err != nil {
					return err
				}
				defer inBench.Close()
			}
			s, err := attachSession(ctx, br.IRCAddr(), userAcc, peerAcc)
			if err != nil {
				return err
			}
			defer s.irc.Close()
			if o.Figures["latency"] || o.Figures["cpu"] {
				stop := b.profiling(ctx, br, "latency")
				b.step("latency", b.latency(ctx, br, s, peer, direct, relayed, inBench))
				stop()
			}
			if o.Figures["throughput"] || o.Figures["cpu"] {
				stop := b.profiling(ctx, br, "throughput")
				b.step("throughput", b.throughput(ctx, br, s, direct, relayed))
				stop()
			}
			return nil
		}()
		b.step("relay setup", err)
	}
	if o.Figures["login"] {
		stop := b.profiling(ctx, br, "login")
		b.step("login to ready", b.loginToReady(ctx, br))
		stop()
	}
	return nil
}

// nickFor is the nick a bench IRC client asks for: the address's local part.
func nickFor(a account) string {
	local, _, _ := strings.Cut(a.Passport, "@")
	return local
}

func withTimeout(ctx context.Context, d time.Duration, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return f(ctx)
}

// syncWriter serialises writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
