package bridge

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

// maxBufferedEvents bounds the events kept for a switchboard the session
// does not know yet.
const maxBufferedEvents = 256

// conv is one conversation: a query with a contact, or a group chat shown
// as a channel. Its switchboard comes and goes; the conversation stays.
type conv struct {
	s        *session // the session it belongs to; its goroutine runs every method
	channel  string   // "" for a query
	peer     string   // the contact of a query
	sb       *msn.Switchboard
	members  map[string]bool // other participants, by passport
	invites  []string        // passports to call in once the switchboard is open
	calling  map[string]bool // passports called in, until the switchboard answered; nil when none
	queue    []*outgoing     // messages not yet delivered, in order
	strays   bool            // a message in the queue failed before the ones ahead of it were done
	busy     bool            // an opener goroutine is running
	reopened bool            // the switchboard closed while opening, and is being opened again
	snd      *sender         // sends the queue on a switchboard, while pieces are unacknowledged
	detached bool            // an older query superseded by a newer switchboard
	closed   bool            // the user left the channel
	closedBy string          // why it closed, for what was still on its way then
	lastUse  uint64          // convState.uses when last used; the least recently used idle query is closed first
}

// target is where the conversation shows: a channel, or "" (the user's query).
func (cv *conv) target() string { return cv.channel }

// convState indexes the conversations of a session.
type convState struct {
	uses     uint64 // how many times a conversation was used; a clock for lastUse
	bySB     map[*msn.Switchboard]*conv
	queries  map[string]*conv // by passport
	channels map[string]*conv // by casefolded name
	unknown  map[*msn.Switchboard][]msn.Event
	waiting  []*conv // conversations waiting for a switchboard slot
	// accepting holds the inviters of the invitations being answered:
	// switchboards on their way, which count against MaxSwitchboards
	// with bySB, and against their inviter's share.
	accepting []string
	opening   int                // switchboards being opened (open, until opened): they count too
	corked    []*msn.Switchboard // written to in this batch, to flush at its end (loop.go)
}

// switchboards counts the switchboards that count against
// MaxSwitchboards: open ones, and those on their way.
func (cs *convState) switchboards() int {
	return len(cs.bySB) + len(cs.accepting) + cs.opening
}

func (cs *convState) init() {
	cs.bySB = map[*msn.Switchboard]*conv{}
	cs.queries = map[string]*conv{}
	cs.channels = map[string]*conv{}
	cs.unknown = map[*msn.Switchboard][]msn.Event{}
}

// involves reports whether passport takes part in an open group chat.
func (cs *convState) involves(passport string) bool {
	for _, cv := range cs.channels {
		if cv.members[passport] {
			return true
		}
	}
	return false
}

// holds reports whether a conversation holds passport: an open group
// chat, their query, or an older query of theirs that a newer one
// superseded, still open.
func (cs *convState) holds(passport string) bool {
	return cs.queries[passport] != nil || cs.involves(passport) || len(cs.superseded(passport)) > 0
}

// superseded returns the older queries that newer ones superseded and
// that are still open: passport's, or everyone's when passport is "".
func (cs *convState) superseded(passport string) []*conv {
	var out []*conv
	for _, cv := range cs.bySB {
		if cv.detached && (passport == "" || cv.peer == passport) && !slices.Contains(out, cv) {
			out = append(out, cv)
		}
	}
	return out
}

// switchboardsWith counts the switchboards passport takes part in, and
// the ones on their way that it invited the user into.
func (cs *convState) switchboardsWith(passport string) int {
	n := 0
	for _, cv := range cs.bySB {
		if cv.members[passport] {
			n++
		}
	}
	for _, p := range cs.accepting {
		if p == passport {
			n++
		}
	}
	return n
}

// accepted forgets one invitation of passport's being answered.
func (cs *convState) accepted(passport string) {
	if i := slices.Index(cs.accepting, passport); i >= 0 {
		cs.accepting = slices.Delete(cs.accepting, i, i+1)
	}
}

// switchboardsPerContact is how many switchboards one contact may take
// part in: a quarter of MaxSwitchboards (4 of 16), at least one.
func (s *session) switchboardsPerContact() int {
	return max(1, s.b.cfg.MaxSwitchboards/4)
}

// switchboardOf returns the switchboard an event belongs to, if any.
func switchboardOf(ev msn.Event) *msn.Switchboard {
	switch ev := ev.(type) {
	case msn.MessageReceived:
		return ev.Switchboard
	case msn.TypingReceived:
		return ev.Switchboard
	case msn.NudgeReceived:
		return ev.Switchboard
	case msn.UnsupportedContent:
		return ev.Switchboard
	case msn.ParticipantJoined:
		return ev.Switchboard
	case msn.ParticipantLeft:
		return ev.Switchboard
	case msn.SwitchboardClosed:
		return ev.Switchboard
	}
	return nil
}

