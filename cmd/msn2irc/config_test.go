package main

import (
	"bytes"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// designVariables are the configuration variables and defaults the program
// promises.
var designVariables = map[string]string{
	"MSN2IRC_LISTEN":        "127.0.0.1:6667",
	"MSN2IRC_TLS_LISTEN":    "",
	"MSN2IRC_TLS_CERT":      "",
	"MSN2IRC_TLS_KEY":       "",
	"MSN2IRC_DB":            "msn2irc.db",
	"MSN2IRC_SERVER_NAME":   "msn2irc",
	"MSN2IRC_MSN_SERVER":    "m1.escargot.chat:1863",
	"MSN2IRC_MSN_NEXUS":     "https://m1.escargot.chat/nexus-mock",
	"MSN2IRC_MSN_LOGIN_URL": "",
	"MSN2IRC_MSN_SOAP_URL":  "",
	"MSN2IRC_MSN_VERSIONS":  "MSNP18,MSNP17,MSNP16,MSNP15,MSNP14,MSNP13,MSNP12,MSNP11,MSNP10,MSNP9,MSNP8",
	"MSN2IRC_LOG_LEVEL":     "info",

	"MSN2IRC_TRUSTED_ADDRESSES": "",

	"MSN2IRC_UNREGISTERED_PER_ADDRESS": "10",
	"MSN2IRC_UNREGISTERED_MAX":         "1000",
	"MSN2IRC_GUESTS_PER_ADDRESS":       "3",
	"MSN2IRC_REGISTERED_PER_ADDRESS":   "20",
	"MSN2IRC_GUEST_TIMEOUT":            "5m",

	"MSN2IRC_AUTH_FAILURES":        "5",
	"MSN2IRC_AUTH_SOURCE_FAILURES": "20",
	"MSN2IRC_AUTH_LOCKOUT":         "15m",
	"MSN2IRC_MSN_PASSWORD_TRIES":   "3",
	"MSN2IRC_MSN_LOGIN_RATE":       "5",
	"MSN2IRC_PASSWORD_RECHECK":     "1h",

	"MSN2IRC_HTTP_LISTEN":                  "127.0.0.1:6680",
	"MSN2IRC_HTTP_TLS":                     "false",
	"MSN2IRC_HTTP_URL":                     "",
	"MSN2IRC_HTTP_MAX_CONNECTIONS":         "256",
	"MSN2IRC_METRICS_LISTEN":               "127.0.0.1:6681",
	"MSN2IRC_DATA_DIR":                     "",
	"MSN2IRC_HISTORY_DAYS":                 "0",
	"MSN2IRC_QUERY_RATE":                   "20",
	"MSN2IRC_FILE_AUTO_ACCEPT":             "10485760",
	"MSN2IRC_FILE_MAX_SIZE":                "104857600",
	"MSN2IRC_FILE_QUOTA":                   "524288000",
	"MSN2IRC_FILE_EXPIRY":                  "168h",
	"MSN2IRC_PICTURE_CACHE":                "268435456",
	"MSN2IRC_FILE_COUNT":                   "1000",
	"MSN2IRC_HTTP_CONNECTIONS_PER_ADDRESS": "8",
}

func TestHelpListsEveryVariable(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-h"}, &out, &errOut); code != 0 {
		t.Fatalf("exit code %d: %s", code, errOut.String())
	}
	listed := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[0], "MSN2IRC_") {
			def := ""
			// KEY TYPE DEFAULT DESCRIPTION: the default is the field after the type.
			if len(f) > 2 && (f[1] == "String" || f[1] == "Integer" || f[1] == "Duration") && !strings.Contains(designVariables[f[0]], " ") {
				def = f[2]
			}
			if f[1] == "True" && len(f) > 4 { // KEY True or False DEFAULT
				def = f[4]
			}
			if f[1] == "Comma-separated" {
				def = f[5]
			}
			listed[f[0]] = def
		}
	}
	for k, def := range designVariables {
		got, ok := listed[k]
		if !ok {
			t.Errorf("-h does not list %s", k)
			continue
		}
		if def != "" && got != def {
			t.Errorf("%s: -h shows default %q, want %q", k, got, def)
		}
	}
	if len(listed) != len(designVariables) {
		t.Errorf("-h lists %d variables, want %d: %v", len(listed), len(designVariables), listed)
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	for k, def := range designVariables {
		// Set, so that nothing leaks in from the environment; a number or
		// a duration gets its default, as an empty one does not parse.
		v := ""
		if _, err := strconv.Atoi(def); err == nil {
			v = def
		} else if def == "false" {
			v = def
		} else if _, err := time.ParseDuration(def); err == nil {
			v = def
		}
		t.Setenv(k, v)
	}
	t.Setenv("MSN2IRC_LISTEN", "127.0.0.1:7000")
	t.Setenv("MSN2IRC_MSN_VERSIONS", "msnp9, MSNP7")
	t.Setenv("MSN2IRC_MSN_LOGIN_URL", "http://login.example/login")
	t.Setenv("MSN2IRC_MSN_SERVER", "msn.example:1863") // empty is refused
	t.Setenv("MSN_SERVER", "unprefixed.example:1863")  // must not leak in
	// Numbers: an empty value does not parse.
	t.Setenv("MSN2IRC_UNREGISTERED_PER_ADDRESS", "20")
	t.Setenv("MSN2IRC_UNREGISTERED_MAX", "2000")
	t.Setenv("MSN2IRC_GUESTS_PER_ADDRESS", "5")
	t.Setenv("MSN2IRC_REGISTERED_PER_ADDRESS", "30")
	t.Setenv("MSN2IRC_GUEST_TIMEOUT", "90s")
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.UnregisteredPerAddress != 20 || cfg.UnregisteredMax != 2000 || cfg.GuestsPerAddress != 5 || cfg.RegisteredPerAddress != 30 || cfg.GuestTimeout != 90*time.Second {
		t.Errorf("limits %d %d %d %d %v", cfg.UnregisteredPerAddress, cfg.UnregisteredMax, cfg.GuestsPerAddress, cfg.RegisteredPerAddress, cfg.GuestTimeout)
	}
	if cfg.Listen != "127.0.0.1:7000" || cfg.MSNLoginURL != "http://login.example/login" {
		t.Errorf("config %+v", cfg)
	}
	if strings.Join(cfg.MSNVersions, ",") != "MSNP9,MSNP7" {
		t.Errorf("versions %v", cfg.MSNVersions)
	}
	if cfg.MSNServer != "msn.example:1863" {
		t.Errorf("MSN server %q, want the one set in the environment", cfg.MSNServer)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := map[string]map[string]string{
		"bad version":        {"MSN2IRC_MSN_VERSIONS": "MSNP19"},
		"nothing to listen":  {"MSN2IRC_LISTEN": ""},
		"TLS without a cert": {"MSN2IRC_TLS_LISTEN": "127.0.0.1:6697"},
		"trusted not an IP":  {"MSN2IRC_TRUSTED_ADDRESSES": "bouncer.example"},
		"trusted everyone":   {"MSN2IRC_TRUSTED_ADDRESSES": "10.0.0.1,0.0.0.0/0"},
		"trusted everyone 6": {"MSN2IRC_TRUSTED_ADDRESSES": "::/0"},
		"no guests":          {"MSN2IRC_GUESTS_PER_ADDRESS": "0"},
		"no registered":      {"MSN2IRC_REGISTERED_PER_ADDRESS": "0"},
		"no guest time":      {"MSN2IRC_GUEST_TIMEOUT": "0s"},
		"no login rate":      {"MSN2IRC_MSN_LOGIN_RATE": "0"},
		"lockout not a time": {"MSN2IRC_AUTH_LOCKOUT": "soon"},
		"HTTP TLS no cert":   {"MSN2IRC_HTTP_TLS": "true"},
		"HTTP URL no scheme": {"MSN2IRC_HTTP_URL": "msn.example.org"},
		"HTTP URL ftp":       {"MSN2IRC_HTTP_URL": "ftp://msn.example.org/"},
		"HTTP not host:port": {"MSN2IRC_HTTP_LISTEN": "6680"},
		"metrics on HTTP":    {"MSN2IRC_METRICS_LISTEN": "127.0.0.1:6680"},
		"no HTTP connection": {"MSN2IRC_HTTP_MAX_CONNECTIONS": "0"},
		"no HTTP share":      {"MSN2IRC_HTTP_CONNECTIONS_PER_ADDRESS": "0"},
		"share over total":   {"MSN2IRC_HTTP_MAX_CONNECTIONS": "4", "MSN2IRC_HTTP_CONNECTIONS_PER_ADDRESS": "5"},
		"negative history":   {"MSN2IRC_HISTORY_DAYS": "-1"},
		"history overflows":  {"MSN2IRC_HISTORY_DAYS": "200000"},
		"zero file quota":    {"MSN2IRC_FILE_QUOTA": "0"},
		"zero file expiry":   {"MSN2IRC_FILE_EXPIRY": "0s"},
		"zero picture cache": {"MSN2IRC_PICTURE_CACHE": "0"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			for k, v := range env {
				t.Setenv(k, v)
			}
			if _, err := loadConfig(); err == nil {
				t.Errorf("no error for %v", env)
			}
		})
	}
	t.Run("log level", func(t *testing.T) {
		if _, err := newLogger(&bytes.Buffer{}, "loud"); err == nil {
			t.Error("no error for log level loud")
		}
	})
}

