package ircd

import (
	"context"
	"sort"
	"strings"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// whoFlags is H or G, then @ and/or + (both with multi-prefix), then B
// for a bot (bot-mode).
func whoFlags(away string, op, voice, multi, bot bool) string {
	f := "H"
	if away != "" {
		f = "G"
	}
	if op {
		f += "@"
	}
	if voice && (multi || !op) {
		f += "+"
	}
	if bot {
		f += "B"
	}
	return f
}

// whoEntry is one line of a WHO reply.
type whoEntry struct {
	channel, nick, ident, host, flags, account, realname string
}

// whoxFields is the order in which WHOX fields are sent, whatever the
// order they were asked in.
const whoxFields = "tcuihsnfdlaor"

// whoQuery is how a WHO asks for its lines: the classic 352, or WHOX
// (%fields[,token]) 354 with the fields asked for.
type whoQuery struct {
	whox   bool
	fields string // the letters of whoxFields asked for, in that order
	token  string
}

// parseWhoQuery reads WHO's second parameter: "%fields[,token]" is WHOX;
// anything else (such as "o") is the classic reply. A token is 1 to 3
// digits; another is sent as "0".
func parseWhoQuery(arg string) whoQuery {
	if !strings.HasPrefix(arg, "%") {
		return whoQuery{}
	}
	asked, token, _ := strings.Cut(arg[1:], ",")
	q := whoQuery{whox: true, token: "0"}
	for i := 0; i < len(whoxFields); i++ {
		if strings.IndexByte(asked, whoxFields[i]) >= 0 {
			q.fields += whoxFields[i : i+1]
		}
	}
	if len(token) >= 1 && len(token) <= 3 && strings.Trim(token, "0123456789") == "" {
		q.token = token
	}
	return q
}

// send sends e to c as 352 or 354.
func (q whoQuery) send(c *Client, nick, server string, e whoEntry) {
	if !q.whox {
		c.reply(irc.RPL_WHOREPLY, nick, e.channel, e.ident, e.host, server, e.nick, e.flags, "0 "+e.realname)
		return
	}
	params := []string{nick}
	for i := 0; i < len(q.fields); i++ {
		var v string
		switch q.fields[i] {
		case 't':
			v = q.token
		case 'c':
			v = e.channel
		case 'u':
			v = e.ident
		case 'i':
			v = "255.255.255.255" // nobody's address is shown
		case 'h':
			v = e.host
		case 's':
			v = server
		case 'n':
			v = e.nick
		case 'f':
			v = e.flags
		case 'd', 'l':
			v = "0" // hop count, idle seconds
		case 'a':
			v = firstNonEmpty(e.account, "0")
		case 'o':
			v = "n/a"
		case 'r':
			v = e.realname
		}
		params = append(params, v)
	}
	c.reply(rplWhoSpcRpl, params...)
}

// handleWho is WHO <mask> [%fields[,token]]: the members of a channel, or
// the user and the users of the world whose nick or nick!ident@host
// matches the mask (* and ? wildcards; "0" is "*").
func handleWho(_ context.Context, c *Client, w *World, msg *irc.Message) {
	mask := msg.Param(0)
	q := parseWhoQuery(msg.Param(1))
	w.mu.Lock()
	defer w.mu.Unlock()
	nick := w.nick
	server := w.srv.cfg.ServerName
	multi := c.hasCap(capMultiPrefix)
	if mask == "" {
		c.reply(irc.RPL_ENDOFWHO, nick, "*", "End of WHO list")
		return
	}
	self := func(channel string, op, voice bool) whoEntry {
		return whoEntry{channel: channel, nick: w.nick, ident: w.ident, host: w.host,
			flags: whoFlags(w.away, op, voice, multi, w.bot), account: w.account, realname: w.realname}
	}
	other := func(channel string, u *user, op, voice bool) whoEntry {
		return whoEntry{channel: channel, nick: u.nick, ident: u.ident(), host: u.host(),
			flags: whoFlags(u.away(), op, voice, multi, u.bot), account: u.account, realname: u.realname}
	}
	key := ircname.Casefold(mask)
	if ch, ok := w.channels[key]; ok {
		q.send(c, nick, server, self(ch.name, ch.selfOp, ch.selfVoice))
		for _, m := range ch.members {
			q.send(c, nick, server, other(ch.name, m.u, m.f.op(), m.f.voice()))
		}
		c.reply(irc.RPL_ENDOFWHO, nick, ch.name, "End of WHO list")
		return
	}
	if key == "0" {
		key = "*"
	}
	// A nick matches itself; a mask with wildcards matches nick or
	// nick!ident@host.
	wild := strings.ContainsAny(key, "*?")
	matches := func(nick, ident, host string) bool {
		if !wild {
			return ircname.Equal(key, nick)
		}
		return maskMatch(key, ircname.Casefold(nick)) || maskMatch(key, ircname.Casefold(nick+"!"+ident+"@"+host))
	}
	if matches(w.nick, w.ident, w.host) {
		q.send(c, nick, server, self("*", false, false))
	}
	if !wild {
		if u, ok := w.users[key]; ok {
			q.send(c, nick, server, other("*", u, false, false))
		}
	} else {
		for _, u := range w.sortedUsersLocked() {
			if matches(u.nick, u.ident(), u.host()) {
				q.send(c, nick, server, other("*", u, false, false))
			}
		}
	}
	c.reply(irc.RPL_ENDOFWHO, nick, cleanWord(mask), "End of WHO list")
}

// sortedUsersLocked returns the users of the world sorted by nick.
func (w *World) sortedUsersLocked() []*user {
	out := make([]*user, 0, len(w.users))
	for _, u := range w.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return ircname.Casefold(out[i].nick) < ircname.Casefold(out[j].nick) })
	return out
}

// maskMatch reports whether s matches mask, where * matches any run of
// bytes and ? any one byte. Both are casefolded by the caller.
func maskMatch(mask, s string) bool {
	m, i := 0, 0
	star, back := -1, 0
	for i < len(s) {
		switch {
		case m < len(mask) && (mask[m] == '?' || mask[m] == s[i]):
			m++
			i++
		case m < len(mask) && mask[m] == '*':
			star, back = m, i
			m++
		case star >= 0:
			back++
			m, i = star+1, back
		default:
			return false
		}
	}
	for m < len(mask) && mask[m] == '*' {
		m++
	}
	return m == len(mask)
}
