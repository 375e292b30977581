package msn

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// Offline messages (OIM, MSNP13+). The notification server lists them in
// the Mail-Data of text/x-msmsgsinitialmdatanotification (after the first
// CHG) and text/x-msmsgsoimnotification (when one arrives while signed
// in); each is fetched with GetMessage from the rsi service and deleted
// with DeleteMessages once the user kept it. One is sent with Store2 to
// the OIM service. Escargot's GetMetadata fails, so the Mail-Data is what
// lists them.

// OfflineMessageReceived is an offline message (OIM) a contact left while
// the user was offline, or sent to the user at MSNP13+. It stays on the
// server until Client.DeleteOfflineMessages deletes it by ID, and may be
// delivered again at the next login until then.
type OfflineMessageReceived struct {
	ID           string
	From         string
	FriendlyName string
	Text         string    // UTF-8, lines separated by "\n"
	Time         time.Time // when it was sent
}

func (OfflineMessageReceived) event() {}

const (
	oimPath = "/OimWS/oim.asmx"
	rsiPath = "/rsi/rsi.asmx"
	oimNS   = "http://messenger.msn.com/ws/2004/09/oim/"
	rsiNS   = "http://www.hotmail.msn.com/ws/2004/09/oim/rsi"
	// maxOIMsPerNotice bounds the messages fetched for one Mail-Data.
	maxOIMsPerNotice = 100
	// maxOIMText bounds the text of a message sent as an OIM, in bytes.
	maxOIMText = 4096
	// maxOIMSeen bounds the offline messages a client fetches, or keeps
	// trying to, in a session.
	maxOIMSeen = 4096
	// maxOIMTries is how many times a message whose fetch failed is
	// fetched, each time a listing names it; it stays on the server for
	// the next login.
	maxOIMTries = 3
)

// mailData is the Mail-Data XML of an OIM notification.
type mailData struct {
	Messages []struct {
		From string `xml:"E"`
		ID   string `xml:"I"`
		Name string `xml:"N"`
		Time string `xml:"RT"`
	} `xml:"M"`
}

// oimListed is one message of a Mail-Data.
type oimListed struct {
	id, from, name string
	sent           time.Time
}

// parseMailData reads the messages listed in a Mail-Data value.
func parseMailData(v string) []oimListed {
	var md mailData
	if xml.Unmarshal([]byte(v), &md) != nil {
		return nil
	}
	var out []oimListed
	for _, m := range md.Messages {
		id := strings.TrimSpace(m.ID)
		if id == "" || len(id) > 64 || len(out) >= maxOIMsPerNotice {
			continue
		}
		t, _ := time.Parse(time.RFC3339, strings.TrimSpace(m.Time))
		out = append(out, oimListed{id: id, from: strings.TrimSpace(m.From), name: decodeWords(strings.TrimSpace(m.Name)), sent: t})
	}
	return out
}

// decodeWords decodes RFC 2047 encoded words ("=?utf-8?B?...?="); text
// that is not one stays as it is.
func decodeWords(s string) string {
	if d, err := new(mime.WordDecoder).DecodeHeader(strings.ReplaceAll(s, " ?=", "?=")); err == nil {
		s = d
	}
	return sanitizeText(s)
}

