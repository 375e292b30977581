package ircd

import (
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// broadcastLocked sends m to every client of the world. A client gets it
// as a recipient (sendRecipient): while a command of that client runs, a
// storm of them (presence changes of a large contact list, say) counts
// against its send queue instead of piling up in memory.
func (w *World) broadcastLocked(m *irc.Message) {
	w.broadcastIf(m, func(*Client) bool { return true })
}

// broadcastIf is broadcastLocked to the clients pred accepts. What
// another user does (a contact's AWAY, NICK, PART) is delivered, not a
// response: one that comes while a client's labeled command runs is not
// labeled as its answer (labelLocked), which a bouncer would show to that
// client alone. What the user or the server does may be the command's
// effect (the user's TOPIC or NICK, the server's MARKREAD). w.mu held.
func (w *World) broadcastIf(m *irc.Message, pred func(c *Client) bool) {
	others := m.Prefix != nil && m.Prefix.User != "" && !ircname.Equal(m.Prefix.Name, w.nick)
	for _, c := range w.clients {
		if pred(c) {
			c.sendLine(captured{m: m, recipient: true, delivered: others})
		}
	}
}

// withTime returns new tags with the server-time of t (now when zero),
// with room for the few tags a message line adds (msgid, account, batch).
func withTime(t time.Time) irc.Tags {
	if t.IsZero() {
		t = time.Now()
	}
	tags := make(irc.Tags, 6)
	tags["time"] = t.UTC().Format(serverTimeFormat)
	return tags
}

// senderTags returns new tags for a line a user sends other than a
// message (JOIN, PART, NICK, AWAY, TOPIC and the like): its server-time,
// now, and the sender's account and bot tags, which account-tag and
// bot-mode put on every command a user sends, as messageLinesLocked puts
// them on messages.
func senderTags(account string, bot bool) irc.Tags {
	tags := withTime(time.Time{})
	if account != "" {
		tags["account"] = account
	}
	if bot {
		tags["bot"] = ""
	}
	return tags
}

// selfTagsLocked is senderTags of the user. w.mu held.
func (w *World) selfTagsLocked() irc.Tags { return senderTags(w.account, w.bot) }

// userTagsLocked is senderTags of nick, the user or a user of the world;
// for another nick (the server, a stranger) only the time. w.mu held.
func (w *World) userTagsLocked(nick string) irc.Tags {
	if ircname.Equal(nick, w.nick) {
		return w.selfTagsLocked()
	}
	if u, ok := w.userLocked(nick); ok {
		return u.tags()
	}
	return withTime(time.Time{})
}

// Deliver sends a message to every attached client and returns how many got it.
func (w *World) Deliver(m Message) int { return w.deliver(m, nil) }

// DeliverTo sends a message to one attached client, as Deliver sends it to
// each, and reports whether c got it (not when it is not attached, is
// leaving, or does not take TAGMSG).
func (w *World) DeliverTo(c *Client, m Message) bool { return w.deliver(m, c) == 1 }

// deliver sends m to every attached client, or only to the client only
// when it is not nil, and returns how many got it.
func (w *World) deliver(m Message, only *Client) int {
	cmd := strings.ToUpper(m.Command)
	switch cmd {
	case "PRIVMSG", "NOTICE", "TAGMSG":
	default:
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	target := m.Target
	if target == "" {
		target = w.nick
	}
	if target == "" || m.Self && ircname.Equal(target, w.nick) {
		return 0
	}
	if isChannel(target) {
		ch, ok := w.channels[ircname.Casefold(target)]
		if !ok {
			w.srv.log.Warn("message to a channel that is not open", slog.String("channel", target))
			return 0
		}
		target = ch.name
	}
	msgs := w.messageLinesLocked(cmd, m, w.sourceLocked(m), target)
	n := 0
	for _, c := range w.clients {
		if only != nil && c != only || cmd == "TAGMSG" && !c.hasCap(capMessageTags) || c.closed() ||
			m.Self && !c.hasCap(capEchoMessage) && !c.hasCap(capSelfMessage) {
			continue
		}
		queued := true
		for _, msg := range msgs {
			queued = c.sendDelivered(msg) && queued
		}
		if queued {
			n++ // a client leaving meanwhile did not get it: the history keeps it for the next
		}
	}
	return n
}

// lineSource is who the lines of a message come from: their prefix, and
// the sender's account and bot tags.
type lineSource struct {
	prefix  *irc.Prefix
	account string
	bot     bool
}

// sourceLocked returns who the lines of m come from: the user for the
// user's own, else m.From (the server when "").
func (w *World) sourceLocked(m Message) lineSource {
	if m.Self {
		return lineSource{prefix: w.userPrefixLocked(w.nick), account: w.account, bot: w.bot}
	}
	var src lineSource
	if m.From != "" {
		if u, ok := w.userLocked(m.From); ok {
			src.account, src.bot = u.account, u.bot
		}
	}
	src.prefix = w.userPrefixLocked(m.From)
	return src
}

// messageLinesLocked returns the lines that show m (a PRIVMSG, NOTICE or
// TAGMSG, cmd upper-case) from src (sourceLocked) to target, as a
// channel's or user's name: the text cleaned and split to fit, tagged
// with its time, its msgid (a fresh one when it has none) and the
// sender's account and bot tags. The parts of a text split in several
// lines take the msgid with ".2", ".3"… after it, the same each time the
// message is shown, so that a client that saw it live recognises it in a
// CHATHISTORY batch.
func (w *World) messageLinesLocked(cmd string, m Message, src lineSource, target string) []*irc.Message {
	tags := withTime(m.Time)
	maps.Copy(tags, clientTags(m.Tags))
	msgID := m.MsgID
	if msgID == "" {
		msgID = NewMsgID()
	}
	tags["msgid"] = msgID
	if src.account != "" {
		tags["account"] = src.account
	}
	if src.bot {
		tags["bot"] = ""
	}
	prefix := src.prefix
	if cmd == "TAGMSG" {
		return []*irc.Message{{Prefix: prefix, Command: cmd, Params: []string{cleanWord(target)}, Tags: tags}}
	}
	var msgs []*irc.Message
	// A sender that split its text with TextRoom gets no further cut.
	for i, part := range splitText(cleanText(m.Text), textRoom(prefix, cmd, target)) {
		ptags := tags
		if i > 0 {
			ptags = maps.Clone(tags)
			ptags["msgid"] = msgID + "." + strconv.Itoa(i+1)
		}
		msgs = append(msgs, &irc.Message{Prefix: prefix, Command: cmd, Params: []string{cleanWord(target), part}, Tags: ptags})
	}
	return msgs
}

// TextRoom returns how many bytes of text fit in one line of a PRIVMSG or
// NOTICE (cmd) that Deliver sends from the user nick (the server when "")
// to target (a channel, a user's nick; the user when ""): a sender that
// splits its text into pieces of at most that many bytes has them sent as
// they are, which matters when the pieces carry formatting from one to the
// next. Deliver still cuts longer text, without regard to formatting.
func (w *World) TextRoom(cmd, from, target string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if target == "" {
		target = w.nick
	}
	if isChannel(target) {
		if ch, ok := w.channels[ircname.Casefold(target)]; ok {
			target = ch.name
		}
	}
	return textRoom(w.userPrefixLocked(from), strings.ToUpper(cmd), target)
}

// textRoom is the room for text in ":prefix CMD target :text\r\n" within
// 512 bytes (tags aside).
func textRoom(prefix *irc.Prefix, cmd, target string) int {
	n := len(prefix.Name) // the length of prefix.String(), without making it
	if prefix.User != "" {
		n += 1 + len(prefix.User)
	}
	if prefix.Host != "" {
		n += 1 + len(prefix.Host)
	}
	n += len(":") + len(" ") + len(cmd) + len(" ") + len(target) + len(" :\r\n")
	return maxBodyLen - n
}

// maxClientTagsLen is the most bytes of client-only tags message-tags
// allows on a line, encoded and joined by ';', without the '@' and the
// space: a line with more may be dropped by the client.
const maxClientTagsLen = maxTagsLen - 2

// clientTags returns the client-only tags ("+" keys) of tags that may be
// relayed: well-formed keys, valid values, at most maxClientTagsLen bytes
// in all once encoded; nil when there are none. When they do not all fit,
// each is taken in the order of the keys if it still fits.
func clientTags(tags map[string]string) map[string]string {
	var out map[string]string
	size := 0
	for k, v := range tags {
		if strings.HasPrefix(k, "+") && validTagKey(k) && validTagValue(v) {
			if out == nil {
				out = make(map[string]string, len(tags))
			}
			out[k] = v
			size += tagLen(k, v) + 1
		}
	}
	if size-1 <= maxClientTagsLen {
		return out
	}
	fit := make(map[string]string, len(out))
	size = 0
	for _, k := range slices.Sorted(maps.Keys(out)) {
		if n := tagLen(k, out[k]) + 1; size+n-1 <= maxClientTagsLen {
			fit[k] = out[k]
			size += n
		}
	}
	return fit
}

// tagLen is the length of the tag k=v on a line, the value escaped.
func tagLen(k, v string) int {
	n := len(k) + 1 + len(v)
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ';', ' ', '\\', '\r', '\n':
			n++
		}
	}
	return n
}

