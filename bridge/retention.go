package bridge

import (
	"time"

	"github.com/msn2irc/msn2irc/db"
)

// The history's retention is the user's history_days within the
// operator's HistoryDays. A session purges its account at sign-in and
// every historyPurgeEvery (purgeHistory); the bridge purges, as often,
// the accounts without a session, so that the history of an account
// that never signs in again is held to the retention too.

// historyKeep returns how many days of messages an account with the
// settings st keeps (0: every message) and whether it keeps any, within
// limit, the operator's HistoryDays (0: no limit).
func historyKeep(st db.Settings, limit int) (days int, on bool) {
	if !st.HistoryDaysSet {
		return limit, true
	}
	days = st.HistoryDays
	if days == 0 {
		return 0, false
	}
	if limit > 0 && days > limit {
		days = limit
	}
	return days, true
}

// runRetention purges the history of the accounts without a session, at
// start and every historyPurgeEvery, and then erases from the store's
// files the bytes of accounts forgotten since (eraseDeleted).
func (b *Bridge) runRetention() {
	defer b.wg.Done()
	t := time.NewTicker(historyPurgeEvery)
	defer t.Stop()
	for {
		b.purgeWithoutSession()
		b.eraseDeleted()
		select {
		case <-b.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// purgeWithoutSession deletes, for every account with a history and no
// session, the messages older than its retention, or all of them when it
// keeps none. A session that starts meanwhile purges its own as well:
// the two only delete the same rows.
func (b *Bridge) purgeWithoutSession() {
	ctx := b.ctx
	accounts, err := b.cfg.Store.HistoryAccounts(ctx)
	if err != nil {
		if ctx.Err() == nil {
			b.log.Warn("listing the accounts with a history", "err", err)
		}
		return
	}
	for _, account := range accounts {
		b.mu.Lock()
		_, running := b.sessions[account]
		b.mu.Unlock()
		if running {
			continue
		}
		st, err := b.cfg.Store.Settings(ctx, account)
		if err != nil {
			if ctx.Err() == nil {
				b.log.Warn("reading an account's retention", "account", account, "err", err)
			}
			continue
		}
		days, on := historyKeep(st, b.cfg.HistoryDays)
		var n int
		switch {
		case !on:
			n, err = b.cfg.Store.ClearHistory(ctx, account, "")
		case days > 0:
			n, err = b.cfg.Store.PurgeHistory(ctx, account, b.cfg.Now().Add(-time.Duration(days)*24*time.Hour))
		default:
			continue
		}
		if err != nil {
			if ctx.Err() == nil {
				b.log.Warn("deleting old history", "account", account, "err", err)
			}
			continue
		}
		if n > 0 {
			b.log.Info("deleted old messages from the history", "account", account, "count", n, "days", days)
		}
	}
}

// eraseDeleted has the store erase from its files the bytes of the
// accounts forgotten since it last did (the store keeps that across a
// restart). That rewrites the whole database (seconds for a million
// messages, other writes waiting), so it runs here, at most once every
// historyPurgeEvery, not at each forget: forgetting again and again
// cannot keep the store busy.
func (b *Bridge) eraseDeleted() {
	due, err := b.cfg.Store.EraseDue(b.ctx)
	if err != nil || !due {
		return
	}
	if err := b.cfg.Store.EraseDeleted(b.ctx); err != nil {
		if b.ctx.Err() == nil {
			b.log.Warn("erasing forgotten accounts from the database files; tried again within the hour", "err", err)
		}
		return
	}
	b.log.Info("erased forgotten accounts from the database files")
}
