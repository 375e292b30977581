package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gopkg.in/irc.v4"
)

// session is a bench IRC client logged in to the bridge, talking to one peer.
type session struct {
	irc      *ircClient
	peerNick string
	echoes   chan echoArrival
	failures chan string
	service  chan string // what the bridge's service user says
}

// startEchoes routes the peer's PRIVMSGs to s.echoes, and the bridge's
// failure reports (FAIL, NOTICE from the peer or the server) to s.failures.
func (s *session) startEchoes() error {
	s.echoes = make(chan echoArrival, 256)
	s.failures = make(chan string, 16)
	s.service = make(chan string, 16)
	s.irc.setWatch(func(m *irc.Message, at time.Time) {
		from := ""
		if m.Prefix != nil {
			from = m.Prefix.Name
		}
		switch {
		case (m.Command == "PRIVMSG" || m.Command == "NOTICE") && strings.EqualFold(from, serviceNick):
			select {
			case s.service <- m.Trailing():
			default:
			}
		case m.Command == "PRIVMSG" && strings.EqualFold(from, s.peerNick):
			select {
			case s.echoes <- echoArrival{m.Trailing(), at}:
			default:
			}
		case m.Command == "FAIL" || m.Command == "NOTICE" && (strings.EqualFold(from, s.peerNick) || !strings.Contains(from, "!") && from != ""):
			select {
			case s.failures <- m.String():
			default:
			}
		}
	})
	return nil
}

// setting sets one of the account's settings through the service user
// and waits for its answer, key=value.
func (s *session) setting(ctx context.Context, key, value string) error {
	if err := s.irc.send("PRIVMSG " + serviceNick + " :set " + key + " " + value); err != nil {
		return err
	}
	for {
		select {
		case line := <-s.service:
			if strings.HasPrefix(line, key+"=") {
				return nil
			}
		case <-s.irc.done:
			return fmt.Errorf("irc connection closed: %v", s.irc.err)
		case <-ctx.Done():
			return fmt.Errorf("setting %s: %w", key, ctx.Err())
		}
	}
}

func (s *session) privmsg(text string) string { return "PRIVMSG " + s.peerNick + " :" + text }

// roundTrip sends text to the peer through the bridge and waits for the echo.
func (s *session) roundTrip(ctx context.Context, text string) (time.Time, time.Duration, error) {
	start := time.Now()
	if err := s.irc.send(s.privmsg(text)); err != nil {
		return start, 0, err
	}
	for {
		select {
		case e := <-s.echoes:
			if e.text == text {
				return start, e.at.Sub(start), nil
			}
		case f := <-s.failures:
			return start, 0, fmt.Errorf("bridge reported: %s", f)
		case <-s.irc.done:
			return start, 0, fmt.Errorf("irc connection closed: %v", s.irc.err)
		case <-ctx.Done():
			return start, 0, fmt.Errorf("waiting for the echo of %q: %w", text, ctx.Err())
		}
	}
}

// sendBurst writes lines as fast as the connection takes them, in chunks.
func (s *session) sendBurst(lines []string) error {
	const chunk = 64
	for i := 0; i < len(lines); i += chunk {
		if err := s.irc.send(lines[i:min(i+chunk, len(lines))]...); err != nil {
			return err
		}
	}
	return nil
}

// attachSession connects an IRC client to the bridge at addr as user,
// waits until peer is online in its &msn and routes the peer's messages
// to the session's channels. The caller closes s.irc.
func attachSession(ctx context.Context, addr string, user, peer account) (s *session, err error) {
	irc, err := dialIRC(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			irc.Close()
		}
	}()
	lctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	_, members, err := irc.register(lctx, user.Passport, user.Password, nickFor(user), 1)
	cancel()
	if err != nil {
		return nil, err
	}
	peerNick, err := irc.findNick(ctx, peer.Passport, members)
	if err != nil {
		return nil, err
	}
	if err := withTimeout(ctx, time.Minute, func(ctx context.Context) error { return irc.waitOnline(ctx, peerNick) }); err != nil {
		return nil, err
	}
	s = &session{irc: irc, peerNick: peerNick}
	if err := s.startEchoes(); err != nil {
		return nil, err
	}
	return s, nil
}
