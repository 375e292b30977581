package msn_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// rsiTransport stands in for the offline message web service (rsi): each
// GetMessage is announced on arrived with the id it asks for, then fails
// once released (or at once when release is nil). Other requests go to
// the test server.
type rsiTransport struct {
	release chan struct{}
	arrived chan string

	mu       sync.Mutex
	inFlight int
	peak     int
	asked    map[string]int
}

var messageID = regexp.MustCompile(`<messageId>([^<]*)</messageId>`)

func (rt *rsiTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path != "/rsi/rsi.asmx" {
		return http.DefaultTransport.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	id := ""
	if m := messageID.FindSubmatch(body); m != nil {
		id = string(m[1])
	}
	rt.mu.Lock()
	rt.inFlight++
	rt.peak = max(rt.peak, rt.inFlight)
	rt.asked[id]++
	rt.mu.Unlock()
	defer func() {
		rt.mu.Lock()
		rt.inFlight--
		rt.mu.Unlock()
	}()
	select {
	case rt.arrived <- id:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	if rt.release != nil {
		select {
		case <-rt.release:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return nil, errors.New("the rsi service is down")
}

// loginWithRSI signs alice in at MSNP15 with rt as the rsi service.
func loginWithRSI(t *testing.T, rt *rsiTransport) (*msntest.Server, *msn.Client) {
	t.Helper()
	srv := newServer(t, msntest.Options{})
	c := login(t, srv, "alice@example.com", "MSNP15", func(cfg *msn.Config) {
		cfg.HTTPClient = &http.Client{Transport: rt, Timeout: 30 * time.Second}
		cfg.RequestTimeout = 30 * time.Second
	})
	return srv, c
}

// notifyOIMs has the server tell alice of offline messages with ids.
func notifyOIMs(t *testing.T, srv *msntest.Server, ids ...string) {
	t.Helper()
	var md strings.Builder
	md.WriteString("<MD>")
	for _, id := range ids {
		fmt.Fprintf(&md, "<M><T>11</T><S>6</S><RT>2024-01-01T00:00:00Z</RT><RS>0</RS><SZ>100</SZ><E>bob@example.com</E><I>%s</I><F>00000000-0000-0000-0000-000000000009</F><N>Bob</N></M>", id)
	}
	md.WriteString("</MD>")
	payload := "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsoimnotification; charset=UTF-8\r\n\r\nMail-Data: " + md.String() + "\r\n"
	if err := srv.SendRaw("alice@example.com", fmt.Appendf(nil, "MSG Hotmail Hotmail %d\r\n%s", len(payload), payload)); err != nil {
		t.Fatal(err)
	}
}

// nextAsked waits for the next GetMessage and returns its id.
func (rt *rsiTransport) nextAsked(t *testing.T) string {
	t.Helper()
	select {
	case id := <-rt.arrived:
		return id
	case <-time.After(10 * time.Second):
		t.Fatal("no GetMessage request")
		return ""
	}
}

// Offline messages are fetched one at a time, however many notifications
// name them while the web service is slow: not one goroutine and one
// connection per notification.
func TestOfflineMessagesFetchedOneAtATime(t *testing.T) {
	rt := &rsiTransport{release: make(chan struct{}), arrived: make(chan string), asked: map[string]int{}}
	srv, c := loginWithRSI(t, rt)
	const n = 20
	for i := range n {
		notifyOIMs(t, srv, fmt.Sprintf("id-%d", i))
	}
	// A round trip: the client has read every notification.
	if err := c.SetStatus(t.Context(), msn.StatusAway); err != nil {
		t.Fatal(err)
	}
	for range n {
		rt.nextAsked(t)
		rt.release <- struct{}{}
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.peak != 1 {
		t.Errorf("%d offline message fetches ran at once, want 1", rt.peak)
	}
}

// A message whose fetch keeps failing is fetched again when a later
// notification names it, but at most three times in a session.
func TestOfflineMessageFetchTriedThrice(t *testing.T) {
	rt := &rsiTransport{arrived: make(chan string), asked: map[string]int{}}
	srv, _ := loginWithRSI(t, rt)
	for k := range 5 {
		// The fetches run in order: once the marker is asked for, the
		// fetch of id-x before it has failed.
		marker := fmt.Sprintf("marker-%d", k)
		notifyOIMs(t, srv, "id-x", marker)
		for rt.nextAsked(t) != marker {
		}
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if got := rt.asked["id-x"]; got != 3 {
		t.Errorf("a failing message was fetched %d times, want 3", got)
	}
}
