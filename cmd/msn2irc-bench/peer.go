package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// Message texts the bench sends start with a kind word:
//
//	"e ..." — the peer echoes it back on the same switchboard;
//	"s <run> ..." — the peer counts it for that run (throughput sink).
const (
	echoPrefix = "e "
	sinkPrefix = "s "
)

// sinkTable counts the sink messages peers received, per run id.
type sinkTable struct {
	mu   sync.Mutex
	runs map[string]*sinkRun
}

type sinkRun struct {
	want int64
	got  atomic.Int64
	last atomic.Int64 // unix nanos of the latest arrival
	done chan struct{}
	once sync.Once
}

func newSinkTable() *sinkTable { return &sinkTable{runs: map[string]*sinkRun{}} }

// expect registers a run that completes after want messages.
func (t *sinkTable) expect(run string, want int) *sinkRun {
	r := &sinkRun{want: int64(want), done: make(chan struct{})}
	t.mu.Lock()
	t.runs[run] = r
	t.mu.Unlock()
	return r
}

func (t *sinkTable) forget(run string) {
	t.mu.Lock()
	delete(t.runs, run)
	t.mu.Unlock()
}

func (t *sinkTable) count(text string, at time.Time) {
	run, _, _ := strings.Cut(strings.TrimPrefix(text, sinkPrefix), " ")
	t.mu.Lock()
	r := t.runs[run]
	t.mu.Unlock()
	if r == nil {
		return
	}
	r.last.Store(at.UnixNano())
	if r.got.Add(1) == r.want {
		r.once.Do(func() { close(r.done) })
	}
}

// msnConfig is how the bench signs in to the MSN server.
type msnConfig struct {
	Server   string
	Nexus    string
	LoginURL string
	Log      *slog.Logger
}

func (m msnConfig) config(a account) msn.Config {
	return msn.Config{
		Server:   m.Server,
		NexusURL: m.Nexus,
		LoginURL: m.LoginURL,
		Passport: a.Passport,
		Password: a.Password,
		Logger:   m.Log,
		// The peers and direct clients may see bursts of thousands of messages.
		EventBuffer: 4096,
	}
}

// msnPeer is a signed-in MSN client run by the bench: it accepts every
// invitation, echoes echo messages, counts sink messages, and passes other
// text messages to its listener.
type msnPeer struct {
	c      *msn.Client
	sinks  *sinkTable
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	echo   bool      // echo "e ..." messages; when false they go to the listener
	stamps *sync.Map // text of each echoed message -> time it arrived; the reader deletes

	mu       sync.Mutex
	listener func(text string, at time.Time)
	files    func(msn.FileOffer) // takes the files contacts offer; nil declines them
}

// loginPeer signs in a as an echoing, counting peer.
func loginPeer(ctx context.Context, mc msnConfig, a account, sinks *sinkTable) (*msnPeer, time.Duration, error) {
	return login(ctx, mc, a, sinks, true)
}

func login(ctx context.Context, mc msnConfig, a account, sinks *sinkTable, echo bool) (*msnPeer, time.Duration, error) {
	start := time.Now()
	c, err := msn.Login(ctx, mc.config(a), msn.StatusOnline)
	if err != nil {
		return nil, 0, fmt.Errorf("msn login %s: %w", a.Passport, err)
	}
	elapsed := time.Since(start)
	pctx, cancel := context.WithCancel(context.Background())
	p := &msnPeer{c: c, sinks: sinks, log: mc.Log, ctx: pctx, cancel: cancel, echo: echo, stamps: &sync.Map{}}
	p.wg.Add(1)
	go p.run()
	return p, elapsed, nil
}

func (p *msnPeer) setListener(f func(text string, at time.Time)) {
	p.mu.Lock()
	p.listener = f
	p.mu.Unlock()
}

// setFileHandler makes f take the files contacts offer, on the event
// goroutine (f must not block); without one they are declined.
func (p *msnPeer) setFileHandler(f func(msn.FileOffer)) {
	p.mu.Lock()
	p.files = f
	p.mu.Unlock()
}

func (p *msnPeer) run() {
	defer p.wg.Done()
	for ev := range p.c.Events() {
		switch ev := ev.(type) {
		case msn.Invitation:
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
				defer cancel()
				if _, err := p.c.Accept(ctx, ev); err != nil {
					p.log.Warn("peer: accepting invitation", "peer", p.c.Passport(), "from", ev.From, "err", err)
				}
			}()
		case msn.FileOffer:
			p.mu.Lock()
			f := p.files
			p.mu.Unlock()
			if f != nil {
				f(ev)
				continue
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
				defer cancel()
				_ = p.c.DeclineFile(ctx, ev.ID)
			}()
		case msn.MessageReceived:
			at := ev.Time
			if at.IsZero() {
				at = time.Now()
			}
			switch {
			case p.echo && strings.HasPrefix(ev.Text, echoPrefix):
				sb, text := ev.Switchboard, ev.Text
				p.stamps.Store(text, at)
				p.wg.Add(1)
				go func() {
					defer p.wg.Done()
					ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
					defer cancel()
					if err := sb.SendText(ctx, text, msn.Format{}); err != nil && p.ctx.Err() == nil {
						p.log.Warn("peer: echo", "peer", p.c.Passport(), "err", err)
					}
				}()
			case strings.HasPrefix(ev.Text, sinkPrefix):
				if p.sinks != nil {
					p.sinks.count(ev.Text, at)
				}
			default:
				p.mu.Lock()
				l := p.listener
				p.mu.Unlock()
				if l != nil {
					l(ev.Text, at)
				}
			}
		}
	}
}

// Close signs out and waits for the peer's goroutines.
func (p *msnPeer) Close() error {
	p.cancel()
	err := p.c.Close()
	p.wg.Wait()
	return err
}

// directClient is an MSN client that measures the direct path: it sends echo
// messages to a peer over its own switchboard and waits for them to return.
type directClient struct {
	*msnPeer
	sb     *msn.Switchboard
	echoes chan echoArrival
}

type echoArrival struct {
	text string
	at   time.Time
}

func newDirectClient(ctx context.Context, mc msnConfig, a account, peer string) (*directClient, error) {
	p, _, err := login(ctx, mc, a, nil, false)
	if err != nil {
		return nil, err
	}
	d := &directClient{msnPeer: p, echoes: make(chan echoArrival, 64)}
	p.setListener(func(text string, at time.Time) {
		select {
		case d.echoes <- echoArrival{text, at}:
		default:
		}
	})
	sb, err := p.c.OpenSwitchboard(ctx, peer)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("msn: opening a switchboard from %s to %s: %w", a.Passport, peer, err)
	}
	d.sb = sb
	return d, nil
}

// roundTrip sends text to the peer and waits until it comes back. The
// arrival time is the one the msn client stamped when it read the echo, so
// waiting for the ACK does not add to it.
func (d *directClient) roundTrip(ctx context.Context, text string) (time.Time, time.Duration, error) {
	start := time.Now()
	if err := d.sb.SendText(ctx, text, msn.Format{}); err != nil {
		return start, 0, fmt.Errorf("msn: sending: %w", err)
	}
	for {
		select {
		case e := <-d.echoes:
			if e.text == text {
				return start, e.at.Sub(start), nil
			}
		case <-ctx.Done():
			return start, 0, fmt.Errorf("msn: waiting for the echo: %w", ctx.Err())
		}
	}
}
