package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// latency measures figure 1 (and the CPU per message of the echo traffic).
// The peer stamps each message's arrival, so every round trip also splits
// into its two legs: to the peer, and back.
// relayed goes through the relay hop in its own process; inBench, when not
// nil, through the same relay run inside the bench process.
func (b *bench) latency(ctx context.Context, br bridgeProc, s *session, peer *msnPeer, direct, relayed, inBench *directClient) error {
	const perRound = 30 * time.Second
	type path struct {
		name string
		rt   func(ctx context.Context, text string) (time.Time, time.Duration, error)
	}
	paths := []path{
		{"d", direct.roundTrip},
		{"r", relayed.roundTrip},
		{"b", s.roundTrip},
	}
	if inBench != nil {
		paths = append(paths, path{"i", inBench.roundTrip})
	}
	// Warm up: the first message of each path opens its switchboard.
	for i := 0; i < 5; i++ {
		for _, p := range paths {
			text := fmt.Sprintf("e w%s%d", p.name, i)
			err := withTimeout(ctx, perRound, func(ctx context.Context) error {
				_, _, err := p.rt(ctx, text)
				return err
			})
			if err != nil {
				return fmt.Errorf("warm-up of path %s: %w", p.name, err)
			}
			peer.stamps.Delete(text)
		}
	}
	cpu0, err := b.cpu(ctx, br)
	if err != nil {
		return err
	}
	n := b.o.LatRounds
	rtts := make([][]time.Duration, len(paths))
	outs := make([][]time.Duration, len(paths))
	backs := make([][]time.Duration, len(paths))
	for i := 0; i < n; i++ {
		// Rotate the order so no path always follows another.
		for k := 0; k < len(paths); k++ {
			j := (i + k) % len(paths)
			p := paths[j]
			text := fmt.Sprintf("e %s%d", p.name, i)
			var start time.Time
			var d time.Duration
			err := withTimeout(ctx, perRound, func(ctx context.Context) error {
				var err error
				start, d, err = p.rt(ctx, text)
				return err
			})
			if err != nil {
				return fmt.Errorf("round %d of path %s: %w", i, p.name, err)
			}
			rtts[j] = append(rtts[j], d)
			if v, ok := peer.stamps.LoadAndDelete(text); ok {
				out := v.(time.Time).Sub(start)
				outs[j] = append(outs[j], out)
				backs[j] = append(backs[j], d-out)
			}
		}
	}
	cpu1, err := b.cpu(ctx, br)
	if err != nil {
		return err
	}
	l := &LatencyResult{
		Rounds:   n,
		DirectUS: summarize(micros(rtts[0])),
		RelayUS:  summarize(micros(rtts[1])),
		BridgeUS: summarize(micros(rtts[2])),
		Legs: map[string]Legs{
			"direct":    {ToPeerUS: summarize(micros(outs[0])), FromPeerUS: summarize(micros(backs[0]))},
			"relay_hop": {ToPeerUS: summarize(micros(outs[1])), FromPeerUS: summarize(micros(backs[1]))},
			"bridge":    {ToPeerUS: summarize(micros(outs[2])), FromPeerUS: summarize(micros(backs[2]))},
		},
	}
	if inBench != nil {
		sum := summarize(micros(rtts[3]))
		l.InBenchRelayUS = &sum
		l.Legs["relay_hop_in_bench"] = Legs{ToPeerUS: summarize(micros(outs[3])), FromPeerUS: summarize(micros(backs[3]))}
		l.InBenchAddP50 = sum.P50 - l.DirectUS.P50
		l.InBenchAddP99 = sum.P99 - l.DirectUS.P99
	}
	l.RelayAddP50 = l.RelayUS.P50 - l.DirectUS.P50
	l.RelayAddP99 = l.RelayUS.P99 - l.DirectUS.P99
	l.BridgeAddP50 = l.BridgeUS.P50 - l.DirectUS.P50
	l.BridgeAddP99 = l.BridgeUS.P99 - l.DirectUS.P99
	l.RatioP50 = ratio(l.BridgeAddP50, l.RelayAddP50)
	l.RatioP99 = ratio(l.BridgeAddP99, l.RelayAddP99)
	b.res.Latency = l
	// Each round trip crosses the bridge twice: IRC to MSN and back.
	b.cpuResult().Latency = cpuSample(2*n, []float64{cpu1 - cpu0}, []int{2 * n})
	return nil
}

func (b *bench) cpuResult() *CPUResult {
	if b.res.CPU == nil {
		b.res.CPU = &CPUResult{}
	}
	return b.res.CPU
}

func cpuSample(total int, seconds []float64, msgs []int) CPUSample {
	per := make([]float64, len(seconds))
	var sum float64
	for i, s := range seconds {
		per[i] = s / float64(msgs[i]) * 1e6
		sum += s
	}
	return CPUSample{Messages: total, PerMsgUS: summarize(per), CPUSecond: sum}
}

