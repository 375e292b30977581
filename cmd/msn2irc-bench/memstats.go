package main

import "runtime"

func runtimeGC() { runtime.GC() }

func readMemStats() ProcStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ProcStats{
		HeapInuse:  int64(ms.HeapInuse),
		HeapAlloc:  int64(ms.HeapAlloc),
		Goroutines: runtime.NumGoroutine(),
	}
}
