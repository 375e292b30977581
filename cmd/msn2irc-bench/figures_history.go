package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"gopkg.in/irc.v4"
)

// HistoryResult is figure 6: CHATHISTORY of 100 messages over IRC from an
// account with many stored messages, against the same store queries run
// directly on the SQLite file, in microseconds.
type HistoryResult struct {
	Stored        int     `json:"stored_messages"`
	Conversations int     `json:"conversations"`
	Rounds        int     `json:"rounds"`
	Limit         int     `json:"messages_per_query"`
	FillS         float64 `json:"fill_seconds"` // storing them through db, in transactions of histFillBatch
	LatestIRCUS   Summary `json:"latest_irc_us"`
	LatestDBUS    Summary `json:"latest_db_us"`
	LatestRatio   float64 `json:"latest_ratio_median"` // IRC / db, medians
	BeforeIRCUS   Summary `json:"before_irc_us"`
	BeforeDBUS    Summary `json:"before_db_us"`
	BeforeRatio   float64 `json:"before_ratio_median"`
	// EmptyIRCUS is a CHATHISTORY answered with an empty batch (AFTER a
	// time past the newest message): the round trip over IRC that every
	// query pays, whatever it returns.
	EmptyIRCUS Summary `json:"empty_irc_us"`
	// PingIRCUS is a PING answered by PONG on the same connection: the
	// round trip between the two processes that any command pays,
	// without the command.
	PingIRCUS Summary `json:"ping_irc_us"`
}

// histConversations is how many conversations the filled messages are
// spread over; the peer's is one of them.
const histConversations = 10

// histFillBatch is how many messages one transaction of the fill stores.
const histFillBatch = 50_000

// histLimit is the messages each CHATHISTORY asks for.
const histLimit = 100

// fillHistoryStore stores n messages of user in histConversations
// conversations, the peer's the first, one millisecond apart, ending now,
// directly through db. It returns the msgid in the middle of the peer's
// conversation.
func fillHistoryStore(ctx context.Context, store *db.Store, user, peer account, peerNick string, n int) (string, error) {
	t0 := time.Now().Add(-time.Duration(n) * time.Millisecond)
	ms := make([]db.HistoryMessage, 0, histFillBatch)
	mid := ""
	for i := range n {
		k := i % histConversations
		conv, nick := peer.Passport, peerNick
		if k > 0 {
			conv, nick = fmt.Sprintf("history%d@%s", k, benchDomain), fmt.Sprintf("history%d", k)
		}
		m := db.HistoryMessage{Account: user.Passport, Conversation: conv, MsgID: fmt.Sprintf("hist%08d", i),
			Time: t0.Add(time.Duration(i) * time.Millisecond), Sender: conv, SenderNick: nick,
			Command: "PRIVMSG", Text: fmt.Sprintf("a stored message of ordinary length, number %d", i)}
		if i%3 == 0 {
			m.Self, m.Sender, m.SenderNick = true, user.Passport, nickFor(user)
		}
		if k == 0 && mid == "" && i >= n/2 {
			mid = m.MsgID
		}
		ms = append(ms, m)
		if len(ms) == histFillBatch || i == n-1 {
			if err := store.AddHistory(ctx, ms); err != nil {
				return "", fmt.Errorf("filling the history: %w", err)
			}
			ms = ms[:0]
		}
	}
	return mid, nil
}

