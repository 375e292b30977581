package msntest

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

func TestSetupMethods(t *testing.T) {
	s := newServer(t, Options{})
	if err := s.AddAccount("alice@example.com", "x", ""); !errors.Is(err, ErrAccountExists) {
		t.Errorf("duplicate AddAccount: %v", err)
	}
	if err := s.AddAccount("not an address", "x", ""); err == nil {
		t.Error("AddAccount accepted a bad address")
	}
	if err := s.AddContact("nobody@example.com", "alice@example.com", msn.ForwardList); !errors.Is(err, ErrNoAccount) {
		t.Errorf("AddContact for unknown owner: %v", err)
	}
	if err := s.SetFriendlyName("nobody@example.com", "x"); !errors.Is(err, ErrNoAccount) {
		t.Errorf("SetFriendlyName for unknown user: %v", err)
	}
	if err := s.AddAccount("dave@example.com", "secret123", "Dave"); err != nil {
		t.Fatal(err)
	}
	if got := s.Lists("alice@example.com", "bob@example.com"); got != msn.ForwardList|msn.AllowList|msn.ReverseList {
		t.Errorf("Befriend: Lists = %d, want 11", got)
	}

	alice, _ := online(t, s, "alice", 10, "alice@example.com", "Alice")
	if !s.Online("alice@example.com") || s.Status("alice@example.com") != msn.StatusOnline {
		t.Errorf("Online/Status = %v/%s", s.Online("alice@example.com"), s.Status("alice@example.com"))
	}
	if s.Online("dave@example.com") || s.Status("dave@example.com") != msn.StatusOffline {
		t.Error("dave online before signing in")
	}
	// dave adds alice (server side): alice is told, and the lists agree.
	if err := s.AddContact("dave@example.com", "alice@example.com", msn.ForwardList|msn.ReverseList); err != nil {
		t.Fatal(err)
	}
	alice.expect("ADC 0 RL N=dave@example.com F=Dave")
	if got := s.Lists("alice@example.com", "dave@example.com"); got != msn.ReverseList {
		t.Errorf("alice's lists for dave = %d, want RL", got)
	}
	if got := s.Lists("dave@example.com", "alice@example.com"); got != msn.ForwardList {
		t.Errorf("dave's lists for alice = %d, want FL", got)
	}
	// dave signs in: he sees alice, and alice is not told about dave (not on her FL).
	dave, tr := login(t, s, "dave", 12, "dave@example.com", "secret123", "Dave")
	dave.chg(12, tr, "NLN")
	dave.expect("ILN " + strconv.Itoa(tr) + " NLN alice@example.com Alice 1342177280 %3Cmsnobj%2F%3E")
	alice.ping(10)
	if err := s.SetFriendlyName("alice@example.com", "Alice A"); err != nil {
		t.Fatal(err)
	}
	dave.skipTo("NLN NLN alice@example.com Alice%20A 1342177280 %3Cmsnobj%2F%3E")
	if err := s.AddContact("dave@example.com", "alice@example.com", 0); err != nil {
		t.Fatal(err)
	}
	alice.expect("REM 0 RL dave@example.com")
	if got := s.Lists("alice@example.com", "dave@example.com"); got != 0 {
		t.Errorf("alice's lists for dave = %d after removal", got)
	}
	// Contacts without an account are allowed.
	if err := s.AddContact("alice@example.com", "ghost@example.com", msn.ForwardList); err != nil {
		t.Fatal(err)
	}
	alice.send("SYN 70 0 0")
	alice.expect("SYN 70 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 3 0")
	alice.skipTo("LST N=ghost@example.com F=ghost@example.com C={guid} 1 ")

	cfg := s.Config("alice@example.com", "pw", "MSNP8")
	if cfg.Server != s.NSAddr() || cfg.NexusURL != s.NexusURL() || cfg.LoginURL != s.LoginURL() ||
		cfg.Passport != "alice@example.com" || cfg.Password != "pw" || len(cfg.Versions) != 1 {
		t.Errorf("Config = %+v", cfg)
	}
}

