package mapping

import (
	"fmt"
	"testing"
	"time"
)

func TestLoginThrottleBacksOffPerPassword(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	th := newLoginThrottle(func() time.Time { return now })
	const acct = "alice@example.com"

	if d := th.blocked(acct, "wrong"); d != 0 {
		t.Fatalf("blocked before any failure: %v", d)
	}
	th.failed(acct, "wrong")
	if d := th.blocked(acct, "wrong"); d != FailedLoginBackoffMin {
		t.Fatalf("after one refusal: blocked for %v, want %v", d, FailedLoginBackoffMin)
	}
	if d := th.blocked(acct, "right"); d != 0 {
		t.Fatalf("another password is blocked for %v; it must be tried", d)
	}
	if d := th.blocked("bob@example.com", "wrong"); d != 0 {
		t.Fatalf("another account is blocked for %v", d)
	}

	now = now.Add(FailedLoginBackoffMin)
	if d := th.blocked(acct, "wrong"); d != 0 {
		t.Fatalf("still blocked after the wait: %v", d)
	}
	th.failed(acct, "wrong")
	if d := th.blocked(acct, "wrong"); d != 2*FailedLoginBackoffMin {
		t.Fatalf("after a second refusal: %v, want %v", d, 2*FailedLoginBackoffMin)
	}
	for i := 0; i < 20; i++ {
		th.failed(acct, "wrong")
	}
	if d := th.blocked(acct, "wrong"); d != FailedLoginBackoffMax {
		t.Fatalf("backoff not capped: %v, want %v", d, FailedLoginBackoffMax)
	}

	// A refusal of another password starts over.
	th.failed(acct, "other")
	if d := th.blocked(acct, "other"); d != FailedLoginBackoffMin {
		t.Fatalf("new password: %v, want %v", d, FailedLoginBackoffMin)
	}
	if d := th.blocked(acct, "wrong"); d != 0 {
		t.Fatalf("the previous password is still blocked: %v", d)
	}

	th.succeeded(acct)
	if d := th.blocked(acct, "other"); d != 0 {
		t.Fatalf("blocked after a successful login: %v", d)
	}
}

func TestLoginThrottleStaysBounded(t *testing.T) {
	now := time.Now()
	th := newLoginThrottle(func() time.Time { return now })
	for i := 0; i < maxThrottled+50; i++ {
		th.failed(fmt.Sprintf("user%d@example.com", i), "x")
	}
	if n := len(th.fails); n > maxThrottled {
		t.Fatalf("%d accounts remembered, limit %d", n, maxThrottled)
	}
}