// history measures figure 6 on a bridge of its own, whose store is filled
// first.
func (b *bench) history(ctx context.Context) error {
	o := b.o
	user, peer := b.lay.user(0), b.lay.userPeer(0)
	path := filepath.Join(b.tmp, "history.db")
	store, err := db.Open(ctx, path)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	mid, err := fillHistoryStore(ctx, store, user, peer, nickFor(peer), o.HistMessages)
	if err != nil {
		return err
	}
	fill := time.Since(start)
	if mid == "" {
		return fmt.Errorf("-history-messages %d: too few for a BEFORE reference", o.HistMessages)
	}

	br, err := startBridge(ctx, bridgeConfig{
		MSN: b.msn, Self: o.Self, Bin: o.BridgeBin, Mode: o.Bridge,
		Verbose: o.Verbose, Stderr: b.stderr, TempDir: b.tmp, DB: path,
	})
	if err != nil {
		return err
	}
	defer br.Close()
	stop := b.profiling(ctx, br, "history")
	defer stop()
	c, err := dialIRC(ctx, br.IRCAddr())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.send("CAP REQ :batch message-tags server-time draft/chathistory", "CAP END"); err != nil {
		return err
	}
	lctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	_, members, err := c.register(lctx, user.Passport, user.Password, nickFor(user), 1)
	cancel()
	if err != nil {
		return err
	}
	peerNick, err := c.findNick(ctx, peer.Passport, members)
	if err != nil {
		return err
	}

	latestDB := func(ctx context.Context) (int, error) {
		ms, err := store.History(ctx, db.HistoryRange{Account: user.Passport, Conversation: peer.Passport, Newest: true, Limit: histLimit})
		return len(ms), err
	}
	// As the bridge answers BEFORE msgid=: the reference, then the range.
	beforeDB := func(ctx context.Context) (int, error) {
		ref, err := store.HistoryByMsgID(ctx, user.Passport, mid)
		if err != nil {
			return 0, err
		}
		ms, err := store.History(ctx, db.HistoryRange{Account: user.Passport, Conversation: peer.Passport,
			Before: db.HistoryPos{Time: ref.Time, ID: ref.ID}, Newest: true, Limit: histLimit})
		return len(ms), err
	}
	future := time.Now().AddDate(1, 0, 0).UTC().Format("2006-01-02T15:04:05.000Z")
	type query struct {
		name string
		run  func(ctx context.Context) (int, error)
		want int // messages it returns
		took []time.Duration
	}
	qs := []*query{
		{name: "LATEST over IRC", run: func(ctx context.Context) (int, error) {
			return c.chathistory(ctx, fmt.Sprintf("CHATHISTORY LATEST %s * %d", peerNick, histLimit))
		}, want: histLimit},
		{name: "LATEST in db", run: latestDB, want: histLimit},
		{name: "BEFORE over IRC", run: func(ctx context.Context) (int, error) {
			return c.chathistory(ctx, fmt.Sprintf("CHATHISTORY BEFORE %s msgid=%s %d", peerNick, mid, histLimit))
		}, want: histLimit},
		{name: "BEFORE in db", run: beforeDB, want: histLimit},
		{name: "empty batch over IRC", run: func(ctx context.Context) (int, error) {
			return c.chathistory(ctx, fmt.Sprintf("CHATHISTORY AFTER %s timestamp=%s %d", peerNick, future, histLimit))
		}},
		{name: "PING over IRC", run: func(ctx context.Context) (int, error) { return 0, c.ping(ctx) }},
	}
	// A few rounds to warm the caches, then the measured ones, each
	// round in a rotated order so that no query always follows another.
	const warm = 3
	for i := range warm + o.HistRounds {
		for k := range qs {
			q := qs[(i+k)%len(qs)]
			var n int
			var d time.Duration
			err := withTimeout(ctx, time.Minute, func(ctx context.Context) error {
				t := time.Now()
				var err error
				n, err = q.run(ctx)
				d = time.Since(t)
				return err
			})
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", q.name, i, err)
			}
			if n != q.want {
				return fmt.Errorf("%s, round %d: %d messages, want %d", q.name, i, n, q.want)
			}
			if i >= warm {
				q.took = append(q.took, d)
			}
		}
	}
	h := &HistoryResult{
		Stored: o.HistMessages, Conversations: histConversations, Rounds: o.HistRounds, Limit: histLimit,
		FillS:       fill.Seconds(),
		LatestIRCUS: summarize(micros(qs[0].took)), LatestDBUS: summarize(micros(qs[1].took)),
		BeforeIRCUS: summarize(micros(qs[2].took)), BeforeDBUS: summarize(micros(qs[3].took)),
		EmptyIRCUS: summarize(micros(qs[4].took)), PingIRCUS: summarize(micros(qs[5].took)),
	}
	h.LatestRatio = ratio(h.LatestIRCUS.P50, h.LatestDBUS.P50)
	h.BeforeRatio = ratio(h.BeforeIRCUS.P50, h.BeforeDBUS.P50)
	b.res.History = h
	return nil
}

