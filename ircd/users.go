package ircd

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"gopkg.in/irc.v4"
)

// user is a User as the world keeps it, kept small because a world holds
// one per contact: the ident and host are read from the account when it
// is ident@host, and what few users have (another ident or host, Info)
// is in more.
type user struct {
	nick     string
	account  string
	realname string
	away     string
	more     *userMore
	online   bool
	bot      bool
	ghost    bool // a channel member who is not a user of the world
}

// userMore is the part of a user that most users do without.
type userMore struct {
	ident, host string
	info        []string
}

// set copies a sanitized User into u, keeping u's identity.
func (u *user) set(v *User) {
	u.nick, u.account, u.realname, u.away = v.Nick, v.Account, v.Realname, v.Away
	u.online, u.bot = v.Online, v.Bot
	if accountIs(v.Account, v.Ident, v.Host) && len(v.Info) == 0 {
		u.more = nil
		return
	}
	u.more = &userMore{ident: v.Ident, host: v.Host, info: v.Info}
}

// accountIs reports whether account is ident@host, with no '@' in ident.
func accountIs(account, ident, host string) bool {
	return len(account) == len(ident)+1+len(host) && account[len(ident)] == '@' &&
		strings.HasPrefix(account, ident) && strings.HasSuffix(account, host) &&
		strings.IndexByte(ident, '@') < 0
}

func (u *user) ident() string {
	if u.more != nil {
		return u.more.ident
	}
	return u.account[:strings.IndexByte(u.account, '@')]
}

func (u *user) host() string {
	if u.more != nil {
		return u.more.host
	}
	return u.account[strings.IndexByte(u.account, '@')+1:]
}

// infoLines returns the user's extra WHOIS lines.
func (u *user) infoLines() []string {
	if u.more == nil {
		return nil
	}
	return u.more.info
}

// hasInfo reports whether the user has Info.
func (u *user) hasInfo() bool {
	return u.more != nil && len(u.more.info) > 0
}

// export returns u as a User.
func (u *user) export() User {
	v := User{Nick: u.nick, Ident: u.ident(), Host: u.host(), Realname: u.realname, Account: u.account,
		Away: u.away, Online: u.online, Bot: u.bot}
	if u.more != nil {
		v.Info = u.more.info
	}
	return v
}

// prefix is nick!ident@host of the user.
func (u *user) prefix() *irc.Prefix {
	return &irc.Prefix{Name: u.nick, User: u.ident(), Host: u.host()}
}

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
	u.Info = cleanLines(u.Info)
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
	w.setUserLocked(&u, nil)
}

// userChunk is how many user records SetUsers allocates at once while
// that many users are still to come (128 records of 80 bytes fill a size
// class of Go's allocator exactly), and how many casefolded nicks it makes
// room for.
const userChunk = 128

// userAlloc hands out the records and casefolded nicks of the new users
// of a SetUsers batch a chunk at a time rather than one by one.
type userAlloc struct {
	left  int // users of the batch still to come, this one included
	users []user
	keys  strings.Builder
}

// user returns a new user record (new(user) when a is nil).
func (a *userAlloc) user() *user {
	if a == nil {
		return new(user)
	}
	if len(a.users) == 0 {
		if a.left < userChunk {
			// A short batch (the contact list arrives in batches of 32)
			// takes records one by one: a chunk of another size would
			// not fill its allocation exactly, and the waste would stay
			// with the session.
			return new(user)
		}
		a.users = make([]user, userChunk)
	}
	u := &a.users[0]
	a.users = a.users[1:]
	return u
}

// key returns casefold(nick) (casefold itself when a is nil).
func (a *userAlloc) key(nick string) string {
	if a == nil || !hasUpper(nick) {
		return casefold(nick) // nick itself when it has no capitals
	}
	if a.keys.Cap()-a.keys.Len() < len(nick) {
		a.keys.Reset()
		a.keys.Grow(max(len(nick), userChunk*16))
	}
	start := a.keys.Len()
	for i := 0; i < len(nick); i++ {
		c := nick[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		a.keys.WriteByte(c)
	}
	// The builder only appends: the bytes of keys made before never change.
	return a.keys.String()[start:]
}

// hasUpper reports whether s has an ASCII capital.
func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// SetUsers is SetUser of each of users in order, each followed, when In is
// set, by Join of channel as Member{Nick: Nick, Op: Op, Voice: Voice}.
// Nothing else changes the world in between.
func (w *World) SetUsers(channel string, users []ChannelUser) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := w.channels[casefold(channel)] // nil when not open: nobody joins
	a := &userAlloc{}
	for i := range users {
		cu := &users[i]
		a.left = len(users) - i
		if !validNick(cu.Nick) {
			w.srv.log.Warn("ignoring user with invalid nick", slog.String("nick", cu.Nick))
			continue
		}
		u := cu.User
		sanitizeUser(&u, w.srv.cfg.ServerName)
		cur, fresh := w.setUserLocked(&u, a)
		if cur == nil || !cu.In || ch == nil {
			continue
		}
		m := Member{Nick: cu.Nick, Op: cu.Op, Voice: cu.Voice}
		if fresh {
			w.joinLocked(ch, m, cur) // a member of nothing yet
		} else if _, in := ch.members[cur]; in {
			w.setMemberLocked(ch, m)
		} else {
			w.joinLocked(ch, m, cur)
		}
	}
}

