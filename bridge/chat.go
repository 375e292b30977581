package bridge

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

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
	channel  string // "" for a query
	peer     string // the contact of a query
	sb       *msn.Switchboard
	members  map[string]bool // other participants, by passport
	invites  []string        // passports to call in once the switchboard is open
	queue    []*outgoing     // messages not yet delivered, in order
	strays   bool            // a message in the queue failed before the ones ahead of it were done
	busy     bool            // an opener goroutine is running
	snd      *sender         // sends the queue on a switchboard, while pieces are unacknowledged
	detached bool            // an older query superseded by a newer switchboard
	closed   bool            // the user left the channel
	lastUse  uint64          // convState.uses when last used; the least recently used idle query is closed first
}

// target is where the conversation shows: a channel, or "" (the user's query).
func (cv *conv) target() string { return cv.channel }

// outgoing is one message the user sent, until it is delivered or reported.
type outgoing struct {
	kind     string // text, action or nudge
	text     string // IRC text (actions already as "* nick does something")
	outboxID int64  // the outbox row it came from, 0 when none
	retried  bool
	pieces   []string
	piece    [1]string // pieces' room when the message fits one
	format   msn.Format
	sent     int  // pieces acknowledged
	written  int  // pieces written to the current sender's switchboard (>= sent)
	done     bool // delivered or reported
	dropped  *sender
}

// total is the number of pieces the message is sent as.
func (o *outgoing) total() int {
	if o.kind == "nudge" {
		return 1
	}
	return len(o.pieces)
}

// maxInFlight bounds the pieces of one conversation written to its
// switchboard and not acknowledged yet.
const maxInFlight = 256

// sender writes a conversation's messages to one switchboard back to back;
// the session takes their outcomes in the order they were written.
type sender struct {
	sb      *msn.Switchboard
	flights []*inFlight // pieces written whose outcome the session has not taken, oldest first
	dead    bool        // the switchboard closed before acknowledging everything

	// Outcomes arrive on other goroutines and wait here until the session
	// takes them all at once.
	mu      sync.Mutex
	arrived []arrival
	posted  bool // the session has been asked to take them

	// taken is the session's: the room of the outcomes it took last,
	// which arrived takes turns with so that a burst allocates none.
	taken []arrival
}

// arrival is an outcome not taken by the session yet.
type arrival struct {
	f   *inFlight
	err error
}

// inFlight is one written piece of a message and, once known, its outcome.
type inFlight struct {
	o       *outgoing
	err     error
	settled bool

	// Where the outcome goes when the switchboard reports it.
	s   *session
	cv  *conv
	snd *sender
}

// MessageOutcome hands the outcome of the piece to the session.
func (f *inFlight) MessageOutcome(err error) { f.s.arrive(f.cv, f.snd, f, err) }

// convState indexes the conversations of a session.
type convState struct {
	uses     uint64 // how many times a conversation was used; a clock for lastUse
	bySB     map[*msn.Switchboard]*conv
	queries  map[string]*conv // by passport
	channels map[string]*conv // by casefolded name
	unknown  map[*msn.Switchboard][]msn.Event
	waiting  []*conv            // conversations waiting for a switchboard slot
	corked   []*msn.Switchboard // written to in this batch, to flush at its end (loop.go)
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
func (s *session) claim(cv *conv, sb *msn.Switchboard) {
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
		q = &conv{peer: passport, members: map[string]bool{}}
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
		cv := &conv{members: map[string]bool{}}
		for _, p := range participants {
			cv.members[p] = true
			s.ensureContact(p, "")
		}
		s.toChannel(cv, "")
		s.claim(cv, sb)
		return cv
	}
	p := participants[0]
	q := s.convs.queries[p]
	if q == nil || q.sb != nil || q.busy || q.snd != nil {
		if q != nil {
			q.detached = true // keeps its switchboard until it closes
		}
		q = &conv{peer: p, members: map[string]bool{}}
		s.convs.queries[p] = q
	}
	q.members = map[string]bool{p: true}
	s.claim(q, sb)
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
		s.toChannel(cv, c.nick)
	}
}