// cpu returns the bridge process's CPU time so far.
func (b *bench) cpu(ctx context.Context, br bridgeProc) (float64, error) {
	return br.CPU(ctx)
}

// throughput measures figure 2 for one session (and CPU per bulk message).
func (b *bench) throughput(ctx context.Context, br bridgeProc, s *session, direct *directClient) error {
	n := b.o.TPMessages
	var bridgeRates, directRates, cpuSecs []float64
	var cpuMsgs []int
	runBridge := func(run int) error {
		id := fmt.Sprintf("b%d", run)
		sink := b.sinks.expect(id, n)
		defer b.sinks.forget(id)
		lines := make([]string, n)
		for i := range lines {
			lines[i] = s.privmsg(fmt.Sprintf("s %s %d", id, i))
		}
		cpu0, err := b.cpu(ctx, br)
		if err != nil {
			return err
		}
		start := time.Now()
		errc := make(chan error, 1)
		go func() { errc <- s.sendBurst(lines) }()
		if err := b.waitSink(ctx, sink, errc, s.failures); err != nil {
			return fmt.Errorf("bridge run %d: %w (%d of %d arrived)", run, err, sink.got.Load(), n)
		}
		elapsed := time.Unix(0, sink.last.Load()).Sub(start)
		cpu1, err := b.cpu(ctx, br)
		if err != nil {
			return err
		}
		bridgeRates = append(bridgeRates, float64(n)/elapsed.Seconds())
		cpuSecs = append(cpuSecs, cpu1-cpu0)
		cpuMsgs = append(cpuMsgs, n)
		return nil
	}
	runDirect := func(run int) error {
		id := fmt.Sprintf("d%d", run)
		sink := b.sinks.expect(id, n)
		defer b.sinks.forget(id)
		texts := make([]string, n) // made before timing, as the bridge's lines are
		for i := range texts {
			texts[i] = fmt.Sprintf("s %s %d", id, i)
		}
		start := time.Now()
		errc := make(chan error, 1)
		go func() {
			// Back to back, as the bridge sends a conversation's queue:
			// each message is written without waiting for the previous ACK.
			outcomes := make([]<-chan error, 0, n)
			for i := 0; i < n; i++ {
				out, err := direct.sb.StartText(ctx, texts[i], msn.Format{}, 0)
				if err != nil {
					errc <- err
					return
				}
				outcomes = append(outcomes, out)
			}
			for _, out := range outcomes {
				if err := <-out; err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		if err := b.waitSink(ctx, sink, errc, nil); err != nil {
			return fmt.Errorf("direct run %d: %w (%d of %d arrived)", run, err, sink.got.Load(), n)
		}
		elapsed := time.Unix(0, sink.last.Load()).Sub(start)
		directRates = append(directRates, float64(n)/elapsed.Seconds())
		return nil
	}
	for run := 0; run < b.o.Runs; run++ {
		first, second := runBridge, runDirect
		if run%2 == 1 {
			first, second = runDirect, runBridge
		}
		if err := first(run); err != nil {
			return err
		}
		if err := second(run); err != nil {
			return err
		}
	}
	t := b.throughputResult()
	t.Messages, t.Runs = n, b.o.Runs
	t.Bridge = summarize(bridgeRates)
	t.Direct = summarize(directRates)
	t.Ratio = ratio(t.Bridge.P50, t.Direct.P50)
	total := 0
	for _, m := range cpuMsgs {
		total += m
	}
	b.cpuResult().Throughput = cpuSample(total, cpuSecs, cpuMsgs)
	return nil
}

func (b *bench) throughputResult() *ThroughputResult {
	if b.res.Throughput == nil {
		b.res.Throughput = &ThroughputResult{}
	}
	return b.res.Throughput
}

// waitSink waits until every message of a run arrived at the peers. A send
// error or a failure reported by the bridge ends the wait early.
func (b *bench) waitSink(ctx context.Context, sink *sinkRun, sent <-chan error, failures <-chan string) error {
	// Generous: a stuck run must end, a slow machine must not fail.
	timeout := 2*time.Minute + time.Duration(sink.want)*5*time.Millisecond
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-sink.done:
			return nil
		case err := <-sent:
			if err != nil {
				return fmt.Errorf("sending: %w", err)
			}
			sent = nil
		case f := <-failures:
			return fmt.Errorf("bridge reported: %s", f)
		case <-t.C:
			return fmt.Errorf("not all messages arrived in %v", timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// loginToReady measures figure 3: for each size, a first login of a fresh
// account (every contact is new to the bridge's database), a returning login
// of the same account once its session ended, and a bare MSN login of an
// account with the same contacts; each with the CPU time it cost.
func (b *bench) loginToReady(ctx context.Context, br bridgeProc) error {
	if b.o.External.enabled() {
		return errors.New("login to ready needs msntest (fresh accounts with known contact lists)")
	}
	_, sessErr := br.Sessions(ctx)
	returning := sessErr == nil
	res := &LoginResult{}
	for _, size := range b.o.LoginSizes {
		var firstMS, againMS, bareMS, firstCPU, againCPU, bareCPU []float64
		bridgeLogin := func(a account) (ms, cpu float64, err error) {
			c, err := dialIRC(ctx, br.IRCAddr())
			if err != nil {
				return 0, 0, err
			}
			cpu0, err := br.CPU(ctx)
			if err != nil {
				c.Close()
				return 0, 0, err
			}
			var d time.Duration
			err = withTimeout(ctx, 5*time.Minute, func(ctx context.Context) error {
				var err error
				d, _, err = c.register(ctx, a.Passport, a.Password, nickFor(a), size)
				return err
			})
			if err != nil {
				c.Close()
				return 0, 0, err
			}
			cpu1, err := br.CPU(ctx)
			c.Close()
			if err != nil {
				return 0, 0, err
			}
			if returning {
				// The next login must find no session to attach to.
				if err := b.waitNoSessions(ctx, br); err != nil {
					return 0, 0, err
				}
			}
			return float64(d) / float64(time.Millisecond), (cpu1 - cpu0) * 1000, nil
		}
		bridgeRun := func(rep int) error {
			a := b.lay.bridgeLogin(size, rep)
			ms, cpu, err := bridgeLogin(a)
			if err != nil {
				return err
			}
			firstMS, firstCPU = append(firstMS, ms), append(firstCPU, cpu)
			if !returning {
				return nil
			}
			if ms, cpu, err = bridgeLogin(a); err != nil {
				return fmt.Errorf("returning login: %w", err)
			}
			againMS, againCPU = append(againMS, ms), append(againCPU, cpu)
			return nil
		}
		bareRun := func(rep int) error {
			a := b.lay.bareLogin(size, rep)
			var d time.Duration
			var cpu float64
			err := withTimeout(ctx, 5*time.Minute, func(ctx context.Context) error {
				cpu0 := selfStats(false).CPUSeconds
				start := time.Now()
				c, err := msn.Login(ctx, b.mc.config(a), msn.StatusOnline)
				if err != nil {
					return fmt.Errorf("bare login %s: %w", a.Passport, err)
				}
				// Ready, like the bridge's &msn: the list and who is online.
				if err := waitPresenceSynced(ctx, c); err != nil {
					c.Close()
					return fmt.Errorf("bare login %s: %w", a.Passport, err)
				}
				d = time.Since(start)
				cpu = (selfStats(false).CPUSeconds - cpu0) * 1000
				return c.Close()
			})
			if err != nil {
				return err
			}
			bareMS, bareCPU = append(bareMS, float64(d)/float64(time.Millisecond)), append(bareCPU, cpu)
			return nil
		}
		for rep := 0; rep < b.o.LoginReps; rep++ {
			first, second := bridgeRun, bareRun
			if rep%2 == 1 {
				first, second = bareRun, bridgeRun
			}
			if err := first(rep); err != nil {
				return fmt.Errorf("%d contacts: %w", size, err)
			}
			if err := second(rep); err != nil {
				return fmt.Errorf("%d contacts: %w", size, err)
			}
		}
		ls := LoginSize{
			Contacts:       size,
			BridgeMS:       summarize(firstMS),
			ReturningMS:    summarize(againMS),
			BareMS:         summarize(bareMS),
			BridgeCPUMS:    summarize(firstCPU),
			ReturningCPUMS: summarize(againCPU),
			BareCPUMS:      summarize(bareCPU),
		}
		ls.Ratio = ratio(ls.BridgeMS.P50, ls.BareMS.P50)
		ls.ReturningRatio = ratio(ls.ReturningMS.P50, ls.BareMS.P50)
		res.Sizes = append(res.Sizes, ls)
	}
	b.res.Login = res
	return nil
}

// waitPresenceSynced reads c's events until the initial presence is known.
func waitPresenceSynced(ctx context.Context, c *msn.Client) error {
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return errors.New("disconnected before the initial presence")
			}
			if _, ok := ev.(msn.PresenceSynced); ok {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("waiting for the initial presence: %w", ctx.Err())
		}
	}
}

// waitNoSessions waits until the bridge has ended every MSN session.
func (b *bench) waitNoSessions(ctx context.Context, br bridgeProc) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		n, err := br.Sessions(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("bridge still has %d sessions: %w", n, ctx.Err())
		}
	}
}

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