// chathistory sends a CHATHISTORY command and counts the messages of the
// chathistory batch that answers it, until the batch ends. A FAIL ends it
// with an error.
//
// The figure compares the bridge with the store query run directly, which
// parses nothing: so the messages of the batch are counted from the raw
// lines (inBatch), without irc.ParseMessage, a map of tags and a callback
// per line, which would add the client's cost to the bridge's. Every
// counted line is still checked to be a PRIVMSG or NOTICE tagged with the
// batch; the few other lines (the BATCH start and end, a FAIL) are parsed.
// All of it runs on the reader goroutine, which hands the count over with
// done.
func (c *ircClient) chathistory(ctx context.Context, line string) (int, error) {
	type result struct {
		n   int
		err error
	}
	ref, n := "", 0
	done := make(chan result, 1)
	finish := func(err error) {
		select {
		case done <- result{n, err}:
		default:
		}
	}
	c.setRaw(func(line []byte) bool {
		if ref != "" && inBatch(line, ref) {
			n++
			return true
		}
		return false
	})
	c.setWatch(func(m *irc.Message, _ time.Time) {
		switch m.Command {
		case "BATCH":
			id := m.Param(0)
			switch {
			case strings.HasPrefix(id, "+") && m.Param(1) == "chathistory" && ref == "":
				ref = id[1:]
			case id == "-"+ref && ref != "":
				finish(nil)
			}
		case "FAIL":
			finish(fmt.Errorf("irc: %s", m.String()))
		}
	})
	defer func() {
		c.setRaw(nil)
		c.setWatch(nil)
	}()
	if err := c.send(line); err != nil {
		return 0, err
	}
	select {
	case r := <-done:
		return r.n, r.err
	case <-c.done:
		return 0, fmt.Errorf("irc: connection closed during %q: %v", line, c.err)
	case <-ctx.Done():
		return 0, fmt.Errorf("irc: %q: %w", line, ctx.Err())
	}
}

// ping sends a PING and waits for its PONG, as the chathistory batches
// are waited for: on the reader goroutine, handed over with done.
func (c *ircClient) ping(ctx context.Context) error {
	done := make(chan struct{}, 1)
	c.setWatch(func(m *irc.Message, _ time.Time) {
		if m.Command == "PONG" && m.Trailing() == "bench" {
			select {
			case done <- struct{}{}:
			default:
			}
		}
	})
	defer c.setWatch(nil)
	if err := c.send("PING :bench"); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-c.done:
		return fmt.Errorf("irc: connection closed during PING: %v", c.err)
	case <-ctx.Done():
		return fmt.Errorf("irc: PING: %w", ctx.Err())
	}
}

// inBatch reports whether the raw line is a PRIVMSG or NOTICE with the tag
// batch=ref: "@tags :prefix COMMAND ...". A tag value with escapes never
// equals a batch reference, which has none.
func inBatch(line []byte, ref string) bool {
	if len(line) == 0 || line[0] != '@' {
		return false
	}
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return false
	}
	tagged := false
	for tags := line[1:sp]; len(tags) > 0 && !tagged; {
		tag := tags
		if i := bytes.IndexByte(tags, ';'); i >= 0 {
			tag, tags = tags[:i], tags[i+1:]
		} else {
			tags = nil
		}
		v, ok := bytes.CutPrefix(tag, []byte("batch="))
		tagged = ok && string(v) == ref
	}
	if !tagged {
		return false
	}
	rest := bytes.TrimLeft(line[sp:], " ")
	if len(rest) > 0 && rest[0] == ':' { // the prefix
		i := bytes.IndexByte(rest, ' ')
		if i < 0 {
			return false
		}
		rest = bytes.TrimLeft(rest[i:], " ")
	}
	cmd, _, _ := bytes.Cut(rest, []byte(" "))
	return string(cmd) == "PRIVMSG" || string(cmd) == "NOTICE"
}
