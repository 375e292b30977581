package bridge

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/internal/benchtest"
	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// Benchmarks of the bridge's hot paths: the text translations every relayed
// message goes through, and whole relays through a running Bridge (IRC client
// -> ircd -> Bridge -> msntest -> MSN peer). Run them with
// go test -run XXX -bench . ./bridge; TestBenchmarks runs each for a few
// iterations in the ordinary test suite.

func BenchmarkFormatFromIRC(b *testing.B) {
	const line = "\x02hello\x02 from the benchmark, a line of \x1dordinary\x1d chat text"
	b.ReportAllocs()
	for b.Loop() {
		text, _ := mapping.FormatFromIRC(line)
		if text == "" {
			b.Fatal("empty text")
		}
	}
}

func BenchmarkFormatToIRC(b *testing.B) {
	const text = "hello from the benchmark\na second line of ordinary chat text"
	f := msn.Format{Font: "Segoe UI", Bold: true}
	b.ReportAllocs()
	for b.Loop() {
		if mapping.FormatToIRC(text, f) == "" {
			b.Fatal("empty text")
		}
	}
}

// relayRig is a running bridge with one IRC client logged in and an MSN
// peer that echoes what it gets.
type relayRig struct {
	conn   net.Conn
	rd     *bufio.Reader
	w      *bufio.Writer
	peer   string // the peer's nick
	sunk   atomic.Int64
	sinkCh chan struct{}
	sinkAt atomic.Int64 // sink count that closes sinkCh
	// outOfOrder counts the "s N" texts that did not arrive Nth.
	outOfOrder atomic.Int64
	bridge     *Bridge
	srv        *msntest.Server
}

func newRelayRig(b testing.TB) *relayRig {
	b.Helper()
	ctx := context.Background()
	br, srv, addr := servedBridge(b, "alice@bench.example", "bob@bench.example")

	r := &relayRig{sinkCh: make(chan struct{}, 1), bridge: br, srv: srv}
	// The peer: echoes "e ..." texts and counts the others.
	peer, err := srv.Login(ctx, "bob@bench.example", "pw")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ev := range peer.Events() {
			switch ev := ev.(type) {
			case msn.Invitation:
				wg.Add(1)
				go func() {
					defer wg.Done()
					peer.Accept(ctx, ev)
				}()
			case msn.MessageReceived:
				if strings.HasPrefix(ev.Text, "e ") {
					wg.Add(1)
					go func() {
						defer wg.Done()
						ev.Switchboard.SendText(ctx, ev.Text, msn.Format{})
					}()
				} else {
					if ev.Text != fmt.Sprintf("s %d", r.sunk.Load()) {
						r.outOfOrder.Add(1)
					}
					if r.sunk.Add(1) == r.sinkAt.Load() {
						r.sinkCh <- struct{}{}
					}
				}
			}
		}
	}()
	b.Cleanup(func() {
		peer.Close()
		wg.Wait()
	})

	if r.conn, err = net.Dial("tcp", addr); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.conn.Close() })
	r.conn.SetDeadline(time.Now().Add(time.Minute))
	r.rd = bufio.NewReader(r.conn)
	r.w = bufio.NewWriter(r.conn)
	r.send(b, "PASS alice@bench.example:pw", "NICK alice", "USER alice 0 * :alice")
	// Wait for the end of the contact list and for bob to be online (voiced),
	// so that the first message is not queued for an offline contact.
	r.peer = "bob"
	listed, online := false, false
	for !listed || !online {
		line := strings.TrimRight(r.readLine(b), "\r\n")
		switch {
		case strings.Contains(line, " 366 ") && strings.Contains(line, ContactsChannel):
			listed = true
		case strings.Contains(line, " 353 ") && strings.Contains(line, " +"+r.peer):
			online = true
		case strings.Contains(line, " MODE "+ContactsChannel+" +v "+r.peer):
			online = true
		}
	}
	r.roundTrip(b, "e warm-up") // opens the switchboard
	return r
}

// session returns alice's session.
func (r *relayRig) session(tb testing.TB) *session {
	r.bridge.mu.Lock()
	defer r.bridge.mu.Unlock()
	for _, s := range r.bridge.sessions {
		return s
	}
	tb.Fatal("no session")
	return nil
}

func (r *relayRig) send(b testing.TB, lines ...string) {
	for _, l := range lines {
		r.w.WriteString(l + "\r\n")
	}
	if err := r.w.Flush(); err != nil {
		b.Fatal(err)
	}
}

func (r *relayRig) readLine(b testing.TB) string {
	line, err := r.rd.ReadString('\n')
	if err != nil {
		b.Fatalf("reading from the bridge: %v", err)
	}
	if strings.HasPrefix(line, "PING ") {
		r.send(b, "PONG "+strings.TrimSpace(line[5:]))
	}
	return line
}

func (r *relayRig) roundTrip(b testing.TB, text string) {
	r.send(b, "PRIVMSG "+r.peer+" :"+text)
	for {
		line := r.readLine(b)
		if strings.HasPrefix(line, ":"+r.peer+"!") && strings.HasSuffix(strings.TrimRight(line, "\r\n"), " :"+text) {
			return
		}
		if strings.Contains(line, " FAIL ") || strings.HasPrefix(line, ":"+r.peer+"!") && strings.Contains(line, " NOTICE ") {
			b.Fatalf("bridge reported: %s", line)
		}
	}
}

// BenchmarkBridgeRelayRoundTrip is one message from an IRC client to an MSN
// peer and its echo back, through a running bridge.
func BenchmarkBridgeRelayRoundTrip(b *testing.B) {
	r := newRelayRig(b)
	r.conn.SetDeadline(time.Now().Add(10 * time.Minute))
	i := 0
	for b.Loop() {
		i++
		r.roundTrip(b, fmt.Sprintf("e %d", i))
	}
}

// BenchmarkBridgeRelayBurst is messages from an IRC client to an MSN peer
// sent back to back, timed until the last one arrived.
func BenchmarkBridgeRelayBurst(b *testing.B) {
	r := newRelayRig(b)
	r.conn.SetDeadline(time.Now().Add(10 * time.Minute))
	n := int64(b.N)
	r.sinkAt.Store(n)
	b.ResetTimer()
	for i := int64(0); i < n; i++ {
		r.w.WriteString(fmt.Sprintf("PRIVMSG %s :s %d\r\n", r.peer, i))
	}
	if err := r.w.Flush(); err != nil {
		b.Fatal(err)
	}
	select {
	case <-r.sinkCh:
	case <-time.After(5 * time.Minute):
		b.Fatalf("%d of %d messages arrived", r.sunk.Load(), n)
	}
}

// TestBenchmarks runs every benchmark of this file for a few iterations, so
// the suite notices when one breaks. It measures nothing.
func TestBenchmarks(t *testing.T) {
	benchtest.RunEach(t, "10x", map[string]func(*testing.B){
		"FormatFromIRC":        BenchmarkFormatFromIRC,
		"FormatToIRC":          BenchmarkFormatToIRC,
		"BridgeRelayRoundTrip": BenchmarkBridgeRelayRoundTrip,
		"BridgeRelayBurst":     BenchmarkBridgeRelayBurst,
		"DrawList":             BenchmarkDrawList,
		"DrawListStreamed":     BenchmarkDrawListStreamed,
	})
}
