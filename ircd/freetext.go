package ircd

// freeText reports whether the last parameter of a line with command cmd
// and n parameters is free text (a message, a reason, a realname, a topic,
// the text of a numeric). Such a parameter is always sent after " :",
// even when it is one word: every common ircd does so, and strict parsers
// in scripts and bots read the text from there.
func freeText(cmd string, n int) bool {
	switch cmd {
	case "PRIVMSG", "NOTICE", "TOPIC":
		return n == 2
	case "AWAY", "QUIT", "ERROR", "SETNAME", "WALLOPS":
		return n == 1
	case "PART":
		return n == 2
	case "KICK":
		return n == 3
	case "JOIN":
		return n == 3 // extended-join: the realname
	case "FAIL", "WARN", "NOTE", "CAP":
		return n >= 2
	}
	if !isNumeric(cmd) {
		return false
	}
	switch cmd {
	case "004", // RPL_MYINFO: server, version and mode letters
		"221", // RPL_UMODEIS: the modes
		"324", // RPL_CHANNELMODEIS: the modes
		rplCreationTime,
		rplTopicWhoTime,
		rplInviting,
		rplWhoSpcRpl: // the fields asked for, realname last only when asked for
		return false
	}
	return n >= 2 // <client> first, then the text
}

// isNumeric reports whether cmd is a three-digit numeric reply.
func isNumeric(cmd string) bool {
	return len(cmd) == 3 && cmd[0] >= '0' && cmd[0] <= '9' && cmd[1] >= '0' && cmd[1] <= '9' && cmd[2] >= '0' && cmd[2] <= '9'
}
