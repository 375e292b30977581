package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// /readyz is reachable by whoever reaches the metrics listener, and each
// store probe is a write: a burst of requests writes once, and every
// request of it gets that probe's answer.
func TestReadyProbeOncePerBurst(t *testing.T) {
	var h httpSide
	var probes atomic.Int32
	full := errors.New("database or disk is full")
	probe := func(context.Context) error { probes.Add(1); return full }
	var wg sync.WaitGroup
	answers := make([]string, 50)
	for i := range answers {
		wg.Go(func() { answers[i] = h.probeStore(context.Background(), probe) })
	}
	wg.Wait()
	if n := probes.Load(); n != 1 {
		t.Errorf("%d store probes for a burst of %d requests, want 1", n, len(answers))
	}
	for _, a := range answers {
		if !strings.Contains(a, "does not take writes") || !strings.Contains(a, "full") {
			t.Fatalf("answer %q, want the probe's failure", a)
		}
	}
}

// Once the program is stopping, logins are refused: /readyz says so at
// once, before the store or any listener is asked, so that a balancer
// stops sending it users while it signs the others out.
func TestNotReadyWhileStopping(t *testing.T) {
	var h httpSide
	h.stopping.Store(true)
	if why := h.notReady(context.Background(), nil, nil); !strings.Contains(why, "shutting down") {
		t.Errorf("not ready: %q, want shutting down", why)
	}
}
