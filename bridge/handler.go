package bridge

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/irctext"
	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

// handler receives what the user does in a session's world. Its methods run
// on client goroutines and hand the work to the session goroutine.
type handler struct{ s *session }

var (
	_ ircd.Handler     = (*handler)(nil)
	_ ircd.WhoisInfoer = (*handler)(nil)
)

// WhoisInfo gives a contact's WHOIS lines, as the contact is now, or the
// service user's.
func (h *handler) WhoisInfo(ctx context.Context, c *ircd.Client, nick string) []string {
	if mapping.Casefold(nick) == mapping.ServiceNick {
		return serviceWhois
	}
	var lines []string
	h.do(ctx, func() error {
		if ct, ok := h.s.lookupContact(nick); ok {
			lines = h.s.contactWhois(ct)
			if u := h.s.world.UserMetadata(ct.nick, avatarKey); u != "" {
				lines = append(lines, "picture: "+u)
			}
		}
		return nil
	})
	return lines
}

// do runs fn on the session goroutine and returns its error.
func (h *handler) do(ctx context.Context, fn func() error) error {
	var err error
	if cerr := h.s.call(ctx, func() { err = fn() }); cerr != nil {
		if errors.Is(cerr, errSessionEnded) {
			return errSessionGone
		}
		return cerr
	}
	return err
}

// Attached hands the client's arrival to the session without waiting for
// it: the welcome goes out at once, and what the session adds (kept
// messages, pending requests) follows it.
func (h *handler) Attached(ctx context.Context, c *ircd.Client) {
	h.s.post(func() { h.s.onAttached(c) })
}

func (h *handler) Detached(ctx context.Context, c *ircd.Client) {
	h.do(ctx, func() error { h.s.ungreet(c); h.s.maybeEnd(); return nil })
}

// Secret keeps login commands (with their password) from being echoed or
// logged.
func (h *handler) Secret(m ircd.Message) bool { return secretCommand(m) }

// messageTimeout bounds how long Message waits for the session to answer a
// message it handles in line, and a guest's login command (ircd gives
// Message no deadline of its own).
const messageTimeout = 30 * time.Second

func (h *handler) Message(ctx context.Context, c *ircd.Client, m ircd.Message) error {
	if cmd, args, ok := mapping.ParseCTCP(m.Text); ok && cmd == "DCC" && m.Command == "PRIVMSG" {
		return h.do(ctx, func() error { h.s.onDCC(c.Source(), m, args); return nil })
	}
	if !queueable(m) {
		ctx, cancel := context.WithTimeout(ctx, messageTimeout)
		defer cancel()
		return h.do(ctx, func() error { return h.s.onUserMessage(m, nil) })
	}
	// The client reads its next line while the session sends this one, so
	// a burst of messages flows through both at once, until a queue is
	// full (backlog.go).
	if err := h.s.waitForRoom(ctx); err != nil {
		return err
	}
	if !h.s.postAction(&userPost{s: h.s, m: m}) {
		return errSessionGone
	}
	return nil
}

// userPost is a message of the user on its way to the session, with the
// room of the outgoing message it becomes.
type userPost struct {
	s *session
	m ircd.Message
	o outgoing
}

func (u *userPost) run() {
	if err := u.s.onUserMessage(u.m, &u.o); err != nil {
		u.s.messageStatus(statusNotDelivered, u.m.Target, "Your message to "+u.m.Target+" was not sent: "+replyText(err)+".")
	}
}

// queueable reports whether the session can take m without the client
// waiting for the outcome: a message or action to a user of the world (ircd
// resolved the nick to the contact's address). Its only failure is the rare
// race with the contact's removal, which is then reported as a notice. The
// rest (channels, the service, CTCP) is answered in line.
func queueable(m ircd.Message) bool {
	if m.Command != "PRIVMSG" && m.Command != "NOTICE" {
		return false
	}
	if m.Target == "" || strings.HasPrefix(m.Target, "#") || strings.HasPrefix(m.Target, "&") || mapping.Casefold(m.Target) == mapping.Casefold(mapping.ServiceNick) {
		return false
	}
	if cmd, _, ok := mapping.ParseCTCP(m.Text); ok && cmd != "ACTION" && cmd != "NUDGE" {
		return false
	}
	return true
}

// replyText is what an error returned to ircd says.
func replyText(err error) string {
	var r *ircd.Reply
	if errors.As(err, &r) && r.Text != "" {
		return r.Text
	}
	return err.Error()
}

