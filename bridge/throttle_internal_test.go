package bridge

import (
	"fmt"
	"testing"
	"time"
)

func TestLoginThrottleBacksOffPerPassword(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	th := newLoginThrottle(func() time.Time { return now }, 100)
	const acct = "alice@example.com"
	blocked := func(acct, password string) time.Duration {
		_, d := th.take(acct, password)
		return d
	}

	if d := blocked(acct, "wrong"); d != 0 {
		t.Fatalf("blocked before any failure: %v", d)
	}
	th.failed(acct, "wrong")
	if d := blocked(acct, "wrong"); d != FailedLoginBackoffMin {
		t.Fatalf("after one refusal: blocked for %v, want %v", d, FailedLoginBackoffMin)
	}
	if d := blocked(acct, "right"); d != 0 {
		t.Fatalf("another password is blocked for %v; it must be tried", d)
	}
	if d := blocked("bob@example.com", "wrong"); d != 0 {
		t.Fatalf("another account is blocked for %v", d)
	}

	now = now.Add(FailedLoginBackoffMin)
	if d := blocked(acct, "wrong"); d != 0 {
		t.Fatalf("still blocked after the wait: %v", d)
	}
	th.failed(acct, "wrong")
	if d := blocked(acct, "wrong"); d != 2*FailedLoginBackoffMin {
		t.Fatalf("after a second refusal: %v, want %v", d, 2*FailedLoginBackoffMin)
	}
	for i := 0; i < 20; i++ {
		th.failed(acct, "wrong")
	}
	if d := blocked(acct, "wrong"); d != FailedLoginBackoffMax {
		t.Fatalf("backoff not capped: %v, want %v", d, FailedLoginBackoffMax)
	}

	// A refusal of another password starts over for it, and the previous
	// one stays held back: passwords sent in turn each wait.
	th.failed(acct, "other")
	if d := blocked(acct, "other"); d != FailedLoginBackoffMin {
		t.Fatalf("new password: %v, want %v", d, FailedLoginBackoffMin)
	}
	if d := blocked(acct, "wrong"); d != FailedLoginBackoffMax {
		t.Fatalf("the previous password: blocked for %v, want %v", d, FailedLoginBackoffMax)
	}

	th.succeeded(acct, "other")
	if d := blocked(acct, "other"); d != 0 {
		t.Fatalf("blocked after a successful login: %v", d)
	}
}

// At most three distinct passwords per account and window go to MSN; the
// one MSN accepted last always does.
func TestLoginThrottleDistinctPasswords(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	th := newLoginThrottle(func() time.Time { return now }, 3)
	const acct = "alice@example.com"
	th.succeeded(acct, "right")
	for i := range 3 {
		if why, _ := th.take(acct, fmt.Sprint("guess", i)); why != sendNow {
			t.Fatalf("guess %d refused: %v", i, why)
		}
		th.failed(acct, fmt.Sprint("guess", i))
		now = now.Add(time.Minute)
	}
	why, wait := th.take(acct, "guess3")
	if why != tooManyPasswords || wait != passwordTriesWindow-3*time.Minute {
		t.Fatalf("fourth password: %v, wait %v; want tooManyPasswords, %v", why, wait, passwordTriesWindow-3*time.Minute)
	}
	if why, _ := th.take(acct, "right"); why != sendNow {
		t.Fatalf("the accepted password is refused: %v", why)
	}
	if why, _ := th.take("bob@example.com", "guess3"); why != sendNow {
		t.Fatalf("another account is refused: %v", why)
	}
	now = now.Add(wait)
	if why, _ := th.take(acct, "guess3"); why != sendNow {
		t.Fatalf("after the window: %v", why)
	}
	// Once MSN refuses the accepted password (it was changed), it is
	// limited like any other.
	th.failed(acct, "right")
	if why, _ := th.take(acct, "right"); why != refusedRecently {
		t.Fatalf("the formerly accepted password after a refusal: %v", why)
	}
}

func TestLoginThrottleStaysBounded(t *testing.T) {
	now := time.Now()
	th := newLoginThrottle(func() time.Time { return now }, 3)
	for i := 0; i < maxThrottled+50; i++ {
		th.failed(fmt.Sprintf("user%d@example.com", i), "x")
	}
	if n := len(th.fails); n > maxThrottled {
		t.Fatalf("%d accounts remembered, limit %d", n, maxThrottled)
	}
}