// holdUnknown keeps events of a switchboard the session has not claimed yet
// (its Accept or OpenSwitchboard has not returned). It reports whether it did.
func (s *session) holdUnknown(ev msn.Event) bool {
	sb := switchboardOf(ev)
	if sb == nil || s.convs.bySB[sb] != nil {
		return false
	}
	if _, closed := ev.(msn.SwitchboardClosed); closed {
		delete(s.convs.unknown, sb)
		return true
	}
	if len(s.convs.unknown[sb]) < maxBufferedEvents {
		s.convs.unknown[sb] = append(s.convs.unknown[sb], ev)
	}
	return true
}

// claim makes sb the switchboard of cv and applies its held events.
func (cv *conv) claim(sb *msn.Switchboard) {
	s := cv.s
	s.convs.bySB[sb] = cv
	cv.sb = sb
	cv.lastUse = s.convs.use()
	held := s.convs.unknown[sb]
	delete(s.convs.unknown, sb)
	for _, ev := range held {
		s.handleEvent(ev)
	}
}

// queryFor returns the query conversation with a contact.
func (s *session) queryFor(passport string) *conv {
	q := s.convs.queries[passport]
	if q == nil {
		q = &conv{s: s, peer: passport, members: map[string]bool{}}
		s.convs.queries[passport] = q
	}
	return q
}

// convForIncoming returns the conversation of a switchboard; a switchboard
// never seen before becomes the query with from.
func (s *session) convForIncoming(sb *msn.Switchboard, from string) *conv {
	if cv := s.convs.bySB[sb]; cv != nil {
		return cv
	}
	return s.adoptSwitchboard(sb, []string{strings.ToLower(from)})
}

// adoptSwitchboard gives an incoming switchboard its conversation: a query
// when there is one other participant, a channel when there are more.
func (s *session) adoptSwitchboard(sb *msn.Switchboard, participants []string) *conv {
	if len(participants) > 1 {
		cv := &conv{s: s, members: map[string]bool{}}
		for _, p := range participants {
			cv.members[p] = true
			s.ensureContact(p, "")
		}
		cv.toChannel("")
		cv.claim(sb)
		return cv
	}
	p := participants[0]
	q := s.convs.queries[p]
	var rest []*outgoing
	if q == nil || q.sb != nil || q.busy || q.snd != nil {
		if q != nil {
			q.detached = true // keeps its switchboard until it closes
			if q.sb == nil && q.snd == nil {
				// Still opening one: nothing went out yet, so its queue
				// goes first on this switchboard, in order with what the
				// user writes next.
				rest, q.queue = q.queue, nil
			}
		}
		q = &conv{s: s, peer: p, members: map[string]bool{}}
		s.convs.queries[p] = q
	}
	q.members = map[string]bool{p: true}
	q.queue = append(rest, q.queue...)
	q.claim(sb)
	if len(rest) > 0 {
		q.pump()
	}
	return q
}

// onJoined records a participant of a switchboard.
func (s *session) onJoined(ev msn.ParticipantJoined) {
	c := s.ensureContact(ev.Passport, ev.FriendlyName)
	if ev.FriendlyName != "" {
		s.setName(c, ev.FriendlyName)
	}
	cv := s.convs.bySB[ev.Switchboard]
	if cv == nil || cv.sb != ev.Switchboard || cv.members[c.passport] {
		return
	}
	cv.members[c.passport] = true
	if cv.channel != "" {
		s.refresh(c)
		s.world.Join(cv.channel, ircd.Member{Nick: c.nick})
		return
	}
	if len(cv.members) >= 2 {
		cv.toChannel(c.nick)
	}
}

// toChannel turns a conversation with several participants into a channel.
func (cv *conv) toChannel(joiner string) {
	s := cv.s
	if cv.channel != "" {
		return
	}
	if cv.peer != "" && s.convs.queries[cv.peer] == cv {
		delete(s.convs.queries, cv.peer)
	}
	// A superseded query becomes a chat of its own: its messages no
	// longer go to the contact's current query.
	cv.detached = false
	s.makeRoomForChannel()
	cv.channel = s.newChannelName()
	s.convs.channels[mapping.Casefold(cv.channel)] = cv
	var members []ircd.Member
	var nicks []string
	for _, p := range sortedKeys(cv.members) {
		c := s.ensureContact(p, "")
		s.refresh(c)
		members = append(members, ircd.Member{Nick: c.nick})
		nicks = append(nicks, c.nick)
	}
	s.world.OpenChannel(cv.channel, "MSN group chat with "+strings.Join(nicks, ", "), true, members)
	if cv.peer != "" {
		for _, o := range cv.queue {
			o.query = cv.peer // written to the contact alone
		}
		if c := s.contacts[cv.peer]; c != nil && joiner != "" {
			// Kept in the query's history as the line it is in the
			// query: a client that catches up after it by its msgid
			// finds it.
			s.deliverRecorded(ircd.Message{Command: "NOTICE", From: c.nick, Text: joiner + " joined this chat; it continues in " + cv.channel},
				queryConversation(c.passport), c.passport, db.KindMessage)
		}
		cv.peer = ""
	}
}