func (h *handler) Join(ctx context.Context, c *ircd.Client, channel string) error {
	return h.do(ctx, func() error { return h.s.onJoinChannel(channel) })
}

func (h *handler) Part(ctx context.Context, c *ircd.Client, channel, reason string) error {
	return h.do(ctx, func() error { return h.s.onPartChannel(channel) })
}

func (h *handler) Invite(ctx context.Context, c *ircd.Client, nick, channel string) error {
	return h.do(ctx, func() error { return h.s.onInvite(nick, channel) })
}

func (h *handler) Kick(ctx context.Context, c *ircd.Client, channel, nick, reason string) error {
	return &ircd.Reply{Code: irc.ERR_CHANOPRIVSNEEDED, Params: []string{channel}, Text: "MSN cannot remove someone from a chat"}
}

func (h *handler) Topic(ctx context.Context, c *ircd.Client, channel, topic string) error {
	return h.do(ctx, func() error { return h.s.onTopic(channel, topic) })
}

func (h *handler) Away(ctx context.Context, c *ircd.Client, text string) error {
	return h.do(ctx, func() error { h.s.onAway(text); return nil })
}

func (h *handler) Realname(ctx context.Context, c *ircd.Client, name string) error {
	return h.do(ctx, func() error { h.s.setFriendlyName(name, ""); return nil })
}

func (h *handler) NickChanged(ctx context.Context, c *ircd.Client, oldNick, newNick string) {
	h.do(ctx, func() error { h.s.checkSelfNick(); return nil })
}

// onAttached greets a client that finished its burst.
func (s *session) onAttached(c *ircd.Client) {
	s.attachedPending()
	s.checkSelfNick()
	s.holdAfterWelcome()
	s.greet(c)
	s.greetEndpoints(c)
	if s.client == nil {
		if s.stopped {
			s.notice(s.signedOutLine())
		} else {
			s.notice("Not connected to MSN right now; reconnecting.")
		}
	}
	s.tellHeldStoreFailure()
	s.announcePending()
}

// checkSelfNick renames a contact whose nick the user now has.
func (s *session) checkSelfNick() {
	self := s.world.Nick()
	if self == "" {
		return
	}
	c, ok := s.nicks[mapping.Casefold(self)]
	if !ok {
		return
	}
	want := mapping.NickForContact(c.passport, c.name, s.settings.NickSource, NickLen, func(n string) bool { return s.nickTaken(n, c.passport) })
	if err := s.setNick(c, want); err != nil {
		s.log.Info("moving a contact off the user's nick", "err", err)
	}
}

// onUserMessage routes a PRIVMSG, NOTICE or TAGMSG from the user; room,
// when not nil, is where the message it sends is kept.
func (s *session) onUserMessage(m ircd.Message, room *outgoing) error {
	target := m.Target
	switch {
	case mapping.Casefold(target) == mapping.Casefold(mapping.ServiceNick):
		if m.Command == "PRIVMSG" {
			s.command(m.Text, mapping.ServiceNick)
		}
		return nil
	case mapping.Casefold(target) == mapping.Casefold(ContactsChannel):
		if m.Command == "PRIVMSG" {
			text, _ := commandText(m)
			s.command(text, ContactsChannel)
		}
		return nil
	case strings.HasPrefix(target, "#"):
		cv := s.convs.channels[mapping.Casefold(target)]
		if cv == nil {
			return &ircd.Reply{Code: irc.ERR_NOSUCHCHANNEL, Params: []string{target}, Text: "No such channel"}
		}
		return s.userMessage(cv, nil, m, room)
	}
	// ircd resolved the nick when the user sent the message: the contact
	// is the one it named then, even when its nick changed hands since.
	c, ok := s.contacts[m.TargetAccount]
	if !ok {
		return &ircd.Reply{Code: irc.ERR_NOSUCHNICK, Params: []string{target}, Text: "No such nick"}
	}
	return s.userMessage(s.convs.queries[c.passport], c, m, room)
}

