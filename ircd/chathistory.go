package ircd

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// serverTimeFormat is the format of server-time and of timestamp=
// references: RFC 3339 in UTC with milliseconds.
const serverTimeFormat = "2006-01-02T15:04:05.000Z"

// maxMsgIDLen bounds a msgid= reference a client sends.
const maxMsgIDLen = 100

// historyRequest is a checked CHATHISTORY command: a query for messages,
// or TARGETS with its two times.
type historyRequest struct {
	q        HistoryQuery
	targets  bool
	from, to time.Time // TARGETS
}

// parseChathistory checks the parameters of CHATHISTORY (subcommand first)
// and clamps the limit to max. A malformed command is returned as the
// *HistoryError to send as FAIL CHATHISTORY.
func parseChathistory(params []string, max int) (historyRequest, *HistoryError) {
	var r historyRequest
	if len(params) == 0 || params[0] == "" {
		return r, &HistoryError{Code: "NEED_MORE_PARAMS", Context: []string{"*"}, Text: "Missing parameters"}
	}
	sub := strings.ToUpper(params[0])
	need := 4
	switch sub {
	case "LATEST", "BEFORE", "AFTER", "AROUND", "TARGETS":
	case "BETWEEN":
		need = 5
	default:
		return r, &HistoryError{Code: "UNKNOWN_COMMAND", Context: []string{cleanWord(params[0])}, Text: "Unknown command"}
	}
	if len(params) < need {
		return r, &HistoryError{Code: "NEED_MORE_PARAMS", Context: []string{sub}, Text: "Missing parameters"}
	}
	invalid := func(p, text string) *HistoryError {
		return &HistoryError{Code: "INVALID_PARAMS", Context: []string{sub, cleanWord(p)}, Text: text}
	}
	limit, err := strconv.Atoi(params[need-1])
	if err != nil || limit <= 0 {
		return r, invalid(params[need-1], "Invalid limit")
	}
	r.q.Limit = min(limit, max)
	r.q.Subcommand = sub
	if sub == "TARGETS" {
		r.targets = true
		for i, p := range params[1:3] {
			ref, ok := parseHistoryRef(p, false)
			if !ok || ref.Time.IsZero() {
				return r, invalid(p, "Invalid timestamp")
			}
			if i == 0 {
				r.from = ref.Time
			} else {
				r.to = ref.Time
			}
		}
		return r, nil
	}
	target := params[1]
	if !validHistoryTarget(target) {
		return r, &HistoryError{Code: "INVALID_TARGET", Context: []string{sub, cleanWord(target)}, Text: "Invalid target"}
	}
	r.q.Target = target
	from, ok := parseHistoryRef(params[2], sub == "LATEST")
	if !ok {
		return r, invalid(params[2], "Invalid message reference")
	}
	r.q.From = from
	if sub == "BETWEEN" {
		to, ok := parseHistoryRef(params[3], false)
		if !ok {
			return r, invalid(params[3], "Invalid message reference")
		}
		r.q.To = to
	}
	return r, nil
}

// parseHistoryRef parses a message reference: msgid=…, timestamp=… (RFC
// 3339), or "*" (the zero HistoryRef) when star is allowed.
func parseHistoryRef(s string, star bool) (HistoryRef, bool) {
	if s == "*" {
		return HistoryRef{}, star
	}
	kind, v, ok := strings.Cut(s, "=")
	if !ok || v == "" {
		return HistoryRef{}, false
	}
	switch kind {
	case "msgid":
		if len(v) > maxMsgIDLen || !validTagValue(v) || strings.ContainsAny(v, " ;\\") {
			return HistoryRef{}, false
		}
		// The second line of a message split in several has its msgid
		// with ".2" after it (messageLinesLocked): it names the message.
		if id, part, ok := strings.Cut(v, "."); ok && id != "" && part != "" && strings.Trim(part, "0123456789") == "" {
			v = id
		}
		return HistoryRef{MsgID: v}, true
	case "timestamp":
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil || t.IsZero() {
			return HistoryRef{}, false
		}
		return HistoryRef{Time: t.UTC()}, true
	}
	return HistoryRef{}, false
}

// validHistoryTarget reports whether s can name a conversation: a valid
// channel name or nick. It need not be one the world shows now.
func validHistoryTarget(s string) bool {
	if isChannel(s) {
		return validChannel(s)
	}
	return validNick(s)
}

// resolveTargetLocked returns the name under which the world shows
// target (a channel's or user's own spelling) and the account of the user
// it names; target itself and "" when the world does not show it.
func (w *World) resolveTargetLocked(target string) (name, account string) {
	key := ircname.Casefold(target)
	if isChannel(target) {
		if ch, ok := w.channels[key]; ok {
			return ch.name, ""
		}
		return target, ""
	}
	if ircname.Equal(key, w.nick) {
		return w.nick, ""
	}
	if u, ok := w.users[key]; ok {
		return u.nick, u.account
	}
	return target, ""
}

// historyFail sends err, from a Historian or ircd's own checks, as FAIL
// CHATHISTORY: a *HistoryError as it is, anything else as MESSAGE_ERROR.
func historyFail(c *Client, w *World, sub, target string, err error) {
	var he *HistoryError
	if !errors.As(err, &he) {
		c.logAt(slog.LevelWarn, "chathistory failed", slog.Any("err", err))
		he = &HistoryError{Code: "MESSAGE_ERROR", Context: []string{sub, cleanWord(target)}, Text: "Messages could not be retrieved"}
	}
	ctx := make([]string, len(he.Context))
	for i, p := range he.Context {
		ctx[i] = cleanWord(p)
	}
	w.mu.Lock()
	w.failLocked(c, "", "CHATHISTORY", he.Code, he.Text, ctx...)
	w.mu.Unlock()
}

