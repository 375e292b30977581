package db

import (
	"flag"
	"testing"
)

// TestBenchmarks runs the store's benchmarks for a few iterations, so that
// they keep working; their figures come from go test -bench.
func TestBenchmarks(t *testing.T) {
	f := flag.Lookup("test.benchtime")
	if f == nil {
		t.Fatal("no -test.benchtime flag")
	}
	old := f.Value.String()
	if err := f.Value.Set("3x"); err != nil {
		t.Fatal(err)
	}
	defer f.Value.Set(old)
	for name, bench := range map[string]func(*testing.B){
		"PutContacts": BenchmarkPutContacts,
		"ContactsOf":  BenchmarkContactsOf,
	} {
		if r := testing.Benchmark(bench); r.N == 0 {
			t.Errorf("Benchmark%s failed", name)
		}
	}
}
