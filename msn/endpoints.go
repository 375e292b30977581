package msn

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// Endpoints (MSNP16 and later): one account may be signed in from several
// places at once. The UBX about a contact lists its endpoints
// (<EndpointData id="{guid}">); the UBX about the user, sent to each of
// the user's own endpoints, adds <PrivateEndpointData> with their names.

// Endpoint is one place an account is signed in from (MSNP16+).
type Endpoint struct {
	GUID         string // machine GUID, lower case, in braces
	Name         string // EpName, the computer's name; own endpoints only
	ClientType   int    // 1 for Messenger on a computer; own endpoints only
	Idle         bool   // own endpoints only
	Status       Status // own endpoints only
	Capabilities string // "caps:ex"
}

// OwnEndpointsChanged reports where the user is signed in (MSNP16+), as
// the server last listed it; this client is one of them (see
// Client.MachineGUID).
type OwnEndpointsChanged struct {
	Endpoints []Endpoint
}

func (OwnEndpointsChanged) event() {}

// maxEndpoints bounds the endpoints taken from one UBX.
const maxEndpoints = 32

// ubxData is what the client reads of a UBX payload.
type ubxData struct {
	Endpoints []struct {
		ID   string `xml:"id,attr"`
		Caps string `xml:"Capabilities"`
	} `xml:"EndpointData"`
	Private []struct {
		ID         string `xml:"id,attr"`
		Name       string `xml:"EpName"`
		Idle       string `xml:"Idle"`
		ClientType string `xml:"ClientType"`
		State      string `xml:"State"`
	} `xml:"PrivateEndpointData"`
}

// parseEndpoints reads the endpoints of a UBX payload; ok is false when
// it lists none (before MSNP16, or a UBX without them).
func parseEndpoints(payload []byte) (eps []Endpoint, ok bool) {
	var d ubxData
	if xml.Unmarshal(payload, &d) != nil || len(d.Endpoints) == 0 && len(d.Private) == 0 {
		return nil, false
	}
	index := map[string]int{}
	at := func(id string) int {
		id = normalGUID(id)
		if i, seen := index[id]; seen {
			return i
		}
		if id == "" || len(eps) >= maxEndpoints {
			return -1
		}
		index[id] = len(eps)
		eps = append(eps, Endpoint{GUID: id})
		return len(eps) - 1
	}
	for _, e := range d.Endpoints {
		if i := at(e.ID); i >= 0 {
			eps[i].Capabilities = sanitizeText(strings.TrimSpace(e.Caps))
		}
	}
	for _, p := range d.Private {
		if i := at(p.ID); i >= 0 {
			eps[i].Name = sanitizeText(strings.TrimSpace(p.Name))
			eps[i].Idle = strings.TrimSpace(p.Idle) == "true"
			eps[i].ClientType, _ = strconv.Atoi(strings.TrimSpace(p.ClientType))
			eps[i].Status = Status(sanitizeText(strings.TrimSpace(p.State)))
		}
	}
	return eps, true
}

// normalGUID writes a GUID as the server sends it back: lower case, in
// braces; "" when s is no GUID.
func normalGUID(s string) string {
	id, ok := parseGUID(s)
	if !ok {
		return ""
	}
	return "{" + id.guid() + "}"
}

// onEndpoints takes the endpoints of a UBX about passport: for the user's
// own address, it keeps them and reports OwnEndpointsChanged; for a
// contact, it returns them for PersonalMessageChanged.
func (c *Client) onEndpoints(passport string, payload []byte) []Endpoint {
	eps, ok := parseEndpoints(payload)
	if !ok {
		return nil
	}
	c.mu.Lock()
	if strings.EqualFold(passport, c.passport) {
		c.endpoints = eps
		c.mu.Unlock()
		c.events.push(OwnEndpointsChanged{Endpoints: append([]Endpoint(nil), eps...)})
		return nil
	}
	c.mu.Unlock()
	return eps
}

// Endpoints returns where the user is signed in, as the server last said
// (MSNP16+; nil before the first list).
func (c *Client) Endpoints() []Endpoint {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Endpoint(nil), c.endpoints...)
}

// Media is what the user is listening to, shown by contacts as "now
// playing" next to the personal message.
type Media struct {
	Artist string
	Title  string
	Album  string
}

// mediaText encodes m as Messenger's CurrentMedia: fields separated by
// the two characters `\0`, the category Music, 1 for enabled, then the
// display format and its fields. The zero Media is "" (nothing playing).
func mediaText(m Media) string {
	if m == (Media{}) {
		return ""
	}
	clean := func(s string) string {
		return strings.ReplaceAll(cleanPSMText(s), `\0`, `\ 0`)
	}
	return `\0Music\01\0{0} - {1}\0` + clean(m.Artist) + `\0` + clean(m.Title) + `\0` + clean(m.Album) + `\0\0`
}

