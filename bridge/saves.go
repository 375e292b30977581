package bridge

// Storing contacts: one at a time as they change, in one transaction while
// a contact list is taken, and held back while the first client's welcome
// is written.

import (
	"context"
	"errors"
	"time"

	"github.com/msn2irc/msn2irc/db"
)

// saveContact stores a contact's nick and name: at once, or, while
// batching or while saves are held back, after the ones waiting already.
func (s *session) saveContact(c *contact) {
	if s.batching || len(s.unsaved) > 0 {
		s.unsaved = append(s.unsaved, c)
		return
	}
	s.putContact(s.ctx, s.dbContact(c))
}

// saveSoon stores a contact whose name changed with the presence changes
// that settle with it (settled), in one transaction with every contact
// changed meanwhile: a contact that changes its name many times a second
// costs the store that every session shares one write per settling, not
// one per change. While a batch is under way, c joins it.
func (s *session) saveSoon(c *contact) {
	if s.batching || len(s.unsaved) > 0 {
		s.saveContact(c)
		return
	}
	if s.toSave == nil {
		s.toSave = map[*contact]bool{}
	}
	s.toSave[c] = true
	if s.settleT == nil {
		s.settleT = s.afterFunc(presenceSettle, s.settled)
	}
}

// takeSoon moves the contacts saveSoon keeps into unsaved, in passport
// order.
func (s *session) takeSoon() {
	if len(s.toSave) == 0 {
		return
	}
	s.unsaved = append(s.unsaved, byPassport(s.toSave)...)
	s.toSave = nil
}

// saveSettled stores the contacts saveSoon keeps, unless saves are held
// back or batched (they are stored with the rest then).
func (s *session) saveSettled() {
	s.takeSoon()
	if len(s.unsaved) > 0 && !s.batching && !s.holdSaves {
		s.storeUnsaved(s.ctx)
	}
}

// dbContact is what the store keeps of a contact.
func (s *session) dbContact(c *contact) db.Contact {
	return db.Contact{Account: s.account, Passport: c.passport, Nick: c.nick, FriendlyName: c.name}
}

func (s *session) putContact(ctx context.Context, dc db.Contact) {
	err := s.store.PutContact(ctx, dc)
	if errors.Is(err, db.ErrNickTaken) {
		s.log.Warn("storing contact", "passport", dc.Passport, "err", err)
		return
	}
	s.stored(err, "storing contact", riskNicks)
}

// beginSaves starts collecting the contacts to store; flushSaves stores
// them in one transaction.
func (s *session) beginSaves() { s.batching = true }

// flushSaves ends a batch: it stores the contacts collected since
// beginSaves, unless saves are held back (then releaseSaves does).
func (s *session) flushSaves() {
	s.batching = false
	if !s.holdSaves {
		s.storeUnsaved(s.ctx)
	}
}

// checkSaves stores the contacts held back once the first client has its
// world: it runs before each action or event, so that they are stored
// before the session handles anything that client asks next, but not while
// the client's welcome is on its way (see holdAfterWelcome).
func (s *session) checkSaves() {
	if s.holdSaves && len(s.pending) == 0 && s.world.ClientCount() > 0 {
		s.releaseSaves()
	}
}

// welcomeGrace is how long the contacts of a first sync stay held back
// once the first client has attached, unless the session gets other work
// sooner: storing a long list takes milliseconds that the client's welcome
// should not wait for.
const welcomeGrace = 20 * time.Millisecond

// holdAfterWelcome keeps the saves held back a moment more when the first
// client has just attached, while its welcome is written.
func (s *session) holdAfterWelcome() {
	if !s.holdSaves {
		return
	}
	if s.holdT != nil {
		s.holdT.Stop()
	}
	s.holdT = s.afterFunc(welcomeGrace, s.releaseSaves)
}

// releaseSaves stops holding saves back and stores what waits.
func (s *session) releaseSaves() {
	if !s.holdSaves {
		return
	}
	s.releaseHold()
	if !s.batching {
		s.storeUnsaved(s.ctx)
	}
}

// releaseHold ends holdSaves without storing.
func (s *session) releaseHold() {
	s.holdSaves = false
	if s.holdT != nil {
		s.holdT.Stop()
		s.holdT = nil
	}
}

// storeUnsaved stores the contacts waiting in unsaved, all in one
// transaction; if that fails, each on its own, so that one refused contact
// does not lose the others.
func (s *session) storeUnsaved(ctx context.Context) {
	if len(s.unsaved) == 0 || s.hist.forget.done {
		return
	}
	cs := make([]db.Contact, len(s.unsaved))
	for i, c := range s.unsaved {
		cs[i] = s.dbContact(c)
	}
	s.unsaved = nil
	err := s.store.PutContacts(ctx, cs)
	if err == nil {
		s.stored(nil, "", "")
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Debug("storing contacts together failed, storing them one by one", "count", len(cs), "err", err)
	for _, dc := range cs {
		s.putContact(ctx, dc)
	}
}
