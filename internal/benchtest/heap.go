package benchtest

import "runtime"

// LiveHeap collects garbage and returns the bytes of the heap still
// reachable: what the process holds. Sampled without a collection, the
// heap in use follows the collector's pacing and whatever else the process
// threw away meanwhile, which is not what a test of what is held asks.
func LiveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