// ParseMedia reads a CurrentMedia text as contacts send it; ok is false
// when nothing is playing or the text is no "now playing" entry.
func ParseMedia(raw string) (m Media, ok bool) {
	f := strings.Split(xmlUnescape(raw), `\0`)
	// "", category, enabled, format, fields...
	if len(f) < 5 || f[2] != "1" {
		return Media{}, false
	}
	fields := f[4:]
	get := func(i int) string {
		if i < len(fields) {
			return sanitizeText(fields[i])
		}
		return ""
	}
	m = Media{Artist: get(0), Title: get(1), Album: get(2)}
	return m, m.Artist != "" || m.Title != ""
}

// cleanPSMText makes text fit a personal message payload: valid UTF-8,
// control characters and the two non-characters XML refuses as spaces.
func cleanPSMText(text string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffe || r == 0xffff { // not XML characters
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, "\uFFFD"))
}

// uuxData renders the UUX <Data> of version v with the personal message
// and current media as Messenger sends it: with the machine GUID from
// MSNP13, and the empty fields of MSNP16 and later.
func (c *Client) uuxData(v int, psm, media string) []byte {
	var b strings.Builder
	b.WriteString("<Data><PSM>" + xmlEscape(psm) + "</PSM><CurrentMedia>" + xmlEscape(media) + "</CurrentMedia>")
	if v >= 13 {
		b.WriteString("<MachineGuid>" + strings.ToUpper(c.MachineGUID()) + "</MachineGuid>")
	}
	if v >= 16 {
		b.WriteString("<DDP></DDP><SignatureSound></SignatureSound><Scene></Scene><ColorScheme>-3</ColorScheme>")
	}
	b.WriteString("</Data>")
	return []byte(b.String())
}

// sendUUX sends the personal message and current media (UUX) and, once
// the server took them, keeps them, so that changing one keeps the other.
func (c *Client) sendUUX(ctx context.Context, op, psm, media string) error {
	v := c.Version()
	if v < 11 {
		return fmt.Errorf("msn: %s: %w", op, ErrUnsupported)
	}
	payload := c.uuxData(v, psm, media)
	if len(payload) > 4096 {
		return fmt.Errorf("msn: %s: %w: %d bytes", op, ErrPayloadTooLong, len(payload))
	}
	if _, err := c.request(ctx, "UUX", nil, payload); err != nil {
		return fmt.Errorf("msn: %s: %w", op, err)
	}
	c.mu.Lock()
	c.ownPSM, c.ownMedia = psm, media
	c.mu.Unlock()
	return nil
}

// SetCurrentMedia shows what the user is listening to next to the
// personal message (UUX, MSNP11+; ErrUnsupported before); the zero Media
// clears it. The personal message stays.
func (c *Client) SetCurrentMedia(ctx context.Context, m Media) error {
	c.mu.Lock()
	psm := c.ownPSM
	c.mu.Unlock()
	return c.sendUUX(ctx, "set current media", psm, mediaText(m))
}

// announceEndpoint tells the server about this endpoint after the first
// CHG, as Messenger does: at MSNP16+ its capabilities (EndpointData),
// its name and state (PrivateEndpointData), which the user's other
// endpoints see, then its <Data> with the machine GUID and the personal
// message kept from before a reconnection. The <Data> ends the login
// burst: servers hold the new endpoint's presence until it comes
// (Escargot waits a while for a client that never sends it).
func (c *Client) announceEndpoint(ctx context.Context, st Status) error {
	v := c.Version()
	if v < 16 {
		return nil
	}
	caps := capabilities(v, c.cfg.ClientID)
	if _, err := c.request(ctx, "UUX", nil, []byte("<EndpointData><Capabilities>"+xmlEscape(caps)+"</Capabilities></EndpointData>")); err != nil {
		return fmt.Errorf("msn: endpoint data: %w", err)
	}
	if err := c.sendPrivateEndpoint(ctx, st); err != nil {
		return err
	}
	c.mu.Lock()
	psm, media := c.ownPSM, c.ownMedia
	c.mu.Unlock()
	return c.sendUUX(ctx, "endpoint data", psm, media)
}

// sendPrivateEndpoint tells the user's other endpoints this one's name
// and state (UUX PrivateEndpointData, MSNP16+), as Messenger does after
// each CHG.
func (c *Client) sendPrivateEndpoint(ctx context.Context, st Status) error {
	if c.Version() < 16 {
		return nil
	}
	private := "<PrivateEndpointData><EpName>" + xmlEscape(cleanPSMText(c.cfg.EndpointName)) + "</EpName><Idle>" +
		strconv.FormatBool(st == StatusIdle) + "</Idle><ClientType>1</ClientType><State>" + string(st) + "</State></PrivateEndpointData>"
	if _, err := c.request(ctx, "UUX", nil, []byte(private)); err != nil {
		return fmt.Errorf("msn: endpoint data: %w", err)
	}
	return nil
}
