package mapping

import "testing"

func TestParseCTCP(t *testing.T) {
	for _, tc := range []struct {
		in                string
		wantCmd, wantArgs string
		wantOK            bool
	}{
		{"\x01ACTION waves\x01", "ACTION", "waves", true},
		{"\x01ACTION waves at you\x01", "ACTION", "waves at you", true},
		{"\x01ACTION\x01", "ACTION", "", true},
		{"\x01action waves\x01", "ACTION", "waves", true},
		{"\x01ACTION waves", "ACTION", "waves", true}, // closing \x01 missing
		{"\x01NUDGE\x01", "NUDGE", "", true},
		{"\x01VERSION\x01", "VERSION", "", true},
		{"\x01ACTION  two spaces\x01", "ACTION", " two spaces", true},
		{"hello", "", "", false},
		{"", "", "", false},
		{"\x01", "", "", false},
		{"\x01\x01", "", "", false},
		{"\x01 x\x01", "", "", false},
		{"x\x01ACTION y\x01", "", "", false},
	} {
		cmd, args, ok := ParseCTCP(tc.in)
		if cmd != tc.wantCmd || args != tc.wantArgs || ok != tc.wantOK {
			t.Errorf("ParseCTCP(%q) = (%q, %q, %v), want (%q, %q, %v)", tc.in, cmd, args, ok, tc.wantCmd, tc.wantArgs, tc.wantOK)
		}
	}
}

func TestCTCP(t *testing.T) {
	for _, tc := range []struct{ cmd, args, want string }{
		{"ACTION", "waves", "\x01ACTION waves\x01"},
		{"NUDGE", "", "\x01NUDGE\x01"},
	} {
		got := CTCP(tc.cmd, tc.args)
		if got != tc.want {
			t.Errorf("CTCP(%q, %q) = %q, want %q", tc.cmd, tc.args, got, tc.want)
		}
		if cmd, args, ok := ParseCTCP(got); !ok || cmd != tc.cmd || args != tc.args {
			t.Errorf("ParseCTCP(CTCP(%q, %q)) = (%q, %q, %v)", tc.cmd, tc.args, cmd, args, ok)
		}
	}
}

func TestActionText(t *testing.T) {
	for _, tc := range []struct{ nick, action, want string }{
		{"alice", "waves", "* alice waves"},
		{"alice", "does something", "* alice does something"},
		{"alice", "", "* alice"},
	} {
		if got := ActionText(tc.nick, tc.action); got != tc.want {
			t.Errorf("ActionText(%q, %q) = %q, want %q", tc.nick, tc.action, got, tc.want)
		}
	}
}
