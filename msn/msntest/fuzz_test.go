package msntest

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

const (
	fuzzSalt   = "0123456789abcde"
	fuzzTicket = "0123456789abcdef0123"
)

// fuzzServer returns a server whose alice has a known MD5 salt and a
// Passport ticket valid for the whole run, so that inputs can sign in.
func fuzzServer(f *testing.F, log *syncBuffer) *Server {
	s, err := New(Options{Challenges: true, Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	for _, p := range []string{"alice@example.com", "bob@example.com"} {
		if err := s.AddAccount(p, "secret123", strings.TrimSuffix(p, "@example.com")); err != nil {
			f.Fatal(err)
		}
	}
	if err := s.Befriend("alice@example.com", "bob@example.com"); err != nil {
		f.Fatal(err)
	}
	s.mu.Lock()
	s.accounts["alice@example.com"].salt = fuzzSalt
	s.tickets[fuzzTicket] = &ticket{passport: "alice@example.com", expires: time.Now().Add(24 * time.Hour)}
	s.mu.Unlock()
	return s
}

// feed plays input as one client connection and waits until the server
// is done with it.
func feed(t *testing.T, s *Server, serve func(*wire, net.Conn), input []byte) {
	client, server := net.Pipe()
	done := s.serveConn(server, serve)
	drained := make(chan struct{})
	go func() {
		io.Copy(io.Discard, client)
		close(drained)
	}()
	client.SetWriteDeadline(time.Now().Add(5 * time.Second))
	client.Write(input)
	client.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("server did not finish with the connection")
	}
	<-drained
}

func FuzzNS(f *testing.F) {
	md5Login := "VER 1 MSNP7 CVR0\r\nCVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com\r\nINF 3\r\n" +
		"USR 4 MD5 I alice@example.com\r\nUSR 5 MD5 S " + md5hex(fuzzSalt+"secret123") + "\r\n"
	twnLogin := "VER 1 MSNP12 CVR0\r\nUSR 2 TWN I alice@example.com\r\nUSR 3 TWN S t=" + fuzzTicket + "&p=\r\n"
	for _, seed := range []string{
		"",
		"VER 1 MSNP1 CVR0\r\n",
		md5Login + "SYN 6 0\r\nCHG 7 NLN\r\nREA 8 alice@example.com A%20b\r\nADD 9 FL bob@example.com Bob 0\r\nREM 10 FL bob@example.com\r\nBLP 11 BL\r\nGTC 12 N\r\nXFR 13 SB\r\nPNG\r\nOUT\r\n",
		twnLogin + "SYN 4 0 0\r\nCHG 5 HDN 0\r\nUUX 6 10\r\n<Data/>   PRP 7 MFN x\r\nADC 8 FL N=bob@example.com F=b\r\nREM 9 FL 00000000-0000-0000-0000-000000000000\r\nQRY 10 PROD0090YUAUV{2B 32\r\n0123456789abcdef0123456789abcdef",
		"VER 1 MSNP8 CVR0\r\nUSR 2 TWN I a@b\r\nUSR 3 TWN S bogus\r\n",
		"VER 1 MSNP9\r\n\r\n\r\nCHG\r\nMSG 1 A 99999999\r\n",
	} {
		f.Add([]byte(seed))
	}
	var log syncBuffer
	s := fuzzServer(f, &log)
	f.Fuzz(func(t *testing.T, input []byte) {
		feed(t, s, s.serveNS, input)
		if strings.Contains(log.String(), "panic") {
			t.Fatalf("server panicked:\n%s", log.String())
		}
	})
}

func FuzzPassportAuth(f *testing.F) {
	for _, seed := range []string{
		"Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=alice%40example.com,pwd=secret123,ct=1",
		"Passport1.4 sign-in=%,pwd=%zz",
		"Passport1.4 ,,,=,sign-in",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, h string) {
		user, _, ok := parsePassportAuth(h)
		if ok && user == "" {
			t.Errorf("accepted an empty sign-in in %q", h)
		}
	})
}

func FuzzQuote(f *testing.F) {
	for _, seed := range []string{"Alice é Liddell", "100% sure", "%41%zz%", "\r\n "} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := msn.QuoteName(s)
		if strings.ContainsAny(q, " \r\n") {
			t.Errorf("msn.QuoteName(%q) = %q still has white space", s, q)
		}
		if got := msn.UnquoteName(q); got != s {
			t.Errorf("msn.UnquoteName(msn.QuoteName(%q)) = %q", s, got)
		}
		_ = redact(s)
	})
}
