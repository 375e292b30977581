package ircd

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// handleMonitor runs MONITOR + - C L S (ircv3 monitor).
func handleMonitor(_ context.Context, c *Client, w *World, msg *irc.Message) {
	limit := w.srv.cfg.MonitorLimit
	switch msg.Params[0] {
	case "+":
		if len(msg.Params) < 2 || msg.Params[1] == "" {
			c.numeric(irc.ERR_NEEDMOREPARAMS, "MONITOR", "Not enough parameters")
			return
		}
		targets := splitList(msg.Params[1])
		var added []string
		full := ""
		c.mu.Lock()
		for i, t := range targets {
			key := ircname.Casefold(t)
			if _, ok := c.monitor[key]; ok {
				added = append(added, t) // on the list already: its status again
				continue
			}
			if len(c.monitor) >= limit {
				full = strings.Join(targets[i:], ",")
				break
			}
			if !validNick(t) {
				continue
			}
			if c.monitor == nil {
				c.monitor = make(map[string]string)
			}
			c.monitor[key] = t
			added = append(added, t)
		}
		c.mu.Unlock()
		sendMonStatus(c, w, added)
		if full != "" {
			c.numeric(irc.ERR_MONLISTFULL, strconv.Itoa(limit), cleanWord(full), "Monitor list is full")
		}
	case "-":
		if len(msg.Params) < 2 {
			c.numeric(irc.ERR_NEEDMOREPARAMS, "MONITOR", "Not enough parameters")
			return
		}
		c.mu.Lock()
		for _, t := range splitList(msg.Params[1]) {
			delete(c.monitor, ircname.Casefold(t))
		}
		c.mu.Unlock()
	case "C", "c":
		c.mu.Lock()
		c.monitor = nil
		c.mu.Unlock()
	case "L", "l":
		list := c.monitorList()
		nick := c.Nick()
		sendMonList(c, nick, irc.RPL_MONLIST, list)
		c.reply(irc.RPL_ENDOFMONLIST, nick, "End of MONITOR list")
	case "S", "s":
		sendMonStatus(c, w, c.monitorList())
	default:
		c.numeric(irc.ERR_UNKNOWNCOMMAND, "MONITOR", "Unknown MONITOR subcommand")
	}
}

// sendMonStatus sends 730 for the targets online (the user counts as
// online) and 731 for the others.
func sendMonStatus(c *Client, w *World, targets []string) {
	w.mu.Lock()
	var on, off []string
	for _, t := range targets {
		if u, ok := w.userLocked(t); ok && u.online {
			on = append(on, u.prefix().String())
		} else if ircname.Equal(t, w.nick) {
			on = append(on, w.selfPrefixLocked().String())
		} else {
			off = append(off, t)
		}
	}
	nick := w.nick
	w.mu.Unlock()
	sendMonList(c, nick, irc.RPL_MONONLINE, on)
	sendMonList(c, nick, irc.RPL_MONOFFLINE, off)
}

func (c *Client) monitorList() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := make([]string, 0, len(c.monitor))
	for _, n := range c.monitor {
		list = append(list, n)
	}
	sort.Slice(list, func(i, j int) bool { return ircname.Casefold(list[i]) < ircname.Casefold(list[j]) })
	return list
}

func splitList(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// sendMonList sends items in as few lines of code as fit.
func sendMonList(c *Client, nick, code string, items []string) {
	if len(items) == 0 {
		return
	}
	var b strings.Builder
	for _, it := range items {
		if b.Len() > 0 && b.Len()+1+len(it) > 400 {
			c.reply(code, nick, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(it)
	}
	c.reply(code, nick, b.String())
}
