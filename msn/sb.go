package msn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// AckMode is how a message asks to be acknowledged.
type AckMode string

// Ack modes of MSG.
const (
	AckNone   AckMode = "U" // no reply
	AckNAK    AckMode = "N" // NAK on failure only
	AckAlways AckMode = "A" // ACK or NAK
	AckData   AckMode = "D" // ACK or NAK, for data (P2P)
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
	stash        []Event // IRO joins, reported at ANS OK
	waiters      map[string][]chan struct{}
	closedByUs   bool
	closeErr     error // reported in SwitchboardClosed when closedByUs
	lastActive   time.Time
	idle         *time.Timer
}

type participant struct{ passport, name string }

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

// addLocked adds p to the participants unless it is one already. s.mu held.
func (s *Switchboard) addLocked(p participant) {
	if !s.hasLocked(p.passport) {
		s.participants = append(s.participants, p)
	}
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
	if _, err := s.l.request(ctx, c.cfg.RequestTimeout, "USR", []string{c.Passport(), r.Param(4)}, nil); err != nil {
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

// Accept answers an invitation (ANS) and returns the joined switchboard.
func (c *Client) Accept(ctx context.Context, inv Invitation) (*Switchboard, error) {
	if inv.SessionID == "" || inv.Cookie == "" {
		return nil, fmt.Errorf("msn: accept: incomplete invitation")
	}
	s, err := c.dialSB(ctx, inv.Address, inv.SessionID, false)
	if err != nil {
		return nil, fmt.Errorf("msn: accept: %w", err)
	}
	if _, err := s.l.request(ctx, c.cfg.RequestTimeout, "ANS", []string{c.Passport(), inv.Cookie, inv.SessionID}, nil); err != nil {
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
	switch cmd.Name {
	case "IRO":
		// IRO t i n passport name [caps]
		p := participant{passport: cmd.Param(3), name: decodeName(cmd.Param(4))}
		if p.passport == "" {
			return
		}
		s.mu.Lock()
		s.addLocked(p)
		s.stash = append(s.stash, ParticipantJoined{Switchboard: s, Passport: p.passport, FriendlyName: p.name, Initial: true})
		s.mu.Unlock()
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
		p := participant{passport: cmd.Param(0), name: decodeName(cmd.Param(1))}
		if p.passport == "" {
			return
		}
		s.mu.Lock()
		s.addLocked(p)
		if s.outgoing {
			s.announced = true
		}
		announced := s.announced
		key := strings.ToLower(p.passport)
		waiters := s.waiters[key]
		delete(s.waiters, key)
		s.mu.Unlock()
		if announced {
			c.events.push(ParticipantJoined{Switchboard: s, Passport: p.passport, FriendlyName: p.name})
		}
		for _, w := range waiters {
			close(w)
		}
	case "BYE":
		passport := cmd.Param(0)
		s.mu.Lock()
		for i, p := range s.participants {
			if strings.EqualFold(p.passport, passport) {
				s.participants = append(s.participants[:i], s.participants[i+1:]...)
				passport = p.passport
				break
			}
		}
		empty := len(s.participants) == 0
		announced := s.announced
		s.mu.Unlock()
		if announced {
			c.events.push(ParticipantLeft{Switchboard: s, Passport: passport, Idle: cmd.Param(1) == "1"})
		}
		if empty {
			s.closeWith(nil) // nobody left to talk to
		}
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
		ev = MessageReceived{Switchboard: s, From: from, FriendlyName: name, DisplayName: decodeName(m.header.get("p4-context")), Text: textBody(m),
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

// Send sends one MSG with the given payload and ack mode. With AckAlways
// and AckData it waits for the outcome: nil when ACKed, ErrNAK, ErrTimeout,
// or ErrClosed when the connection ended first. With AckNone and AckNAK it
// returns once the message is written.
func (s *Switchboard) Send(ctx context.Context, ack AckMode, payload []byte) error {
	switch ack {
	case AckNone, AckNAK, AckAlways, AckData:
	default:
		return fmt.Errorf("msn: MSG: invalid ack mode %q", ack)
	}
	if len(payload) > MaxSBMessagePayload {
		return fmt.Errorf("msn: MSG: %w: %d bytes, at most %d fit one message", ErrPayloadTooLong, len(payload), MaxSBMessagePayload)
	}
	if payload == nil {
		payload = []byte{}
	}
	s.touch()
	if ack == AckNone || ack == AckNAK {
		if err := s.l.sendParts("MSG", s.l.nextTrID(), []string{string(ack)}, payload); err != nil {
			return fmt.Errorf("msn: MSG: %w", err)
		}
		return nil
	}
	r, err := s.l.request(ctx, s.c.cfg.RequestTimeout, "MSG", []string{string(ack)}, payload, "ACK", "NAK")
	if err != nil {
		return fmt.Errorf("msn: %w", err)
	}
	if r.Name == "NAK" {
		return fmt.Errorf("msn: MSG: %w", ErrNAK)
	}
	return nil
}

// SendText sends a text/plain message and waits for its outcome: nil when
// ACKed, ErrNAK, ErrTimeout, or ErrClosed when the connection ended before an
// ACK (the message may or may not have arrived). Text longer than one payload
// is an error; callers split it (see SplitText).
func (s *Switchboard) SendText(ctx context.Context, text string, f Format) error {
	return s.Send(ctx, AckAlways, textPayload(text, f))
}

// StartText writes a text/plain message (ack A) and returns without
// waiting for its acknowledgement: the returned channel receives the
// outcome once, as SendText would return it (nil when ACKed, ErrNAK,
// ErrTimeout when nothing answered within timeout, or ErrClosed when the
// connection ended first). Messages started one after another go out in
// that order, so a caller can send several before the first is
// acknowledged. timeout <= 0 means the client's RequestTimeout. It returns
// an error, and no channel, when the message could not be written.
func (s *Switchboard) StartText(ctx context.Context, text string, f Format, timeout time.Duration) (<-chan error, error) {
	out := make(chan error, 1)
	if err := s.StartTextFunc(ctx, text, f, timeout, OutcomeFunc(func(err error) { out <- err })); err != nil {
		return nil, err
	}
	return out, nil
}

// Outcome receives the outcome of a message started with StartTextFunc.
type Outcome interface {
	// MessageOutcome is called once, from another goroutine (the
	// switchboard's reader, or a timer), and must not block for long: the
	// switchboard reads nothing while it runs.
	MessageOutcome(err error)
}

// OutcomeFunc is a function that receives an outcome.
type OutcomeFunc func(err error)

// MessageOutcome calls f(err).
func (f OutcomeFunc) MessageOutcome(err error) { f(err) }

// StartTextFunc is StartText with the outcome passed to done instead of a
// channel. When StartTextFunc returns an error, done is never called.
func (s *Switchboard) StartTextFunc(ctx context.Context, text string, f Format, timeout time.Duration, done Outcome) error {
	// The payload is copied as it is written, so its buffer is reused.
	bp := writeBuffers.Get().(*[]byte)
	defer putWriteBuffer(bp)
	payload := appendTextPayload((*bp)[:0], text, f)
	*bp = payload
	if len(payload) > MaxSBMessagePayload {
		return fmt.Errorf("msn: MSG: %w: %d bytes, at most %d fit one message", ErrPayloadTooLong, len(payload), MaxSBMessagePayload)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("msn: MSG: %w", err)
	}
	if timeout <= 0 {
		timeout = s.c.cfg.RequestTimeout
	}
	now := time.Now()
	s.touchAt(now)
	if err := s.l.start(now, timeout, "MSG", ackAlwaysParams, payload, msgReplies, done); err != nil {
		return fmt.Errorf("msn: %w", err)
	}
	return nil
}

// For StartTextFunc; never modified.
var (
	ackAlwaysParams = []string{string(AckAlways)}
	msgReplies      = []string{"ACK", "NAK"}
)

// Cork holds the commands sent on the switchboard from now on, messages
// included, until Flush writes them in one go: a burst of messages then
// costs one write instead of one each. Requests sent while corked are not
// answered before Flush.
func (s *Switchboard) Cork() { s.l.cork() }

// Flush writes what was held since Cork and stops holding. When the write
// fails the switchboard closes, and the messages held get ErrClosed as
// their outcome.
func (s *Switchboard) Flush() error {
	if err := s.l.flush(); err != nil {
		return fmt.Errorf("msn: %w", err)
	}
	return nil
}

// SendTyping sends a typing notification (ack U).
func (s *Switchboard) SendTyping(ctx context.Context) error {
	return s.Send(ctx, AckNone, typingPayload(s.c.Passport()))
}

// SendNudge sends a nudge (datacast ID 1, ack U). Servers relay it on every
// protocol version; clients older than MSN 7 (MSNP11) ignore it.
func (s *Switchboard) SendNudge(ctx context.Context) error {
	return s.Send(ctx, AckNone, nudgePayload)
}
