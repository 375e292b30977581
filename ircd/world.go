package ircd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/irc.v4"
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
	room     int                 // users the users map was made for by Reserve
	channels map[string]*channel // casefolded name
	clients  []*Client
	whowas   []User
	closed   bool
	ghosts   bool // a channel may have ghosts: set when one is made, cleared when none is left

	// The user's modes: +i unless visible is set (read by LUSERS of any
	// client, without the world locked), +B when bot.
	visible atomic.Bool
	bot     bool
}

type channel struct {
	name      string
	topic     string
	topicBy   string
	topicAt   time.Time
	created   time.Time
	selfOp    bool
	selfVoice bool
	members   map[*user]memberFlags // without the user
	order     []*user               // members in join order
	ghosts    map[string]*user      // members who are not users of the world, by casefolded nick
	room      int                   // members the members map was made for by Reserve
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

// Reserve makes room for users users in the world and members members in
// the open channel named channel (none when ""), so that adding that many
// one by one does not grow the world's tables step by step. Room made
// before is not made again.
func (w *World) Reserve(users int, channel string, members int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if users > max(len(w.users), w.room) {
		w.room = users
		m := make(map[string]*user, users)
		for k, v := range w.users {
			m[k] = v
		}
		w.users = m
	}
	ch, ok := w.channels[casefold(channel)]
	if ok && members > max(len(ch.members), ch.room) {
		ch.room = members
		m := make(map[*user]memberFlags, members)
		for k, v := range ch.members {
			m[k] = v
		}
		ch.members = m
		ch.order = slices.Grow(ch.order, members-len(ch.order))
	}
}

// userLocked returns the user whose nick is nick (ascii casemapping).
func (w *World) userLocked(nick string) (*user, bool) {
	var buf foldedBuf
	u, ok := w.users[string(fold(&buf, nick))]
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
	if sameNick(nick, w.nick) {
		return w.selfPrefixLocked()
	}
	if u, ok := w.userLocked(nick); ok {
		return u.prefix()
	}
	return &irc.Prefix{Name: nick, User: nick, Host: w.srv.cfg.ServerName}
}

func (w *World) broadcastLocked(m *irc.Message) {
	for _, c := range w.clients {
		c.send(m)
	}
}

func (w *World) broadcastIf(m *irc.Message, pred func(c *Client) bool) {
	for _, c := range w.clients {
		if pred(c) {
			c.send(m)
		}
	}
}

func withTime(t time.Time) irc.Tags {
	if t.IsZero() {
		t = time.Now()
	}
	return irc.Tags{"time": t.UTC().Format("2006-01-02T15:04:05.000Z")}
}

// freeNickLocked returns nick, or nick with '_' appended until no world user has it.
func (w *World) freeNickLocked(nick string) string {
	for {
		if _, taken := w.userLocked(nick); !taken {
			return nick
		}
		if len(nick) >= nickLen {
			nick = nick[:nickLen-1]
		}
		nick += "_"
	}
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
		w.sendChannelLocked(c, ch, told)
	}
}

func (w *World) sortedChannelsLocked() []*channel {
	chans := make([]*channel, 0, len(w.channels))
	for _, ch := range w.channels {
		chans = append(chans, ch)
	}
	sort.Slice(chans, func(i, j int) bool { return casefold(chans[i].name) < casefold(chans[j].name) })
	return chans
}

// joinMessage is JOIN of nick in ch, in the extended-join form when ext.
func (w *World) joinMessageLocked(ch *channel, nick string, ext bool) *irc.Message {
	params := []string{ch.name}
	if ext {
		account, realname := "*", ""
		if sameNick(nick, w.nick) {
			realname = w.realname
			if w.account != "" {
				account = w.account
			}
		} else if u, ok := w.userLocked(nick); ok {
			realname = u.realname
			if u.account != "" {
				account = u.account
			}
		}
		params = append(params, cleanWord(account), realname)
	}
	return &irc.Message{Prefix: w.userPrefixLocked(nick), Command: "JOIN", Params: params, Tags: withTime(time.Time{})}
}

