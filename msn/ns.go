package msn

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// handleNS handles one command from the notification server. It runs on
// the reader goroutine, before the command is delivered to the request it
// answers, so state is up to date when a request returns.
func (c *Client) handleNS(cmd *Command) {
	defer c.endIfOverflowed()
	switch cmd.Name {
	case "ILN":
		c.onPresence(cmd.Params[min(1, len(cmd.Params)):], true)
	case "NLN":
		// MSNP18 has no ILN: the NLN lines before the login ends are the
		// initial presence.
		c.mu.Lock()
		initial := c.version >= 18 && !c.loggedIn
		c.mu.Unlock()
		c.onPresence(cmd.Params, initial)
	case "FLN":
		c.onOffline(cmd)
	case "UBX":
		c.onUBX(cmd)
	case "CHG":
		c.onCHG(cmd)
	case "REA":
		c.onREA(cmd)
	case "PRP":
		c.onPRP(cmd)
	case "SYN":
		c.onSYN(cmd)
	case "GTC", "BLP":
		c.onPrivacy(cmd)
	case "LSG":
		c.onLSG(cmd)
	case "LST":
		c.onLST(cmd)
	case "ADD":
		c.onADD(cmd)
	case "ADC":
		c.onADC(cmd)
	case "REM":
		c.onREM(cmd)
	case "ADL", "RML":
		c.onML(cmd)
	case "RNG":
		c.onRNG(cmd)
	case "CHL":
		c.onCHL(cmd)
	case "QNG":
		n, _ := strconv.Atoi(cmd.Param(0))
		c.mu.Lock()
		p := c.ping
		c.mu.Unlock()
		if p != nil {
			p.pong(n)
		}
		select {
		case c.qng <- n:
		default:
		}
	case "OUT":
		c.onOUT(cmd)
	case "UBN":
		c.onUBN(cmd)
	case "MSG":
		c.onNSMessage(cmd)
	}
}

// nsEnded runs when the reader of l has stopped.
func (c *Client) nsEnded(l *link, err error) {
	c.mu.Lock()
	if p := c.ping; p != nil && p.l == l {
		p.stop()
		c.ping = nil
	}
	if l != c.ns || !c.loggedIn || c.down {
		c.mu.Unlock()
		return
	}
	c.down = true
	reason := ReasonConnectionLost
	switch {
	case c.closing:
		reason, err = ReasonClosed, nil
	case c.gotOUT:
		reason = c.outReason
	}
	sbs := make([]*Switchboard, 0, len(c.sbs))
	for sb := range c.sbs {
		sbs = append(sbs, sb)
	}
	c.mu.Unlock()
	for _, sb := range sbs {
		sb.closeWith(fmt.Errorf("%w: the notification server connection ended", ErrClosed))
		<-sb.done
	}
	c.bgCancel()
	c.oimWG.Wait() // its events come before Disconnected
	c.events.push(Disconnected{Reason: reason, Err: err})
	c.events.close()
}

func (c *Client) onOUT(cmd *Command) {
	c.mu.Lock()
	c.gotOUT = true
	var err error
	switch cmd.Param(0) {
	case "OTH":
		c.outReason = ReasonOtherLogin
		err = fmt.Errorf("%w: signed in from another location", ErrClosed)
	case "SSD":
		c.outReason = ReasonServerShutdown
		err = fmt.Errorf("%w: server is shutting down", ErrClosed)
	default:
		c.outReason = ReasonConnectionLost
		err = fmt.Errorf("%w: server sent %q", ErrClosed, cmd.String())
	}
	l := c.ns
	c.mu.Unlock()
	if l != nil {
		l.closeWith(err)
	}
}

func (c *Client) onCHL(cmd *Command) {
	chl := cmd.Param(1)
	if chl == "" {
		return
	}
	c.mu.Lock()
	v, l := c.version, c.ns
	c.mu.Unlock()
	id, answer := ChallengeResponse(v, chl)
	// The reply "QRY t" needs no handling; a wrong answer would get 540 and a disconnect.
	if err := l.sendParts("QRY", l.nextTrID(), []string{id}, []byte(answer)); err != nil {
		c.log.Debug("msn: answering CHL", "err", err)
	}
}

