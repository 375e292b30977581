package ircd

import (
	"context"
	"strings"
	"unicode/utf8"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

func handleWhois(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	target := msg.Params[0]
	if len(msg.Params) > 1 {
		target = msg.Params[1] // WHOIS server nick
	}
	if i := strings.IndexByte(target, ','); i >= 0 {
		target = target[:i]
	}
	w.mu.Lock()
	nick := w.nick
	server := w.srv.cfg.ServerName
	key := ircname.Casefold(target)
	if ircname.Equal(key, w.nick) {
		defer w.mu.Unlock()
		c.reply(irc.RPL_WHOISUSER, nick, w.nick, w.ident, w.host, "*", w.realname)
		c.replyWhoisChannels(nick, w.nick, w.whoisChannelsLocked(nil))
		c.reply(irc.RPL_WHOISSERVER, nick, w.nick, server, w.srv.cfg.Network)
		if w.away != "" {
			c.reply(irc.RPL_AWAY, nick, w.nick, w.away)
		}
		if w.account != "" {
			c.reply(rplWhoisAccount, nick, w.nick, w.account, "is logged in as")
		}
		if w.bot {
			c.reply(rplWhoisBot, nick, w.nick, "is a bot on "+w.srv.cfg.Network)
		}
		c.reply(irc.RPL_ENDOFWHOIS, nick, w.nick, "End of /WHOIS list")
		return
	}
	u, ok := w.users[key]
	if !ok {
		w.mu.Unlock()
		c.reply(irc.ERR_NOSUCHNICK, nick, cleanWord(target), "No such nick/channel")
		c.reply(irc.RPL_ENDOFWHOIS, nick, cleanWord(target), "End of /WHOIS list")
		return
	}
	c.reply(irc.RPL_WHOISUSER, nick, u.nick, u.ident(), u.host(), "*", u.realname)
	c.replyWhoisChannels(nick, u.nick, w.whoisChannelsLocked(u))
	c.reply(irc.RPL_WHOISSERVER, nick, u.nick, server, w.srv.cfg.Network)
	if u.away() != "" {
		c.reply(irc.RPL_AWAY, nick, u.nick, u.away())
	}
	uNick, account, bot := u.nick, u.account, u.bot
	w.mu.Unlock()
	var info []string
	if asker, ok := w.h.(WhoisInfoer); ok {
		// The handler answers without the world locked: it may use it.
		hctx, cancel := context.WithTimeout(ctx, handleTimeout)
		info = cleanLines(asker.WhoisInfo(hctx, c, uNick))
		cancel()
	}
	// Long lines (a long friendly name or personal message) are split
	// rather than cut: ":server 320 nick unick :text\r\n" within 512 bytes.
	budget := maxBodyLen - len(":"+server+" "+rplWhoisSpecial+" "+nick+" "+uNick+" :\r\n")
	for _, l := range info {
		for _, part := range splitText(l, budget) {
			c.reply(rplWhoisSpecial, nick, uNick, part)
		}
	}
	if account != "" {
		c.reply(rplWhoisAccount, nick, uNick, account, "is logged in as")
	}
	if bot {
		c.reply(rplWhoisBot, nick, uNick, "is a bot on "+w.srv.cfg.Network)
	}
	c.reply(irc.RPL_ENDOFWHOIS, nick, uNick, "End of /WHOIS list")
}

// whoisChannelsLocked lists the channels of u (the user when nil) with
// @/+ prefixes.
func (w *World) whoisChannelsLocked(u *user) []string {
	var out []string
	for _, ch := range w.sortedChannelsLocked() {
		var op, voice bool
		if u == nil {
			op, voice = ch.selfOp, ch.selfVoice
		} else {
			f, ok := ch.flags(u)
			if !ok {
				continue
			}
			op, voice = f.op(), f.voice()
		}
		p := ""
		if op {
			p = "@"
		} else if voice {
			p = "+"
		}
		out = append(out, p+ch.name)
	}
	return out
}

// replyWhoisChannels answers 319 with the channels chans of target, in as
// many lines as they need (a channel name may be 64 bytes long, and the
// user in up to CHANLIMIT of them), none when there are none.
func (c *Client) replyWhoisChannels(nick, target string, chans []string) {
	budget := maxBodyLen - len(":"+c.srv.cfg.ServerName+" "+irc.RPL_WHOISCHANNELS+" "+nick+" "+target+" :\r\n")
	for _, l := range packTokens(chans, budget) {
		c.reply(irc.RPL_WHOISCHANNELS, nick, target, l)
	}
}

func handleWhowas(_ context.Context, c *Client, w *World, msg *irc.Message) {
	target := msg.Params[0]
	w.mu.Lock()
	defer w.mu.Unlock()
	nick := w.nick
	key := ircname.Casefold(target)
	found := false
	for i := len(w.whowas) - 1; i >= 0; i-- {
		u := w.whowas[i]
		if ircname.Casefold(u.Nick) != key {
			continue
		}
		found = true
		c.reply(irc.RPL_WHOWASUSER, nick, u.Nick, u.Ident, u.Host, "*", u.Realname)
		c.reply(irc.RPL_WHOISSERVER, nick, u.Nick, w.srv.cfg.ServerName, w.srv.cfg.Network)
	}
	if !found {
		c.reply(irc.ERR_WASNOSUCHNICK, nick, cleanWord(target), "There was no such nickname")
	}
	c.reply(irc.RPL_ENDOFWHOWAS, nick, cleanWord(target), "End of WHOWAS")
}

func handleAway(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	text := truncate(cleanName(msg.Param(0)), awayLen)
	w.setAway(text, c)
	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	err := w.h.Away(hctx, c, text)
	cancel()
	c.replyError(w, "AWAY", err)
}

func handleIson(_ context.Context, c *Client, w *World, msg *irc.Message) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var on []string
	for _, p := range msg.Params {
		for _, n := range strings.Fields(p) {
			key := ircname.Casefold(n)
			if ircname.Equal(key, w.nick) {
				on = append(on, w.nick)
			} else if u, ok := w.users[key]; ok && u.online {
				on = append(on, u.nick)
			}
		}
	}
	c.reply(irc.RPL_ISON, w.nick, strings.Join(on, " "))
}

func handleUserhost(_ context.Context, c *Client, w *World, msg *irc.Message) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for i, n := range msg.Params {
		if i >= 5 {
			break
		}
		key := ircname.Casefold(n)
		var nick, ident, host, away string
		if ircname.Equal(key, w.nick) {
			nick, ident, host, away = w.nick, w.ident, w.host, w.away
		} else if u, ok := w.users[key]; ok {
			nick, ident, host, away = u.nick, u.ident(), u.host(), u.away()
		} else {
			continue
		}
		flag := "+"
		if away != "" {
			flag = "-"
		}
		out = append(out, nick+"="+flag+ident+"@"+host)
	}
	c.reply(irc.RPL_USERHOST, w.nick, strings.Join(out, " "))
}

func handleSetname(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	name := msg.Params[0]
	if len(name) > realnameLen || strings.ContainsAny(name, "\r\n\x00") || !utf8.ValidString(name) {
		c.reply("FAIL", "SETNAME", "INVALID_REALNAME", "Realname is not valid")
		return
	}
	// Cleaned like every other realname (USER, SetSelf): no control or
	// bidi-override characters reach the other clients or the handler.
	if name = cleanName(name); name == "" {
		c.reply("FAIL", "SETNAME", "INVALID_REALNAME", "Realname is not valid")
		return
	}
	w.setRealname(name)
	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	err := w.h.Realname(hctx, c, name)
	cancel()
	c.replyError(w, "SETNAME", err)
}
