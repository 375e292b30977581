package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// bridgeProc is a running msn2irc, in a process of its own.
type bridgeProc interface {
	// IRCAddr is where IRC clients connect.
	IRCAddr() string
	// Pid is the process id, for reading its memory from /proc.
	Pid() int
	// Stats measures the process (after a GC, when it can ask the process).
	Stats(ctx context.Context) (ProcStats, error)
	// CPU returns the process's user+system CPU seconds so far.
	CPU(ctx context.Context) (float64, error)
	// Sessions returns how many MSN sessions the bridge runs.
	Sessions(ctx context.Context) (int, error)
	// StartCPUProfile and StopCPUProfile bracket a CPU profile written to path.
	StartCPUProfile(ctx context.Context, path string) error
	StopCPUProfile(ctx context.Context) error
	// WriteHeapProfile writes a heap profile to path.
	WriteHeapProfile(ctx context.Context, path string) error
	Close() error
}

// bridgeConfig is what a bridge process needs to know.
type bridgeConfig struct {
	MSN     msnAddrs
	Self    string // this executable, for child bridges
	Bin     string // the msn2irc binary, for binary bridges
	Mode    string
	Verbose bool
	Stderr  io.Writer
	TempDir string
	DB      string // the SQLite file; a new one in TempDir when empty
	// DataDir, when set, turns files from contacts on: they are kept
	// there and their links served over HTTP on a free loopback port.
	DataDir string
	// FileMax is the size up to which files are accepted without asking,
	// also the size limit and the quota; 0 keeps the defaults.
	FileMax int64
}

// dbPath is the SQLite file the bridge uses.
func (cfg bridgeConfig) dbPath() string {
	if cfg.DB != "" {
		return cfg.DB
	}
	return filepath.Join(cfg.TempDir, fmt.Sprintf("bridge-%d.db", time.Now().UnixNano()))
}

func startBridge(ctx context.Context, cfg bridgeConfig) (bridgeProc, error) {
	if cfg.Mode == "binary" {
		return startBinaryBridge(ctx, cfg)
	}
	return startChildBridge(ctx, cfg)
}

// childBridge is bridge.Bridge and ircd run by this binary's hidden
// serve-bridge subcommand, which reports its heap and writes profiles.
type childBridge struct {
	*child
	addr string
}

// bridgeReady is what the serve-bridge child prints when it listens.
type bridgeReady struct {
	IRC  string `json:"irc"`
	HTTP string `json:"http,omitempty"` // base URL of the download links, with -data-dir
}

func startChildBridge(ctx context.Context, cfg bridgeConfig) (*childBridge, error) {
	args := []string{"serve-bridge", "-msn-server", cfg.MSN.Server, "-msn-nexus", cfg.MSN.Nexus,
		"-msn-login-url", cfg.MSN.LoginURL, "-db", cfg.dbPath()}
	if cfg.Verbose {
		args = append(args, "-v")
	}
	if cfg.DataDir != "" {
		args = append(args, "-data-dir", cfg.DataDir, "-file-max", strconv.FormatInt(cfg.FileMax, 10))
	}
	var ready bridgeReady
	c, err := startChild(ctx, "bridge", cfg.Self, args, nil, cfg.Stderr, &ready)
	if err != nil {
		return nil, err
	}
	return &childBridge{child: c, addr: ready.IRC}, nil
}

func (b *childBridge) IRCAddr() string { return b.addr }

func (b *childBridge) Stats(ctx context.Context) (ProcStats, error) {
	var st ProcStats
	err := b.Request(ctx, "stats", &st)
	return st, err
}

func (b *childBridge) CPU(ctx context.Context) (float64, error) {
	var s float64
	err := b.Request(ctx, "cpu", &s)
	return s, err
}

func (b *childBridge) Sessions(ctx context.Context) (int, error) {
	var n int
	err := b.Request(ctx, "sessions", &n)
	return n, err
}

func (b *childBridge) StartCPUProfile(ctx context.Context, path string) error {
	return b.Request(ctx, "cpuprofile-start "+path, nil)
}

func (b *childBridge) StopCPUProfile(ctx context.Context) error {
	return b.Request(ctx, "cpuprofile-stop", nil)
}

func (b *childBridge) WriteHeapProfile(ctx context.Context, path string) error {
	return b.Request(ctx, "heapprofile "+path, nil)
}

// binaryBridge is the msn2irc program, configured through its environment.
// Only /proc figures (RSS, CPU) are known; it writes no profiles.
type binaryBridge struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

