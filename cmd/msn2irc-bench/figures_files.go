package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// FilesResult is figure 7: a file from a contact, through msntest's
// switchboard, to a scripted MSN client (direct) and to msn2irc and out
// of its HTTP download link (bridge), in bytes per second; and the bridge
// process's memory while the file passes.
type FilesResult struct {
	Bytes  int64   `json:"file_bytes"`
	Runs   int     `json:"runs"`
	Direct Summary `json:"direct_bytes_per_s"` // SendFile start to the receiver's last byte
	Bridge Summary `json:"bridge_bytes_per_s"` // SendFile start to the last byte downloaded from the link
	Ratio  float64 `json:"ratio_median"`       // bridge / direct, medians
	// The bridge runs split at the moment the link was announced.
	ReceiveS  Summary `json:"bridge_receive_s"`  // SendFile start to the link in the query
	DownloadS Summary `json:"bridge_download_s"` // link to the last byte downloaded
	// IdleRSS is the bridge's RSS with the account signed in, before the
	// first transfer; PeakRSS the most it had during the bridge runs
	// (sampled every filesMemPoll, and its VmHWM).
	IdleRSS      int64   `json:"idle_rss_bytes"`
	PeakRSS      int64   `json:"peak_rss_bytes"`
	PeakAbove    int64   `json:"peak_above_idle_bytes"`
	PeakFraction float64 `json:"peak_above_idle_per_file"` // PeakAbove / Bytes
}

// filesMemMaxFraction is the memory target: while a file passes, the
// bridge's RSS grows by at most this fraction of the file. A bridge that
// held the file whole would grow by at least the file; a quarter leaves
// room for the Go runtime's slack (the GC lets the heap reach twice what
// is live before collecting) and the copy buffers, while still showing
// that the file is streamed.
const filesMemMaxFraction = 0.25

// filesMemPoll is how often the bridge's RSS is read during a transfer.
const filesMemPoll = 50 * time.Millisecond

// fileName is the name the contact gives the bench's file.
const fileName = "bench.bin"

// files measures figure 7 on a bridge of its own that takes files: the
// contact (the user's peer) sends the same file to the direct client and
// to the bridge's account in turns.
func (b *bench) files(ctx context.Context) error {
	o := b.o
	n := o.FileBytes
	dataDir := filepath.Join(b.tmp, "files")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	br, err := startBridge(ctx, bridgeConfig{
		MSN: b.msn, Self: o.Self, Bin: o.BridgeBin, Mode: o.Bridge,
		Verbose: o.Verbose, Stderr: b.stderr, TempDir: b.tmp,
		DataDir: dataDir, FileMax: n,
	})
	if err != nil {
		return err
	}
	defer br.Close()
	userAcc, contactAcc, directAcc := b.lay.user(0), b.lay.userPeer(0), b.lay.direct(0)

	contact, _, err := login(ctx, b.mc, contactAcc, nil, false)
	if err != nil {
		return err
	}
	defer contact.Close()
	direct, _, err := login(ctx, b.mc, directAcc, nil, false)
	if err != nil {
		return err
	}
	defer direct.Close()
	// The direct client accepts every file into a counting writer.
	var sink *fileSink
	var sinkMu sync.Mutex
	direct.setFileHandler(func(ev msn.FileOffer) {
		sinkMu.Lock()
		s := sink
		sinkMu.Unlock()
		direct.wg.Add(1)
		go func() {
			defer direct.wg.Done()
			if s == nil {
				_ = direct.c.DeclineFile(direct.ctx, ev.ID)
				return
			}
			s.done <- direct.c.AcceptFile(direct.ctx, ev.ID, s)
		}()
	})

	s, err := attachSession(ctx, br.IRCAddr(), userAcc, contactAcc)
	if err != nil {
		return err
	}
	defer s.irc.Close()
	// A file of n bytes takes a while through the switchboard: a minute,
	// plus a generous 1 MB/s.
	perRun := time.Minute + time.Duration(n/1_000_000)*time.Second

	runDirect := func() (float64, error) {
		ws := &fileSink{done: make(chan error, 1)}
		sinkMu.Lock()
		sink = ws
		sinkMu.Unlock()
		defer func() {
			sinkMu.Lock()
			sink = nil
			sinkMu.Unlock()
		}()
		var elapsed time.Duration
		err := withTimeout(ctx, perRun, func(ctx context.Context) error {
			start := time.Now()
			if err := contact.c.SendFile(ctx, directAcc.Passport, fileName, n, newPatternReader(n)); err != nil {
				return fmt.Errorf("sending: %w", err)
			}
			select {
			case err := <-ws.done:
				if err != nil {
					return fmt.Errorf("receiving: %w", err)
				}
			case <-ctx.Done():
				return ctx.Err()
			}
			if got := ws.n.Load(); got != n {
				return fmt.Errorf("received %d bytes of %d", got, n)
			}
			elapsed = time.Unix(0, ws.last.Load()).Sub(start)
			return nil
		})
		return float64(n) / elapsed.Seconds(), err
	}

	idle, _, _, err := b.settledStats(ctx, br)
	if err != nil {
		return err
	}
	res := &FilesResult{Bytes: n, Runs: o.FileRuns, IdleRSS: idle.RSSBytes, PeakRSS: idle.RSSBytes}
	var receives, downloads []float64
	runBridge := func() (float64, error) {
		stopMem := sampleRSS(br.Pid(), &res.PeakRSS)
		defer stopMem()
		var rate float64
		err := withTimeout(ctx, perRun, func(ctx context.Context) error {
			start := time.Now()
			var sendErr error
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				sendErr = contact.c.SendFile(ctx, userAcc.Passport, fileName, n, newPatternReader(n))
			}()
			link, err := s.waitFileLink(ctx, sent, &sendErr)
			if err != nil {
				<-sent
				return err
			}
			announced := time.Now()
			got, last, err := download(ctx, link)
			if err != nil {
				return err
			}
			if got != n {
				return fmt.Errorf("downloaded %d bytes of %d", got, n)
			}
			<-sent
			if sendErr != nil {
				return fmt.Errorf("sending: %w", sendErr)
			}
			rate = float64(n) / last.Sub(start).Seconds()
			receives = append(receives, announced.Sub(start).Seconds())
			downloads = append(downloads, last.Sub(announced).Seconds())
			// The file is deleted, so that the quota (one file) takes the next.
			return s.askService(ctx, "files delete 1", "Deleted the file ")
		})
		return rate, err
	}

	stop := b.profiling(ctx, br, "files")
	defer stop()
	var directRates, bridgeRates []float64
	for run := range o.FileRuns {
		first, second := runDirect, runBridge
		firstName, secondName := "direct", "bridge"
		if run%2 == 1 {
			first, second = runBridge, runDirect
			firstName, secondName = secondName, firstName
		}
		for _, step := range []struct {
			name string
			f    func() (float64, error)
		}{{firstName, first}, {secondName, second}} {
			r, err := step.f()
			if err != nil {
				return fmt.Errorf("%s run %d: %w", step.name, run, err)
			}
			if step.name == "direct" {
				directRates = append(directRates, r)
			} else {
				bridgeRates = append(bridgeRates, r)
			}
		}
	}
	if hwm, err := peakRSSBytes(br.Pid()); err == nil {
		res.PeakRSS = max(res.PeakRSS, hwm)
	}
	res.Direct, res.Bridge = summarize(directRates), summarize(bridgeRates)
	res.Ratio = ratio(res.Bridge.P50, res.Direct.P50)
	res.ReceiveS, res.DownloadS = summarize(receives), summarize(downloads)
	res.PeakAbove = max(res.PeakRSS-res.IdleRSS, 0)
	res.PeakFraction = float64(res.PeakAbove) / float64(n)
	b.res.Files = res
	return nil
}

