package bridge

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// handleDisconnect reacts to the end of the notification server connection.
func (s *session) handleDisconnect(ev msn.Disconnected) {
	old := s.client
	s.client = nil
	s.events = nil
	if old != nil {
		s.spawn(func(context.Context) { closeClient(old) })
	}
	s.dropConversations()
	s.markAllOffline()
	switch ev.Reason {
	case msn.ReasonClosed:
		return
	case msn.ReasonEndpointSignOut:
		s.signedOutByEndpoint(ev)
		return
	case msn.ReasonOtherLogin:
		s.stopped = true
		s.outElsewhere = true
		s.notice("Signed out of MSN: this account signed in from another location. Not reconnecting; say \"login\" to sign in again (here or in /msg msn).")
		return
	}
	why := ev.Reason.String()
	if ev.Err != nil && !strings.Contains(ev.Err.Error(), why) {
		why += ": " + ev.Err.Error()
	}
	s.notice("Lost the connection to MSN (" + why + "). Reconnecting; messages to contacts wait in the outbox.")
	s.scheduleReconnect()
}

// scheduleReconnect waits with exponential backoff and jitter, then logs in again.
func (s *session) scheduleReconnect() {
	if s.stopped || s.connecting || s.client != nil {
		return
	}
	d := s.b.cfg.ReconnectMin
	for i := 0; i < s.reconnects && d < s.b.cfg.ReconnectMax; i++ {
		d *= 2
	}
	if d > s.b.cfg.ReconnectMax {
		d = s.b.cfg.ReconnectMax
	}
	d = d/2 + time.Duration(rand.Int64N(int64(d)+1)) // jitter: 50%..150%
	s.reconnects++
	s.log.Info("reconnecting", "in", d, "attempt", s.reconnects)
	s.connecting = true
	s.reconnectT = s.afterFunc(d, s.reconnect)
}

// reconnect logs in again now.
func (s *session) reconnect() {
	if s.reconnectT != nil {
		s.reconnectT.Stop()
		s.reconnectT = nil
	}
	if s.client != nil {
		s.connecting = false
		return
	}
	s.connecting = true
	s.b.cfg.Metrics.Reconnect()
	cfg := s.mcfg // read here: the session goroutine owns it
	st := s.away.msnStatus()
	s.spawn(func(ctx context.Context) {
		c, err := s.login(ctx, cfg, st)
		if !s.post(func() { s.reconnected(c, err, st) }) && c != nil {
			closeClient(c)
		}
	})
}

// reconnected starts using the client of a reconnect, signed in with
// status st, or schedules the next try.
func (s *session) reconnected(c *msn.Client, err error, st msn.Status) {
	s.connecting = false
	if err != nil {
		if errors.Is(err, msn.ErrAuthFailed) {
			s.stopped = true
			s.notice("Reconnecting to MSN failed: the server refused the password (wrong address or password). Not reconnecting.")
			return
		}
		s.log.Info("reconnect failed", "err", err)
		s.notice("Reconnecting to MSN failed: " + loginError(err).Error() + ". Trying again.")
		s.scheduleReconnect()
		return
	}
	if s.stopped && s.ending != "" {
		s.spawn(func(context.Context) { closeClient(c) })
		return
	}
	s.stopped = false
	s.outElsewhere = false
	s.eps = endpointState{}
	s.reconnects = 0
	s.setClient(c)
	s.notice("Reconnected to MSN (MSNP" + itoa(c.Version()) + ").")
	s.away.sent, s.away.sending = st, false
	s.pushStatus("") // a change made while reconnecting
	if psm := s.psm; psm != "" && c.Version() >= 11 {
		// The personal message is sent at each sign-in.
		s.request(func(ctx context.Context, c *msn.Client) error { return c.SetPersonalMessage(ctx, psm) }, func(err error) {
			if err != nil {
				s.log.Info("restoring the personal message", "err", err)
			}
		})
	}
}
