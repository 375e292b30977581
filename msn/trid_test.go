package msn

import (
	"strconv"
	"testing"
)

func TestParseTrID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"1", 1, true},
		{"42", 42, true},
		{"007", 7, true},
		{"4294967295", 4294967295, true},
		{"4294967296", 0, false},
		{"99999999999", 0, false},
		{"0", 0, false},
		{"", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"N=bob@example.com", 0, false},
		{"NLN", 0, false},
		{"12a", 0, false},
	} {
		got, ok := parseTrID(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseTrID(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	var sink bool
	if n := testing.AllocsPerRun(100, func() { _, sink = parseTrID("N=bob@example.com") }); n != 0 || sink {
		t.Errorf("a word where a TrID would be costs %v allocations", n)
	}
}

// FuzzParseTrID checks parseTrID against strconv.ParseUint.
func FuzzParseTrID(f *testing.F) {
	for _, s := range []string{"1", "0", "4294967295", "4294967296", "", "LST", "00000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := strconv.ParseUint(s, 10, 32)
		wantOK := err == nil && n != 0
		got, ok := parseTrID(s)
		if ok != wantOK || ok && uint64(got) != n {
			t.Fatalf("parseTrID(%q) = %d, %v; ParseUint gives %d, %v", s, got, ok, n, err)
		}
	})
}
