package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// writeSelfSigned writes a certificate and key for 127.0.0.1 and returns their paths.
func writeSelfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "msn2irc test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestServeTLSAndShutdown serves on a plain and a TLS listener, greets a
// client on each, and says goodbye to them when stopped.
func TestServeTLSAndShutdown(t *testing.T) {
	certFile, keyFile := writeSelfSigned(t)
	cfg := config{
		Listen:      "127.0.0.1:0",
		TLSListen:   "127.0.0.1:0",
		TLSCert:     certFile,
		TLSKey:      keyFile,
		DB:          filepath.Join(t.TempDir(), "msn2irc.db"),
		ServerName:  "msn2irc.test",
		MSNServer:   "127.0.0.1:1", // never reached: the clients log in as guests
		MSNVersions: []string{"MSNP12"},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan []net.Addr, 1)
	done := make(chan error, 1)
	var logs syncBuffer
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), func(a []net.Addr) { addrs <- a })
	}()
	var got []net.Addr
	select {
	case got = <-addrs:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	if len(got) != 2 {
		t.Fatalf("listening on %v, want a plain and a TLS listener", got)
	}
	// The log tells the operator which listener is which.
	for _, want := range []string{`"listening for IRC clients" addr=` + got[0].String(), `"listening for IRC clients over TLS" addr=` + got[1].String()} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log does not say %s:\n%s", want, logs.String())
		}
	}
	plain, err := net.Dial("tcp", got[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	secure, err := tls.Dial("tcp", got[1].String(), &tls.Config{InsecureSkipVerify: true}) // self-signed test certificate
	if err != nil {
		t.Fatal(err)
	}
	defer secure.Close()
	var readers []*bufio.Reader
	for i, conn := range []net.Conn{plain, secure} {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(conn, "NICK guest\r\nUSER guest 0 * :Guest\r\n"); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(conn)
		readers = append(readers, r)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("client %d: %v", i, err)
			}
			if strings.HasPrefix(line, ":msn2irc.test 001 guest") {
				break
			}
		}
	}
	cancel()
	for i, r := range readers {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("client %d got no goodbye: %v", i, err)
			}
			if strings.HasPrefix(line, "ERROR") {
				if !strings.Contains(line, shutdownReason) {
					t.Errorf("client %d: %q", i, line)
				}
				break
			}
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return")
	}
}

// startServe runs serve with cfg on a loopback port until the test ends and
// returns the address of its plain listener.
func startServe(t *testing.T, cfg config) string {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	cfg.DB = filepath.Join(t.TempDir(), "msn2irc.db")
	cfg.ServerName = "msn2irc.test"
	cfg.MSNServer = "127.0.0.1:1" // never reached: the clients are guests
	cfg.MSNVersions = []string{"MSNP12"}
	return runServe(t, cfg)
}

// runServe runs serve with cfg as it is until the test ends, and returns
// the address of its plain listener once it listens.
func runServe(t *testing.T, cfg config) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan []net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), func(a []net.Addr) { addrs <- a })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case got := <-addrs:
		return got[0].String()
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

// TestServeConnectionLimits checks that the limits of the configuration
// reach the IRC server.
func TestServeConnectionLimits(t *testing.T) {
	isCommand := func(cmd string) func(*irc.Message) bool {
		return func(m *irc.Message) bool { return m.Command == cmd }
	}
	guest := func(addr string) *ircClient {
		c := dialIRC(t, addr)
		c.send(t, "NICK guest")
		c.send(t, "USER guest 0 * :Guest")
		return c
	}
	t.Run("guests and their idle time", func(t *testing.T) {
		addr := startServe(t, config{GuestsPerAddress: 1, GuestTimeout: 300 * time.Millisecond})
		first := guest(addr)
		first.expect(t, 10*time.Second, "welcome", isCommand(irc.RPL_WELCOME))
		refused := guest(addr).expect(t, 10*time.Second, "ERROR", isCommand("ERROR"))
		if !strings.HasPrefix(refused.Trailing(), "Too many guest connections from your address") {
			t.Errorf("second guest: %v", refused)
		}
		idle := first.expect(t, 10*time.Second, "ERROR", isCommand("ERROR"))
		if idle.Trailing() != "Closing link: not logged in to MSN after 300ms" {
			t.Errorf("idle guest: %v", idle)
		}
	})
	t.Run("trusted addresses", func(t *testing.T) {
		addr := startServe(t, config{GuestsPerAddress: 1, trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
		guest(addr).expect(t, 10*time.Second, "welcome", isCommand(irc.RPL_WELCOME))
		guest(addr).expect(t, 10*time.Second, "welcome", isCommand(irc.RPL_WELCOME))
	})
}

// A start-up failure after the bridge is made (here the IRC port is in
// use) stops the bridge's background work before serve returns: it would
// otherwise go on against the closed store, and log warnings about the
// database next to the real error.
func TestServeFailureStopsTheBridge(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := config{
		Listen:      taken.Addr().String(),
		DB:          filepath.Join(t.TempDir(), "msn2irc.db"),
		ServerName:  "msn2irc.test",
		MSNServer:   "127.0.0.1:1",
		MSNVersions: []string{"MSNP12"},
	}
	err = serve(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), func([]net.Addr) { t.Error("serve started on a port in use") })
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("serve: %v, want the port in use", err)
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	for _, fn := range []string{"bridge.(*Bridge).runIndexer", "bridge.(*Bridge).runRetention"} {
		if strings.Contains(stacks, fn) {
			t.Errorf("%s still runs after serve returned", fn)
		}
	}
}
