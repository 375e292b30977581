package ircd

import (
	"context"
	"strconv"
	"strings"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

func handleJoin(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	if msg.Params[0] == "0" {
		// JOIN 0: leave every channel.
		w.mu.Lock()
		var names []string
		for _, ch := range w.sortedChannelsLocked() {
			names = append(names, ch.name)
		}
		w.mu.Unlock()
		for _, n := range names {
			hctx, cancel := context.WithTimeout(ctx, handleTimeout)
			err := w.h.Part(hctx, c, n, "")
			cancel()
			c.replyError(w, "PART", err)
		}
		return
	}
	for _, name := range strings.Split(msg.Params[0], ",") {
		if name == "" {
			continue
		}
		if !validChannel(name) {
			c.numeric(irc.ERR_NOSUCHCHANNEL, cleanWord(name), "No such channel")
			continue
		}
		w.mu.Lock()
		_, in := w.channels[ircname.Casefold(name)]
		full := len(w.channels) >= c.srv.cfg.MaxChannels
		w.mu.Unlock()
		if in {
			continue
		}
		// Each channel is a chat the handler keeps and every client of
		// the world gets in its burst: their number is bounded.
		if full {
			c.numeric(irc.ERR_TOOMANYCHANNELS, cleanWord(name), "You have joined too many channels")
			continue
		}
		// A channel the client is not in yet reads the store (its read
		// marker) and may open a chat: it counts as a query.
		if !c.queryTurn(ctx) {
			return
		}
		w.prefetchMarkers(ctx, c, []string{name})
		hctx, cancel := context.WithTimeout(ctx, handleTimeout)
		err := w.h.Join(hctx, c, name)
		cancel()
		c.replyError(w, "JOIN", err)
	}
}

func handlePart(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	reason := msg.Param(1)
	for _, name := range strings.Split(msg.Params[0], ",") {
		if name == "" {
			continue
		}
		w.mu.Lock()
		ch, in := w.channels[ircname.Casefold(name)]
		w.mu.Unlock()
		if !in {
			c.numeric(irc.ERR_NOSUCHCHANNEL, cleanWord(name), "No such channel")
			continue
		}
		hctx, cancel := context.WithTimeout(ctx, handleTimeout)
		err := w.h.Part(hctx, c, ch.name, cleanText(reason))
		cancel()
		c.replyError(w, "PART", err)
	}
}

func handleNames(_ context.Context, c *Client, w *World, msg *irc.Message) {
	if len(msg.Params) == 0 || msg.Params[0] == "" {
		handleNamesAll(c, w)
		return
	}
	for _, name := range strings.Split(msg.Params[0], ",") {
		w.mu.Lock()
		ch, ok := w.channels[ircname.Casefold(name)]
		if ok {
			w.sendNamesLocked(c, ch, false)
		}
		w.mu.Unlock()
		if !ok {
			c.numeric(irc.RPL_ENDOFNAMES, cleanWord(name), "End of /NAMES list")
		}
	}
}

func handleTopic(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	name := msg.Params[0]
	w.mu.Lock()
	ch, ok := w.channels[ircname.Casefold(name)]
	if !ok {
		w.mu.Unlock()
		c.numeric(irc.ERR_NOSUCHCHANNEL, cleanWord(name), "No such channel")
		return
	}
	if len(msg.Params) < 2 {
		nick, chName, topic, by, at := w.nick, ch.name, ch.topic, ch.topicBy, ch.topicAt
		w.mu.Unlock()
		if topic == "" {
			c.reply(irc.RPL_NOTOPIC, nick, chName, "No topic is set")
			return
		}
		c.reply(irc.RPL_TOPIC, nick, chName, topic)
		c.reply(rplTopicWhoTime, nick, chName, by, strconv.FormatInt(at.Unix(), 10))
		return
	}
	chName := ch.name
	w.mu.Unlock()
	topic := msg.Params[1]
	if len(topic) > topicLen {
		topic = truncate(topic, topicLen)
	}
	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	err := w.h.Topic(hctx, c, chName, cleanText(topic))
	cancel()
	c.replyError(w, "TOPIC", err)
}

func handleMode(_ context.Context, c *Client, w *World, msg *irc.Message) {
	target := msg.Params[0]
	w.mu.Lock()
	defer w.mu.Unlock()
	nick := w.nick
	if !isChannel(target) {
		if ircname.Casefold(target) != ircname.Casefold(nick) {
			if _, ok := w.userLocked(target); ok {
				c.reply(irc.ERR_USERSDONTMATCH, nick, "Cant change mode for other users")
			} else {
				c.reply(irc.ERR_NOSUCHNICK, nick, cleanWord(target), "No such nick/channel")
			}
			return
		}
		if len(msg.Params) > 1 {
			w.setUserModesLocked(c, msg.Params[1])
			return
		}
		c.reply(irc.RPL_UMODEIS, nick, w.userModesLocked())
		return
	}
	ch, ok := w.channels[ircname.Casefold(target)]
	if !ok {
		c.reply(irc.ERR_NOSUCHCHANNEL, nick, cleanWord(target), "No such channel")
		return
	}
	if len(msg.Params) == 1 {
		c.reply(irc.RPL_CHANNELMODEIS, nick, ch.name, "+nt")
		c.reply(rplCreationTime, nick, ch.name, strconv.FormatInt(ch.created.Unix(), 10))
		return
	}
	modes := msg.Params[1]
	if strings.Trim(modes, "+-b") == "" && len(msg.Params) == 2 {
		// Ban list query: always empty.
		c.reply(irc.RPL_ENDOFBANLIST, nick, ch.name, "End of channel ban list")
		return
	}
	if !ch.selfOp {
		c.reply(irc.ERR_CHANOPRIVSNEEDED, nick, ch.name, "You're not channel operator")
		return
	}
	for _, r := range modes {
		if r != '+' && r != '-' {
			c.reply(irc.ERR_UNKNOWNMODE, nick, string(r), "is not a mode you can change here")
			return
		}
	}
}

func handleInvite(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	nick, name := msg.Params[0], msg.Params[1]
	w.mu.Lock()
	u, uok := w.userLocked(nick)
	ch, cok := w.channels[ircname.Casefold(name)]
	var in bool
	var uNick, chName string
	if uok {
		uNick = u.nick
	}
	if cok {
		chName = ch.name
		_, _, in = w.memberLocked(ch, nick)
	}
	w.mu.Unlock()
	switch {
	case !uok:
		c.numeric(irc.ERR_NOSUCHNICK, cleanWord(nick), "No such nick/channel")
		return
	case !cok:
		c.numeric(irc.ERR_NOSUCHCHANNEL, cleanWord(name), "No such channel")
		return
	case in:
		c.numeric(irc.ERR_USERONCHANNEL, uNick, chName, "is already on channel")
		return
	}
	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	err := w.h.Invite(hctx, c, uNick, chName)
	cancel()
	if err != nil {
		c.replyError(w, "INVITE", err)
		return
	}
	c.numeric(rplInviting, uNick, chName)
	w.inviteNotify(c, uNick, chName)
}

func handleKick(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	name, nick := msg.Params[0], msg.Params[1]
	reason := msg.Param(2)
	w.mu.Lock()
	ch, cok := w.channels[ircname.Casefold(name)]
	var in bool
	var chName, mNick string
	if cok {
		chName = ch.name
		var m *user
		if m, _, in = w.memberLocked(ch, nick); in {
			mNick = m.nick
		}
	}
	w.mu.Unlock()
	if !cok {
		c.numeric(irc.ERR_NOSUCHCHANNEL, cleanWord(name), "No such channel")
		return
	}
	if !in {
		c.numeric(irc.ERR_USERNOTINCHANNEL, cleanWord(nick), chName, "They aren't on that channel")
		return
	}
	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	err := w.h.Kick(hctx, c, chName, mNick, cleanText(truncate(reason, topicLen)))
	cancel()
	c.replyError(w, "KICK", err)
}
