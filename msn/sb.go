package msn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Switchboard is one chat session. Its methods are safe from any goroutine.
type Switchboard struct {
	c    *Client
	l    *link
	trid atomic.Uint32
	done chan struct{} // closed once the session has ended and its events are queued

	mu           sync.Mutex
	id           string
	participants []participant
	announced    bool // the user knows the session: events are reported
	outgoing     bool
	stash        []Event  // IRO joins, reported at ANS OK; at most maxStash
	own          []string // GUIDs of the user's other endpoints present, at most maxParticipants
	waiters      map[string][]chan struct{}
	closedByUs   bool
	closeErr     error // reported in SwitchboardClosed when closedByUs
	lastActive   time.Time
	idle         *time.Timer
}

type participant struct {
	passport, name string
	// endpoints are the GUIDs (MSNP16+) of the participant's places in
	// the session, at most maxParticipants; none when the server names
	// the participant by address only.
	endpoints []string
}

// maxParticipants bounds the other participants a switchboard keeps, and
// the user's own other endpoints in it. The server says who joins; no
// limit is documented, a conversation has a handful, and the cap keeps
// each JOI's look-up short whatever the server announces.
const maxParticipants = 64

// maxStash bounds the IRO joins kept until ANS OK: the participants and
// the user's own endpoints, each of which the server may name again after
// a BYE.
const maxStash = 2 * maxParticipants

// ID returns the session id (opaque; hex on Escargot) or, for one we opened before CAL answered, a local id.
func (s *Switchboard) ID() string { return locked(&s.mu, &s.id) }

// Participants returns the other participants currently in the session.
func (s *Switchboard) Participants() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.participants))
	for i, p := range s.participants {
		out[i] = p.passport
	}
	return out
}

// addLocked adds p to the participants unless it is one already or
// maxParticipants are; false when it was not added. s.mu held.
func (s *Switchboard) addLocked(p participant) bool {
	if s.hasLocked(p.passport) || len(s.participants) >= maxParticipants {
		return false
	}
	s.participants = append(s.participants, p)
	return true
}

func (s *Switchboard) hasLocked(passport string) bool {
	for _, p := range s.participants {
		if strings.EqualFold(p.passport, passport) {
			return true
		}
	}
	return false
}

// dialSB connects to a switchboard and starts reading from it.
func (c *Client) dialSB(ctx context.Context, addr, id string, outgoing bool) (*Switchboard, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("msn: switchboard address %q: %w", truncate(addr, 40), err)
	}
	d := net.Dialer{Timeout: c.cfg.DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("msn: connecting to switchboard %s: %w", addr, err)
	}
	if id == "" {
		id = "local-" + strconv.FormatUint(uint64(c.sbSeq.Add(1)), 10)
	}
	s := &Switchboard{
		c:          c,
		id:         id,
		outgoing:   outgoing,
		done:       make(chan struct{}),
		waiters:    map[string][]chan struct{}{},
		lastActive: time.Now(),
	}
	s.l = newLink(conn, c.log.With("conn", "sb", "sb", id), &s.trid)
	// A switchboard relays no MSG longer than it accepts: a longer one
	// ends the session, as Escargot ends the sender's.
	s.l.r.maxPayload = MaxSBMessagePayload
	c.mu.Lock()
	if c.down || c.closing {
		c.mu.Unlock()
		conn.Close()
		return nil, fmt.Errorf("msn: switchboard: %w", ErrClosed)
	}
	c.sbs[s] = struct{}{}
	c.wg.Add(1)
	c.mu.Unlock()
	s.mu.Lock()
	s.idle = time.AfterFunc(c.cfg.SwitchboardIdleTimeout, s.onIdle)
	s.mu.Unlock()
	go func() {
		defer c.wg.Done()
		err := s.l.run(s.handle)
		s.ended(err)
	}()
	return s, nil
}

