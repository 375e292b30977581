package bridge

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
)

// historyBacklog bounds the write batches a session hands its history
// writer before it waits for the writer to take them (historyBatch
// messages each at most): a burst of messages is relayed at once and
// stored behind it, a longer one is slowed down to what the store takes.
const historyBacklog = 256

// historyOp is one piece of work of a history writer, done in order.
type historyOp struct {
	w       *db.HistoryWrite
	live    []bool   // w.Messages[i] reached a greeted, attached client
	targets []string // w.Markers[i] is announced to targets[i]
	world   *ircd.World
	// confirm, when not 0, is the last message id of a replay a client
	// confirmed it read.
	confirm int64
	// sync, when not nil, gets the delivery cursor once every op before
	// is done.
	sync chan historyCursor
}

// historyCursor is the delivery cursor as the writer knows it.
type historyCursor struct {
	ok         bool  // read from the store
	cursor     int64 // the last message a client is known to have got
	lastUnread int64 // the newest message that reached no client
	failed     int   // how many of the writer's writes failed so far
}

// historyWriter stores a session's history on a goroutine of its own,
// so that the session relays messages while they are written. It owns
// the delivery cursor: messages that reached a client live move it,
// unless one before them waits for a replay (lastUnread).
//
// The session appends its work to a queue (add); a writer goroutine runs
// only while the queue has work, as the ircd writer does, so that an idle
// session holds neither a goroutine nor room set aside for a backlog.
type historyWriter struct {
	store   Store
	account string
	log     *slog.Logger
	timeout time.Duration
	errs    chan error // the latest failed write, for the session to report
	closed  bool       // no more work is added; the session's

	mu      sync.Mutex
	ops     []historyOp    // waiting for the writer, in order
	writing bool           // a writer goroutine runs
	room    chan struct{}  // a token when the writer took ops
	writer  sync.WaitGroup // the running writer, if any

	// cur is the writer goroutine's: one runs at a time, and the next
	// starts after the last let go of mu.
	cur historyCursor
}

func newHistoryWriter(store Store, account string, log *slog.Logger, timeout time.Duration) *historyWriter {
	return &historyWriter{store: store, account: account, log: log, timeout: timeout,
		errs: make(chan error, 1), room: make(chan struct{}, 1)}
}

// add queues op for the writer, starting a writer goroutine when none
// runs. When historyBacklog ops wait already, it waits until the writer
// takes them: a session that outruns the store is slowed down to it.
// Only the session goroutine calls it, and never once closed.
func (w *historyWriter) add(op historyOp) {
	for {
		w.mu.Lock()
		if len(w.ops) < historyBacklog {
			w.ops = append(w.ops, op)
			start := !w.writing
			w.writing = true
			if start {
				w.writer.Add(1)
			}
			w.mu.Unlock()
			if start {
				go w.run()
			}
			return
		}
		w.mu.Unlock()
		<-w.room
	}
}

// sync waits until the writer did every op given before, and returns the
// delivery cursor then. When no writer runs and the cursor was read, it
// answers at once: a query of the history then waits for no goroutine.
// Only the session goroutine calls it, and never once closed.
func (w *historyWriter) sync() historyCursor {
	w.mu.Lock()
	if !w.writing && w.cur.ok {
		// The last writer let go of mu once it was done with cur.
		cur := w.cur
		w.mu.Unlock()
		return cur
	}
	w.mu.Unlock()
	ch := make(chan historyCursor, 1)
	w.add(historyOp{sync: ch})
	return <-ch
}

// close ends the writer once it did what it was given, and waits for
// it. Only the session goroutine calls it.
func (w *historyWriter) close() {
	if w.closed {
		return
	}
	w.closed = true
	w.writer.Wait()
	// A failure nobody took: the session has ended, the log is the one
	// left to tell.
	select {
	case err := <-w.errs:
		w.log.Warn("the history missed messages as the session ended", "failed_writes", w.cur.failed, "err", err)
	default:
	}
}

// mergeOps bounds the write batches the writer stores in one
// transaction: when the session hands them faster than the store takes
// them, larger transactions store more per second.
const mergeOps = 16