func TestTrustedAddresses(t *testing.T) {
	t.Setenv("MSN2IRC_TRUSTED_ADDRESSES", "172.17.0.1, 10.0.0.0/8,::ffff:192.0.2.7,2001:db8::/32,::ffff:198.51.100.0/120")
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range cfg.trusted {
		got = append(got, p.String())
	}
	want := "172.17.0.1/32 10.0.0.0/8 192.0.2.7/32 2001:db8::/32 198.51.100.0/24"
	if strings.Join(got, " ") != want {
		t.Errorf("trusted %v, want %s", got, want)
	}
}

func TestConfigTakesMSNP13To18AndSOAPURL(t *testing.T) {
	t.Setenv("MSN2IRC_MSN_VERSIONS", "MSNP18,msnp15,MSNP13")
	t.Setenv("MSN2IRC_MSN_SOAP_URL", "http://127.0.0.1:8081")
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.MSNVersions, ",") != "MSNP18,MSNP15,MSNP13" {
		t.Errorf("versions %v", cfg.MSNVersions)
	}
	if cfg.MSNSOAPURL != "http://127.0.0.1:8081" {
		t.Errorf("SOAP URL %q", cfg.MSNSOAPURL)
	}
}

func TestConfigHTTP(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		t.Setenv("MSN2IRC_DB", filepath.Join("var", "lib", "msn2irc.db"))
		cfg, err := loadConfig()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.HTTPListen != "127.0.0.1:6680" || cfg.MetricsListen != "127.0.0.1:6681" || cfg.HTTPTLS {
			t.Errorf("listeners %q %q TLS %v", cfg.HTTPListen, cfg.MetricsListen, cfg.HTTPTLS)
		}
		if got, want := cfg.dataDir(), filepath.Join("var", "lib", "msn2irc-data"); got != want {
			t.Errorf("data directory %q, want %q next to the database", got, want)
		}
		ln := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6680}
		if got := cfg.httpURL(ln); got != "http://127.0.0.1:6680/" {
			t.Errorf("URL %q", got)
		}
	})
	t.Run("set", func(t *testing.T) {
		t.Setenv("MSN2IRC_HTTP_LISTEN", "0.0.0.0:8080")
		t.Setenv("MSN2IRC_METRICS_LISTEN", "")
		t.Setenv("MSN2IRC_DATA_DIR", "/srv/files")
		t.Setenv("MSN2IRC_HTTP_TLS", "true")
		t.Setenv("MSN2IRC_TLS_CERT", "cert.pem")
		t.Setenv("MSN2IRC_TLS_KEY", "key.pem")
		cfg, err := loadConfig()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MetricsListen != "" || cfg.dataDir() != "/srv/files" {
			t.Errorf("metrics %q data %q", cfg.MetricsListen, cfg.dataDir())
		}
		// An address that names no host gives localhost, with TLS https.
		ln := &net.TCPAddr{IP: net.IPv4zero, Port: 8080}
		if got := cfg.httpURL(ln); got != "https://localhost:8080/" {
			t.Errorf("derived URL %q", got)
		}
		cfg.HTTPURL = "https://msn.example.org/bridge"
		if got := cfg.httpURL(ln); got != "https://msn.example.org/bridge/" {
			t.Errorf("set URL %q", got)
		}
	})
}

