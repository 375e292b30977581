package msntest

import (
	"net/http"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// ticket is a Passport ticket issued by GET /login or POST /RST.srf.
type ticket struct {
	passport string
	expires  time.Time
	secret   string // proof key, base64, of a ticket of the RST service
}

func (s *Server) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rdr/pprdr.asp", s.handleNexus)
	mux.HandleFunc("GET /nexus-mock", s.handleNexus)
	mux.HandleFunc("GET /login", s.handleLogin)
	mux.HandleFunc("POST /RST.srf", s.handleRST)
	mux.HandleFunc("POST /abservice/SharingService.asmx", s.handleAB)
	mux.HandleFunc("POST /abservice/abservice.asmx", s.handleAB)
	mux.HandleFunc("POST "+oimPath, s.handleStore)
	mux.HandleFunc("POST "+rsiPath, s.handleRSI)
	return mux
}

// handleNexus answers like Escargot: the DALogin URL says https although
// the server speaks http, unless Options.CorrectNexusURL is set.
func (s *Server) handleNexus(w http.ResponseWriter, r *http.Request) {
	u := "https://" + s.httpLn.Addr().String() + "/login"
	if s.opts.CorrectNexusURL {
		u = s.LoginURL()
	}
	w.Header()["Passporturls"] = []string{"DALogin=" + u}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := parsePassportAuth(r.Header.Get("Authorization"))
	s.mu.Lock()
	a := s.accounts[key(user)]
	if ok {
		s.countCheck(user)
	}
	if !ok || a == nil || a.password != pass {
		s.mu.Unlock()
		s.log.Debug("passport login failed", "passport", user)
		w.Header()["WWW-Authenticate"] = []string{"Passport1.4 da-status=failed"}
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	now := time.Now()
	pruneExpired(s.tickets, now, func(t *ticket) time.Time { return t.expires })
	tok := randHex(20)
	s.tickets[tok] = &ticket{passport: a.passport, expires: now.Add(ticketLifetime)}
	s.issued.Tickets = append(s.issued.Tickets, tok)
	s.mu.Unlock()
	s.log.Debug("passport login", "passport", user)
	w.Header()["Authentication-Info"] = []string{"Passport1.4 da-status=success,from-PP='" + tok + "'"}
	w.WriteHeader(http.StatusOK)
}

// checkTicket validates a ticket for a: bare or as "t=<ticket>&p=...",
// issued for a and not expired. s.mu held.
func (s *Server) checkTicket(arg string, a *account) bool {
	t := s.tickets[ticketToken(arg)]
	return t != nil && key(t.passport) == key(a.passport) && time.Now().Before(t.expires)
}

// ticketToken is what Escargot looks a ticket up by: a bare ticket, or the
// 20 characters after a leading "t=".
func ticketToken(arg string) string {
	if rest, ok := strings.CutPrefix(arg, "t="); ok {
		return rest[:min(20, len(rest))]
	}
	return arg
}

// parsePassportAuth extracts the address and password of an
// "Authorization: Passport1.4 ...,sign-in=...,pwd=...,..." header.
func parsePassportAuth(h string) (user, pass string, ok bool) {
	rest, found := strings.CutPrefix(h, "Passport1.4 ")
	if !found {
		return "", "", false
	}
	var haveUser, havePass bool
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "sign-in":
			user, haveUser = msn.UnquoteName(v), true
		case "pwd":
			pass, havePass = msn.UnquoteName(v), true
		}
	}
	return user, pass, haveUser && havePass && user != ""
}
