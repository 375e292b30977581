package main

// Helpers for the end-to-end tests that drive real IRC software (ZNC, irssi,
// WeeChat) against the msn2irc binary and an in-process MSN server.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"
)

// The MSN account the IRC side logs in with. The password is distinctive so
// that a leak into the logs can be searched for.
const (
	userPassport = "alice@example.com"
	userPassword = "Tr0ub4dor-e2e"
)

// binary is the msn2irc executable, built once per test run.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// raceEnabled reports whether this test binary was built with -race; the
// msn2irc binary is then built with it too, so that real clients' traffic
// runs under the race detector.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// msn2ircBinary builds the program in this directory (once) and returns its path.
func msn2ircBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "msn2irc-e2e-")
		if err != nil {
			binary.err = err
			return
		}
		binary.dir = dir
		binary.path = filepath.Join(dir, "msn2irc")
		// go test puts its own go command first in PATH.
		args := []string{"build", "-o", binary.path}
		if raceEnabled() {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, ".")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatalf("building msn2irc: %v", binary.err)
	}
	return binary.path
}

// needPrograms skips the test when a program is missing, except in CI
// (CI set), where the programs are part of the contract and missing is a
// failure. With -short it always skips.
func needPrograms(t *testing.T, names ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test with real IRC software; skipped with -short")
	}
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			msg := fmt.Sprintf("%s is not installed (Debian: apt-get install %s)", name, debianPackage(name))
			if os.Getenv("CI") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

func debianPackage(program string) string {
	if program == "weechat-headless" {
		return "weechat-headless weechat-plugins"
	}
	return program
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// readFile returns a file's content, or "" when it does not exist (yet).
func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// lines splits text into non-empty lines.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// grepLines returns the lines of text that contain every one of subs.
func grepLines(text string, subs ...string) []string {
	var out []string
next:
	for _, l := range lines(text) {
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

// clientConfig holds the values filled into the client configurations in
// testdata/clients (and, with documentation values, into docs/clients.md).
type clientConfig struct {
	BridgePort  string // msn2irc's IRC port
	Account     string // MSN address
	Password    string // MSN password
	LogDir      string // where the client writes its logs
	ZNCPort     string // ZNC's listener
	ZNCPassword string // ZNC user alice's password
}

// renderConfig fills testdata/clients/name with cfg.
func renderConfig(t *testing.T, name string, cfg clientConfig) string {
	t.Helper()
	tmpl, err := template.ParseFiles(filepath.Join("testdata", "clients", name))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, cfg); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// bridgeProc is a running msn2irc process.
type bridgeProc struct {
	cmd     *exec.Cmd
	addr    string // IRC listener
	logPath string // stderr and stdout, debug level
	exited  chan struct{}
	waitErr error
}

// startBridge runs msn2irc with the database at dbPath and waits until it
// accepts IRC connections. It listens on addr, or on a free loopback port
// when addr is "" (another one if that port was taken in the meantime).
func startBridge(t *testing.T, n *msnNetwork, addr, dbPath, versions string) *bridgeProc {
	t.Helper()
	for attempt := 1; ; attempt++ {
		listen := addr
		if listen == "" {
			listen = freeAddr(t)
		}
		b, taken := launchBridge(t, n, listen, dbPath, versions)
		if !taken {
			return b
		}
		if addr != "" || attempt == 3 {
			t.Fatalf("msn2irc cannot listen on %s: address already in use", listen)
		}
	}
}

// launchBridge starts msn2irc on addr. It reports taken when msn2irc
// exited at once because addr was in use.
func launchBridge(t *testing.T, n *msnNetwork, addr, dbPath, versions string) (b *bridgeProc, taken bool) {
	t.Helper()
	logFile, err := os.CreateTemp(t.TempDir(), "msn2irc-*.log")
	if err != nil {
		t.Fatal(err)
	}
	b = &bridgeProc{addr: addr, logPath: logFile.Name(), exited: make(chan struct{})}
	b.cmd = exec.Command(msn2ircBinary(t))
	b.cmd.Env = append(os.Environ(),
		"MSN2IRC_LISTEN="+addr,
		"MSN2IRC_DB="+dbPath,
		"MSN2IRC_MSN_SERVER="+n.srv.NSAddr(),
		"MSN2IRC_MSN_NEXUS="+n.srv.NexusURL(),
		"MSN2IRC_MSN_LOGIN_URL="+n.srv.LoginURL(),
		"MSN2IRC_MSN_VERSIONS="+versions,
		"MSN2IRC_LOG_LEVEL=debug",
		"MSN2IRC_HTTP_LISTEN=127.0.0.1:0",    // not the fixed default ports,
		"MSN2IRC_METRICS_LISTEN=127.0.0.1:0", // which other tests may hold
	)
	b.cmd.Stdout = logFile
	b.cmd.Stderr = logFile
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logFile.Close()
	go func() {
		b.waitErr = b.cmd.Wait()
		close(b.exited)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-b.exited:
			log := readFile(b.logPath)
			if strings.Contains(log, "address already in use") {
				return nil, true
			}
			t.Fatalf("msn2irc exited at start (%v):\n%s", b.waitErr, log)
		case <-time.After(25 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.stop(t)
			t.Fatalf("msn2irc does not listen on %s after 20s:\n%s", addr, tail(readFile(b.logPath), 50))
		}
	}
	t.Cleanup(func() { b.check(t) })
	return b, false
}

// check stops msn2irc and fails the test if its log shows a data race, an
// error or a password.
func (b *bridgeProc) check(t *testing.T) {
	b.stop(t)
	log := readFile(b.logPath)
	if strings.Contains(log, "DATA RACE") {
		t.Errorf("msn2irc reported a data race:\n%s", log)
	}
	// Real clients doing ordinary things must not make msn2irc log errors.
	if errs := append(grepLines(log, "level=ERROR"), grepLines(log, `"level":"ERROR"`)...); len(errs) > 0 {
		t.Errorf("msn2irc logged errors:\n%s", strings.Join(errs, "\n"))
	}
	for _, secret := range []string{
		userPassword,
		base64.StdEncoding.EncodeToString([]byte("\x00" + userPassport + "\x00" + userPassword)),
		base64.StdEncoding.EncodeToString([]byte(userPassport + "\x00" + userPassport + "\x00" + userPassword)),
	} {
		if strings.Contains(log, secret) {
			t.Errorf("msn2irc logged the MSN password (%d bytes of secret text found in its debug log)", len(secret))
		}
	}
	if t.Failed() {
		t.Logf("msn2irc log (last 150 lines):\n%s", tail(log, 150))
	}
}

// stop kills the process (like a crash or kill -9) and waits for it.
func (b *bridgeProc) stop(t *testing.T) {
	t.Helper()
	select {
	case <-b.exited:
		return
	default:
	}
	b.cmd.Process.Kill()
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		t.Errorf("msn2irc (pid %d) did not exit after SIGKILL", b.cmd.Process.Pid)
	}
}

func tail(text string, n int) string {
	ls := strings.Split(text, "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}
