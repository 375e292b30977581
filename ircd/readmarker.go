package ircd

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// maxMarkers bounds the read markers a world remembers (World.markers):
// when full it starts again empty; a JOIN asks the Historian again.
const maxMarkers = 1000

// markerParam is the MARKREAD parameter for t: timestamp=… or "*" when
// no marker is set.
func markerParam(t time.Time) string {
	if t.IsZero() {
		return "*"
	}
	return "timestamp=" + t.UTC().Format(serverTimeFormat)
}

// rememberMarkerLocked keeps t as the read marker of target.
func (w *World) rememberMarkerLocked(target string, t time.Time) {
	if w.markers == nil || len(w.markers) >= maxMarkers {
		w.markers = make(map[string]time.Time)
	}
	w.markers[ircname.Casefold(target)] = t
}

// AnnounceReadMarker tells every client of the world that negotiated
// draft/read-marker that the conversation with target is read up to t
// (MARKREAD target timestamp=t; "*" for the zero t). The bridge calls it
// when the marker moves for a reason other than a client's MARKREAD, such
// as the user's own message in that conversation; ircd calls it after
// Historian.MarkRead.
func (w *World) AnnounceReadMarker(target string, t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	name, _ := w.resolveTargetLocked(target)
	w.rememberMarkerLocked(name, t)
	m := &irc.Message{Prefix: w.srv.prefix, Command: "MARKREAD", Params: []string{cleanWord(name), markerParam(t)}}
	w.broadcastIf(m, func(c *Client) bool { return c.hasCap(capReadMarker) })
}

// channelNames returns the names of the world's channels.
func (w *World) channelNames() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	names := make([]string, 0, len(w.channels))
	for _, ch := range w.sortedChannelsLocked() {
		names = append(names, ch.name)
	}
	return names
}

// prefetchMarkers asks the Historian, from c's goroutine and without the
// world locked, for the read markers of the channels in names that the
// world does not know yet, so that their JOIN (sendChannelLocked) can
// carry them.
func (w *World) prefetchMarkers(ctx context.Context, c *Client, names []string) {
	hist, ok := w.h.(Historian)
	if !ok || !c.hasCap(capReadMarker) {
		return
	}
	for _, name := range names {
		w.mu.Lock()
		_, known := w.markers[ircname.Casefold(name)]
		w.mu.Unlock()
		if known {
			continue
		}
		hctx, cancel := context.WithTimeout(ctx, handleTimeout)
		t, err := hist.ReadMarker(hctx, c, name, "")
		cancel()
		if err != nil {
			logMarkerError(c, "read marker", name, err)
			continue
		}
		w.mu.Lock()
		w.rememberMarkerLocked(name, t)
		w.mu.Unlock()
	}
}

// sendChannelMarkerLocked sends c, after the JOIN of channel name and
// before its 366, the channel's MARKREAD: the marker the world knows
// (a /JOIN and a client's burst learn it first, prefetchMarkers), else
// "*". A channel the world has no marker for is a conversation nobody
// marked yet, such as a group chat the bridge has just opened: its names
// are never reused. It goes as sendAs sends it.
func (w *World) sendChannelMarkerLocked(c *Client, name string, recipient bool) {
	t := w.markers[ircname.Casefold(name)]
	c.replyAs(recipient, "MARKREAD", name, markerParam(t))
}

// logMarkerError logs a Historian's failure to read or set the marker of
// target: a *HistoryError (no such conversation) is an answer, not a
// failure of the server, and is logged at debug level only.
func logMarkerError(c *Client, what, target string, err error) {
	level := slog.LevelWarn
	var he *HistoryError
	if errors.As(err, &he) {
		level = slog.LevelDebug
	}
	c.logAt(level, what, slog.String("target", target), slog.Any("err", err))
}

// markerFail answers a MARKREAD the Historian failed: a target with no
// conversation (a *HistoryError) is INVALID_PARAMS, as the specification
// asks of an invalid target; anything else is INTERNAL_ERROR with text.
func markerFail(c *Client, w *World, target string, err error, text string) {
	var he *HistoryError
	if errors.As(err, &he) {
		markreadFail(c, w, "INVALID_PARAMS", he.Text, target)
		return
	}
	markreadFail(c, w, "INTERNAL_ERROR", text, target)
}

// markreadFail sends FAIL MARKREAD code.
func markreadFail(c *Client, w *World, code, text string, context ...string) {
	w.mu.Lock()
	w.failLocked(c, "", "MARKREAD", code, text, context...)
	w.mu.Unlock()
}

// handleMarkread runs MARKREAD <target> [timestamp=…]: without a
// timestamp it answers the conversation's read marker; with one it moves
// the marker (Historian.MarkRead) and announces where it now is to every
// client of the world that negotiated draft/read-marker.
func handleMarkread(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	if len(msg.Params) == 0 || msg.Params[0] == "" {
		markreadFail(c, w, "NEED_MORE_PARAMS", "Missing parameters")
		return
	}
	target := msg.Params[0]
	if !validHistoryTarget(target) {
		markreadFail(c, w, "INVALID_PARAMS", "Invalid target", cleanWord(target))
		return
	}
	var set time.Time
	if len(msg.Params) > 1 {
		ref, ok := parseHistoryRef(msg.Params[1], false)
		if !ok || ref.Time.IsZero() {
			markreadFail(c, w, "INVALID_PARAMS", "Invalid timestamp", cleanWord(msg.Params[1]))
			return
		}
		set = ref.Time
	}
	w.mu.Lock()
	name, account := w.resolveTargetLocked(target)
	w.mu.Unlock()
	name = cleanWord(name)
	hist, ok := w.h.(Historian)
	if !ok {
		markreadFail(c, w, "INTERNAL_ERROR", "This session keeps no message history", name)
		return
	}
	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	if set.IsZero() {
		t, err := hist.ReadMarker(hctx, c, name, account)
		if err != nil {
			logMarkerError(c, "read marker", name, err)
			markerFail(c, w, name, err, "The read timestamp could not be retrieved")
			return
		}
		c.reply("MARKREAD", name, markerParam(t))
		return
	}
	t, err := hist.MarkRead(hctx, c, name, account, set)
	if err != nil {
		logMarkerError(c, "mark read", name, err)
		markerFail(c, w, name, err, "The read timestamp could not be set")
		return
	}
	w.AnnounceReadMarker(name, t)
	if !c.hasCap(capReadMarker) {
		c.reply("MARKREAD", name, markerParam(t)) // the answer the command asks for
	}
}
