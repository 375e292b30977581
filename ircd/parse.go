package ircd

import (
	"errors"
	"strings"
	"unicode/utf8"

	"gopkg.in/irc.v4"
)

var errBadLine = errors.New("ircd: malformed line")

// parseLine parses one line a client sent, as irc.ParseMessage does, but
// in one allocation for a line without tags and with at most
// inlineParams parameters (command included), which is nearly every line.
// The message's Tags are nil when the line has none, and its Prefix is
// never nil. Lines irc.ParseMessage (v4.0.0) panics on, such as tags
// followed by nothing ("@a "), are errors.
func parseLine(line string) (*irc.Message, error) {
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return nil, irc.ErrZeroLengthMessage
	}
	var tags irc.Tags
	if line[0] == '@' {
		sp := strings.IndexByte(line, ' ')
		if sp < 0 || strings.TrimLeft(line[sp+1:], " ") == "" {
			return nil, errBadLine
		}
		if raw, ok := validTags(line[1:sp]); ok {
			tags = irc.ParseTags(raw)
		}
		line = line[sp+1:]
	}
	var prefix string
	hasPrefix := line[0] == ':'
	if hasPrefix {
		sp := strings.IndexByte(line, ' ')
		if sp < 0 {
			return nil, irc.ErrMissingDataAfterPrefix
		}
		prefix, line = line[1:sp], line[sp+1:]
	}
	// The parameters before the first " :", and the trailing one after it.
	middle, trailing, hasTrailing := strings.Cut(line, " :")
	n := countWords(middle)
	if n == 0 {
		return nil, irc.ErrMissingCommand
	}
	if hasTrailing {
		n++
	}
	pm := new(parsedMessage)
	m := &pm.Message
	m.Tags = tags
	m.Prefix = &pm.prefix
	if hasPrefix {
		name, host, _ := strings.Cut(prefix, "@")
		name, user, _ := strings.Cut(name, "!")
		pm.prefix = irc.Prefix{Name: name, User: user, Host: host}
	}
	var words []string
	if n <= len(pm.words) {
		words = pm.words[:0:n]
	} else {
		words = make([]string, 0, n)
	}
	words = appendWords(words, middle)
	if hasTrailing {
		words = append(words, trailing)
	}
	m.Command = strings.ToUpper(words[0])
	if len(words) > 1 {
		m.Params = words[1:]
	}
	return m, nil
}

// validTags returns the tags of raw, a line's tag section, whose text is
// valid UTF-8, as they were sent, and false when none is left of a section
// that had some. irc.ParseTagValue would turn each invalid byte into
// U+FFFD, three bytes, and the value would then pass every check
// (validTagValue, the size limits of message-tags) at three times the
// size the client sent. Under UTF8ONLY such a tag means nothing: it is
// dropped, as a value with a control character is.
func validTags(raw string) (string, bool) {
	if utf8.ValidString(raw) {
		return raw, true
	}
	kept := make([]string, 0, strings.Count(raw, ";")+1)
	for _, tag := range strings.Split(raw, ";") {
		if utf8.ValidString(tag) {
			kept = append(kept, tag)
		}
	}
	return strings.Join(kept, ";"), len(kept) > 0
}

// inlineParams is how many words of a line (its command and parameters)
// parseLine keeps in the message's own allocation.
const inlineParams = 4

// parsedMessage is a message with room for its prefix and words.
type parsedMessage struct {
	irc.Message
	prefix irc.Prefix
	words  [inlineParams]string
}

// appendWords appends the runs of non-space bytes of s to words.
func appendWords(words []string, s string) []string {
	start := -1
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == ' ' && start >= 0:
			words = append(words, s[start:i])
			start = -1
		case s[i] != ' ' && start < 0:
			start = i
		}
	}
	if start >= 0 {
		words = append(words, s[start:])
	}
	return words
}

// countWords returns how many runs of non-space bytes s has.
func countWords(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && (i == 0 || s[i-1] == ' ') {
			n++
		}
	}
	return n
}
