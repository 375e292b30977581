package msn_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// A failing web service makes the login fail with a typed error, never
// with ErrAuthFailed, and a slow one within the request timeout.
func TestModernLoginWebServiceFailures(t *testing.T) {
	srv := newServer(t, msntest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
	defer cancel()
	for _, tc := range []struct {
		name, path string
		f          msntest.SOAPFailure
		want       error
	}{
		{"rst fault", "/RST.srf", msntest.SOAPFailure{Fault: true}, msn.ErrSOAP},
		{"membership fault", "/abservice/SharingService.asmx", msntest.SOAPFailure{Fault: true}, msn.ErrSOAP},
		{"address book 503", "/abservice/abservice.asmx", msntest.SOAPFailure{Status: 503}, msn.ErrSOAP},
		{"slow address book", "/abservice/abservice.asmx", msntest.SOAPFailure{Delay: time.Minute}, msn.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.FailSOAP(tc.path, tc.f)
			defer srv.FailSOAP(tc.path, msntest.SOAPFailure{})
			cfg := srv.Config("alice@example.com", "secret123", "MSNP15")
			cfg.RequestTimeout = 300 * time.Millisecond
			_, err := msn.Login(ctx, cfg, "")
			if !errors.Is(err, tc.want) || errors.Is(err, msn.ErrAuthFailed) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var f *msn.SOAPFault
			if tc.f.Fault && (!errors.As(err, &f) || f.Code != "soap:Server") {
				t.Errorf("err = %#v, want a SOAPFault with the fault code", err)
			}
		})
	}
}

// CheckPassword uses the RST service when the best offered version is
// MSNP13 or later.
func TestCheckPasswordRST(t *testing.T) {
	srv := newServer(t, msntest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
	defer cancel()
	cfg := srv.Config("alice@example.com", "secret123", "MSNP18", "MSNP12")
	cfg.SOAPURL = strings.TrimSuffix(srv.NexusURL(), "/rdr/pprdr.asp")
	cfg.NexusURL, cfg.LoginURL = "", ""
	if err := msn.CheckPassword(ctx, cfg); err != nil {
		t.Fatalf("right password: %v", err)
	}
	cfg.Password = "wrong"
	if err := msn.CheckPassword(ctx, cfg); !errors.Is(err, msn.ErrAuthFailed) {
		t.Fatalf("wrong password: %v", err)
	}
}
