package bridge

// Sending a conversation's queue: each message is split into pieces, written
// back to back on the switchboard, and decided by its outcome (ACK, NAK,
// timeout, the switchboard closing): delivered, sent again once, moved to
// the outbox or reported as not delivered.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/irctext"
	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

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
	msgid    string // the message's msgid in the history; "" when none
	// query is the contact the user wrote it to alone, once their query
	// became a group chat: what was not written before then never is.
	query string
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
	cv  *conv
	snd *sender
}

// MessageOutcome hands the outcome of the piece to its conversation.
func (f *inFlight) MessageOutcome(err error) { f.cv.arrive(f.snd, f, err) }

// sendTo queues a message to a contact, or puts it in the outbox when the
// contact is offline.
func (s *session) sendTo(c *contact, o *outgoing) {
	q := s.convs.queries[c.passport]
	busy := q != nil && (len(q.queue) > 0 || q.sb != nil)
	// Others than those known offline are called, and CAL says whether
	// they are there.
	knownOffline := c.knownOffline()
	if s.client == nil || (knownOffline && !busy) {
		if knownOffline && s.sendOIM(c, o) {
			return
		}
		s.toOutbox(c, []*outgoing{o})
		return
	}
	q = s.queryFor(c.passport)
	q.queue = append(q.queue, o)
	q.pump()
}

// pump makes progress on a conversation: opens its switchboard, calls
// invited contacts in, or writes the queued messages, in order, back to
// back. Their outcomes come back in the same order (acked).
func (cv *conv) pump() {
	s := cv.s
	if cv.busy {
		return
	}
	if cv.closed {
		if cv.snd == nil {
			cv.invites = nil
			cv.failAll(cv.closedBy)
		}
		return
	}
	if snd := cv.snd; snd != nil && (snd.dead || snd.sb != cv.sb) {
		return // the outcomes on the previous switchboard come first
	}
	if cv.detached && cv.sb == nil {
		cv.settle()
		return
	}
	if len(cv.queue) == 0 && len(cv.invites) == 0 {
		return
	}
	if s.client == nil {
		cv.park("not connected to MSN")
		return
	}
	if cv.sb == nil {
		cv.open()
		return
	}
	sb := cv.sb
	cv.lastUse = s.convs.use()
	for _, p := range cv.invites {
		cv.inviteInto(sb, p)
	}
	cv.invites = nil
	cv.write(sb)
}

// write sends the queued pieces not written yet, up to maxInFlight
// unacknowledged ones.
func (cv *conv) write(sb *msn.Switchboard) {
	s := cv.s
	snd := cv.snd
	if snd != nil && len(snd.flights) >= maxInFlight {
		return
	}
	cv.queue = slices.DeleteFunc(cv.queue, cv.notForGroup)
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
			f := &inFlight{o: o, cv: cv, snd: snd}
			snd.flights = append(snd.flights, f)
			s.cork(sb)
			var err error
			if o.kind == "nudge" {
				err = sb.SendNudge(s.ctx)
				cv.outcomeSoon(snd, f, err)
			} else {
				err = sb.StartTextFunc(s.ctx, o.pieces[o.written], o.format, s.b.cfg.RequestTimeout, f)
				if err != nil {
					cv.outcomeSoon(snd, f, err)
				}
			}
			o.written++
			if err != nil {
				return // the error's outcome decides what comes next
			}
		}
	}
}

// notForGroup reports as not delivered, and says to drop, a message the
// user wrote to a contact alone, in the query that became this group
// chat, when it is not written whole: sending it, or sending it again
// after its switchboard closed, would show it to the whole group.
func (cv *conv) notForGroup(o *outgoing) bool {
	if o.query == "" || o.done {
		return false
	}
	cv.s.prepare(o)
	if o.written >= o.total() {
		return false // written to the contact alone, its outcome on its way
	}
	o.done = true
	cv.failed(o, "the chat became a group chat before MSN acknowledged it, and it is not sent to the group; it may not have arrived")
	return true
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
		text = irctext.StripFormatting(text)
	}
	o.pieces = msn.AppendSplitText(o.piece[:0], text, o.format)
}

// outcomeSoon hands the session an outcome known at once (a nudge, a
// failed write), as it would come from the switchboard: after the write.
func (cv *conv) outcomeSoon(snd *sender, f *inFlight, err error) {
	cv.s.spawn(func(context.Context) { cv.arrive(snd, f, err) })
}

