package bridge

import (
	"errors"
	"slices"
	"strings"

	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

// loadState reads the account's settings and stored nicks.
func (s *session) loadState() {
	st, err := s.store.AccountState(s.ctx, s.account)
	if err != nil {
		s.log.Warn("reading settings and contacts", "err", err)
	}
	s.settings = st.Settings
	stored := st.Contacts
	if !st.HasKept {
		s.replayKept.loaded = true // none: the first client needs no look
	}
	s.noPending = !st.HasPending
	s.reserve(len(stored))
	for _, c := range stored {
		p := strings.ToLower(c.Passport)
		ct := newContact(p, c.Nick, c.FriendlyName)
		s.contacts[p] = ct
		s.nicks[mapping.Casefold(c.Nick)] = ct
	}
	s.loadOIMState()
}

// reserve makes room for n contacts in the session's maps, so that taking
// a whole contact list does not grow them step by step.
func (s *session) reserve(n int) {
	if n <= len(s.contacts) {
		return
	}
	contacts := make(map[string]*contact, n)
	for k, v := range s.contacts {
		contacts[k] = v
	}
	nicks := make(map[string]*contact, n)
	for k, v := range s.nicks {
		nicks[k] = v
	}
	s.contacts, s.nicks = contacts, nicks
	if s.batching || s.holdSaves {
		s.unsaved = slices.Grow(s.unsaved, n)
	}
}

// drawWorld puts the user, the service user and &msn in a new world.
func (s *session) drawWorld() {
	ident, host := splitPassport(s.account)
	realname := s.selfName
	if realname == "" {
		realname = s.account
	}
	s.world.SetSelf(ident, host, realname)
	s.world.SetAccount(s.account)
	s.world.SetUser(serviceUser(s.b.cfg.ServerName))
	s.world.OpenChannel(ContactsChannel, s.psm, true, []ircd.Member{{Nick: mapping.ServiceNick, Op: true}})
	var listed []*contact
	for _, c := range s.contacts {
		if c.lists() != 0 {
			listed = append(listed, c)
		}
	}
	sortByPassport(listed)
	for _, c := range listed {
		c.inChannel, c.voiced = false, false
		s.refresh(c)
	}
}

// serviceUser is the `msn` user of every world.
func serviceUser(serverName string) ircd.User {
	return ircd.User{
		Nick:     mapping.ServiceNick,
		Ident:    "msn",
		Host:     serverName,
		Realname: "msn2irc service (/msg msn help)",
		Online:   true,
		Bot:      true,
	}
}

// serviceWhois is the WHOIS line (320) of the service user.
var serviceWhois = []string{"is the msn2irc service: /msg msn help"}

func (s *session) sortedContacts() []*contact {
	out := make([]*contact, 0, len(s.contacts))
	for _, c := range s.contacts {
		out = append(out, c)
	}
	sortByPassport(out)
	return out
}

func sortByPassport(cs []*contact) {
	slices.SortFunc(cs, func(a, b *contact) int { return strings.Compare(a.passport, b.passport) })
}

// nickTaken reports whether nick is used by the user, the service user or
// a contact other than passport.
func (s *session) nickTaken(nick, passport string) bool {
	cf := mapping.Casefold(nick)
	if cf == mapping.Casefold(mapping.ServiceNick) {
		return true
	}
	if s.world != nil {
		if self := s.world.Nick(); self != "" && cf == mapping.Casefold(self) {
			return true
		}
	}
	if c, ok := s.nicks[cf]; ok && c.passport != passport {
		return true
	}
	return false
}

// ensureContact returns the contact for passport, giving a new one a nick.
func (s *session) ensureContact(passport, friendly string) *contact {
	p := strings.ToLower(passport)
	c := s.contacts[p]
	if c == nil {
		c = newContact(p, "", cleanName(friendly))
		s.contacts[p] = c
	}
	if c.nick == "" {
		c.nick = mapping.NickForContact(p, c.name, s.settings.NickSource, NickLen, func(n string) bool { return s.nickTaken(n, p) })
		s.nicks[mapping.Casefold(c.nick)] = c
		s.saveContact(c)
	}
	return c
}

// setNick renames a contact (NICK to every client) and stores the new nick.
func (s *session) setNick(c *contact, nick string) error {
	if s.unsettled[c] {
		s.unsettled[c] = false // a nick given meanwhile wins over the name's
	}
	if nick == c.nick {
		return nil
	}
	if err := s.renameContact(c, nick); err != nil {
		return err
	}
	s.saveContact(c)
	return nil
}

// renameContact gives a contact another nick (NICK to every client)
// without storing it.
func (s *session) renameContact(c *contact, nick string) error {
	if mapping.Casefold(nick) != mapping.Casefold(c.nick) && s.nickTaken(nick, c.passport) {
		return errors.New("the nick " + nick + " is taken")
	}
	if _, shown := s.world.LookupUser(c.nick); shown {
		if err := s.world.RenameUser(c.nick, nick); err != nil {
			return err
		}
	}
	delete(s.nicks, mapping.Casefold(c.nick))
	c.nick = nick
	s.nicks[mapping.Casefold(nick)] = c
	return nil
}

// setName records a friendly name and, with nick_source=name, follows it
// with the nick.
func (s *session) setName(c *contact, friendly string) {
	if s.recordName(c, friendly) {
		s.followName(c)
	}
}

// recordName records a friendly name, stored soon (saveSoon), without
// following it with the nick; it reports whether the name changed. A
// name with nothing to show leaves the contact without one.
func (s *session) recordName(c *contact, friendly string) bool {
	name := cleanName(friendly)
	if friendly == "" || name == c.name {
		return false
	}
	c.name = name
	s.saveSoon(c)
	return true
}

// followName gives c, with nick_source=name, the nick its friendly name
// asks for.
func (s *session) followName(c *contact) {
	if s.settings.NickSource != "name" {
		return
	}
	want := mapping.NickForContact(c.passport, c.name, "name", NickLen, func(n string) bool { return s.nickTaken(n, c.passport) })
	if err := s.renameContact(c, want); err != nil {
		s.log.Info("following friendly name", "passport", c.passport, "err", err)
	}
}

// refresh shows a contact's current state in the world.
func (s *session) refresh(c *contact) {
	if c.lists() == 0 && !s.convs.holds(c.passport) {
		if c.inChannel {
			s.world.Part(ContactsChannel, c.nick, "removed from the contact list")
			c.inChannel, c.voiced = false, false
		}
		if _, ok := s.world.LookupUser(c.nick); ok {
			s.world.RemoveUser(c.nick, "removed from the contact list")
		}
		s.queueStranger(c)
		return
	}
	s.world.SetUser(s.userFor(c))
	s.syncPicture(c)
	online := c.online()
	voice := s.voice(online)
	want := s.inContactsChannel(c, online)
	switch {
	case want && !c.inChannel:
		s.world.Join(ContactsChannel, ircd.Member{Nick: c.nick, Voice: voice})
		c.inChannel, c.voiced = true, voice
	case !want && c.inChannel:
		reason := "went offline"
		if c.lists()&msn.ForwardList == 0 {
			reason = "removed from the contact list"
		}
		s.world.Part(ContactsChannel, c.nick, reason)
		c.inChannel, c.voiced = false, false
	case want && c.voiced != voice:
		s.world.SetMember(ContactsChannel, ircd.Member{Nick: c.nick, Voice: voice})
		c.voiced = voice
	}
}

// inContactsChannel reports whether c belongs in &msn: on the forward
// list, and online unless offline contacts are shown too. Without
// presence modes every contact stays, for presence does not show in &msn
// then (it travels by AWAY, MONITOR and WHOIS): nobody joins or parts
// when they sign in or out.
func (s *session) inContactsChannel(c *contact, online bool) bool {
	return c.lists()&msn.ForwardList != 0 && (online || s.settings.ShowOffline || !s.settings.PresenceModes)
}

// voice reports whether a contact in &msn is voiced: when online, unless
// the presence_modes setting is off (then &msn carries no voices, and a
// bouncer stores no MODE line for each sign-in and sign-out).
func (s *session) voice(online bool) bool {
	return online && s.settings.PresenceModes
}

// show makes sure a contact someone chats with is a user of the world.
func (s *session) show(c *contact) {
	if _, ok := s.world.LookupUser(c.nick); !ok {
		s.refresh(c)
	}
}

// userFor builds the IRC user of a contact.
func (s *session) userFor(c *contact) ircd.User {
	ident, host := splitPassport(c.passport)
	away, online := mapping.AwayText(c.status(), c.presenceText())
	realname := c.name
	if realname == "" {
		realname = c.passport
	}
	return ircd.User{
		Nick:     c.nick,
		Ident:    ident,
		Host:     host,
		Realname: realname,
		Account:  c.passport,
		Away:     away,
		Online:   online,
	}
}

// markAllOffline shows every contact offline (the connection is gone).
func (s *session) markAllOffline() {
	for _, c := range s.sortedContacts() {
		if c.online() {
			c.setStatus(msn.StatusOffline)
			s.refresh(c)
		}
	}
}

// applyContact takes a contact as the server describes it.
func (s *session) applyContact(mc msn.Contact) *contact {
	c, _ := s.applyContactChanged(mc)
	return c
}

// applyContactChanged is applyContact that also reports whether anything
// the world shows of the contact changed.
func (s *session) applyContactChanged(mc msn.Contact) (*contact, bool) {
	c := s.ensureContact(mc.Passport, mc.FriendlyName)
	nick, name, status, lists := c.nick, c.name, c.status(), c.lists()
	c.setLists(mc.Lists)
	if mc.FriendlyName != "" {
		s.setName(c, mc.FriendlyName)
	}
	st := mc.Status()
	if mc.Lists&msn.ForwardList == 0 {
		st = msn.StatusOffline // no presence comes for them: what was known goes stale
	}
	c.setStatus(st)
	c.setGroups(mc.Groups)
	c.setYahoo(mc.Network == msn.NetworkYahoo)
	changed := c.nick != nick || c.name != name || c.status() != status || c.lists() != lists
	return c, changed
}

// drawnUnchanged returns the contact of mc when drawListed drew it just as
// mc has it, so that applying mc would change nothing; nil otherwise.
func (s *session) drawnUnchanged(mc msn.Contact) *contact {
	c := s.contacts[mc.Passport]
	if c == nil || !c.drawn || c.lists() != mc.Lists ||
		!slices.Equal(c.groups(), mc.Groups) || c.yahoo() != (mc.Network == msn.NetworkYahoo) ||
		mc.FriendlyName != "" && mc.FriendlyName != c.name ||
		mc.Status() != c.status() {
		return nil
	}
	return c
}

// drawListed shows contacts of a list that is still arriving (see
// msn.ContactsListed), so that most of the drawing is done when the list
// is complete; onSynced then only redraws what the complete list changed.
func (s *session) drawListed(list []msn.ListedContact) {
	batch := s.drawBatch[:0]
	for _, lc := range list {
		c := s.applyContact(msn.Contact{Passport: lc.Passport, FriendlyName: lc.FriendlyName, Lists: lc.Lists, Groups: lc.Groups})
		c.drawn = true
		if c.lists() == 0 || c.inChannel {
			// Seen before in this list (before MSNP8, once per list) or
			// on none: refresh knows what to change; what is batched goes
			// first.
			s.world.SetUsers(ContactsChannel, batch)
			batch = batch[:0]
			s.refresh(c)
			continue
		}
		online := c.online()
		want := s.inContactsChannel(c, online)
		voice := s.voice(online)
		batch = append(batch, ircd.ChannelUser{User: s.userFor(c), In: want, Voice: voice})
		c.inChannel, c.voiced = want, want && voice
	}
	s.world.SetUsers(ContactsChannel, batch)
	clear(batch)
	s.drawBatch = batch[:0]
}

// lookupContact finds a contact by nick or address.
func (s *session) lookupContact(arg string) (*contact, bool) {
	if strings.Contains(arg, "@") {
		c, ok := s.contacts[strings.ToLower(arg)]
		return c, ok
	}
	c, ok := s.nicks[mapping.Casefold(arg)]
	return c, ok
}