// userMessage sends what the user typed to a contact (c set) or a channel,
// as an outgoing message kept in room (a new one when nil).
func (s *session) userMessage(cv *conv, c *contact, m ircd.Message, room *outgoing) error {
	if m.Command == "TAGMSG" {
		if m.Tags["+typing"] == "active" {
			cv.sendTyping()
		}
		return nil
	}
	if c != nil && m.Command == "PRIVMSG" && s.sendUploadLink(c, m.Text) {
		return nil
	}
	o := room
	if o == nil {
		o = new(outgoing)
	}
	if cmd, args, ok := mapping.ParseCTCP(m.Text); ok {
		if m.Command != "PRIVMSG" {
			return nil // CTCP replies mean nothing on MSN
		}
		switch cmd {
		case "ACTION":
			*o = outgoing{kind: "action", text: mapping.CleanLine(mapping.ActionText(s.world.Nick(), args), true)}
		case "NUDGE":
			*o = outgoing{kind: "nudge"}
		default:
			return errors.New("CTCP " + cmd + " is not supported on MSN")
		}
	} else {
		text := mapping.CleanLine(m.Text, true)
		if strings.TrimSpace(irctext.StripFormatting(text)) == "" {
			return nil
		}
		*o = outgoing{kind: "text", text: text}
	}
	s.b.cfg.Metrics.Relayed(metrics.ToMSN)
	s.recordUserMessage(cv, c, m, o)
	if c != nil {
		s.sendTo(c, o)
		s.noteQueued(s.convs.queries[c.passport])
		return nil
	}
	cv.queue = append(cv.queue, o)
	cv.pump()
	s.noteQueued(cv)
	return nil
}

// onJoinChannel starts an empty group chat, or shows &msn again.
func (s *session) onJoinChannel(name string) error {
	if mapping.Casefold(name) == mapping.Casefold(ContactsChannel) {
		s.redrawContactsChannel()
		return nil
	}
	if !strings.HasPrefix(name, "#") || len(name) < 2 || len(name) > 50 || strings.ContainsAny(name, " ,\x07\x00\r\n") {
		return &ircd.Reply{Code: irc.ERR_NOSUCHCHANNEL, Params: []string{name}, Text: "Group chats are # channels"}
	}
	if cv := s.convs.channels[mapping.Casefold(name)]; cv != nil {
		s.openChannelView(cv)
		return nil
	}
	s.reserveChatName(name)
	s.makeRoomForChannel()
	cv := &conv{s: s, channel: name, members: map[string]bool{}, lastUse: s.convs.use()}
	s.convs.channels[mapping.Casefold(name)] = cv
	s.world.OpenChannel(name, "MSN group chat: /INVITE contacts to it", true, nil)
	return nil
}

// openChannelView (re)draws a group chat channel.
func (s *session) openChannelView(cv *conv) {
	var members []ircd.Member
	var nicks []string
	for _, p := range sortedKeys(cv.members) {
		c := s.ensureContact(p, "")
		members = append(members, ircd.Member{Nick: c.nick})
		nicks = append(nicks, c.nick)
	}
	topic := "MSN group chat: /INVITE contacts to it"
	if len(nicks) > 0 {
		topic = "MSN group chat with " + strings.Join(nicks, ", ")
	}
	s.world.OpenChannel(cv.channel, topic, true, members)
}

// redrawContactsChannel puts the user back in &msn with every contact
// that belongs there, so that a rejoin gets the same NAMES as the first
// join rather than a JOIN and MODE per contact after it.
func (s *session) redrawContactsChannel() {
	members := []ircd.Member{{Nick: mapping.ServiceNick, Op: true}}
	for _, c := range s.sortedContacts() {
		c.inChannel, c.voiced = false, false
		if c.lists() == 0 {
			continue
		}
		s.world.SetUser(s.userFor(c))
		online := c.online()
		if s.inContactsChannel(c, online) {
			members = append(members, ircd.Member{Nick: c.nick, Voice: s.voice(online)})
			c.inChannel, c.voiced = true, s.voice(online)
		}
	}
	s.world.OpenChannel(ContactsChannel, s.psm, true, members)
}

// onPartChannel leaves a group chat.
func (s *session) onPartChannel(name string) error {
	if mapping.Casefold(name) == mapping.Casefold(ContactsChannel) {
		s.world.CloseChannel(ContactsChannel, "")
		for _, c := range s.contacts {
			c.inChannel, c.voiced = false, false
		}
		return nil
	}
	cv := s.convs.channels[mapping.Casefold(name)]
	if cv == nil {
		return &ircd.Reply{Code: irc.ERR_NOTONCHANNEL, Params: []string{name}, Text: "You're not on that channel"}
	}
	s.closeGroupChat(cv, "you left the group chat", "left the group chat")
	return nil
}

