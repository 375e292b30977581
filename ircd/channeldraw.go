package ircd

// What a client is shown of a channel: its JOIN, topic and NAMES, in
// the order a client attaching or joining gets them.

import (
	"sort"
	"strconv"
	"strings"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// sortedChannelsLocked returns the world's channels in the order a
// client is shown them: by casefolded name.
func (w *World) sortedChannelsLocked() []*channel {
	chans := make([]*channel, 0, len(w.channels))
	for _, ch := range w.channels {
		chans = append(chans, ch)
	}
	sort.Slice(chans, func(i, j int) bool { return ircname.Casefold(chans[i].name) < ircname.Casefold(chans[j].name) })
	return chans
}

// joinMessageLocked is JOIN of nick in ch, in the extended-join form when ext.
func (w *World) joinMessageLocked(ch *channel, nick string, ext bool) *irc.Message {
	params := []string{ch.name}
	if ext {
		account, realname := "*", ""
		if ircname.Equal(nick, w.nick) {
			realname = w.realname
			if w.account != "" {
				account = w.account
			}
		} else if u, ok := w.userLocked(nick); ok {
			realname = u.realname
			if u.account != "" {
				account = u.account
			}
		}
		params = append(params, cleanWord(account), realname)
	}
	return &irc.Message{Prefix: w.userPrefixLocked(nick), Command: "JOIN", Params: params, Tags: w.userTagsLocked(nick)}
}

// sendChannelLocked sends c the JOIN of the user, the topic and NAMES,
// and (away-notify) an AWAY line of each away member that told does not
// hold: told holds the users whose away state c knows, and gets the ones
// sent. The lines go as sendAs sends them: recipient when the world opens
// the channel (counted against c's queue while a command of c waits),
// not when they answer c's own attach or command.
func (w *World) sendChannelLocked(c *Client, ch *channel, told map[*user]bool, recipient bool) {
	c.sendAs(w.joinMessageLocked(ch, w.nick, c.hasCap(capExtendedJoin)), recipient)
	if ch.topic != "" {
		c.replyAs(recipient, irc.RPL_TOPIC, w.nick, ch.name, ch.topic)
		c.replyAs(recipient, rplTopicWhoTime, w.nick, ch.name, ch.topicBy, strconv.FormatInt(ch.topicAt.Unix(), 10))
	}
	if c.hasCap(capReadMarker) {
		w.sendChannelMarkerLocked(c, ch.name, recipient)
	}
	w.sendNamesLocked(c, ch, recipient)
	if c.hasCap(capAwayNotify) {
		for _, m := range ch.members {
			if u := m.u; u.away() != "" && !told[u] {
				told[u] = true
				c.sendAs(&irc.Message{Prefix: u.prefix(), Command: "AWAY", Params: []string{u.away()}, Tags: u.tags()}, recipient)
			}
		}
	}
}

// sendNamesLocked sends 353 lines and 366 for ch, as sendAs does.
func (w *World) sendNamesLocked(c *Client, ch *channel, recipient bool) {
	multi, uhnames := c.hasCap(capMultiPrefix), c.hasCap(capUserhostInNames)
	budget := maxBodyLen - 2 - len(w.srv.cfg.ServerName) - len(w.nick) - len(ch.name) - 20
	var b strings.Builder
	b.Grow(budget)
	// add appends a member's entry, as packTokens would pack it.
	add := func(u *user, op, voice bool) {
		p := ""
		switch {
		case op && voice && multi:
			p = "@+"
		case op:
			p = "@"
		case voice:
			p = "+"
		}
		name := u.nick
		if uhnames {
			name = u.prefix().String()
		}
		if b.Len() > 0 && b.Len()+1+len(p)+len(name) > budget {
			c.replyAs(recipient, irc.RPL_NAMREPLY, w.nick, "=", ch.name, b.String())
			b.Reset()
			b.Grow(budget)
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
		b.WriteString(name)
	}
	self := &user{nick: w.nick, userhost: w.ident + "@" + w.host}
	add(self, ch.selfOp, ch.selfVoice)
	for _, m := range ch.members {
		add(m.u, m.f.op(), m.f.voice())
	}
	if b.Len() > 0 {
		c.replyAs(recipient, irc.RPL_NAMREPLY, w.nick, "=", ch.name, b.String())
	}
	c.replyAs(recipient, irc.RPL_ENDOFNAMES, w.nick, ch.name, "End of /NAMES list")
}
