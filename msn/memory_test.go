package msn_test

import (
	"fmt"
	"runtime"
	"testing"
)

// An idle client with 100 contacts keeps little: its records do not hold
// the protocol lines they were read from, and its read buffer is small. A
// bridge holds one client per session, and thousands of sessions. The
// in-process server's share is included, as in BenchmarkIdleClients.
func TestIdleClientMemory(t *testing.T) {
	const n = 100
	srv := benchServer(t, n+1)
	closeDrained(benchLogin(t, srv, fmt.Sprintf("user%d@example.com", n))) // the server's first allocations
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		c := benchLogin(t, srv, fmt.Sprintf("user%d@example.com", i))
		t.Cleanup(func() { c.Close() })
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("%d bytes of heap per idle client and its server session", per)
	if limit := int64(56 << 10); per > limit { // the old records, holding their lines, took 57-61 KiB
		t.Errorf("an idle client with 100 contacts and its server session hold %d bytes of heap, want at most %d", per, limit)
	}
}
