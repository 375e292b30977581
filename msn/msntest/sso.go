package msntest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// rstLifetime is how long a ticket of the RST service stays valid, as
// Escargot issues them (Server.SetTicketLifetime changes it).
const rstLifetime = 24 * time.Hour

// SetTicketLifetime sets how long the tickets the RST service issues from
// now on stay valid (24 h by default), as their LifeTime says.
func (s *Server) SetTicketLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rstLifetime = d
}

// rstJunk stands for the fixed opaque part Escargot appends to the 20
// characters of a ticket it checks.
var rstJunk = strings.Repeat("A", 1028)

// rstRequest is what the server reads of a RequestMultipleSecurityTokens.
type rstRequest struct {
	Username  string   `xml:"Header>Security>UsernameToken>Username"`
	Password  string   `xml:"Header>Security>UsernameToken>Password"`
	Addresses []string `xml:"Body>RequestMultipleSecurityTokens>RequestSecurityToken>AppliesTo>EndpointReference>Address"`
}

// handleRST is POST /RST.srf: one ticket for every address asked for, the
// same for all, with a proof key for messengerclear.live.com.
func (s *Server) handleRST(w http.ResponseWriter, r *http.Request) {
	if s.soapFault(w, r, "/RST.srf") {
		return
	}
	var req rstRequest
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err := xml.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	a := s.accounts[key(req.Username)]
	s.countCheck(req.Username)
	if a == nil || a.password != req.Password {
		s.mu.Unlock()
		writeXML(w, http.StatusOK, rstFault(time.Now()))
		return
	}
	now := time.Now()
	pruneExpired(s.tickets, now, func(t *ticket) time.Time { return t.expires })
	tok := randHex(20)
	secret := randBase64(24)
	lifetime := s.rstLifetime
	if lifetime <= 0 {
		lifetime = rstLifetime
	}
	expires := now.Add(lifetime)
	s.tickets[tok] = &ticket{passport: a.passport, expires: expires, secret: secret}
	s.issued.Tickets = append(s.issued.Tickets, tok)
	s.mu.Unlock()

	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	writeXML(w, http.StatusOK, rstTokens(rstIssued{
		passport: a.passport, ip: host, ticket: "t=" + tok + rstJunk + "&p=", secret: secret,
		created: now, expires: expires, addresses: req.Addresses,
	}))
}

func writeXML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// xmlText escapes s for XML text or a quoted attribute.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

var guidPattern = regexp.MustCompile(`^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$`)

// checkSSO checks "USR t SSO S ticket [answer [guid]]" for a. answered is
// false where Escargot fails internally and sends nothing (MSNP16+
// without the answer or the GUID). s.mu held.
func (s *Server) checkSSO(n *nsConn, cmd *msn.Command, a *account) (ok, answered bool) {
	arg, answer, guid := cmd.Param(3), cmd.Param(4), cmd.Param(5)
	if n.ver >= 16 && (answer == "" || guid == "") {
		return false, false
	}
	if n.ver >= 16 && !guidPattern.MatchString(guid) {
		return false, true
	}
	if !s.checkTicket(arg, a) {
		return false, true
	}
	if answer != "" {
		t := s.tickets[ticketToken(arg)]
		if t.secret == "" || !msn.CheckSSOAnswer(t.secret, n.nonce, answer) {
			return false, true
		}
	}
	if n.ver >= 16 {
		n.guid = strings.ToLower(strings.Trim(guid, "{}"))
	}
	return true, true
}

// randBase64 returns n random bytes in base64.
func randBase64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
