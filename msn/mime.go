package msn

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// mimeMessage is a parsed MSG payload: headers (names lower-cased) and body.
type mimeMessage struct {
	header headers
	body   []byte
}

// field is one "Name: value" line, its name lower-cased.
type field struct{ name, value string }

// headers are "Name: value" lines in the order read.
type headers []field

// get returns the value of the header called name (lower-case), or "".
// Later duplicates win.
func (h headers) get(name string) string {
	v, _ := h.lookup(name)
	return v
}

// lookup is get, also reporting whether the header is there at all.
func (h headers) lookup(name string) (string, bool) {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].name == name {
			return h[i].value, true
		}
	}
	return "", false
}

// contentType returns the media type without parameters, lower-cased.
func (m *mimeMessage) contentType() string {
	return mediaType(m.header.get("content-type"))
}

// mediaType returns a Content-Type value's media type, lower-cased.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// param returns a parameter of the Content-Type header (e.g. charset).
func (m *mimeMessage) param(name string) string {
	_, params, _ := strings.Cut(m.header.get("content-type"), ";")
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// parseMIME splits an MSG payload into headers and body. Lines may end in
// CRLF or LF. A payload without the blank line that ends the headers is all
// headers. Header lines without a colon are ignored; later duplicates win.
func parseMIME(p []byte) *mimeMessage {
	m := &mimeMessage{}
	head := p
	for off := 0; off < len(p); {
		nl := bytes.IndexByte(p[off:], '\n')
		if nl < 0 {
			break
		}
		line := bytes.TrimRight(p[off:off+nl], "\r")
		if len(line) == 0 {
			head, m.body = p[:off], p[off+nl+1:]
			break
		}
		off += nl + 1
	}
	m.header = parseHeaderLines(head, nil)
	return m
}

// parseHeaderLines appends the "Name: value" lines of b to h (names
// lower-cased).
func parseHeaderLines(b []byte, h headers) headers {
	rest := string(b)
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimRight(line, "\r")
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			continue
		}
		h = append(h, field{k, strings.TrimSpace(v)})
	}
	return h
}

// bodyFields parses a body made of "Name: value" lines (datacasts, invitations).
func bodyFields(body []byte) headers {
	return parseHeaderLines(body, nil)
}

// textBody decodes a text/plain body: UTF-8 (invalid bytes replaced), or
// ISO-8859-1 when another charset is declared and the bytes are not UTF-8;
// line breaks become "\n".
func textBody(m *mimeMessage) string {
	b := m.body
	var s string
	cs := strings.ToLower(m.param("charset"))
	if cs != "" && cs != "utf-8" && cs != "utf8" && !utf8.Valid(b) {
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		s = string(r)
	} else {
		s = strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return normalizeNewlines(s)
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// parseFormat reads an X-MMS-IM-Format header value.
func parseFormat(v string) Format {
	var f Format
	for field := range strings.SplitSeq(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.ToUpper(strings.TrimSpace(k)) {
		case "FN":
			f.Font = decodeName(val)
		case "EF":
			u := strings.ToUpper(val)
			f.Bold = strings.Contains(u, "B")
			f.Italic = strings.Contains(u, "I")
			f.Underline = strings.Contains(u, "U")
			f.Strike = strings.Contains(u, "S")
		case "CO":
			if n, err := strconv.ParseUint(val, 16, 32); err == nil {
				f.Color = uint32(n)
			}
		case "CS":
			f.Charset = val
		case "PF":
			f.Pitch = val
		case "RL":
			f.RTL = val == "1"
		}
	}
	return f
}

// formatHeader renders f as an X-MMS-IM-Format value, with the official
// client's defaults (Arial, variable-pitch swiss, ANSI) for empty fields.
func formatHeader(f Format) string {
	font := strings.ToValidUTF8(f.Font, "")
	if font == "" {
		font = "Arial"
	}
	// Windows font names have at most 31 characters (LF_FACESIZE).
	if len(font) > 31 {
		cut := 31
		for cut > 0 && !utf8.RuneStart(font[cut]) {
			cut--
		}
		font = font[:cut]
	}
	// Only '%', space and control characters are escaped in FN; ';' would
	// end the field, so it is escaped too.
	var fb strings.Builder
	for i := 0; i < len(font); i++ {
		c := font[i]
		if c <= ' ' || c == '%' || c == ';' || c == 0x7f {
			fmt.Fprintf(&fb, "%%%02X", c)
		} else {
			fb.WriteByte(c)
		}
	}
	ef := ""
	if f.Bold {
		ef += "B"
	}
	if f.Italic {
		ef += "I"
	}
	if f.Underline {
		ef += "U"
	}
	if f.Strike {
		ef += "S"
	}
	cs := safeToken(f.Charset, "0")
	pf := safeToken(f.Pitch, "22")
	b := make([]byte, 0, 40+fb.Len())
	b = append(b, "FN="...)
	b = append(b, fb.String()...)
	b = append(b, "; EF="...)
	b = append(b, ef...)
	b = append(b, "; CO="...)
	b = strconv.AppendUint(b, uint64(f.Color), 16)
	b = append(b, "; CS="...)
	b = append(b, cs...)
	b = append(b, "; PF="...)
	b = append(b, pf...)
	if f.RTL {
		b = append(b, "; RL=1"...)
	}
	return string(b)
}

// safeToken returns s when it is a short run of hex digits, else def.
func safeToken(s, def string) string {
	if s == "" || len(s) > 8 {
		return def
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return def
		}
	}
	return s
}

const textHeaderStart = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: "

// textHeader is everything of a text/plain payload before the body.
func textHeader(f Format) string {
	if f == (Format{}) {
		return plainTextHeader
	}
	return textHeaderStart + formatHeader(f) + "\r\n\r\n"
}

// plainTextHeader is the header of text without formatting.
var plainTextHeader = textHeaderStart + formatHeader(Format{}) + "\r\n\r\n"

// textPayload builds a text/plain MSG payload; line breaks become CRLF.
func textPayload(text string, f Format) []byte { return appendTextPayload(nil, text, f) }

// appendTextPayload appends the payload textPayload builds to b.
func appendTextPayload(b []byte, text string, f Format) []byte {
	text = normalizeNewlines(strings.ToValidUTF8(text, "\uFFFD"))
	h := textHeader(f)
	b = slices.Grow(b, len(h)+wireLen(text))
	b = append(b, h...)
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			break
		}
		b = append(b, text[:i]...)
		b = append(b, '\r', '\n')
		text = text[i+1:]
	}
	return append(b, text...)
}

