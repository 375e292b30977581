package bridge

// The history commands: history clear, forget and search.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/irctext"
	"github.com/msn2irc/msn2irc/mapping"
)

// forgetValid is how long the code forget gives stays valid.
const forgetValid = 2 * time.Minute

// forgetState is the confirmation forget waits for. Owned by the session
// goroutine.
type forgetState struct {
	code  string
	until time.Time
	// done is set once the account's data was deleted: the ending
	// session writes nothing back.
	done bool
}

// Search bounds: the text searched for, the matches shown, and how
// often an account searches: searchBurst at once, then one every 2
// seconds (each holds one of the store's few read connections, which
// every session shares, while it runs).
const (
	maxSearchBytes = 200
	searchResults  = 10
	searchRate     = rate.Limit(0.5)
	searchBurst    = 10
)

// forgetCodeLetters are the letters of forget's code: no look-alikes.
const forgetCodeLetters = "abcdefghjkmnpqrstuvwxyz23456789"

func newForgetCode() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	for i := range b {
		b[i] = forgetCodeLetters[int(b[i])%len(forgetCodeLetters)]
	}
	return string(b[:])
}

// cmdHistory is "history clear <nick|#channel|all>".
func (s *session) cmdHistory(args []string, say func(string)) {
	if len(args) != 2 || strings.ToLower(args[0]) != "clear" {
		say("Usage: history clear <nick|all>")
		return
	}
	conv, what := "", "History"
	if strings.ToLower(args[1]) != "all" {
		c, err := s.historyConversation(args[1], "")
		if err != nil {
			say("No conversation with \"" + shorten(args[1], 40) + "\" in the history.")
			return
		}
		conv, what = c, "History with "+shorten(args[1], 40)
	}
	store, account := s.store, s.account
	var n int
	var err error
	queued := s.queueHistoryJob(func(ctx context.Context) {
		n, err = store.ClearHistory(ctx, account, conv)
	}, func() {
		if err != nil {
			say("Could not clear the history: " + db.Reason(err))
			return
		}
		say(fmt.Sprintf("%s cleared: %d message(s) deleted.", what, n))
	})
	if !queued {
		say(historyBusyText)
	}
}

// historyBusyText answers a history command that finds maxHistoryJobs
// waiting already.
const historyBusyText = "Too many history commands wait for their turn: try again once they answered."

// cmdForget is "forget": it says what goes and asks for "forget <code>",
// which deletes everything stored for the account and ends the session.
func (s *session) cmdForget(args []string, say func(string)) {
	f := &s.hist.forget
	now := s.b.cfg.Now()
	if len(args) == 0 {
		f.code, f.until = newForgetCode(), now.Add(forgetValid)
		say("forget deletes everything msn2irc stores for " + s.account + ": the message history, read markers, contact nicks and the copy of your contact list, the outbox, kept messages, authorization requests, received files and settings. " +
			"It then signs out of MSN and disconnects your IRC clients. Nothing on the MSN server changes.")
		say("To confirm, say \"forget " + f.code + "\" within 2 minutes.")
		return
	}
	if len(args) != 1 || f.code == "" || now.After(f.until) || args[0] != f.code {
		say("That is not the code forget gave, or it expired: say \"forget\" for a new one.")
		return
	}
	f.code = ""
	say("Deleting everything msn2irc stores for " + s.account + "; a long history takes a while.")
	s.syncHistory()
	s.forgetPicture()
	if err := s.store.ForgetAccount(s.ctx, s.account); err != nil {
		say("Could not delete everything: " + db.Reason(err) + ". Try again.")
		return
	}
	s.removeAccountFiles()
	f.done = true
	s.hist.pending, s.hist.live, s.hist.outcomes, s.hist.marks, s.hist.markTargets = nil, nil, nil, nil, nil
	s.hist.settled = 0
	s.unsaved = nil
	s.log.Info("deleted everything stored for the account (forget)")
	s.ending = "Everything msn2irc stored for " + s.account + " was deleted; signed out of MSN"
}

// cmdSearch is "search <text> [nick]": the newest matches, newest first.
func (s *session) cmdSearch(rest string, args []string, say func(string)) {
	if len(args) == 0 {
		say("Usage: search <text> [nick]")
		return
	}
	if len(rest) > maxSearchBytes {
		say(fmt.Sprintf("The search text is too long: at most %d bytes.", maxSearchBytes))
		return
	}
	text, conv := rest, ""
	if len(args) > 1 {
		last := args[len(args)-1]
		if c, err := s.historyConversation(last, ""); err == nil {
			text, conv = strings.TrimSpace(strings.TrimSuffix(rest, last)), c
		}
	}
	if s.hist.searches == nil {
		s.hist.searches = rate.NewLimiter(searchRate, searchBurst)
	}
	if !s.hist.searches.AllowN(s.b.cfg.Now(), 1) {
		say("Too many searches: try again in a few seconds.")
		return
	}
	store, account, timeout, searching := s.store, s.account, s.b.cfg.SearchTimeout, s.b.searching
	var ms []db.HistoryMessage
	var err error
	queued := s.queueHistoryJob(func(ctx context.Context) {
		// One search at a time in the whole bridge: a search may read
		// for seconds, and the history's read connections must stay free
		// for every session's CHATHISTORY and replay. The wait for the
		// others has a time of its own: the search's starts once it runs.
		wait := time.NewTimer(timeout)
		defer wait.Stop()
		select {
		case searching <- struct{}{}:
			defer func() { <-searching }()
		case <-wait.C:
			err = errSearchBusy
			return
		case <-ctx.Done():
			err = ctx.Err()
			return
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		ms, err = store.SearchHistory(ctx, account, text, conv, searchResults)
		if ctx.Err() == context.DeadlineExceeded {
			err = errSearchTooLong
		}
	}, func() { s.searched(ms, err, say) })
	if !queued {
		say(historyBusyText)
	}
}

var errSearchTooLong = errors.New("the search took too long; try rarer or fewer words")

// errSearchBusy answers a search that waited its whole time for the
// others to end.
var errSearchBusy = errors.New("msn2irc is busy with other users' searches; try again in a moment")

// searched answers a search with its matches, newest first.
func (s *session) searched(ms []db.HistoryMessage, err error, say func(string)) {
	if s.hist.forget.done {
		return // what it found was deleted since
	}
	if errors.Is(err, errSearchTooLong) || errors.Is(err, errSearchBusy) {
		say("Could not search: " + err.Error() + ".")
		return
	}
	if ie := (*db.IndexingError)(nil); errors.As(err, &ie) {
		say(fmt.Sprintf("The history is still being indexed for search (about %d messages left): try again in a minute.", ie.Left))
		return
	}
	if err != nil {
		say("Could not search: " + db.Reason(err))
		return
	}
	if len(ms) == 0 {
		say("No match")
		return
	}
	for _, m := range ms {
		im := s.historyMessage(m)
		where, from := im.Target, im.From
		if m.Self {
			from = s.world.Nick()
		} else if where == "" {
			where = from
		}
		line := irctext.StripFormatting(im.Text)
		if body, ok := strings.CutPrefix(line, "\x01ACTION "); ok {
			line = "* " + from + " " + strings.TrimSuffix(body, "\x01")
		} else {
			line = "<" + from + "> " + line
		}
		say(m.Time.UTC().Format("2006-01-02 15:04") + " " + where + ": " + shorten(mapping.CleanLine(line, false), 300))
	}
}
