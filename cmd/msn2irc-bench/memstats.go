package main

import "runtime"

func runtimeGC() { runtime.GC() }

func readMemStats() ProcStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ProcStats{
		HeapInuse:  int64(ms.HeapInuse),
		HeapAlloc:  int64(ms.HeapAlloc),
		StackInuse: int64(ms.StackInuse),
		HeapIdle:   int64(ms.HeapIdle - ms.HeapReleased),
		Sys:        int64(ms.Sys - ms.HeapReleased),
		Goroutines: runtime.NumGoroutine(),
	}
}
