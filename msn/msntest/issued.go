package msntest

import "slices"

// Issued is what a server has handed out to clients since it started: the
// values a client must keep out of its logs, or derive secrets from.
type Issued struct {
	// Salts are the MD5 login challenges ("USR t MD5 S <salt>", MSNP2-7).
	Salts []string
	// Tickets are the Passport tickets of successful TWN logins.
	Tickets []string
	// Cookies are the switchboard cookies of XFR and RNG.
	Cookies []string
}

// issued records what the server hands out; guarded by Server.mu.
type issued Issued

// Issued returns every salt, ticket and cookie the server has handed out so
// far, oldest first.
func (s *Server) Issued() Issued {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Issued{
		Salts:   slices.Clone(s.issued.Salts),
		Tickets: slices.Clone(s.issued.Tickets),
		Cookies: slices.Clone(s.issued.Cookies),
	}
}
