package msn

import (
	"context"
	"fmt"
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
	payload := textPayload(text, f)
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
	if err := s.l.start(now, timeout, "MSG", []string{string(AckAlways)}, payload, []string{"ACK", "NAK"}, done); err != nil {
		return fmt.Errorf("msn: %w", err)
	}
	return nil
}

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
