package ircd

import (
	"gopkg.in/irc.v4"
)

// inviteNotify tells the user's clients other than from that negotiated
// invite-notify that the user invited nick into channel: from has its 341.
func (w *World) inviteNotify(from *Client, nick, channel string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := &irc.Message{Prefix: w.selfPrefixLocked(), Command: "INVITE", Params: []string{nick, channel}, Tags: w.selfTagsLocked()}
	w.broadcastIf(m, func(c *Client) bool { return c != from && c.hasCap(capInviteNotify) })
}
