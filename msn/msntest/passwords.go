package msntest

import "fmt"

// SetPassword changes an account's password, as its owner would on the
// MSN website. A session signed in already stays signed in; the next
// login, or Passport check, needs the new password.
func (s *Server) SetPassword(passport, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key(passport)]
	if a == nil {
		return fmt.Errorf("msntest: set password of %q: %w", passport, ErrNoAccount)
	}
	a.password = password
	return nil
}

// PasswordChecks returns how many times a password for passport was
// checked: Passport logins (TWN, MSNP8 and later, and msn.CheckPassword)
// and MD5 logins (MSNP2-7), right or wrong.
func (s *Server) PasswordChecks(passport string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checks[key(passport)]
}

// countCheck counts a password check for passport. s.mu held.
func (s *Server) countCheck(passport string) {
	if s.checks == nil {
		s.checks = map[string]int{}
	}
	if len(s.checks) < 100000 || s.checks[key(passport)] > 0 {
		s.checks[key(passport)]++
	}
}