// onMailData queues the offline messages of a Mail-Data that were not
// fetched yet, nor tried maxOIMTries times, for the client's one fetcher,
// which it starts when none runs: the fetches run one at a time, off the
// reader goroutine, however many notifications the server sends.
func (c *Client) onMailData(v string) {
	listed := parseMailData(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.oimSeen == nil {
		c.oimSeen, c.oimFails = map[string]bool{}, map[string]int{}
	}
	for _, m := range listed {
		busy, known := c.oimSeen[m.id]
		if known && (busy || c.oimFails[m.id] >= maxOIMTries) || !known && len(c.oimSeen) >= maxOIMSeen {
			continue
		}
		c.oimSeen[m.id] = true
		c.oimQueue = append(c.oimQueue, m)
	}
	if len(c.oimQueue) == 0 || c.oimFetching || c.bg == nil {
		return
	}
	c.oimFetching = true
	c.oimWG.Add(1)
	go c.fetchOIMs(c.bg)
}

// fetchOIMs fetches the queued offline messages one by one until none is
// left or the connection ended.
func (c *Client) fetchOIMs(ctx context.Context) {
	defer c.oimWG.Done()
	for {
		c.mu.Lock()
		if len(c.oimQueue) == 0 || ctx.Err() != nil {
			c.oimQueue = nil
			c.oimFetching = false
			c.mu.Unlock()
			return
		}
		m := c.oimQueue[0]
		c.oimQueue = c.oimQueue[1:]
		c.mu.Unlock()
		ev, err := c.fetchOIM(ctx, m)
		if err != nil {
			c.log.Warn("msn: fetching an offline message", "id", m.id, "from", m.from, "err", err)
			c.mu.Lock()
			c.oimSeen[m.id] = false // a later listing tries again
			c.oimFails[m.id]++
			c.mu.Unlock()
			continue
		}
		c.events.push(ev)
	}
}

type rsiEnvelope struct {
	XMLName xml.Name  `xml:"soap:Envelope"`
	NS      string    `xml:"xmlns:soap,attr"`
	Cookie  rsiCookie `xml:"soap:Header>PassportCookie"`
	Body    abBody    `xml:"soap:Body"`
}

type rsiCookie struct {
	NS string `xml:"xmlns,attr"`
	T  string `xml:"t"`
	P  string `xml:"p"`
}

type getMessage struct {
	XMLName  xml.Name `xml:"GetMessage"`
	NS       string   `xml:"xmlns,attr"`
	ID       string   `xml:"messageId"`
	MarkRead bool     `xml:"alsoMarkAsRead"`
}

type deleteMessages struct {
	XMLName xml.Name `xml:"DeleteMessages"`
	NS      string   `xml:"xmlns,attr"`
	IDs     []string `xml:"messageIds>messageId"`
}

// rsiRequest wraps an rsi operation with the Passport cookie.
func (c *Client) rsiRequest(op any) rsiEnvelope {
	t, p := splitTicket(c.ticket("messenger.msn.com"))
	return rsiEnvelope{NS: soapNS, Cookie: rsiCookie{NS: rsiNS, T: t, P: p}, Body: abBody{Op: op}}
}

// splitTicket splits "t=...&p=..." into its two values.
func splitTicket(ticket string) (t, p string) {
	t, p, _ = strings.Cut(ticket, "&p=")
	return strings.TrimPrefix(t, "t="), p
}

// fetchOIM gets one offline message (GetMessage) and decodes it.
func (c *Client) fetchOIM(ctx context.Context, m oimListed) (OfflineMessageReceived, error) {
	var resp struct {
		Result string `xml:"Body>GetMessageResponse>GetMessageResult"`
	}
	if err := c.soapCall(ctx, rsiPath, "GetMessage", c.rsiRequest(getMessage{NS: rsiNS, ID: m.id}), &resp); err != nil {
		return OfflineMessageReceived{}, err
	}
	ev, err := decodeOIM(resp.Result)
	if err != nil {
		return OfflineMessageReceived{}, err
	}
	ev.ID = m.id
	if ev.From == "" {
		ev.From = sanitizeText(m.from)
	}
	if ev.FriendlyName == "" {
		ev.FriendlyName = m.name
	}
	if ev.Time.IsZero() {
		ev.Time = m.sent
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	return ev, nil
}

// decodeOIM reads an offline message as GetMessage returns it: an RFC 822
// message whose body is base64 (or quoted-printable) text in the declared
// charset, sent at its Date.
func decodeOIM(raw string) (OfflineMessageReceived, error) {
	raw = strings.ReplaceAll(raw, "\r\n", "\n")
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		return OfflineMessageReceived{}, fmt.Errorf("msn: offline message: %w (%w)", ErrSOAP, err)
	}
	var ev OfflineMessageReceived
	if a, err := (&mail.AddressParser{WordDecoder: new(mime.WordDecoder)}).Parse(msg.Header.Get("From")); err == nil {
		ev.From, ev.FriendlyName = sanitizeText(a.Address), sanitizeText(a.Name)
	}
	if t, err := mail.ParseDate(msg.Header.Get("Date")); err == nil {
		ev.Time = t
	}
	body, err := io.ReadAll(io.LimitReader(msg.Body, maxSOAPResponse))
	if err != nil {
		return OfflineMessageReceived{}, fmt.Errorf("msn: offline message: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(msg.Header.Get("Content-Transfer-Encoding"))) {
	case "base64":
		clean := strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(body))
		if body, err = base64.StdEncoding.DecodeString(clean); err != nil {
			return OfflineMessageReceived{}, fmt.Errorf("msn: offline message: bad base64: %w (%w)", ErrSOAP, err)
		}
	case "quoted-printable":
		if body, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err != nil {
			return OfflineMessageReceived{}, fmt.Errorf("msn: offline message: bad quoted-printable: %w (%w)", ErrSOAP, err)
		}
	}
	m := &mimeMessage{header: headers{{name: "content-type", value: msg.Header.Get("Content-Type")}}, body: body}
	ev.Text = textBody(m)
	return ev, nil
}

// DeleteOfflineMessages deletes offline messages from the server by ID
// (DeleteMessages, MSNP13+), once the user kept them.
func (c *Client) DeleteOfflineMessages(ctx context.Context, ids ...string) error {
	if c.Version() < 13 {
		return fmt.Errorf("msn: delete offline messages: %w", ErrUnsupported)
	}
	if len(ids) == 0 {
		return nil
	}
	var resp struct{}
	if err := c.soapCall(ctx, rsiPath, "DeleteMessages", c.rsiRequest(deleteMessages{NS: rsiNS, IDs: ids}), &resp); err != nil {
		return fmt.Errorf("msn: delete offline messages: %w", err)
	}
	return nil
}

type oimEnvelope struct {
	XMLName  xml.Name    `xml:"soap:Envelope"`
	NS       string      `xml:"xmlns:soap,attr"`
	From     oimFrom     `xml:"soap:Header>From"`
	To       oimTo       `xml:"soap:Header>To"`
	Ticket   oimTicket   `xml:"soap:Header>Ticket"`
	Sequence oimSequence `xml:"soap:Header>Sequence"`
	Type     oimField    `xml:"soap:Body>MessageType"`
	Content  oimField    `xml:"soap:Body>Content"`
}

type oimFrom struct {
	Member   string `xml:"memberName,attr"`
	Name     string `xml:"friendlyName,attr"`
	Lang     string `xml:"xml:lang,attr"`
	Proxy    string `xml:"proxy,attr"`
	NS       string `xml:"xmlns,attr"`
	MSNPVer  string `xml:"msnpVer,attr"`
	BuildVer string `xml:"buildVer,attr"`
}

type oimTo struct {
	Member string `xml:"memberName,attr"`
	NS     string `xml:"xmlns,attr"`
}

type oimTicket struct {
	Passport string `xml:"passport,attr"`
	AppID    string `xml:"appid,attr"`
	LockKey  string `xml:"lockkey,attr"`
	NS       string `xml:"xmlns,attr"`
}

type oimSequence struct {
	NS         string `xml:"xmlns,attr"`
	Identifier struct {
		NS    string `xml:"xmlns,attr"`
		Value string `xml:",chardata"`
	} `xml:"Identifier"`
	Number int `xml:"MessageNumber"`
}

type oimField struct {
	NS    string `xml:"xmlns,attr"`
	Value string `xml:",chardata"`
}

// oimSenderName is the sender's friendly name as an offline message
// gives it: one base64 encoded-word, plain ASCII too, as Messenger sends it
// (the server copies it into the message's From header).
func oimSenderName(name string) string {
	return "=?utf-8?B?" + base64.StdEncoding.EncodeToString([]byte(name)) + "?="
}

// SendOfflineMessage leaves text for an offline contact (OIM, Store2,
// MSNP13+; ErrUnsupported before). The lock key is a fixed non-empty
// value, which Escargot accepts; when a server refuses it with a lock key
// challenge, the answer is sent instead, then and afterwards.
func (c *Client) SendOfflineMessage(ctx context.Context, to, text string) error {
	v := c.Version()
	if v < 13 {
		return fmt.Errorf("msn: send offline message: %w", ErrUnsupported)
	}
	if err := checkPassport(to); err != nil {
		return fmt.Errorf("msn: send offline message: %w", err)
	}
	if len(text) > maxOIMText {
		return fmt.Errorf("msn: send offline message: %w: %d bytes", ErrPayloadTooLong, len(text))
	}
	text = strings.ReplaceAll(normalizeNewlines(strings.ToValidUTF8(text, "\uFFFD")), "\n", "\r\n")
	c.mu.Lock()
	c.oimSeq++
	seq := c.oimSeq
	name := c.friendlyName
	lockKey := c.oimLockKey
	c.mu.Unlock()
	if lockKey == "" {
		lockKey = "0" // Escargot takes any non-empty key and never challenges it
	}
	id, _ := ChallengeResponse(v, "")
	var content strings.Builder
	content.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n" +
		"X-OIM-Message-Type: OfflineMessage\r\nX-OIM-Run-Id: " + strings.ToUpper(normalGUID(c.MachineGUID())) + "\r\n" +
		fmt.Sprintf("X-OIM-Sequence-Num: %d\r\n\r\n", seq))
	enc := base64.StdEncoding.EncodeToString([]byte(text))
	for len(enc) > 76 {
		content.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	content.WriteString(enc)
	env := oimEnvelope{NS: soapNS,
		From: oimFrom{Member: c.Passport(), Name: oimSenderName(sanitizeText(name)), Lang: "en-US", Proxy: "MSNMSGR",
			NS: oimNS, MSNPVer: fmt.Sprintf("MSNP%d", v), BuildVer: "8.5.1302"},
		To:       oimTo{Member: to, NS: oimNS},
		Ticket:   oimTicket{Passport: c.ticket("messenger.msn.com"), AppID: id, LockKey: lockKey, NS: oimNS},
		Sequence: oimSequence{NS: "http://schemas.xmlsoap.org/ws/2003/03/rm", Number: seq},
		Type:     oimField{NS: oimNS, Value: "text"},
		Content:  oimField{NS: oimNS, Value: content.String()},
	}
	env.Sequence.Identifier.NS = "http://schemas.xmlsoap.org/ws/2002/07/utility"
	env.Sequence.Identifier.Value = "http://messenger.msn.com"
	var resp struct{}
	err := c.soapCall(ctx, oimPath, "Store2", env, &resp)
	var f *SOAPFault
	if errors.As(err, &f) && f.LockKeyChallenge != "" && len(f.LockKeyChallenge) <= 64 {
		// The server challenged the lock key: answer it as a CHL and try again once.
		_, env.Ticket.LockKey = ChallengeResponse(v, f.LockKeyChallenge)
		c.mu.Lock()
		c.oimLockKey = env.Ticket.LockKey
		c.mu.Unlock()
		err = c.soapCall(ctx, oimPath, "Store2", env, &resp)
	}
	if err != nil {
		return fmt.Errorf("msn: send offline message to %s: %w", to, err)
	}
	return nil
}