// setUserLocked is SetUser of u, whose nick is valid and which is
// sanitized; a, when not nil, makes a new user's record and key. It
// returns the user of u's nick, nil when that is the user's own, and
// whether that user is new and so a member of no channel.
func (w *World) setUserLocked(u *User, a *userAlloc) (cur *user, fresh bool) {
	if sameNick(u.Nick, w.nick) {
		w.srv.log.Warn("ignoring user with the user's own nick", slog.String("nick", u.Nick))
		return nil, false
	}
	cur, existed := w.userLocked(u.Nick)
	var oldAway, oldRealname, oldIdent, oldHost, oldAccount, key string
	var wasOnline bool
	if existed {
		oldAway, oldRealname, wasOnline = cur.away, cur.realname, cur.online
		oldIdent, oldHost, oldAccount = cur.ident(), cur.host(), cur.account
	} else {
		cur = a.user()
		key = a.key(u.Nick)
		w.users[key] = cur
		fresh = !w.adoptGhostsLocked(key, cur)
	}
	cur.set(u)
	if len(w.clients) == 0 {
		return cur, fresh // nobody to tell
	}
	if existed {
		key = casefold(u.Nick)
		w.announceUserLocked(cur, oldIdent, oldHost, oldAccount)
	}
	if existed && (oldAway != u.Away || oldRealname != u.Realname) {
		shared := w.sharesChannelLocked(cur)
		prefix := cur.prefix()
		if oldAway != u.Away {
			params := []string{}
			if u.Away != "" {
				params = []string{u.Away}
			}
			w.broadcastIf(&irc.Message{Prefix: prefix, Command: "AWAY", Params: params, Tags: withTime(time.Time{})}, func(c *Client) bool {
				return c.hasCap(capAwayNotify) && (shared || c.hasCap(capExtendedMonitor) && c.monitors(key))
			})
		}
		if oldRealname != u.Realname {
			w.broadcastIf(&irc.Message{Prefix: prefix, Command: "SETNAME", Params: []string{u.Realname}, Tags: withTime(time.Time{})}, func(c *Client) bool {
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
			ch.members[u] = ch.members[g]
			delete(ch.members, g)
			for i, m := range ch.order {
				if m == g {
					ch.order[i] = u
				}
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
	oldKey, newKey := casefold(oldNick), casefold(newNick)
	u, ok := w.users[oldKey]
	if !ok {
		return fmt.Errorf("ircd: rename %q: no such user", oldNick)
	}
	if oldKey != newKey {
		if _, taken := w.users[newKey]; taken || sameNick(newKey, w.nick) {
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
	w.broadcastLocked(&irc.Message{Prefix: prefix, Command: "NICK", Params: []string{newNick}, Tags: withTime(time.Time{})})
	if u.online {
		w.monitorNotifyLocked(newKey, true)
	}
	return nil
}

// RemoveUser removes a user (QUIT to clients sharing a channel with them).
func (w *World) RemoveUser(nick, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := casefold(nick)
	u, ok := w.users[key]
	if !ok {
		return
	}
	if w.sharesChannelLocked(u) {
		w.broadcastLocked(&irc.Message{Prefix: u.prefix(), Command: "QUIT", Params: []string{cleanText(reason)}, Tags: withTime(time.Time{})})
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
	cp := u.export()
	cp.Info = append([]string(nil), u.infoLines()...)
	return cp, true
}

// Users returns every user of the world, sorted by nick.
func (w *World) Users() []User {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]User, 0, len(w.users))
	for _, u := range w.users {
		out = append(out, u.export())
	}
	sort.Slice(out, func(i, j int) bool { return casefold(out[i].Nick) < casefold(out[j].Nick) })
	return out
}
