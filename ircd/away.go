package ircd

import (
	"context"

	"gopkg.in/irc.v4"
)

// The user's away state is one per world, shared by all its clients. It
// changes by AWAY from a client (also before registration, with
// draft/pre-away) or by the program (World.SetAway: the MSN status
// changed). Either way every client learns it: 305 or 306, and clients
// with away-notify an AWAY line of the user, except the client whose AWAY
// it was, which has its 305 or 306 for an answer.

// SetAway sets the user's away text ("" = not away), cleaned and cut like
// an AWAY text. Nothing is sent when it does not change.
func (w *World) SetAway(text string) {
	w.setAway(truncate(cleanText(text), awayLen), nil)
}

// Away returns the user's away text ("" when not away).
func (w *World) Away() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.away
}

// setAway sets the user's away text; from is the client whose AWAY it is
// (nil for the program), which gets 305 or 306 even when nothing changed.
func (w *World) setAway(text string, from *Client) {
	w.mu.Lock()
	defer w.mu.Unlock()
	changed := text != w.away
	w.away = text
	if !changed && from == nil {
		return
	}
	var notify *irc.Message
	if changed && w.nick != "" {
		notify = &irc.Message{Prefix: w.selfPrefixLocked(), Command: "AWAY", Tags: w.selfTagsLocked()}
		if text != "" {
			notify.Params = []string{text}
		}
	}
	for _, c := range w.clients {
		if c != from && !changed {
			continue
		}
		if text == "" {
			c.reply(irc.RPL_UNAWAY, w.nick, "You are no longer marked as being away")
		} else {
			c.reply(irc.RPL_NOWAWAY, w.nick, "You have been marked as being away")
		}
		if notify != nil && c != from && c.hasCap(capAwayNotify) {
			c.send(notify)
		}
	}
}

// handlePreAway is AWAY before registration, accepted from a client that
// negotiated draft/pre-away: it is kept and applied once the client is
// attached (applyPreAway).
func (c *Client) handlePreAway(msg *irc.Message) {
	if !c.hasCap(capPreAway) {
		c.numeric(irc.ERR_NOTREGISTERED, "You have not registered")
		return
	}
	text := truncate(cleanName(msg.Param(0)), awayLen) // as AWAY after registration
	c.reg.away = &text
}

// applyPreAway applies an AWAY the client sent before registration, as if
// it came now; away is nil when it sent none.
func (c *Client) applyPreAway(ctx context.Context, w *World, away *string) {
	if away == nil {
		return
	}
	w.setAway(*away, c)
	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	c.replyError(w, "AWAY", w.h.Away(hctx, c, *away))
}
