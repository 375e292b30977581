package msn

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func validOwnStatus(s Status) bool {
	switch s {
	case StatusOnline, StatusBusy, StatusIdle, StatusBRB, StatusAway, StatusPhone, StatusLunch, StatusHidden:
		return true
	}
	return false
}

// onPresence handles "STS passport name [clientid [msnobj]]", the tail of
// NLN, and of ILN after its TrID.
func (c *Client) onPresence(p []string, initial bool) {
	if len(p) < 2 {
		return
	}
	ev := PresenceChanged{Status: Status(p[0]), Passport: p[1], Initial: initial}
	if len(p) > 2 {
		ev.FriendlyName = decodeName(p[2])
	}
	if len(p) > 3 {
		if n, err := strconv.ParseUint(p[3], 10, 32); err == nil {
			ev.ClientID = uint32(n)
		}
	}
	c.mu.Lock()
	if ct := c.contactLocked(ev.Passport, false); ct != nil {
		ct.Status = ev.Status
		ct.ClientID = ev.ClientID
		if ev.FriendlyName != "" {
			ct.FriendlyName = ev.FriendlyName
		}
		ev.Passport = ct.Passport
	}
	c.mu.Unlock()
	c.events.push(ev)
}

func (c *Client) onOffline(cmd *Command) {
	ev := PresenceChanged{Passport: cmd.Param(0), Status: StatusOffline}
	if ev.Passport == "" {
		return
	}
	c.mu.Lock()
	if ct := c.contactLocked(ev.Passport, false); ct != nil {
		ct.Status = StatusOffline
		ev.Passport = ct.Passport
	}
	c.mu.Unlock()
	c.events.push(ev)
}

// onUBX handles a contact's personal message: UBX passport N + <Data> XML.
func (c *Client) onUBX(cmd *Command) {
	ev := PersonalMessageChanged{
		Passport: cmd.Param(0),
		Message:  xmlUnescape(xmlElement(cmd.Payload, "PSM")),
		Media:    xmlElement(cmd.Payload, "CurrentMedia"),
	}
	if ev.Passport == "" {
		return
	}
	c.mu.Lock()
	if ct := c.contactLocked(ev.Passport, false); ct != nil {
		ct.PersonalMessage = ev.Message
		ev.Passport = ct.Passport
	}
	c.mu.Unlock()
	c.events.push(ev)
}

// xmlElement returns the raw text of the first <name>...</name> in b.
func xmlElement(b []byte, name string) string {
	s := string(b)
	open, end := "<"+name+">", "</"+name+">"
	i := strings.Index(s, open)
	if i < 0 {
		return ""
	}
	s = s[i+len(open):]
	j := strings.Index(s, end)
	if j < 0 {
		return ""
	}
	return strings.ToValidUTF8(s[:j], "\uFFFD")
}

// onCHG handles the server's confirmation of the user's status.
func (c *Client) onCHG(cmd *Command) {
	st := Status(cmd.Param(1))
	if st == "" {
		return
	}
	c.mu.Lock()
	c.status = st
	ev := OwnProfileChanged{FriendlyName: c.friendlyName, Status: st}
	c.mu.Unlock()
	c.events.push(ev)
}

// onREA handles "REA t ser passport name" (MSNP2-9).
func (c *Client) onREA(cmd *Command) {
	if len(cmd.Params) < 4 {
		return
	}
	c.mu.Lock()
	if !strings.EqualFold(cmd.Param(2), c.passport) {
		c.mu.Unlock()
		return
	}
	c.friendlyName = decodeName(cmd.Param(3))
	ev := OwnProfileChanged{FriendlyName: c.friendlyName, Status: c.status}
	c.mu.Unlock()
	c.events.push(ev)
}

