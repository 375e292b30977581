package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// options are the bench's command-line settings.
type options struct {
	Quick        bool
	JSONPath     string
	Figures      map[string]bool
	Runs         int
	LatRounds    int
	TPMessages   int
	AggSessions  []int
	AggMessages  int
	LoginSizes   []int
	LoginReps    int
	MemSessions  []int
	MemContacts  int
	Peers        int
	HistMessages int   // messages stored for the history figure
	HistRounds   int   // measured rounds of each history query
	FileBytes    int64 // size of the file of the files figure
	FileRuns     int   // runs of each path of the files figure
	Concurrency  int
	Settle       time.Duration // longest wait for the bridge's RSS to settle before memory is read
	Bridge       string        // "child" or "binary"
	BridgeBin    string
	CPUProfile   string
	HeapProfile  string
	ProfileFig   string
	Verbose      bool
	Timeout      time.Duration
	External     externalServer
	Self         string   // executable to re-run for the hidden subcommands
	CommandLine  []string // for the report
}

// externalServer is a real MSN server to measure against instead of msntest.
type externalServer struct {
	Server, Nexus, LoginURL string
	User, Direct, Relay     account // bridge account, direct client, relayed direct client
	Peer                    account
}

func (e externalServer) enabled() bool { return e.Server != "" }

var allFigures = []string{"latency", "throughput", "login", "memory", "cpu", "history", "files"}

