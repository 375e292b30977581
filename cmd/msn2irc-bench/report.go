package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is everything one bench run measured; it is what -json writes.
type Result struct {
	Machine  Machine   `json:"machine"`
	Command  string    `json:"command"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Server   string    `json:"msn_server"` // "msntest" or the external address
	Bridge   string    `json:"bridge"`     // how msn2irc ran

	Latency    *LatencyResult    `json:"latency,omitempty"`
	Throughput *ThroughputResult `json:"throughput,omitempty"`
	Login      *LoginResult      `json:"login_to_ready,omitempty"`
	Memory     *MemoryResult     `json:"memory,omitempty"`
	CPU        *CPUResult        `json:"cpu,omitempty"`
	History    *HistoryResult    `json:"history,omitempty"`
	Files      *FilesResult      `json:"files,omitempty"`
	Targets    []Target          `json:"targets"`
	Notes      []string          `json:"notes,omitempty"`
	Errors     []string          `json:"errors,omitempty"`
}

// LatencyResult is figure 1: round-trip times, in microseconds, from a
// client to the echoing peer and back over three paths.
type LatencyResult struct {
	Rounds       int     `json:"rounds"`
	DirectUS     Summary `json:"direct_us"`    // MSN client -> msntest -> peer and back
	RelayUS      Summary `json:"relay_hop_us"` // the same through a plain TCP relay in its own process
	BridgeUS     Summary `json:"bridge_us"`    // IRC client -> msn2irc -> msntest -> peer and back
	RelayAddP50  float64 `json:"relay_added_p50_us"`
	RelayAddP99  float64 `json:"relay_added_p99_us"`
	BridgeAddP50 float64 `json:"bridge_added_p50_us"`
	BridgeAddP99 float64 `json:"bridge_added_p99_us"`
	RatioP50     float64 `json:"added_ratio_p50"` // bridge added / relay added
	RatioP99     float64 `json:"added_ratio_p99"`
	// InBenchRelayUS is the same relay run inside the bench process, whose
	// threads are awake already (nil against an external server).
	InBenchRelayUS *Summary `json:"relay_hop_in_bench_us,omitempty"`
	InBenchAddP50  float64  `json:"relay_in_bench_added_p50_us,omitempty"`
	InBenchAddP99  float64  `json:"relay_in_bench_added_p99_us,omitempty"`
	// Legs splits the round trips of each path ("direct", "relay_hop",
	// "relay_hop_in_bench", "bridge") at the moment the peer read the message.
	Legs map[string]Legs `json:"legs"`
}

// Legs are the two halves of a round trip, in microseconds: client to peer,
// and peer (its echo included) back to the client.
type Legs struct {
	ToPeerUS   Summary `json:"to_peer_us"`
	FromPeerUS Summary `json:"from_peer_us"`
}

// ThroughputResult is figure 2.
type ThroughputResult struct {
	Messages int     `json:"messages_per_run"`
	Runs     int     `json:"runs"`
	Direct   Summary `json:"direct_msgs_per_s"`
	Bridge   Summary `json:"bridge_msgs_per_s"`
	Ratio    float64 `json:"ratio_median"` // bridge / direct, medians
	// Relayed is the direct client behind the relay hop of figure 1 (a
	// process that copies the bytes), run in turn with the two above: the
	// share of direct that any process in the path leaves on this machine.
	Relayed      Summary `json:"relayed_msgs_per_s"`
	RelayedRatio float64 `json:"relayed_ratio_median"` // relayed / direct, medians
	// DirectCPU and BridgeCPU are the CPU time per message of the three
	// processes over the direct and the bridge's runs above. When the
	// runs keep every CPU busy, the throughput ratio can be no better
	// than CPURatio (direct's total / the bridge path's total).
	DirectCPU PathCPU `json:"direct_cpu"`
	BridgeCPU PathCPU `json:"bridge_cpu"`
	CPURatio  float64 `json:"cpu_ratio"`
	// Sustained is sustainedRuns bridge runs back to back, after the
	// alternating ones, against the same direct runs.
	Sustained      Summary `json:"bridge_sustained_msgs_per_s"`
	SustainedRatio float64 `json:"sustained_ratio_median"`
	// The figures above are with the account's history on (the
	// default); HistoryOff are the same with history_days 0.
	HistoryOff *ThroughputOff `json:"history_off,omitempty"`
	Aggregate  []AggRate      `json:"aggregate"`
}

// ThroughputOff is one session's throughput with the account's history
// off, its own direct runs alternating with the bridge's.
type ThroughputOff struct {
	Direct         Summary `json:"direct_msgs_per_s"`
	Bridge         Summary `json:"bridge_msgs_per_s"`
	Ratio          float64 `json:"ratio_median"`
	DirectCPU      PathCPU `json:"direct_cpu"`
	BridgeCPU      PathCPU `json:"bridge_cpu"`
	CPURatio       float64 `json:"cpu_ratio"`
	Sustained      Summary `json:"bridge_sustained_msgs_per_s"`
	SustainedRatio float64 `json:"sustained_ratio_median"`
}

// PathCPU is the CPU time per message of each process on one path, in
// µs, and how many CPUs they kept busy together while it ran.
type PathCPU struct {
	BridgeUS  float64 `json:"bridge_us"`
	MSNTestUS float64 `json:"msntest_us"`
	BenchUS   float64 `json:"bench_us"`
	TotalUS   float64 `json:"total_us"`
	CPUsBusy  float64 `json:"cpus_busy"`
}

// AggRate is the aggregate rate of many sessions sending at once.
type AggRate struct {
	Sessions int     `json:"sessions"`
	Messages int     `json:"messages_per_run"`
	Rate     Summary `json:"msgs_per_s"`
	CPU      CPUUse  `json:"cpu_use"`
}

// CPUUse is how many CPUs each process kept busy during a measurement, on
// average: it shows which one was the limit.
type CPUUse struct {
	Bridge  float64 `json:"bridge"`
	MSNTest float64 `json:"msntest"`
	Bench   float64 `json:"bench"`
}

// LoginResult is figure 3: milliseconds from IRC registration to a complete
// contacts channel, and from connecting to a synced contact list with a bare
// MSN client.
type LoginResult struct {
	Sizes []LoginSize `json:"sizes"`
}

// LoginSize is login to ready for one contact-list size. CPU figures are
// the bridge process's CPU time during the login (for bare logins, the bench
// process's, which is then doing nothing else).
type LoginSize struct {
	Contacts       int     `json:"contacts"`
	BridgeMS       Summary `json:"bridge_ms"`    // first login: every contact new to the database
	ReturningMS    Summary `json:"returning_ms"` // the same account again; empty with -bridge binary
	BareMS         Summary `json:"bare_ms"`
	BridgeCPUMS    Summary `json:"bridge_cpu_ms"`
	ReturningCPUMS Summary `json:"returning_cpu_ms"`
	BareCPUMS      Summary `json:"bare_cpu_ms"`
	Ratio          float64 `json:"ratio_median"` // first login / bare, medians
	ReturningRatio float64 `json:"returning_ratio_median"`
}

// MemoryResult is figure 4.
type MemoryResult struct {
	Contacts int        `json:"contacts_per_session"`
	Baseline ProcStats  `json:"baseline"`
	Points   []MemPoint `json:"points"`
	SettleMS float64    `json:"settle_limit_ms"` // -settle
}

// MemPoint is the bridge process with a number of idle sessions.
type MemPoint struct {
	Sessions int       `json:"sessions"`
	Stats    ProcStats `json:"stats"` // once RSS stopped falling (see -settle)
	// AtOnce is read right after the last session logged in, before the
	// Go runtime returned the login burst's freed heap to the system.
	AtOnce            ProcStats `json:"stats_at_once"`
	SettledMS         float64   `json:"settled_after_ms"`
	RSSPerSessionNow  float64   `json:"rss_bytes_per_session_at_once"`
	RSSPerSession     float64   `json:"rss_bytes_per_session"`
	HeapPerSession    float64   `json:"heap_bytes_per_session"` // heap in use after GC; 0 when unknown
	GoroutinesPerSess float64   `json:"goroutines_per_session"`
}

// CPUResult is figure 5: CPU time of the bridge process per relayed message
// (each message crosses the bridge once).
type CPUResult struct {
	Throughput CPUSample `json:"throughput"` // while relaying bulk messages of one session
	Latency    CPUSample `json:"latency"`    // while relaying the echo round trips
}

// CPUSample is CPU per message over one or more runs, in microseconds.
type CPUSample struct {
	Messages  int     `json:"messages"`
	PerMsgUS  Summary `json:"us_per_message"`
	CPUSecond float64 `json:"cpu_seconds"`
}

// Target is one performance goal and whether this run met it.
type Target struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Limit string  `json:"limit"`
	Pass  bool    `json:"pass"`
}

// evaluateTargets compares the figures with the goals in the design.
func (r *Result) evaluateTargets() {
	r.Targets = nil
	add := func(name string, v float64, limit string, pass bool) {
		r.Targets = append(r.Targets, Target{Name: name, Value: round3(v), Limit: limit, Pass: pass})
	}
	if l := r.Latency; l != nil {
		// A ratio is only meaningful when the relay hop added something
		// measurable; at p99 noise can hide it, and the target then fails
		// unless msn2irc added nothing either.
		latTarget := func(name string, ratio, bridgeAdd, relayAdd float64) {
			pass := ratio > 0 && ratio <= 2 || bridgeAdd <= 0
			if relayAdd <= 0 {
				name += " (relay hop added nothing measurable)"
			}
			add(name, ratio, "<= 2", pass)
		}
		latTarget("added latency p50 / relay hop's", l.RatioP50, l.BridgeAddP50, l.RelayAddP50)
		latTarget("added latency p99 / relay hop's", l.RatioP99, l.BridgeAddP99, l.RelayAddP99)
	}
	if t := r.Throughput; t != nil && t.Runs > 0 {
		add("one session's throughput / direct, history on", t.Ratio, ">= 0.9", t.Ratio >= 0.9)
		if t.Sustained.N > 0 {
			add(fmt.Sprintf("one session's throughput / direct, history on, %d runs back to back", t.Sustained.N), t.SustainedRatio, ">= 0.9", t.SustainedRatio >= 0.9)
		}
	}
	if h := r.History; h != nil && h.Rounds > 0 {
		add(fmt.Sprintf("CHATHISTORY LATEST %d with %d stored / store query", h.Limit, h.Stored), h.LatestRatio, "<= 1.5", h.LatestRatio > 0 && h.LatestRatio <= 1.5)
		add(fmt.Sprintf("CHATHISTORY BEFORE %d with %d stored / store query", h.Limit, h.Stored), h.BeforeRatio, "<= 1.5", h.BeforeRatio > 0 && h.BeforeRatio <= 1.5)
	}
	if f := r.Files; f != nil && f.Runs > 0 {
		add(fmt.Sprintf("file of %.1f MiB from a contact, link downloaded / direct MSN client", mib(f.Bytes)), f.Ratio, ">= 0.8", f.Ratio >= 0.8)
		add(fmt.Sprintf("bridge RSS above idle while a %.1f MiB file passes / file size", mib(f.Bytes)), f.PeakFraction, fmt.Sprintf("<= %.2f", filesMemMaxFraction), f.PeakFraction <= filesMemMaxFraction)
	}
	if l := r.Login; l != nil && len(l.Sizes) > 0 {
		big := l.Sizes[0]
		for _, s := range l.Sizes {
			if s.Contacts > big.Contacts {
				big = s
			}
		}
		add(fmt.Sprintf("login to ready with %d contacts / bare login", big.Contacts), big.Ratio, "<= 1.2", big.Ratio > 0 && big.Ratio <= 1.2)
	}
	if m := r.Memory; m != nil && len(m.Points) > 0 {
		last := m.Points[len(m.Points)-1]
		per := last.RSSPerSession
		what := "RSS"
		if last.HeapPerSession > per {
			per, what = last.HeapPerSession, "heap"
		}
		add(fmt.Sprintf("memory per idle session at %d sessions (KiB, larger of RSS and heap: %s)", last.Sessions, what), per/1024, "<= 100", per > 0 && per <= 100*1024)
	}
}

func writeJSON(path string, r *Result) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// printTable writes the human-readable report.
func printTable(w io.Writer, r *Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	m := r.Machine
	fmt.Fprintf(tw, "machine: %d CPUs, %s, %.1f GiB, %s, linux %s\n", m.CPUs, m.CPUModel, float64(m.MemoryBytes)/(1<<30), m.GoVersion, m.Kernel)
	fmt.Fprintf(tw, "load average: start %.2f %.2f %.2f, end %.2f %.2f %.2f\n", m.LoadStart[0], m.LoadStart[1], m.LoadStart[2], m.LoadEnd[0], m.LoadEnd[1], m.LoadEnd[2])
	fmt.Fprintf(tw, "msn server: %s; bridge: %s; took %v\n\n", r.Server, r.Bridge, r.Finished.Sub(r.Started).Round(time.Second))
	if l := r.Latency; l != nil {
		fmt.Fprintf(tw, "1. relay latency (round trip, µs, %d rounds)\tp50\tp90\tp99\tmax\n", l.Rounds)
		type row struct {
			name string
			s    Summary
		}
		rows := []row{{"direct MSN client", l.DirectUS}, {"direct + plain TCP relay hop", l.RelayUS}, {"IRC client via msn2irc", l.BridgeUS}}
		if l.InBenchRelayUS != nil {
			rows = append(rows, row{"direct + relay inside the bench (reference)", *l.InBenchRelayUS})
		}
		for _, row := range rows {
			fmt.Fprintf(tw, "   %s\t%.0f\t%.0f\t%.0f\t%.0f\n", row.name, row.s.P50, row.s.P90, row.s.P99, row.s.Max)
		}
		fmt.Fprintf(tw, "   added by relay hop (own process)\t%.0f\t\t%.0f\n", l.RelayAddP50, l.RelayAddP99)
		if l.InBenchRelayUS != nil {
			fmt.Fprintf(tw, "   added by relay inside the bench\t%.0f\t\t%.0f\n", l.InBenchAddP50, l.InBenchAddP99)
		}
		fmt.Fprintf(tw, "   added by msn2irc\t%.0f\t\t%.0f\n", l.BridgeAddP50, l.BridgeAddP99)
		fmt.Fprintf(tw, "   msn2irc added / relay added\t%.2f\t\t%.2f\n", l.RatioP50, l.RatioP99)
		if len(l.Legs) > 0 {
			fmt.Fprintf(tw, "   legs, p50: to the peer / back from it\n")
			for _, k := range []struct{ key, name string }{{"direct", "direct MSN client"}, {"relay_hop", "direct + plain TCP relay hop"}, {"bridge", "IRC client via msn2irc"}, {"relay_hop_in_bench", "direct + relay inside the bench"}} {
				g, ok := l.Legs[k.key]
				if !ok {
					continue
				}
				fmt.Fprintf(tw, "   %s\t%.0f / %.0f\n", k.name, g.ToPeerUS.P50, g.FromPeerUS.P50)
			}
		}
		fmt.Fprintln(tw)
	}
	if t := r.Throughput; t != nil {
		if t.Runs > 0 {
			fmt.Fprintf(tw, "2. throughput, one session (msgs/s, %d msgs x %d runs)\tmin\tmedian\tmax\n", t.Messages, t.Runs)
			fmt.Fprintf(tw, "   direct MSN client\t%.0f\t%.0f\t%.0f\n", t.Direct.Min, t.Direct.P50, t.Direct.Max)
			fmt.Fprintf(tw, "   IRC client via msn2irc, history on\t%.0f\t%.0f\t%.0f\n", t.Bridge.Min, t.Bridge.P50, t.Bridge.Max)
			fmt.Fprintf(tw, "   msn2irc / direct (medians)\t\t%.2f\n", t.Ratio)
			fmt.Fprintf(tw, "   reference: direct MSN client via the relay hop\t%.0f\t%.0f\t%.0f\n", t.Relayed.Min, t.Relayed.P50, t.Relayed.Max)
			fmt.Fprintf(tw, "   relay hop / direct (medians)\t\t%.2f\n", t.RelayedRatio)
			printPathCPU(tw, "", t.DirectCPU, t.BridgeCPU, t.CPURatio)
			fmt.Fprintf(tw, "   msn2irc, history on, %d runs back to back\t%.0f\t%.0f\t%.0f\n", t.Sustained.N, t.Sustained.Min, t.Sustained.P50, t.Sustained.Max)
			fmt.Fprintf(tw, "   sustained / direct (medians)\t\t%.2f\n", t.SustainedRatio)
			if off := t.HistoryOff; off != nil {
				fmt.Fprintf(tw, "   history off: direct MSN client\t%.0f\t%.0f\t%.0f\n", off.Direct.Min, off.Direct.P50, off.Direct.Max)
				fmt.Fprintf(tw, "   history off: IRC client via msn2irc\t%.0f\t%.0f\t%.0f\n", off.Bridge.Min, off.Bridge.P50, off.Bridge.Max)
				fmt.Fprintf(tw, "   history off: msn2irc / direct (medians)\t\t%.2f\n", off.Ratio)
				printPathCPU(tw, "history off: ", off.DirectCPU, off.BridgeCPU, off.CPURatio)
				fmt.Fprintf(tw, "   history off: %d runs back to back\t%.0f\t%.0f\t%.0f\n", off.Sustained.N, off.Sustained.Min, off.Sustained.P50, off.Sustained.Max)
				fmt.Fprintf(tw, "   history off: sustained / direct (medians)\t\t%.2f\n", off.SustainedRatio)
			}
		}
		if len(t.Aggregate) > 0 {
			fmt.Fprintf(tw, "   aggregate via msn2irc (msgs/s)\tmin\tmedian\tmax\tCPUs busy: bridge msntest bench\n")
			for _, a := range t.Aggregate {
				fmt.Fprintf(tw, "   %d sessions x %d msgs\t%.0f\t%.0f\t%.0f\t%.2f %.2f %.2f\n", a.Sessions, a.Messages/max(a.Sessions, 1), a.Rate.Min, a.Rate.P50, a.Rate.Max, a.CPU.Bridge, a.CPU.MSNTest, a.CPU.Bench)
			}
		}
		fmt.Fprintln(tw)
	}
	if l := r.Login; l != nil {
		fmt.Fprintf(tw, "3. login to ready (ms)\tmin\tmedian\tmax\tratio\tCPU ms (median)\n")
		for _, s := range l.Sizes {
			fmt.Fprintf(tw, "   %d contacts, bare MSN login + sync\t%.1f\t%.1f\t%.1f\t\t%.1f\n", s.Contacts, s.BareMS.Min, s.BareMS.P50, s.BareMS.Max, s.BareCPUMS.P50)
			fmt.Fprintf(tw, "   %d contacts, IRC registration to 366, first login\t%.1f\t%.1f\t%.1f\t%.2f\t%.1f\n", s.Contacts, s.BridgeMS.Min, s.BridgeMS.P50, s.BridgeMS.Max, s.Ratio, s.BridgeCPUMS.P50)
			if s.ReturningMS.N > 0 {
				fmt.Fprintf(tw, "   %d contacts, IRC registration to 366, returning\t%.1f\t%.1f\t%.1f\t%.2f\t%.1f\n", s.Contacts, s.ReturningMS.Min, s.ReturningMS.P50, s.ReturningMS.Max, s.ReturningRatio, s.ReturningCPUMS.P50)
			}
		}
		fmt.Fprintln(tw)
	}
	if m := r.Memory; m != nil {
		fmt.Fprintf(tw, "4. memory, idle sessions with %d contacts\tRSS MiB\theap MiB\tgoroutines\tRSS KiB/session\theap KiB/session\tgoroutines/session\n", m.Contacts)
		fmt.Fprintf(tw, "   0 sessions\t%.1f\t%.1f\t%d\n", mib(m.Baseline.RSSBytes), mib(m.Baseline.HeapInuse), m.Baseline.Goroutines)
		for _, p := range m.Points {
			fmt.Fprintf(tw, "   %d sessions\t%.1f\t%.1f\t%d\t%.1f\t%.1f\t%.2f\n", p.Sessions, mib(p.Stats.RSSBytes), mib(p.Stats.HeapInuse), p.Stats.Goroutines, p.RSSPerSession/1024, p.HeapPerSession/1024, p.GoroutinesPerSess)
		}
		for _, p := range m.Points {
			fmt.Fprintf(tw, "   %d sessions, right after the logins\t%.1f\t\t\t%.1f\t\tRSS settled after %.1f s\n", p.Sessions, mib(p.AtOnce.RSSBytes), p.RSSPerSessionNow/1024, p.SettledMS/1000)
		}
		fmt.Fprintln(tw)
	}
	if c := r.CPU; c != nil {
		fmt.Fprintf(tw, "5. CPU per relayed message (µs)\tmin\tmedian\tmax\tmessages\n")
		for _, row := range []struct {
			name string
			s    CPUSample
		}{{"bulk, one session", c.Throughput}, {"echo round trips", c.Latency}} {
			if row.s.Messages > 0 {
				fmt.Fprintf(tw, "   %s\t%.1f\t%.1f\t%.1f\t%d\n", row.name, row.s.PerMsgUS.Min, row.s.PerMsgUS.P50, row.s.PerMsgUS.Max, row.s.Messages)
			}
		}
		fmt.Fprintln(tw)
	}
	if h := r.History; h != nil {
		fmt.Fprintf(tw, "6. history: %d msgs of %d stored (%d conversations, filled in %.1f s), %d rounds (µs)\tp50\tp90\tp99\tmax\tratio\n", h.Limit, h.Stored, h.Conversations, h.FillS, h.Rounds)
		for _, row := range []struct {
			name  string
			s     Summary
			ratio string
		}{
			{"CHATHISTORY LATEST over IRC", h.LatestIRCUS, fmt.Sprintf("%.2f", h.LatestRatio)},
			{"the same query in the store", h.LatestDBUS, ""},
			{"CHATHISTORY BEFORE msgid= over IRC", h.BeforeIRCUS, fmt.Sprintf("%.2f", h.BeforeRatio)},
			{"the same queries in the store", h.BeforeDBUS, ""},
			{"CHATHISTORY answering an empty batch over IRC", h.EmptyIRCUS, ""},
			{"PING answered by PONG over IRC (the round trip alone)", h.PingIRCUS, ""},
		} {
			fmt.Fprintf(tw, "   %s\t%.0f\t%.0f\t%.0f\t%.0f\t%s\n", row.name, row.s.P50, row.s.P90, row.s.P99, row.s.Max, row.ratio)
		}
		fmt.Fprintln(tw)
	}
	if f := r.Files; f != nil {
		fmt.Fprintf(tw, "7. a file from a contact, %.1f MiB x %d runs (MB/s)\tmin\tmedian\tmax\n", mib(f.Bytes), f.Runs)
		fmt.Fprintf(tw, "   direct MSN client\t%.2f\t%.2f\t%.2f\n", f.Direct.Min/1e6, f.Direct.P50/1e6, f.Direct.Max/1e6)
		fmt.Fprintf(tw, "   msn2irc, to the last byte downloaded from its link\t%.2f\t%.2f\t%.2f\n", f.Bridge.Min/1e6, f.Bridge.P50/1e6, f.Bridge.Max/1e6)
		fmt.Fprintf(tw, "   msn2irc / direct (medians)\t\t%.2f\n", f.Ratio)
		fmt.Fprintf(tw, "   msn2irc: received until the link (s)\t%.2f\t%.2f\t%.2f\n", f.ReceiveS.Min, f.ReceiveS.P50, f.ReceiveS.Max)
		fmt.Fprintf(tw, "   msn2irc: link downloaded (s)\t%.2f\t%.2f\t%.2f\n", f.DownloadS.Min, f.DownloadS.P50, f.DownloadS.Max)
		fmt.Fprintf(tw, "   bridge RSS MiB: idle, peak, peak above idle\t%.1f\t%.1f\t%.1f\t(%.3f of the file)\n", mib(f.IdleRSS), mib(f.PeakRSS), mib(f.PeakAbove), f.PeakFraction)
		fmt.Fprintln(tw)
	}
	if len(r.Targets) > 0 {
		fmt.Fprintf(tw, "targets\tvalue\tlimit\tresult\n")
		for _, t := range r.Targets {
			res := "MISS"
			if t.Pass {
				res = "PASS"
			}
			fmt.Fprintf(tw, "   %s\t%.2f\t%s\t%s\n", t.Name, t.Value, t.Limit, res)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(tw, "note: %s\n", n)
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(tw, "\nerrors:\n")
		for _, e := range r.Errors {
			fmt.Fprintf(tw, "   %s\n", strings.ReplaceAll(e, "\n", " "))
		}
	}
	tw.Flush()
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// printPathCPU prints where the CPU time of a message goes on each path of
// the throughput figure.
func printPathCPU(tw io.Writer, prefix string, direct, bridge PathCPU, r float64) {
	if direct.TotalUS == 0 || bridge.TotalUS == 0 {
		return
	}
	for _, p := range []struct {
		name string
		c    PathCPU
	}{{"direct", direct}, {"via msn2irc", bridge}} {
		fmt.Fprintf(tw, "   %sCPU µs/msg, %s: bridge %.1f + msntest %.1f + bench %.1f\t\t%.1f\t\t%.2f CPUs busy\n", prefix, p.name, p.c.BridgeUS, p.c.MSNTestUS, p.c.BenchUS, p.c.TotalUS, p.c.CPUsBusy)
	}
	fmt.Fprintf(tw, "   %sCPU per message, direct / via msn2irc\t\t%.2f\n", prefix, r)
}
