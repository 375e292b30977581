package db

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseContactsJSON reads what ContactsOf's query gives: a JSON array of
// [passport, nick, friendly_name] arrays of strings, as SQLite's JSON
// functions spell them. Strings without escapes are cut out of doc. It
// reports false for anything else, and then the caller reads the rows
// one by one.
func parseContactsJSON(account, doc string) ([]Contact, bool) {
	p := jsonReader{s: doc}
	if !p.byte('[') {
		return nil, false
	}
	cs := make([]Contact, 0, strings.Count(doc, "],")+1)
	if p.byte(']') {
		return nil, p.end()
	}
	for {
		var f [3]string
		if !p.byte('[') {
			return nil, false
		}
		for i := range f {
			if i > 0 && !p.byte(',') {
				return nil, false
			}
			var ok bool
			if f[i], ok = p.str(); !ok {
				return nil, false
			}
		}
		if !p.byte(']') {
			return nil, false
		}
		cs = append(cs, Contact{Account: account, Passport: f[0], Nick: f[1], FriendlyName: f[2]})
		if p.byte(']') {
			return cs, p.end()
		}
		if !p.byte(',') {
			return nil, false
		}
	}
}

// jsonReader reads the little JSON parseContactsJSON takes.
type jsonReader struct {
	s string
	i int
}

// byte takes c, after blanks, when it comes next.
func (p *jsonReader) byte(c byte) bool {
	p.blanks()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jsonReader) blanks() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

// end reports whether nothing but blanks is left.
func (p *jsonReader) end() bool {
	p.blanks()
	return p.i == len(p.s)
}

// str reads a string; one without escapes is cut out of the document.
func (p *jsonReader) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			return v, true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// escaped reads the rest of a string that holds escapes, from start.
func (p *jsonReader) escaped(start int) (string, bool) {
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), true
		case c < 0x20:
			return "", false
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", false
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", false
			}
			if utf16IsHigh(r) {
				// A surrogate pair: the low half must follow.
				if p.i+2 > len(p.s) || p.s[p.i] != '\\' || p.s[p.i+1] != 'u' {
					return "", false
				}
				p.i += 2
				lo, ok := p.hex4()
				if !ok || !utf16IsLow(lo) {
					return "", false
				}
				r = 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00)
			} else if utf16IsLow(r) {
				return "", false
			}
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return "", false
}

func (p *jsonReader) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	r := rune(v)
	if r == utf8.RuneError {
		return 0, false // not something SQLite writes; read the rows instead
	}
	return r, true
}

func utf16IsHigh(r rune) bool { return r >= 0xd800 && r < 0xdc00 }
func utf16IsLow(r rune) bool  { return r >= 0xdc00 && r < 0xe000 }
