package msn

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// MSNSLP is the SIP-like negotiation carried in P2P messages of session 0:
// INVITE, its answer (200 OK or 603 Decline; 404 and 500 as peers send
// them) and BYE. Bodies are "Name: value" lines ending in a NUL byte,
// which Content-Length counts.

// EUF-GUIDs of the P2P applications this package speaks.
const (
	eufFile   = "{5D3E02AB-6190-11D3-BBBB-00C04F795683}"
	eufObject = "{A4268EEC-FEC5-49E5-95C3-F126696BDBF6}"
)

// SLP content types.
const (
	slpSessionReq   = "application/x-msnmsgr-sessionreqbody"
	slpSessionClose = "application/x-msnmsgr-sessionclosebody"
)

// maxSLP bounds an MSNSLP message (a file transfer INVITE with a preview
// is a few kilobytes).
const maxSLP = 32 << 10

// slpMessage is one MSNSLP request or response.
type slpMessage struct {
	Method      string // INVITE or BYE; "" for a response
	Status      int    // of a response: 200, 603, 404, 500
	Reason      string // of a response: "OK", "Decline"
	To, From    string // addresses, without "<msnmsgr:...>"
	Branch      string
	CallID      string
	CSeq        int
	ContentType string
	Body        headers // the body's fields, names lower-cased
}

// parseSLP reads an MSNSLP message.
func parseSLP(b []byte) (*slpMessage, error) {
	if len(b) > maxSLP {
		return nil, fmt.Errorf("msn: MSNSLP message of %d bytes", len(b))
	}
	head, body, ok := bytes.Cut(b, []byte("\r\n\r\n"))
	if !ok {
		return nil, fmt.Errorf("msn: MSNSLP message without a header end")
	}
	first, rest, _ := bytes.Cut(head, []byte("\r\n"))
	m := &slpMessage{}
	f := strings.Fields(string(first))
	switch {
	case len(f) >= 3 && f[0] == "MSNSLP/1.0":
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, fmt.Errorf("msn: MSNSLP status %q", truncate(f[1], 20))
		}
		m.Status, m.Reason = n, strings.Join(f[2:], " ")
	case len(f) == 3 && f[2] == "MSNSLP/1.0":
		m.Method = f[0]
	default:
		return nil, fmt.Errorf("msn: MSNSLP start line %q", truncate(string(first), 40))
	}
	h := parseHeaderLines(rest, nil)
	m.To, m.From = slpAddress(h.get("to")), slpAddress(h.get("from"))
	if _, br, ok := strings.Cut(h.get("via"), "branch="); ok {
		m.Branch = strings.TrimSpace(br)
	}
	m.CallID = h.get("call-id")
	m.CSeq, _ = strconv.Atoi(strings.TrimSpace(h.get("cseq")))
	m.ContentType = mediaType(h.get("content-type"))
	if n, err := strconv.Atoi(h.get("content-length")); err == nil && n >= 0 && n < len(body) {
		body = body[:n]
	}
	m.Body = parseHeaderLines(bytes.TrimRight(body, "\x00"), nil)
	if m.CallID == "" {
		return nil, fmt.Errorf("msn: MSNSLP message without Call-ID")
	}
	return m, nil
}

// slpAddress reads "<msnmsgr:alice@example.com>" (with or without a
// ";{machine-guid}").
func slpAddress(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(strings.TrimSuffix(v, ">"), "<")
	if i := strings.IndexByte(v, ':'); i >= 0 && strings.EqualFold(v[:i], "msnmsgr") {
		v = v[i+1:]
	}
	addr, _, _ := strings.Cut(v, ";")
	return addr
}

// bytes renders the message; body is the list of "Name: value" fields.
func (m *slpMessage) bytes(body []field) []byte {
	var bb strings.Builder
	for _, f := range body {
		bb.WriteString(f.name + ": " + f.value + "\r\n")
	}
	bb.WriteString("\r\n\x00")
	var b strings.Builder
	if m.Method != "" {
		b.WriteString(m.Method + " MSNMSGR:" + m.To + " MSNSLP/1.0\r\n")
	} else {
		b.WriteString("MSNSLP/1.0 " + strconv.Itoa(m.Status) + " " + m.Reason + "\r\n")
	}
	b.WriteString("To: <msnmsgr:" + m.To + ">\r\n")
	b.WriteString("From: <msnmsgr:" + m.From + ">\r\n")
	b.WriteString("Via: MSNSLP/1.0/TLP ;branch=" + m.Branch + "\r\n")
	b.WriteString("CSeq: " + strconv.Itoa(m.CSeq) + " \r\n")
	b.WriteString("Call-ID: " + m.CallID + "\r\n")
	b.WriteString("Max-Forwards: 0\r\n")
	b.WriteString("Content-Type: " + m.ContentType + "\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(bb.Len()) + "\r\n\r\n")
	b.WriteString(bb.String())
	return []byte(b.String())
}

// reply is the response to the request m, sent by its recipient.
func (m *slpMessage) reply(status int, reason string) *slpMessage {
	return &slpMessage{Status: status, Reason: reason, To: m.From, From: m.To, Branch: m.Branch,
		CallID: m.CallID, CSeq: m.CSeq + 1, ContentType: m.ContentType}
}
