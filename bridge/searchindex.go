package bridge

import (
	"context"
	"time"

	"github.com/msn2irc/msn2irc/db"
)

// indexEvery is how often the bridge adds the messages stored since to
// the full-text index of the history. A search indexes what is left
// first, on the user's behalf: indexing in the background keeps that to
// the messages of the last seconds, rather than all of every account's
// since the last search (about 5 µs a message: seconds after a busy day).
// Often, so that each round is short.
const indexEvery = 10 * time.Second

// runIndexer indexes the history every indexEvery until the bridge closes.
func (b *Bridge) runIndexer() {
	defer b.wg.Done()
	t := time.NewTicker(indexEvery)
	defer t.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-t.C:
		}
		_, _ = b.indexHistory()
	}
}

// indexHistory adds every message not indexed yet to the full-text index,
// db.IndexChunk messages per transaction, so that the store's other work
// goes on between them. It returns how many it added.
func (b *Bridge) indexHistory() (int, error) {
	total := 0
	for {
		ctx, cancel := context.WithTimeout(b.ctx, b.cfg.RequestTimeout)
		n, err := b.cfg.Store.IndexHistory(ctx, db.IndexChunk)
		cancel()
		total += n
		if err != nil {
			if b.ctx.Err() == nil {
				b.log.Warn("indexing the message history for search", "err", err)
			}
			return total, err
		}
		if n < db.IndexChunk {
			return total, nil
		}
	}
}
