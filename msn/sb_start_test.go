package msn

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// outcome waits for the outcome of a started message.
func outcome(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("no outcome")
		return nil
	}
}

// Messages started back to back go out in order before any ACK, and each
// outcome is matched to its own message by transaction id.
func TestStartTextPipelines(t *testing.T) {
	s := loginAs(t, 12, func(cfg *Config) { cfg.RequestTimeout = 5 * time.Second })
	sb, sp := openSB(t, s, newFakeServer(t))

	var outs []<-chan error
	for i := range 4 {
		ch, err := sb.StartText(t.Context(), fmt.Sprintf("m%d", i), Format{}, 0)
		if err != nil {
			t.Fatalf("StartText %d: %v", i, err)
		}
		outs = append(outs, ch)
	}
	var trids []string
	for i := range 4 {
		text := fmt.Sprintf("m%d", i)
		cmd := sp.expectPayload(fmt.Sprintf("MSG %d A %d", 3+i, len(textPayload(text, Format{}))), string(textPayload(text, Format{})))
		trids = append(trids, cmd.Param(0))
	}
	// Answers out of order: each outcome is its own.
	sp.send("NAK "+trids[2], "ACK "+trids[0], "ACK "+trids[3], "ACK "+trids[1])
	for i, want := range []error{nil, nil, ErrNAK, nil} {
		err := outcome(t, outs[i])
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Errorf("message %d: %v, want %v", i, err, want)
		}
	}

	// Nothing answers within the timeout.
	ch, err := sb.StartText(t.Context(), "late", Format{}, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	cmd := sp.read()
	if err := outcome(t, ch); !errors.Is(err, ErrTimeout) {
		t.Errorf("no ACK: %v, want ErrTimeout", err)
	}
	sp.send("ACK " + cmd.Param(0)) // late: ignored

	// Too long for one message: refused before anything is written.
	if _, err := sb.StartText(t.Context(), strings.Repeat("x", MaxSBMessagePayload), Format{}, 0); !errors.Is(err, ErrPayloadTooLong) {
		t.Errorf("long text: %v, want ErrPayloadTooLong", err)
	}

	// The connection drops with messages in flight: each fails, none silently.
	var inflight []<-chan error
	for i := range 3 {
		ch, err := sb.StartText(t.Context(), fmt.Sprintf("f%d", i), Format{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		inflight = append(inflight, ch)
	}
	for range 3 {
		sp.read()
	}
	sp.conn.Close()
	for i, ch := range inflight {
		if err := outcome(t, ch); !errors.Is(err, ErrClosed) {
			t.Errorf("in flight %d: %v, want ErrClosed", i, err)
		}
	}
	waitFor[SwitchboardClosed](t, s.c)
	if _, err := sb.StartText(t.Context(), "after", Format{}, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("StartText after close: %v, want ErrClosed", err)
	}
}

// Messages started while the switchboard is corked go out together on
// Flush, in order, and keep their own outcomes; a flush that cannot be
// written fails each of them, none silently.
func TestCorkHoldsMessagesUntilFlush(t *testing.T) {
	s := loginAs(t, 12, func(cfg *Config) { cfg.RequestTimeout = 5 * time.Second })
	sb, sp := openSB(t, s, newFakeServer(t))

	sb.Cork()
	var outs []<-chan error
	for i := range 3 {
		ch, err := sb.StartText(t.Context(), fmt.Sprintf("c%d", i), Format{}, 0)
		if err != nil {
			t.Fatalf("StartText %d: %v", i, err)
		}
		outs = append(outs, ch)
	}
	if err := sb.SendTyping(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Nothing was written, so nothing can be answered yet.
	for i, ch := range outs {
		select {
		case err := <-ch:
			t.Fatalf("message %d has an outcome before Flush: %v", i, err)
		default:
		}
	}
	if err := sb.Flush(); err != nil {
		t.Fatal(err)
	}
	var acks []string
	for i := range 3 {
		text := fmt.Sprintf("c%d", i)
		cmd := sp.expectPayload(fmt.Sprintf("MSG %d A %d", 3+i, len(textPayload(text, Format{}))), string(textPayload(text, Format{})))
		acks = append(acks, "ACK "+cmd.Param(0))
	}
	if cmd := sp.read(); cmd.Name != "MSG" || cmd.Param(1) != "U" {
		t.Fatalf("after the messages: %v, want the typing notification", cmd)
	}
	sp.send(acks...)
	for i, ch := range outs {
		if err := outcome(t, ch); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}

	// Uncorked again: a message goes out at once.
	ch, err := sb.StartText(t.Context(), "now", Format{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	sp.send("ACK " + sp.read().Param(0))
	if err := outcome(t, ch); err != nil {
		t.Fatal(err)
	}

	// The connection is gone when the held messages are flushed.
	sb.Cork()
	held, err := sb.StartText(t.Context(), "lost", Format{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	sp.conn.Close()
	waitFor[SwitchboardClosed](t, s.c)
	if err := outcome(t, held); !errors.Is(err, ErrClosed) {
		t.Errorf("held message: %v, want ErrClosed", err)
	}
	if err := sb.Flush(); err != nil && !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after close: %v, want nil or ErrClosed", err)
	}
}

// Messages with different timeouts each time out on their own deadline,
// whatever the order they were sent in, and an answer in time still wins.
func TestStartTextTimeoutsPerMessage(t *testing.T) {
	s := loginAs(t, 12, func(cfg *Config) { cfg.RequestTimeout = 5 * time.Second })
	sb, sp := openSB(t, s, newFakeServer(t))
	start := func(text string, timeout time.Duration) (<-chan error, string) {
		t.Helper()
		ch, err := sb.StartText(t.Context(), text, Format{}, timeout)
		if err != nil {
			t.Fatal(err)
		}
		return ch, sp.read().Param(0)
	}
	long, longTrID := start("long", time.Minute)
	short, _ := start("short", 50*time.Millisecond)
	middle, _ := start("middle", 150*time.Millisecond)
	if err := outcome(t, short); !errors.Is(err, ErrTimeout) {
		t.Fatalf("short: %v, want ErrTimeout", err)
	}
	select {
	case err := <-long:
		t.Fatalf("long ended with the short one: %v", err)
	default:
	}
	if err := outcome(t, middle); !errors.Is(err, ErrTimeout) {
		t.Fatalf("middle: %v, want ErrTimeout", err)
	}
	sp.send("ACK " + longTrID)
	if err := outcome(t, long); err != nil {
		t.Fatalf("long: %v, want its ACK", err)
	}
	// The timer is set again for a message sent after all that.
	again, _ := start("again", 50*time.Millisecond)
	if err := outcome(t, again); !errors.Is(err, ErrTimeout) {
		t.Fatalf("again: %v, want ErrTimeout", err)
	}
}

// Closing a corked switchboard writes what it held before OUT.
func TestCloseFlushesHeldMessages(t *testing.T) {
	s := loginAs(t, 12, func(cfg *Config) { cfg.RequestTimeout = 5 * time.Second })
	sb, sp := openSB(t, s, newFakeServer(t))
	sb.Cork()
	ch, err := sb.StartText(t.Context(), "last words", Format{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		sb.Close()
	}()
	text := textPayload("last words", Format{})
	sp.expectPayload(fmt.Sprintf("MSG 3 A %d", len(text)), string(text))
	sp.expect("OUT")
	sp.conn.Close()
	<-closed
	if err := outcome(t, ch); !errors.Is(err, ErrClosed) {
		t.Errorf("unacknowledged at close: %v, want ErrClosed", err)
	}
}
