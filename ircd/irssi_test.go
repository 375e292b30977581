package ircd

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxSession runs a program in a detached tmux session on a private tmux
// socket and kills it when the test ends.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

func startTmux(t *testing.T, dir string, argv ...string) *tmuxSession {
	t.Helper()
	id := fmt.Sprintf("ircdtest-%d-%d", os.Getpid(), time.Now().UnixNano())
	s := &tmuxSession{t: t, socket: id, name: id}
	args := append([]string{"-L", s.socket, "-f", "/dev/null", "new-session", "-d", "-s", s.name, "-x", "200", "-y", "50"}, argv...)
	cmd := exec.Command("tmux", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TERM=xterm", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() {
		exec.Command("tmux", "-L", s.socket, "kill-session", "-t", s.name).Run()
		exec.Command("tmux", "-L", s.socket, "kill-server").Run()
	})
	return s
}

// keys types a line into the session.
func (s *tmuxSession) keys(line string) {
	s.t.Helper()
	if out, err := exec.Command("tmux", "-L", s.socket, "send-keys", "-t", s.name, "-l", line).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys: %v: %s", err, out)
	}
	if out, err := exec.Command("tmux", "-L", s.socket, "send-keys", "-t", s.name, "Enter").CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys: %v: %s", err, out)
	}
}

// screen returns the visible text of the session.
func (s *tmuxSession) screen() string {
	out, _ := exec.Command("tmux", "-L", s.socket, "capture-pane", "-p", "-t", s.name).Output()
	return string(out)
}

// waitFile polls path until it contains all of want or the deadline passes.
func waitFile(t *testing.T, s *tmuxSession, path string, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		data, _ := os.ReadFile(path)
		text := string(data)
		ok := true
		for _, w := range want {
			if !strings.Contains(text, w) {
				ok = false
				break
			}
		}
		if ok {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s lacks %q\n--- log:\n%s\n--- screen:\n%s", filepath.Base(path), want, text, s.screen())
		}
		<-tick.C
	}
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI: %v", tool, err)
			}
			t.Skipf("%s not installed (apt-get install -y irssi tmux); skipping the real-client test", tool)
		}
	}
}

// TestIrssi runs the irssi terminal client against the server and checks
// that it registers, joins &msn with the members' modes, gets a query from a
// contact, sends a message that reaches the Handler, and shows an away
// status in WHOIS.
func TestIrssi(t *testing.T) {
	needTools(t, "irssi", "tmux")
	e := newEnv(t, Config{Network: "MSN"})
	w, h := e.backend.world("alice@example.com")
	w.SetUser(User{Nick: "msn", Ident: "msn", Host: "irc.test", Realname: "MSN service", Online: true, Bot: true})
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: "Bob B", Online: true})
	w.SetUser(User{Nick: "carol", Ident: "carol", Host: "msn.com", Realname: "Carol C", Online: true, Away: "Busy - in a meeting"})
	w.OpenChannel("&msn", "my personal message", true, []Member{{Nick: "msn", Op: true}, {Nick: "bob", Voice: true}, {Nick: "carol", Voice: true}})

	dir := t.TempDir()
	_, port, _ := net.SplitHostPort(e.addr)
	logPath := filepath.Join(dir, "all.log")
	config := fmt.Sprintf(`servers = (
  { address = "127.0.0.1"; chatnet = "msntest"; port = "%s"; use_tls = "no"; autoconnect = "no";
    password = "alice@example.com:secret"; }
);
chatnets = { msntest = { type = "IRC"; }; };
settings = {
  core = { real_name = "Alice A"; user_name = "alice"; nick = "alice"; };
  "irc/core" = { cmd_queue_speed = "10msec"; cmds_max_at_once = "100"; };
  "fe-common/core" = { autolog = "no"; };
};
`, port)
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startTmux(t, dir, "irssi", "--home="+dir, "--noconnect")
	// Wait for irssi to draw its screen before typing.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.screen(), "[(status)]") && !strings.Contains(s.screen(), "Irssi") {
		if time.Now().After(deadline) {
			t.Fatalf("irssi did not start:\n%s", s.screen())
		}
		<-time.After(50 * time.Millisecond)
	}
	s.keys("/log open " + logPath + " ALL")
	s.keys("/connect msntest")

	waitFile(t, s, logPath, "Welcome to the MSN Network")
	h.expectCall(t, "Attached")
	// The channel, its topic and its members with their modes.
	waitFile(t, s, logPath, "has joined &msn", "Topic for &msn: my personal message", "[@alice] [@msn] [+bob] [+carol]")

	// A contact writes: irssi opens a query and shows the text.
	w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: "hello from msn"})
	waitFile(t, s, logPath, "Starting query in msntest with bob", "<bob> hello from msn")

	// The user answers: the Handler gets it.
	s.keys("/msg bob hi back from irssi")
	var got Message
	timeout := time.After(20 * time.Second)
	for got.Text != "hi back from irssi" {
		select {
		case cl := <-h.calls:
			if cl.method == "Message" {
				got = cl.msg
			}
		case <-timeout:
			data, _ := os.ReadFile(logPath)
			t.Fatalf("the Handler got no message\n--- log:\n%s\n--- screen:\n%s", data, s.screen())
		}
	}
	if got.Target != "bob" || got.Command != "PRIVMSG" {
		t.Fatalf("handler got %+v", got)
	}

	// WHOIS shows the away status.
	s.keys("/whois carol")
	log := waitFile(t, s, logPath, "away     : Busy - in a meeting", "ircname  : Carol C", "End of WHOIS")
	if testing.Verbose() {
		t.Logf("irssi log:\n%s", log)
	}
}