// A file listener that others reach is warned of when it takes
// passwords in clear text, and when its links name localhost.
func TestHTTPListenerWarnings(t *testing.T) {
	loop := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6680}
	all := &net.TCPAddr{IP: net.IPv4zero, Port: 6680}
	lan := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 6680}
	for _, tc := range []struct {
		name             string
		addr             net.Addr
		tls              bool
		url              string
		clear, localhost bool
	}{
		{"loopback", loop, false, "", false, false},
		{"every address", all, false, "", true, true},
		{"every address, TLS", all, true, "", false, true},
		{"every address, a TLS proxy", all, false, "https://msn.example.org/", false, false},
		{"every address, a URL", all, false, "http://msn.example.org/", true, false},
		{"one address", lan, false, "", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			log, err := newLogger(&logs, "info")
			if err != nil {
				t.Fatal(err)
			}
			warnHTTP(config{HTTPTLS: tc.tls, HTTPURL: tc.url}, tc.addr, log)
			if got := strings.Contains(logs.String(), "clear text"); got != tc.clear {
				t.Errorf("clear-text warning %v, want %v: %q", got, tc.clear, logs.String())
			}
			if got := strings.Contains(logs.String(), "MSN2IRC_HTTP_URL is not set"); got != tc.localhost {
				t.Errorf("localhost warning %v, want %v: %q", got, tc.localhost, logs.String())
			}
		})
	}
}

