package authlimit

import "time"

// table holds the failures of one kind of key.
type table struct {
	keys     map[string]*entry
	failures int // failures that start a lockout
}

// entry is a key's record.
type entry struct {
	failures int
	last     time.Time // the last failure
	until    time.Time // blocked until then
}

// blocked returns how long key is blocked at now.
func (t *table) blocked(key string, now time.Time, forget time.Duration) time.Duration {
	e := t.keys[key]
	if e == nil {
		return 0
	}
	if now.Sub(e.last) >= forget {
		delete(t.keys, key)
		return 0
	}
	return max(e.until.Sub(now), 0)
}

// failed counts a failure of key at now and blocks it for the delay the
// policy gives.
func (t *table) failed(key string, now time.Time, cfg *Config) {
	e := t.keys[key]
	if e != nil && now.Sub(e.last) >= cfg.Forget {
		e = nil
	}
	if e == nil {
		if len(t.keys) >= cfg.MaxKeys {
			t.makeRoom(now, cfg)
		}
		e = &entry{}
		t.keys[key] = e
	}
	e.failures++
	e.last = now
	e.until = now.Add(t.delay(e.failures, cfg))
}

// delay is the block after the nth failure: FirstDelay doubling up to
// MaxDelay, then from the threshold on a lockout doubling up to MaxLockout.
func (t *table) delay(n int, cfg *Config) time.Duration {
	if n < t.failures {
		d := FirstDelay
		for i := 1; i < n && d < MaxDelay; i++ {
			d *= 2
		}
		return min(d, MaxDelay)
	}
	d := cfg.Lockout
	for i := t.failures; i < n && d < cfg.MaxLockout; i++ {
		d *= 2
	}
	return min(d, cfg.MaxLockout)
}

// makeRoom drops the forgotten keys and, if the table is still full, the
// one whose last failure is oldest.
func (t *table) makeRoom(now time.Time, cfg *Config) {
	var oldestKey string
	var oldest *entry
	for k, e := range t.keys {
		if now.Sub(e.last) >= cfg.Forget {
			delete(t.keys, k)
			continue
		}
		if oldest == nil || e.last.Before(oldest.last) {
			oldestKey, oldest = k, e
		}
	}
	if len(t.keys) >= cfg.MaxKeys && oldest != nil {
		delete(t.keys, oldestKey)
	}
}