var errNoProfiles = errors.New("profiles need -bridge child")

// buildMSN2IRC builds the msn2irc program into dir.
func buildMSN2IRC(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "msn2irc")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/msn2irc/msn2irc/cmd/msn2irc")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building msn2irc: %w\n%s", err, b)
	}
	return out, nil
}

func startBinaryBridge(ctx context.Context, cfg bridgeConfig) (*binaryBridge, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	level := "warn"
	if cfg.Verbose {
		level = "info"
	}
	cmd := exec.Command(cfg.Bin)
	cmd.Env = append(os.Environ(),
		"MSN2IRC_LISTEN="+addr,
		"MSN2IRC_DB="+cfg.dbPath(),
		"MSN2IRC_MSN_SERVER="+cfg.MSN.Server,
		"MSN2IRC_MSN_NEXUS="+cfg.MSN.Nexus,
		"MSN2IRC_MSN_LOGIN_URL="+cfg.MSN.LoginURL,
		"MSN2IRC_LOG_LEVEL="+level,
		// Every bench session connects from loopback, -login-concurrency of them logging in at once.
		"MSN2IRC_TRUSTED_ADDRESSES=127.0.0.0/8,::1",
		// The HTTP listeners on free ports, not the fixed defaults that a
		// running msn2irc or another bench may hold.
		"MSN2IRC_HTTP_LISTEN=127.0.0.1:0",
		"MSN2IRC_METRICS_LISTEN=127.0.0.1:0",
		// The bench logs in hundreds of sessions against its own msntest:
		// the bridge-wide MSN login rate would measure the rate, not msn2irc.
		"MSN2IRC_MSN_LOGIN_RATE=1000000",
		// The history figure times queries back to back, not the pacing
		// of a client that asks that fast.
		"MSN2IRC_QUERY_RATE=1000000",
		// The versions the child bridge and the direct clients offer, so
		// that both paths speak the same one.
		"MSN2IRC_MSN_VERSIONS="+strings.Join(msn.DefaultVersions, ","),
	)
	if cfg.DataDir != "" {
		cmd.Env = append(cmd.Env, "MSN2IRC_DATA_DIR="+cfg.DataDir)
		if cfg.FileMax > 0 {
			n := strconv.FormatInt(cfg.FileMax, 10)
			cmd.Env = append(cmd.Env, "MSN2IRC_FILE_AUTO_ACCEPT="+n, "MSN2IRC_FILE_MAX_SIZE="+n, "MSN2IRC_FILE_QUOTA="+n)
		}
	}
	cmd.Stdout = cfg.Stderr
	cmd.Stderr = cfg.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cfg.Bin, err)
	}
	b := &binaryBridge{cmd: cmd, addr: addr, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(b.done)
	}()
	// Ready when the IRC port accepts connections.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return b, nil
		}
		select {
		case <-b.done:
			return nil, fmt.Errorf("%s exited before listening on %s", cfg.Bin, addr)
		case <-ctx.Done():
			b.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.Close()
			return nil, fmt.Errorf("%s is not listening on %s after 30s", cfg.Bin, addr)
		}
	}
}

func (b *binaryBridge) IRCAddr() string { return b.addr }

func (b *binaryBridge) Pid() int { return b.cmd.Process.Pid }

func (b *binaryBridge) Stats(ctx context.Context) (ProcStats, error) {
	pid := b.cmd.Process.Pid
	rss, err := rssBytes(pid)
	if err != nil {
		return ProcStats{}, err
	}
	cpu, err := cpuSeconds(pid)
	if err != nil {
		return ProcStats{}, err
	}
	return ProcStats{RSSBytes: rss, CPUSeconds: cpu}, nil
}

func (b *binaryBridge) CPU(ctx context.Context) (float64, error) {
	return cpuSeconds(b.cmd.Process.Pid)
}

func (b *binaryBridge) Sessions(context.Context) (int, error) {
	return 0, errors.New("session count needs -bridge child")
}

func (b *binaryBridge) StartCPUProfile(context.Context, string) error  { return errNoProfiles }
func (b *binaryBridge) StopCPUProfile(context.Context) error           { return errNoProfiles }
func (b *binaryBridge) WriteHeapProfile(context.Context, string) error { return errNoProfiles }

// Close asks msn2irc to stop (SIGINT) and waits; it kills it after a grace period.
func (b *binaryBridge) Close() error {
	_ = b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.done:
	case <-time.After(15 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.done
	}
	return nil
}
