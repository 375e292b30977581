package msn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// maxVersion is the highest protocol version the client speaks.
const maxVersion = 18

// maxRedirects bounds the XFR NS referrals followed during login.
const maxRedirects = 5

// Client version sent in CVR; Escargot needs the full 8-parameter form.
var cvrParams = []string{"0x0409", "winnt", "5.1", "i386", "MSNMSGR", "6.2.0208", "MSMSGS"}

func (c *Client) login(ctx context.Context, initial Status) error {
	addr := c.cfg.Server
	for hops := 0; ; hops++ {
		if hops > maxRedirects {
			return fmt.Errorf("msn: login: more than %d server redirects", maxRedirects)
		}
		l, err := c.connect(ctx, addr)
		if err != nil {
			return err
		}
		next, err := c.handshake(ctx, l)
		if err != nil {
			return err
		}
		if next == "" {
			break
		}
		c.log.Debug("msn: redirected", "server", next)
		l.closeWith(nil)
		<-l.done
		addr = next
	}
	sync := c.syncList
	if c.Version() >= 13 {
		sync = c.syncAddressBook
	}
	if err := sync(ctx); err != nil {
		return err
	}
	if err := c.sendCHG(ctx, initial); err != nil {
		return fmt.Errorf("msn: login: going online: %w", err)
	}
	if err := c.announceEndpoint(ctx, initial); err != nil {
		c.log.Debug("msn: login: announcing the endpoint", "err", err)
	}
	c.mu.Lock()
	l := c.ns
	c.mu.Unlock()
	hint := c.awaitInitialPresence(ctx, l)
	c.events.push(PresenceSynced{})
	c.mu.Lock()
	if l.isClosed() {
		c.mu.Unlock()
		return fmt.Errorf("msn: login: %w", ErrClosed)
	}
	c.loggedIn = true
	c.ping = c.startKeepalive(l, hint)
	c.mu.Unlock()
	return nil
}

// connect dials addr and starts reading from it.
func (c *Client) connect(ctx context.Context, addr string) (*link, error) {
	d := net.Dialer{Timeout: c.cfg.DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("msn: connecting to %s: %w", addr, err)
	}
	l := newLink(conn, c.log.With("conn", "ns"), &c.trid)
	c.mu.Lock()
	c.ns = l
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		err := l.run(c.handleNS)
		c.nsEnded(l, err)
	}()
	return l, nil
}

// handshake runs VER, CVR and USR on l. It returns the address to
// reconnect to when the server refers the client elsewhere (XFR NS), or
// "" once signed in.
func (c *Client) handshake(ctx context.Context, l *link) (string, error) {
	rt := c.cfg.RequestTimeout
	r, err := l.request(ctx, rt, "VER", append(append([]string(nil), c.cfg.Versions...), "CVR0"), nil)
	if err != nil {
		return "", fmt.Errorf("msn: login: %w", err)
	}
	v, err := pickedVersion(r, c.cfg.Versions)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.version = v
	c.mu.Unlock()
	if v >= 3 {
		r, err = l.request(ctx, rt, "CVR", append(append([]string(nil), cvrParams...), c.cfg.Passport), nil, "XFR")
		if err != nil {
			return "", fmt.Errorf("msn: login: %w", err)
		}
		if r.Name == "XFR" {
			return redirectAddr(r)
		}
	}
	switch {
	case v <= 7:
		return c.loginMD5(ctx, l)
	case v >= 15:
		return c.loginSSO(ctx, l)
	}
	return c.loginTWN(ctx, l)
}

// pickedVersion reads the VER reply: the first MSNPn after the TrID.
func pickedVersion(r *Command, offered []string) (int, error) {
	if r.Param(1) == "0" {
		return 0, ErrNoVersion
	}
	for _, p := range r.Params[1:] {
		if !strings.HasPrefix(p, "MSNP") {
			continue
		}
		n, err := strconv.Atoi(p[4:])
		if err != nil {
			break
		}
		found := false
		for _, o := range offered {
			if strings.EqualFold(o, p) {
				found = true
			}
		}
		if !found || n < 2 || n > maxVersion {
			return 0, fmt.Errorf("%w: server picked %s", ErrNoVersion, p)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%w: VER reply %q", ErrNoVersion, r.String())
}

// redirectAddr reads "XFR t NS host:port ..." during login.
func redirectAddr(r *Command) (string, error) {
	if r.Param(1) != "NS" || r.Param(2) == "" {
		return "", fmt.Errorf("msn: login: unexpected %q", r.String())
	}
	addr := r.Param(2)
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "1863")
	}
	return addr, nil
}

// authErr turns a 911 (or other numeric error) answering USR into a login error.
func authErr(err error) error {
	var se *ServerError
	if errors.As(err, &se) && (se.Code == 911 || se.Code == 917 || se.Code == 928) {
		return fmt.Errorf("msn: login: %w (%w)", ErrAuthFailed, err)
	}
	return fmt.Errorf("msn: login: %w", err)
}