// newChannelName names a new group chat #chat-N. The store numbers them,
// so that no name comes back for the account, not even after a restart (a
// bouncer keeps a channel's history by its name); when it cannot, the
// session goes on from the last number it gave.
func (s *session) newChannelName() string {
	for {
		n, err := s.store.NextChatNumber(s.ctx, s.account)
		if err != nil {
			s.log.Warn("numbering a group chat", "err", err)
			n = s.chanCounter + 1
		}
		s.chanCounter = max(s.chanCounter, n)
		name := fmt.Sprintf("#chat-%d", n)
		if s.convs.channels[mapping.Casefold(name)] == nil {
			return name
		}
	}
}

// reserveChatName keeps the numbering of new group chats past name when
// it is one of its names (#chat-N) that the user took for a chat of
// their own: a name is never given to two chats.
func (s *session) reserveChatName(name string) {
	digits, ok := strings.CutPrefix(mapping.Casefold(name), "#chat-")
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return // beyond any number the counter reaches
	}
	s.chanCounter = max(s.chanCounter, n)
	s.stored(s.store.ReserveChatNumber(s.ctx, s.account, n), "reserving a group chat's name", riskChatNames)
}

// onLeft records that a participant left a switchboard.
func (s *session) onLeft(ev msn.ParticipantLeft) {
	cv := s.convs.bySB[ev.Switchboard]
	p := strings.ToLower(ev.Passport)
	if cv == nil || cv.sb != ev.Switchboard || !cv.members[p] {
		return
	}
	delete(cv.members, p)
	c := s.ensureContact(p, "")
	if cv.channel != "" {
		reason := "left the chat"
		if ev.Idle {
			reason = "the chat timed out"
		}
		s.world.Part(cv.channel, c.nick, reason)
		if c.lists() == 0 {
			s.queueStranger(c) // strangers.go
		}
	}
	if len(cv.members) == 0 && cv.channel != "" {
		s.endGroupChat(cv)
		return
	}
	if len(cv.members) == 0 {
		// Nobody left to talk to: leave too; the next message opens a new one.
		cv.releaseSwitchboard()
		s.wakeWaiting()
	}
}

// releaseSwitchboard closes a conversation's switchboard in the background.
func (cv *conv) releaseSwitchboard() {
	s := cv.s
	sb := cv.sb
	if sb == nil {
		return
	}
	cv.sb = nil
	delete(s.convs.bySB, sb)
	s.spawn(func(context.Context) { sb.Close() })
	cv.settle()
}

// onSwitchboardClosed forgets a switchboard that ended.
func (s *session) onSwitchboardClosed(ev msn.SwitchboardClosed) {
	cv := s.convs.bySB[ev.Switchboard]
	delete(s.convs.bySB, ev.Switchboard)
	if cv == nil || cv.sb != ev.Switchboard {
		return
	}
	cv.sb = nil
	if cv.channel == "" {
		cv.members = map[string]bool{}
	}
	cv.settle()
	s.wakeWaiting()
}

// settle hands what is left of a superseded query to the current one.
func (cv *conv) settle() {
	s := cv.s
	if !cv.detached || cv.busy || cv.snd != nil || cv.sb != nil {
		return
	}
	rest := cv.queue
	cv.queue = nil
	if len(rest) > 0 {
		q := s.queryFor(cv.peer)
		q.queue = append(rest, q.queue...)
		q.pump()
	}
	// It no longer holds a stranger it talked with (strangers.go).
	if c := s.contacts[cv.peer]; c != nil && c.lists() == 0 {
		s.refresh(c)
	}
}

// dropConversations forgets every switchboard (the connection is gone).
func (s *session) dropConversations() {
	var detached []*conv
	for sb, cv := range s.convs.bySB {
		delete(s.convs.bySB, sb)
		if cv.sb == sb {
			cv.sb = nil
		}
		if cv.detached {
			detached = append(detached, cv)
		}
	}
	s.convs.unknown = map[*msn.Switchboard][]msn.Event{}
	s.convs.waiting = nil
	for _, cv := range detached {
		cv.settle()
	}
	for _, cv := range s.allConvs() {
		cv.pump()
	}
}

func (s *session) allConvs() []*conv {
	var out []*conv
	for _, p := range sortedKeys(s.convs.queries) {
		out = append(out, s.convs.queries[p])
	}
	for _, n := range sortedKeys(s.convs.channels) {
		out = append(out, s.convs.channels[n])
	}
	return out
}

func (cv *conv) describe() string {
	if cv.channel != "" {
		return cv.channel
	}
	return cv.peer
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// use returns the next tick of the clock of conversation uses.
func (cs *convState) use() uint64 {
	cs.uses++
	return cs.uses
}