// onPRP handles "PRP MFN name" in a SYN (MSNP10+) and "PRP t MFN name".
func (c *Client) onPRP(cmd *Command) {
	var name string
	reply := false
	switch {
	case cmd.Param(0) == "MFN":
		name = cmd.Param(1)
	case cmd.Param(1) == "MFN":
		name, reply = cmd.Param(2), true
	default:
		return
	}
	c.mu.Lock()
	c.friendlyName = decodeName(name)
	ev := OwnProfileChanged{FriendlyName: c.friendlyName, Status: c.status}
	c.mu.Unlock()
	if reply {
		c.events.push(ev)
	}
}

// SetStatus changes the user's presence (CHG). HDN (hidden) is allowed;
// FLN is not a status one can set (Close signs out).
func (c *Client) SetStatus(ctx context.Context, s Status) error {
	if !validOwnStatus(s) {
		return fmt.Errorf("msn: set status: invalid status %q", s)
	}
	params := []string{string(s)}
	if v := c.Version(); v >= 8 {
		// Without the client id, servers silently ignore the command.
		id := c.cfg.ClientID
		if c.cfg.ClientIDFor != nil {
			id = c.cfg.ClientIDFor(v)
		}
		params = append(params, strconv.FormatUint(uint64(id), 10))
	}
	if _, err := c.request(ctx, "CHG", params, nil); err != nil {
		return fmt.Errorf("msn: set status: %w", err)
	}
	return nil
}

// SetFriendlyName changes the user's friendly name (REA before MSNP10, PRP
// MFN from MSNP10). Names longer than 387 bytes URL-encoded give ErrNameTooLong.
func (c *Client) SetFriendlyName(ctx context.Context, name string) error {
	enc, err := encodeName(name)
	if err != nil {
		return fmt.Errorf("msn: set friendly name: %w", err)
	}
	if c.Version() < 10 {
		_, err = c.request(ctx, "REA", []string{c.Passport(), enc}, nil)
	} else {
		_, err = c.request(ctx, "PRP", []string{"MFN", enc}, nil)
	}
	if err != nil {
		return fmt.Errorf("msn: set friendly name: %w", err)
	}
	return nil
}

// SetPersonalMessage sets the personal message (UUX, MSNP11+; ErrUnsupported before).
func (c *Client) SetPersonalMessage(ctx context.Context, text string) error {
	if c.Version() < 11 {
		return fmt.Errorf("msn: set personal message: %w", ErrUnsupported)
	}
	text = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, "\uFFFD"))
	payload := []byte("<Data><PSM>" + xmlEscape(text) + "</PSM><CurrentMedia></CurrentMedia></Data>")
	if len(payload) > 4096 {
		return fmt.Errorf("msn: set personal message: %w: %d bytes", ErrPayloadTooLong, len(payload))
	}
	if _, err := c.request(ctx, "UUX", nil, payload); err != nil {
		return fmt.Errorf("msn: set personal message: %w", err)
	}
	return nil
}

// msncVersions are the MSNC numbers (the top four bits of a client id) of
// the Messenger releases that spoke each protocol version: 6.0 (MSNC1) at
// MSNP9, 6.2 (MSNC3) at MSNP10, 7.0 (MSNC4) at MSNP11, 7.5 at MSNP12, 8.0
// at MSNP13, 8.1 at MSNP14, 8.5 at MSNP15, 9.0 (MSNC9) from MSNP16.
var msncVersions = map[int]uint32{9: 1, 10: 3, 11: 4, 12: 5, 13: 6, 14: 7, 15: 8}

// SupportedClientID is the client id of what this package supports at a
// protocol version: typing notifications and nudges, which Messenger
// clients offer to a contact whose MSNC number is that of a release that
// has them (nudges from 7.0), so the number of the release that spoke the
// version is sent. No other bit: not ink, webcam, winks or voice clips.
// The MSNC number also stands for P2P, which this package does not speak
// yet: a contact's client may try a display picture or file transfer,
// which shows as unsupported content.
func SupportedClientID(version int) uint32 {
	n, ok := msncVersions[version]
	if !ok && version >= 16 {
		n = 9
	}
	return n << 28
}
