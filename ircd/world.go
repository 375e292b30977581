package ircd

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

const whowasLen = 100

// World is the IRC state one login sees: the user, other users, channels,
// and the clients attached to it. Its methods are safe to call from any
// goroutine and never block on clients: they update the state and queue
// lines to every attached client (and remember the state for clients that
// attach later).
type World struct {
	srv *Server
	h   Handler

	mu       sync.Mutex
	nick     string
	ident    string
	host     string
	realname string
	away     string
	account  string              // of the first client that logged in
	users    map[string]*user    // casefolded nick
	channels map[string]*channel // casefolded name
	clients  []*Client
	whowas   []User
	closed   bool
	ghosts   bool // a channel may have ghosts: set when one is made, cleared when none is left
	// markers are the read markers the world last learnt (casefolded
	// target; the zero time when none is set), so that a JOIN can carry
	// its channel's MARKREAD without asking the Historian with the
	// world locked. At most maxMarkers; nil when none.
	markers map[string]time.Time
	// selfMeta is the user's own metadata (SetUserMetadata); nil when none.
	selfMeta map[string]string

	// The user's modes: +i unless visible is set (read by LUSERS of any
	// client, without the world locked), +B when bot.
	visible atomic.Bool
	bot     bool
}

// NewWorld creates an empty world whose user actions go to h.
func (s *Server) NewWorld(h Handler) *World {
	return &World{
		srv:      s,
		h:        h,
		users:    make(map[string]*user),
		channels: make(map[string]*channel),
	}
}

// userLocked returns the user whose nick is nick (ascii casemapping).
func (w *World) userLocked(nick string) (*user, bool) {
	u, ok := w.users[ircname.Casefold(nick)]
	return u, ok
}

// Nick returns the user's nick ("" until the first client attached).
func (w *World) Nick() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nick
}

// ClientCount returns how many clients are attached. A client that is
// quitting no longer counts.
func (w *World) ClientCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, c := range w.clients {
		if !c.closed() {
			n++
		}
	}
	return n
}

// Clients returns the attached clients.
func (w *World) Clients() []*Client {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*Client(nil), w.clients...)
}

// selfPrefixLocked is nick!ident@host of the user.
func (w *World) selfPrefixLocked() *irc.Prefix {
	return &irc.Prefix{Name: w.nick, User: w.ident, Host: w.host}
}

// userPrefixLocked is nick!ident@host of a user (or the user, or an unknown nick).
func (w *World) userPrefixLocked(nick string) *irc.Prefix {
	if nick == "" {
		return w.srv.prefix
	}
	if ircname.Equal(nick, w.nick) {
		return w.selfPrefixLocked()
	}
	if u, ok := w.userLocked(nick); ok {
		return u.prefix()
	}
	return &irc.Prefix{Name: nick, User: nick, Host: w.srv.cfg.ServerName}
}

// nickTakenLocked reports whether a user of the world, or a member of one
// of its channels who is not (a group chat's stranger), has nick.
func (w *World) nickTakenLocked(nick string) bool {
	if _, taken := w.userLocked(nick); taken {
		return true
	}
	if w.ghosts {
		k := ircname.Casefold(nick)
		for _, ch := range w.channels {
			if _, taken := ch.ghosts[k]; taken {
				return true
			}
		}
	}
	return false
}

// freeNickLocked returns the first of nick, nick_, nick__, … that nobody
// in the world has; past NICKLEN, nick cut and numbered.
func (w *World) freeNickLocked(nick string) string {
	cand := nick
	for i := 1; w.nickTakenLocked(cand); i++ {
		if len(nick)+i <= ircname.NickLen {
			cand = nick + strings.Repeat("_", i)
			continue
		}
		n := strconv.Itoa(i)
		cand = nick[:min(len(nick), ircname.NickLen-len(n))] + n
	}
	return cand
}

// attach adds c to the world and sends it the welcome (when welcome is set)
// and the world's state. was is how the client knew the user until now:
// the nick it asked for, its USER name, realname and host, or the user of
// the world it comes from.
func (w *World) attach(c *Client, was identity, welcome bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errors.New("this session has ended")
	}
	if w.nick == "" {
		w.nick = w.freeNickLocked(was.nick)
	}
	if w.ident == "" {
		w.ident = was.ident
	}
	if w.host == "" {
		w.host = was.host
	}
	if w.realname == "" {
		w.realname = was.realname
	}
	if w.account == "" {
		w.account = c.Account()
	}
	c.mu.Lock()
	c.nick = w.nick
	c.world = w
	if w.account != "" {
		c.account = w.account
	}
	c.mu.Unlock()
	if welcome {
		n := w.srv.countLusers() // c counts as registered: its world is set
		n.channels = len(w.channels)
		c.sendWelcome(w.nick, w.ident+"@"+w.host, n)
	}
	w.announceSelfLocked(c, was, welcome)
	w.burstLocked(c)
	w.clients = append(w.clients, c)
	return nil
}