// sendChannelLocked sends c the JOIN of the user, the topic and NAMES,
// and (away-notify) an AWAY line of each away member that told does not
// hold: told holds the users whose away state c knows, and gets the ones
// sent.
func (w *World) sendChannelLocked(c *Client, ch *channel, told map[*user]bool) {
	c.send(w.joinMessageLocked(ch, w.nick, c.hasCap(capExtendedJoin)))
	if ch.topic != "" {
		c.reply(irc.RPL_TOPIC, w.nick, ch.name, ch.topic)
		c.reply(rplTopicWhoTime, w.nick, ch.name, ch.topicBy, strconv.FormatInt(ch.topicAt.Unix(), 10))
	}
	w.sendNamesLocked(c, ch)
	if c.hasCap(capAwayNotify) {
		n := 0
		for _, u := range ch.order {
			if u.away != "" && !told[u] {
				n++
			}
		}
		// The lines of a big channel are made in three allocations, not 3n.
		msgs, prefixes, params := make([]irc.Message, n), make([]irc.Prefix, n), make([]string, n)
		i := 0
		for _, u := range ch.order {
			if u.away != "" && !told[u] {
				told[u] = true
				prefixes[i] = irc.Prefix{Name: u.nick, User: u.ident(), Host: u.host()}
				params[i] = u.away
				msgs[i] = irc.Message{Prefix: &prefixes[i], Command: "AWAY", Params: params[i : i+1 : i+1]}
				c.send(&msgs[i])
				i++
			}
		}
	}
}

// sendNamesLocked sends 353 lines and 366 for ch.
func (w *World) sendNamesLocked(c *Client, ch *channel) {
	multi, uhnames := c.hasCap(capMultiPrefix), c.hasCap(capUserhostInNames)
	budget := maxBodyLen - 2 - len(w.srv.cfg.ServerName) - len(w.nick) - len(ch.name) - 20
	var b strings.Builder
	b.Grow(budget)
	// add appends a member's entry, as packTokens would pack it.
	add := func(u *user, op, voice bool) {
		p := ""
		switch {
		case op && voice && multi:
			p = "@+"
		case op:
			p = "@"
		case voice:
			p = "+"
		}
		name := u.nick
		if uhnames {
			name = u.prefix().String()
		}
		if b.Len() > 0 && b.Len()+1+len(p)+len(name) > budget {
			c.reply(irc.RPL_NAMREPLY, w.nick, "=", ch.name, b.String())
			b.Reset()
			b.Grow(budget)
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
		b.WriteString(name)
	}
	self := &user{nick: w.nick, more: &userMore{ident: w.ident, host: w.host}}
	add(self, ch.selfOp, ch.selfVoice)
	for _, u := range ch.order {
		f := ch.members[u]
		add(u, f.op(), f.voice())
	}
	if b.Len() > 0 {
		c.reply(irc.RPL_NAMREPLY, w.nick, "=", ch.name, b.String())
	}
	c.reply(irc.RPL_ENDOFNAMES, w.nick, ch.name, "End of /NAMES list")
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
	if _, taken := w.userLocked(nick); taken {
		return fmt.Errorf("ircd: set nick %q: nick in use", nick)
	}
	if nick == w.nick {
		return nil
	}
	if w.nick != "" {
		w.broadcastLocked(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "NICK", Params: []string{nick}, Tags: withTime(time.Time{})})
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
		w.broadcastIf(&irc.Message{Prefix: &irc.Prefix{Name: w.nick, User: oldIdent, Host: oldHost}, Command: "CHGHOST", Params: []string{w.ident, w.host}, Tags: withTime(time.Time{})},
			func(c *Client) bool { return c.hasCap(capChghost) })
	}
	realname = truncate(cleanName(realname), realnameLen)
	if realname != "" && realname != w.realname {
		w.realname = realname
		if w.nick != "" {
			w.broadcastIf(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "SETNAME", Params: []string{realname}},
				func(c *Client) bool { return c.hasCap(capSetname) })
		}
	}
}

