package bridge

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/internal/irctest"
)

// FuzzHistoryCommands gives the history commands (search, history clear,
// forget) arbitrary arguments over a real IRC connection: each is
// answered, never with a store error, and the session goes on (a
// version command after it is answered too).
func FuzzHistoryCommands(f *testing.F) {
	for _, s := range []struct{ cmd, args string }{
		{"search", "lunch"}, {"search", "lunch bob"}, {"search", `lunch* ^noon "x" OR NEAR -y`}, {"search", ""},
		{"search", strings.Repeat("word ", 60)}, {"search", "\xff\xfe bob"}, {"search", "a\x00b"}, {"search", "#chan"},
		{"search", "&msn msn"}, {"search", "bob bob"}, {"search", "' OR 1=1 --"}, {"search", "x \x02bold\x02"},
		{"history", "clear bob"}, {"history", "clear all"}, {"history", "clear"}, {"history", "clear ../../x"},
		{"history", strings.Repeat("clear ", 50)}, {"forget", ""}, {"forget", "abcdef"}, {"forget", "x y"},
	} {
		f.Add(s.cmd, s.args)
	}
	_, _, addr := servedBridge(f, "alice@example.com", "bob@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	f.Cleanup(cancel)
	c, err := irctest.Dial(ctx, addr)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	if _, err := c.Register(ctx, irctest.Registration{Nick: "alice", Pass: "alice@example.com:pw"}); err != nil {
		f.Fatal(err)
	}
	if _, err := c.Expect(ctx, "the contact list", irctest.Command("366")); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, cmd, args string) {
		// The line's own end and NUL never reach a command: ircd refuses them.
		args = strings.Map(func(r rune) rune {
			if r == 0 || r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, args)
		if len(args) > 400 {
			// Cut on a character's boundary: ircd refuses a line that is
			// not UTF-8 before any command sees it.
			args = strings.ToValidUTF8(args[:400], "")
		}
		switch cmd {
		case "search", "history", "forget":
		default:
			cmd = "search"
		}
		tctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := c.Send(tctx, "PRIVMSG msn :"+cmd+" "+args, "PRIVMSG msn :version"); err != nil {
			t.Fatal(err)
		}
		// A search answers off the session goroutine, before or after the
		// version; once both came, a second version's answer comes after
		// every line of the search's.
		answered, versioned, barrier := false, false, false
		for {
			m, err := c.Next(tctx)
			if err != nil {
				t.Fatalf("%s %q: %v (answered: %v)\n%s", cmd, args, err, answered, c.Log())
			}
			if m.Name != "msn" || m.Command != "PRIVMSG" && m.Command != "NOTICE" {
				continue
			}
			text := m.Trailing()
			if strings.HasPrefix(text, "msn2irc ") {
				if barrier {
					break
				}
				versioned = true
			} else {
				answered = true
				if strings.Contains(text, "Could not") {
					t.Fatalf("%s %q: %q", cmd, args, text)
				}
			}
			if answered && versioned && !barrier {
				if err := c.Send(tctx, "PRIVMSG msn :version"); err != nil {
					t.Fatal(err)
				}
				barrier = true
			}
		}
	})
}