// TestManyContacts syncs an account with 1,000 contacts at each SYN format.
func TestManyContacts(t *testing.T) {
	s := newServer(t, Options{})
	for i := 0; i < 1000; i++ {
		p := fmt.Sprintf("user%d@example.com", i)
		if err := s.AddAccount(p, "pw", "User "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		if err := s.Befriend("alice@example.com", p); err != nil {
			t.Fatal(err)
		}
	}
	for _, ver := range []int{7, 8, 12} {
		c, tr := login(t, s, "alice", ver, "alice@example.com", "secret123", "Alice")
		c.send(synCmd(ver, tr))
		c.send("PNG")
		n := 0
		for {
			line, err := c.readLine()
			if err != nil {
				t.Fatal(err)
			}
			if line == "QNG" || line == "QNG 60" {
				break
			}
			if len(line) > 4 && line[:4] == "LST " {
				n++
			}
		}
		want := 1002
		if ver <= 7 {
			want = 3*1002 + 1 // FL, AL, RL entries and an empty BL
		}
		if n != want {
			t.Errorf("MSNP%d: %d LST lines, want %d", ver, n, want)
		}
	}
}

// TestConcurrentSessions signs in hundreds of users at once, each of whom
// then sees a friend come online.
func TestConcurrentSessions(t *testing.T) {
	s := newServer(t, Options{})
	const n = 200
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("u%d@example.com", i)
		if err := s.AddAccount(p, "secret123", "U"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		if err := s.Befriend(p, "alice@example.com"); err != nil {
			t.Fatal(err)
		}
	}
	conns := make([]*tconn, n)
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ver := []int{7, 9, 12}[i%3]
			c, err := quickLogin(s, fmt.Sprintf("u%d@example.com", i), ver)
			if err != nil {
				errs <- err.Error()
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	for i, c := range conns {
		c.t = t
		c.name = "u" + strconv.Itoa(i)
	}
	online(t, s, "alice", 12, "alice@example.com", "Alice")
	for i, c := range conns {
		tail := " 1342177280 %3Cmsnobj%2F%3E" // alice's client id, msnobj from MSNP9
		if i%3 == 0 {
			tail = ""
		}
		c.expect("NLN NLN alice@example.com Alice" + tail)
	}
}

// quickLogin signs in over MD5 or TWN without a *testing.T, for use from
// several goroutines. It returns a connection past the first CHG.
func quickLogin(s *Server, user string, ver int) (*tconn, error) {
	c, err := dialRaw(s.NSAddr())
	if err != nil {
		return nil, err
	}
	step := func(send, want string) (string, error) {
		if send != "" {
			if _, err := c.c.Write([]byte(send + "\r\n")); err != nil {
				return "", err
			}
		}
		line, err := c.readLine()
		if err != nil {
			return "", fmt.Errorf("%s: %s: %w", user, send, err)
		}
		if want != "" && (len(line) < len(want) || line[:len(want)] != want) {
			return "", fmt.Errorf("%s: after %q got %q, want %q", user, send, line, want)
		}
		return line, nil
	}
	v := "MSNP" + strconv.Itoa(ver)
	if _, err := step("VER 1 "+v+" CVR0", "VER 1 "+v); err != nil {
		return nil, err
	}
	if ver < 8 {
		line, err := step("USR 2 MD5 I "+user, "USR 2 MD5 S ")
		if err != nil {
			return nil, err
		}
		if _, err := step("USR 3 MD5 S "+md5hex(line[len("USR 2 MD5 S "):]+"secret123"), "USR 3 OK"); err != nil {
			return nil, err
		}
	} else {
		if _, err := step("USR 2 TWN I "+user, "USR 2 TWN S"); err != nil {
			return nil, err
		}
		tok, err := ticketFor(s, user)
		if err != nil {
			return nil, err
		}
		if _, err := step("USR 3 TWN S t="+tok+"&p=", "USR 3 OK"); err != nil {
			return nil, err
		}
		if ver >= 11 {
			if _, err := step("", "SBS 0 null"); err != nil {
				return nil, err
			}
		}
	}
	line, err := step("", "MSG Hotmail Hotmail ")
	if err != nil {
		return nil, err
	}
	size, _ := strconv.Atoi(line[len("MSG Hotmail Hotmail "):])
	if _, err := c.r.Discard(size); err != nil {
		return nil, err
	}
	chg := "CHG 4 NLN"
	if ver >= 8 {
		chg += " " + clientID(ver)
	}
	if _, err := step(chg, chg); err != nil {
		return nil, err
	}
	// Skip what the first CHG brings (ILN, UBX, mail data) up to QNG.
	if _, err := c.c.Write([]byte("PNG\r\n")); err != nil {
		return nil, err
	}
	for {
		line, err := c.readLine()
		if err != nil {
			return nil, err
		}
		if line == "QNG" || line == "QNG 60" {
			return c, nil
		}
		if f := splitFields(line); len(f) > 1 && payloadCommands[f[0]] {
			size, _ := strconv.Atoi(f[len(f)-1])
			if _, err := c.r.Discard(size); err != nil {
				return nil, err
			}
		}
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := New(Options{Dispatch: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"alice@example.com", "bob@example.com"} {
		if err := s.AddAccount(p, "secret123", p); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Befriend("alice@example.com", "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	s.SetReplyDelay(time.Hour) // Close must not wait for a delayed reply
	// Open connections of each kind and leave them open.
	ns := dial(t, "ns", s.NotificationAddr())
	ns.send("VER 1 MSNP8 CVR0")
	sb := dial(t, "sb", s.SBAddr())
	ds := dial(t, "ds", s.NSAddr())
	if _, err := ticketFor(s, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	s.SetReplyDelay(0)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*tconn{ns, sb, ds} {
		c.expectClosed()
		c.c.Close()
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline, not synchronisation
	}
}

// BenchmarkSync1000 measures a MSNP12 login and SYN of an account with
// 1,000 contacts.
func BenchmarkSync1000(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.AddAccount("alice@example.com", "secret123", "Alice"); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		p := fmt.Sprintf("user%d@example.com", i)
		if err := s.AddAccount(p, "pw", "User "+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
		if err := s.Befriend("alice@example.com", p); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := quickLogin(s, "alice@example.com", 12)
		if err != nil {
			b.Fatal(err)
		}
		c.c.Write([]byte("SYN 5 0 0\r\nPNG\r\n"))
		for {
			line, err := c.readLine()
			if err != nil {
				b.Fatal(err)
			}
			if line == "QNG 60" {
				break
			}
		}
		c.c.Close()
	}
}

func TestAddressCase(t *testing.T) {
	s := newServer(t, Options{})
	if err := s.AddAccount("Dave@Example.com", "secret123", "Dave"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAccount("dave@example.com", "x", "x"); !errors.Is(err, ErrAccountExists) {
		t.Errorf("AddAccount with another case: %v", err)
	}
	c, tr := login(t, s, "alice", 8, "alice@example.com", "secret123", "Alice")
	c.send("ADD " + strconv.Itoa(tr) + " FL DAVE@EXAMPLE.COM Dave 0")
	c.expect("ADD " + strconv.Itoa(tr) + " FL 1 DAVE@EXAMPLE.COM Dave 0")
	if l := s.Lists("alice@example.com", "dave@example.com"); l != msn.ForwardList {
		t.Errorf("Lists = %d, want FL", l)
	}
	c.send("SYN 20 0")
	c.skipTo("LST Dave@Example.com Dave 1 0")
}
