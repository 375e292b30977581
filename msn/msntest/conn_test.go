package msntest

import (
	"strconv"
	"testing"
	"time"
)

func TestPruneExpired(t *testing.T) {
	now := time.Now()
	expires := func(c *cookie) time.Time { return c.expires }
	fill := func(n int) map[string]*cookie {
		m := make(map[string]*cookie)
		for i := range n {
			e := now.Add(time.Minute)
			if i%2 == 0 {
				e = now.Add(-time.Second)
			}
			m[strconv.Itoa(i)] = &cookie{expires: e}
		}
		return m
	}
	small := fill(256)
	pruneExpired(small, now, expires)
	if len(small) != 256 {
		t.Errorf("256 entries pruned to %d; want them kept until there are more", len(small))
	}
	big := fill(300)
	pruneExpired(big, now, expires)
	if len(big) != 150 {
		t.Errorf("300 entries, half expired, pruned to %d; want 150", len(big))
	}
	for k, c := range big {
		if now.After(c.expires) {
			t.Errorf("expired entry %s kept", k)
		}
	}
}
