package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// phaseB measures memory per idle session and aggregate throughput on a
// fresh bridge filled with sessions.
func (b *bench) phaseB(ctx context.Context) error {
	br, err := b.newBridge(ctx)
	if err != nil {
		return err
	}
	defer br.Close()
	base, _, _, err := b.settledStats(ctx, br)
	if err != nil {
		return err
	}
	peers := make([]*msnPeer, 0, b.lay.Peers)
	defer func() {
		for _, p := range peers {
			p.Close()
		}
	}()
	for i := 0; i < b.lay.Peers; i++ {
		p, _, err := loginPeer(ctx, b.mc, b.lay.peer(i), b.sinks)
		if err != nil {
			return err
		}
		peers = append(peers, p)
	}
	var sessions []*session
	defer func() {
		var wg sync.WaitGroup
		for _, s := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.irc.Close()
			}()
		}
		wg.Wait()
	}()
	grow := func(n int) error {
		if n <= len(sessions) {
			return nil
		}
		from := len(sessions)
		added := make([]*session, n-from)
		sem := make(chan struct{}, b.o.Concurrency)
		errs := make(chan error, n-from)
		var wg sync.WaitGroup
		for i := from; i < n; i++ {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				s, err := b.loginSession(ctx, br, i)
				if err != nil {
					errs <- err
					return
				}
				added[i-from] = s
			}()
		}
		wg.Wait()
		close(errs)
		for _, s := range added {
			if s != nil {
				sessions = append(sessions, s)
			}
		}
		return <-errs
	}
	if b.o.Figures["memory"] {
		mem := &MemoryResult{Contacts: b.lay.UserContacts + 1, Baseline: base, SettleMS: float64(b.o.Settle) / float64(time.Millisecond)}
		b.res.Memory = mem
		counts := append([]int(nil), b.o.MemSessions...)
		sort.Ints(counts)
		stop := b.profiling(ctx, br, "memory")
		for _, n := range counts {
			if err := grow(n); err != nil {
				stop()
				return fmt.Errorf("logging in %d sessions: %w", n, err)
			}
			st, now, took, err := b.settledStats(ctx, br)
			if err != nil {
				stop()
				return err
			}
			p := MemPoint{Sessions: n, Stats: st, AtOnce: now, SettledMS: float64(took) / float64(time.Millisecond)}
			if n > 0 {
				p.RSSPerSession = float64(st.RSSBytes-base.RSSBytes) / float64(n)
				p.RSSPerSessionNow = float64(now.RSSBytes-base.RSSBytes) / float64(n)
				if st.FromSelf {
					p.HeapPerSession = float64(st.HeapInuse-base.HeapInuse) / float64(n)
					p.GoroutinesPerSess = round3(float64(st.Goroutines-base.Goroutines) / float64(n))
				}
			}
			mem.Points = append(mem.Points, p)
		}
		stop()
	}
	if b.o.Figures["throughput"] {
		counts := append([]int(nil), b.o.AggSessions...)
		sort.Ints(counts)
		if len(counts) > 0 {
			// Log everyone in first, so a profile shows relaying only.
			if err := grow(counts[len(counts)-1]); err != nil {
				return fmt.Errorf("logging in %d sessions: %w", counts[len(counts)-1], err)
			}
		}
		stop := b.profiling(ctx, br, "aggregate")
		defer stop()
		for _, n := range counts {
			rate, err := b.aggregate(ctx, br, sessions[:n])
			if err != nil {
				return fmt.Errorf("aggregate throughput with %d sessions: %w", n, err)
			}
			t := b.throughputResult()
			t.Aggregate = append(t.Aggregate, rate)
		}
	}
	return nil
}

// settleQuiet is how long the bridge's RSS must stop falling to count as
// settled, and settlePoll how often it is read meanwhile.
const (
	settleQuiet = time.Second
	settlePoll  = 250 * time.Millisecond
)

// settledStats reads the bridge's statistics at once (now), then waits
// until its RSS has stopped falling for settleQuiet, or for at most
// -settle, and reads them again (st). A Go process keeps the heap a burst
// of work freed until its background scavenger returns it to the system,
// within a second or two; an idle bridge is measured after that. took is
// how long it waited.
func (b *bench) settledStats(ctx context.Context, br bridgeProc) (st, now ProcStats, took time.Duration, err error) {
	now, err = b.stats(ctx, br)
	if err != nil || b.o.Settle <= 0 {
		return now, now, 0, err
	}
	start := time.Now()
	deadline := start.Add(b.o.Settle)
	low, lastDrop := now.RSSBytes, start
	tick := time.NewTicker(settlePoll)
	defer tick.Stop()
	for time.Since(lastDrop) < settleQuiet && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return now, now, 0, ctx.Err()
		case <-tick.C:
		}
		cur, err := br.Stats(ctx)
		if err != nil {
			return now, now, 0, err
		}
		// A drop smaller than this is noise: a page here and there.
		if cur.RSSBytes < low-max(64<<10, low/500) {
			lastDrop = time.Now()
		}
		low = min(low, cur.RSSBytes)
	}
	took = lastDrop.Sub(start)
	st, err = b.stats(ctx, br)
	return st, now, took, err
}

