package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Snapshot is what the gauges show, read at scrape time.
type Snapshot struct {
	IRCConnected  int // open IRC client connections
	IRCRegistered int // IRC clients past registration
	// Sessions counts the MSN sessions by state and protocol version
	// (0 while no connection is up).
	Sessions     map[SessionKey]int
	Switchboards int // switchboard sessions open, all accounts
	Outbox       int // messages waiting in the outbox, all accounts
	OutboxKnown  bool
}

// SessionKey is the state and protocol version of an MSN session.
type SessionKey struct {
	State   string // a fixed word: "connecting", "online", "reconnecting", "stopped"
	Version int    // the MSNP version, 0 when not connected
}

// gauges is a collector that computes the gauges from a Snapshot.
type gauges struct {
	read func() Snapshot

	ircConnected, ircRegistered *prometheus.Desc
	sessions, switchboards      *prometheus.Desc
	outbox                      *prometheus.Desc
}

// NewGauges returns a collector of the gauges, computed by read at each
// scrape; read must not wait long (a scrape waits for it).
func NewGauges(read func() Snapshot) prometheus.Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, labels, nil)
	}
	return &gauges{
		read:          read,
		ircConnected:  d("irc_clients_connected", "Open IRC client connections, registered or not."),
		ircRegistered: d("irc_clients_registered", "IRC clients that completed registration."),
		sessions:      d("msn_sessions", "MSN sessions, by state and protocol version.", "state", "version"),
		switchboards:  d("msn_switchboards_open", "Switchboard sessions open, all accounts."),
		outbox:        d("outbox_messages", "Messages waiting in the outbox, all accounts."),
	}
}

// Describe sends the descriptions of the gauges.
func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{g.ircConnected, g.ircRegistered, g.sessions, g.switchboards, g.outbox} {
		ch <- d
	}
}

// Collect reads a snapshot and sends the gauges.
func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	s := g.read()
	gauge := func(d *prometheus.Desc, v int, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	gauge(g.ircConnected, s.IRCConnected)
	gauge(g.ircRegistered, s.IRCRegistered)
	for k, n := range s.Sessions {
		gauge(g.sessions, n, k.State, strconv.Itoa(k.Version))
	}
	gauge(g.switchboards, s.Switchboards)
	if s.OutboxKnown {
		gauge(g.outbox, s.Outbox)
	}
}
