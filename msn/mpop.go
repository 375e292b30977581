package msn

import (
	"context"
	"fmt"
	"strings"
)

// Signing out another endpoint (MSNP16+): an endpoint sends
// "UUN t passport;{guid} 4 len" with the payload "goawyplzthxbye"; the
// server passes it on to that endpoint as "UBN passport;{sender guid} 4
// len", which then signs out. Escargot sends no answer to the sender.

// signOutPayload asks an endpoint to sign out; "gtfo" (type 8) asks every
// endpoint to.
const signOutPayload = "goawyplzthxbye"

// SignOutEndpoint asks the server to sign out another endpoint of the
// user's account (MSNP16+; ErrUnsupported before), by the machine GUID
// Endpoints lists. The server does not answer: the endpoint leaves the
// list (OwnEndpointsChanged) once it signed out.
func (c *Client) SignOutEndpoint(ctx context.Context, guid string) error {
	if c.Version() < 16 {
		return fmt.Errorf("msn: sign out endpoint: %w", ErrUnsupported)
	}
	g := normalGUID(guid)
	if g == "" {
		return fmt.Errorf("msn: sign out endpoint: %q is no machine GUID", truncate(guid, 40))
	}
	if g == normalGUID(c.MachineGUID()) {
		return fmt.Errorf("msn: sign out endpoint: %s is this endpoint (use Close)", g)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("msn: sign out endpoint: %w", err)
	}
	c.mu.Lock()
	l := c.ns
	c.mu.Unlock()
	if l == nil {
		return fmt.Errorf("msn: sign out endpoint: %w", ErrClosed)
	}
	if err := l.sendParts("UUN", l.nextTrID(), []string{c.Passport() + ";" + g, "4"}, []byte(signOutPayload)); err != nil {
		return fmt.Errorf("msn: sign out endpoint: %w", err)
	}
	return nil
}

// onUBN takes a notification from another endpoint of the user (MSNP13+):
// a sign-out request ends the session, reported as Disconnected with
// ReasonEndpointSignOut; anything else is ignored.
func (c *Client) onUBN(cmd *Command) {
	passport, from, _ := strings.Cut(cmd.Param(0), ";")
	typ := cmd.Param(1)
	text := string(cmd.Payload)
	signOut := typ == "4" && strings.HasPrefix(text, signOutPayload) || typ == "8" && text == "gtfo"
	c.mu.Lock()
	own := strings.EqualFold(passport, c.passport)
	c.mu.Unlock()
	if !signOut || !own {
		return
	}
	from = normalGUID(from)
	c.log.Info("msn: another endpoint asked this one to sign out", "from", from)
	c.mu.Lock()
	c.gotOUT = true
	c.outReason = ReasonEndpointSignOut
	l := c.ns
	c.mu.Unlock()
	if l == nil {
		return
	}
	_ = l.send(&Command{Name: "OUT"})
	err := fmt.Errorf("%w: signed out from another endpoint", ErrClosed)
	if from != "" {
		err = fmt.Errorf("%w: signed out from another endpoint (%s)", ErrClosed, from)
	}
	l.closeWith(err)
}
