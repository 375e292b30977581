package main

import "testing"

func TestSummarize(t *testing.T) {
	xs := make([]float64, 100)
	for i := range xs {
		xs[i] = float64(100 - i) // 100 down to 1, unsorted input
	}
	s := summarize(xs)
	want := Summary{N: 100, Min: 1, P50: 50, P90: 90, P99: 99, Max: 100, Mean: 50.5}
	if s != want {
		t.Errorf("summarize(1..100) = %+v, want %+v", s, want)
	}
	if xs[0] != 100 {
		t.Error("summarize reordered its input")
	}
	if s := summarize([]float64{7}); s.P50 != 7 || s.P99 != 7 || s.Min != 7 {
		t.Errorf("one sample: %+v", s)
	}
	if s := summarize(nil); s.N != 0 {
		t.Errorf("no samples: %+v", s)
	}
}

func TestTargets(t *testing.T) {
	r := &Result{
		Latency: &LatencyResult{RatioP50: 1.5, RatioP99: 2.5,
			RelayAddP50: 10, BridgeAddP50: 15, RelayAddP99: 20, BridgeAddP99: 50},
		Throughput: &ThroughputResult{Runs: 1, Ratio: 0.95, Sustained: Summary{N: 3}, SustainedRatio: 0.5},
		History:    &HistoryResult{Rounds: 10, Limit: 100, Stored: 1000, LatestRatio: 1.2, BeforeRatio: 1.6},
		Login:      &LoginResult{Sizes: []LoginSize{{Contacts: 1000, Ratio: 1.3}, {Contacts: 10, Ratio: 1.0}}},
		Memory:     &MemoryResult{Points: []MemPoint{{Sessions: 1000, RSSPerSession: 90 * 1024, HeapPerSession: 50 * 1024}}},
		// The file streamed fast enough, but the bridge grew by 30% of it.
		Files: &FilesResult{Runs: 3, Bytes: 100 << 20, Ratio: 0.85, PeakFraction: 0.3},
	}
	r.evaluateTargets()
	checkTargets(t, r, []bool{true, false, true, false, true, false, true, false, false, true})

	// Noise hid the relay hop at p99: msn2irc adding latency there misses.
	r.Latency = &LatencyResult{RelayAddP50: 10, BridgeAddP50: 15, RatioP50: 1.5, RelayAddP99: -5, BridgeAddP99: 30}
	r.evaluateTargets()
	checkTargets(t, r, []bool{true, false, true, false, true, false, true, false, false, true})
}

func checkTargets(t *testing.T, r *Result, want []bool) {
	t.Helper()
	if len(r.Targets) != len(want) {
		t.Fatalf("targets %+v", r.Targets)
	}
	for i, tg := range r.Targets {
		if tg.Pass != want[i] {
			t.Errorf("target %q (value %v): pass %v, want %v", tg.Name, tg.Value, tg.Pass, want[i])
		}
	}
}
