package ircd

// Numerics that gopkg.in/irc.v4 v4.0.0 does not export (or exports only in
// comments). The rest come from irc.v4.
const (
	rplLocalUsers   = "265"
	rplGlobalUsers  = "266"
	rplWhoisSpecial = "320"
	rplCreationTime = "329"
	rplWhoisAccount = "330"
	rplTopicWhoTime = "333"
	rplWhoisBot     = "335"
	rplInfo         = "371"
	rplEndOfInfo    = "374"
	errInputTooLong = "417"
	errHelpNotFound = "524"
	rplHelpStart    = "704"
	rplHelpTxt      = "705"
	rplEndOfHelp    = "706"
	rplInviting     = "341"
)

// rplWhoSpcRpl is the WHOX reply, which irc.v4 names only in a comment.
const rplWhoSpcRpl = "354"
