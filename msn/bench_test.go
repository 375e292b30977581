package msn

import (
	"flag"
	"testing"
)

// Benchmarks of the hot paths of relaying a message: reading and writing
// MSNP commands and chat message payloads (go test -run XXX -bench . ./msn). TestBenchmarks runs each
// of them for a few iterations in the ordinary test suite.

// benchTextPayload is a chat message as a switchboard relays it.
var benchTextPayload = []byte("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\nhello from the benchmark, a line of ordinary chat text")

// loopReader serves the same bytes over and over, so a Reader never runs dry.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.data[l.off:])
		n += c
		l.off = (l.off + c) % len(l.data)
	}
	return n, nil
}

func benchWire(b *testing.B, cmds ...*Command) []byte {
	b.Helper()
	var wire []byte
	for _, c := range cmds {
		var err error
		if wire, err = AppendCommand(wire, c); err != nil {
			b.Fatal(err)
		}
	}
	return wire
}

func BenchmarkReadCommandMSG(b *testing.B) {
	wire := benchWire(b, &Command{Name: "MSG", Params: []string{"bob@example.com", "Bob"}, Payload: benchTextPayload})
	r := NewReader(&loopReader{data: wire}, ServerPayloads)
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	for b.Loop() {
		cmd, err := r.ReadCommand()
		if err != nil {
			b.Fatal(err)
		}
		if len(cmd.Payload) != len(benchTextPayload) {
			b.Fatalf("payload of %d bytes, want %d", len(cmd.Payload), len(benchTextPayload))
		}
	}
}

func BenchmarkReadCommandLine(b *testing.B) {
	wire := benchWire(b,
		&Command{Name: "NLN", Params: []string{"NLN", "bob@example.com", "Bob%20the%20Builder", "1342177280", "0"}},
		&Command{Name: "ACK", Params: []string{"17"}},
	)
	r := NewReader(&loopReader{data: wire}, ServerPayloads)
	b.SetBytes(int64(len(wire) / 2))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ReadCommand(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendCommandMSG(b *testing.B) {
	cmd := &Command{Name: "MSG", Params: []string{"42", "A"}, Payload: benchTextPayload}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendCommand(buf[:0], cmd); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkParseLine(b *testing.B) {
	const line = "RNG 11752099 127.0.0.1:1864 CKI 849102291.520491113 bob@example.com Bob%20the%20Builder"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseLine(line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseMIMEText decodes a received chat message: headers, format
// and text, as the switchboard does for every MSG.
func BenchmarkParseMIMEText(b *testing.B) {
	b.SetBytes(int64(len(benchTextPayload)))
	b.ReportAllocs()
	for b.Loop() {
		m := parseMIME(benchTextPayload)
		if m.contentType() != "text/plain" {
			b.Fatalf("content type %q", m.contentType())
		}
		f := parseFormat(m.header.get("x-mms-im-format"))
		if textBody(m) == "" || f.Font != "Arial" {
			b.Fatalf("text %q, format %+v", textBody(m), f)
		}
	}
}

// BenchmarkTextPayload builds the payload of an outgoing chat message.
func BenchmarkTextPayload(b *testing.B) {
	f := Format{Font: "Segoe UI", Bold: true}
	b.ReportAllocs()
	for b.Loop() {
		if len(textPayload("hello from the benchmark, a line of ordinary chat text", f)) == 0 {
			b.Fatal("empty payload")
		}
	}
}

// TestBenchmarks runs every benchmark of this file for a few iterations, so
// the suite notices when one breaks. It measures nothing.
func TestBenchmarks(t *testing.T) {
	runBenchmarks(t, map[string]func(*testing.B){
		"ReadCommandMSG":   BenchmarkReadCommandMSG,
		"ReadCommandLine":  BenchmarkReadCommandLine,
		"AppendCommandMSG": BenchmarkAppendCommandMSG,
		"ParseLine":        BenchmarkParseLine,
		"ParseMIMEText":    BenchmarkParseMIMEText,
		"TextPayload":      BenchmarkTextPayload,
	})
}

// runBenchmarks runs each benchmark with -test.benchtime=10x and fails when
// one of them fails.
func runBenchmarks(t *testing.T, benches map[string]func(*testing.B)) {
	t.Helper()
	f := flag.Lookup("test.benchtime")
	if f == nil {
		t.Fatal("no -test.benchtime flag")
	}
	old := f.Value.String()
	if err := f.Value.Set("10x"); err != nil {
		t.Fatal(err)
	}
	defer f.Value.Set(old)
	for name, bench := range benches {
		if r := testing.Benchmark(bench); r.N == 0 {
			t.Errorf("Benchmark%s failed", name)
		}
	}
}
