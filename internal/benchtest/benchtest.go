// Package benchtest lets a package's test suite run its benchmarks for a
// few iterations, so that the suite notices when one breaks; the figures
// themselves come from go test -bench.
package benchtest

import (
	"flag"
	"testing"
)

// RunEach runs each benchmark of benches (by name, without the Benchmark
// prefix) for the given -test.benchtime, such as "3x", and fails t for
// each one that fails. It measures nothing.
func RunEach(t *testing.T, benchtime string, benches map[string]func(*testing.B)) {
	t.Helper()
	f := flag.Lookup("test.benchtime")
	if f == nil {
		t.Fatal("no -test.benchtime flag")
	}
	old := f.Value.String()
	if err := f.Value.Set(benchtime); err != nil {
		t.Fatal(err)
	}
	defer f.Value.Set(old)
	for name, bench := range benches {
		if r := testing.Benchmark(bench); r.N == 0 {
			t.Errorf("Benchmark%s failed", name)
		}
	}
}
