package msn_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// lineRecorder is a slog handler that keeps the protocol lines a client
// or the server logs, in order ("-> line" sent, "<- line" read).
type lineRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *lineRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *lineRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *lineRecorder) WithGroup(string) slog.Handler            { return r }
func (r *lineRecorder) Handle(_ context.Context, rec slog.Record) error {
	dir, line := protocolLine(rec)
	if dir != "" {
		r.mu.Lock()
		r.lines = append(r.lines, dir+" "+line)
		r.mu.Unlock()
	}
	return nil
}

// protocolLine returns the direction ("->" or "<-") and the protocol
// line of a log record of the client or the server; "" when it logs none.
func protocolLine(rec slog.Record) (dir, line string) {
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "dir":
			dir = a.Value.String()
		case "line":
			line = a.Value.String()
		}
		return true
	})
	return dir, line
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

// last returns the newest line that starts with prefix, or "".
func (r *lineRecorder) last(prefix string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(r.lines[i], prefix) {
			return r.lines[i]
		}
	}
	return ""
}