// toChannel turns a conversation with several participants into a channel.
func (s *session) toChannel(cv *conv, joiner string) {
	if cv.channel != "" {
		return
	}
	if cv.peer != "" && s.convs.queries[cv.peer] == cv {
		delete(s.convs.queries, cv.peer)
	}
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
		if c := s.contacts[cv.peer]; c != nil && joiner != "" {
			s.deliver(ircd.Message{Command: "NOTICE", From: c.nick, Text: joiner + " joined this chat; it continues in " + cv.channel})
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
	}
	if len(cv.members) == 0 && cv.channel != "" {
		s.endGroupChat(cv)
		return
	}
	if len(cv.members) == 0 {
		// Nobody left to talk to: leave too; the next message opens a new one.
		s.releaseSwitchboard(cv)
		s.wakeWaiting()
	}
}

// releaseSwitchboard closes a conversation's switchboard in the background.
func (s *session) releaseSwitchboard(cv *conv) {
	sb := cv.sb
	if sb == nil {
		return
	}
	cv.sb = nil
	delete(s.convs.bySB, sb)
	s.spawn(func(context.Context) { sb.Close() })
	s.settle(cv)
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
	s.settle(cv)
	s.wakeWaiting()
}

// settle hands what is left of a superseded query to the current one.
func (s *session) settle(cv *conv) {
	if !cv.detached || cv.busy || cv.snd != nil || cv.sb != nil {
		return
	}
	rest := cv.queue
	cv.queue = nil
	if len(rest) == 0 {
		return
	}
	q := s.queryFor(cv.peer)
	q.queue = append(rest, q.queue...)
	s.pump(q)
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
		s.settle(cv)
	}
	for _, cv := range s.allConvs() {
		s.pump(cv)
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

// sendTo queues a message to a contact, or puts it in the outbox when the
// contact is offline.
func (s *session) sendTo(c *contact, o *outgoing) {
	q := s.convs.queries[c.passport]
	busy := q != nil && (len(q.queue) > 0 || q.sb != nil)
	// Presence is known only for contacts on the forward list; others are
	// called, and CAL says whether they are there.
	knownOffline := c.lists()&msn.ForwardList != 0 && !c.online()
	if s.client == nil || (knownOffline && !busy) {
		s.toOutbox(c, []*outgoing{o})
		return
	}
	q = s.queryFor(c.passport)
	q.queue = append(q.queue, o)
	s.pump(q)
}

// pump makes progress on a conversation: opens its switchboard, calls
// invited contacts in, or writes the queued messages, in order, back to
// back. Their outcomes come back in the same order (acked).
func (s *session) pump(cv *conv) {
	if cv.busy || cv.closed {
		return
	}
	if snd := cv.snd; snd != nil && (snd.dead || snd.sb != cv.sb) {
		return // the outcomes on the previous switchboard come first
	}
	if cv.detached && cv.sb == nil {
		s.settle(cv)
		return
	}
	if len(cv.queue) == 0 && len(cv.invites) == 0 {
		return
	}
	if s.client == nil {
		s.park(cv, "not connected to MSN")
		return
	}
	if cv.sb == nil {
		s.open(cv)
		return
	}
	sb := cv.sb
	cv.lastUse = s.convs.use()
	for _, p := range cv.invites {
		s.inviteInto(cv, sb, p)
	}
	cv.invites = nil
	s.write(cv, sb)
}

// write sends the queued pieces not written yet, up to maxInFlight
// unacknowledged ones.
func (s *session) write(cv *conv, sb *msn.Switchboard) {
	snd := cv.snd
	if snd != nil && len(snd.flights) >= maxInFlight {
		return
	}
	for _, o := range cv.queue {
		if o.done {
			continue
		}
		s.prepare(o)
		for o.written < o.total() {
			if snd != nil && len(snd.flights) >= maxInFlight {
				return
			}
			if snd == nil {
				snd = &sender{sb: sb}
				cv.snd = snd
			}
			f := &inFlight{o: o, s: s, cv: cv, snd: snd}
			snd.flights = append(snd.flights, f)
			s.cork(sb)
			var err error
			if o.kind == "nudge" {
				err = sb.SendNudge(s.ctx)
				s.outcomeSoon(cv, snd, f, err)
			} else {
				err = sb.StartTextFunc(s.ctx, o.pieces[o.written], o.format, s.b.cfg.RequestTimeout, f)
				if err != nil {
					s.outcomeSoon(cv, snd, f, err)
				}
			}
			o.written++
			if err != nil {
				return // the error's outcome decides what comes next
			}
		}
	}
}

// prepare splits a message into the pieces it is sent as.
func (s *session) prepare(o *outgoing) {
	if o.kind == "nudge" || o.pieces != nil {
		return
	}
	text := o.text
	if s.settings.Formatting {
		var f msn.Format
		text, f = mapping.FormatFromIRC(text)
		o.format = f
	} else {
		text = mapping.StripFormatting(text)
	}
	o.pieces = msn.AppendSplitText(o.piece[:0], text, o.format)
}

// outcomeSoon hands the session an outcome known at once (a nudge, a
// failed write), as it would come from the switchboard: after the write.
func (s *session) outcomeSoon(cv *conv, snd *sender, f *inFlight, err error) {
	s.spawn(func(context.Context) { s.arrive(cv, snd, f, err) })
}

// arrive records the outcome of one piece written by snd; it runs on any
// goroutine. The first outcome since the session last took them asks the
// session to take them, so a burst of acknowledgements costs one hand-off.
func (s *session) arrive(cv *conv, snd *sender, f *inFlight, err error) {
	snd.mu.Lock()
	snd.arrived = append(snd.arrived, arrival{f, err})
	first := !snd.posted
	snd.posted = true
	snd.mu.Unlock()
	if first {
		s.post(func() { s.takeOutcomes(cv, snd) })
	}
}

// takeOutcomes takes the outcomes that arrived for snd, in the order the
// pieces were written: an outcome waits for those of the pieces before it.
func (s *session) takeOutcomes(cv *conv, snd *sender) {
	snd.mu.Lock()
	arrived := snd.arrived
	snd.arrived, snd.taken = snd.taken[:0], nil
	snd.posted = false
	snd.mu.Unlock()
	for _, a := range arrived {
		a.f.err, a.f.settled = a.err, true
	}
	clear(arrived)
	snd.taken = arrived[:0]
	n := 0
	for n < len(snd.flights) && snd.flights[n].settled {
		h := snd.flights[n]
		n++
		if h.err != nil && s.ctx.Err() != nil {
			return // the session is ending
		}
		s.acked(cv, snd, h.o, h.err)
	}
	if n == 0 {
		return
	}
	snd.flights = dropFront(snd.flights, n)
	s.afterAcks(cv, snd)
}

// retire ends the sender of a conversation that has nothing in flight;
// what is still queued is written again from its first unacknowledged
// piece by the next one.
func (s *session) retire(cv *conv) {
	cv.snd = nil
	for _, q := range cv.queue {
		q.written = q.sent
	}
}

// acked takes the outcome of one piece written by snd, in order; then
// afterAcks moves the conversation on.
func (s *session) acked(cv *conv, snd *sender, o *outgoing, err error) {
	if !o.done {
		switch {
		case err == nil:
			o.sent++
			if o.sent >= o.total() {
				o.done = true
				if o.outboxID != 0 {
					s.stored(s.store.DeleteOutbox(s.ctx, o.outboxID), "deleting a delivered outbox message", riskOutbox)
				}
			}
		case errors.Is(err, msn.ErrClosed):
			snd.dead = true
			if cv.sb == snd.sb {
				cv.sb = nil
				delete(s.convs.bySB, snd.sb)
			}
			if o.dropped != snd {
				o.dropped = snd
				if o.retried {
					o.done = true
					cv.strays = true
					s.failed(cv, o, sendErrorText(err, s.clientVersion()))
				} else {
					o.retried = true
					s.log.Info("switchboard closed before the acknowledgement; resending", "target", cv.describe())
				}
			}
		default:
			o.done = true
			cv.strays = true
			s.failed(cv, o, sendErrorText(err, s.clientVersion()))
		}
	}
}

// afterAcks drops the delivered and reported messages and writes what
// comes next, or retires the sender.
func (s *session) afterAcks(cv *conv, snd *sender) {
	if cv.strays {
		keep := cv.queue[:0]
		for _, q := range cv.queue {
			if !q.done {
				keep = append(keep, q)
			}
		}
		clear(cv.queue[len(keep):])
		cv.queue = keep
		cv.strays = false
	} else {
		// Acknowledged messages are done in the order they were queued:
		// they leave from the front, and a long queue is not walked.
		n := 0
		for n < len(cv.queue) && cv.queue[n].done {
			n++
		}
		cv.queue = dropFront(cv.queue, n)
	}
	if len(snd.flights) == 0 && cv.snd == snd && (snd.dead || cv.sb != snd.sb) {
		s.retire(cv)
		s.settle(cv)
	}
	s.pump(cv)
	if len(snd.flights) == 0 && cv.snd == snd {
		s.retire(cv) // nothing more to send now
	}
	if len(s.convs.waiting) > 0 && !cv.busy && cv.snd == nil {
		s.wakeWaiting()
	}
}

func (cv *conv) describe() string {
	if cv.channel != "" {
		return cv.channel
	}
	return cv.peer
}

func (s *session) clientVersion() int {
	if s.client == nil {
		return 0
	}
	return s.client.Version()
}

// sendErrorText says why a message was not delivered.
func sendErrorText(err error, version int) string {
	var se *msn.ServerError
	switch {
	case errors.Is(err, msn.ErrClosed):
		return "the conversation closed twice before MSN acknowledged it; it may not have arrived"
	case errors.Is(err, msn.ErrNAK):
		return "MSN could not deliver it"
	case errors.Is(err, msn.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "MSN did not acknowledge it in time; it may not have arrived"
	case errors.Is(err, msn.ErrUnsupported):
		return fmt.Sprintf("not supported with MSNP%d", version)
	case errors.Is(err, errNotConnected):
		return "not connected to MSN"
	case errors.As(err, &se):
		return fmt.Sprintf("server error %d: %s", se.Code, msn.ErrorText(se.Code))
	}
	return strings.TrimPrefix(err.Error(), "msn: ")
}

// failed tells the user that a message to a conversation was not delivered
// (see messageStatus).
func (s *session) failed(cv *conv, o *outgoing, reason string) {
	target := cv.channel
	if target == "" {
		target = cv.peer
		if c := s.contacts[cv.peer]; c != nil {
			target = c.nick
		}
	}
	desc := "Message to " + target + " not delivered: \"" + shorten(mapping.StripFormatting(o.text), 80) + "\""
	if o.kind == "nudge" {
		desc = "Nudge to " + target + " not delivered"
	}
	desc += " (" + reason + ")"
	if o.outboxID != 0 {
		desc += "; it stays in the outbox"
	}
	s.messageStatus(statusNotDelivered, target, desc)
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// failAll reports every queued message of a conversation as not delivered.
func (s *session) failAll(cv *conv, reason string) {
	q := cv.queue
	cv.queue = nil
	for _, o := range q {
		s.failed(cv, o, reason)
	}
}

// park moves what a conversation could not send now to the outbox (a
// query) or reports it (a channel).
func (s *session) park(cv *conv, reason string) {
	if cv.channel != "" {
		s.failAll(cv, reason)
		cv.invites = nil
		return
	}
	q := cv.queue
	cv.queue = nil
	cv.invites = nil
	if len(q) == 0 {
		return
	}
	c := s.ensureContact(cv.peer, "")
	s.toOutbox(c, q)
}

// open starts the switchboard of a conversation and calls its participants in.
func (s *session) open(cv *conv) {
	var targets []string
	if cv.channel == "" {
		targets = []string{cv.peer}
	} else {
		seen := map[string]bool{}
		for _, p := range append(sortedKeys(cv.members), cv.invites...) {
			if !seen[p] {
				seen[p] = true
				targets = append(targets, p)
			}
		}
	}
	if len(targets) == 0 {
		s.failAll(cv, "nobody is in this group chat; /INVITE a contact first")
		return
	}
	if len(s.convs.bySB) >= s.b.cfg.MaxSwitchboards && !s.evictIdle() {
		// Every open conversation is busy: wait until one is idle.
		for _, w := range s.convs.waiting {
			if w == cv {
				return
			}
		}
		s.convs.waiting = append(s.convs.waiting, cv)
		return
	}
	cv.busy = true
	cv.invites = nil
	client := s.client
	timeout := s.b.cfg.RequestTimeout
	s.spawn(func(ctx context.Context) {
		octx, cancel := context.WithTimeout(ctx, 2*timeout)
		defer cancel()
		sb, err := client.OpenSwitchboard(octx, targets[0])
		var inviteErrs []string
		if err == nil {
			for _, p := range targets[1:] {
				if ierr := sb.Invite(octx, p); ierr != nil {
					inviteErrs = append(inviteErrs, p+": "+sendErrorText(ierr, client.Version()))
				}
			}
		}
		if !s.post(func() { s.opened(cv, sb, err, inviteErrs) }) && sb != nil {
			sb.Close()
		}
	})
}

// opened takes the outcome of opening a switchboard.
func (s *session) opened(cv *conv, sb *msn.Switchboard, err error, inviteErrs []string) {
	cv.busy = false
	if err != nil {
		if sb != nil {
			s.spawn(func(context.Context) { sb.Close() })
		}
		if cv.closed {
			return
		}
		var se *msn.ServerError
		offline := errors.Is(err, msn.ErrContactOffline) || (errors.As(err, &se) && se.Code == 217)
		if offline && cv.channel == "" {
			if c := s.contacts[cv.peer]; c != nil && c.online() {
				c.setStatus(msn.StatusOffline)
				s.refresh(c)
			}
			s.park(cv, "")
			s.settle(cv)
			return
		}
		reason := "could not open a conversation: " + sendErrorText(err, s.clientVersion())
		if offline {
			reason = "the contact is offline"
		}
		s.failAll(cv, reason)
		s.settle(cv)
		return
	}
	if cv.closed {
		s.spawn(func(context.Context) { sb.Close() })
		return
	}
	s.claim(cv, sb)
	for _, e := range inviteErrs {
		s.deliver(ircd.Message{Command: "NOTICE", Target: cv.channel, Text: "Could not invite " + e})
	}
	s.pump(cv)
}

// wakeWaiting lets conversations waiting for a switchboard slot try again.
func (s *session) wakeWaiting() {
	waiting := s.convs.waiting
	s.convs.waiting = nil
	for _, cv := range waiting {
		s.pump(cv)
	}
}

// inviteInto calls a contact into an open switchboard.
func (s *session) inviteInto(cv *conv, sb *msn.Switchboard, passport string) {
	timeout := s.b.cfg.RequestTimeout
	version := s.clientVersion()
	s.spawn(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		err := sb.Invite(ctx, passport)
		if err == nil {
			return
		}
		s.post(func() {
			nick := passport
			if c := s.contacts[passport]; c != nil {
				nick = c.nick
			}
			target := cv.channel
			s.deliver(ircd.Message{Command: "NOTICE", Target: target, Text: "Could not invite " + nick + ": " + sendErrorText(err, version)})
		})
	})
}

// evictIdle closes the least recently used idle query switchboard.
func (s *session) evictIdle() bool {
	var victim *conv
	for _, cv := range s.convs.bySB {
		if cv.channel != "" || cv.busy || cv.snd != nil || len(cv.queue) > 0 || cv.sb == nil {
			continue
		}
		if victim == nil || cv.lastUse < victim.lastUse {
			victim = cv
		}
	}
	if victim == nil {
		return false
	}
	s.releaseSwitchboard(victim)
	return true
}

// sendTyping tells the participants of an open switchboard that the user types.
func (s *session) sendTyping(cv *conv) {
	if cv == nil || cv.sb == nil {
		return
	}
	sb := cv.sb
	timeout := s.b.cfg.RequestTimeout
	s.spawn(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		sb.SendTyping(ctx)
	})
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
