package msntest

import (
	"net/http"
	"time"
)

// SOAPFailure says how a web service endpoint misbehaves (MSNP13+).
type SOAPFailure struct {
	// Delay holds each answer back this long (or until the server or the
	// request ends).
	Delay time.Duration
	// Fault answers HTTP 500 with a soap:Fault.
	Fault bool
	// Status, when not 0 and Fault is false, answers this bare HTTP status.
	Status int
}

// FailSOAP makes the endpoint at path ("/RST.srf",
// "/abservice/abservice.asmx", "/abservice/SharingService.asmx", the
// offline message services "/OimWS/oim.asmx" and "/rsi/rsi.asmx")
// misbehave as f says; the zero SOAPFailure restores it.
func (s *Server) FailSOAP(path string, f SOAPFailure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == (SOAPFailure{}) {
		delete(s.faults.soap, path)
		return
	}
	s.faults.soap[path] = f
}

// ExpireTickets makes every Passport ticket issued so far expired: USR
// refuses them, while the web services go on taking the one each live
// session signed in with, as Escargot's do (liveSession).
func (s *Server) ExpireTickets() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tickets {
		t.expires = time.Time{}
	}
}

// injectedFault is the soap:Fault of SOAPFailure.Fault.
const injectedFault = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
<faultcode>soap:Server</faultcode>
<faultstring>Fault injected by the test</faultstring>
</soap:Fault></soap:Body></soap:Envelope>`

// soapFault carries out the failure set for path, if any; true means the
// request has been answered.
func (s *Server) soapFault(w http.ResponseWriter, r *http.Request, path string) bool {
	s.mu.Lock()
	f := s.faults.soap[path]
	s.mu.Unlock()
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.done:
			return true
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case f.Fault:
		writeXML(w, http.StatusInternalServerError, injectedFault)
		return true
	case f.Status != 0:
		w.WriteHeader(f.Status)
		return true
	}
	return false
}
