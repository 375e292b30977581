package bridge

import (
	"context"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/irctext"
	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

// maxLineBytes bounds the text of one PRIVMSG sent to IRC clients, leaving
// room for the source, command, target and tags in 512 bytes with a short
// source; a long source gets less (ircd's TextRoom).
const maxLineBytes = 400

// handleEvent applies one MSN event to the world.
func (s *session) handleEvent(ev msn.Event) {
	if s.holdUnknown(ev) || s.fromOwnEndpoint(ev) {
		return
	}
	switch ev := ev.(type) {
	case msn.ContactsListed:
		s.drawListed(ev.Contacts)
	case msn.ContactListSynced:
		s.drawBatch = nil
		s.onSynced(ev)
	case msn.PresenceSynced:
		s.presenced = true
	case msn.PresenceChanged:
		if strings.EqualFold(ev.Passport, s.account) {
			return // our own presence, echoed by some servers
		}
		c := s.ensureContact(ev.Passport, ev.FriendlyName)
		wasOnline := c.online()
		renamed := false
		if ev.FriendlyName != "" {
			if ev.Initial {
				s.setName(c, ev.FriendlyName)
			} else {
				renamed = s.recordName(c, ev.FriendlyName)
			}
		}
		c.setStatus(ev.Status)
		s.noteClientID(c, ev.ClientID)
		if ev.Initial {
			s.refresh(c)
		} else {
			s.settlePresence(c, renamed)
		}
		if !wasOnline && c.online() {
			s.flushOutbox(c)
		}
	case msn.PersonalMessageChanged:
		if strings.EqualFold(ev.Passport, s.account) {
			// The user's own, set here or on another endpoint: MSNP18
			// echoes it before it answers the request, which then finds
			// it shown.
			if psm := cleanName(ev.Message); psm != s.psm {
				s.psm = psm
				s.world.SetTopic(ContactsChannel, psm, s.world.Nick())
			}
			return
		}
		c := s.ensureContact(ev.Passport, "")
		c.setPSM(cleanName(ev.Message))
		c.setMedia(mapping.NowPlaying(ev.Media))
		s.settlePresence(c, false)
	case msn.ContactListChanged:
		c := s.applyContact(ev.Contact)
		s.refresh(c)
	case msn.AuthorizationRequested:
		s.onAuthRequest(ev)
	case msn.OwnProfileChanged:
		if ev.FriendlyName != "" {
			s.selfName = cleanName(ev.FriendlyName)
			ident, host := splitPassport(s.account)
			s.world.SetSelf(ident, host, s.selfName)
		}
		if ev.Status != "" {
			s.status = ev.Status
		}
	case msn.Invitation:
		s.onInvitation(ev)
	case msn.MessageReceived:
		s.onMessage(ev)
	case msn.OfflineMessageReceived:
		s.onOfflineMessage(ev)
	case msn.TypingReceived:
		s.onTyping(ev.Switchboard, ev.From)
	case msn.NudgeReceived:
		c := s.ensureContact(ev.From, "")
		cv := s.convForIncoming(ev.Switchboard, ev.From)
		s.clearTyping(cv, c)
		if !s.showRepeat(cv, c, repeatNudge) {
			return
		}
		s.deliverRecorded(ircd.Message{Command: "PRIVMSG", From: c.nick, Target: cv.target(), Text: "\x01ACTION sent you a nudge\x01", Time: time.Now()}, cv.convKey(), c.passport, db.KindMessage)
	case msn.UnsupportedContent:
		c := s.ensureContact(ev.From, "")
		cv := s.convForIncoming(ev.Switchboard, ev.From)
		if !s.showRepeat(cv, c, contentKind(ev.Description)) {
			return
		}
		s.deliverRecorded(ircd.Message{Command: "NOTICE", From: c.nick, Target: cv.target(), Text: unsupportedText(c.nick, ev), Time: time.Now()}, cv.convKey(), c.passport, db.KindMessage)
	case msn.FileOffer:
		s.onFileOffer(ev)
	case msn.FileTransferEnded:
		s.onFileTransferEnded(ev)
	case msn.LegacyFileInvitation:
		c := s.ensureContact(ev.From, "")
		cv := s.convForIncoming(ev.Switchboard, ev.From)
		if !s.showRepeat(cv, c, "a file transfer") {
			return
		}
		s.deliverRecorded(ircd.Message{Command: "NOTICE", From: c.nick, Target: cv.target(), Time: time.Now(),
			Text: c.nick + " sent a file transfer (" + cleanName(ev.Name) + ") the old way (MSN Messenger 4 or 5), which msn2irc does not support: it was declined"}, cv.convKey(), c.passport, db.KindMessage)
	case msn.ParticipantJoined:
		s.onJoined(ev)
	case msn.ParticipantLeft:
		s.onLeft(ev)
	case msn.SwitchboardClosed:
		s.onSwitchboardClosed(ev)
	case msn.Disconnected:
		s.handleDisconnect(ev)
	case msn.SystemMessage:
		if ev.NewMail && !s.repeatDue(repeatKey{kind: repeatNewMail}) {
			return
		}
		s.notice("MSN server: " + cleanName(ev.Text))
	case msn.OwnEndpointsChanged:
		s.onOwnEndpoints(ev)
	}
}

// unsupportedText says what a contact sent that msn2irc cannot show.
func unsupportedText(nick string, ev msn.UnsupportedContent) string {
	what := ev.Description
	switch {
	case what == "":
		what = "something (" + ev.ContentType + ")"
	case what == "a cancelled invitation":
		// Their client gave up waiting for an answer to a file transfer
		// or another invitation msn2irc could not accept.
		return nick + " cancelled an invitation (msn2irc cannot accept invitations yet)"
	}
	return nick + " sent " + cleanName(what) + ", which msn2irc does not support yet"
}

// onSynced takes the whole contact list (at login and after a reconnect).
func (s *session) onSynced(ev msn.ContactListSynced) {
	var online []*contact
	listed := make([]*contact, 0, len(ev.Contacts))
	s.setGroupNames(ev.Groups)
	s.beginSaves()
	for _, mc := range ev.Contacts {
		c, changed := s.drawnUnchanged(mc), false
		if c == nil {
			c, changed = s.applyContactChanged(mc)
		}
		c.listed = true
		if changed || !c.drawn {
			listed = append(listed, c)
		}
		c.drawn = false
		if c.online() {
			online = append(online, c)
		}
	}
	s.flushSaves()
	// The rest, known from before: no longer on any list. When the list
	// came streamed, drawListed drew each contact on it as it stands.
	var rest []*contact
	for _, c := range s.contacts {
		if ev.Streamed && c.drawn {
			c.drawn = false
			if c.online() {
				online = append(online, c)
			}
			continue
		}
		if c.listed {
			c.listed = false
			continue
		}
		c.drawn = false
		if c.lists() != 0 {
			c.setLists(0)
			c.setStatus(msn.StatusOffline)
		}
		rest = append(rest, c)
	}
	// In the order of the list (by address), then the others by address.
	for _, c := range listed {
		s.refresh(c)
	}
	sortByPassport(rest)
	for _, c := range rest {
		s.refresh(c)
	}
	s.synced = true
	if ev.Streamed {
		sortByPassport(online) // in the order of the list, as otherwise
	}
	for _, c := range online {
		s.flushOutbox(c)
	}
	// Contacts who were online before a reconnect and are offline now may
	// have been waiting for messages; those stay in the outbox.
}

// onInvitation accepts an incoming chat unless the contact is blocked.
func (s *session) onInvitation(inv msn.Invitation) {
	c := s.ensureContact(inv.From, inv.FriendlyName)
	if c.lists()&msn.BlockList != 0 {
		s.log.Info("ignoring chat from a blocked contact", "passport", c.passport)
		return
	}
	if !s.answersChats() {
		s.log.Debug("leaving a chat to the account's other places (answer_chats)", "from", c.passport)
		return
	}
	client := s.client
	if client == nil {
		return
	}
	// Each switchboard is a connection of the bridge's: a contact ringing
	// faster than conversations end would exhaust what every session
	// shares. One contact takes part in at most a quarter of them (its
	// least recently used idle query makes room), so that a contact and
	// a helper calling the user into group chats, which are never closed
	// to make room, cannot hold them all. Past MaxSwitchboards the least
	// recently used idle query makes room. Otherwise the invitation goes
	// unanswered, as MSN clients leave a chat they do not take.
	if !s.answerRing(c.passport) {
		s.log.Debug("not answering a chat: the contact rings faster than chats are answered", "from", c.passport)
		return
	}
	for s.convs.switchboardsWith(c.passport) >= s.switchboardsPerContact() {
		if !s.evictIdle(c.passport) {
			s.log.Debug("not answering a chat: the contact takes part in its share of conversations", "from", c.passport, "max", s.switchboardsPerContact())
			return
		}
	}
	for s.convs.switchboards() >= s.b.cfg.MaxSwitchboards {
		if !s.evictIdle("") {
			s.log.Info("not answering a chat: every conversation is busy", "from", c.passport, "max", s.b.cfg.MaxSwitchboards)
			return
		}
	}
	s.convs.accepting = append(s.convs.accepting, c.passport)
	s.spawn(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, s.b.cfg.RequestTimeout)
		defer cancel()
		sb, err := client.Accept(ctx, inv)
		posted := s.post(func() {
			s.convs.accepted(c.passport)
			s.accepted(inv, sb, err)
		})
		if !posted && sb != nil {
			sb.Close()
		}
	})
}

