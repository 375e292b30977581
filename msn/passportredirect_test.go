package msn

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// elsewhere is a server standing for another host of the bridge's
// network: it counts the requests that reach it and those that carry the
// password (in a Passport 1.4 header or a SOAP body).
type elsewhere struct {
	*httptest.Server
	hits, leaks atomic.Int32
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(r.Header.Get("Authorization"), "pwd=secret123") || strings.Contains(string(body), "secret123") {
			e.leaks.Add(1)
		}
		w.Header().Set("PassportURLs", "DALogin="+e.URL+"/login")
		w.Header().Set("Authentication-Info", "Passport1.4 da-status=success,from-PP='t=stolen'")
	}))
	t.Cleanup(e.Close)
	return e
}

// A Passport 1.4 login server that redirects to another host does not
// get the password sent there: its redirect is followed on the same host
// only, so that it cannot hand the password, or a request at all, to an
// address it names. The nexus's redirects are not followed at all: its
// answer is the header that names the login server, and a redirect would
// only make the bridge ask a host the nexus chose, inside the bridge's
// network say.
func TestPassportRedirectsToAnotherHost(t *testing.T) {
	for _, tt := range []struct {
		name, path string
		set        func(cfg *Config, url string)
		want       string // in the error
	}{
		{"login server", "/login", func(cfg *Config, url string) { cfg.LoginURL = url }, "another host"},
		{"nexus", "/rdr/pprdr.asp", func(cfg *Config, url string) { cfg.NexusURL = url }, "302"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			other := newElsewhere(t)
			redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+tt.path, http.StatusFound)
			}))
			defer redirecting.Close()
			cfg := testConfig("127.0.0.1:1", nil, "MSNP12")
			tt.set(&cfg, redirecting.URL+tt.path)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := CheckPassword(ctx, cfg)
			if err == nil || errors.Is(err, ErrAuthFailed) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one that says %q", err, tt.want)
			}
			if n := other.hits.Load(); n != 0 {
				t.Errorf("the redirect's target got %d requests (%d with the password), want none", n, other.leaks.Load())
			}
		})
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
