package bridge

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

// Authorization requests: someone added the user to their contact list and
// waits for an answer. They are stored (db.MaxPending per account) and
// answered with accept or deny, by address or by the number pending shows.
// MSN sends every unanswered request again at each login, so the store
// keeps whether the user was told of it: each request is announced once,
// to the clients attached when it came or to the next one to attach, and
// after that only counted in one line when a client attaches (a bouncer
// would otherwise keep a copy of each announcement). Everything the user
// reads about them is worded here.

// announcedPending is how many new requests an attaching client is shown
// in full; the others are counted, and pending lists them.
const announcedPending = 5

// onAuthRequest stores that someone added the user and announces it, once.
func (s *session) onAuthRequest(ev msn.AuthorizationRequested) {
	r := db.AuthRequest{Account: s.account, Passport: strings.ToLower(ev.Passport), FriendlyName: cleanName(ev.FriendlyName), Received: time.Now()}
	if mapping.NoName(r.FriendlyName, r.Passport) {
		// MSN's stand-in for no name (a request sent again from lists that
		// carry none): the name stored with the request stays.
		r.FriendlyName = ""
	}
	// Someone adding the user again and again (removing them between) is
	// stored and announced once per repeatEvery: the request is pending
	// already, and each would be writes to the store every session shares.
	if !s.repeatDue(repeatKey{passport: r.Passport, kind: repeatAuthRequest}) {
		return
	}
	s.noPending = false
	saved := s.stored(s.store.AddPending(s.ctx, r), "storing an authorization request", riskPending)
	if s.world.ClientCount() == 0 {
		return // announced on attach
	}
	if !saved {
		s.notice(authRequestText(r)) // nothing tells whether it was announced
		return
	}
	announced, err := s.store.PendingAnnounced(s.ctx, s.account, r.Passport)
	if err != nil {
		s.log.Warn("reading an authorization request", "err", err)
		return
	}
	if !announced {
		s.notice(authRequestText(r))
		s.markAnnounced([]db.AuthRequest{r})
	}
}

// markAnnounced records that the user was told of these requests.
func (s *session) markAnnounced(rs []db.AuthRequest) {
	if len(rs) == 0 {
		return
	}
	ps := make([]string, len(rs))
	for i, r := range rs {
		ps[i] = r.Passport
	}
	s.stored(s.store.MarkAnnounced(s.ctx, s.account, ps), "storing that authorization requests were announced", riskPending)
}

// announcePending tells an attaching client of the requests waiting for an
// answer: the new ones (the newest few in full, and how many more), then
// in one line how many wait in all when some were announced before.
func (s *session) announcePending() {
	if s.noPending {
		return
	}
	pend, err := s.store.Pending(s.ctx, s.account)
	if err != nil {
		s.log.Warn("reading authorization requests", "err", err)
		return
	}
	var fresh []db.AuthRequest
	for _, r := range pend {
		if !r.Announced {
			fresh = append(fresh, r)
		}
	}
	if len(fresh) > announcedPending {
		s.notice(fmt.Sprintf("%s people added you to their contact list and wait for an answer; the newest %d:", thousands(len(fresh)), announcedPending))
	}
	for _, r := range fresh[max(0, len(fresh)-announcedPending):] {
		s.notice(authRequestText(r))
	}
	if more := len(fresh) - announcedPending; more > 0 {
		s.notice(fmt.Sprintf("... and %s more: /msg msn pending lists them all", thousands(more)))
	}
	s.markAnnounced(fresh)
	if len(fresh) < len(pend) {
		s.notice(waitingText(len(pend)))
	}
}

// waitingText counts the requests waiting for an answer.
func waitingText(n int) string {
	if n == 1 {
		return "1 person waits for an answer: msn pending"
	}
	return thousands(n) + " people wait for an answer: msn pending"
}

// cmdPending lists every stored request, oldest first, with its number.
func (s *session) cmdPending(say func(string)) {
	pend, err := s.store.Pending(s.ctx, s.account)
	if err != nil {
		say("Could not read the authorization requests: " + db.Reason(err))
		return
	}
	if len(pend) == 0 {
		say("No authorization requests.")
		return
	}
	say(fmt.Sprintf("%s authorization request(s), oldest first; answer with accept or deny and the address or number:", thousands(len(pend))))
	for _, r := range pend {
		say(fmt.Sprintf("%d: %s", r.ID, authRequestText(r)))
	}
}

