package bridge_test

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

// A long formatted message from a contact with a long address arrives as
// lines that each fit in 512 bytes with the contact's full source and each
// keep the formatting: it is split once, where the source is known, and
// not cut again (without its formatting) on the way out.
func TestLongMessageFromLongAddressKeepsFormatting(t *testing.T) {
	e := newEnv(t, "MSNP12")
	const long = "a-rather-long-name.with-several-parts.for-testing-lines@a-long-subdomain.of-a-university.example.com"
	if err := e.msn.AddAccount(long, password, "Long"); err != nil {
		t.Fatal(err)
	}
	if err := e.msn.Befriend(alice, long); err != nil {
		t.Fatal(err)
	}
	c := e.login("alice", alice, password, allCaps)
	p := e.peer(long)
	m := c.expect("the long contact online", func(m *irc.Message) bool {
		return m.Command == "MODE" && m.Param(1) == "+v" && m.Param(2) != "bob"
	})
	nick := m.Param(2)
	var words []string
	for i := range 120 {
		words = append(words, fmt.Sprintf("word%03d", i))
	}
	want := strings.Join(words, " ")
	sb := p.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.SendText(ctx, want, msn.Format{Bold: true}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(strings.Join(got, " ")) < len(want) {
		m := c.expect("a line of the long message", func(m *irc.Message) bool {
			return m.Command == "PRIVMSG" && m.Prefix.Name == nick
		})
		line := m.Trailing()
		if !strings.HasPrefix(line, "\x02") {
			t.Errorf("line %d lost its bold: %q", len(got)+1, line)
		}
		if n := len(":" + m.Prefix.String() + " PRIVMSG alice :" + line + "\r\n"); n > 512 {
			t.Errorf("line %d takes %d bytes", len(got)+1, n)
		}
		got = append(got, strings.TrimSpace(strings.ReplaceAll(line, "\x02", "")))
	}
	if strings.Join(got, " ") != want {
		t.Fatalf("the lines say\n%q\nwant\n%q", strings.Join(got, " "), want)
	}
}