// handleChathistory runs CHATHISTORY: it checks the command, asks the
// world's Historian, and sends the answer in a chathistory batch (a
// draft/chathistory-targets batch for TARGETS). A client without the
// batch capability gets the same lines without the batch, as the
// specification allows.
func handleChathistory(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	r, fail := parseChathistory(msg.Params, c.srv.cfg.HistoryLimit)
	if fail != nil {
		historyFail(c, w, "", "", fail)
		return
	}
	sub := r.q.Subcommand
	target := r.q.Target
	if r.targets {
		target = "*"
	}
	hist, ok := w.h.(Historian)
	if !ok {
		historyFail(c, w, sub, target, &HistoryError{Code: "MESSAGE_ERROR", Context: []string{sub, cleanWord(target)}, Text: "This session keeps no message history"})
		return
	}
	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	if r.targets {
		list, err := hist.HistoryTargets(hctx, c, r.from, r.to, r.q.Limit)
		if err != nil {
			historyFail(c, w, sub, target, err)
			return
		}
		sendTargets(c, list[:min(len(list), r.q.Limit)])
		return
	}
	w.mu.Lock()
	_, r.q.TargetAccount = w.resolveTargetLocked(r.q.Target)
	w.mu.Unlock()
	msgs, err := hist.History(hctx, c, r.q)
	if err != nil {
		historyFail(c, w, sub, target, err)
		return
	}
	sendHistory(c, w, r.q.Target, msgs[:min(len(msgs), r.q.Limit)])
}

// batchRef returns a new batch reference for c.
func (c *Client) batchRef() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batchSeq++
	return "h" + strconv.FormatUint(c.batchSeq, 10)
}

// sendBatch sends lines to c in a batch of type typ with params, or
// without one when c did not negotiate batch. The lines are the batch's
// own: they are changed in place, the tags c did not negotiate taken out
// (so that send need not copy each line to leave them out) and the batch
// tag added.
func sendBatch(c *Client, typ string, params []string, lines []*irc.Message) {
	c.mu.Lock()
	for _, m := range lines {
		for k := range m.Tags {
			if !c.tagAllowedLocked(k) {
				delete(m.Tags, k)
			}
		}
	}
	batch := c.caps.has(capBatch)
	c.mu.Unlock()
	if batch {
		lines = batchLines(c.srv.prefix, c.batchRef(), typ, params, lines)
	}
	for _, m := range lines {
		c.send(m)
	}
}

// batchLines returns lines between the start and the end of the batch ref
// of type typ with params, from the server prefix, each tagged with the
// batch in place.
func batchLines(prefix *irc.Prefix, ref, typ string, params []string, lines []*irc.Message) []*irc.Message {
	out := make([]*irc.Message, 0, len(lines)+2)
	out = append(out, &irc.Message{Prefix: prefix, Command: "BATCH", Params: append([]string{"+" + ref, typ}, params...)})
	for _, m := range lines {
		if m.Tags == nil {
			m.Tags = irc.Tags{}
		}
		m.Tags["batch"] = ref
		out = append(out, m)
	}
	return append(out, &irc.Message{Prefix: prefix, Command: "BATCH", Params: []string{"-" + ref}})
}

// sendHistory sends msgs, from a Historian, as the chathistory batch for
// target: each as Deliver shows it (the user's own from the user's
// prefix), cleaned and cut by the same code. TAGMSG is left out: it is
// only replayed with draft/event-playback, which is not offered.
func sendHistory(c *Client, w *World, target string, msgs []Message) {
	w.mu.Lock()
	lines := w.historyLinesLocked(msgs)
	w.mu.Unlock()
	sendBatch(c, "chathistory", []string{cleanWord(target)}, lines)
}

// historyLinesLocked returns the lines that show msgs in a chathistory
// batch, each line a new one. A batch has few senders: each is looked up
// once.
func (w *World) historyLinesLocked(msgs []Message) []*irc.Message {
	type sender struct {
		from string
		self bool
	}
	sources := map[sender]lineSource{}
	lines := make([]*irc.Message, 0, len(msgs))
	for _, m := range msgs {
		cmd := strings.ToUpper(m.Command)
		if cmd != "PRIVMSG" && cmd != "NOTICE" {
			continue
		}
		to := m.Target
		if to == "" {
			to = w.nick
		}
		if m.Time.IsZero() {
			continue // a message without its time cannot be placed
		}
		k := sender{m.From, m.Self}
		if m.Self {
			k.from = ""
		}
		src, ok := sources[k]
		if !ok {
			src = w.sourceLocked(m)
			sources[k] = src
		}
		lines = append(lines, w.messageLinesLocked(cmd, m, src, to)...)
	}
	return lines
}

// sendTargets sends the CHATHISTORY TARGETS answer.
func sendTargets(c *Client, list []HistoryTarget) {
	lines := make([]*irc.Message, 0, len(list))
	for _, t := range list {
		if t.Target == "" || t.Latest.IsZero() {
			continue
		}
		lines = append(lines, &irc.Message{Prefix: c.srv.prefix, Command: "CHATHISTORY",
			Params: []string{"TARGETS", cleanWord(t.Target), t.Latest.UTC().Format(serverTimeFormat)}})
	}
	sendBatch(c, "draft/chathistory-targets", nil, lines)
}