// stats asks the bridge for its statistics three times and keeps the median
// by RSS, so that a passing spike does not count.
func (b *bench) stats(ctx context.Context, br bridgeProc) (ProcStats, error) {
	var samples []ProcStats
	for i := 0; i < 3; i++ {
		st, err := br.Stats(ctx)
		if err != nil {
			return st, err
		}
		samples = append(samples, st)
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i].RSSBytes < samples[j].RSSBytes })
	return samples[1], nil
}

// loginSession logs in user i and finds its peer's nick.
func (b *bench) loginSession(ctx context.Context, br bridgeProc, i int) (*session, error) {
	a := b.lay.user(i)
	c, err := dialIRC(ctx, br.IRCAddr())
	if err != nil {
		return nil, err
	}
	var members map[string]bool
	err = withTimeout(ctx, 5*time.Minute, func(ctx context.Context) error {
		var err error
		_, members, err = c.register(ctx, a.Passport, a.Password, nickFor(a), b.lay.UserContacts+1)
		return err
	})
	if err != nil {
		c.Close()
		return nil, err
	}
	nick, err := c.findNick(ctx, b.lay.userPeer(i).Passport, members)
	if err != nil {
		c.Close()
		return nil, err
	}
	if err := withTimeout(ctx, time.Minute, func(ctx context.Context) error { return c.waitOnline(ctx, nick) }); err != nil {
		c.Close()
		return nil, err
	}
	s := &session{irc: c, peerNick: nick}
	if err := s.startEchoes(); err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

// aggregate measures messages per second with every session sending at once.
func (b *bench) aggregate(ctx context.Context, br bridgeProc, sessions []*session) (AggRate, error) {
	n, m := len(sessions), b.o.AggMessages
	send := func(id string, per int) (time.Time, error) {
		sink := b.sinks.expect(id, n*per)
		defer b.sinks.forget(id)
		errc := make(chan error, n)
		var wg sync.WaitGroup
		for i, s := range sessions {
			lines := make([]string, per)
			for k := range lines {
				lines[k] = s.privmsg(fmt.Sprintf("s %s %d.%d", id, i, k))
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.sendBurst(lines); err != nil {
					errc <- err
				}
			}()
		}
		sent := make(chan error, 1)
		go func() {
			wg.Wait()
			close(errc)
			sent <- <-errc
		}()
		if err := b.waitSink(ctx, sink, sent, nil); err != nil {
			return time.Time{}, fmt.Errorf("%w (%d of %d arrived)", err, sink.got.Load(), n*per)
		}
		return time.Unix(0, sink.last.Load()), nil
	}
	// Warm up: open every session's switchboard.
	if _, err := send(fmt.Sprintf("w%d", n), 1); err != nil {
		return AggRate{}, fmt.Errorf("warm-up: %w", err)
	}
	var rates []float64
	var cpu cpuShares
	for run := 0; run < b.o.Runs; run++ {
		id := fmt.Sprintf("a%d-%d", n, run)
		c0, err := b.cpuNow(ctx, br)
		if err != nil {
			return AggRate{}, err
		}
		start := time.Now()
		last, err := send(id, m)
		if err != nil {
			return AggRate{}, err
		}
		wall := last.Sub(start)
		rates = append(rates, float64(n*m)/wall.Seconds())
		c1, err := b.cpuNow(ctx, br)
		if err != nil {
			return AggRate{}, err
		}
		cpu.add(c0, c1, time.Since(start))
	}
	return AggRate{Sessions: n, Messages: n * m, Rate: summarize(rates), CPU: cpu.shares()}, nil
}

// cpuTimes are the CPU seconds of the three processes at one moment.
type cpuTimes struct{ bridge, msntest, bench float64 }

// cpuShares accumulates CPU use over runs.
type cpuShares struct {
	sum  cpuTimes
	wall time.Duration
}

func (c *cpuShares) add(from, to cpuTimes, wall time.Duration) {
	c.sum.bridge += to.bridge - from.bridge
	c.sum.msntest += to.msntest - from.msntest
	c.sum.bench += to.bench - from.bench
	c.wall += wall
}

// shares returns each process's CPU use in CPUs (1 = one core busy).
func (c *cpuShares) shares() CPUUse {
	w := c.wall.Seconds()
	if w <= 0 {
		return CPUUse{}
	}
	return CPUUse{Bridge: round3(c.sum.bridge / w), MSNTest: round3(c.sum.msntest / w), Bench: round3(c.sum.bench / w)}
}

// cpuNow reads the CPU time of the bridge, msntest and the bench.
func (b *bench) cpuNow(ctx context.Context, br bridgeProc) (cpuTimes, error) {
	var t cpuTimes
	var err error
	if t.bridge, err = br.CPU(ctx); err != nil {
		return t, err
	}
	if b.msnP != nil {
		if err := b.msnP.Request(ctx, "cpu", &t.msntest); err != nil {
			return t, err
		}
	}
	t.bench = selfStats(false).CPUSeconds
	return t, nil
}
