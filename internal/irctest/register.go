package irctest

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/irc.v4"
)

// Registration says how a client registers.
type Registration struct {
	Nick     string
	User     string   // the USER name; Nick when empty
	Realname string   // the USER real name; "Real <nick>" when empty
	Pass     string   // sent with PASS when not empty
	Caps     []string // requested with CAP LS 302 and CAP REQ before CAP END

	// Account and Password log in with SASL PLAIN when Account is not
	// empty ("sasl" is then requested with Caps).
	Account, Password string
}

// Register sends the registration (CAP LS 302 and CAP REQ when caps or SASL
// are asked for, PASS, NICK, USER, the SASL PLAIN exchange, CAP END) and
// reads until the welcome (001). It returns the messages read, the welcome
// last. A CAP NAK, a SASL failure or an ERROR is an error.
func (c *Client) Register(ctx context.Context, r Registration) ([]*irc.Message, error) {
	caps := r.Caps
	if r.Account != "" && !slices.Contains(caps, "sasl") {
		caps = append([]string{"sasl"}, caps...)
	}
	var lines []string
	if len(caps) > 0 {
		lines = append(lines, "CAP LS 302", "CAP REQ :"+strings.Join(caps, " "))
	}
	if r.Pass != "" {
		lines = append(lines, "PASS "+r.Pass)
	}
	user, realname := r.User, r.Realname
	if user == "" {
		user = r.Nick
	}
	if realname == "" {
		realname = "Real " + r.Nick
	}
	lines = append(lines, "NICK "+r.Nick, "USER "+user+" 0 * :"+realname)
	if err := c.Send(ctx, lines...); err != nil {
		return nil, err
	}
	var got []*irc.Message
	// until reads up to a message that matches, failing on a refusal.
	until := func(desc string, match func(m *irc.Message) bool) error {
		for {
			m, err := c.Next(ctx)
			if err != nil {
				return fmt.Errorf("registering %s: waiting for %s: %w", r.Nick, desc, err)
			}
			got = append(got, m)
			switch {
			case match(m):
				return nil
			case m.Command == "CAP" && m.Param(1) == "NAK",
				m.Command == irc.ERR_SASLFAIL, m.Command == "ERROR":
				return fmt.Errorf("irctest: registering %s: refused with %s; read:\n%s", r.Nick, m, c.Log())
			}
		}
	}
	if r.Account != "" {
		if err := until("CAP ACK", func(m *irc.Message) bool { return m.Command == "CAP" && m.Param(1) == "ACK" }); err != nil {
			return got, err
		}
		if err := c.Send(ctx, "AUTHENTICATE PLAIN"); err != nil {
			return got, err
		}
		if err := until("AUTHENTICATE +", Command("AUTHENTICATE", "+")); err != nil {
			return got, err
		}
		if err := c.Send(ctx, AuthenticatePlain(r.Account, r.Password)...); err != nil {
			return got, err
		}
		if err := until("SASL success", Command(irc.RPL_SASLSUCCESS)); err != nil {
			return got, err
		}
	}
	if len(caps) > 0 {
		if err := c.Send(ctx, "CAP END"); err != nil {
			return got, err
		}
	}
	return got, until("the welcome", Command(irc.RPL_WELCOME))
}

// AuthenticatePlain returns the AUTHENTICATE lines that carry a SASL PLAIN
// response: base64 in chunks of 400 bytes, and "AUTHENTICATE +" after a
// last chunk of exactly 400.
func AuthenticatePlain(account, password string) []string {
	payload := PlainPayload(account, password)
	var lines []string
	for len(payload) >= 400 {
		lines = append(lines, "AUTHENTICATE "+payload[:400])
		payload = payload[400:]
	}
	if payload == "" {
		payload = "+"
	}
	return append(lines, "AUTHENTICATE "+payload)
}

// PlainPayload returns the SASL PLAIN response for account and password in
// base64, in one piece.
func PlainPayload(account, password string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + account + "\x00" + password))
}
