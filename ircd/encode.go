package ircd

import (
	"strings"

	"gopkg.in/irc.v4"
)

// encodeLine serialises m, repairing parameters that would corrupt the line.
func encodeLine(m *irc.Message) string {
	if len(m.Params) > 0 {
		params := make([]string, len(m.Params))
		last := len(params) - 1
		for i, p := range m.Params {
			if i == last {
				params[i] = cleanText(p)
			} else {
				params[i] = cleanWord(p)
			}
		}
		cp := *m
		cp.Params = params
		m = &cp
	}
	if m.Prefix != nil {
		p := *m.Prefix
		p.Name, p.User, p.Host = cleanPrefixPart(p.Name), cleanPrefixPart(p.User), cleanPrefixPart(p.Host)
		cp := *m
		cp.Prefix = &p
		m = &cp
	}
	line := m.String()
	if n := len(m.Params); n > 0 && freeText(m.Command, n) {
		// String adds the ':' only when the text needs it.
		if t := m.Params[n-1]; t != "" && t[0] != ':' && strings.IndexByte(t, ' ') < 0 {
			line = line[:len(line)-len(t)] + ":" + t
		}
	}
	return line
}

// appendEncoded appends the line encodeLine gives for m, without its
// CRLF, to dst, without building the line as a string first.
func appendEncoded(dst []byte, m *irc.Message) []byte {
	if len(m.Tags) > 0 {
		dst = append(dst, '@')
		first := true
		for k, v := range m.Tags {
			if !first {
				dst = append(dst, ';')
			}
			first = false
			dst = append(dst, k...)
			if v != "" {
				dst = append(dst, '=')
				dst = append(dst, irc.EncodeTagValue(v)...)
			}
		}
		dst = append(dst, ' ')
	}
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
		if isLineBreak(r) || r == ' ' || r == '!' || r == '@' {
			return '_'
		}
		return r
	}, s)
}
