package ircd

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// handleOper answers OPER: nobody is an operator here. The password is
// neither logged nor echoed.
func handleOper(_ context.Context, c *Client, _ *World, _ *irc.Message) {
	c.numeric(irc.ERR_NOOPERHOST, "No O-lines for your host")
}

func handleAdmin(_ context.Context, c *Client, _ *World, _ *irc.Message) {
	cfg := &c.srv.cfg
	c.numeric(irc.RPL_ADMINME, cfg.ServerName, "Administrative info")
	c.numeric(irc.RPL_ADMINLOC1, cfg.ServerName+" is an IRC gateway to "+cfg.Network)
	c.numeric(irc.RPL_ADMINLOC2, "It is run by whoever runs this gateway")
	c.numeric(irc.RPL_ADMINEMAIL, "No administrator address is configured")
}

// handleStats answers STATS u (uptime); every query ends with 219.
func handleStats(_ context.Context, c *Client, _ *World, msg *irc.Message) {
	query := msg.Param(0)
	if query == "" {
		query = "*"
	}
	query = truncate(cleanWord(query), 1)
	if query == "u" {
		up := time.Since(c.srv.created)
		days := int(up / (24 * time.Hour))
		up -= time.Duration(days) * 24 * time.Hour
		h, m, s := int(up/time.Hour), int(up/time.Minute)%60, int(up/time.Second)%60
		c.numeric(irc.RPL_STATSUPTIME, fmt.Sprintf("Server Up %d days %d:%02d:%02d", days, h, m, s))
	}
	c.numeric(irc.RPL_ENDOFSTATS, query, "End of /STATS report")
}

// handleLinks lists the one server there is.
func handleLinks(_ context.Context, c *Client, _ *World, _ *irc.Message) {
	cfg := &c.srv.cfg
	c.numeric(irc.RPL_LINKS, "*", cfg.ServerName, "0 IRC gateway to "+cfg.Network)
	c.numeric(irc.RPL_ENDOFLINKS, "*", "End of /LINKS list")
}

func handleUsers(_ context.Context, c *Client, _ *World, _ *irc.Message) {
	c.numeric(irc.ERR_USERSDISABLED, "USERS has been disabled")
}

// listFilter is the parameter of LIST: channel names and masks
// (ELIST=M), masks a channel must not match (ELIST=N, "!mask") and
// bounds on the number of users (ELIST=U, ">n" and "<n").
type listFilter struct {
	names, not []string // casefolded
	more, less int      // more than more users, fewer than less; -1 for no bound
}

func parseListFilter(arg string) listFilter {
	f := listFilter{more: -1, less: -1}
	for _, p := range strings.Split(arg, ",") {
		switch {
		case p == "":
		case p[0] == '>' || p[0] == '<':
			n, err := strconv.Atoi(p[1:])
			if err != nil || n < 0 {
				continue
			}
			if p[0] == '>' {
				f.more = max(f.more, n)
			} else if f.less < 0 || n < f.less {
				f.less = n
			}
		case p[0] == '!':
			f.not = append(f.not, ircname.Casefold(p[1:]))
		default:
			f.names = append(f.names, ircname.Casefold(p))
		}
	}
	return f
}

func (f listFilter) matches(name string, users int) bool {
	key := ircname.Casefold(name)
	if f.more >= 0 && users <= f.more || f.less >= 0 && users >= f.less {
		return false
	}
	for _, m := range f.not {
		if maskMatch(m, key) {
			return false
		}
	}
	if len(f.names) == 0 {
		return true
	}
	for _, m := range f.names {
		if maskMatch(m, key) {
			return true
		}
	}
	return false
}

// handleList lists the user's channels (&msn and the group chats) that
// match the filter, with their number of users and topic.
func handleList(_ context.Context, c *Client, w *World, msg *irc.Message) {
	f := parseListFilter(msg.Param(0))
	w.mu.Lock()
	defer w.mu.Unlock()
	nick := w.nick
	c.reply(irc.RPL_LISTSTART, nick, "Channel", "Users  Name")
	for _, ch := range w.sortedChannelsLocked() {
		users := len(ch.members) + 1 // the members and the user
		if f.matches(ch.name, users) {
			c.reply(irc.RPL_LIST, nick, ch.name, strconv.Itoa(users), ch.topic)
		}
	}
	c.reply(irc.RPL_LISTEND, nick, "End of /LIST")
}

// handleNamesAll is NAMES without a channel: the NAMES of each of the
// user's channels, or, in none, the user alone.
func handleNamesAll(c *Client, w *World) {
	w.mu.Lock()
	defer w.mu.Unlock()
	chans := w.sortedChannelsLocked()
	for _, ch := range chans {
		w.sendNamesLocked(c, ch, false)
	}
	if len(chans) == 0 {
		c.reply(irc.RPL_NAMREPLY, w.nick, "*", "*", w.nick)
		c.reply(irc.RPL_ENDOFNAMES, w.nick, "*", "End of /NAMES list")
	}
}