// setRealname is SETNAME from one of the user's clients.
func (w *World) setRealname(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.realname = name
	w.broadcastIf(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "SETNAME", Params: []string{name}},
		func(c *Client) bool { return c.hasCap(capSetname) })
}

// sharedUsersLocked returns the users in a channel with the user other
// than ch.
func (w *World) sharedUsersLocked(ch *channel) map[*user]bool {
	shared := map[*user]bool{}
	for _, other := range w.channels {
		if other == ch {
			continue
		}
		for u := range other.members {
			shared[u] = true
		}
	}
	return shared
}

// sharesChannelLocked reports whether the user and u are in a channel together.
func (w *World) sharesChannelLocked(u *user) bool {
	for _, ch := range w.channels {
		if _, ok := ch.members[u]; ok {
			return true
		}
	}
	return false
}

// memberLocked returns the member of ch whose nick is nick; when there
// is none, u is the user of that nick, if any.
func (w *World) memberLocked(ch *channel, nick string) (u *user, f memberFlags, in bool) {
	var buf foldedBuf
	k := fold(&buf, nick)
	u, ok := w.users[string(k)]
	if !ok {
		if u, ok = ch.ghosts[string(k)]; !ok {
			return nil, 0, false
		}
	}
	f, in = ch.members[u]
	return u, f, in
}

// addMemberLocked adds u, the user of nick (looked up when nil), to ch's
// members, as a ghost when nick is not a user of the world.
func (w *World) addMemberLocked(ch *channel, nick string, u *user, f memberFlags) *user {
	if u == nil {
		var ok bool
		if u, ok = w.userLocked(nick); !ok {
			u = &user{nick: nick, ghost: true, more: &userMore{ident: nick, host: w.srv.cfg.ServerName}}
			if ch.ghosts == nil {
				ch.ghosts = make(map[string]*user)
			}
			ch.ghosts[casefold(nick)] = u
			w.ghosts = true
		}
	}
	ch.members[u] = f
	ch.order = append(ch.order, u)
	return u
}

func (c *Client) monitors(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.monitor[key]
	return ok
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

// plainWord reports whether s is printable ASCII without spaces, not
// starting with ':' (and, for a prefix part, without '!' and '@'): a word
// cleanWord and cleanPrefixPart leave as it is.
func plainWord(s string, prefixPart bool) bool {
	if s == "" || s[0] == ':' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || prefixPart && (c == '!' || c == '@') {
			return false
		}
	}
	return true
}

// cleanWordFast is cleanWord, without copying a word that needs no change.
func cleanWordFast(s string) string {
	if plainWord(s, false) {
		return s
	}
	return cleanWord(s)
}

// cleanNameFast is cleanName, without copying ASCII text that needs no change.
func cleanNameFast(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return cleanName(s)
		}
	}
	return s
}

