package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestMain lets the test binary play the bench's hidden subcommands, which
// the bench runs by re-executing itself.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && (os.Args[1] == "serve-msntest" || os.Args[1] == "serve-bridge" || os.Args[1] == "serve-relay") {
		os.Exit(mainCode(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestQuickBench runs the whole bench in -quick mode against msntest and
// checks that the JSON report holds every figure. It asserts no timings.
func TestQuickBench(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes")
	}
	before := runtime.NumGoroutine()
	jsonPath := filepath.Join(t.TempDir(), "bench.json")
	o, err := parseOptions([]string{"-quick", "-json", jsonPath}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if o.Self, err = os.Executable(); err != nil {
		t.Fatal(err)
	}
	o.Timeout = 4 * time.Minute
	var stderr bytes.Buffer
	res, err := run(context.Background(), o, &stderr)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	if err := writeJSON(jsonPath, res); err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	printTable(&table, res)
	t.Logf("\n%s", table.String())
	for _, e := range res.Errors {
		t.Errorf("bench error: %s", e)
	}

	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var got Result
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	if got.Machine.CPUs < 1 || got.Machine.GoVersion == "" {
		t.Errorf("machine not described: %+v", got.Machine)
	}
	if l := got.Latency; l == nil {
		t.Error("no latency figure")
	} else {
		for name, s := range map[string]Summary{"direct": l.DirectUS, "relay": l.RelayUS, "bridge": l.BridgeUS} {
			if s.N != o.LatRounds || s.P50 <= 0 {
				t.Errorf("latency %s: %d round trips with p50 %v, want %d measured", name, s.N, s.P50, o.LatRounds)
			}
		}
		for _, path := range []string{"direct", "relay_hop", "bridge"} {
			g := l.Legs[path]
			if g.ToPeerUS.N != o.LatRounds || g.FromPeerUS.N != o.LatRounds || g.ToPeerUS.P50 <= 0 || g.FromPeerUS.P50 <= 0 {
				t.Errorf("latency legs of %s: %+v", path, g)
			}
		}
	}
	if tp := got.Throughput; tp == nil || tp.HistoryOff == nil {
		t.Errorf("no throughput figure, or none with the history off: %+v", tp)
	} else {
		if tp.Bridge.N != o.Runs || tp.Direct.N != o.Runs || tp.Bridge.P50 <= 0 || tp.Direct.P50 <= 0 {
			t.Errorf("single-session throughput not measured: bridge %+v direct %+v", tp.Bridge, tp.Direct)
		}
		if tp.Relayed.N != o.Runs || tp.Relayed.P50 <= 0 || tp.RelayedRatio <= 0 {
			t.Errorf("the relay hop's throughput not measured: %+v, ratio %v", tp.Relayed, tp.RelayedRatio)
		}
		// Where a message's CPU time goes: the bridge works on its own
		// path, msntest and the bench on both.
		for name, c := range map[string]PathCPU{"direct": tp.DirectCPU, "history off, direct": tp.HistoryOff.DirectCPU} {
			if c.MSNTestUS <= 0 || c.BenchUS <= 0 || c.TotalUS <= 0 {
				t.Errorf("CPU per message, %s: %+v", name, c)
			}
		}
		for name, c := range map[string]PathCPU{"bridge": tp.BridgeCPU, "history off, bridge": tp.HistoryOff.BridgeCPU} {
			if c.BridgeUS <= 0 || c.MSNTestUS <= 0 || c.BenchUS <= 0 || c.CPUsBusy <= 0 {
				t.Errorf("CPU per message, %s: %+v", name, c)
			}
		}
		if tp.CPURatio <= 0 {
			t.Errorf("CPU ratio %v", tp.CPURatio)
		}
		if len(tp.Aggregate) != len(o.AggSessions) {
			t.Errorf("aggregate throughput for %d session counts, want %v", len(tp.Aggregate), o.AggSessions)
		}
		for i, a := range tp.Aggregate {
			if i < len(o.AggSessions) && a.Sessions != o.AggSessions[i] || a.Rate.P50 <= 0 {
				t.Errorf("aggregate %d: %+v", i, a)
			}
		}
	}
	if l := got.Login; l == nil || len(l.Sizes) != len(o.LoginSizes) {
		t.Errorf("login to ready: %+v, want sizes %v", l, o.LoginSizes)
	} else {
		for _, s := range l.Sizes {
			if s.BridgeMS.N != o.LoginReps || s.BareMS.N != o.LoginReps || s.Ratio <= 0 {
				t.Errorf("login to ready with %d contacts: %+v", s.Contacts, s)
			}
		}
	}
	if m := got.Memory; m == nil || len(m.Points) != len(o.MemSessions) {
		t.Errorf("memory: %+v, want points for %v", m, o.MemSessions)
	} else {
		for _, p := range m.Points {
			if p.Stats.RSSBytes <= 0 || p.Stats.HeapInuse <= 0 || p.Stats.Goroutines <= 0 {
				t.Errorf("memory with %d sessions: %+v", p.Sessions, p.Stats)
			}
			// How long RSS took to settle is a time on a shared machine
			// (it may overshoot -settle by a poll): only its sign is checked.
			if p.AtOnce.RSSBytes <= 0 || p.SettledMS < 0 {
				t.Errorf("memory with %d sessions, right after the logins: %+v, settled after %v ms", p.Sessions, p.AtOnce, p.SettledMS)
			}
		}
	}
	if c := got.CPU; c == nil || c.Throughput.Messages == 0 || c.Latency.Messages == 0 {
		t.Errorf("cpu: %+v", c)
	}
	if h := got.History; h == nil {
		t.Error("no history figure")
	} else {
		for name, s := range map[string]Summary{"LATEST over IRC": h.LatestIRCUS, "LATEST in db": h.LatestDBUS, "BEFORE over IRC": h.BeforeIRCUS, "BEFORE in db": h.BeforeDBUS,
			"empty batch": h.EmptyIRCUS, "PING": h.PingIRCUS} {
			if s.N != o.HistRounds || s.P50 <= 0 {
				t.Errorf("history %s: %d rounds with p50 %v, want %d measured", name, s.N, s.P50, o.HistRounds)
			}
		}
		if h.Stored != o.HistMessages || h.LatestRatio <= 0 || h.BeforeRatio <= 0 {
			t.Errorf("history: %+v", h)
		}
	}
	if f := got.Files; f == nil {
		t.Error("no files figure")
	} else {
		if f.Bytes != o.FileBytes || f.Direct.N != o.FileRuns || f.Bridge.N != o.FileRuns || f.Direct.P50 <= 0 || f.Bridge.P50 <= 0 || f.Ratio <= 0 {
			t.Errorf("files: %+v, want %d runs of %d bytes each way", f, o.FileRuns, o.FileBytes)
		}
		if f.IdleRSS <= 0 || f.PeakRSS < f.IdleRSS || f.PeakFraction < 0 {
			t.Errorf("files memory: idle %d, peak %d, fraction %v", f.IdleRSS, f.PeakRSS, f.PeakFraction)
		}
	}
	if len(got.Targets) != 10 {
		t.Errorf("%d targets evaluated, want 10: %+v", len(got.Targets), got.Targets)
	}

	// Everything the bench started has stopped.
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		<-tick.C
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left, had %d before", n, before)
	}
}
