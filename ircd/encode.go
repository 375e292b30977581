package ircd

import (
	"cmp"
	"slices"
	"strings"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/irctext"
)

// encodeLine serialises m, repairing parameters that would corrupt the line,
// as appendEncoded does: tags that cannot be sent are left out, and a body
// over 512 bytes is cut (fitBody).
func encodeLine(m *irc.Message) string {
	return string(appendEncoded(nil, m))
}

// appendEncoded appends m, encoded without its CRLF, to dst. This is where
// every line to a client is made: it leaves out tags that cannot be sent
// (sendableTag), sends free text after " :" (freeText), and keeps the
// body, CRLF included, within 512 bytes.
func appendEncoded(dst []byte, m *irc.Message) []byte {
	dst = appendTags(dst, m.Tags)
	start := len(dst)
	dst = appendBody(dst, m)
	if len(dst)-start+2 > maxBodyLen {
		dst = appendBody(dst[:start], fitBody(m))
	}
	return dst
}

// maxSentTagsLen bounds the tags of a line the server sends, the leading
// '@' and the space after them included (message-tags "Size limit").
const maxSentTagsLen = 8191

// sendableTag reports whether a tag may go on a line: a well-formed key and
// a value without control characters.
func sendableTag(k, v string) bool {
	return validTagKey(k) && validTagValue(v)
}

// appendTags appends "@tags " for the sendable tags of tags, nothing when
// there are none. Tags that would take more than maxSentTagsLen are left
// out, the longest first (fitTags).
func appendTags(dst []byte, tags irc.Tags) []byte {
	start := len(dst)
	dst = appendSendableTags(dst, tags)
	if len(dst)-start > maxSentTagsLen {
		dst = appendSendableTags(dst[:start], fitTags(tags))
	}
	return dst
}

// fitTags returns the sendable tags of tags without the longest ones, so
// that they take at most maxSentTagsLen on a line.
func fitTags(tags irc.Tags) irc.Tags {
	keys := make([]string, 0, len(tags))
	size := 1 // the space after the tags
	for k, v := range tags {
		if sendableTag(k, v) {
			keys = append(keys, k)
			size += 1 + tagLen(k, v) // with its '@' or ';'
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(tagLen(b, tags[b]), tagLen(a, tags[a])), strings.Compare(a, b))
	})
	out := make(irc.Tags, len(keys))
	for _, k := range keys {
		if size > maxSentTagsLen {
			size -= 1 + tagLen(k, tags[k])
			continue
		}
		out[k] = tags[k]
	}
	return out
}

// appendSendableTags appends "@tags " for the sendable tags of tags,
// nothing when there are none.
func appendSendableTags(dst []byte, tags irc.Tags) []byte {
	n := 0
	for k, v := range tags {
		if !sendableTag(k, v) {
			continue
		}
		if n == 0 {
			dst = append(dst, '@')
		} else {
			dst = append(dst, ';')
		}
		n++
		dst = append(dst, k...)
		if v != "" {
			dst = append(dst, '=')
			dst = appendTagValue(dst, v)
		}
	}
	if n > 0 {
		dst = append(dst, ' ')
	}
	return dst
}

// appendTagValue appends v escaped as a tag value (message-tags): "\:"
// for ';', "\s" for a space, "\\" for a backslash, "\r" and "\n" for
// the line ends. It writes into dst directly: every tag of every line
// goes through it.
func appendTagValue(dst []byte, v string) []byte {
	if !strings.ContainsAny(v, "; \\\r\n") {
		return append(dst, v...)
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ';':
			dst = append(dst, '\\', ':')
		case ' ':
			dst = append(dst, '\\', 's')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\n':
			dst = append(dst, '\\', 'n')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// fitBody returns a copy of m whose parameters are cleaned and cut so that
// its line, without tags and with its CRLF, fits maxBodyLen: the last
// (free-text) parameter is cut at a UTF-8 boundary; a middle parameter only
// when the others alone are too long. Callers split long texts where they
// build them; this is the backstop.
func fitBody(m *irc.Message) *irc.Message {
	cp := *m
	n := len(m.Params)
	if n == 0 {
		return &cp
	}
	params := make([]string, n)
	for i, p := range m.Params[:n-1] {
		params[i] = cleanWord(p)
	}
	cp.Params = params
	for {
		params[n-1] = "x"
		head := len(appendBody(nil, &cp)) - 1 // up to the space before the text
		room := maxBodyLen - 2 - head - 1     // the text, after its ':'
		if room >= 0 {
			params[n-1] = truncate(cleanText(m.Params[n-1]), room)
			return &cp
		}
		longest := -1
		for i, p := range params[:n-1] {
			if len(p) > 1 && (longest < 0 || len(p) > len(params[longest])) {
				longest = i
			}
		}
		if longest < 0 {
			params[n-1] = ""
			return &cp // the prefix and command alone are too long
		}
		params[longest] = cleanWord(truncate(params[longest], len(params[longest])/2))
	}
}

// appendBody appends m's prefix, command and parameters.
func appendBody(dst []byte, m *irc.Message) []byte {
	if p := m.Prefix; p != nil && p.Name != "" {
		dst = append(dst, ':')
		dst = appendPrefixPart(dst, p.Name)
		if p.User != "" {
			dst = append(dst, '!')
			dst = appendPrefixPart(dst, p.User)
		}
		if p.Host != "" {
			dst = append(dst, '@')
			dst = appendPrefixPart(dst, p.Host)
		}
		dst = append(dst, ' ')
	}
	dst = append(dst, m.Command...)
	if n := len(m.Params); n > 0 {
		for _, p := range m.Params[:n-1] {
			dst = append(dst, ' ')
			dst = append(dst, cleanWord(p)...)
		}
		t := cleanText(m.Params[n-1])
		if t == "" || t[0] == ':' || strings.IndexByte(t, ' ') >= 0 || freeText(m.Command, n) {
			dst = append(dst, " :"...)
		} else {
			dst = append(dst, ' ')
		}
		dst = append(dst, t...)
	}
	return dst
}

// appendPrefixPart appends cleanPrefixPart(s), copying s when it is plain.
func appendPrefixPart(dst []byte, s string) []byte {
	if plainWord(s, true) || s != "" && s[0] == ':' && plainWord(s[1:], true) {
		return append(dst, s...)
	}
	return append(dst, cleanPrefixPart(s)...)
}

func cleanPrefixPart(s string) string {
	if s == "" {
		return s
	}
	return strings.Map(func(r rune) rune {
		if irctext.IsLineEnd(r) || r == ' ' || r == '!' || r == '@' {
			return '_'
		}
		return r
	}, s)
}
