package msn

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A web service that answers with a redirect gets no second request: the
// RST envelope carries the password, and a 307 or 308 would have it posted
// again to whatever host the Location names (an internal address of the
// bridge's network, or plain http), as Go's client follows redirects.
func TestSOAPRedirectNotFollowed(t *testing.T) {
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			other := newElsewhere(t)
			rst := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/RST.srf", status)
			}))
			defer rst.Close()
			cfg := testConfig("127.0.0.1:1", nil, "MSNP15")
			cfg.SOAPURL = rst.URL
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := CheckPassword(ctx, cfg)
			var f *SOAPFault
			if !errors.As(err, &f) || f.Status != status || errors.Is(err, ErrAuthFailed) {
				t.Errorf("err = %v, want a SOAPFault with status %d", err, status)
			}
			if n := other.hits.Load(); n != 0 {
				t.Errorf("the redirect's target got %d requests (%d with the password), want none", n, other.leaks.Load())
			}
		})
	}
}
