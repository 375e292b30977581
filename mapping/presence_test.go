package mapping

import (
	"testing"

	"github.com/msn2irc/msn2irc/msn"
)

func TestAwayText(t *testing.T) {
	for _, tc := range []struct {
		status     msn.Status
		psm        string
		wantAway   string
		wantOnline bool
	}{
		{msn.StatusOnline, "", "", true},
		{msn.StatusOnline, "listening to music", "", true},
		{msn.StatusOffline, "", "", false},
		{msn.StatusOffline, "gone", "", false},
		{msn.StatusHidden, "", "", false},
		{"", "", "", false},
		{msn.StatusBusy, "", "Busy", true},
		{msn.StatusIdle, "", "Idle", true},
		{msn.StatusBRB, "", "Be right back", true},
		{msn.StatusAway, "", "Away", true},
		{msn.StatusPhone, "", "On the phone", true},
		{msn.StatusLunch, "", "Out to lunch", true},
		{msn.StatusBusy, "in a meeting", "Busy — in a meeting", true},
		{msn.StatusAway, "  spaces  ", "Away — spaces", true},
		{msn.StatusAway, "line1\r\nline2", "Away — line1 line2", true},
		{msn.StatusAway, "nul\x00byte", "Away — nulbyte", true},
		{msn.StatusAway, "\x02bold\x02 \x0304red", "Away — bold red", true},
		{msn.StatusAway, "\r\n\x00", "Away", true},
		{msn.StatusLunch, "🍔 yum", "Out to lunch — 🍔 yum", true},
		{"XYZ", "", "Away", true},
	} {
		away, online := AwayText(tc.status, tc.psm)
		if away != tc.wantAway || online != tc.wantOnline {
			t.Errorf("AwayText(%q, %q) = (%q, %v), want (%q, %v)", tc.status, tc.psm, away, online, tc.wantAway, tc.wantOnline)
		}
	}
}

func TestStatusForAway(t *testing.T) {
	for _, tc := range []struct {
		text string
		want msn.Status
	}{
		{"", msn.StatusOnline},
		{"   ", msn.StatusOnline},
		{"gone fishing", msn.StatusAway},
		{"away", msn.StatusAway},
		{"busy", msn.StatusBusy},
		{"Busy: in a meeting", msn.StatusBusy},
		{"BUSY", msn.StatusBusy},
		{"busy.", msn.StatusBusy},
		{"  busy with work", msn.StatusBusy},
		{"\x02busy\x02", msn.StatusBusy},
		{"busybody", msn.StatusAway},
		{"not busy", msn.StatusAway},
		{"brb", msn.StatusBRB},
		{"brb 5 min", msn.StatusBRB},
		{"brbx", msn.StatusAway},
		{"phone", msn.StatusPhone},
		{"Phone call", msn.StatusPhone},
		{"phones", msn.StatusAway},
		{"lunch", msn.StatusLunch},
		{"lunch!", msn.StatusLunch},
		{"idle", msn.StatusIdle},
		{"invisible", msn.StatusHidden},
		{"hidden", msn.StatusHidden},
		{"Hidden from the world", msn.StatusHidden},
		{"online", msn.StatusAway},
		{"😀", msn.StatusAway},
	} {
		if got := StatusForAway(tc.text); got != tc.want {
			t.Errorf("StatusForAway(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestParseStatusWord(t *testing.T) {
	for _, tc := range []struct {
		word   string
		want   msn.Status
		wantOK bool
	}{
		{"online", msn.StatusOnline, true},
		{"busy", msn.StatusBusy, true},
		{"away", msn.StatusAway, true},
		{"brb", msn.StatusBRB, true},
		{"phone", msn.StatusPhone, true},
		{"lunch", msn.StatusLunch, true},
		{"idle", msn.StatusIdle, true},
		{"hidden", msn.StatusHidden, true},
		{"Busy", msn.StatusBusy, true},
		{"", "", false},
		{"offline", "", false},
		{"NLN", "", false},
		{"busy ", "", false},
		{"invisible", "", false},
	} {
		got, ok := ParseStatusWord(tc.word)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("ParseStatusWord(%q) = (%q, %v), want (%q, %v)", tc.word, got, ok, tc.want, tc.wantOK)
		}
	}
	for _, w := range StatusWords {
		if _, ok := ParseStatusWord(w); !ok {
			t.Errorf("StatusWords lists %q but ParseStatusWord refuses it", w)
		}
	}
}

func TestStatusName(t *testing.T) {
	for _, tc := range []struct {
		s    msn.Status
		want string
	}{
		{msn.StatusOnline, "Online"},
		{msn.StatusBusy, "Busy"},
		{msn.StatusIdle, "Idle"},
		{msn.StatusBRB, "Be right back"},
		{msn.StatusAway, "Away"},
		{msn.StatusPhone, "On the phone"},
		{msn.StatusLunch, "Out to lunch"},
		{msn.StatusHidden, "Hidden"},
		{msn.StatusOffline, "Offline"},
		{"XYZ", "Unknown (XYZ)"},
		{"A\r\nB", "Unknown (A B)"},
		{"", "Unknown (?)"},
	} {
		if got := StatusName(tc.s); got != tc.want {
			t.Errorf("StatusName(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
}
