package msn

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxSOAPResponse bounds the body of a web service answer: an address
// book of thousands of contacts fits well within it.
const maxSOAPResponse = 8 << 20

// ErrSOAP is matched by every failure of a web service (Passport RST,
// address book, membership) that is not a refused password: a SOAP fault,
// an unexpected HTTP status, an unreadable answer.
var ErrSOAP = errors.New("msn: web service failed")

// SOAPFault is a fault or an unexpected HTTP status from one of the web
// services MSNP13 and later use. It matches ErrSOAP.
type SOAPFault struct {
	Service string // path of the endpoint, e.g. /abservice/abservice.asmx
	Action  string // the operation, e.g. ABFindAll
	Status  int    // HTTP status
	Code    string // faultcode, empty when the answer had no fault
	Message string // faultstring
	// LockKeyChallenge is the challenge of a refused Store2 (offline
	// message), answered with the next attempt's lock key.
	LockKeyChallenge string
}

func (e *SOAPFault) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("msn: %s %s: HTTP status %d", e.Service, e.Action, e.Status)
	}
	return fmt.Sprintf("msn: %s %s: fault %s: %s", e.Service, e.Action, e.Code, e.Message)
}

// Is makes a SOAPFault match ErrSOAP.
func (e *SOAPFault) Is(target error) bool { return target == ErrSOAP }

// soapFaultBody is the part of any SOAP answer that says it failed: in
// the body, or, as the Passport RST service puts it, right in the envelope.
type soapFaultBody struct {
	Code       string `xml:"Body>Fault>faultcode"`
	Message    string `xml:"Body>Fault>faultstring"`
	TopCode    string `xml:"Fault>faultcode"`
	TopMessage string `xml:"Fault>faultstring"`
	LockKey    string `xml:"Body>Fault>detail>LockKeyChallenge"`
}

// soapURL returns the base of the SSO and SOAP services: Config.SOAPURL,
// else the scheme and host of the nexus (or login) URL.
func soapURL(cfg Config) (string, error) {
	if cfg.SOAPURL != "" {
		return strings.TrimRight(cfg.SOAPURL, "/"), nil
	}
	for _, s := range []string{cfg.NexusURL, cfg.LoginURL} {
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("msn: no web service URL: bad nexus URL %q", s)
		}
		return u.Scheme + "://" + u.Host, nil
	}
	return "", errors.New("msn: no web service URL: set SOAPURL or NexusURL")
}

// soapCall posts the envelope req to path under the web service base URL
// and decodes the answer into resp. It gives up after the request
// timeout. A fault, or any status but 200 (a redirect too: it is not
// followed), is a *SOAPFault.
func (c *Client) soapCall(ctx context.Context, path, action string, req, resp any) error {
	base, err := soapURL(c.cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(req); err != nil {
		return fmt.Errorf("msn: %s %s: encoding the request: %w", path, action, err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, &buf)
	if err != nil {
		return fmt.Errorf("msn: %s: bad web service URL: %w", path, err)
	}
	hr.Header.Set("Content-Type", "text/xml; charset=utf-8")
	switch {
	case strings.HasPrefix(path, "/abservice/"):
		hr.Header.Set("SOAPAction", `"http://www.msn.com/webservices/AddressBook/`+action+`"`)
	case path == oimPath:
		hr.Header.Set("SOAPAction", `"http://messenger.live.com/ws/2006/09/oim/`+action+`"`)
	case path == rsiPath:
		hr.Header.Set("SOAPAction", `"`+rsiNS+`/`+action+`"`)
	}
	c.log.Debug("msn: web service request", "path", path, "action", action)
	// A redirect is not followed but answered as the unexpected status it
	// is: the envelope carries the password (RST) or the account's ticket,
	// and Go's client would post it again, at 307 and 308, to whatever
	// host the Location names, an address inside the bridge's network or
	// plain http included. No MSN server redirects its web services.
	hc := *c.cfg.HTTPClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r, err := hc.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("msn: %s %s: %w (%w)", path, action, ErrTimeout, ctx.Err())
		}
		return fmt.Errorf("msn: %s %s: %w", path, action, err)
	}
	defer r.Body.Close()
	data, err := io.ReadAll(io.LimitReader(r.Body, maxSOAPResponse+1))
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("msn: %s %s: %w (%w)", path, action, ErrTimeout, ctx.Err())
		}
		return fmt.Errorf("msn: %s %s: reading the answer: %w", path, action, err)
	}
	if len(data) > maxSOAPResponse {
		return fmt.Errorf("msn: %s %s: answer larger than %d bytes: %w", path, action, maxSOAPResponse, ErrSOAP)
	}
	c.log.Debug("msn: web service response", "path", path, "action", action, "status", r.StatusCode, "bytes", len(data))
	var f soapFaultBody
	_ = xml.Unmarshal(data, &f) // a body that is no XML at all is judged by its status
	if f.Code == "" {
		f.Code, f.Message = f.TopCode, f.TopMessage
	}
	if f.Code != "" || r.StatusCode != http.StatusOK {
		return &SOAPFault{Service: path, Action: action, Status: r.StatusCode,
			Code: strings.TrimSpace(f.Code), Message: strings.TrimSpace(f.Message), LockKeyChallenge: strings.TrimSpace(f.LockKey)}
	}
	if err := xml.Unmarshal(data, resp); err != nil {
		return fmt.Errorf("msn: %s %s: unreadable answer: %w (%w)", path, action, ErrSOAP, err)
	}
	return nil
}
