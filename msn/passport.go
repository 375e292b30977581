package msn

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// orgURL is the fixed OrgURL of Messenger's Passport 1.4 requests.
const orgURL = "http%3A%2F%2Fmessenger%2Emsn%2Ecom"

// checkChallenge is the challenge CheckPassword sends: the one a
// notification server gives in "USR t TWN S" (Escargot sends this one).
const checkChallenge = "ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1"

// CheckPassword asks Passport whether cfg's address and password are right,
// with the Passport step of a login at the best version cfg offers: the RST
// service under cfg.SOAPURL from MSNP13 on, else the Passport 1.4 step of a
// TWN login: the nexus unless cfg.LoginURL is set, then the login URL. It
// does not touch the notification server, so a session signed in with the
// account goes on undisturbed. A refused password gives an error matching
// ErrAuthFailed; any other error means Passport could not be asked.
func CheckPassword(ctx context.Context, cfg Config) error {
	cfg = cfg.withDefaults()
	if err := checkPassport(cfg.Passport); err != nil {
		return fmt.Errorf("msn: check password: %w", err)
	}
	c := &Client{cfg: cfg, log: cfg.Logger}
	if bestVersion(cfg.Versions) >= 13 {
		if _, err := c.requestTickets(ctx); err != nil {
			return fmt.Errorf("msn: check password: %w", err)
		}
		return nil
	}
	if _, err := c.passportTicket(ctx, checkChallenge); err != nil {
		return fmt.Errorf("msn: check password: %w", err)
	}
	return nil
}

// bestVersion returns the highest MSNPn of versions, 0 for none.
func bestVersion(versions []string) int {
	best := 0
	for _, v := range versions {
		if len(v) > 4 && strings.EqualFold(v[:4], "MSNP") {
			if n, err := strconv.Atoi(v[4:]); err == nil && n > best {
				best = n
			}
		}
	}
	return best
}

// passportTicket logs in to Passport 1.4 with the challenge string of
// "USR t TWN S challenge" and returns the ticket (from-PP). Wrong
// credentials give an error matching ErrAuthFailed.
func (c *Client) passportTicket(ctx context.Context, challenge string) (string, error) {
	loginURL := c.cfg.LoginURL
	if loginURL == "" {
		u, err := c.nexusLoginURL(ctx)
		if err != nil {
			return "", err
		}
		loginURL = u
	}
	auth := "Passport1.4 OrgVerb=GET,OrgURL=" + orgURL +
		",sign-in=" + percentEncode(c.cfg.Passport) + ",pwd=" + percentEncode(c.cfg.Password) + "," + challenge
	// Redirects are followed by hand so that the Authorization header goes
	// along (historical Passport servers redirected), but on the same host
	// only: the header carries the password, and a login server must not
	// be able to send it, or the bridge's requests, to a host it names.
	hc := *c.cfg.HTTPClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var resp *http.Response
	for hops := 0; ; hops++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, loginURL, nil)
		if err != nil {
			return "", fmt.Errorf("msn: passport: bad login URL: %w", err)
		}
		req.Header.Set("Authorization", auth)
		c.log.Debug("msn: passport login request", "url", loginURL)
		resp, err = hc.Do(req)
		if err != nil {
			return "", fmt.Errorf("msn: passport: %w", err)
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		c.log.Debug("msn: passport login response", "status", resp.StatusCode)
		loc, lerr := resp.Location()
		if resp.StatusCode < 300 || resp.StatusCode > 399 || lerr != nil {
			break
		}
		if hops >= 5 {
			return "", fmt.Errorf("msn: passport: too many redirects")
		}
		if req.URL.Scheme == "https" && loc.Scheme != "https" {
			return "", fmt.Errorf("msn: passport: refusing a redirect from https to %s", loc.Scheme)
		}
		if !strings.EqualFold(loc.Host, req.URL.Host) {
			return "", fmt.Errorf("msn: passport: refusing a redirect from %s to another host, %s", req.URL.Host, loc.Host)
		}
		loginURL = loc.String()
	}
	info := resp.Header.Get("Authentication-Info")
	if resp.StatusCode == http.StatusUnauthorized ||
		strings.Contains(strings.ToLower(resp.Header.Get("WWW-Authenticate")+info), "da-status=failed") {
		return "", fmt.Errorf("msn: passport: %w", ErrAuthFailed)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("msn: passport: login server answered %s", resp.Status)
	}
	ticket, ok := fromPP(info)
	if !ok {
		return "", fmt.Errorf("msn: passport: no ticket in the login server's answer")
	}
	return ticket, nil
}

// nexusLoginURL asks the nexus for the DALogin URL. A redirect is not
// followed, so that the nexus cannot point the bridge's requests at
// another host: a 3xx answer has no DALogin URL and fails the login.
func (c *Client) nexusLoginURL(ctx context.Context) (string, error) {
	if c.cfg.NexusURL == "" {
		return "", fmt.Errorf("msn: passport: no nexus URL or login URL configured")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.NexusURL, nil)
	if err != nil {
		return "", fmt.Errorf("msn: passport: bad nexus URL: %w", err)
	}
	hc := *c.cfg.HTTPClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("msn: passport: nexus: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	u, ok := daLogin(resp.Header.Get("PassportURLs"))
	if !ok {
		return "", fmt.Errorf("msn: passport: nexus answered %s without a DALogin URL", resp.Status)
	}
	return u, nil
}

// daLogin extracts the DALogin URL of a PassportURLs header, adding
// https:// when it has no scheme.
func daLogin(h string) (string, bool) {
	for _, f := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok || !strings.EqualFold(k, "DALogin") || v == "" {
			continue
		}
		if !strings.Contains(v, "://") {
			v = "https://" + v
		}
		return v, true
	}
	return "", false
}

// fromPP extracts the ticket between the quotes of from-PP='...'.
func fromPP(h string) (string, bool) {
	i := strings.Index(h, "from-PP='")
	if i < 0 {
		return "", false
	}
	rest := h[i+len("from-PP='"):]
	j := strings.IndexByte(rest, '\'')
	if j <= 0 {
		return "", false
	}
	t := rest[:j]
	for k := 0; k < len(t); k++ {
		if t[k] <= ' ' || t[k] == 0x7f {
			return "", false
		}
	}
	return t, true
}
