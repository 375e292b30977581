package msn

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDALogin(t *testing.T) {
	tests := []struct{ header, want string }{
		{"DALogin=https://127.0.0.1:8081/login", "https://127.0.0.1:8081/login"},
		{"DARealm=Passport.Net,DALogin=login.passport.com/login2.srf,DAReg=http://x", "https://login.passport.com/login2.srf"},
		{"dalogin=http://h/l", "http://h/l"},
		{"DAReg=x", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := daLogin(tt.header)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("daLogin(%q) = %q, %v; want %q", tt.header, got, ok, tt.want)
		}
	}
}

func TestFromPP(t *testing.T) {
	tests := []struct{ header, want string }{
		{"Passport1.4 da-status=success,from-PP='d2df36f533d30dc2a17a'", "d2df36f533d30dc2a17a"},
		{"Passport1.4 da-status=success,tname=MSPAuth,from-PP='t=abc&p=def',ru=http://x", "t=abc&p=def"},
		{"Passport1.4 da-status=success", ""},
		{"from-PP=''", ""},
		{"from-PP='a b'", ""},
		{"from-PP='unterminated", ""},
	}
	for _, tt := range tests {
		got, ok := fromPP(tt.header)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("fromPP(%q) = %q, %v; want %q", tt.header, got, ok, tt.want)
		}
	}
	if got := ticketParam("d2df36f533d30dc2a17a"); got != "t=d2df36f533d30dc2a17a&p=" {
		t.Errorf("ticketParam = %q", got)
	}
}

func TestCheckPassword(t *testing.T) {
	ps := newPassportServer(t, "secret123", "b990b68bf7e3dfe3ef2f")
	cfg := testConfig("127.0.0.1:1", ps) // no notification server: it is not used
	cfg.LoginURL = ""                    // through the nexus, as a real login
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := CheckPassword(ctx, cfg); err != nil {
		t.Fatalf("right password: %v", err)
	}
	cfg.Password = "wrong-password"
	if err := CheckPassword(ctx, cfg); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("wrong password: err = %v, want ErrAuthFailed", err)
	}
	ps.Close()
	cfg.Password = "secret123"
	if err := CheckPassword(ctx, cfg); err == nil || errors.Is(err, ErrAuthFailed) {
		t.Fatalf("Passport down: err = %v, want an error that is not ErrAuthFailed", err)
	}
}
