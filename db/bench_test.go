package db

import (
	"testing"

	"github.com/msn2irc/msn2irc/internal/benchtest"
)

// TestBenchmarks runs the store's benchmarks for a few iterations, so that
// they keep working; their figures come from go test -bench.
func TestBenchmarks(t *testing.T) {
	benchtest.RunEach(t, "3x", map[string]func(*testing.B){
		"PutContacts":  BenchmarkPutContacts,
		"ContactsOf":   BenchmarkContactsOf,
		"AccountState": BenchmarkAccountState,
		"AddHistory":   BenchmarkAddHistory,
	})
}
