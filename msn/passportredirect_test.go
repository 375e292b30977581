package msn

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// elsewhere is a server standing for another host of the bridge's
// network: it counts the requests that reach it and those that carry the
// password.
type elsewhere struct {
	*httptest.Server
	hits, leaks atomic.Int32
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		if strings.Contains(r.Header.Get("Authorization"), "pwd=secret123") {
			e.leaks.Add(1)
		}
		w.Header().Set("PassportURLs", "DALogin="+e.URL+"/login")
		w.Header().Set("Authentication-Info", "Passport1.4 da-status=success,from-PP='t=stolen'")
	}))
	t.Cleanup(e.Close)
	return e
}

// A Passport 1.4 login server that redirects to another host does not
// get the password sent there: a redirect is followed on the same host
// only, so that a login server cannot hand the password, or a request
// at all, to an address it names.
func TestPassportRedirectToAnotherHost(t *testing.T) {
	other := newElsewhere(t)
	login := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/login", http.StatusFound)
	}))
	defer login.Close()
	cfg := testConfig("127.0.0.1:1", nil, "MSNP12")
	cfg.LoginURL = login.URL + "/login"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := CheckPassword(ctx, cfg)
	if err == nil || errors.Is(err, ErrAuthFailed) || !strings.Contains(err.Error(), "another host") {
		t.Errorf("err = %v, want a refused redirect", err)
	}
	if n := other.hits.Load(); n != 0 {
		t.Errorf("the redirect's target got %d requests (%d with the password), want none", n, other.leaks.Load())
	}
}

// The nexus's redirects are not followed: its answer is the header that
// names the login server, and a redirect would only make the bridge ask
// a host the nexus chose, inside the bridge's network say.
func TestNexusRedirectNotFollowed(t *testing.T) {
	other := newElsewhere(t)
	nexus := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/rdr/pprdr.asp", http.StatusFound)
	}))
	defer nexus.Close()
	cfg := testConfig("127.0.0.1:1", nil, "MSNP12")
	cfg.NexusURL = nexus.URL + "/rdr/pprdr.asp"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := CheckPassword(ctx, cfg)
	if err == nil || errors.Is(err, ErrAuthFailed) || !strings.Contains(err.Error(), "302") {
		t.Errorf("err = %v, want the nexus's 302 without a DALogin URL", err)
	}
	if n := other.hits.Load(); n != 0 {
		t.Errorf("the redirect's target got %d requests (%d with the password), want none", n, other.leaks.Load())
	}
}

// An answer with megabytes of headers fails the login at once with a
// clear error, rather than being read whole.
func TestPassportHeadersBounded(t *testing.T) {
	nexus := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Pad", strings.Repeat("a", 1<<20))
		w.Header().Set("PassportURLs", "DALogin=127.0.0.1:1/login")
	}))
	defer nexus.Close()
	cfg := testConfig("127.0.0.1:1", nil, "MSNP12")
	cfg.NexusURL = nexus.URL + "/rdr/pprdr.asp"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := CheckPassword(ctx, cfg)
	if err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("err = %v, want the headers refused", err)
	}
}
