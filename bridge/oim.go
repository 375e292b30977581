package bridge

// Offline messages (OIM, MSNP13 and later) and the machine GUID that
// identifies this instance's login of an account.
//
// An OIM a contact left is shown as a PRIVMSG from them, with the time it
// was sent, then recorded as shown, and only then deleted from the server:
// a stop before the delete leaves it on the server, and the record keeps
// the next login from showing it twice. A message to an offline contact
// whose client last announced OIM support (MSNC6, Messenger 8.0, and
// later) is left on the server as an OIM; any other goes to the outbox,
// and so does an OIM the server refused.

import (
	"context"
	cryptorand "crypto/rand"
	"fmt"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/irctext"
	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// statusStored: the contact is offline and the message was left for them
// on the MSN server as an offline message.
var statusStored = statusKind{"NOTE", "STORED"}

// oimMSNC is the first MSNC number (the top four bits of a client id)
// of a Messenger that reads offline messages: 8.0.
const oimMSNC = 6

// oimState is a session's offline messages. Owned by the session goroutine.
type oimState struct {
	// clientIDs are the client ids contacts last announced, by passport,
	// as stored.
	clientIDs map[string]uint32
	toDelete  []string // shown and recorded, not yet deleted on the server
	deleting  bool     // a delete request runs
	outq      []oimSend
	sending   bool // a Store2 request runs
}

// oimSend is a message waiting to be left as an OIM.
type oimSend struct {
	c *contact
	o *outgoing
}

// oimStore is what offline messages keep in the store. *db.Store
// implements it.
type oimStore interface {
	// MachineGUID returns the account's machine GUID, storing fresh when it has none.
	MachineGUID(ctx context.Context, account, fresh string) (string, error)
	// OIMSeen reports whether an offline message was shown.
	OIMSeen(ctx context.Context, account, id string) (bool, error)
	// MarkOIMSeen records that an offline message was shown.
	MarkOIMSeen(ctx context.Context, account, id string) error
	// ForgetOIMs drops the records of offline messages deleted on the server.
	ForgetOIMs(ctx context.Context, account string, ids []string) error
	// SetClientID stores the client id a contact announced.
	SetClientID(ctx context.Context, account, passport string, id uint32) error
	// ClientIDs lists the stored client ids of an account's contacts.
	ClientIDs(ctx context.Context, account string) (map[string]uint32, error)
}

var _ oimStore = (*db.Store)(nil)

// loadOIMState reads the account's machine GUID (drawing one the first
// time, so that a restart logs in as the same endpoint and replaces its
// older login) and the client ids of its contacts, before the first login.
func (s *session) loadOIMState() {
	ids, err := s.store.ClientIDs(s.ctx, s.account)
	if err != nil {
		s.log.Warn("reading the client ids of contacts", "err", err)
	}
	if ids == nil {
		ids = map[string]uint32{}
	}
	s.oim.clientIDs = ids
	if s.mcfg.MachineGUID != "" {
		return // set by the configuration
	}
	guid, err := s.store.MachineGUID(s.ctx, s.account, newMachineGUID())
	if err != nil {
		s.log.Warn("reading the machine GUID", "err", err)
		return // msn draws one for this login
	}
	s.mcfg.MachineGUID = guid
}

// newMachineGUID draws a random GUID, "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}".
func newMachineGUID() string {
	var b [16]byte
	if _, err := cryptorand.Read(b[:]); err != nil {
		panic("bridge: no randomness: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("{%x-%x-%x-%x-%x}", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// noteClientID stores the client id a contact who is online announced,
// when it changed.
func (s *session) noteClientID(c *contact, id uint32) {
	if id == 0 || !c.online() {
		return
	}
	if old, ok := s.oim.clientIDs[c.passport]; ok && old == id {
		return
	}
	if !s.stored(s.store.SetClientID(s.ctx, s.account, c.passport, id), "storing a contact's client", riskOIM) {
		return
	}
	s.oim.clientIDs[c.passport] = id
}

// riskOIM is what a failed write about offline messages puts at risk.
const riskOIM = "offline messages may be shown twice, and messages to offline contacts may wait in the outbox instead of being left on the MSN server"

// onOfflineMessage shows an offline message a contact left, unless it was
// shown before, and then has it deleted on the server.
func (s *session) onOfflineMessage(ev msn.OfflineMessageReceived) {
	seen, err := s.store.OIMSeen(s.ctx, s.account, ev.ID)
	if err != nil {
		s.log.Warn("reading offline messages shown", "err", err)
		return // it stays on the server, and comes again at the next login
	}
	if !seen {
		if ev.From == "" {
			s.log.Info("offline message without a sender", "id", ev.ID)
		} else {
			c := s.ensureContact(ev.From, ev.FriendlyName)
			s.show(c)
			failed := s.syncHistory().failed
			reached := true // every line reached a client (or, history off, was kept)
			room := min(maxLineBytes, s.world.TextRoom("PRIVMSG", c.nick, ""))
			for _, line := range ircLines(ev.Text, msn.Format{}, false, room) {
				if !s.deliverRecorded(ircd.Message{Command: "PRIVMSG", From: c.nick, Text: line, Time: ev.Time}, queryConversation(c.passport), c.passport, db.KindOIM) {
					reached = false
				}
			}
			s.b.cfg.Metrics.Relayed(metrics.FromMSN)
			s.b.cfg.Metrics.OfflineMessage(metrics.FromMSN)
			// Stored before the server deletes it. One that reached no
			// client and may not be stored stays on the server, and comes
			// again at the next login.
			if s.historyOn() && !reached {
				reached = s.syncHistory().failed == failed
			}
			if !reached {
				s.log.Warn("offline message neither shown nor stored; left on the server", "id", ev.ID)
				return
			}
		}
		if !s.stored(s.store.MarkOIMSeen(s.ctx, s.account, ev.ID), "recording an offline message as shown", riskOIM) {
			return // not deleted, so not lost; it may be shown again
		}
	}
	s.oim.toDelete = append(s.oim.toDelete, ev.ID)
	s.deleteOIMs()
}

// deleteOIMs deletes the shown offline messages on the server, one request
// at a time. A failed delete leaves them recorded as shown: the server
// lists them again at the next login, and they are deleted then.
func (s *session) deleteOIMs() {
	if s.oim.deleting || len(s.oim.toDelete) == 0 || s.client == nil {
		return
	}
	ids := s.oim.toDelete
	s.oim.toDelete = nil
	s.oim.deleting = true
	s.request(func(ctx context.Context, c *msn.Client) error {
		return c.DeleteOfflineMessages(ctx, ids...)
	}, func(err error) {
		s.oim.deleting = false
		if err != nil {
			s.log.Warn("deleting offline messages on the server", "err", err)
			return
		}
		s.stored(s.store.ForgetOIMs(s.ctx, s.account, ids), "forgetting deleted offline messages", riskOIM)
		s.deleteOIMs()
	})
}

// readsOIMs reports whether the contact's client, as last seen online,
// reads offline messages.
func (s *session) readsOIMs(c *contact) bool {
	return s.oim.clientIDs[c.passport]>>28 >= oimMSNC
}

// sendOIM leaves a message for an offline contact on the server, when the
// protocol and the contact's client allow it, and reports whether it
// took the message.
func (s *session) sendOIM(c *contact, o *outgoing) bool {
	if s.client == nil || s.client.Version() < 13 || o.kind == db.KindNudge || o.outboxID != 0 || !s.readsOIMs(c) {
		return false
	}
	s.oim.outq = append(s.oim.outq, oimSend{c: c, o: o})
	s.pumpOIMs()
	return true
}

// maxOIMBytes bounds the text of one offline message; a longer one waits
// in the outbox, which sends it in pieces.
const maxOIMBytes = 4096

// pumpOIMs sends the waiting offline messages one at a time, in order.
func (s *session) pumpOIMs() {
	if s.oim.sending || len(s.oim.outq) == 0 {
		return
	}
	m := s.oim.outq[0]
	s.oim.outq = s.oim.outq[1:]
	text := irctext.StripFormatting(m.o.text)
	if len(text) > maxOIMBytes || s.client == nil {
		s.oimFailed(m)
		s.pumpOIMs()
		return
	}
	s.oim.sending = true
	s.request(func(ctx context.Context, c *msn.Client) error {
		return c.SendOfflineMessage(ctx, m.c.passport, text)
	}, func(err error) {
		s.oim.sending = false
		if err != nil {
			s.log.Info("leaving an offline message failed; it goes to the outbox", "to", m.c.passport, "err", err)
			s.oimFailed(m)
		} else {
			s.b.cfg.Metrics.Delivery(metrics.Delivered)
			s.b.cfg.Metrics.OfflineMessage(metrics.ToMSN)
			s.setOutcome(m.o.msgid, db.OutcomeQueued)
			s.messageStatus(statusStored, m.c.nick, fmt.Sprintf("%s is offline: message stored on the MSN server for %s, who gets it at the next sign-in.", m.c.nick, m.c.nick))
		}
		s.pumpOIMs()
	})
}

// oimFailed puts a message the server did not take in the outbox, and
// sends the outbox at once when the contact came online meanwhile.
func (s *session) oimFailed(m oimSend) {
	s.toOutbox(m.c, []*outgoing{m.o})
	if m.c.online() {
		s.flushOutbox(m.c)
	}
}