// OpenSwitchboard starts a chat with passport: XFR SB, USR, CAL, and waits
// until they JOI. A contact who is offline gives an error matching ErrContactOffline.
func (c *Client) OpenSwitchboard(ctx context.Context, passport string) (*Switchboard, error) {
	if err := checkPassport(passport); err != nil {
		return nil, fmt.Errorf("msn: open switchboard: %w", err)
	}
	r, err := c.request(ctx, "XFR", []string{"SB"}, nil)
	if err != nil {
		return nil, fmt.Errorf("msn: open switchboard: %w", err)
	}
	// XFR t SB host:port CKI cookie [...]
	if r.Param(1) != "SB" || r.Param(3) != "CKI" || r.Param(4) == "" {
		return nil, fmt.Errorf("msn: open switchboard: unexpected %q", redactLine(r))
	}
	s, err := c.dialSB(ctx, r.Param(2), "", true)
	if err != nil {
		return nil, fmt.Errorf("msn: open switchboard: %w", err)
	}
	if _, err := s.l.request(ctx, c.cfg.RequestTimeout, "USR", []string{c.sbHandle(), r.Param(4)}, nil); err != nil {
		s.abandon()
		return nil, fmt.Errorf("msn: open switchboard: %w", err)
	}
	if err := s.call(ctx, passport); err != nil {
		s.abandon()
		return nil, fmt.Errorf("msn: open switchboard: %w", err)
	}
	return s, nil
}

// call invites passport (CAL) and waits for them to join.
func (s *Switchboard) call(ctx context.Context, passport string) error {
	key := strings.ToLower(passport)
	joined := make(chan struct{})
	s.mu.Lock()
	if s.hasLocked(passport) {
		s.mu.Unlock()
		return nil
	}
	s.waiters[key] = append(s.waiters[key], joined)
	s.mu.Unlock()
	defer s.dropWaiter(key, joined) // gone already when they joined
	rt := s.c.cfg.RequestTimeout
	r, err := s.l.request(ctx, rt, "CAL", []string{passport}, nil)
	var se *ServerError
	if errors.As(err, &se) && se.Code == 215 {
		err = nil // already invited or present: wait for the JOI
	} else if err == nil && r.Param(1) == "RINGING" && r.Param(2) != "" {
		s.mu.Lock()
		if strings.HasPrefix(s.id, "local-") {
			s.id = r.Param(2)
		}
		s.mu.Unlock()
	}
	if err != nil {
		return err
	}
	t := time.NewTimer(rt)
	defer t.Stop()
	select {
	case <-joined:
		return nil
	case <-s.l.done:
		return fmt.Errorf("CAL: %w", ErrClosed)
	case <-ctx.Done():
	case <-t.C:
	}
	s.mu.Lock()
	ok := s.hasLocked(passport)
	s.mu.Unlock()
	if ok {
		return nil
	}
	return fmt.Errorf("CAL: %s did not join: %w", passport, ErrTimeout)
}

// dropWaiter forgets joined, a waiter for key, so that an invitation the
// contact never answers leaves nothing behind.
func (s *Switchboard) dropWaiter(key string, joined chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	left := slices.DeleteFunc(s.waiters[key], func(w chan struct{}) bool { return w == joined })
	if len(left) == 0 {
		delete(s.waiters, key)
	} else {
		s.waiters[key] = left
	}
}

// Accept answers an invitation (ANS) and returns the joined switchboard.
func (c *Client) Accept(ctx context.Context, inv Invitation) (*Switchboard, error) {
	if inv.SessionID == "" || inv.Cookie == "" {
		return nil, fmt.Errorf("msn: accept: incomplete invitation")
	}
	s, err := c.dialSB(ctx, inv.Address, inv.SessionID, false)
	if err != nil {
		return nil, fmt.Errorf("msn: accept: %w", err)
	}
	if _, err := s.l.request(ctx, c.cfg.RequestTimeout, "ANS", []string{c.sbHandle(), inv.Cookie, inv.SessionID}, nil); err != nil {
		s.abandon()
		return nil, fmt.Errorf("msn: accept: %w", err)
	}
	return s, nil
}

// Invite calls another contact into the session (CAL) and waits for JOI.
func (s *Switchboard) Invite(ctx context.Context, passport string) error {
	if err := checkPassport(passport); err != nil {
		return fmt.Errorf("msn: invite: %w", err)
	}
	if err := s.call(ctx, passport); err != nil {
		return fmt.Errorf("msn: invite: %w", err)
	}
	return nil
}