func parseAccount(s string) (account, error) {
	if s == "" {
		return account{}, nil
	}
	p, pw, ok := strings.Cut(s, ":")
	if !ok || p == "" {
		return account{}, fmt.Errorf("account %q: want address:password", p)
	}
	return account{Passport: p, Password: pw}, nil
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("msn2irc-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: msn2irc-bench [flags]\n\nMeasures msn2irc against msntest (or a real MSN server) and prints a table.\n\n")
		fs.PrintDefaults()
	}
	var o options
	var figs, agg, sizes, mem, user, direct, relay, peer string
	fs.BoolVar(&o.Quick, "quick", false, "small counts: a smoke run of every figure in seconds")
	fs.StringVar(&o.JSONPath, "json", "", "write the results as JSON to this file")
	fs.StringVar(&figs, "figures", strings.Join(allFigures, ","), "figures to measure (cpu comes with latency and throughput)")
	fs.IntVar(&o.Runs, "runs", 9, "repetitions of each throughput measurement")
	fs.IntVar(&o.LatRounds, "latency-rounds", 5000, "round trips per path for relay latency")
	fs.IntVar(&o.TPMessages, "messages", 50000, "messages per single-session throughput run")
	fs.StringVar(&agg, "sessions", "1,10,100,1000", "concurrent sessions for aggregate throughput")
	fs.IntVar(&o.AggMessages, "session-messages", 50, "messages each session sends in an aggregate throughput run")
	fs.StringVar(&sizes, "contacts", "10,100,1000", "contact-list sizes for login to ready")
	fs.IntVar(&o.LoginReps, "login-runs", 200, "logins per contact-list size (each path)")
	fs.StringVar(&mem, "idle-sessions", "100,1000", "idle session counts for memory per session")
	fs.IntVar(&o.MemContacts, "idle-contacts", 100, "contacts of each idle session (one of them an online peer)")
	fs.IntVar(&o.HistMessages, "history-messages", 1_000_000, "messages stored for the account before the history figure (CHATHISTORY against direct store queries)")
	fs.IntVar(&o.HistRounds, "history-rounds", 200, "measured rounds of each history query")
	fs.Int64Var(&o.FileBytes, "file-bytes", 100_000_000, "size of the file a contact sends for the files figure, directly and through msn2irc")
	fs.IntVar(&o.FileRuns, "file-runs", 3, "runs of each path (direct, through msn2irc) of the files figure, alternating")
	fs.IntVar(&o.Peers, "peers", 10, "MSN peers that the sessions talk to")
	fs.IntVar(&o.Concurrency, "login-concurrency", 16, "sessions logging in at once when filling the bridge")
	fs.DurationVar(&o.Settle, "settle", 15*time.Second, "longest wait, once sessions are idle, for the bridge's RSS to stop falling before memory is read (0: read at once)")
	fs.StringVar(&o.Bridge, "bridge", "child", "how to run msn2irc: child (bridge.Bridge and ircd in a child process of this binary, with heap figures and profiles) or binary (the msn2irc binary given by -bridge-bin, RSS and CPU from /proc only)")
	fs.StringVar(&o.BridgeBin, "bridge-bin", "", "msn2irc binary for -bridge binary; built from this module with go build when empty")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the bridge process to this file")
	fs.StringVar(&o.HeapProfile, "memprofile", "", "write a heap profile of the bridge process to this file")
	fs.StringVar(&o.ProfileFig, "profile-figure", "throughput", "figure during which the CPU profile is taken (latency, throughput, login, memory, history, files)")
	fs.BoolVar(&o.Verbose, "v", false, "log progress and warnings to stderr")
	fs.DurationVar(&o.Timeout, "timeout", 30*time.Minute, "give up after this long")
	fs.StringVar(&o.External.Server, "msn-server", "", "measure against this MSN notification server (host:port) instead of msntest")
	fs.StringVar(&o.External.Nexus, "msn-nexus", "", "Passport nexus URL of -msn-server")
	fs.StringVar(&o.External.LoginURL, "msn-login-url", "", "Passport login URL of -msn-server (overrides the nexus)")
	fs.StringVar(&user, "user", "", "with -msn-server: address:password the bridge signs in with")
	fs.StringVar(&direct, "direct", "", "with -msn-server: address:password of the direct MSN client")
	fs.StringVar(&relay, "relayed", "", "with -msn-server: address:password of the direct client behind the relay hop")
	fs.StringVar(&peer, "peer", "", "with -msn-server: address:password of the peer that echoes; it needs the other three on its allow list")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.Quick {
		quick := map[string]func(){
			"runs":              func() { o.Runs = 2 },
			"latency-rounds":    func() { o.LatRounds = 20 },
			"messages":          func() { o.TPMessages = 100 },
			"sessions":          func() { agg = "1,4" },
			"session-messages":  func() { o.AggMessages = 10 },
			"contacts":          func() { sizes = "10,50" },
			"login-runs":        func() { o.LoginReps = 2 },
			"idle-sessions":     func() { mem = "4,8" },
			"idle-contacts":     func() { o.MemContacts = 20 },
			"peers":             func() { o.Peers = 2 },
			"history-messages":  func() { o.HistMessages = 10_000 },
			"history-rounds":    func() { o.HistRounds = 5 },
			"login-concurrency": func() { o.Concurrency = 4 },
			"settle":            func() { o.Settle = 300 * time.Millisecond },
			"file-bytes":        func() { o.FileBytes = 32 << 20 },
			"file-runs":         func() { o.FileRuns = 1 },
		}
		for name, f := range quick {
			if !set[name] {
				f()
			}
		}
	}
	o.Figures = map[string]bool{}
	for _, f := range strings.Split(figs, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		ok := false
		for _, a := range allFigures {
			ok = ok || a == f
		}
		if !ok {
			return o, fmt.Errorf("unknown figure %q (want %s)", f, strings.Join(allFigures, ","))
		}
		o.Figures[f] = true
	}
	var err error
	if o.AggSessions, err = parseInts(agg); err != nil {
		return o, err
	}
	if o.LoginSizes, err = parseInts(sizes); err != nil {
		return o, err
	}
	if o.MemSessions, err = parseInts(mem); err != nil {
		return o, err
	}
	for _, p := range []struct {
		s string
		a *account
	}{{user, &o.External.User}, {direct, &o.External.Direct}, {relay, &o.External.Relay}, {peer, &o.External.Peer}} {
		if *p.a, err = parseAccount(p.s); err != nil {
			return o, err
		}
	}
	if o.External.enabled() && (o.External.User.Passport == "" || o.External.Direct.Passport == "" || o.External.Relay.Passport == "" || o.External.Peer.Passport == "") {
		return o, errors.New("-msn-server needs -user, -direct, -relayed and -peer")
	}
	if o.Bridge != "child" && o.Bridge != "binary" {
		return o, fmt.Errorf("-bridge %q: want child or binary", o.Bridge)
	}
	if o.Runs < 1 || o.LatRounds < 1 || o.TPMessages < 1 || o.AggMessages < 1 || o.LoginReps < 1 || o.Peers < 1 || o.Concurrency < 1 || o.HistMessages < 1 || o.HistRounds < 1 || o.FileBytes < 1 || o.FileRuns < 1 {
		return o, errors.New("counts must be at least 1")
	}
	if o.Settle < 0 {
		return o, errors.New("-settle must not be negative")
	}
	o.CommandLine = append([]string{"msn2irc-bench"}, args...)
	return o, nil
}