// validTagKey reports whether k is a well-formed tag key.
func validTagKey(k string) bool {
	if k == "" || k == "+" || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '/' || c == '.' || c == '+' && i == 0:
		default:
			return false
		}
	}
	return true
}

// Fail reports a failed command to every client: a FAIL standard reply to
// clients that negotiated the standard-replies capability, otherwise a
// NOTICE from `from` (a nick, or the server when "") with the description.
// It reports on something earlier (a message MSN did not take), not on a
// command a client is running now: it is never part of a command's
// response (no label, no labeled-response batch).
func (w *World) Fail(from, command, code, description string, context ...string) {
	w.reportAll("FAIL", from, command, code, description, context...)
}

// Note tells every client something about a command that did not fail
// (a message queued for later, say): a NOTE standard reply to clients that
// negotiated the standard-replies capability, otherwise a NOTICE from
// `from` (a nick, or the server when "") with the description. Like
// Fail, it is never part of a command's response.
func (w *World) Note(from, command, code, description string, context ...string) {
	w.reportAll("NOTE", from, command, code, description, context...)
}

// reportAll sends every client the standard reply kind, as a line it
// receives (sendDelivered) rather than a reply to the command it may be
// running.
func (w *World) reportAll(kind, from, command, code, description string, context ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.clients {
		for _, m := range w.standardReplyLinesLocked(c, kind, from, command, code, description, context...) {
			c.sendDelivered(m)
		}
	}
}

