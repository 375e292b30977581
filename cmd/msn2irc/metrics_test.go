package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/metrics"
)

// served is a running serve with its HTTP listeners.
type served struct {
	irc, files, metrics string // addresses
	store               *db.Store
}

// startServeHTTP runs serve with cfg, an MSN network and HTTP listeners on
// loopback ports until the test ends.
func startServeHTTP(t *testing.T, n *msnNetwork, cfg config) served {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	cfg.HTTPListen = "127.0.0.1:0"
	cfg.MetricsListen = "127.0.0.1:0"
	cfg.HTTPMaxConnections = 8
	cfg.DB = filepath.Join(t.TempDir(), "msn2irc.db")
	cfg.ServerName = "msn2irc.test"
	cfg.MSNServer = n.srv.NSAddr()
	cfg.MSNNexus = n.srv.NexusURL()
	cfg.MSNLoginURL = n.srv.LoginURL()
	cfg.MSNVersions = []string{"MSNP12"}
	cfg.AuthFailures, cfg.AuthSourceFailures, cfg.AuthLockout = 5, 20, time.Minute
	cfg.MSNPasswordTries, cfg.MSNLoginRate, cfg.PasswordRecheck = 3, 5, time.Hour
	var s served
	cfg.testStore = func(st *db.Store) { s.store = st }
	cfg.httpReady = func(files, metrics net.Addr) { s.files, s.metrics = files.String(), metrics.String() }
	s.irc = runServe(t, cfg)
	return s
}

// httpGet fetches url and returns the status and the body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 20 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// scrape fetches /metrics and parses it with the Prometheus text parser.
func scrape(t *testing.T, addr string) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	code, body := httpGet(t, "http://"+addr+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	return fams, body
}

// value is the value of the metric of name whose labels include labels
// (name=value pairs), -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
	}
	return -1
}

