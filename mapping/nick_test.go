package mapping

import (
	"strings"
	"testing"
)

func TestCasefold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"bob", "bob"},
		{"BoB", "bob"},
		{"&MSN", "&msn"},
		{"[]\\~^", "[]\\~^"}, // ascii casemapping: only letters fold
		{"ÉLODIE", "Élodie"}, // non-ASCII untouched
		{"Z@A", "z@a"},
	} {
		if got := Casefold(tc.in); got != tc.want {
			t.Errorf("Casefold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSanitizeNick(t *testing.T) {
	for _, tc := range []struct {
		in     string
		maxLen int
		want   string
	}{
		{"bob", 30, "bob"},
		{"Bob", 30, "Bob"},
		{"", 30, ""},
		{"   ", 30, ""},
		{"john.doe", 30, "johndoe"},
		{"john_doe-2", 30, "john_doe-2"},
		{"[Away]{x}|y^`\\", 30, "[Away]{x}|y^`\\"},
		{"John Smith", 30, "John_Smith"},
		{"  John \t  Smith  ", 30, "John_Smith"},
		{"John ☺ Smith", 30, "John_Smith"},
		{"John - Smith", 30, "John-Smith"},
		{"John _ Smith", 30, "John_Smith"},
		{"John_ Smith", 30, "John_Smith"},
		{"John -Smith", 30, "John-Smith"},
		{"John__Smith", 30, "John__Smith"},
		{"Élodie", 30, "Elodie"},
		{"José Ñúñez", 30, "Jose_Nunez"},
		{"Straße", 30, "Strasse"},
		{"Søren Ærø", 30, "Soren_AEro"},
		{"Łukasz Żółć", 30, "Lukasz_Zolc"},
		{"Þór Ðorđe", 30, "Thor_Dorde"},
		{"œuvre", 30, "oeuvre"},
		{"ＢＯＢ", 30, "BOB"},      // full-width letters
		{"ﬁsh", 30, "fish"},     // ligature
		{"Ǆemal", 30, "DZemal"}, // compatibility digraph
		{"😀😀😀", 30, ""},         // only emoji
		{"李小龍", 30, ""},         // no obvious transliteration
		{"Иван", 30, ""},
		{"李 Bob", 30, "Bob"},
		{"12345", 30, "_12345"}, // only digits: cannot start a nick
		{"1bob", 30, "_1bob"},
		{"-bob", 30, "bob"},
		{"--", 30, ""},
		{"-1", 30, "_1"},
		{"_bob", 30, "_bob"},
		{"bob\x00\r\nevil", 30, "bob_evil"}, // CR LF are white space
		{"bob\x02bold\x02", 30, "bobbold"},
		{"a!b@c d", 30, "abc_d"},
		{"bob\xff\xfe", 30, "bob"}, // invalid UTF-8
		{"abcdefghij", 5, "abcde"},
		{"12345", 3, "_12"},
		{"John Smith", 5, "John_"},
		{"Ærø", 1, "A"},
		{"longname", 0, "longname"}, // no limit
	} {
		got := SanitizeNick(tc.in, tc.maxLen)
		if got != tc.want {
			t.Errorf("SanitizeNick(%q, %d) = %q, want %q", tc.in, tc.maxLen, got, tc.want)
		}
		if got != "" && !IsValidNick(got) {
			t.Errorf("SanitizeNick(%q, %d) = %q is not a valid nick", tc.in, tc.maxLen, got)
		}
		if again := SanitizeNick(got, tc.maxLen); again != got {
			t.Errorf("SanitizeNick not idempotent on %q: %q", got, again)
		}
	}
}

func TestIsValidNick(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"bob", true},
		{"_1", true},
		{"[x]", true},
		{"a-b", true},
		{"", false},
		{"1a", false},
		{"-a", false},
		{"a b", false},
		{"a.b", false},
		{"é", false},
		{"a,b", false},
	} {
		if got := IsValidNick(tc.in); got != tc.want {
			t.Errorf("IsValidNick(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// nickSet is a set of taken nicks with the ascii casemapping.
type nickSet map[string]bool

func newNickSet(nicks ...string) nickSet {
	s := nickSet{}
	for _, n := range nicks {
		s[Casefold(n)] = true
	}
	return s
}

func (s nickSet) taken(n string) bool { return s[Casefold(n)] }

func TestNickForContact(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		passport, friend, src string
		maxLen                int
		taken                 []string
		want                  string
	}{
		{"passport local part", "bob@hotmail.com", "Bobby", "passport", 30, nil, "bob"},
		{"default source is passport", "bob@hotmail.com", "Bobby", "", 30, nil, "bob"},
		{"friendly name", "bob@hotmail.com", "Bobby Tables", "name", 30, nil, "Bobby_Tables"},
		{"empty friendly name falls back to passport", "bob@hotmail.com", "", "name", 30, nil, "bob"},
		{"emoji friendly name falls back", "bob@hotmail.com", "😀✨", "name", 30, nil, "bob"},
		{"address as friendly name is no name", "bob@hotmail.com", "Bob@Hotmail.com", "name", 30, nil, "bob"},
		{"dots dropped", "john.doe@hotmail.com", "", "passport", 30, nil, "johndoe"},
		{"digit-only local part", "12345@qq.com", "", "passport", 30, nil, "_12345"},
		{"non-ASCII local part falls back to the domain", "李@hotmail.com", "", "passport", 30, nil, "hotmailcom"},
		{"collides with the user", "alice@hotmail.com", "", "passport", 30, []string{"Alice"}, "alice_"},
		{"collides with msn service", "msn@hotmail.com", "", "passport", 30, []string{"msn"}, "msn_"},
		{"msn reserved even if taken forgets it", "MSN@hotmail.com", "", "passport", 30, nil, "MSN_"},
		{"friendly name msn", "x@y.com", "msn", "name", 30, nil, "msn_"},
		{"second collision", "bob@x.com", "", "passport", 30, []string{"bob", "bob_"}, "bob2"},
		{"third collision", "bob@x.com", "", "passport", 30, []string{"BOB", "Bob_", "bob2"}, "bob3"},
		{"cut to maxLen", "abcdefghijklmnop@x.com", "", "passport", 8, nil, "abcdefgh"},
		{"suffix stays within maxLen", "abcdefghijklmnop@x.com", "", "passport", 8, []string{"abcdefgh"}, "abcdefg_"},
		{"numeric suffix within maxLen", "abcdefghijklmnop@x.com", "", "passport", 8, []string{"abcdefgh", "abcdefg_", "abcdefg2"}, "abcdefg3"},
		{"two-digit suffix within maxLen", "abcdefgh@x.com", "", "passport", 8,
			[]string{"abcdefgh", "abcdefg_", "abcdefg2", "abcdefg3", "abcdefg4", "abcdefg5", "abcdefg6", "abcdefg7", "abcdefg8", "abcdefg9"}, "abcdef10"},
		{"friendly name cut", "bob@x.com", "Bartholomew the Great", "name", 10, nil, "Bartholome"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := newNickSet(tc.taken...)
			got := NickForContact(tc.passport, tc.friend, tc.src, tc.maxLen, set.taken)
			if got != tc.want {
				t.Errorf("NickForContact(%q, %q, %q, %d) = %q, want %q", tc.passport, tc.friend, tc.src, tc.maxLen, got, tc.want)
			}
			if !IsValidNick(got) || (tc.maxLen > 0 && len(got) > tc.maxLen) || set.taken(got) || Casefold(got) == "msn" {
				t.Errorf("result %q is not a free valid nick within %d", got, tc.maxLen)
			}
		})
	}
}

func TestNickForContactNoASCIIAtAll(t *testing.T) {
	// A passport with nothing usable gets a stable hash-based nick.
	a := NickForContact("李@例子.中国", "", "passport", 30, nil)
	b := NickForContact("李@例子.中国", "", "passport", 30, nil)
	c := NickForContact("王@例子.中国", "", "passport", 30, nil)
	if a == "" || !IsValidNick(a) || !strings.HasPrefix(a, "msn-") {
		t.Fatalf("nick = %q, want a valid msn-<hash> nick", a)
	}
	if a != b {
		t.Errorf("not deterministic: %q then %q", a, b)
	}
	if a == c {
		t.Errorf("different passports got the same nick %q", a)
	}
}

// TestNickForContactDeterministic assigns nicks to a contact list in a
// fixed order twice and checks that everyone gets the same nick and that no
// two contacts share one.
func TestNickForContactDeterministic(t *testing.T) {
	passports := []string{
		"bob@hotmail.com", "bob@msn.com", "BOB@live.com", "bob.@x.com", "b.o.b@y.com",
		"alice@hotmail.com", "msn@hotmail.com", "12@x.com", "李@x.com",
	}
	assign := func() []string {
		set := newNickSet("alice", "msn")
		var nicks []string
		for _, p := range passports {
			n := NickForContact(p, "", "passport", 9, set.taken)
			if n == "" || set.taken(n) {
				t.Fatalf("%s got %q (taken or empty)", p, n)
			}
			set[Casefold(n)] = true
			nicks = append(nicks, n)
		}
		return nicks
	}
	first, second := assign(), assign()
	for i := range first {
		if first[i] != second[i] {
			t.Errorf("%s: %q then %q", passports[i], first[i], second[i])
		}
	}
	want := []string{"bob", "bob_", "BOB2", "bob3", "bob4", "alice_", "msn_", "_12", "xcom"}
	for i := range want {
		if first[i] != want[i] {
			t.Errorf("%s got %q, want %q", passports[i], first[i], want[i])
		}
	}
}

func TestNickForContactExhausted(t *testing.T) {
	all := func(string) bool { return true }
	if got := NickForContact("bob@x.com", "", "passport", 30, all); got != "" {
		t.Errorf("everything taken: got %q, want \"\"", got)
	}
	if got := NickForContact("bob@x.com", "", "passport", 1, func(n string) bool { return n == "b" }); got != "" {
		t.Errorf("maxLen 1 with the only candidate taken: got %q, want \"\"", got)
	}
}

func FuzzSanitizeNick(f *testing.F) {
	for _, s := range []string{"bob", "John Smith", "Élodie", "Straße", "12345", "-x", "😀", "a\x00b\r\nc", "\xff", " _ ", "ǅ"} {
		f.Add(s, 30)
	}
	f.Add("abcdefghij", 3)
	f.Add("x", 0)
	f.Fuzz(func(t *testing.T, s string, maxLen int) {
		maxLen %= 64
		got := SanitizeNick(s, maxLen)
		if got == "" {
			return
		}
		if !IsValidNick(got) {
			t.Fatalf("SanitizeNick(%q, %d) = %q: not a valid nick", s, maxLen, got)
		}
		if maxLen > 0 && len(got) > maxLen {
			t.Fatalf("SanitizeNick(%q, %d) = %q: longer than maxLen", s, maxLen, got)
		}
		if again := SanitizeNick(got, maxLen); again != got {
			t.Fatalf("SanitizeNick(%q, %d) = %q, but SanitizeNick(%q) = %q", s, maxLen, got, got, again)
		}
	})
}
