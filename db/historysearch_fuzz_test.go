package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/internal/irctext"
)

// ftsTokens splits s as the search sees it: without IRC formatting, as
// the FTS4 "simple" tokenizer does: a token is a run of ASCII letters and
// digits and of bytes of non-ASCII characters, with ASCII letters in
// lower case.
func ftsTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(irctext.StripFormatting(s)), func(r rune) bool {
		return r < 0x80 && !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}

// hasPhrase reports whether the tokens of text hold those of phrase one
// after the other.
func hasPhrase(text, phrase []string) bool {
	for i := 0; i+len(phrase) <= len(text); i++ {
		if slices.Equal(text[i:i+len(phrase)], phrase) {
			return true
		}
	}
	return false
}

// FuzzSearchHistory stores a message with arbitrary text, then searches a
// real store with arbitrary text: a search never fails, finds only
// messages of the account that hold every word searched for, and finds
// the message when searched for with its own text.
func FuzzSearchHistory(f *testing.F) {
	for _, seed := range [][2]string{
		{"lunch at noon?", "lunch"},
		{"LUNCH tomorrow", "lunch noon"},
		{"no lunch today", `lunch OR "x" NEAR -`},
		{"luncheon", "lunch*"},
		{"a b", "^b"},
		{"x", `"`},
		{"héllo wörld", "WÖRLD"},
		{"a\x00b\r\nc", "a\x00b"},
		{"\xff\xfe", "\xff"},
		{"x:y", "text:y"},
		{"(a) AND b", "(a) AND NOT b"},
		{"../../etc/passwd", "etc/passwd"},
		{strings.Repeat("word ", 200), strings.Repeat("word ", 40)},
		{"it's", "'it'"},
	} {
		f.Add(seed[0], seed[1])
	}
	s, _ := openTemp(f)
	ctx := context.Background()
	n := 0
	f.Fuzz(func(t *testing.T, text, query string) {
		n++
		conv := fmt.Sprintf("c%d@example.com", n)
		at := histT0.Add(time.Duration(n) * time.Millisecond)
		if err := s.AddHistory(ctx, []HistoryMessage{
			{Account: histAcct, Conversation: conv, MsgID: fmt.Sprintf("m%d", n), Time: at, Command: "PRIVMSG", Text: text},
			{Account: "other@example.com", Conversation: conv, MsgID: fmt.Sprintf("o%d", n), Time: at, Command: "PRIVMSG", Text: text},
		}); err != nil {
			t.Skip("not stored:", err) // AddHistory's own rules; not the search's
		}
		for _, q := range []string{query, text} {
			got, err := s.SearchHistory(ctx, histAcct, q, "", 20)
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			for _, m := range got {
				if m.Account != histAcct {
					t.Fatalf("search %q found a message of %s", q, m.Account)
				}
				for _, p := range searchPhrases(irctext.StripFormatting(q)) {
					if !hasPhrase(ftsTokens(m.Text), ftsTokens(strings.Join(p, " "))) {
						t.Fatalf("search %q found %q, which does not hold %q", q, m.Text, p)
					}
				}
			}
		}
		got, err := s.SearchHistory(ctx, histAcct, text, conv, 20)
		if err != nil {
			t.Fatalf("search %q in its conversation: %v", text, err)
		}
		// SQLite's tokenizer stops at a NUL; no stored message holds one
		// (an IRC line cannot).
		if len(ftsTokens(text)) > 0 && !strings.Contains(text, "\x00") && len(got) != 1 {
			t.Fatalf("search for the text %q of a message found %d message(s), want it", text, len(got))
		}
	})
}

// The query syntax FTS4 keeps inside a quoted phrase ('*' for a prefix,
// '^' for the first token) is no operator in a search: a word is a word.
func TestSearchOperatorsAreText(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if err := s.AddHistory(ctx, []HistoryMessage{
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "1", Time: histT0, Command: "PRIVMSG", Text: "luncheon at noon"},
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "2", Time: histT0.Add(time.Second), Command: "PRIVMSG", Text: "lunch, at noon*"},
	}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"lunch*", "lunch* ^noon", "*lunch^"} {
		got, err := s.SearchHistory(ctx, histAcct, q, "", 10)
		if err != nil || !slices.Equal(msgids(got), []string{"2"}) {
			t.Errorf("search %q = %v, %v; want [2]", q, msgids(got), err)
		}
	}
}

// A search looks for at most maxSearchWords words and maxSearchTokens
// tokens: a long search costs what a short one does, and still finds
// what holds the words it kept.
func TestSearchBounds(t *testing.T) {
	many := func(word string, n int) string { return strings.TrimSpace(strings.Repeat(word+" ", n)) }
	long := strings.Repeat("a.", 40) // one word of 40 tokens
	for _, c := range []struct {
		text string
		want [][]string
	}{
		{"Lunch at noon", [][]string{{"Lunch"}, {"at"}, {"noon"}}},
		{"*** lunch* -", [][]string{{"lunch"}}},
		{"a.b.c", [][]string{{"a", "b", "c"}}},
		{many("w", 20), slices.Repeat([][]string{{"w"}}, maxSearchWords)},
		{long, [][]string{slices.Repeat([]string{"a"}, maxSearchTokens)}},
		{"x " + long + " y", [][]string{{"x"}, slices.Repeat([]string{"a"}, maxSearchTokens-1)}},
		{"", nil},
	} {
		if got := searchPhrases(c.text); !slices.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("searchPhrases(%q) = %q, want %q", c.text, got, c.want)
		}
	}

	s, _ := openTemp(t)
	ctx := context.Background()
	text := "x " + strings.Repeat("a ", 40) + "y"
	if err := s.AddHistory(ctx, []HistoryMessage{
		{Account: histAcct, Conversation: "bob@hotmail.com", MsgID: "1", Time: histT0, Command: "PRIVMSG", Text: text},
	}); err != nil {
		t.Fatal(err)
	}
	// y is past the bound: the message is found though it is not asked for.
	for _, q := range []string{text, "x " + long + " y", "x " + long + " nothing"} {
		got, err := s.SearchHistory(ctx, histAcct, q, "", 10)
		if err != nil || !slices.Equal(msgids(got), []string{"1"}) {
			t.Errorf("search %.30q… = %v, %v; want [1]", q, msgids(got), err)
		}
	}
}
