package msn

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

func validOwnStatus(s Status) bool {
	switch s {
	case StatusOnline, StatusBusy, StatusIdle, StatusBRB, StatusAway, StatusPhone, StatusLunch, StatusHidden:
		return true
	}
	return false
}

// capabilities is the client id of CHG at version v: id when set, else
// the one Messenger sends at that version; from MSNP16 on with the
// extended capabilities, as "caps:ex".
func capabilities(v int, id uint32) string {
	caps, ex := strconv.FormatUint(uint64(id), 10), "0"
	if id == 0 {
		switch {
		case v >= 16:
			caps, ex = "2789003324", "48"
		case v == 15:
			caps = "1986927652"
		case v >= 13:
			caps = "1342210080"
		}
	}
	if v >= 16 {
		return caps + ":" + ex
	}
	return caps
}

// splitHandle reads a contact's address as MSNP18 writes it, "1:email",
// giving the network id (0 when absent) and the address.
func splitHandle(h string) (int, string) {
	if n, rest, ok := strings.Cut(h, ":"); ok && !strings.Contains(n, "@") {
		id, err := strconv.Atoi(n)
		if err == nil {
			return id, rest
		}
	}
	return 0, h
}

// onPresence handles "STS passport name [clientid [msnobj]]", the tail of
// NLN, and of ILN after its TrID. From MSNP14 a network id follows the
// address ("passport 1"); at MSNP18 it prefixes it ("1:passport").
func (c *Client) onPresence(p []string, initial bool) {
	if len(p) < 2 {
		return
	}
	network, passport := splitHandle(p[1])
	if passport == "" {
		return
	}
	if c.Version() >= 14 && c.Version() < 18 && len(p) > 2 {
		network, _ = strconv.Atoi(p[2])
		p = append(p[:2:2], p[3:]...)
	}
	ev := PresenceChanged{Status: Status(p[0]), Passport: passport, Initial: initial}
	if len(p) > 2 {
		ev.FriendlyName = decodeName(p[2])
	}
	if len(p) > 3 {
		caps, _, _ := strings.Cut(p[3], ":")
		if n, err := strconv.ParseUint(caps, 10, 32); err == nil {
			ev.ClientID = uint32(n)
		}
	}
	if len(p) > 4 {
		ev.Picture = parseMSNObjParam(p[4])
	}
	c.mu.Lock()
	if ct := c.contactLocked(ev.Passport, false); ct != nil {
		ct.status = codeOf(ev.Status)
		c.setPictureLocked(ct, ev.Picture)
		if network != 0 {
			ct.Network = int16(network)
		}
		if ev.FriendlyName != "" && ev.FriendlyName != ct.FriendlyName {
			ct.FriendlyName = keepName(ct, ev.FriendlyName)
		}
		ev.Passport = ct.Passport
	}
	c.mu.Unlock()
	c.events.push(ev)
}

func (c *Client) onOffline(cmd *Command) {
	_, passport := splitHandle(cmd.Param(0))
	ev := PresenceChanged{Passport: passport, Status: StatusOffline}
	if ev.Passport == "" {
		return
	}
	c.mu.Lock()
	if ct := c.contactLocked(ev.Passport, false); ct != nil {
		ct.status = codeOf(StatusOffline)
		ev.Passport = ct.Passport
	}
	c.mu.Unlock()
	c.events.push(ev)
}

// onUBX handles a contact's personal message: "UBX passport [network] N"
// (MSNP18: "UBX 1:passport N") and its <Data> XML.
func (c *Client) onUBX(cmd *Command) {
	_, passport := splitHandle(cmd.Param(0))
	ev := PersonalMessageChanged{
		Passport: passport,
		Message:  clipUTF8(xmlUnescape(xmlElement(cmd.Payload, "PSM")), maxPSMText),
		Media:    clipUTF8(xmlElement(cmd.Payload, "CurrentMedia"), maxPSMText),
	}
	if ev.Passport == "" {
		return
	}
	c.mu.Lock()
	if ct := c.contactLocked(ev.Passport, false); ct != nil {
		ev.Passport = ct.Passport
	}
	c.mu.Unlock()
	ev.Endpoints = c.onEndpoints(ev.Passport, cmd.Payload)
	c.events.push(ev)
}

// maxPSMText bounds a contact's personal message and current media, in
// bytes: the bridge keeps them per contact for the session, a UBX may be a
// megabyte, and a personal message is one short line.
const maxPSMText = 1024

// clipUTF8 cuts s to at most n bytes, at a character boundary.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// xmlElement returns the raw text of the first <name>...</name> in b, in
// a string of its own: whoever keeps it (the bridge keeps a personal
// message for the whole session) must not keep the whole payload with it.
func xmlElement(b []byte, name string) string {
	open, end := "<"+name+">", "</"+name+">"
	i := bytes.Index(b, []byte(open))
	if i < 0 {
		return ""
	}
	b = b[i+len(open):]
	j := bytes.Index(b, []byte(end))
	if j < 0 {
		return ""
	}
	return strings.ToValidUTF8(string(b[:j]), "\uFFFD")
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
	if err := c.sendCHG(ctx, s); err != nil {
		return err
	}
	if err := c.sendPrivateEndpoint(ctx, s); err != nil {
		return fmt.Errorf("msn: set status: %w", err)
	}
	return nil
}

// sendCHG sends the CHG of SetStatus, without the endpoint data that
// follows it at MSNP16+.
func (c *Client) sendCHG(ctx context.Context, s Status) error {
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
		params = append(params, capabilities(v, id))
		if o := c.msnobjParam(); v >= 9 && o != "" {
			params = append(params, o)
		}
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

// SetPersonalMessage sets the personal message (UUX, MSNP11+; ErrUnsupported
// before); the current media stays.
func (c *Client) SetPersonalMessage(ctx context.Context, text string) error {
	c.mu.Lock()
	media := c.ownMedia
	c.mu.Unlock()
	return c.sendUUX(ctx, "set personal message", cleanPSMText(text), media)
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
// The MSNC number also stands for P2P, which this package speaks in its
// first version only (P2Pv1 binary headers): the extended capabilities of
// MSNP16+ stay 0, never claiming P2Pv2.
func SupportedClientID(version int) uint32 {
	n, ok := msncVersions[version]
	if !ok && version >= 16 {
		n = 9
	}
	return n << 28
}
