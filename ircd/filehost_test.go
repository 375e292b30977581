package ircd

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// isupport registers a client on a server with cfg and returns its ISUPPORT tokens.
func isupport(t *testing.T, cfg Config) []string {
	t.Helper()
	e := newEnv(t, cfg)
	c := e.dial()
	var tokens []string
	for _, m := range find(c.register("foo"), irc.RPL_ISUPPORT) {
		tokens = append(tokens, m.Params[1:len(m.Params)-1]...)
	}
	return tokens
}

// A server with a file host advertises it as soju.im/FILEHOST; one
// without advertises none.
func TestFileHostISupport(t *testing.T) {
	tokens := isupport(t, Config{FileHost: "https://files.example.org/upload"})
	if !slices.Contains(tokens, "soju.im/FILEHOST=https://files.example.org/upload") {
		t.Errorf("ISUPPORT %v: no soju.im/FILEHOST", tokens)
	}
	for _, tok := range isupport(t, Config{}) {
		if strings.HasPrefix(tok, "soju.im/FILEHOST") {
			t.Errorf("ISUPPORT without a file host has %s", tok)
		}
	}
}
