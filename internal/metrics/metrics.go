// Package metrics holds the program's Prometheus metrics: counters the
// bridge increments where events happen, and gauges read at scrape time
// from what ircd, the bridge and the store already know.
//
// No label carries an address, a nick, an account or a message text: every
// label value is one of the constants of this package or a protocol
// version, so that a scrape reveals nothing about who uses the bridge.
//
// The methods of a nil *Metrics do nothing, so that code and tests built
// without metrics need no checks.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric name.
const namespace = "msn2irc"

// Direction is which way a message or a file went.
type Direction string

// The directions of messages and files.
const (
	ToMSN   Direction = "irc_to_msn" // from an IRC client to a contact
	FromMSN Direction = "msn_to_irc" // from a contact to the IRC clients
)

// Outcome is what became of a message the user sent.
type Outcome string

// The outcomes of a message sent to a contact.
const (
	Delivered Outcome = "delivered" // acknowledged by the switchboard, or taken as an offline message
	Queued    Outcome = "queued"    // stored in the outbox until the contact is reachable
	Failed    Outcome = "failed"    // reported to the user as not delivered
)

// AuthFailure is the kind of a refused login.
type AuthFailure string

// The kinds of refused logins.
const (
	WrongPassword AuthFailure = "wrong_password" // MSN or the session refused the password
	Blocked       AuthFailure = "blocked"        // too many failed logins: refused before trying
	BadAccount    AuthFailure = "bad_account"    // the account is not an e-mail address
	LoginError    AuthFailure = "other"          // MSN unreachable, timeouts, throttling
)

// Metrics are the program's counters and its registry.
type Metrics struct {
	reg *prometheus.Registry

	relayed       *prometheus.CounterVec
	deliveries    *prometheus.CounterVec
	oims          *prometheus.CounterVec
	logins        prometheus.Counter
	authFailures  *prometheus.CounterVec
	reconnects    prometheus.Counter
	fileTransfers *prometheus.CounterVec
	fileBytes     *prometheus.CounterVec
	pictures      *prometheus.CounterVec
	fileFailures  *prometheus.CounterVec
}

// New returns the metrics in a registry of their own, with the Go runtime
// and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.relayed = counterVec("messages_relayed_total", "Messages relayed between IRC and MSN, by direction.", "direction")
	m.deliveries = counterVec("message_deliveries_total", "Outcomes of the messages IRC users sent to contacts: delivered, queued (outbox) or failed.", "outcome")
	m.oims = counterVec("offline_messages_total", "Offline messages (OIMs) shown to users (msn_to_irc) and left for contacts (irc_to_msn).", "direction")
	m.logins = counter("logins_total", "Successful IRC logins to an MSN account (a new MSN session or an attach to a running one).")
	m.authFailures = counterVec("auth_failures_total", "Refused IRC logins, by kind.", "kind")
	m.reconnects = counter("msn_reconnects_total", "Attempts to sign in to MSN again after a lost connection.")
	m.fileTransfers = counterVec("file_transfers_total", "Completed file transfers, by direction.", "direction")
	m.fileBytes = counterVec("file_bytes_total", "Bytes of files transferred, by direction.", "direction")
	m.fileFailures = counterVec("file_transfers_failed_total", "File transfers that did not complete (cancelled, dropped, timed out, not stored), by direction.", "direction")
	m.pictures = counterVec("picture_fetches_total", "Contacts' display pictures fetched over MSN, by outcome (delivered or failed).", "outcome")
	m.pictures.WithLabelValues(string(Delivered))
	m.pictures.WithLabelValues(string(Failed))

	// Every label value exists from the start, so that a rate is zero,
	// not absent, until its first event.
	for _, d := range []Direction{ToMSN, FromMSN} {
		m.relayed.WithLabelValues(string(d))
		m.oims.WithLabelValues(string(d))
		m.fileTransfers.WithLabelValues(string(d))
		m.fileBytes.WithLabelValues(string(d))
		m.fileFailures.WithLabelValues(string(d))
	}
	for _, o := range []Outcome{Delivered, Queued, Failed} {
		m.deliveries.WithLabelValues(string(o))
	}
	for _, k := range []AuthFailure{WrongPassword, Blocked, BadAccount, LoginError} {
		m.authFailures.WithLabelValues(string(k))
	}
	m.reg.MustRegister(m.relayed, m.deliveries, m.oims, m.logins, m.authFailures,
		m.reconnects, m.fileTransfers, m.fileBytes, m.pictures, m.fileFailures,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// counterVec is a counter of the program's namespace with one label.
func counterVec(name, help, label string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, []string{label})
}

// counter is a counter of the program's namespace without labels.
func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help})
}

// Register adds collectors (such as the one of NewGauges) to the registry.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Relayed counts a message relayed in direction d.
func (m *Metrics) Relayed(d Direction) {
	if m != nil {
		m.relayed.WithLabelValues(string(d)).Inc()
	}
}

// Delivery counts the outcome of a message the user sent.
func (m *Metrics) Delivery(o Outcome) {
	if m != nil {
		m.deliveries.WithLabelValues(string(o)).Inc()
	}
}

// OfflineMessage counts an offline message shown (FromMSN) or left (ToMSN).
func (m *Metrics) OfflineMessage(d Direction) {
	if m != nil {
		m.oims.WithLabelValues(string(d)).Inc()
	}
}

// Login counts a successful login.
func (m *Metrics) Login() {
	if m != nil {
		m.logins.Inc()
	}
}

// AuthFailed counts a refused login of kind k.
func (m *Metrics) AuthFailed(k AuthFailure) {
	if m != nil {
		m.authFailures.WithLabelValues(string(k)).Inc()
	}
}

// Reconnect counts an attempt to sign in to MSN again.
func (m *Metrics) Reconnect() {
	if m != nil {
		m.reconnects.Inc()
	}
}

// FileTransferred counts a completed file transfer of n bytes.
func (m *Metrics) FileTransferred(d Direction, n int64) {
	if m != nil {
		m.fileTransfers.WithLabelValues(string(d)).Inc()
		m.fileBytes.WithLabelValues(string(d)).Add(float64(n))
	}
}

// PictureFetched counts a contact's display picture fetched over MSN:
// Delivered, or Failed.
func (m *Metrics) PictureFetched(o Outcome) {
	if m != nil {
		m.pictures.WithLabelValues(string(o)).Inc()
	}
}

// FileFailed counts a file transfer that did not complete.
func (m *Metrics) FileFailed(d Direction) {
	if m != nil {
		m.fileFailures.WithLabelValues(string(d)).Inc()
	}
}
