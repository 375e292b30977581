package db

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestForgetAccountLeavesNoBytes stores messages with a distinctive
// text for two accounts, indexes them for search, forgets one, erases
// what was deleted, and reads
// the raw bytes of the database, its -wal and its -shm, while the store
// is open and after it is closed: the forgotten account's text, its
// contact's passport and the account (also as its token in the index)
// appear nowhere, and the other account's data is still there.
func TestForgetAccountLeavesNoBytes(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	const (
		gone      = "alice@example.com"
		goneText  = "xylophonequartz"
		gonePeer  = "zebedee.unique@hotmail.com"
		kept      = "other@example.com"
		keptText  = "marimbafeldspar"
		keptPeer  = "bob@hotmail.com"
		messageCt = 50
	)
	for _, a := range []struct{ acct, text, peer string }{{gone, goneText, gonePeer}, {kept, keptText, keptPeer}} {
		if err := s.PutContact(ctx, Contact{Account: a.acct, Passport: a.peer, Nick: "peer"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ContactsOf(ctx, a.acct); err != nil { // builds the snapshot
			t.Fatal(err)
		}
		var ms []HistoryMessage
		for i := range messageCt {
			ms = append(ms, HistoryMessage{Account: a.acct, Conversation: a.peer, MsgID: fmt.Sprintf("m%d", i),
				Time: histT0, Sender: a.peer, SenderNick: "peer", Command: "PRIVMSG", Text: fmt.Sprintf("%s number %d", a.text, i)})
		}
		if err := s.AddHistory(ctx, ms); err != nil {
			t.Fatal(err)
		}
		if _, err := s.IndexHistory(ctx, IndexChunk); err != nil {
			t.Fatal(err)
		}
	}
	if due, err := s.EraseDue(ctx); err != nil || due {
		t.Fatalf("EraseDue before any forget = %v, %v", due, err)
	}
	if err := s.ForgetAccount(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if due, err := s.EraseDue(ctx); err != nil || !due {
		t.Fatalf("EraseDue after a forget = %v, %v", due, err)
	}
	if err := s.EraseDeleted(ctx); err != nil {
		t.Fatal(err)
	}
	if due, err := s.EraseDue(ctx); err != nil || due {
		t.Fatalf("EraseDue after EraseDeleted = %v, %v", due, err)
	}
	needles := []string{goneText, gonePeer, gone, hex.EncodeToString([]byte(gone))}
	check := func(when string, wantKept bool) {
		t.Helper()
		var all []byte
		for _, suffix := range []string{"", "-wal", "-shm"} {
			b, err := os.ReadFile(path + suffix)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			b = bytes.ToLower(b)
			all = append(all, b...)
			for _, n := range needles {
				if k := bytes.Count(b, []byte(n)); k > 0 {
					t.Errorf("%s: the file%s holds %q %d times", when, suffix, n, k)
				}
			}
		}
		if wantKept && !bytes.Contains(all, []byte(keptText)) {
			t.Errorf("%s: the files do not hold the other account's text: the check reads nothing", when)
		}
	}
	check("after forget", true)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check("after close", true)

	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ms, err := s2.History(ctx, HistoryRange{Account: kept, Conversation: keptPeer, Newest: true, Limit: 100})
	if err != nil || len(ms) != messageCt || !strings.HasPrefix(ms[0].Text, keptText) {
		t.Errorf("the other account's history: %d messages, %v", len(ms), err)
	}
	found, err := s2.SearchHistory(ctx, kept, keptText, "", 100)
	if err != nil || len(found) != messageCt {
		t.Errorf("search of the other account's history: %d messages, %v", len(found), err)
	}
	if cs, err := s2.Contacts(ctx, kept); err != nil || len(cs) != 1 || cs[0].Passport != keptPeer {
		t.Errorf("the other account's contacts: %v, %v", cs, err)
	}
	if ms, err := s2.History(ctx, HistoryRange{Account: gone, Conversation: gonePeer, Newest: true, Limit: 100}); err != nil || len(ms) != 0 {
		t.Errorf("the forgotten account's history: %d messages, %v", len(ms), err)
	}
}

// TestForgetAccountCost times, run by hand (MSN2IRC_FORGET_COST=1 go
// test -run TestForgetAccountCost -v ./db), a forget of an account with
// 10,000 messages among 1,000,000, all of them indexed for search.
func TestForgetAccountCost(t *testing.T) {
	if os.Getenv("MSN2IRC_FORGET_COST") == "" {
		t.Skip("run by hand: MSN2IRC_FORGET_COST=1")
	}
	s, path := openTemp(t)
	ctx := context.Background()
	const total, forgotten, batch = 1_000_000, 10_000, 10_000
	for start := 0; start < total; start += batch {
		acct := histAcct
		if start >= forgotten {
			acct = "other@example.com"
		}
		ms := make([]HistoryMessage, 0, batch)
		for i := start; i < start+batch; i++ {
			ms = append(ms, HistoryMessage{Account: acct, Conversation: fmt.Sprintf("contact%d@hotmail.com", i%10),
				MsgID: fmt.Sprintf("m%07d", i), Time: histT0.Add(time.Duration(i) * time.Millisecond), Sender: "x@hotmail.com",
				SenderNick: "x", Command: "PRIVMSG", Text: fmt.Sprintf("a message of ordinary length, number %d", i)})
		}
		if err := s.AddHistory(ctx, ms); err != nil {
			t.Fatal(err)
		}
	}
	for {
		n, err := s.IndexHistory(ctx, 100_000)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := s.ForgetAccount(ctx, histAcct); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	// The index merged alone first, to tell its part of erase.
	if _, err := s.db.ExecContext(ctx, `INSERT INTO message_fts (message_fts) VALUES ('optimize')`); err != nil {
		t.Fatal(err)
	}
	tm := time.Now()
	if err := s.erase(ctx); err != nil {
		t.Fatal(err)
	}
	t2 := time.Now()
	fi2, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("file %d MB; deletes %v, index merge %v, the rest of erase (vacuum, checkpoint) %v; file after %d MB",
		fi.Size()>>20, t1.Sub(t0), tm.Sub(t1), t2.Sub(tm), fi2.Size()>>20)
}
