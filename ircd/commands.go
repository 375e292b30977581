package ircd

import (
	"context"
	"errors"
	"log/slog"

	"golang.org/x/time/rate"
	"gopkg.in/irc.v4"
)

// command is one registered-state command: its handler gets the client's
// world and is only called with at least minParams parameters.
type command struct {
	minParams int
	handle    func(ctx context.Context, c *Client, w *World, msg *irc.Message)
}

// queries are the commands that read rather than send: each waits for
// the client's turn first (queryTurn), as each new channel of a JOIN
// does (handleJoin). Some answer with hundreds of lines
// (WHO and NAMES of a contact list), some read the Historian's store
// (CHATHISTORY, MARKREAD, METADATA).
var queries = map[string]bool{
	"ADMIN": true, "CHATHISTORY": true, "HELP": true, "INFO": true, "ISON": true,
	"LINKS": true, "LIST": true, "LUSERS": true, "MARKREAD": true, "METADATA": true,
	"MONITOR": true, "MOTD": true, "NAMES": true, "STATS": true, "TIME": true,
	"USERHOST": true, "USERS": true, "VERSION": true, "WHO": true, "WHOIS": true,
	"WHOWAS": true,
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"ADMIN":       {0, handleAdmin},
		"AWAY":        {0, handleAway},
		"CHATHISTORY": {0, handleChathistory},
		"CAP":         {0, func(ctx context.Context, c *Client, _ *World, m *irc.Message) { c.handleCap(ctx, m) }},
		"HELP":        {0, handleHelp},
		"INFO":        {0, handleInfo},
		"INVITE":      {2, handleInvite},
		"ISON":        {1, handleIson},
		"JOIN":        {1, handleJoin},
		"KICK":        {2, handleKick},
		"LINKS":       {0, handleLinks},
		"LIST":        {0, handleList},
		"LUSERS":      {0, handleLusers},
		"MARKREAD":    {0, handleMarkread},
		"METADATA":    {2, handleMetadata},
		"MODE":        {1, handleMode},
		"MONITOR":     {1, handleMonitor},
		"MOTD":        {0, func(_ context.Context, c *Client, _ *World, _ *irc.Message) { c.sendMOTD(c.Nick()) }},
		"NAMES":       {0, handleNames},
		"NICK":        {0, handleNick},
		"NOTICE":      {0, handleMessage},
		"OPER":        {2, handleOper},
		"PART":        {1, handlePart},
		"PING":        {0, func(_ context.Context, c *Client, _ *World, m *irc.Message) { c.handlePing(m) }},
		"PONG":        {0, func(_ context.Context, c *Client, _ *World, m *irc.Message) { c.handlePong(m) }},
		"PRIVMSG":     {0, handleMessage},
		"QUIT":        {0, func(_ context.Context, c *Client, _ *World, m *irc.Message) { c.quit(quitText(m)) }},
		"SETNAME":     {1, handleSetname},
		"STATS":       {0, handleStats},
		"TAGMSG":      {0, handleMessage},
		"TIME":        {0, handleTime},
		"TOPIC":       {1, handleTopic},
		"USERHOST":    {1, handleUserhost},
		"USERS":       {0, handleUsers},
		"VERSION":     {0, handleVersion},
		"WHO":         {0, handleWho},
		"WHOIS":       {1, handleWhois},
		"WHOWAS":      {1, handleWhowas},
		"PASS": {0, func(_ context.Context, c *Client, _ *World, _ *irc.Message) {
			c.numeric(irc.ERR_ALREADYREGISTERED, "You may not reregister")
		}},
		"USER": {0, func(_ context.Context, c *Client, _ *World, _ *irc.Message) {
			c.numeric(irc.ERR_ALREADYREGISTERED, "You may not reregister")
		}},
		"AUTHENTICATE": {0, func(ctx context.Context, c *Client, _ *World, m *irc.Message) { c.handleAuthenticate(ctx, m) }},
	}
}

func (c *Client) handleRegistered(ctx context.Context, msg *irc.Message) {
	cmd, ok := commands[msg.Command]
	if !ok {
		c.numeric(irc.ERR_UNKNOWNCOMMAND, cleanWord(msg.Command), "Unknown command")
		return
	}
	if len(msg.Params) < cmd.minParams || cmd.minParams > 0 && msg.Params[0] == "" {
		c.numeric(irc.ERR_NEEDMOREPARAMS, msg.Command, "Not enough parameters")
		return
	}
	w := c.currentWorld()
	if w == nil {
		return
	}
	if queries[msg.Command] && !c.queryTurn(ctx) {
		return
	}
	cmd.handle(ctx, c, w, msg)
}

// queryTurn waits until c may run one more query (Config QueryInterval
// and QueryBurst), and reports false when ctx ended first. While it
// waits, the client's next lines wait too. Reader goroutine only.
func (c *Client) queryTurn(ctx context.Context) bool {
	if c.queryTurns == nil {
		c.queryTurns = rate.NewLimiter(rate.Every(c.srv.cfg.QueryInterval), c.srv.cfg.QueryBurst)
	}
	if c.queryTurns.Allow() {
		return true
	}
	c.srv.queryWaits.Add(1)
	c.logAt(slog.LevelDebug, "query waits for its turn")
	return c.queryTurns.Wait(ctx) == nil
}

// replyError sends what a Handler returned: a *Reply as its numeric, other
// errors as FAIL (standard-replies) or a NOTICE.
func (c *Client) replyError(w *World, command string, err error) {
	if err == nil {
		return
	}
	var r *Reply
	if errors.As(err, &r) {
		params := make([]string, 0, len(r.Params)+1)
		for _, p := range r.Params {
			params = append(params, cleanWord(p))
		}
		text := r.Text
		if text == "" {
			text = r.Code
		}
		c.numeric(cleanWord(r.Code), append(params, text)...)
		return
	}
	w.mu.Lock()
	w.failLocked(c, "", command, "UNKNOWN_ERROR", err.Error())
	w.mu.Unlock()
}

func handleNick(ctx context.Context, c *Client, w *World, msg *irc.Message) {
	nick := msg.Param(0)
	if nick == "" {
		c.numeric(irc.ERR_NONICKNAMEGIVEN, "No nickname given")
		return
	}
	if !validNick(nick) {
		c.numeric(irc.ERR_ERRONEUSNICKNAME, cleanWord(nick), "Erroneous nickname")
		return
	}
	w.mu.Lock()
	old := w.nick
	if nick == old {
		w.mu.Unlock()
		return
	}
	if err := w.setNickLocked(nick); err != nil {
		w.mu.Unlock()
		c.numeric(irc.ERR_NICKNAMEINUSE, nick, "Nickname is already in use")
		return
	}
	w.mu.Unlock()
	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	w.h.NickChanged(hctx, c, old, nick)
}

func handleLusers(_ context.Context, c *Client, w *World, _ *irc.Message) {
	n := c.srv.countLusers()
	w.mu.Lock()
	nick := w.nick
	n.channels = len(w.channels)
	w.mu.Unlock()
	c.sendLusers(nick, n)
}
