package mapping

import "strings"

// ctcpDelim delimits a CTCP message.
const ctcpDelim = '\x01'

// ParseCTCP parses the text of an IRC PRIVMSG or NOTICE as a CTCP message:
// "\x01ACTION waves\x01" -> ("ACTION", "waves", true). The command is
// upper-cased; args is everything after the first space. The closing \x01
// may be missing (some clients leave it out). ok is false when text is not
// CTCP or has no command.
func ParseCTCP(text string) (command, args string, ok bool) {
	if len(text) < 2 || text[0] != ctcpDelim {
		return "", "", false
	}
	body := strings.TrimSuffix(text[1:], string(ctcpDelim))
	command, args, _ = strings.Cut(body, " ")
	if command == "" || strings.IndexByte(command, ctcpDelim) >= 0 {
		return "", "", false
	}
	return strings.ToUpper(command), args, true
}

// CTCP returns the IRC text of a CTCP message: "\x01COMMAND args\x01", or
// "\x01COMMAND\x01" when args is empty.
func CTCP(command, args string) string {
	if args == "" {
		return string(ctcpDelim) + command + string(ctcpDelim)
	}
	return string(ctcpDelim) + command + " " + args + string(ctcpDelim)
}

// ActionText renders an IRC /me for MSN, which has no actions:
// "* nick does something", or "* nick" when action is empty.
func ActionText(nick, action string) string {
	if action == "" {
		return "* " + nick
	}
	return "* " + nick + " " + action
}
