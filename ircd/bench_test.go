package ircd

// Benchmarks of drawing a big world and of a client attaching to one:
// go test -run XXX -bench . ./ircd; TestBenchmarks runs each for a few
// iterations so they keep working.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/internal/benchtest"
)

const benchContacts = 1000

// benchUser is contact i as the bridge shows it: a nick with capitals for
// some, a passport split into ident and host, a friendly name, away unless
// online.
func benchUser(i int) User {
	ident := fmt.Sprintf("contact%d", i)
	nick := ident
	if i%2 == 0 {
		nick = fmt.Sprintf("Contact%d", i)
	}
	u := User{
		Nick:     nick,
		Ident:    ident,
		Host:     "example.com",
		Realname: fmt.Sprintf("Contact number %d", i),
		Account:  ident + "@example.com",
		Online:   i%10 == 0,
	}
	if !u.Online {
		u.Away = "Offline"
	}
	return u
}

// fillWorld draws the service user, &msn and n contacts, as a first login does.
func fillWorld(w *World, users []User) {
	w.SetUser(User{Nick: "msn", Ident: "msn", Host: "irc.test", Realname: "service", Online: true, Bot: true})
	w.OpenChannel("&msn", "contacts", true, []Member{{Nick: "msn", Op: true}})
	for _, u := range users {
		w.SetUser(u)
		w.Join("&msn", Member{Nick: u.Nick, Voice: u.Online})
	}
}

// BenchmarkWorldSetUsers draws 1,000 contacts into &msn with nobody
// attached, by SetUser and Join of each (the baseline) and by one SetUsers.
func BenchmarkWorldSetUsers(b *testing.B) {
	srv := NewServer(Config{ServerName: "irc.test"}, newFakeBackend())
	users := benchUsers()
	batch := make([]ChannelUser, len(users))
	for i, u := range users {
		batch[i] = ChannelUser{User: u, In: true, Voice: u.Online}
	}
	h := newFakeHandler() // never called: no client attaches
	empty := func() *World {
		w := srv.NewWorld(h)
		w.OpenChannel("&msn", "contacts", true, nil)
		return w
	}
	b.Run("SetUserJoin", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w := empty()
			for _, u := range users {
				w.SetUser(u)
				w.Join("&msn", Member{Nick: u.Nick, Voice: u.Online})
			}
		}
	})
	b.Run("SetUsers", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			empty().SetUsers("&msn", batch)
		}
	})
}

func benchUsers() []User {
	users := make([]User, benchContacts)
	for i := range users {
		users[i] = benchUser(i)
	}
	return users
}

// BenchmarkWorldDraw draws a world of 1,000 contacts with nobody attached.
func BenchmarkWorldDraw(b *testing.B) {
	srv := NewServer(Config{ServerName: "irc.test"}, newFakeBackend())
	users := benchUsers()
	h := newFakeHandler() // never called: no client attaches
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		fillWorld(srv.NewWorld(h), users)
	}
}

// BenchmarkWorldAttach registers a client with SASL into a world of 1,000
// contacts and reads its burst up to the end of &msn's NAMES.
func BenchmarkWorldAttach(b *testing.B) {
	backend := newFakeBackend()
	srv := NewServer(Config{ServerName: "irc.test"}, backend)
	backend.srv = srv
	w, h := backend.world("alice@example.com")
	fillWorld(w, benchUsers())
	stopDrain := make(chan struct{})
	drained := make(chan struct{})
	go func() { // the fake handler records Attached and Detached
		defer close(drained)
		for {
			select {
			case <-h.calls:
			case <-stopDrain:
				return
			}
		}
	}()
	defer func() { close(stopDrain); <-drained }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), testTimeout)
		defer scancel()
		_ = srv.Shutdown(sctx, "bench over")
		cancel()
		<-served
	}()
	login := "CAP LS 302\r\nCAP REQ :sasl server-time multi-prefix away-notify extended-join account-tag message-tags\r\n" +
		"NICK alice\r\nUSER alice 0 * :Alice\r\nAUTHENTICATE PLAIN\r\nAUTHENTICATE " +
		plainPayload("alice@example.com", "secret") + "\r\nCAP END\r\n"
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := attachOnce(ln.Addr().String(), login); err != nil {
			b.Fatal(err)
		}
	}
}

