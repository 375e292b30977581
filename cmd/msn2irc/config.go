package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/msn2irc/msn2irc/db"
)

// envPrefix is the prefix of every configuration variable.
const envPrefix = "msn2irc"

// maxHistoryDays bounds MSN2IRC_HISTORY_DAYS as the accounts'
// history_days setting is bounded: a hundred years.
const maxHistoryDays = 36500

// config is the program's configuration, read from MSN2IRC_* variables.
type config struct {
	Listen      string   `default:"127.0.0.1:6667" desc:"plain IRC listener (host:port); empty disables it"`
	TLSListen   string   `split_words:"true" desc:"TLS IRC listener (host:port), with MSN2IRC_TLS_CERT and MSN2IRC_TLS_KEY"`
	TLSCert     string   `split_words:"true" desc:"PEM certificate file of the TLS listener"`
	TLSKey      string   `split_words:"true" desc:"PEM private key file of the TLS listener"`
	DB          string   `default:"msn2irc.db" desc:"SQLite database file, created and migrated on start"`
	ServerName  string   `split_words:"true" default:"msn2irc" desc:"IRC server name"`
	MSNServer   string   `split_words:"true" default:"m1.escargot.chat:1863" desc:"MSN notification (or dispatch) server, host:port"`
	MSNNexus    string   `split_words:"true" default:"https://m1.escargot.chat/nexus-mock" desc:"Passport nexus URL for TWN login (MSNP8 and later)"`
	MSNLoginURL string   `split_words:"true" desc:"Passport login URL; overrides the one the nexus gives"`
	MSNSOAPURL  string   `envconfig:"MSN_SOAP_URL" desc:"base URL of the SSO and SOAP services (MSNP13 and later), e.g. http://127.0.0.1:8081; empty: the scheme and host of MSN2IRC_MSN_NEXUS"`
	MSNVersions []string `split_words:"true" default:"MSNP18,MSNP17,MSNP16,MSNP15,MSNP14,MSNP13,MSNP12,MSNP11,MSNP10,MSNP9,MSNP8" desc:"MSN protocol versions offered, best first (MSNP2 to MSNP18)"`
	LogLevel    string   `split_words:"true" default:"info" desc:"debug, info, warn or error; debug logs every protocol line, secrets redacted"`

	// The HTTP side (httpserve.go).
	HTTPListen         string `envconfig:"HTTP_LISTEN" default:"127.0.0.1:6680" desc:"HTTP listener for files and pictures (host:port); empty disables it"`
	HTTPTLS            bool   `envconfig:"HTTP_TLS" default:"false" desc:"serve the HTTP listener over TLS, with MSN2IRC_TLS_CERT and MSN2IRC_TLS_KEY"`
	HTTPURL            string `envconfig:"HTTP_URL" desc:"public base URL of the HTTP listener, for links; empty: derived from MSN2IRC_HTTP_LISTEN"`
	HTTPMaxConnections int    `envconfig:"HTTP_MAX_CONNECTIONS" default:"256" desc:"connections open at once on each HTTP listener (files, metrics); more wait"`
	// HTTPConnectionsPerAddress is one address's share of the file
	// listener's connections: past it, its next connection is closed.
	HTTPConnectionsPerAddress int    `envconfig:"HTTP_CONNECTIONS_PER_ADDRESS" default:"8" desc:"connections one address may hold open on the file listener (MSN2IRC_TRUSTED_ADDRESSES skip it); more from it are closed at once"`
	MetricsListen             string `split_words:"true" default:"127.0.0.1:6681" desc:"listener of /metrics, /healthz and /readyz (host:port); empty disables it"`
	DataDir                   string `split_words:"true" desc:"directory of received files and pictures, created 0700; empty: msn2irc-data next to MSN2IRC_DB"`

	// Files, both ways (bridge/files.go, fileupload.go); they need the
	// HTTP listener.
	FileAutoAccept int64         `split_words:"true" default:"10485760" desc:"files from contacts up to this many bytes are accepted without asking; larger ones wait for msn accept-file"`
	FileMaxSize    int64         `split_words:"true" default:"104857600" desc:"largest file, in bytes, taken from a contact or sent to one (uploaded or by DCC SEND); larger ones are declined"`
	FileQuota      int64         `split_words:"true" default:"524288000" desc:"bytes of files kept per account, received and uploaded together; a file that would exceed it is declined (an upload gets 413)"`
	FileCount      int           `split_words:"true" default:"1000" desc:"files kept per account, received and uploaded together, whatever their size; past it a file is declined (an upload gets 413)"`
	FileExpiry     time.Duration `split_words:"true" default:"168h" desc:"how long a file (received or uploaded) and its link are kept, and how long a contact's cached picture is kept unused; the hourly sweep deletes them"`
	PictureCache   int64         `split_words:"true" default:"268435456" desc:"bytes of contacts' display pictures cached for the whole instance; the least recently used are deleted first when over"`
	// TrustedAddresses are sources that carry many users (a bouncer host, a
	// container's port proxy): per-address limits do not apply to them.
	TrustedAddresses []string `split_words:"true" desc:"IP addresses or networks (CIDR) that carry many users, e.g. a bouncer host or Docker's proxy; per-address limits skip them"`

	// Connection limits (ircd.Config); the per-address ones skip TrustedAddresses.
	UnregisteredPerAddress int           `split_words:"true" default:"10" desc:"connections from one IP address that are not registered yet (still logging in); more are refused"`
	UnregisteredMax        int           `split_words:"true" default:"1000" desc:"connections not registered yet, from all addresses together (trusted ones too); more are refused"`
	GuestsPerAddress       int           `split_words:"true" default:"3" desc:"clients from one IP address registered without a password (guests) at once; more are refused"`
	RegisteredPerAddress   int           `split_words:"true" default:"20" desc:"clients from one IP address registered at once, logged in or guests; more are refused"`
	GuestTimeout           time.Duration `split_words:"true" default:"5m" desc:"time after which a guest that did not log in to MSN is disconnected"`

	// Login limits against password guessing (bridge/auth.go).
	AuthFailures       int           `split_words:"true" default:"5" desc:"failed logins per account and address before a lockout"`
	AuthSourceFailures int           `split_words:"true" default:"20" desc:"failed logins per address, all accounts, before a lockout"`
	AuthLockout        time.Duration `split_words:"true" default:"15m" desc:"the first lockout; it doubles with each further failure, up to 24h"`
	MSNPasswordTries   int           `envconfig:"MSN_PASSWORD_TRIES" default:"3" desc:"distinct passwords per account sent to MSN per 15 minutes"`
	MSNLoginRate       int           `envconfig:"MSN_LOGIN_RATE" default:"5" desc:"MSN logins per second for the whole bridge (burst twice that)"`
	PasswordRecheck    time.Duration `split_words:"true" default:"1h" desc:"how old a password confirmation may be before an attach confirms it with MSN again"`

	// HistoryDays is the most days of messages any account's history keeps.
	HistoryDays int `split_words:"true" default:"0" desc:"the most days of message history any account keeps, up to 36500 (its history_days setting chooses less); 0: no limit"`
	// QueryRate paces a client's queries (ircd.Config.QueryInterval).
	QueryRate int `split_words:"true" default:"20" desc:"queries (WHO, WHOIS, NAMES, LIST, CHATHISTORY, MARKREAD...) per second one IRC client may send (bursts of 5 times that) before it waits"`

	trusted []netip.Prefix // TrustedAddresses, parsed

	// Hooks of the tests: the store once open, and the addresses of the
	// HTTP listeners (nil when disabled) once they accept.
	testStore func(*db.Store)
	httpReady func(files, metrics net.Addr)
}

