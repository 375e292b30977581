package ircd

import (
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"strings"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// user is a User as the world keeps it: one plain record per user, in
// World.users by casefolded nick. Channels point at the same record.
//
// It fits 96 bytes, the record of every contact of every session: ident
// and host are kept as the one string ident@host, which is the account
// itself for a contact (bob@hotmail.com), so that it takes no memory of
// its own then.
type user struct {
	nick     string
	userhost string // ident@host; a host never has an @ (sanitizeUser)
	account  string
	realname string
	online   bool
	bot      bool
	ghost    bool // a channel member who is not a user of the world
	// ext is what few users have, an away message and metadata; nil when
	// the user has neither, so that the record takes 80 bytes.
	ext *userExt
}

// userExt is the part of a user record that few users have. A user's ext
// is replaced when its away message changes, never changed in place, so
// that a copy of the record keeps the away message it had; the metadata
// map is shared.
type userExt struct {
	away string
	// meta is the user's metadata (SetUserMetadata), key to value; nil
	// when none.
	meta map[string]string
}

// away is the user's away message, "" when not away.
func (u *user) away() string {
	if u.ext == nil {
		return ""
	}
	return u.ext.away
}

// meta is the user's metadata, nil when none.
func (u *user) meta() map[string]string {
	if u.ext == nil {
		return nil
	}
	return u.ext.meta
}

// setAway sets the user's away message, "" for none.
func (u *user) setAway(text string) {
	if text == u.away() {
		return
	}
	var meta map[string]string
	if u.ext != nil {
		meta = u.ext.meta
	}
	if text == "" && meta == nil {
		u.ext = nil
		return
	}
	u.ext = &userExt{away: text, meta: meta}
}

// metaRef returns the user's metadata map for changing, making room for
// it first.
func (u *user) metaRef() *map[string]string {
	if u.ext == nil {
		u.ext = &userExt{}
	}
	return &u.ext.meta
}

// set copies a sanitized User into u, keeping u's identity.
func (u *user) set(v *User) {
	u.nick, u.account = v.Nick, v.Account
	u.setUserhost(v.Ident, v.Host)
	u.realname, u.online, u.bot = v.Realname, v.Online, v.Bot
	u.setAway(v.Away)
}

// setUserhost keeps ident and host as ident@host, sharing the account's
// string when it reads the same.
func (u *user) setUserhost(ident, host string) {
	a := u.account
	if len(a) == len(ident)+1+len(host) && strings.HasPrefix(a, ident) && a[len(ident)] == '@' && strings.HasSuffix(a, host) {
		u.userhost = a
		return
	}
	if u.ident() == ident && u.host() == host {
		return
	}
	u.userhost = ident + "@" + host
}

// ident is the user's ident: userhost before its last @.
func (u *user) ident() string {
	i := strings.LastIndexByte(u.userhost, '@')
	if i < 0 {
		return ""
	}
	return u.userhost[:i]
}

// host is the user's host: userhost after its last @.
func (u *user) host() string {
	return u.userhost[strings.LastIndexByte(u.userhost, '@')+1:]
}

// export returns u as a User.
func (u *user) export() User {
	return User{Nick: u.nick, Ident: u.ident(), Host: u.host(), Realname: u.realname, Account: u.account,
		Away: u.away(), Online: u.online, Bot: u.bot}
}

// prefix is nick!ident@host of the user.
func (u *user) prefix() *irc.Prefix {
	return &irc.Prefix{Name: u.nick, User: u.ident(), Host: u.host()}
}

// tags is senderTags of the user.
func (u *user) tags() irc.Tags { return senderTags(u.account, u.bot) }

func sanitizeUser(u *User, serverName string) {
	u.Ident = truncate(cleanWordFast(firstNonEmpty(u.Ident, u.Nick)), userLen)
	if h := firstNonEmpty(u.Host, serverName); plainWord(h, true) {
		u.Host = h
	} else {
		u.Host = cleanPrefixPart(cleanWord(h))
	}
	u.Realname = truncate(cleanNameFast(u.Realname), realnameLen)
	u.Away = truncate(cleanNameFast(u.Away), awayLen)
	if u.Account != "" {
		u.Account = cleanWordFast(u.Account)
	}
}

// SetUser adds a user or updates one with the same nick. Changes are announced:
// away (away-notify), realname (SETNAME), online (MONITOR 730/731).
func (w *World) SetUser(u User) {
	if !validNick(u.Nick) {
		w.srv.log.Warn("ignoring user with invalid nick", slog.String("nick", u.Nick))
		return
	}
	sanitizeUser(&u, w.srv.cfg.ServerName)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.setUserLocked(&u)
}

// SetUsers is SetUser of each of users in order, each followed, when In is
// set, by Join of channel as Member{Nick: Nick, Op: Op, Voice: Voice}.
// Nothing else changes the world in between.
func (w *World) SetUsers(channel string, users []ChannelUser) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := w.channels[ircname.Casefold(channel)] // nil when not open: nobody joins
	for i := range users {
		cu := &users[i]
		if !validNick(cu.Nick) {
			w.srv.log.Warn("ignoring user with invalid nick", slog.String("nick", cu.Nick))
			continue
		}
		u := cu.User
		sanitizeUser(&u, w.srv.cfg.ServerName)
		cur, fresh := w.setUserLocked(&u)
		if cur == nil || !cu.In || ch == nil {
			continue
		}
		m := Member{Nick: cu.Nick, Op: cu.Op, Voice: cu.Voice}
		if fresh {
			w.joinLocked(ch, m, cur) // a member of nothing yet
		} else if ch.index(cur) >= 0 {
			w.setMemberLocked(ch, m)
		} else {
			w.joinLocked(ch, m, cur)
		}
	}
}

