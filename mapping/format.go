package mapping

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/msn2irc/msn2irc/internal/irctext"
	"github.com/msn2irc/msn2irc/msn"
)

// IRC formatting codes.
const (
	codeBold      = irctext.Bold
	codeColor     = irctext.Color
	codeHexColor  = irctext.HexColor
	codeReset     = irctext.Reset
	codeMonospace = irctext.Monospace
	codeReverse   = irctext.Reverse
	codeItalic    = irctext.Italic
	codeStrike    = irctext.Strike
	codeUnderline = irctext.Underline
)

// style is the formatting in effect at a point of IRC text.
type style struct {
	bold, italic, underline, strike, mono, reverse bool
	color                                          string // the last colour code, "" for none
}

// apply updates st for the formatting code code.
func (st *style) apply(code string) {
	switch code[0] {
	case codeBold:
		st.bold = !st.bold
	case codeItalic:
		st.italic = !st.italic
	case codeUnderline:
		st.underline = !st.underline
	case codeStrike:
		st.strike = !st.strike
	case codeMonospace:
		st.mono = !st.mono
	case codeReverse:
		st.reverse = !st.reverse
	case codeReset:
		*st = style{}
	case codeColor:
		st.color = normalColor(code)
	case codeHexColor:
		if len(code) == 1 {
			st.color = "" // a bare colour code resets colours
		} else {
			st.color = code
		}
	}
}

// normalColor returns the \x03 colour code code with two-digit numbers, so
// that it keeps its meaning when digits follow it; "" for a bare \x03.
func normalColor(code string) string {
	if len(code) == 1 {
		return ""
	}
	fg, bg, hasBG := strings.Cut(code[1:], ",")
	out := "\x03" + pad2(fg)
	if hasBG {
		out += "," + pad2(bg)
	}
	return out
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// codes returns the formatting codes that turn st on from plain text. The
// colour code comes first, so that text starting with digits or a comma
// cannot extend it.
func (st style) codes() string {
	var b strings.Builder
	b.WriteString(st.color)
	for _, c := range []struct {
		on   bool
		code byte
	}{
		{st.bold, codeBold}, {st.italic, codeItalic}, {st.underline, codeUnderline},
		{st.strike, codeStrike}, {st.mono, codeMonospace}, {st.reverse, codeReverse},
	} {
		if c.on {
			b.WriteByte(c.code)
		}
	}
	if b.Len() == len(st.color) && st.color != "" {
		// Nothing after the colour code: end it with an empty bold
		// toggle pair.
		b.WriteString("\x02\x02")
	}
	return b.String()
}

// styleAtEnd returns the formatting in effect at the end of s.
func styleAtEnd(s string) style {
	var st style
	for i := 0; i < len(s); {
		if n := irctext.FormatCodeLen(s[i:]); n > 0 {
			st.apply(s[i : i+n])
			i += n
			continue
		}
		i++
	}
	return st
}

// FormatToIRC renders MSN text with its format as IRC: each line (lines
// end at "\r\n", "\n" or "\r"; the result uses "\n") is wrapped in the
// codes for the text colour (\x03 and the number of the nearest of the 16
// mIRC colours; none for black, MSN's default), bold (\x02), italic
// (\x1d), underline (\x1f) and strike-out (\x1e). Empty lines stay empty.
// The font is ignored.
func FormatToIRC(text string, f msn.Format) string {
	var open []byte
	if f.Bold {
		open = append(open, codeBold)
	}
	if f.Italic {
		open = append(open, codeItalic)
	}
	if f.Underline {
		open = append(open, codeUnderline)
	}
	if f.Strike {
		open = append(open, codeStrike)
	}
	color := ""
	if n := ircColorOf(f.Color); n >= 0 {
		color = fmt.Sprintf("\x03%02d", n)
	}
	lines := splitNewlines(text)
	if len(open) == 0 && color == "" {
		return strings.Join(lines, "\n")
	}
	closing := make([]byte, len(open))
	for i, c := range open {
		closing[len(open)-1-i] = c
	}
	for i, l := range lines {
		if l == "" {
			continue
		}
		if color == "" {
			lines[i] = string(open) + l + string(closing)
			continue
		}
		start := color + string(open)
		if len(open) == 0 && l[0] == ',' {
			// A comma right after the colour would start a background
			// colour: put an empty bold toggle pair between them.
			start += "\x02\x02"
		}
		lines[i] = start + l + string(closing) + string(codeColor)
	}
	return strings.Join(lines, "\n")
}

// splitNewlines splits text at "\r\n", "\n" and "\r".
func splitNewlines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.Split(text, "\n")
}

// FormatFromIRC turns IRC text into MSN text and format. Every formatting
// code (\x02 \x1d \x1f \x1e \x11 \x16 \x0f, and \x03 and \x04 colour codes
// with their arguments) is removed. Bold, italic, underline, strike-out or
// one text colour in effect over all of the visible text (white space does
// not count) becomes the MSN effect or colour (CO); MSN formats a whole
// message only, so a style or colour over part of the text is lost. A
// colour is one of the 16 mIRC colours, a \x04 hex colour the nearest of
// them; background colours and the extended colours 16 to 98 are dropped.
func FormatFromIRC(text string) (string, msn.Format) {
	if !irctext.HasFormatCode(text) {
		return text, msn.Format{} // most text: nothing to copy
	}
	return formatFromIRC(text)
}

// formatFromIRC is FormatFromIRC of text that may hold formatting codes.
func formatFromIRC(text string) (string, msn.Format) {
	var (
		b                        strings.Builder
		st                       style
		visible                  int
		bold, ital, under, strik int
		fg                       = -1 // the colour in effect now
		color                    = -1 // the colour of all visible text so far; -2 when mixed
	)
	b.Grow(len(text))
	for i := 0; i < len(text); {
		if n := irctext.FormatCodeLen(text[i:]); n > 0 {
			st.apply(text[i : i+n])
			fg = foreground(st.color)
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		b.WriteString(text[i : i+size])
		i += size
		if unicode.IsSpace(r) {
			continue
		}
		switch {
		case visible == 0:
			color = fg
		case color != fg:
			color = -2
		}
		visible++
		if st.bold {
			bold++
		}
		if st.italic {
			ital++
		}
		if st.underline {
			under++
		}
		if st.strike {
			strik++
		}
	}
	var f msn.Format
	if visible > 0 {
		f.Bold = bold == visible
		f.Italic = ital == visible
		f.Underline = under == visible
		f.Strike = strik == visible
		if color >= 0 {
			f.Color = msnColorOf(color)
		}
	}
	return b.String(), f
}