// TestMetricsCountWhatHappened logs in, chats both ways, fails a login
// with a wrong password, and checks that /metrics counts it without
// naming the account, the contact or the address; that /healthz and
// /readyz answer; that the file listener serves none of them; and that
// /readyz fails once the database is full.
func TestMetricsCountWhatHappened(t *testing.T) {
	const bob = "bob@example.com"
	n := newMSNNetwork(t, bob)
	bobC := n.signIn(t, bob)
	s := startServeHTTP(t, n, config{})

	c := dialIRC(t, s.irc)
	c.send(t, "PASS "+userPassport+":"+userPassword)
	c.send(t, "NICK alice")
	c.send(t, "USER alice 0 * :Alice")
	c.expect(t, 20*time.Second, "the NAMES of &msn", func(m *irc.Message) bool {
		return m.Command == irc.RPL_ENDOFNAMES && len(m.Params) > 1 && m.Params[1] == "&msn"
	})
	bobC.say(t, "hello from bob")
	c.expect(t, 20*time.Second, "bob's hello", func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.Contains(m.Trailing(), "hello from bob")
	})
	c.send(t, "PRIVMSG bob :hello from alice")
	bobC.waitMessage(t, "hello from alice")

	// A second client with a wrong password: an authentication failure.
	// (After the login, which a lockout would otherwise delay.)
	wrong := dialIRC(t, s.irc)
	wrong.send(t, "PASS "+userPassport+":not-the-password")
	wrong.send(t, "NICK alice")
	wrong.send(t, "USER alice 0 * :Alice")
	wrong.expect(t, 20*time.Second, "the wrong-password answer", func(m *irc.Message) bool {
		return strings.Contains(strings.Join(m.Params, " "), "wrong address or password")
	})

	// The acknowledgement of alice's message may come just after bob got it.
	var fams map[string]*dto.MetricFamily
	var body string
	waitFor(t, 20*time.Second, "the delivery counted", func() bool {
		fams, body = scrape(t, s.metrics)
		return value(fams, "msn2irc_message_deliveries_total", "outcome", "delivered") == 1
	})
	for _, want := range []struct {
		name   string
		labels []string
		v      float64
	}{
		{"msn2irc_logins_total", nil, 1},
		{"msn2irc_auth_failures_total", []string{"kind", "wrong_password"}, 1},
		{"msn2irc_auth_failures_total", []string{"kind", "blocked"}, 0},
		{"msn2irc_messages_relayed_total", []string{"direction", "msn_to_irc"}, 1},
		{"msn2irc_messages_relayed_total", []string{"direction", "irc_to_msn"}, 1},
		{"msn2irc_message_deliveries_total", []string{"outcome", "failed"}, 0},
		{"msn2irc_message_deliveries_total", []string{"outcome", "queued"}, 0},
		{"msn2irc_irc_clients_registered", nil, 1},
		{"msn2irc_msn_sessions", []string{"state", "online", "version", "12"}, 1},
		{"msn2irc_outbox_messages", nil, 0},
		{"msn2irc_msn_reconnects_total", nil, 0},
		{"msn2irc_file_transfers_total", []string{"direction", "msn_to_irc"}, 0},
		{"msn2irc_file_bytes_total", []string{"direction", "irc_to_msn"}, 0},
	} {
		if got := value(fams, want.name, want.labels...); got != want.v {
			t.Errorf("%s%v = %v, want %v", want.name, want.labels, got, want.v)
		}
	}
	if got := value(fams, "msn2irc_msn_switchboards_open"); got < 1 {
		t.Errorf("switchboards open %v, want at least the chat with bob", got)
	}
	for _, secret := range []string{userPassport, bob, "alice", "bob", "127.0.0.1", "hello", userPassword} {
		if strings.Contains(strings.ToLower(body), strings.ToLower(secret)) {
			t.Errorf("/metrics names %q", secret)
		}
	}

	if code, _ := httpGet(t, "http://"+s.metrics+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	if code, body := httpGet(t, "http://"+s.metrics+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d %s", code, body)
	}
	if code, body := httpGet(t, "http://"+s.files+"/"); code != http.StatusOK || !strings.Contains(body, "msn2irc.test") {
		t.Errorf("file listener root: %d %s", code, body)
	}
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		if code, _ := httpGet(t, "http://"+s.files+path); code != http.StatusNotFound {
			t.Errorf("the file listener serves %s: %d", path, code)
		}
	}

	if err := s.store.FillForTest(context.Background()); err != nil {
		t.Fatal(err)
	}
	// /readyz answers from its latest probe for up to readyProbeEvery.
	deadline := time.Now().Add(10 * readyProbeEvery)
	for {
		code, body := httpGet(t, "http://"+s.metrics+"/readyz")
		if code == http.StatusServiceUnavailable && strings.Contains(body, "database or disk is full") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz of a full store: %d %q", code, body)
		}
		time.Sleep(readyProbeEvery / 10)
	}
	if code, _ := httpGet(t, "http://"+s.metrics+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz of a full store: %d, want 200: the process serves", code)
	}
}

// The Monitoring section of README lists every metric of the program's
// own, and no other: an operator builds dashboards and alerts from it.
func TestReadmeListsEveryMetric(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Monitoring\n")
	section, _, _ = strings.Cut(section, "\n## ")
	documented := map[string]bool{}
	for _, name := range regexp.MustCompile("`(msn2irc_[a-z_]+)").FindAllStringSubmatch(section, -1) {
		documented[name[1]] = true
	}

	m := metrics.New()
	if err := m.Register(metrics.NewGauges(func() metrics.Snapshot {
		return metrics.Snapshot{Sessions: map[metrics.SessionKey]int{{State: "online", Version: 18}: 1}, OutboxKnown: true}
	})); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	fams, _ := scrape(t, strings.TrimPrefix(srv.URL, "http://"))
	for name := range fams {
		if strings.HasPrefix(name, "msn2irc_") && !documented[name] {
			t.Errorf("README's Monitoring does not list %s", name)
		}
	}
	for name := range documented {
		if fams[name] == nil {
			t.Errorf("README's Monitoring lists %s, which /metrics does not serve", name)
		}
	}
}