// attachOnce logs in, reads up to 366 of &msn, quits and waits for the end.
func attachOnce(addr, login string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(testTimeout))
	if _, err := io.WriteString(conn, login); err != nil {
		return err
	}
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("reading the burst: %w", err)
		}
		if strings.Contains(string(line), " 366 ") {
			break
		}
	}
	if _, err := io.WriteString(conn, "QUIT\r\n"); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, r)
	return nil
}

// historyBatchWorld returns a world with contacts and a history of 100
// messages, a third of them the user's own.
func historyBatchWorld() (*World, []Message) {
	srv := NewServer(Config{ServerName: "irc.test"}, newFakeBackend())
	w := srv.NewWorld(newFakeHandler())
	fillWorld(w, benchUsers()[:10])
	if err := w.SetNick("alice"); err != nil {
		panic(err)
	}
	w.SetAccount("alice@example.com")
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	msgs := make([]Message, 100)
	for i := range msgs {
		msgs[i] = Message{Command: "PRIVMSG", From: "Contact0", Text: fmt.Sprintf("a stored message of ordinary length, number %d", i),
			Time: t0.Add(time.Duration(i) * time.Second), MsgID: fmt.Sprintf("hist%08d", i)}
		if i%3 == 0 {
			msgs[i].From, msgs[i].Self, msgs[i].Target = "", true, "Contact0"
		}
	}
	return w, msgs
}

// encodeHistoryBatch makes and encodes into buf the chathistory batch of
// msgs, as CHATHISTORY sends it: what ircd adds to the Historian's query.
func encodeHistoryBatch(w *World, msgs []Message, buf []byte) []byte {
	w.mu.Lock()
	lines := w.historyLinesLocked(msgs)
	w.mu.Unlock()
	for _, m := range batchLines(w.srv.prefix, "h1", "chathistory", []string{"Contact0"}, lines) {
		buf = appendEncoded(buf, m)
		buf = append(buf, '\r', '\n')
	}
	return buf
}

// BenchmarkHistoryBatch makes and encodes a chathistory batch of 100
// messages.
func BenchmarkHistoryBatch(b *testing.B) {
	w, msgs := historyBatchWorld()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = encodeHistoryBatch(w, msgs, buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

// A chathistory batch costs ircd a few allocations a message (the line,
// its tags, its time), not a copy of each line and of each tag value, nor
// a lookup of the sender for each.
func TestHistoryBatchAllocations(t *testing.T) {
	w, msgs := historyBatchWorld()
	buf := encodeHistoryBatch(w, msgs, nil)
	if n := bytes.Count(buf, []byte("\r\n")); n != len(msgs)+2 {
		t.Fatalf("%d lines, want %d", n, len(msgs)+2)
	}
	allocs := testing.AllocsPerRun(20, func() { buf = encodeHistoryBatch(w, msgs, buf[:0]) })
	perMsg := allocs / float64(len(msgs))
	t.Logf("%.1f allocations a message", perMsg)
	if perMsg > 8 {
		t.Errorf("%.1f allocations a message, want at most 8", perMsg)
	}
}

// TestBenchmarks runs every benchmark of this file for a few iterations, so
// the suite notices when one breaks. It measures nothing.
func TestBenchmarks(t *testing.T) {
	benchtest.RunEach(t, "3x", map[string]func(*testing.B){
		"WorldDraw":     BenchmarkWorldDraw,
		"WorldSetUsers": BenchmarkWorldSetUsers,
		"WorldAttach":   BenchmarkWorldAttach,
		"ParseLine":     BenchmarkParseLine,
		"HistoryBatch":  BenchmarkHistoryBatch,
	})
}