// setUserLocked is SetUser of u, whose nick is valid and which is
// sanitized. It returns the user of u's nick, nil when that is the user's own, and
// whether that user is new and so a member of no channel.
func (w *World) setUserLocked(u *User) (cur *user, fresh bool) {
	if ircname.Equal(u.Nick, w.nick) {
		w.srv.log.Warn("ignoring user with the user's own nick", slog.String("nick", u.Nick))
		return nil, false
	}
	cur, existed := w.userLocked(u.Nick)
	key := ircname.Casefold(u.Nick)
	var old user
	if existed {
		old = *cur
	} else {
		cur = new(user)
		w.users[key] = cur
		fresh = !w.adoptGhostsLocked(key, cur)
	}
	cur.set(u)
	if len(w.clients) == 0 {
		return cur, fresh // nobody to tell
	}
	oldAway, oldRealname, wasOnline := old.away(), old.realname, old.online
	if existed {
		w.announceUserLocked(cur, old.ident(), old.host(), old.account)
	}
	if existed && (oldAway != u.Away || oldRealname != u.Realname) {
		shared := w.sharesChannelLocked(cur)
		prefix := cur.prefix()
		if oldAway != u.Away {
			params := []string{}
			if u.Away != "" {
				params = []string{u.Away}
			}
			w.broadcastIf(&irc.Message{Prefix: prefix, Command: "AWAY", Params: params, Tags: cur.tags()}, func(c *Client) bool {
				return c.hasCap(capAwayNotify) && (shared || c.hasCap(capExtendedMonitor) && c.monitors(key))
			})
		}
		if oldRealname != u.Realname {
			w.broadcastIf(&irc.Message{Prefix: prefix, Command: "SETNAME", Params: []string{u.Realname}, Tags: cur.tags()}, func(c *Client) bool {
				return c.hasCap(capSetname) && (shared || c.hasCap(capExtendedMonitor) && c.monitors(key))
			})
		}
	}
	if wasOnline != u.Online {
		w.monitorNotifyLocked(key, u.Online)
	}
	return cur, fresh
}

// adoptGhostsLocked makes u, a new user, the member that ghosts of its
// nick (key) were in channels, and reports whether there were any.
func (w *World) adoptGhostsLocked(key string, u *user) (adopted bool) {
	if !w.ghosts {
		return false
	}
	left := false
	for _, ch := range w.channels {
		if g, ok := ch.ghosts[key]; ok {
			adopted = true
			delete(ch.ghosts, key)
			if i := ch.index(g); i >= 0 {
				ch.members[i].u = u
			}
		}
		left = left || len(ch.ghosts) > 0
	}
	w.ghosts = left
	return adopted
}

