package bridge

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/msn2irc/msn2irc/ircd"
)

// errNoSession refuses an HTTP request (an upload, a picture) for an
// account without a running MSN session: HTTP never starts one. It is
// answered as a wrong password is, with one text for both, and counted as
// a failed login: the HTTP side must not tell a stranger which accounts
// are signed in.
var errNoSession = errors.New("wrong address or password, or no MSN session for this account: connect with your IRC client first, then try again")

// httpLogin checks the HTTP Basic credentials of r against the running
// session of their account, inside the login limits of every other login.
// It never starts a session: the password must be the one the session
// runs with, confirmed again with MSN when an IRC client's attach would
// (PasswordRecheck). On failure it answers r (401, 429 or 503) and
// returns nil.
func (b *Bridge) httpLogin(w http.ResponseWriter, r *http.Request) *session {
	if !b.fromClient(r) {
		httpError(w, http.StatusForbidden, "this address takes uploads from an IRC client, not from a web page's form or link")
		return nil
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="msn2irc", charset="UTF-8"`)
		httpError(w, http.StatusUnauthorized, "log in with your MSN address and password (HTTP Basic)")
		return nil
	}
	var s *session
	_, err := b.limited(r.Context(), ircd.Credentials{Account: user, Password: pass, Source: sourceAddr(r)}, func(account string) error {
		if pass == "" {
			return errWrongPassword
		}
		if s = b.runningSession(account); s == nil {
			return errNoSession
		}
		var st attachCheck
		err := s.call(r.Context(), func() { st = s.attachCheck(pass) })
		switch {
		case errors.Is(err, errSessionEnded) || err == nil && st.ending:
			return errNoSession
		case err != nil:
			return err
		case !st.matches:
			return errWrongPassword
		}
		confirmed, err := b.recheckPassword(r.Context(), s, pass, st)
		if err != nil || !confirmed {
			return err
		}
		if err := s.call(r.Context(), func() { s.confirmed(pass) }); errors.Is(err, errSessionEnded) {
			return errNoSession
		} else if err != nil {
			return err
		}
		return nil
	})
	var blocked blockedError
	switch {
	case err == nil:
		return s
	case errors.As(err, &blocked):
		w.Header().Set("Retry-After", strconv.Itoa(int(roundUp(blocked.wait).Seconds())))
		httpError(w, http.StatusTooManyRequests, err.Error())
	case errors.Is(err, errWrongPassword), errors.Is(err, errBadAccount), errors.Is(err, errNoSession):
		w.Header().Set("WWW-Authenticate", `Basic realm="msn2irc", charset="UTF-8"`)
		httpError(w, http.StatusUnauthorized, errNoSession.Error())
	default:
		b.log.Warn("HTTP login", "err", err)
		httpError(w, http.StatusServiceUnavailable, "msn2irc could not check your login; try again later")
	}
	return nil
}

// fromClient reports whether r may be a client's own request rather than
// one another site's page made the browser send. Such a request (a form
// posted, a link followed, a fetch, even one the page cannot read the
// answer of) carries the credentials the browser kept for this site,
// which would let any page upload or change a picture in the user's
// name. So a request a browser says comes from another site
// (Sec-Fetch-Site), or a form or no-cors request (Sec-Fetch-Mode), or one
// whose Origin is not this listener's, is refused. The listener sends no
// CORS headers, so no other site's page could use it anyway; programs,
// which send none of these headers, and this site's own pages are taken.
func (b *Bridge) fromClient(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Mode") {
	case "navigate", "nested-navigate", "no-cors":
		return false
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // "null", from a sandboxed page or a redirect
	}
	for _, own := range []string{r.Host, hostOf(b.cfg.Uploads.BaseURL), hostOf(b.fileURL)} {
		if own != "" && strings.EqualFold(u.Host, own) {
			return true
		}
	}
	return false
}

// hostOf is the host (and port) of a URL, "" when it has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// sourceAddr is the IP address of an HTTP request's peer.
func sourceAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		a, _ := netip.ParseAddr(host)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}
