package db

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestConcurrentUse writes from many goroutines at once, through one Store
// and through a second Store on the same file (as a second process would),
// and checks that nothing fails with "database is locked" and nothing is
// lost.
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	s1, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()

	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*2)
	for w := range workers {
		s := s1
		if w%2 == 1 {
			s = s2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := s.Enqueue(ctx, OutboxMessage{Account: "a@x", Passport: "b@x", Kind: KindText, Text: fmt.Sprint(w, i)}); err != nil {
					errs <- err
				}
				c := Contact{Account: "a@x", Passport: fmt.Sprintf("c%d-%d@x", w, i), Nick: fmt.Sprintf("c%d_%d", w, i)}
				if err := s.PutContact(ctx, c); err != nil {
					errs <- err
				}
				if _, err := s.Outbox(ctx, "a@x", "b@x"); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ms, err := s1.Outbox(ctx, "a@x", "")
	if err != nil || len(ms) != workers*each {
		t.Errorf("outbox has %d messages (%v), want %d", len(ms), err, workers*each)
	}
	cs, err := s2.Contacts(ctx, "a@x")
	if err != nil || len(cs) != workers*each {
		t.Errorf("%d contacts (%v), want %d", len(cs), err, workers*each)
	}
}