func (s *session) accepted(inv msn.Invitation, sb *msn.Switchboard, err error) {
	if err != nil && chatTakenElsewhere(err, len(s.otherEndpoints())) {
		s.log.Debug("another place of the account took the chat", "from", inv.From, "err", err)
		return
	}
	if err != nil {
		s.log.Info("accepting a chat failed", "from", inv.From, "err", err)
		return
	}
	if s.convs.bySB[sb] != nil {
		return
	}
	var participants []string
	for _, p := range sb.Participants() {
		participants = append(participants, strings.ToLower(p))
	}
	if len(participants) == 0 {
		participants = []string{strings.ToLower(inv.From)}
	}
	s.adoptSwitchboard(sb, participants).pump()
	// Someone not on the contact list gives no presence: their chat is
	// the sign that they are online, and what waits for them goes now.
	if len(participants) == 1 {
		if c := s.ensureContact(participants[0], ""); c.lists()&msn.ForwardList == 0 {
			s.flushOutbox(c)
		}
	}
}

// onMessage shows an incoming text message, one PRIVMSG per line.
func (s *session) onMessage(ev msn.MessageReceived) {
	c := s.ensureContact(ev.From, ev.FriendlyName)
	if ev.FriendlyName != "" {
		before := c.name
		s.setName(c, ev.FriendlyName)
		if c.name != before {
			s.refresh(c)
		}
	}
	cv := s.convForIncoming(ev.Switchboard, ev.From)
	s.show(c)
	s.clearTyping(cv, c)
	at := ev.Time
	if at.IsZero() {
		at = time.Now()
	}
	// Split once, here, to what fits with the contact's source: ircd then
	// sends each piece as it is, formatting carried over included.
	room := min(maxLineBytes, s.world.TextRoom("PRIVMSG", c.nick, cv.target()))
	for _, line := range ircLines(ev.Text, ev.Format, s.settings.Formatting, room) {
		s.deliverRecorded(ircd.Message{Command: "PRIVMSG", From: c.nick, Target: cv.target(), Text: line, Time: at}, cv.convKey(), c.passport, db.KindMessage)
	}
	s.b.cfg.Metrics.Relayed(metrics.FromMSN)
}