func (c *Client) loginMD5(ctx context.Context, l *link) (string, error) {
	rt := c.cfg.RequestTimeout
	r, err := l.request(ctx, rt, "INF", nil, nil)
	if err != nil {
		return "", fmt.Errorf("msn: login: %w", err)
	}
	if !contains(r.Params[1:], "MD5") {
		return "", fmt.Errorf("msn: login: server offers no MD5 authentication (%q)", r.String())
	}
	r, err = l.request(ctx, rt, "USR", []string{"MD5", "I", c.cfg.Passport}, nil, "XFR")
	if err != nil {
		return "", authErr(err)
	}
	if r.Name == "XFR" {
		return redirectAddr(r)
	}
	if r.Param(1) != "MD5" || r.Param(2) != "S" || r.Param(3) == "" {
		return "", fmt.Errorf("msn: login: unexpected %q", r.String())
	}
	r, err = l.request(ctx, rt, "USR", []string{"MD5", "S", MD5LoginResponse(r.Param(3), c.cfg.Password)}, nil)
	if err != nil {
		return "", authErr(err)
	}
	return "", c.loggedInAs(r)
}

func (c *Client) loginTWN(ctx context.Context, l *link) (string, error) {
	rt := c.cfg.RequestTimeout
	r, err := l.request(ctx, rt, "USR", []string{"TWN", "I", c.cfg.Passport}, nil, "XFR")
	if err != nil {
		return "", authErr(err)
	}
	if r.Name == "XFR" {
		return redirectAddr(r)
	}
	if r.Param(1) != "TWN" || r.Param(2) != "S" || r.Param(3) == "" {
		return "", fmt.Errorf("msn: login: unexpected %q", r.String())
	}
	var ticket string
	if c.version >= 13 {
		// MSNP13/14: the RST service, whose tickets the address book
		// services need too.
		t, err := c.requestTickets(ctx)
		if err != nil {
			return "", err
		}
		c.setTickets(t)
		ticket = t.byDomain[domainMessenger]
	} else if ticket, err = c.passportTicket(ctx, r.Param(3)); err != nil {
		return "", err
	}
	r, err = l.request(ctx, rt, "USR", []string{"TWN", "S", ticketParam(ticket)}, nil)
	if err != nil {
		return "", authErr(err)
	}
	return "", c.loggedInAs(r)
}

// loginSSO signs in with SSO (MSNP15 and later): USR SSO I, the RST
// service, then USR SSO S with the messenger ticket, the answer to the
// server's nonce and, from MSNP16 on, the machine GUID.
func (c *Client) loginSSO(ctx context.Context, l *link) (string, error) {
	rt := c.cfg.RequestTimeout
	r, err := l.request(ctx, rt, "USR", []string{"SSO", "I", c.cfg.Passport}, nil, "XFR")
	if err != nil {
		return "", authErr(err)
	}
	if r.Name == "XFR" {
		return redirectAddr(r)
	}
	if r.Param(1) != "SSO" || r.Param(2) != "S" || r.Param(3) != "MBI_KEY_OLD" || r.Param(4) == "" {
		return "", fmt.Errorf("msn: login: unexpected %q", r.String())
	}
	nonce := r.Param(4)
	t, err := c.requestTickets(ctx)
	if err != nil {
		return "", err
	}
	c.setTickets(t)
	answer, err := ssoAnswer(t.secret, nonce, nil)
	if err != nil {
		return "", fmt.Errorf("msn: login: %w", err)
	}
	params := []string{"SSO", "S", t.byDomain[domainMessenger], answer}
	if c.version >= 16 {
		params = append(params, c.MachineGUID())
	}
	r, err = l.request(ctx, rt, "USR", params, nil)
	if err != nil {
		return "", authErr(err)
	}
	return "", c.loggedInAs(r)
}

func (c *Client) setTickets(t *tickets) {
	c.mu.Lock()
	c.tickets = t
	c.mu.Unlock()
}

// ticket returns the Passport ticket for the service at domain (MSNP13+).
func (c *Client) ticket(domain string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tickets == nil {
		return ""
	}
	return c.tickets.byDomain[domain]
}

// MachineGUID returns the GUID that identifies this endpoint at MSNP16
// and later: Config.MachineGUID, or the random one drawn at Login.
func (c *Client) MachineGUID() string { return c.machineGUID }

// ticketParam renders a Passport ticket as real clients send it: "t=...&p=...".
// Escargot strips the "t=" and keeps the token.
func ticketParam(ticket string) string {
	if strings.HasPrefix(ticket, "t=") {
		return ticket
	}
	return "t=" + ticket + "&p="
}

// loggedInAs reads "USR t OK passport [name] [verified [0]]".
func (c *Client) loggedInAs(r *Command) error {
	if r.Param(1) != "OK" {
		return fmt.Errorf("msn: login: unexpected %q", redactLine(r))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := r.Param(2); p != "" {
		c.passport = p
	}
	if c.version < 10 && r.Param(3) != "" {
		c.friendlyName = decodeName(r.Param(3))
	}
	return nil
}

// initialPresenceWait bounds the wait for the QNG that ends the initial presence.
const initialPresenceWait = 5 * time.Second

// awaitInitialPresence waits until the server has sent the presence of the
// contacts who are already online. Servers send those ILN lines right after
// their answer to the first CHG, and answer commands in order, so a PNG
// answered by QNG marks their end. A server that does not answer in time
// delays the login no further: presence then arrives as it comes. It
// returns the keepalive interval the QNG suggests, in seconds (0 for none).
func (c *Client) awaitInitialPresence(ctx context.Context, l *link) int {
	if err := l.send(&Command{Name: "PNG"}); err != nil {
		return 0
	}
	t := time.NewTimer(initialPresenceWait)
	defer t.Stop()
	select {
	case n := <-c.qng:
		return n
	case <-t.C:
	case <-ctx.Done():
	case <-l.done:
	}
	return 0
}