func typingPayload(passport string) []byte {
	return []byte("MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: " + passport + "\r\n\r\n\r\n")
}

var nudgePayload = []byte("MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 1\r\n\r\n")

// SplitText splits text into pieces that each fit one MSG payload with format f,
// at UTF-8 boundaries (preferring line and word breaks).
// The line break or space a piece was split at is dropped. Text that
// fits is returned as the only piece; empty text gives no pieces.
func SplitText(text string, f Format) []string { return AppendSplitText(nil, text, f) }

// AppendSplitText appends the pieces SplitText gives to out.
func AppendSplitText(out []string, text string, f Format) []string {
	text = normalizeNewlines(strings.ToValidUTF8(text, "\uFFFD"))
	budget := MaxSBMessagePayload - len(textHeader(f))
	for text != "" {
		if wireLen(text) <= budget {
			out = append(out, text)
			break
		}
		// The longest prefix that fits, at a rune boundary.
		n, size := 0, 0
		for n < len(text) {
			_, w := utf8.DecodeRuneInString(text[n:])
			add := w
			if text[n] == '\n' {
				add = 2
			}
			if size+add > budget {
				break
			}
			size += add
			n += w
		}
		if n == 0 { // budget smaller than one rune: cannot happen with real headers
			_, n = utf8.DecodeRuneInString(text)
		}
		cut, skip := n, 0
		if i := strings.LastIndexByte(text[:n], '\n'); i > 0 {
			cut, skip = i, 1
		} else if i := strings.LastIndexByte(text[:n], ' '); i > 0 {
			cut, skip = i, 1
		} else if n < len(text) && (text[n] == '\n' || text[n] == ' ') {
			skip = 1
		}
		out = append(out, text[:cut])
		text = text[cut+skip:]
	}
	return out
}

// wireLen is the byte length of text once its newlines are CRLF.
func wireLen(s string) int { return len(s) + strings.Count(s, "\n") }

// describeContent returns a short human description of a message type the
// client does not handle.
func describeContent(m *mimeMessage) string {
	ct := m.contentType()
	switch ct {
	case "text/x-msmsgsinvite":
		f := bodyFields(m.body)
		if strings.EqualFold(f.get("invitation-command"), "CANCEL") {
			return "a cancelled invitation"
		}
		if strings.EqualFold(f.get("invitation-command"), "ACCEPT") {
			return "an accepted invitation"
		}
		if strings.EqualFold(f.get("application-guid"), "{5D3E02AB-6190-11d3-BBBB-00C04F795683}") || f.get("application-file") != "" {
			if name := f.get("application-file"); name != "" {
				return "a file transfer (" + sanitizeText(name) + ")"
			}
			return "a file transfer"
		}
		if app := f.get("application-name"); app != "" {
			return "an invitation (" + sanitizeText(app) + ")"
		}
		return "an invitation"
	case "application/x-msnmsgrp2p":
		return "peer-to-peer data (file transfer, display picture or emoticon)"
	case "text/x-msnmsgr-datacast":
		switch strings.TrimSpace(bodyFields(m.body).get("id")) {
		case "2":
			return "a wink"
		case "3":
			return "a voice clip"
		case "4":
			return "an action message"
		}
		return "a datacast"
	case "image/gif", "application/x-ms-ink":
		return "ink (a handwritten message)"
	case "text/x-mms-emoticon", "text/x-mms-animemoticon":
		return "custom emoticons"
	case "":
		return "a message without a content type"
	}
	return "content of type " + sanitizeText(ct)
}

// sanitizeText removes control characters and cuts s to 100 bytes.
func sanitizeText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) > 100 {
		cut := 100
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