// run is the writer goroutine: it does the queued ops and returns once
// the queue is empty (the next add starts another). Write batches waiting
// one behind the other are stored together, up to mergeOps of them.
func (w *historyWriter) run() {
	defer w.writer.Done()
	for {
		w.mu.Lock()
		ops := w.ops
		w.ops = nil
		if len(ops) == 0 {
			w.writing = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		select {
		case w.room <- struct{}{}:
		default:
		}
		for len(ops) > 0 {
			op, n := nextOp(ops)
			w.do(op)
			ops = ops[n:]
		}
	}
}

// nextOp returns the first op of ops, with the plain writes that follow
// it merged into it when it is one (mergeOps at most), and how many ops
// it took.
func nextOp(ops []historyOp) (historyOp, int) {
	op, n := ops[0], 1
	for n < len(ops) && n < mergeOps && plainWrite(op) && plainWrite(ops[n]) {
		op = mergeOp(op, ops[n])
		n++
	}
	return op, n
}

// plainWrite reports whether op only writes.
func plainWrite(op historyOp) bool { return op.w != nil && op.confirm == 0 && op.sync == nil }

// mergeOp appends the writes of b, which comes after a, to a's.
func mergeOp(a, b historyOp) historyOp {
	a.w.Messages = append(a.w.Messages, b.w.Messages...)
	a.w.Outcomes = append(a.w.Outcomes, b.w.Outcomes...)
	a.w.Markers = append(a.w.Markers, b.w.Markers...)
	a.live = append(a.live, b.live...)
	a.targets = append(a.targets, b.targets...)
	return a
}

func (w *historyWriter) do(op historyOp) {
	// Writes finish even while the session ends: what it recorded is kept.
	ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
	defer cancel()
	w.loadCursor(ctx)
	if op.w != nil {
		if w.cur.ok && w.cur.lastUnread <= w.cur.cursor {
			// The cursor moves over the messages that reached a client
			// live, up to the first that did not, in the same transaction.
			op.w.CursorAccount = w.account
			op.w.Delivered = len(op.live)
			if i := slices.Index(op.live, false); i >= 0 {
				op.w.Delivered = i
			}
		}
		if err := w.store.WriteHistory(ctx, op.w); err != nil {
			w.fail(err)
		} else {
			w.wrote(op)
		}
	}
	if op.confirm != 0 {
		upTo := op.confirm
		if w.cur.lastUnread <= upTo {
			// Every message stored since reached a client live.
			if last, err := w.store.LastHistoryID(ctx, w.account); err == nil {
				upTo = max(upTo, last)
			}
		}
		w.moveCursor(ctx, upTo)
	}
	if op.sync != nil {
		op.sync <- w.cur
	}
}

// wrote follows the delivery cursor WriteHistory moved over the messages
// of op, notes the first stored one that reached no client, and announces
// the read markers op moved.
func (w *historyWriter) wrote(op historyOp) {
	if op.w.CursorAccount != "" {
		for _, m := range op.w.Messages[:op.w.Delivered] {
			w.cur.cursor = max(w.cur.cursor, m.ID)
		}
	}
	for i, m := range op.w.Messages {
		if m.ID != 0 && !op.live[i] {
			w.cur.lastUnread = m.ID
		}
	}
	for i, m := range op.w.Markers {
		op.world.AnnounceReadMarker(op.targets[i], m.Time)
	}
}

// fail counts a failed write and hands err to the session, keeping only
// the latest.
func (w *historyWriter) fail(err error) {
	w.cur.failed++
	select {
	case <-w.errs:
	default:
	}
	w.errs <- err
}

// loadCursor reads the delivery cursor once, before the first write; an
// account without one starts it at its newest stored message.
func (w *historyWriter) loadCursor(ctx context.Context) {
	if w.cur.ok {
		return
	}
	id, ok, err := w.store.DeliveryCursor(ctx, w.account)
	if err != nil {
		w.log.Warn("reading the delivery cursor", "err", err)
		return
	}
	last, err := w.store.LastHistoryID(ctx, w.account)
	if err != nil {
		w.log.Warn("reading the history", "err", err)
		return
	}
	w.cur = historyCursor{ok: true, cursor: id, lastUnread: last, failed: w.cur.failed}
	if !ok {
		w.moveCursor(ctx, last)
	}
}

// moveCursor moves the delivery cursor to the message id.
func (w *historyWriter) moveCursor(ctx context.Context, id int64) {
	if err := w.store.SetDeliveryCursor(ctx, w.account, id); err != nil {
		w.fail(err)
		return
	}
	w.cur.cursor = max(w.cur.cursor, id)
}