func (c *Client) monitors(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.monitor[key]
	return ok
}

// monitorNotifyLocked sends 730 or 731 about key to the clients monitoring it.
func (w *World) monitorNotifyLocked(key string, online bool) {
	for _, c := range w.clients {
		c.mu.Lock()
		given, ok := c.monitor[key]
		c.mu.Unlock()
		if !ok {
			continue
		}
		if online {
			c.reply(irc.RPL_MONONLINE, w.nick, w.userPrefixLocked(given).String())
		} else {
			c.reply(irc.RPL_MONOFFLINE, w.nick, given)
		}
	}
}

// RenameUser changes a user's nick (NICK). It fails when newNick is taken.
func (w *World) RenameUser(oldNick, newNick string) error {
	if !validNick(newNick) {
		return fmt.Errorf("ircd: rename %q: invalid nick %q", oldNick, newNick)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	oldKey, newKey := ircname.Casefold(oldNick), ircname.Casefold(newNick)
	u, ok := w.users[oldKey]
	if !ok {
		return fmt.Errorf("ircd: rename %q: no such user", oldNick)
	}
	if oldKey != newKey {
		if _, taken := w.users[newKey]; taken || ircname.Equal(newKey, w.nick) {
			return fmt.Errorf("ircd: rename %q: nick %q in use", oldNick, newNick)
		}
	}
	if u.nick == newNick {
		return nil
	}
	prefix := u.prefix()
	if u.online {
		w.monitorNotifyLocked(oldKey, false)
	}
	delete(w.users, oldKey)
	u.nick = newNick
	w.users[newKey] = u
	for _, ch := range w.channels {
		if g, ok := ch.ghosts[newKey]; ok && oldKey != newKey {
			ch.remove(g) // the member is u from now on
		}
	}
	w.broadcastLocked(&irc.Message{Prefix: prefix, Command: "NICK", Params: []string{newNick}, Tags: u.tags()})
	if u.online {
		w.monitorNotifyLocked(newKey, true)
	}
	return nil
}

// RemoveUser removes a user (QUIT to clients sharing a channel with them).
func (w *World) RemoveUser(nick, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := ircname.Casefold(nick)
	u, ok := w.users[key]
	if !ok {
		return
	}
	if w.sharesChannelLocked(u) {
		w.broadcastLocked(&irc.Message{Prefix: u.prefix(), Command: "QUIT", Params: []string{cleanText(reason)}, Tags: u.tags()})
	}
	for _, ch := range w.channels {
		ch.remove(u)
	}
	delete(w.users, key)
	if u.online {
		w.monitorNotifyLocked(key, false)
	}
	w.whowas = append(w.whowas, u.export())
	if len(w.whowas) > whowasLen {
		w.whowas = w.whowas[len(w.whowas)-whowasLen:]
	}
}

// LookupUser returns a user by nick (ascii casemapping).
func (w *World) LookupUser(nick string) (User, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	u, ok := w.userLocked(nick)
	if !ok {
		return User{}, false
	}
	return u.export(), true
}

// Users returns every user of the world, sorted by nick.
func (w *World) Users() []User {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]User, 0, len(w.users))
	for _, u := range w.users {
		out = append(out, u.export())
	}
	sort.Slice(out, func(i, j int) bool { return ircname.Casefold(out[i].Nick) < ircname.Casefold(out[j].Nick) })
	return out
}

// Reserve makes room for n users in all, every one a member of channel
// (when it is open), so that drawing a list of n users grows neither the
// world's map nor the channel's members step by step: an idle world
// keeps what it holds, not the leftover room of the last doubling.
func (w *World) Reserve(channel string, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n > len(w.users) {
		users := make(map[string]*user, n)
		maps.Copy(users, w.users)
		w.users = users
	}
	if ch := w.channels[ircname.Casefold(channel)]; ch != nil && n > len(ch.members) {
		members := make([]member, len(ch.members), n)
		copy(members, ch.members)
		ch.members = members
	}
}