// cleanLines returns the lines cleaned for one IRC line each.
func cleanLines(lines []string) []string {
	if len(lines) == 0 {
		return nil
	}
	info := make([]string, 0, len(lines))
	for _, l := range lines {
		info = append(info, cleanText(l))
	}
	return info
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
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

// Members returns the members of a channel in the order they joined, the
// user not included; nil when the channel is not open.
func (w *World) Members(channel string) []Member {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.channels[casefold(channel)]
	if !ok {
		return nil
	}
	out := make([]Member, 0, len(ch.order))
	for _, u := range ch.order {
		f := ch.members[u]
		out = append(out, Member{Nick: u.nick, Op: f.op(), Voice: f.voice()})
	}
	return out
}

// remove takes u out of ch's members.
func (ch *channel) remove(u *user) bool {
	if _, ok := ch.members[u]; !ok {
		return false
	}
	delete(ch.members, u)
	if u.ghost {
		delete(ch.ghosts, casefold(u.nick))
	}
	if i := slices.Index(ch.order, u); i >= 0 {
		ch.order = slices.Delete(ch.order, i, i+1)
	}
	return true
}

// OpenChannel puts the user in a channel with a topic and members (JOIN,
// topic, NAMES to every client). Opening an open channel updates it.
func (w *World) OpenChannel(name, topic string, selfOp bool, members []Member) {
	if !validChannel(name) {
		w.srv.log.Warn("ignoring invalid channel name", slog.String("channel", name))
		return
	}
	topic = truncate(cleanName(topic), topicLen)
	w.mu.Lock()
	defer w.mu.Unlock()
	key := casefold(name)
	ch, open := w.channels[key]
	if !open {
		now := time.Now()
		ch = &channel{name: name, topic: topic, topicBy: w.topicSetterLocked(""), topicAt: now, created: now,
			selfOp: selfOp, members: make(map[*user]memberFlags, len(members))}
		for _, m := range members {
			mk := casefold(m.Nick)
			if !validNick(m.Nick) || sameNick(mk, w.nick) {
				if sameNick(mk, w.nick) {
					ch.selfOp, ch.selfVoice = ch.selfOp || m.Op, m.Voice
				}
				continue
			}
			u, _, dup := w.memberLocked(ch, m.Nick)
			if dup {
				continue
			}
			w.addMemberLocked(ch, m.Nick, u, flagsOf(m))
		}
		// The clients know the away state of the members they see in
		// another channel already.
		known := w.sharedUsersLocked(ch)
		w.channels[key] = ch
		for _, c := range w.clients {
			w.sendChannelLocked(c, ch, maps.Clone(known))
		}
		return
	}
	// Update an open channel: topic, own op, then members.
	if topic != ch.topic {
		w.setTopicLocked(ch, topic, "")
	}
	if selfOp != ch.selfOp {
		w.setMemberLocked(ch, Member{Nick: w.nick, Op: selfOp, Voice: ch.selfVoice})
	}
	want := map[string]Member{}
	var order []string
	for _, m := range members {
		mk := casefold(m.Nick)
		if !validNick(m.Nick) || sameNick(mk, w.nick) {
			continue
		}
		if _, dup := want[mk]; !dup {
			order = append(order, mk)
		}
		want[mk] = m
	}
	for _, u := range append([]*user(nil), ch.order...) {
		if _, keep := want[casefold(u.nick)]; !keep {
			w.partLocked(ch, u.nick, "")
		}
	}
	for _, k := range order {
		m := want[k]
		if u, _, ok := w.memberLocked(ch, k); ok {
			w.setMemberLocked(ch, m)
		} else {
			w.joinLocked(ch, m, u)
		}
	}
}

// CloseChannel takes the user out of a channel (PART with reason).
func (w *World) CloseChannel(name, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := casefold(name)
	ch, ok := w.channels[key]
	if !ok {
		return
	}
	delete(w.channels, key)
	params := []string{ch.name}
	if reason != "" {
		params = append(params, cleanText(reason))
	}
	w.broadcastLocked(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "PART", Params: params, Tags: withTime(time.Time{})})
}

// Join adds a member to an open channel (JOIN, then MODE for op/voice).
func (w *World) Join(channel string, m Member) {
	if !validNick(m.Nick) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.channels[casefold(channel)]
	if !ok || sameNick(m.Nick, w.nick) {
		return
	}
	u, _, in := w.memberLocked(ch, m.Nick)
	if in {
		w.setMemberLocked(ch, m)
		return
	}
	w.joinLocked(ch, m, u)
}

