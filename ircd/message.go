package ircd

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

const maxTargets = 4

// secret reports whether the handler says m carries a secret (SecretChecker).
func (w *World) secret(m Message) bool {
	sc, ok := w.h.(SecretChecker)
	return ok && sc.Secret(m)
}

// handleMessage runs PRIVMSG, NOTICE and TAGMSG from the user.
func handleMessage(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	cmd := msg.Command
	notice := cmd == "NOTICE"
	if len(msg.Params) < 1 || msg.Params[0] == "" {
		c.numeric(irc.ERR_NORECIPIENT, "No recipient given ("+cmd+")")
		return
	}
	text := ""
	if cmd != "TAGMSG" {
		if len(msg.Params) < 2 || msg.Params[1] == "" {
			c.numeric(irc.ERR_NOTEXTTOSEND, "No text to send")
			return
		}
		text = msg.Params[1]
		if !utf8.ValidString(text) {
			w.mu.Lock()
			w.failLocked(c, "", cmd, "INVALID_UTF8", "Message rejected, your message contained invalid UTF-8")
			w.mu.Unlock()
			return
		}
	}
	targets := strings.Split(msg.Params[0], ",")
	if len(targets) > maxTargets {
		c.numeric(irc.ERR_TOOMANYTARGETS, cleanWord(msg.Params[0]), "Too many targets")
		return
	}
	tags := clientTags(msg.Tags)
	if cmd == "TAGMSG" && len(tags) == 0 {
		return // nothing to relay
	}
	now := c.lineAt
	if now.IsZero() {
		now = time.Now()
	}
	for _, target := range targets {
		if target == "" {
			continue
		}
		secret := w.secret(Message{Command: cmd, Target: target, Text: text})
		w.mu.Lock()
		key := ircname.Casefold(target)
		var name, account, away string
		self := false
		switch {
		case isChannel(target):
			ch, ok := w.channels[key]
			if !ok {
				w.mu.Unlock()
				if !notice {
					c.numeric(irc.ERR_NOSUCHCHANNEL, cleanWord(target), "No such channel")
				}
				continue
			}
			name = ch.name
		case ircname.Equal(key, w.nick):
			name, self = w.nick, true
		default:
			u, ok := w.users[key]
			if !ok {
				w.mu.Unlock()
				if !notice {
					c.numeric(irc.ERR_NOSUCHNICK, cleanWord(target), "No such nick/channel")
				}
				continue
			}
			name, account, away = u.nick, u.account, u.away()
		}
		// One msgid for the message wherever it is shown: the echo, the
		// copies to the user's other clients, and the handler's copy, so
		// that the store keeps it under the id the clients saw.
		msgID := NewMsgID()
		echo := c.hasCap(capEchoMessage)
		if !secret && (self || echo || len(w.clients) > 1) {
			// Someone sees the line: the user's other clients, or this one.
			// Split as Deliver splits it, so that a text that fits the
			// client's line but not one with the user's prefix is shown
			// whole, as the history shows it.
			own := Message{Command: cmd, Target: name, Text: text, Tags: tags, Time: now, MsgID: msgID, Self: true}
			out := w.messageLinesLocked(cmd, own, w.sourceLocked(own), name)
			for _, other := range w.clients {
				if other != c {
					for _, l := range out {
						other.sendDelivered(l)
					}
				}
			}
			for _, l := range out {
				if echo {
					c.send(l) // the echo: a reply, labeled
				}
				if self {
					c.sendDelivered(l) // the copy as recipient, never labeled
				}
			}
		}
		from := w.nick
		w.mu.Unlock()
		if away != "" && cmd == "PRIVMSG" {
			c.numeric(irc.RPL_AWAY, name, away)
		}
		if self {
			continue
		}
		// The connection's context, without a timeout: a timer per
		// message was a fifth of the CPU of a relayed message (see Handler).
		err := w.h.Message(ctx, c, Message{Command: cmd, From: from, Target: name, TargetAccount: account, Text: text, Tags: tags, Time: now, MsgID: msgID})
		c.replyError(w, cmd, err)
	}
}