func (c *Client) onRNG(cmd *Command) {
	// RNG sessid host:port CKI cookie passport name
	if len(cmd.Params) < 5 || cmd.Param(2) != "CKI" {
		c.log.Debug("msn: malformed RNG", "line", cmd.String())
		return
	}
	c.events.push(Invitation{
		SessionID:    cmd.Param(0),
		Address:      cmd.Param(1),
		Cookie:       cmd.Param(3),
		From:         cmd.Param(4),
		FriendlyName: decodeName(cmd.Param(5)),
	})
}

// onNSMessage handles MSG from the server itself (profile, mail, system).
func (c *Client) onNSMessage(cmd *Command) {
	m := parseMIME(cmd.Payload)
	switch m.contentType() {
	case "application/x-msmsgssystemmessage":
		// The fields are in the body, or, from some servers, in the headers.
		body := bodyFields(m.body)
		get := func(name string) string {
			if v, ok := body.lookup(name); ok {
				return v
			}
			return m.header.get(name)
		}
		if get("type") == "1" {
			text := "The server is going down for maintenance"
			if n, err := strconv.Atoi(get("arg1")); err == nil {
				text += fmt.Sprintf(" in %d minutes", n)
			}
			c.events.push(SystemMessage{Text: text})
		}
	case "text/x-msmsgsinitialmdatanotification", "text/x-msmsgsoimnotification":
		if c.Version() >= 13 {
			c.onMailData(bodyFields(m.body).get("mail-data"))
		}
	case "text/x-msmsgsinitialemailnotification":
		f := bodyFields(m.body)
		if n, err := strconv.Atoi(f.get("inbox-unread")); err == nil && n > 0 {
			c.events.push(SystemMessage{Text: fmt.Sprintf("You have %d unread e-mail messages", n)})
		}
	case "text/x-msmsgsemailnotification":
		f := bodyFields(m.body)
		from := decodeWords(f.get("from"))
		if addr := sanitizeText(f.get("from-addr")); addr != "" {
			from += " <" + addr + ">"
		}
		c.events.push(SystemMessage{Text: "New e-mail from " + strings.TrimSpace(from) + ": " + decodeWords(f.get("subject")), NewMail: true})
	}
}

// pinger sends PNG at the interval the server suggests and closes the
// link when no QNG answers one within PingTimeout. It runs on a timer, not
// a goroutine of its own.
type pinger struct {
	c *Client
	l *link

	mu       sync.Mutex
	interval time.Duration
	awaiting bool // a PNG is unanswered; the timer is its deadline
	stopped  bool
	timer    *time.Timer
}

// startKeepalive starts the keepalive of l, at the interval the server
// suggested (hint seconds, from the login's QNG) or PingInterval. Called
// with c.mu held.
func (c *Client) startKeepalive(l *link, hint int) *pinger {
	p := &pinger{c: c, l: l, interval: c.cfg.PingInterval}
	if hint > 0 {
		p.interval = time.Duration(hint) * time.Second
	}
	p.mu.Lock()
	p.timer = time.AfterFunc(p.interval, p.fire)
	p.mu.Unlock()
	return p
}

// fire sends a PNG, or ends the link when the last one went unanswered.
func (p *pinger) fire() {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	if p.awaiting {
		p.stopped = true
		p.mu.Unlock()
		p.l.closeWith(fmt.Errorf("%w: no answer to keepalive (PNG) within %s", ErrTimeout, p.c.cfg.PingTimeout))
		return
	}
	p.awaiting = true
	p.timer.Reset(p.c.cfg.PingTimeout)
	p.mu.Unlock()
	if err := p.l.send(&Command{Name: "PNG"}); err != nil {
		p.stop()
	}
}

// pong takes a QNG: the answer to a PNG, or an unsolicited hint of the
// interval (n seconds; 0 for none).
func (p *pinger) pong(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n > 0 {
		p.interval = time.Duration(n) * time.Second
	}
	if p.awaiting && !p.stopped {
		p.awaiting = false
		p.timer.Reset(p.interval)
	}
}

// stop ends the keepalive.
func (p *pinger) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	p.timer.Stop()
}