// joinLocked adds m to ch; u is the user of m's nick when known.
func (w *World) joinLocked(ch *channel, m Member, u *user) {
	u = w.addMemberLocked(ch, m.Nick, u, flagsOf(m))
	if len(w.clients) == 0 {
		return // nobody to tell; an attaching client gets the state in its burst
	}
	plain := w.joinMessageLocked(ch, m.Nick, false)
	ext := w.joinMessageLocked(ch, m.Nick, true)
	var modeMsg *irc.Message
	if m.Op || m.Voice {
		modes, args := "+", []string{}
		if m.Op {
			modes += "o"
			args = append(args, m.Nick)
		}
		if m.Voice {
			modes += "v"
			args = append(args, m.Nick)
		}
		modeMsg = &irc.Message{Prefix: w.srv.prefix, Command: "MODE", Params: append([]string{ch.name, modes}, args...), Tags: withTime(time.Time{})}
	}
	var awayMsg *irc.Message
	if u.away != "" {
		awayMsg = &irc.Message{Prefix: u.prefix(), Command: "AWAY", Params: []string{u.away}}
	}
	for _, c := range w.clients {
		if c.hasCap(capExtendedJoin) {
			c.send(ext)
		} else {
			c.send(plain)
		}
		if modeMsg != nil {
			c.send(modeMsg)
		}
		if awayMsg != nil && c.hasCap(capAwayNotify) {
			c.send(awayMsg)
		}
	}
}

// Part removes a member from a channel (PART).
func (w *World) Part(channel, nick, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.channels[casefold(channel)]
	if !ok {
		return
	}
	w.partLocked(ch, nick, reason)
}

func (w *World) partLocked(ch *channel, nick, reason string) {
	u, _, ok := w.memberLocked(ch, nick)
	if !ok {
		return
	}
	ch.remove(u)
	if len(w.clients) == 0 {
		return
	}
	prefix := u.prefix()
	params := []string{ch.name}
	if reason != "" {
		params = append(params, cleanText(reason))
	}
	w.broadcastLocked(&irc.Message{Prefix: prefix, Command: "PART", Params: params, Tags: withTime(time.Time{})})
}

// SetMember changes a member's op and voice (MODE from the server).
func (w *World) SetMember(channel string, m Member) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.channels[casefold(channel)]
	if !ok {
		return
	}
	w.setMemberLocked(ch, m)
}

func (w *World) setMemberLocked(ch *channel, m Member) {
	var op, voice bool
	var nick string
	var cur *user
	if sameNick(m.Nick, w.nick) {
		op, voice, nick = ch.selfOp, ch.selfVoice, w.nick
	} else {
		u, f, ok := w.memberLocked(ch, m.Nick)
		if !ok {
			return
		}
		cur, op, voice, nick = u, f.op(), f.voice(), u.nick
	}
	var plus, minus string
	var plusArgs, minusArgs []string
	if m.Op != op {
		if m.Op {
			plus += "o"
			plusArgs = append(plusArgs, nick)
		} else {
			minus += "o"
			minusArgs = append(minusArgs, nick)
		}
	}
	if m.Voice != voice {
		if m.Voice {
			plus += "v"
			plusArgs = append(plusArgs, nick)
		} else {
			minus += "v"
			minusArgs = append(minusArgs, nick)
		}
	}
	if cur == nil {
		ch.selfOp, ch.selfVoice = m.Op, m.Voice
	} else {
		ch.members[cur] = flagsOf(m)
	}
	if plus == "" && minus == "" || len(w.clients) == 0 {
		return
	}
	modes := ""
	if plus != "" {
		modes += "+" + plus
	}
	if minus != "" {
		modes += "-" + minus
	}
	params := append([]string{ch.name, modes}, append(plusArgs, minusArgs...)...)
	w.broadcastLocked(&irc.Message{Prefix: w.srv.prefix, Command: "MODE", Params: params, Tags: withTime(time.Time{})})
}

// SetTopic changes a channel's topic (TOPIC from setter, or the server when "").
func (w *World) SetTopic(channel, topic, setter string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.channels[casefold(channel)]
	if !ok {
		return
	}
	w.setTopicLocked(ch, truncate(cleanName(topic), topicLen), setter)
}