// sampleRSS reads the RSS of process pid every filesMemPoll and keeps the
// largest in *peak, until the returned function is called.
func sampleRSS(pid int, peak *int64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var most atomic.Int64
	most.Store(*peak)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(filesMemPoll)
		defer t.Stop()
		for {
			if rss, err := rssBytes(pid); err == nil && rss > most.Load() {
				most.Store(rss)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		*peak = most.Load()
	}
}

// fileSink counts the bytes of a received file and stamps the last one.
type fileSink struct {
	n    atomic.Int64
	last atomic.Int64 // unix nanos of the latest write
	done chan error   // AcceptFile's result
}

func (w *fileSink) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	w.last.Store(time.Now().UnixNano())
	return len(p), nil
}

// patternReader yields n bytes of a repeating pattern without holding
// them: the file the contact sends.
type patternReader struct{ left int64 }

func newPatternReader(n int64) *patternReader { return &patternReader{left: n} }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.left)]
	for i := range p {
		p[i] = byte(i*7 + 13)
	}
	r.left -= int64(len(p))
	return len(p), nil
}

// waitFileLink waits for the PRIVMSG in the query with the peer that
// announces a received file, and returns its link. A NOTICE from the peer
// (the file declined or failed) or a send error (*sendErr once sent is
// closed) ends the wait.
func (s *session) waitFileLink(ctx context.Context, sent <-chan struct{}, sendErr *error) (string, error) {
	for {
		select {
		case e := <-s.echoes:
			if !strings.HasPrefix(e.text, "sent the file ") {
				continue
			}
			for _, f := range strings.Fields(e.text) {
				if strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://") {
					return f, nil
				}
			}
			return "", fmt.Errorf("no link in %q", e.text)
		case f := <-s.failures:
			return "", fmt.Errorf("bridge reported: %s", f)
		case <-sent:
			if *sendErr != nil {
				return "", fmt.Errorf("sending: %w", *sendErr)
			}
			sent = nil // sent; the link is yet to come
		case <-s.irc.done:
			return "", fmt.Errorf("irc connection closed: %v", s.irc.err)
		case <-ctx.Done():
			return "", fmt.Errorf("waiting for the file's link: %w", ctx.Err())
		}
	}
}

// service sends a command to the bridge's service user and waits for an
// answer that starts with want.
func (s *session) askService(ctx context.Context, command, want string) error {
	if err := s.irc.send("PRIVMSG " + serviceNick + " :" + command); err != nil {
		return err
	}
	for {
		select {
		case line := <-s.service:
			if strings.HasPrefix(line, want) {
				return nil
			}
		case <-s.irc.done:
			return fmt.Errorf("irc connection closed: %v", s.irc.err)
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", command, ctx.Err())
		}
	}
}

// download fetches url into a counting writer and returns the bytes and
// the time the last of them arrived.
func download(ctx context.Context, url string) (int64, time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, time.Time{}, err
	}
	req.Close = true // no idle connection outlives the figure
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("downloading: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, time.Time{}, fmt.Errorf("downloading: %s", resp.Status)
	}
	w := &fileSink{}
	if _, err := io.Copy(w, resp.Body); err != nil && !errors.Is(err, io.EOF) {
		return 0, time.Time{}, fmt.Errorf("downloading: %w", err)
	}
	return w.n.Load(), time.Unix(0, w.last.Load()), nil
}
