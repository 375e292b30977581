package main

import (
	"context"
	"fmt"
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
	cpu0, err := br.CPU(ctx)
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
	cpu1, err := br.CPU(ctx)
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

// settle waits until the bridge process spends less than a twentieth of
// a CPU over settleWindow, and returns when it went idle: the start of
// that quiet window. After settleMax it gives up and returns the time then.
func (b *bench) settle(ctx context.Context, br bridgeProc) (time.Time, error) {
	const settleWindow, settleMax = 50 * time.Millisecond, 30 * time.Second
	deadline := time.Now().Add(settleMax)
	prev, err := br.CPU(ctx)
	if err != nil {
		return time.Time{}, err
	}
	at := time.Now()
	for at.Before(deadline) {
		t := time.NewTimer(settleWindow)
		select {
		case <-ctx.Done():
			t.Stop()
			return time.Time{}, ctx.Err()
		case <-t.C:
		}
		cur, err := br.CPU(ctx)
		if err != nil {
			return time.Time{}, err
		}
		if cur-prev < settleWindow.Seconds()/20 {
			return at, nil
		}
		prev, at = cur, time.Now()
	}
	return at, nil
}

// pathCPU sums the three processes' CPU time over runs of one path.
type pathCPU struct {
	cpuShares
	msgs int
}

func (p *pathCPU) add(from, to cpuTimes, wall time.Duration, msgs int) {
	p.cpuShares.add(from, to, wall)
	p.msgs += msgs
}

// perMessage returns the CPU time per message of each process, and how
// many CPUs they kept busy together.
func (p *pathCPU) perMessage() PathCPU {
	if p.msgs == 0 {
		return PathCPU{}
	}
	us := func(secs float64) float64 { return round3(secs / float64(p.msgs) * 1e6) }
	c := PathCPU{BridgeUS: us(p.sum.bridge), MSNTestUS: us(p.sum.msntest), BenchUS: us(p.sum.bench),
		TotalUS: us(p.sum.bridge + p.sum.msntest + p.sum.bench)}
	sh := p.shares()
	c.CPUsBusy = round3(sh.Bridge + sh.MSNTest + sh.Bench)
	return c
}

// throughput measures figure 2 for one session (and CPU per bulk message).
// relayed, the direct client behind the relay hop of figure 1, is the
// reference: what a process that only copies the bytes costs.
func (b *bench) throughput(ctx context.Context, br bridgeProc, s *session, direct, relayed *directClient) error {
	n := b.o.TPMessages
	var bridgeRates, directRates, relayedRates, cpuSecs []float64
	var cpuMsgs []int
	// The three processes' CPU over the alternating runs, per path: where
	// the time of a message goes.
	var bridgeCPU, directCPU pathCPU
	// runBridge runs the bridge's messages. With settle, it then waits
	// until the bridge is idle (its history writes done), so that they
	// take no CPU from the next run and count in the bridge's CPU per
	// message; the sustained runs follow each other without it.
	runBridge := func(run int, settle bool) error {
		id := fmt.Sprintf("b%d", run)
		sink := b.sinks.expect(id, n)
		defer b.sinks.forget(id)
		lines := make([]string, n)
		for i := range lines {
			lines[i] = s.privmsg(fmt.Sprintf("s %s %d", id, i))
		}
		cpu0, err := b.cpuNow(ctx, br)
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
		busy := elapsed
		if settle {
			idle, err := b.settle(ctx, br)
			if err != nil {
				return err
			}
			busy = idle.Sub(start)
		}
		cpu1, err := b.cpuNow(ctx, br)
		if err != nil {
			return err
		}
		if settle {
			bridgeCPU.add(cpu0, cpu1, busy, n)
		}
		bridgeRates = append(bridgeRates, float64(n)/elapsed.Seconds())
		cpuSecs = append(cpuSecs, cpu1.bridge-cpu0.bridge)
		cpuMsgs = append(cpuMsgs, n)
		return nil
	}
	// runClient runs an MSN client's messages, as id, adding the rate to
	// rates.
	runClient := func(c *directClient, id string, rates *[]float64, cpu *pathCPU) error {
		sink := b.sinks.expect(id, n)
		defer b.sinks.forget(id)
		texts := make([]string, n) // made before timing, as the bridge's lines are
		for i := range texts {
			texts[i] = fmt.Sprintf("s %s %d", id, i)
		}
		cpu0, err := b.cpuNow(ctx, br)
		if err != nil {
			return err
		}
		start := time.Now()
		errc := make(chan error, 1)
		go func() {
			// Back to back, as the bridge sends a conversation's queue:
			// each message is written without waiting for the previous ACK.
			outcomes := make([]<-chan error, 0, n)
			for i := 0; i < n; i++ {
				out, err := c.sb.StartText(ctx, texts[i], msn.Format{}, 0)
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
			return fmt.Errorf("run %s: %w (%d of %d arrived)", id, err, sink.got.Load(), n)
		}
		elapsed := time.Unix(0, sink.last.Load()).Sub(start)
		cpu1, err := b.cpuNow(ctx, br)
		if err != nil {
			return err
		}
		if cpu != nil {
			cpu.add(cpu0, cpu1, time.Since(start), n)
		}
		*rates = append(*rates, float64(n)/elapsed.Seconds())
		return nil
	}
	runDirect := func(run int) error { return runClient(direct, fmt.Sprintf("d%d", run), &directRates, &directCPU) }
	runRelayed := func(run int) error { return runClient(relayed, fmt.Sprintf("r%d", run), &relayedRates, nil) }
	// alternate runs the bridge, the direct client and (with withRelay)
	// the relayed one in turns, the order rotating from run to run.
	alternate := func(from int, withRelay bool) error {
		for run := from; run < from+b.o.Runs; run++ {
			order := []func(int) error{func(run int) error { return runBridge(run, true) }, runDirect}
			if withRelay {
				order = append(order, runRelayed)
			}
			for i := range order {
				if err := order[(run+i)%len(order)](run); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// sustained runs the bridge sustainedRuns times back to back: the
	// store's writes of one run are not done while the direct client
	// runs, and the history writer's backlog does not absorb them.
	sustained := func(from int) ([]float64, error) {
		k := len(bridgeRates)
		for run := from; run < from+sustainedRuns; run++ {
			if err := runBridge(run, false); err != nil {
				return nil, err
			}
		}
		if _, err := b.settle(ctx, br); err != nil {
			return nil, err
		}
		rates := bridgeRates[k:]
		bridgeRates = bridgeRates[:k]
		cpuSecs, cpuMsgs = cpuSecs[:k], cpuMsgs[:k]
		return rates, nil
	}
	// History on: the default, the account's history_days unset.
	if err := alternate(0, true); err != nil {
		return err
	}
	t := b.throughputResult()
	t.Messages, t.Runs = n, b.o.Runs
	t.Bridge = summarize(bridgeRates)
	t.Direct = summarize(directRates)
	t.Ratio = ratio(t.Bridge.P50, t.Direct.P50)
	t.Relayed = summarize(relayedRates)
	t.RelayedRatio = ratio(t.Relayed.P50, t.Direct.P50)
	t.DirectCPU, t.BridgeCPU = directCPU.perMessage(), bridgeCPU.perMessage()
	t.CPURatio = ratio(t.DirectCPU.TotalUS, t.BridgeCPU.TotalUS)
	total := 0
	for _, m := range cpuMsgs {
		total += m
	}
	b.cpuResult().Throughput = cpuSample(total, cpuSecs, cpuMsgs)
	on, err := sustained(b.o.Runs)
	if err != nil {
		return err
	}
	t.Sustained = summarize(on)
	t.SustainedRatio = ratio(t.Sustained.P50, t.Direct.P50)

	// History off for the account, then the same again.
	if err := withTimeout(ctx, time.Minute, func(ctx context.Context) error { return s.setting(ctx, "history_days", "0") }); err != nil {
		return err
	}
	defer func() {
		_ = withTimeout(ctx, time.Minute, func(ctx context.Context) error { return s.setting(ctx, "history_days", "forever") })
	}()
	bridgeRates, directRates, cpuSecs, cpuMsgs = nil, nil, nil, nil
	bridgeCPU, directCPU = pathCPU{}, pathCPU{}
	from := b.o.Runs + sustainedRuns
	if err := alternate(from, false); err != nil {
		return err
	}
	off := &ThroughputOff{Bridge: summarize(bridgeRates), Direct: summarize(directRates)}
	off.Ratio = ratio(off.Bridge.P50, off.Direct.P50)
	off.DirectCPU, off.BridgeCPU = directCPU.perMessage(), bridgeCPU.perMessage()
	off.CPURatio = ratio(off.DirectCPU.TotalUS, off.BridgeCPU.TotalUS)
	rates, err := sustained(from + b.o.Runs)
	if err != nil {
		return err
	}
	off.Sustained = summarize(rates)
	off.SustainedRatio = ratio(off.Sustained.P50, off.Direct.P50)
	t.HistoryOff = off
	return nil
}

// sustainedRuns is how many bridge runs the sustained throughput takes
// back to back.
const sustainedRuns = 3

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