// detach removes c from the world's clients.
func (w *World) detach(c *Client) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, x := range w.clients {
		if x == c {
			w.clients = append(w.clients[:i], w.clients[i+1:]...)
			break
		}
	}
}

// burstLocked sends c the user's channels and away state.
func (w *World) burstLocked(c *Client) {
	if w.away != "" {
		c.reply(irc.RPL_NOWAWAY, w.nick, "You have been marked as being away")
	}
	told := map[*user]bool{}
	for _, ch := range w.sortedChannelsLocked() {
		w.sendChannelLocked(c, ch, told, false)
	}
}

// SetNick changes the user's nick (NICK to every client).
func (w *World) SetNick(nick string) error {
	if !validNick(nick) {
		return fmt.Errorf("ircd: set nick %q: invalid nick", nick)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.setNickLocked(nick)
}

func (w *World) setNickLocked(nick string) error {
	if w.nickTakenLocked(nick) {
		return fmt.Errorf("ircd: set nick %q: nick in use", nick)
	}
	if nick == w.nick {
		return nil
	}
	if w.nick != "" {
		w.broadcastLocked(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "NICK", Params: []string{nick}, Tags: w.selfTagsLocked()})
	}
	w.nick = nick
	for _, c := range w.clients {
		c.mu.Lock()
		c.nick = nick
		c.mu.Unlock()
	}
	return nil
}

// SetSelf sets the user's ident, host and realname.
func (w *World) SetSelf(ident, host, realname string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	oldIdent, oldHost := w.ident, w.host
	if ident != "" {
		w.ident = truncate(cleanWord(ident), userLen)
	}
	if host != "" {
		w.host = cleanPrefixPart(cleanWord(host))
	}
	if w.nick != "" && oldIdent != "" && (oldIdent != w.ident || oldHost != w.host) {
		w.broadcastIf(&irc.Message{Prefix: &irc.Prefix{Name: w.nick, User: oldIdent, Host: oldHost}, Command: "CHGHOST", Params: []string{w.ident, w.host}, Tags: w.selfTagsLocked()},
			func(c *Client) bool { return c.hasCap(capChghost) })
	}
	realname = truncate(cleanName(realname), realnameLen)
	if realname != "" && realname != w.realname {
		w.realname = realname
		if w.nick != "" {
			w.broadcastIf(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "SETNAME", Params: []string{realname}, Tags: w.selfTagsLocked()},
				func(c *Client) bool { return c.hasCap(capSetname) })
		}
	}
}

// setRealname is SETNAME from one of the user's clients.
func (w *World) setRealname(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.realname = name
	w.broadcastIf(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "SETNAME", Params: []string{name}, Tags: w.selfTagsLocked()},
		func(c *Client) bool { return c.hasCap(capSetname) })
}

// Transfer moves a client into another world (after `login` from a guest
// world): it leaves this world's channels and gets the other world's burst.
// Handler.Detached of this world and Handler.Attached of the other are
// called later, from the client's goroutine.
func (w *World) Transfer(c *Client, to *World) error {
	if to == w {
		return nil
	}
	if c.World() != w {
		return errors.New("ircd: transfer: client is not in this world")
	}
	w.mu.Lock()
	found := false
	for i, x := range w.clients {
		if x == c {
			w.clients = append(w.clients[:i], w.clients[i+1:]...)
			found = true
			break
		}
	}
	if !found {
		w.mu.Unlock()
		return errors.New("ircd: transfer: client is not attached")
	}
	for _, ch := range w.sortedChannelsLocked() {
		c.send(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "PART", Params: []string{ch.name}, Tags: w.selfTagsLocked()})
	}
	was := w.selfIdentityLocked()
	w.mu.Unlock()
	if err := to.attach(c, was, false); err != nil {
		// The client left this world already: end it rather than leave it nowhere.
		c.post(func(ctx context.Context) { w.h.Detached(ctx, c) })
		c.mu.Lock()
		c.world = nil
		c.mu.Unlock()
		c.quit(err.Error())
		return fmt.Errorf("ircd: transfer: %w", err)
	}
	c.srv.limits.leaveGuest(c) // a guest that logged in is no guest any more
	c.post(func(ctx context.Context) {
		w.h.Detached(ctx, c)
		to.h.Attached(ctx, c)
	})
	return nil
}

// Close detaches every client with ERROR reason and closes their connections.
func (w *World) Close(reason string) {
	if reason == "" {
		reason = "Session closed"
	}
	w.mu.Lock()
	w.closed = true
	clients := append([]*Client(nil), w.clients...)
	w.mu.Unlock()
	for _, c := range clients {
		c.quit(reason)
	}
}