func (w *World) failLocked(c *Client, from, command, code, description string, context ...string) {
	w.standardReplyLocked(c, "FAIL", from, command, code, description, context...)
}

// standardReplyLocked sends c the standard reply kind (FAIL, WARN or NOTE),
// or the NOTICE that stands for it, as a reply to c's command.
func (w *World) standardReplyLocked(c *Client, kind, from, command, code, description string, context ...string) {
	for _, m := range w.standardReplyLinesLocked(c, kind, from, command, code, description, context...) {
		c.send(m)
	}
}

// standardReplyLinesLocked returns the lines of the standard reply kind
// for c: the reply itself when c negotiated standard-replies, otherwise
// the NOTICE from `from` that stands for it.
func (w *World) standardReplyLinesLocked(c *Client, kind, from, command, code, description string, context ...string) []*irc.Message {
	if c.hasCap(capStandardReplies) {
		params := append([]string{cleanWord(command), cleanWord(code)}, context...)
		params = append(params, cleanText(description))
		return []*irc.Message{{Prefix: c.srv.prefix, Command: kind, Params: params}}
	}
	prefix := w.userPrefixLocked(from)
	budget := maxBodyLen - len(":"+prefix.String()+" NOTICE "+w.nick+" :\r\n")
	var lines []*irc.Message
	for _, part := range splitText(cleanText(description), budget) {
		tags := withTime(time.Time{})
		tags["msgid"] = NewMsgID()
		lines = append(lines, &irc.Message{Prefix: prefix, Command: "NOTICE", Params: []string{w.nick, part}, Tags: tags})
	}
	return lines
}