// loadConfig reads the configuration from the environment.
func loadConfig() (config, error) {
	var cfg config
	if err := envconfig.Process(envPrefix, &cfg); err != nil {
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	for i, v := range cfg.MSNVersions {
		cfg.MSNVersions[i] = strings.ToUpper(strings.TrimSpace(v))
		if !validVersion(cfg.MSNVersions[i]) {
			return cfg, fmt.Errorf("configuration: MSN2IRC_MSN_VERSIONS: %q is not one of MSNP2 to MSNP18", v)
		}
	}
	if len(cfg.MSNVersions) == 0 {
		return cfg, fmt.Errorf("configuration: MSN2IRC_MSN_VERSIONS is empty")
	}
	trusted, err := parseTrusted(cfg.TrustedAddresses)
	if err != nil {
		return cfg, fmt.Errorf("configuration: MSN2IRC_TRUSTED_ADDRESSES: %w", err)
	}
	cfg.trusted = trusted
	if err := checkLimits(cfg); err != nil {
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	if cfg.Listen == "" && cfg.TLSListen == "" {
		return cfg, fmt.Errorf("configuration: both MSN2IRC_LISTEN and MSN2IRC_TLS_LISTEN are empty: nothing to listen on")
	}
	if cfg.TLSListen != "" && (cfg.TLSCert == "" || cfg.TLSKey == "") {
		return cfg, fmt.Errorf("configuration: MSN2IRC_TLS_LISTEN needs MSN2IRC_TLS_CERT and MSN2IRC_TLS_KEY")
	}
	if err := checkHTTP(cfg); err != nil {
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	if err := checkMSN(cfg); err != nil {
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	return cfg, nil
}

// warnConfig warns of settings that do nothing as they are given: a
// certificate no listener uses (the operator may believe TLS is on), a
// file size accepted without asking beyond the largest taken.
func warnConfig(cfg config, log *slog.Logger) {
	if (cfg.TLSCert != "" || cfg.TLSKey != "") && cfg.TLSListen == "" && !cfg.HTTPTLS {
		log.Warn("MSN2IRC_TLS_CERT and MSN2IRC_TLS_KEY are set, but neither MSN2IRC_TLS_LISTEN nor MSN2IRC_HTTP_TLS uses them: no listener is TLS")
	}
	if cfg.FileAutoAccept > cfg.FileMaxSize {
		log.Warn("MSN2IRC_FILE_AUTO_ACCEPT is larger than MSN2IRC_FILE_MAX_SIZE: files over the maximum are declined all the same", "auto_accept", cfg.FileAutoAccept, "max_size", cfg.FileMaxSize)
	}
	if cfg.FileMaxSize > cfg.FileQuota {
		log.Warn("MSN2IRC_FILE_MAX_SIZE is larger than MSN2IRC_FILE_QUOTA: no file over the quota fits", "max_size", cfg.FileMaxSize, "quota", cfg.FileQuota)
	}
}

// checkMSN checks the MSN server's address and URLs, which the bridge
// only uses when a user logs in: a typo would fail every login, each
// with an error that does not name the variable.
func checkMSN(cfg config) error {
	if _, port, err := net.SplitHostPort(cfg.MSNServer); err != nil || port == "" {
		return fmt.Errorf("MSN2IRC_MSN_SERVER: %q is not host:port, such as m1.escargot.chat:1863", cfg.MSNServer)
	}
	for _, v := range []struct{ name, url string }{
		{"MSN2IRC_MSN_NEXUS", cfg.MSNNexus},
		{"MSN2IRC_MSN_LOGIN_URL", cfg.MSNLoginURL},
		{"MSN2IRC_MSN_SOAP_URL", cfg.MSNSOAPURL},
	} {
		if v.url == "" {
			continue
		}
		u, err := url.Parse(v.url)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("%s: %q is not an http:// or https:// URL such as https://m1.escargot.chat/nexus-mock", v.name, v.url)
		}
	}
	if cfg.MSNNexus == "" && cfg.MSNLoginURL == "" && cfg.MSNSOAPURL == "" {
		return errors.New("MSN2IRC_MSN_NEXUS is empty, and so are MSN2IRC_MSN_LOGIN_URL and MSN2IRC_MSN_SOAP_URL: no way to log in to Passport")
	}
	return nil
}

// checkHTTP checks the settings of the HTTP listeners.
func checkHTTP(cfg config) error {
	if cfg.HTTPTLS && (cfg.TLSCert == "" || cfg.TLSKey == "") {
		return errors.New("MSN2IRC_HTTP_TLS needs MSN2IRC_TLS_CERT and MSN2IRC_TLS_KEY")
	}
	if cfg.FileMaxSize < 1 || cfg.FileExpiry <= 0 {
		return fmt.Errorf("MSN2IRC_FILE_MAX_SIZE (%d) and MSN2IRC_FILE_EXPIRY (%s) must be positive", cfg.FileMaxSize, cfg.FileExpiry)
	}
	if cfg.HTTPMaxConnections < 1 {
		return fmt.Errorf("MSN2IRC_HTTP_MAX_CONNECTIONS is %d: it must be at least 1", cfg.HTTPMaxConnections)
	}
	if cfg.HTTPConnectionsPerAddress < 1 || cfg.HTTPConnectionsPerAddress > cfg.HTTPMaxConnections {
		return fmt.Errorf("MSN2IRC_HTTP_CONNECTIONS_PER_ADDRESS is %d: it must be from 1 to MSN2IRC_HTTP_MAX_CONNECTIONS (%d)",
			cfg.HTTPConnectionsPerAddress, cfg.HTTPMaxConnections)
	}
	for name, addr := range map[string]string{"MSN2IRC_HTTP_LISTEN": cfg.HTTPListen, "MSN2IRC_METRICS_LISTEN": cfg.MetricsListen} {
		if addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%s: %q is not host:port", name, addr)
		}
	}
	// Port 0 picks a free port for each, so the same text is two listeners.
	if _, port, _ := net.SplitHostPort(cfg.HTTPListen); cfg.HTTPListen != "" && cfg.HTTPListen == cfg.MetricsListen && port != "0" {
		return errors.New("MSN2IRC_HTTP_LISTEN and MSN2IRC_METRICS_LISTEN are the same address: the metrics need a listener of their own")
	}
	if cfg.HTTPURL != "" {
		u, err := url.Parse(cfg.HTTPURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("MSN2IRC_HTTP_URL: %q is not an http:// or https:// base URL such as https://msn.example.org/", cfg.HTTPURL)
		}
	}
	return nil
}

// httpURL is the public base URL of the HTTP listener, ending in "/":
// MSN2IRC_HTTP_URL, or the scheme and address of the listener, with
// "localhost" for an address that names no host (0.0.0.0, ::).
func (cfg config) httpURL(ln net.Addr) string {
	if cfg.HTTPURL != "" {
		return strings.TrimSuffix(cfg.HTTPURL, "/") + "/"
	}
	scheme := "http"
	if cfg.HTTPTLS {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(ln.String())
	if err != nil {
		return scheme + "://" + ln.String() + "/"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/"
}

// dataDir is MSN2IRC_DATA_DIR, or msn2irc-data in the directory of the
// database.
func (cfg config) dataDir() string {
	if cfg.DataDir != "" {
		return cfg.DataDir
	}
	return filepath.Join(filepath.Dir(cfg.DB), "msn2irc-data")
}

// parseTrusted reads a list of IP addresses and CIDR networks; an address
// alone stands for itself. An IPv4 network written in IPv6 form
// (::ffff:10.0.0.0/104) is taken as the IPv4 one, which is what sources
// are compared with; a network of every address is refused: it would
// turn off every per-address limit.
func parseTrusted(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range list {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
			}
			if p.Bits() == 0 {
				return nil, fmt.Errorf("%q trusts every address, which turns off every per-address limit: list the addresses of your bouncers or proxies", v)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a network such as 10.0.0.0/8", v)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// checkLimits refuses connection limits below one: zero would mean
// ircd's default, not "none".
func checkLimits(cfg config) error {
	for name, v := range map[string]int{
		"MSN2IRC_UNREGISTERED_PER_ADDRESS":     cfg.UnregisteredPerAddress,
		"MSN2IRC_UNREGISTERED_MAX":             cfg.UnregisteredMax,
		"MSN2IRC_GUESTS_PER_ADDRESS":           cfg.GuestsPerAddress,
		"MSN2IRC_REGISTERED_PER_ADDRESS":       cfg.RegisteredPerAddress,
		"MSN2IRC_AUTH_FAILURES":                cfg.AuthFailures,
		"MSN2IRC_AUTH_SOURCE_FAILURES":         cfg.AuthSourceFailures,
		"MSN2IRC_MSN_PASSWORD_TRIES":           cfg.MSNPasswordTries,
		"MSN2IRC_MSN_LOGIN_RATE":               cfg.MSNLoginRate,
		"MSN2IRC_QUERY_RATE":                   cfg.QueryRate,
		"MSN2IRC_HTTP_CONNECTIONS_PER_ADDRESS": cfg.HTTPConnectionsPerAddress,
		"MSN2IRC_FILE_COUNT":                   cfg.FileCount,
	} {
		if v < 1 {
			return fmt.Errorf("%s is %d: it must be at least 1", name, v)
		}
	}
	for name, v := range map[string]int64{
		"MSN2IRC_FILE_AUTO_ACCEPT": cfg.FileAutoAccept,
		"MSN2IRC_FILE_MAX_SIZE":    cfg.FileMaxSize,
		"MSN2IRC_FILE_QUOTA":       cfg.FileQuota,
		"MSN2IRC_PICTURE_CACHE":    cfg.PictureCache,
	} {
		if v < 1 {
			return fmt.Errorf("%s is %d: it must be at least 1", name, v)
		}
	}
	// More days than fit a time.Duration would wrap around to a cut-off
	// in the future, and the hourly purge would delete every message.
	if cfg.HistoryDays < 0 || cfg.HistoryDays > maxHistoryDays {
		return fmt.Errorf("MSN2IRC_HISTORY_DAYS is %d: it must be from 0 (no limit) to %d", cfg.HistoryDays, maxHistoryDays)
	}
	for name, d := range map[string]time.Duration{
		"MSN2IRC_GUEST_TIMEOUT":    cfg.GuestTimeout,
		"MSN2IRC_AUTH_LOCKOUT":     cfg.AuthLockout,
		"MSN2IRC_PASSWORD_RECHECK": cfg.PasswordRecheck,
		"MSN2IRC_FILE_EXPIRY":      cfg.FileExpiry,
	} {
		if d <= 0 {
			return fmt.Errorf("%s is %s: it must be longer than 0", name, d)
		}
	}
	return nil
}

func validVersion(v string) bool {
	for n := 2; n <= 18; n++ {
		if v == fmt.Sprintf("MSNP%d", n) {
			return true
		}
	}
	return false
}

// printUsage lists the commands and every variable with its default.
func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: msn2irc [demo]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "  msn2irc        run the IRC to MSN bridge")
	fmt.Fprintln(w, "  msn2irc demo   run it against an embedded demo MSN network")
	fmt.Fprintln(w)
	var cfg config
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	envconfig.Usagef(envPrefix, &cfg, tw, envconfig.DefaultTableFormat)
	tw.Flush()
}

// newLogger builds the program's logger at the configured level.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("configuration: MSN2IRC_LOG_LEVEL: %q is not debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
