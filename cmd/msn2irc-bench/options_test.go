package main

import (
	"io"
	"slices"
	"testing"
)

func TestParseOptions(t *testing.T) {
	o, err := parseOptions(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.AggSessions, []int{1, 10, 100, 1000}) || !slices.Equal(o.LoginSizes, []int{10, 100, 1000}) || !slices.Equal(o.MemSessions, []int{100, 1000}) || o.MemContacts != 100 {
		t.Errorf("defaults: sessions %v, contacts %v, idle %v of %d contacts", o.AggSessions, o.LoginSizes, o.MemSessions, o.MemContacts)
	}
	for _, f := range allFigures {
		if !o.Figures[f] {
			t.Errorf("figure %s not selected by default", f)
		}
	}

	// -quick shrinks what the command line leaves alone, nothing else.
	q, err := parseOptions([]string{"-quick", "-sessions", "1,2,3", "-figures", "login"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(q.AggSessions, []int{1, 2, 3}) {
		t.Errorf("-quick replaced -sessions: %v", q.AggSessions)
	}
	if q.LatRounds >= o.LatRounds || q.TPMessages >= o.TPMessages || slices.Max(q.LoginSizes) >= 1000 || slices.Max(q.MemSessions) >= 100 {
		t.Errorf("-quick did not shrink the counts: %+v", q)
	}
	if q.FileBytes >= o.FileBytes || q.FileRuns > o.FileRuns {
		t.Errorf("-quick sends a file of %d bytes %d times, the default %d bytes %d times", q.FileBytes, q.FileRuns, o.FileBytes, o.FileRuns)
	}
	if q.Settle <= 0 || q.Settle >= o.Settle {
		t.Errorf("-quick settles for %v, the default for %v", q.Settle, o.Settle)
	}
	if len(q.Figures) != 1 || !q.Figures["login"] {
		t.Errorf("-figures login gave %v", q.Figures)
	}

	for _, bad := range [][]string{
		{"-figures", "speed"},
		{"-sessions", "1,x"},
		{"-runs", "0"},
		{"-settle", "-1s"},
		{"-file-bytes", "0"},
		{"-file-runs", "0"},
		{"-bridge", "remote"},
		{"-msn-server", "example.org:1863", "-user", "a@example.org:pw"},
		{"-user", "no-password"},
		{"stray"},
	} {
		if _, err := parseOptions(bad, io.Discard); err == nil {
			t.Errorf("parseOptions(%q) accepted", bad)
		}
	}
}