// arrive records the outcome of one piece written by snd; it runs on any
// goroutine. The first outcome since the session last took them asks the
// session to take them, so a burst of acknowledgements costs one hand-off.
func (cv *conv) arrive(snd *sender, f *inFlight, err error) {
	s := cv.s
	snd.mu.Lock()
	snd.arrived = append(snd.arrived, arrival{f, err})
	first := !snd.posted
	snd.posted = true
	snd.mu.Unlock()
	if first {
		s.post(func() { cv.takeOutcomes(snd) })
	}
}

// takeOutcomes takes the outcomes that arrived for snd, in the order the
// pieces were written: an outcome waits for those of the pieces before it.
func (cv *conv) takeOutcomes(snd *sender) {
	s := cv.s
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
		cv.acked(snd, h.o, h.err)
	}
	if n == 0 {
		return
	}
	snd.flights = dropFront(snd.flights, n)
	cv.afterAcks(snd)
}

// retire ends the sender of a conversation that has nothing in flight;
// what is still queued is written again from its first unacknowledged
// piece by the next one.
func (cv *conv) retire() {
	cv.snd = nil
	for _, q := range cv.queue {
		q.written = q.sent
	}
}

// acked takes the outcome of one piece written by snd, in order; then
// afterAcks moves the conversation on.
func (cv *conv) acked(snd *sender, o *outgoing, err error) {
	s := cv.s
	if !o.done {
		switch {
		case err == nil:
			o.sent++
			if o.sent >= o.total() {
				o.done = true
				s.b.cfg.Metrics.Delivery(metrics.Delivered)
				s.setOutcome(o.msgid, db.OutcomeDelivered)
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
					cv.failed(o, sendErrorText(err, s.clientVersion()))
				} else {
					o.retried = true
					s.log.Info("switchboard closed before the acknowledgement; resending", "target", cv.describe())
				}
			}
		default:
			o.done = true
			cv.strays = true
			cv.failed(o, sendErrorText(err, s.clientVersion()))
		}
	}
}

// afterAcks drops the delivered and reported messages and writes what
// comes next, or retires the sender.
func (cv *conv) afterAcks(snd *sender) {
	s := cv.s
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
		cv.retire()
		cv.settle()
	}
	cv.pump()
	if len(snd.flights) == 0 && cv.snd == snd {
		cv.retire() // nothing more to send now
	}
	if len(s.convs.waiting) > 0 && !cv.busy && cv.snd == nil {
		s.wakeWaiting()
	}
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
	var sf *msn.SOAPFault
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
	case errors.Is(err, errTooManyRequests):
		return "too many requests to MSN at once; try again in a moment"
	case errors.As(err, &se):
		return fmt.Sprintf("server error %d: %s", se.Code, msn.ErrorText(se.Code))
	case errors.As(err, &sf) && sf.Message != "":
		// The server's own words, on one line.
		return "MSN refused it: " + shorten(strings.Join(strings.Fields(sf.Message), " "), 100)
	case errors.As(err, &sf) && sf.Code != "":
		return "MSN refused it (" + shorten(strings.Join(strings.Fields(sf.Code), " "), 40) + ")"
	case errors.As(err, &sf):
		return fmt.Sprintf("MSN's web service answered with HTTP status %d", sf.Status)
	}
	return "it could not be sent"
}

// failed tells the user that a message to a conversation was not delivered
// (see messageStatus).
func (cv *conv) failed(o *outgoing, reason string) {
	s := cv.s
	s.b.cfg.Metrics.Delivery(metrics.Failed)
	s.setOutcome(o.msgid, db.OutcomeNotDelivered)
	target := cv.channel
	peer := cmp.Or(o.query, cv.peer)
	if target == "" || o.query != "" {
		target = peer
		if c := s.contacts[peer]; c != nil {
			target = c.nick
		}
	}
	desc := "Message to " + target + " not delivered: \"" + shorten(irctext.StripFormatting(o.text), 80) + "\""
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
func (cv *conv) failAll(reason string) {
	q := cv.queue
	cv.queue = nil
	for _, o := range q {
		cv.failed(o, reason)
	}
}

// park moves what a conversation could not send now to the outbox (a
// query) or reports it (a channel).
func (cv *conv) park(reason string) {
	s := cv.s
	if cv.channel != "" {
		cv.failAll(reason)
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
