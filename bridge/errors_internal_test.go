package bridge

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/msn2irc/msn2irc/msn"
)

// What a user is told when a login or a message fails is the bridge's own
// text: never the msn package's wording or a Go error with its "msn: "
// prefix or a dial address.
func TestFailureTextsAreOurOwn(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1863}, Err: errors.New("connection refused")}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("msn: login: %w", dial), errLoginOther.Error()},
		{fmt.Errorf("msn: login: %w", msn.ErrBadCommand), errLoginOther.Error()},
		{fmt.Errorf("msn: login: %w", msn.ErrClosed), "MSN login failed: the server closed the connection"},
		{fmt.Errorf("msn: login: %w", context.Canceled), errShuttingDown.Error()},
		{fmt.Errorf("msn: login: %w", msn.ErrAuthFailed), errWrongPassword.Error()},
	} {
		got := loginError(tc.err).Error()
		if got != tc.want {
			t.Errorf("loginError(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	for _, err := range []error{fmt.Errorf("msn: send: %w", dial), msn.ErrBadCommand} {
		if got := sendErrorText(err, 15); strings.Contains(got, "msn:") || strings.Contains(got, "10.0.0.1") {
			t.Errorf("sendErrorText(%v) = %q", err, got)
		}
	}
}