// onInvite calls a contact into a group chat.
func (s *session) onInvite(nick, channel string) error {
	c, ok := s.lookupContact(nick)
	if !ok {
		return &ircd.Reply{Code: irc.ERR_NOSUCHNICK, Params: []string{nick}, Text: "No such nick"}
	}
	cv := s.convs.channels[mapping.Casefold(channel)]
	if cv == nil {
		return &ircd.Reply{Code: irc.ERR_NOSUCHCHANNEL, Params: []string{channel}, Text: "Invite contacts to a group chat: /JOIN #name first"}
	}
	if cv.members[c.passport] {
		return &ircd.Reply{Code: irc.ERR_USERONCHANNEL, Params: []string{c.nick, channel}, Text: "is already in the chat"}
	}
	if s.client == nil {
		return errNotConnected
	}
	// Presence is known only for contacts on the forward list; others
	// are called, and CAL says whether they are there.
	if c.knownOffline() {
		return errors.New(c.nick + " is offline and cannot join a chat")
	}
	if slices.Contains(cv.invites, c.passport) || cv.calling[c.passport] {
		return nil // invited already, on its way
	}
	if !s.allowUserRequest() {
		return errors.New("too many requests to MSN at once; try again in a moment")
	}
	cv.invites = append(cv.invites, c.passport)
	cv.pump()
	return nil
}

// onTopic sets the personal message from /TOPIC &msn.
func (s *session) onTopic(channel, topic string) error {
	if mapping.Casefold(channel) != mapping.Casefold(ContactsChannel) {
		return &ircd.Reply{Code: irc.ERR_CHANOPRIVSNEEDED, Params: []string{channel}, Text: "MSN group chats have no topic"}
	}
	s.setPersonalMessage(topic, "")
	return nil
}

// statusLabel is the name of the user's own status.
func statusLabel(st msn.Status) string {
	switch st {
	case msn.StatusOnline:
		return "Online"
	case msn.StatusHidden:
		return "Appear offline"
	}
	return mapping.StatusName(st)
}

// setFriendlyName changes the user's friendly name. From SETNAME (no
// replyTo) the clients show the new name already: a name MSN does not
// take is taken back there.
func (s *session) setFriendlyName(name, replyTo string) {
	refused := func(why string) {
		if replyTo == "" {
			s.world.SetSelf("", "", s.selfName)
		}
		s.answer(replyTo, why)
	}
	name = cleanName(name)
	if name == "" {
		refused("Usage: name <friendly name>")
		return
	}
	if n := msn.FriendlyNameSize(name); n > msn.MaxFriendlyNameSize {
		refused("Could not change your friendly name: it is too long for MSN, " + itoa(n) + " bytes where at most " +
			itoa(msn.MaxFriendlyNameSize) + " fit (a space or % takes 3, a letter beyond ASCII 2 to 4).")
		return
	}
	s.userRequest(func(ctx context.Context, c *msn.Client) error { return c.SetFriendlyName(ctx, name) }, func(err error) {
		if err != nil {
			refused("Could not change your friendly name: " + sendErrorText(err, s.clientVersion()))
			return
		}
		s.selfName = name
		ident, host := splitPassport(s.account)
		s.world.SetSelf(ident, host, name)
		if replyTo != "" {
			s.answer(replyTo, "Friendly name set to "+name+".")
		}
	})
}

// setPersonalMessage changes the personal message, shown as the &msn topic.
func (s *session) setPersonalMessage(text, replyTo string) {
	text = cleanName(text)
	before := s.psm
	s.userRequest(func(ctx context.Context, c *msn.Client) error { return c.SetPersonalMessage(ctx, text) }, func(err error) {
		if err != nil {
			msg := "Could not set your personal message: " + sendErrorText(err, s.clientVersion())
			if errors.Is(err, msn.ErrUnsupported) {
				msg = "Personal messages need MSNP11 or later; this session speaks MSNP" + itoa(s.clientVersion()) + "."
			}
			if replyTo == "" {
				s.world.SetTopic(ContactsChannel, s.psm, "")
			}
			s.answer(replyTo, msg)
			return
		}
		// Unless MSN's echo of it drew it meanwhile.
		if text != s.psm || text == before {
			s.psm = text
			s.world.SetTopic(ContactsChannel, text, s.world.Nick())
		}
		if replyTo != "" {
			s.answer(replyTo, "Personal message set.")
		}
	})
}
