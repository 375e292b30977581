package msn_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// lineRecorder is a slog handler that keeps the server's protocol lines
// in the order the server logged them ("-> line" sent, "<- line" read).
type lineRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *lineRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *lineRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *lineRecorder) WithGroup(string) slog.Handler            { return r }
func (r *lineRecorder) Handle(_ context.Context, rec slog.Record) error {
	var dir, line string
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "dir":
			dir = a.Value.String()
		case "line":
			line = a.Value.String()
		}
		return true
	})
	if dir != "" {
		r.mu.Lock()
		r.lines = append(r.lines, dir+" "+line)
		r.mu.Unlock()
	}
	return nil
}

// index returns the position of the first line at or after from that
// starts with prefix, or -1.
func (r *lineRecorder) index(from int, prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := from; i < len(r.lines); i++ {
		if strings.HasPrefix(r.lines[i], prefix) {
			return i
		}
	}
	return -1
}

// snapshot returns a copy of the lines from position from.
func (r *lineRecorder) snapshot(from int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines[from:]...)
}

// At MSNP16+ the server holds a new endpoint's presence until its login
// burst ends with the UUX <Data> (Escargot otherwise waits a while). The
// client sends that <Data> after its CHG and endpoint UUX, as Messenger
// does, so its contacts hear of it at once: the server sends bob the NLN
// about alice before alice's client sends anything else (its PNG).
func TestLoginReleasesPresenceWithData(t *testing.T) {
	for _, ver := range []string{"MSNP16", "MSNP18"} {
		t.Run(ver, func(t *testing.T) {
			rec := &lineRecorder{}
			srv := newServer(t, msntest.Options{Logger: slog.New(rec)})
			bob := login(t, srv, "bob@example.com", ver)
			waitEv(t, bob, func(msn.PresenceSynced) bool { return true })
			start := len(rec.snapshot(0)) // alice's lines come after
			login(t, srv, "alice@example.com", ver)
			waitEv(t, bob, func(e msn.PresenceChanged) bool {
				return e.Passport == "alice@example.com" && e.Status == msn.StatusOnline
			})
			chg := rec.index(start, "<- CHG ")
			// EndpointData, PrivateEndpointData, then <Data>.
			data := rec.index(rec.index(rec.index(chg+1, "<- UUX ")+1, "<- UUX ")+1, "<- UUX ")
			nln := rec.index(chg+1, "-> NLN NLN "+handle18(ver, "alice@example.com"))
			png := rec.index(chg+1, "<- PNG")
			if chg < 0 || data < 0 || nln < 0 || png < 0 || !(data < nln && nln < png) {
				t.Fatalf("CHG at %d, third UUX at %d, NLN about alice at %d, alice's PNG at %d; want the NLN after the UUX <Data>, before the PNG:\n%s",
					chg, data, nln, png, strings.Join(rec.snapshot(start), "\n"))
			}
		})
	}
}

// handle18 is how NLN names passport in ver.
func handle18(ver, passport string) string {
	if ver == "MSNP18" {
		return "1:" + passport
	}
	return passport + " 1"
}