// handle processes one command from the switchboard.
func (s *Switchboard) handle(cmd *Command) {
	c := s.c
	defer c.endIfOverflowed()
	switch cmd.Name {
	case "IRO":
		// IRO t i n passport[;{guid}] name [caps]
		s.onJoin(cmd.Param(3), cmd.Param(4), true)
	case "ANS":
		if cmd.Param(1) != "OK" {
			return
		}
		s.mu.Lock()
		s.announced = true
		stash := s.stash
		s.stash = nil
		s.mu.Unlock()
		for _, e := range stash {
			c.events.push(e)
		}
	case "JOI":
		// JOI passport[;{guid}] name [caps]
		s.onJoin(cmd.Param(0), cmd.Param(1), false)
	case "BYE":
		s.onBye(cmd.Param(0), cmd.Param(1) == "1")
	case "MSG":
		s.touch()
		s.onMessage(cmd)
	}
}

// onMessage reports a message: MSG passport name N + MIME payload.
func (s *Switchboard) onMessage(cmd *Command) {
	from, name := cmd.Param(0), decodeName(cmd.Param(1))
	m := parseMIME(cmd.Payload)
	ct := m.contentType()
	var ev Event
	switch ct {
	case "text/plain":
		ev = MessageReceived{Switchboard: s, From: from, FriendlyName: name, DisplayName: clipUTF8(decodeName(m.header.get("p4-context")), maxEncodedName), Text: textBody(m),
			Format: parseFormat(m.header.get("x-mms-im-format")), Time: time.Now()}
	case "text/x-msmsgscontrol":
		if m.header.get("typinguser") == "" {
			return
		}
		ev = TypingReceived{Switchboard: s, From: from}
	case "text/x-msnmsgr-datacast":
		if strings.TrimSpace(bodyFields(m.body).get("id")) == "1" {
			ev = NudgeReceived{Switchboard: s, From: from}
		} else {
			ev = UnsupportedContent{Switchboard: s, From: from, ContentType: ct, Description: describeContent(m)}
		}
	case "application/x-msnmsgrp2p":
		s.onP2P(from, m)
		return
	case "text/x-msmsgsinvite":
		if s.onMSNFTP(from, m) {
			return
		}
		ev = UnsupportedContent{Switchboard: s, From: from, ContentType: ct, Description: describeContent(m)}
	case "text/x-clientcaps", "text/x-keepalive":
		return // client chatter with nothing to show
	default:
		ev = UnsupportedContent{Switchboard: s, From: from, ContentType: sanitizeText(ct), Description: describeContent(m)}
	}
	s.c.events.push(ev)
}

func (s *Switchboard) touch() { s.touchAt(time.Now()) }

// touchAt records activity at now.
func (s *Switchboard) touchAt(now time.Time) {
	s.mu.Lock()
	s.lastActive = now
	s.mu.Unlock()
}

func (s *Switchboard) onIdle() {
	s.mu.Lock()
	left := s.c.cfg.SwitchboardIdleTimeout - time.Since(s.lastActive)
	if left > 0 && s.idle != nil {
		s.idle.Reset(left)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.closeWith(ErrIdle)
}

// closeWith leaves the session (OUT) and closes the connection; reported
// is the error of the SwitchboardClosed event (nil for a normal close). It
// does not wait.
func (s *Switchboard) closeWith(reported error) {
	s.mu.Lock()
	if s.closedByUs || s.l.isClosed() {
		s.mu.Unlock()
		return
	}
	s.closedByUs = true
	s.closeErr = reported
	s.mu.Unlock()
	_ = s.l.send(&Command{Name: "OUT"})
	_ = s.l.flush() // what was held while corked goes out first
	s.l.closeWith(nil)
}

// abandon closes a session the user never saw, without events.
func (s *Switchboard) abandon() {
	s.mu.Lock()
	s.announced = false
	s.mu.Unlock()
	s.closeWith(nil)
	<-s.done
}

// ended runs when the reader stopped: requests in flight have failed.
func (s *Switchboard) ended(err error) {
	c := s.c
	s.mu.Lock()
	if s.idle != nil {
		s.idle.Stop()
	}
	if s.closedByUs {
		err = s.closeErr
	}
	announced := s.announced
	s.announced = false
	s.mu.Unlock()
	c.mu.Lock()
	delete(c.sbs, s)
	c.mu.Unlock()
	c.p2pSwitchboardClosed(s)
	if announced {
		c.events.push(SwitchboardClosed{Switchboard: s, Err: err})
	}
	close(s.done)
}

// Close leaves the session (OUT) and closes the connection. It waits until
// the SwitchboardClosed event is queued.
func (s *Switchboard) Close() error {
	s.closeWith(nil)
	<-s.done
	return nil
}