// shownAddress is a request's address as the user sees it: without
// control characters.
func shownAddress(r db.AuthRequest) string {
	return mapping.CleanLine(r.Passport, false)
}

// authRequestText says who added the user and how to answer.
func authRequestText(r db.AuthRequest) string {
	p := shownAddress(r)
	who := p
	if name := mapping.CleanLine(r.FriendlyName, false); name != "" && name != p {
		who += " (" + name + ")"
	}
	if _, ok := validAddress(r.Passport); !ok {
		return who + " added you to their contact list, but that is not a valid MSN address: \"deny " + strconv.FormatInt(r.ID, 10) + "\" removes the request."
	}
	return who + " added you to their contact list. Answer with \"accept " + p + "\" or \"deny " + p + "\"."
}

// findPending finds a stored request by the number pending shows or by its
// address as shown.
func (s *session) findPending(arg string) (db.AuthRequest, bool, error) {
	pend, err := s.store.Pending(s.ctx, s.account)
	if err != nil {
		return db.AuthRequest{}, false, err
	}
	id, numErr := strconv.ParseInt(arg, 10, 64)
	for _, r := range pend {
		if numErr == nil && r.ID == id || numErr != nil && strings.EqualFold(shownAddress(r), arg) {
			return r, true, nil
		}
	}
	return db.AuthRequest{}, false, nil
}

// cmdAnswerAuth accepts or denies a request, given by address or number.
// A valid address is answered on MSN even when no request is stored; a
// stored request whose address is not valid can only be denied, which
// removes it from the store.
func (s *session) cmdAnswerAuth(op, arg string, say func(string)) {
	r, found, err := s.findPending(arg)
	if err != nil {
		say("Could not read the authorization requests: " + db.Reason(err))
		return
	}
	if !found {
		if _, numErr := strconv.ParseInt(arg, 10, 64); numErr == nil {
			say("No authorization request numbered " + arg + "; \"pending\" lists them.")
			return
		}
		r.Passport = arg
	}
	p, ok := validAddress(r.Passport)
	switch {
	case ok:
	case !found:
		say("\"" + shorten(arg, 60) + "\" is not an MSN address (name@domain).")
		return
	case op == "accept":
		say(fmt.Sprintf("%s is not a valid MSN address, so the request cannot be accepted; \"deny %d\" removes it.", shorten(shownAddress(r), 60), r.ID))
		return
	default:
		if !s.stored(s.store.DeletePending(s.ctx, s.account, r.Passport), "deleting an authorization request", riskPending) {
			say("Could not remove the request of " + shorten(shownAddress(r), 60) + ": could not save to the database.")
			return
		}
		say("Removed the request of " + shorten(shownAddress(r), 60) + ": not a valid MSN address, so it was only removed here and MSN was not told.")
		return
	}
	fn := func(ctx context.Context, c *msn.Client) error { return c.AcceptAuthorization(ctx, p) }
	if op == "deny" {
		fn = func(ctx context.Context, c *msn.Client) error { return c.DenyAuthorization(ctx, p) }
	}
	s.userRequest(fn, func(err error) {
		if err != nil {
			say(fmt.Sprintf("Could not %s %s: %s", op, p, sendErrorText(err, s.clientVersion())))
			return
		}
		s.stored(s.store.DeletePending(s.ctx, s.account, p), "deleting an authorization request", riskPending)
		c := s.ensureContact(p, "")
		if op == "accept" {
			// The lists may know no name for someone who only added the
			// user (MSNP13+ memberships carry none): the request does.
			if mapping.NoName(c.name, c.passport) && r.FriendlyName != "" {
				s.setName(c, r.FriendlyName)
			}
			c.setLists((c.lists() | msn.AllowList | msn.ForwardList) &^ msn.BlockList)
			s.refresh(c)
			say("Accepted " + p + "; they are on your contacts as " + c.nick + ".")
		} else {
			c.setLists(c.lists()&^msn.AllowList | msn.BlockList)
			s.refresh(c)
			say("Denied " + p + ".")
		}
	})
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