// topicSetterLocked is who 333 says set a topic: nick!ident@host of the
// setter, and name!name@name for the server (setter ""), so that clients
// which show the setter's user@host (irssi) have one to show.
func (w *World) topicSetterLocked(setter string) string {
	p := w.userPrefixLocked(setter)
	if p.User == "" || p.Host == "" {
		p = &irc.Prefix{Name: p.Name, User: p.Name, Host: w.srv.cfg.ServerName}
	}
	return p.String()
}

func (w *World) setTopicLocked(ch *channel, topic, setter string) {
	ch.topic = topic
	ch.topicAt = time.Now()
	prefix := w.userPrefixLocked(setter)
	ch.topicBy = w.topicSetterLocked(setter)
	w.broadcastLocked(&irc.Message{Prefix: prefix, Command: "TOPIC", Params: []string{ch.name, topic}, Tags: withTime(time.Time{})})
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
	if target == "" {
		return 0
	}
	if isChannel(target) {
		ch, ok := w.channels[casefold(target)]
		if !ok {
			w.srv.log.Warn("message to a channel that is not open", slog.String("channel", target))
			return 0
		}
		target = ch.name
	}
	tags := withTime(m.Time)
	for k, v := range m.Tags {
		if strings.HasPrefix(k, "+") && validTagKey(k) && validTagValue(v) {
			tags[k] = v
		}
	}
	if m.From != "" {
		if u, ok := w.userLocked(m.From); ok {
			if u.account != "" {
				tags["account"] = u.account
			}
			if u.bot {
				tags["bot"] = ""
			}
		}
	}
	prefix := w.userPrefixLocked(m.From)
	var msgs []*irc.Message
	if cmd == "TAGMSG" {
		msgs = append(msgs, &irc.Message{Prefix: prefix, Command: cmd, Params: []string{cleanWord(target)}, Tags: tags})
	} else {
		// Keep each line within 512 bytes: ":prefix CMD target :text\r\n".
		budget := maxBodyLen - len(":"+prefix.String()+" "+cmd+" "+target+" :\r\n")
		for _, part := range splitText(cleanText(m.Text), budget) {
			msgs = append(msgs, &irc.Message{Prefix: prefix, Command: cmd, Params: []string{cleanWord(target), part}, Tags: tags})
		}
	}
	n := 0
	for _, c := range w.clients {
		if only != nil && c != only || cmd == "TAGMSG" && !c.hasCap(capMessageTags) || c.closed() {
			continue
		}
		for _, msg := range msgs {
			c.send(msg)
		}
		n++
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
func (w *World) Fail(from, command, code, description string, context ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.clients {
		w.failLocked(c, from, command, code, description, context...)
	}
}

// Note tells every client something about a command that did not fail
// (a message queued for later, say): a NOTE standard reply to clients that
// negotiated the standard-replies capability, otherwise a NOTICE from
// `from` (a nick, or the server when "") with the description.
func (w *World) Note(from, command, code, description string, context ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.clients {
		w.standardReplyLocked(c, "NOTE", from, command, code, description, context...)
	}
}

func (w *World) failLocked(c *Client, from, command, code, description string, context ...string) {
	w.standardReplyLocked(c, "FAIL", from, command, code, description, context...)
}

// standardReplyLocked sends c the standard reply kind (FAIL, WARN or NOTE),
// or the NOTICE that stands for it.
func (w *World) standardReplyLocked(c *Client, kind, from, command, code, description string, context ...string) {
	if c.hasCap(capStandardReplies) {
		params := append([]string{cleanWord(command), cleanWord(code)}, context...)
		params = append(params, cleanText(description))
		c.reply(kind, params...)
		return
	}
	prefix := w.userPrefixLocked(from)
	budget := maxBodyLen - len(":"+prefix.String()+" NOTICE "+w.nick+" :\r\n")
	for _, part := range splitText(cleanText(description), budget) {
		c.send(&irc.Message{Prefix: prefix, Command: "NOTICE", Params: []string{w.nick, part}, Tags: withTime(time.Time{})})
	}
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
		c.send(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "PART", Params: []string{ch.name}, Tags: withTime(time.Time{})})
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
