package ircd

import (
	"log/slog"
	"maps"
	"slices"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

type channel struct {
	name      string
	topic     string
	topicBy   string
	topicAt   time.Time
	created   time.Time
	selfOp    bool
	selfVoice bool
	members   []member         // without the user, in join order
	ghosts    map[string]*user // members who are not users of the world, by casefolded nick
}

// member is a user in a channel with its modes there. A channel keeps its
// members in this one slice, in join order, and finds one by a scan.
type member struct {
	u *user
	f memberFlags
}

// index returns where u is in ch.members, -1 when u is not a member.
func (ch *channel) index(u *user) int {
	for i := range ch.members {
		if ch.members[i].u == u {
			return i
		}
	}
	return -1
}

// flags returns u's modes in ch and whether u is a member.
func (ch *channel) flags(u *user) (memberFlags, bool) {
	if i := ch.index(u); i >= 0 {
		return ch.members[i].f, true
	}
	return 0, false
}

// sharedUsersLocked returns the users in a channel with the user other
// than ch.
func (w *World) sharedUsersLocked(ch *channel) map[*user]bool {
	shared := map[*user]bool{}
	for _, other := range w.channels {
		if other == ch {
			continue
		}
		for _, m := range other.members {
			shared[m.u] = true
		}
	}
	return shared
}

// sharesChannelLocked reports whether the user and u are in a channel together.
func (w *World) sharesChannelLocked(u *user) bool {
	for _, ch := range w.channels {
		if ch.index(u) >= 0 {
			return true
		}
	}
	return false
}

// memberLocked returns the member of ch whose nick is nick; when there
// is none, u is the user of that nick, if any.
func (w *World) memberLocked(ch *channel, nick string) (u *user, f memberFlags, in bool) {
	k := ircname.Casefold(nick)
	u, ok := w.users[k]
	if !ok {
		if u, ok = ch.ghosts[k]; !ok {
			return nil, 0, false
		}
	}
	f, in = ch.flags(u)
	return u, f, in
}

// addMemberLocked adds u, the user of nick (looked up when nil), to ch's
// members, as a ghost when nick is not a user of the world.
func (w *World) addMemberLocked(ch *channel, nick string, u *user, f memberFlags) *user {
	if u == nil {
		var ok bool
		if u, ok = w.userLocked(nick); !ok {
			u = &user{nick: nick, userhost: nick + "@" + w.srv.cfg.ServerName, ghost: true}
			if ch.ghosts == nil {
				ch.ghosts = make(map[string]*user)
			}
			ch.ghosts[ircname.Casefold(nick)] = u
			w.ghosts = true
		}
	}
	ch.members = append(ch.members, member{u: u, f: f})
	return u
}

// Members returns the members of a channel in the order they joined, the
// user not included; nil when the channel is not open.
func (w *World) Members(channel string) []Member {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.channels[ircname.Casefold(channel)]
	if !ok {
		return nil
	}
	out := make([]Member, 0, len(ch.members))
	for _, m := range ch.members {
		out = append(out, Member{Nick: m.u.nick, Op: m.f.op(), Voice: m.f.voice()})
	}
	return out
}

// remove takes u out of ch's members.
func (ch *channel) remove(u *user) bool {
	i := ch.index(u)
	if i < 0 {
		return false
	}
	ch.members = slices.Delete(ch.members, i, i+1)
	if u.ghost {
		delete(ch.ghosts, ircname.Casefold(u.nick))
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
	key := ircname.Casefold(name)
	ch, open := w.channels[key]
	if !open {
		now := time.Now()
		ch = &channel{name: name, topic: topic, topicBy: w.topicSetterLocked(""), topicAt: now, created: now,
			selfOp: selfOp, members: make([]member, 0, len(members))}
		for _, m := range members {
			mk := ircname.Casefold(m.Nick)
			if !validNick(m.Nick) || ircname.Equal(mk, w.nick) {
				if ircname.Equal(mk, w.nick) {
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
			w.sendChannelLocked(c, ch, maps.Clone(known), true)
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
		mk := ircname.Casefold(m.Nick)
		if !validNick(m.Nick) || ircname.Equal(mk, w.nick) {
			continue
		}
		if _, dup := want[mk]; !dup {
			order = append(order, mk)
		}
		want[mk] = m
	}
	for _, m := range slices.Clone(ch.members) {
		if _, keep := want[ircname.Casefold(m.u.nick)]; !keep {
			w.partLocked(ch, m.u.nick, "")
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
	key := ircname.Casefold(name)
	ch, ok := w.channels[key]
	if !ok {
		return
	}
	delete(w.channels, key)
	params := []string{ch.name}
	if reason != "" {
		params = append(params, cleanText(reason))
	}
	w.broadcastLocked(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "PART", Params: params, Tags: w.selfTagsLocked()})
}

// Join adds a member to an open channel (JOIN, then MODE for op/voice).
func (w *World) Join(channel string, m Member) {
	if !validNick(m.Nick) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.channels[ircname.Casefold(channel)]
	if !ok || ircname.Equal(m.Nick, w.nick) {
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
	if u.away() != "" {
		awayMsg = &irc.Message{Prefix: u.prefix(), Command: "AWAY", Params: []string{u.away()}, Tags: u.tags()}
	}
	for _, c := range w.clients {
		if c.hasCap(capExtendedJoin) {
			c.sendRecipient(ext)
		} else {
			c.sendRecipient(plain)
		}
		if modeMsg != nil {
			c.sendRecipient(modeMsg)
		}
		if awayMsg != nil && c.hasCap(capAwayNotify) {
			c.sendRecipient(awayMsg)
		}
	}
}

// Part removes a member from a channel (PART).
func (w *World) Part(channel, nick, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.channels[ircname.Casefold(channel)]
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
	w.broadcastLocked(&irc.Message{Prefix: prefix, Command: "PART", Params: params, Tags: u.tags()})
}

// SetMember changes a member's op and voice (MODE from the server).
func (w *World) SetMember(channel string, m Member) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.channels[ircname.Casefold(channel)]
	if !ok {
		return
	}
	w.setMemberLocked(ch, m)
}

func (w *World) setMemberLocked(ch *channel, m Member) {
	var op, voice bool
	var nick string
	var cur *user
	if ircname.Equal(m.Nick, w.nick) {
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
		ch.members[ch.index(cur)].f = flagsOf(m)
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
	ch, ok := w.channels[ircname.Casefold(channel)]
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
	w.broadcastLocked(&irc.Message{Prefix: prefix, Command: "TOPIC", Params: []string{ch.name, topic}, Tags: w.userTagsLocked(setter)})
}

// memberFlags are a member's modes in a channel.
type memberFlags uint8

const (
	memberOp memberFlags = 1 << iota
	memberVoice
)

func flagsOf(m Member) memberFlags {
	var f memberFlags
	if m.Op {
		f |= memberOp
	}
	if m.Voice {
		f |= memberVoice
	}
	return f
}

func (f memberFlags) op() bool    { return f&memberOp != 0 }
func (f memberFlags) voice() bool { return f&memberVoice != 0 }