// ircLines turns MSN text into IRC message texts: one per line, none empty,
// none longer than maxBytes, with formatting codes when wanted.
func ircLines(text string, f msn.Format, formatting bool, maxBytes int) []string {
	text = irctext.StripFormatting(text)
	if formatting {
		text = mapping.FormatToIRC(text, f)
	}
	return mapping.SplitLines(text, maxBytes)
}

// notice tells the user something in &msn, from the service user.
func (s *session) notice(text string) {
	s.deliver(ircd.Message{Command: "NOTICE", From: mapping.ServiceNick, Target: ContactsChannel, Text: text})
}

// typingKey is a contact typing in a conversation: by passport, so that
// a contact renamed meanwhile stops typing under their new nick.
type typingKey struct {
	target, passport string
}

// typingState is a contact shown typing: when "active" was last sent to
// the clients, and the timer that sends "done" after a quiet period.
type typingState struct {
	shown time.Time
	timer *time.Timer
}

// typingRefresh is how often a contact still typing is shown typing
// again: often enough for clients, which forget a typing user after 6
// seconds (IRCv3 typing), and no more, so that a contact sending typing
// notifications in a flood costs the clients nothing.
const typingRefresh = 3 * time.Second

// onTyping shows that a contact types, and that they stopped after a quiet period.
func (s *session) onTyping(sb *msn.Switchboard, from string) {
	c := s.ensureContact(from, "")
	cv := s.convForIncoming(sb, from)
	if s.world.ClientCount() == 0 {
		return
	}
	key := typingKey{cv.target(), c.passport}
	st := s.typing[key]
	if st == nil {
		st = &typingState{}
		s.typing[key] = st
	} else {
		st.timer.Stop()
	}
	if now := s.b.cfg.Now(); now.Sub(st.shown) >= typingRefresh {
		st.shown = now
		s.world.Deliver(ircd.Message{Command: "TAGMSG", From: c.nick, Target: key.target, Tags: map[string]string{"+typing": "active"}})
	}
	var t *time.Timer
	t = s.afterFunc(s.b.cfg.TypingTimeout, func() {
		if cur := s.typing[key]; cur == nil || cur.timer != t {
			return
		}
		delete(s.typing, key)
		s.world.Deliver(ircd.Message{Command: "TAGMSG", From: c.nick, Target: key.target, Tags: map[string]string{"+typing": "done"}})
	})
	st.timer = t
}

// clearTyping forgets a typing contact once their message arrived.
func (s *session) clearTyping(cv *conv, c *contact) {
	key := typingKey{cv.target(), c.passport}
	if st, ok := s.typing[key]; ok {
		st.timer.Stop()
		delete(s.typing, key)
	}
}