// Settings that do nothing as given are warned of at start.
func TestConfigWarnings(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		warn string // "" for none
	}{
		{"defaults", nil, ""},
		{"a certificate no listener uses", map[string]string{"MSN2IRC_TLS_CERT": "c.pem", "MSN2IRC_TLS_KEY": "k.pem"}, "no listener is TLS"},
		{"a certificate for IRC", map[string]string{"MSN2IRC_TLS_CERT": "c.pem", "MSN2IRC_TLS_KEY": "k.pem", "MSN2IRC_TLS_LISTEN": "127.0.0.1:6697"}, ""},
		{"a certificate for HTTP", map[string]string{"MSN2IRC_TLS_CERT": "c.pem", "MSN2IRC_TLS_KEY": "k.pem", "MSN2IRC_HTTP_TLS": "true"}, ""},
		{"auto-accept past the maximum", map[string]string{"MSN2IRC_FILE_AUTO_ACCEPT": "2000", "MSN2IRC_FILE_MAX_SIZE": "1000"}, "declined all the same"},
		{"a maximum past the quota", map[string]string{"MSN2IRC_FILE_MAX_SIZE": "2000", "MSN2IRC_FILE_QUOTA": "1000", "MSN2IRC_FILE_AUTO_ACCEPT": "10"}, "no file over the quota fits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			cfg, err := loadConfig()
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			log, err := newLogger(&logs, "info")
			if err != nil {
				t.Fatal(err)
			}
			warnConfig(cfg, log)
			if tc.warn == "" && logs.Len() > 0 || tc.warn != "" && !strings.Contains(logs.String(), tc.warn) {
				t.Errorf("logged %q, want %q", logs.String(), tc.warn)
			}
		})
	}
}

func TestConfigHistoryDays(t *testing.T) {
	t.Setenv("MSN2IRC_HISTORY_DAYS", "30")
	cfg, err := loadConfig()
	if err != nil || cfg.HistoryDays != 30 {
		t.Errorf("history days %d, %v; want 30", cfg.HistoryDays, err)
	}
}

// The MSN server's address and URLs are checked on start: a typo would
// otherwise fail every user's login, each with a puzzling error
// ("unsupported protocol scheme", "missing port in address").
func TestConfigMSNAddresses(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"server without port":  {"MSN2IRC_MSN_SERVER": "m1.escargot.chat"},
		"no server":            {"MSN2IRC_MSN_SERVER": ""},
		"nexus without scheme": {"MSN2IRC_MSN_NEXUS": "m1.escargot.chat/nexus-mock"},
		"login URL ftp":        {"MSN2IRC_MSN_LOGIN_URL": "ftp://m1.escargot.chat/login"},
		"SOAP URL host:port":   {"MSN2IRC_MSN_SOAP_URL": "escargot.lan:8081"},
		"SOAP URL no host":     {"MSN2IRC_MSN_SOAP_URL": "http:///RST.srf"},
		"no nexus":             {"MSN2IRC_MSN_NEXUS": ""},
	} {
		t.Run(name, func(t *testing.T) {
			for k, v := range env {
				t.Setenv(k, v)
			}
			_, err := loadConfig()
			if err == nil {
				t.Fatalf("no error for %v", env)
			}
			for k := range env {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("error %q does not name %s", err, k)
				}
			}
		})
	}
	t.Setenv("MSN2IRC_MSN_NEXUS", "")
	t.Setenv("MSN2IRC_MSN_SOAP_URL", "http://escargot.lan:8081")
	t.Setenv("MSN2IRC_MSN_LOGIN_URL", "https://escargot.lan/login")
	if _, err := loadConfig(); err != nil {
		t.Errorf("no nexus, SOAP and login URLs: %v", err)
	}
}
