package msn

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

func readAll(t *testing.T, wire string, set PayloadSet) ([]*Command, error) {
	t.Helper()
	r := NewReader(strings.NewReader(wire), set)
	var out []*Command
	for {
		cmd, err := r.ReadCommand()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		out = append(out, cmd)
	}
}

func TestReadCommandFraming(t *testing.T) {
	// Every server payload command, with CRLF and LF-only lines mixed.
	wire := "VER 1 MSNP12\r\n" +
		"MSG Hotmail Hotmail 5\r\nhello" +
		"UBX bob@example.com 53\r\n<Data><PSM></PSM><CurrentMedia></CurrentMedia></Data>" +
		"NOT 3\nabc" +
		"IPG 0\r\n" +
		"GCF 0 1\r\nx" +
		"LST N=bob@example.com F=Bob C=9fb3beec 11 1 \r\n" +
		"QNG 60\n"
	cmds, err := readAll(t, wire, ServerPayloads)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line    string
		payload string
		hasPay  bool
	}{
		{"VER 1 MSNP12", "", false},
		{"MSG Hotmail Hotmail 5", "hello", true},
		{"UBX bob@example.com 53", "<Data><PSM></PSM><CurrentMedia></CurrentMedia></Data>", true},
		{"NOT 3", "abc", true},
		{"IPG 0", "", true},
		{"GCF 0 1", "x", true},
		{"LST N=bob@example.com F=Bob C=9fb3beec 11 1", "", false},
		{"QNG 60", "", false},
	}
	if len(cmds) != len(want) {
		t.Fatalf("got %d commands, want %d", len(cmds), len(want))
	}
	for i, w := range want {
		if cmds[i].String() != w.line || string(cmds[i].Payload) != w.payload || (cmds[i].Payload != nil) != w.hasPay {
			t.Errorf("command %d = %q %q (payload %v), want %q %q", i, cmds[i].String(), cmds[i].Payload, cmds[i].Payload != nil, w.line, w.payload)
		}
	}
}

func TestReadCommandPayloadCountsBytes(t *testing.T) {
	// §5.4: 13 code points, 18 bytes of UTF-8, 131 bytes with the headers.
	payload := "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\nhéllo wörld 😀"
	cmds, err := readAll(t, "MSG bob@example.com Bob 131\r\n"+payload+"ACK 1\r\n", ServerPayloads)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 2 || string(cmds[0].Payload) != payload || cmds[1].String() != "ACK 1" {
		t.Fatalf("got %v", cmds)
	}
}

func TestReadCommandClientPayloadsAndReplies(t *testing.T) {
	// QRY and UUX replies from a server carry no payload even in the client set.
	cmds, err := readAll(t, "QRY 10\r\nUUX 7 0\r\nQRY 8 PROD0090YUAUV{2B 32\r\n00000000000000000000000000000000", ClientPayloads)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 3 || cmds[0].Payload != nil || cmds[1].Payload == nil || len(cmds[2].Payload) != 32 {
		t.Fatalf("got %#v", cmds)
	}
}

func TestReadCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want error
	}{
		{"line too long", strings.Repeat("A", MaxLineLength+10) + "\r\n", ErrLineTooLong},
		{"payload too large", "MSG a b 1048577\r\n", ErrPayloadTooLong},
		{"bad length", "MSG a b x\r\n", ErrBadPayloadSize},
		{"negative length", "MSG a b -1\r\n", ErrBadPayloadSize},
		{"no length", "MSG\r\n", ErrBadPayloadSize},
		{"short payload", "MSG a b 10\r\nabc", io.ErrUnexpectedEOF},
		{"unterminated line", "VER 1 MSNP8", io.ErrUnexpectedEOF},
		{"lower-case name", "ver 1\r\n", ErrBadCommand},
		{"long name", "VERB 1\r\n", ErrBadCommand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tt.wire), ServerPayloads).ReadCommand()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReadCommandEmptyLineKeepsSync(t *testing.T) {
	r := NewReader(strings.NewReader("\r\n  \nQNG 60\r\n"), ServerPayloads)
	for i := 0; i < 2; i++ {
		if _, err := r.ReadCommand(); !errors.Is(err, ErrEmptyLine) {
			t.Fatalf("read %d: err = %v, want ErrEmptyLine", i, err)
		}
	}
	cmd, err := r.ReadCommand()
	if err != nil || cmd.String() != "QNG 60" {
		t.Fatalf("got %v, %v", cmd, err)
	}
}

func TestAppendCommand(t *testing.T) {
	got, err := AppendCommand(nil, &Command{Name: "MSG", Params: []string{"5", "N"}, Payload: []byte("héllo")})
	if err != nil || string(got) != "MSG 5 N 6\r\nhéllo" {
		t.Fatalf("got %q, %v", got, err)
	}
	got, err = AppendCommand(nil, &Command{Name: "MSG", Params: []string{"6", "U"}, Payload: []byte{}})
	if err != nil || string(got) != "MSG 6 U 0\r\n" {
		t.Fatalf("empty payload: got %q, %v", got, err)
	}
	got, err = AppendCommand(nil, &Command{Name: "PNG"})
	if err != nil || string(got) != "PNG\r\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	bad := []*Command{
		{Name: ""},
		{Name: "PN"},
		{Name: "P G"},
		{Name: "P\r\n"},
		{Name: "chg"},
		{Name: "CHG", Params: []string{"1", ""}},
		{Name: "REA", Params: []string{"1", "a b"}},
		{Name: "REA", Params: []string{"1", "a\r\nOUT"}},
		{Name: "REA", Params: []string{"1", "a\x00"}},
		{Name: "MSG", Params: []string{"1", "U"}, Payload: make([]byte, MaxPayloadSize+1)},
	}
	for _, c := range bad {
		if _, err := AppendCommand(nil, c); err == nil {
			t.Errorf("AppendCommand(%q %q) succeeded", c.Name, c.Params)
		}
	}
}

// roundTrip checks that a command read from anywhere is written back to
// bytes that read as the same command.
func roundTrip(t *testing.T, cmd *Command, set PayloadSet) {
	t.Helper()
	c := *cmd
	if c.Payload != nil && len(c.Params) > 0 {
		c.Params = c.Params[:len(c.Params)-1] // AppendCommand adds the length
	}
	wire, err := AppendCommand(nil, &c)
	if err != nil {
		return // e.g. a name the parser allowed but that has no length
	}
	if bytes.Contains(wire[:bytes.Index(wire, []byte("\r\n"))], []byte("\r")) {
		t.Fatalf("CR inside line %q", wire)
	}
	back, err := NewReader(bytes.NewReader(wire), set).ReadCommand()
	if err != nil {
		t.Fatalf("re-reading %q: %v", wire, err)
	}
	// The length is rewritten in canonical form ("05" comes back as "5").
	if (&Command{Name: back.Name, Params: withoutLength(back)}).String() != (&Command{Name: cmd.Name, Params: withoutLength(cmd)}).String() ||
		!bytes.Equal(back.Payload, cmd.Payload) || (back.Payload == nil) != (cmd.Payload == nil) {
		t.Fatalf("round trip %q -> %q", cmd.String(), back.String())
	}
}

func withoutLength(c *Command) []string {
	if c.Payload != nil && len(c.Params) > 0 {
		return c.Params[:len(c.Params)-1]
	}
	return c.Params
}

func FuzzReadCommand(f *testing.F) {
	seeds := []string{
		"VER 1 MSNP12\r\n",
		"MSG Hotmail Hotmail 5\r\nhello",
		"UBX bob@example.com 53\r\n<Data><PSM></PSM><CurrentMedia></CurrentMedia></Data>",
		"LST N=bob@example.com F=Bob C=9fb3beec-9e9e-4e85-8d22-a14f9ff2bf91 11 1 \r\n",
		"ILN 6 NLN bob@example.com Bob 1342177280 %3Cmsnobj%2F%3E\n",
		"\r\n\r\nQNG 60\r\n",
		"MSG a b 99999999999999999999\r\n",
		"NOT 3\nab",
		"RNG 069f3376b7cfe8fbf275e8c80e547b6 127.0.0.1:1864 CKI ae51d586891d06337e5a alice@example.com Alice\r\n",
		"QRY 8 PROD0090YUAUV{2B 32\r\n00000000000000000000000000000000",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, client bool) {
		set := ServerPayloads
		if client {
			set = ClientPayloads
		}
		r := NewReader(bytes.NewReader(data), set)
		for i := 0; i < 64; i++ {
			cmd, err := r.ReadCommand()
			if err != nil {
				if errors.Is(err, ErrEmptyLine) || errors.Is(err, ErrBadCommand) {
					continue
				}
				return
			}
			if len(cmd.Name) != 3 || len(cmd.Payload) > MaxPayloadSize {
				t.Fatalf("bad command %q", cmd.String())
			}
			for _, p := range cmd.Params {
				if p == "" || strings.ContainsAny(p, " \t\r\n") {
					t.Fatalf("bad parameter %q", p)
				}
			}
			roundTrip(t, cmd, set)
		}
	})
}

// chunkReader returns data in reads of the sizes chunks says, in turn (a
// size of 0 reads whatever is asked).
type chunkReader struct {
	data   []byte
	chunks []byte
	n      int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	size := len(p)
	if len(c.chunks) > 0 {
		if s := int(c.chunks[c.n%len(c.chunks)]) * 7; s > 0 {
			size = min(size, s)
		}
		c.n++
	}
	n := copy(p[:size], c.data)
	c.data = c.data[n:]
	return n, nil
}

// Lines of up to MaxLineLength bytes are read whatever the size of the
// reads; longer ones are refused.
func TestReaderLineLimit(t *testing.T) {
	for _, chunk := range []byte{0, 1, 100} {
		at := "ANS " + strings.Repeat("x", MaxLineLength-4)
		r := NewReader(&chunkReader{data: []byte(at + "\r\n" + at + "y\r\nQNG 1\r\n"), chunks: []byte{chunk}}, ServerPayloads)
		if cmd, err := r.ReadCommand(); err != nil || len(cmd.String()) != MaxLineLength {
			t.Fatalf("reads of %d: line of MaxLineLength: err %v", chunk, err)
		}
		if _, err := r.ReadCommand(); !errors.Is(err, ErrLineTooLong) {
			t.Fatalf("reads of %d: line of MaxLineLength+1: err %v, want ErrLineTooLong", chunk, err)
		}
	}
}

// A login reads a line per contact, and its garbage lands among the
// records that stay for the session: parsing a line takes the Command and
// room for its parameters only, not for the name too. Five parameters
// take 80 bytes, a size class apart from the 96-byte records.
func TestParseLineAllocatesTheParametersOnly(t *testing.T) {
	line := "LST N=contact012@example.com F=contact012@example.com C=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 11 6f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	cmd, err := ParseLine(line)
	if err != nil || cmd.Name != "LST" || len(cmd.Params) != 5 || cmd.Params[4] != "6f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" {
		t.Fatalf("ParseLine = %+v, %v", cmd, err)
	}
	if cap(cmd.Params) != len(cmd.Params) {
		t.Errorf("Params has room for %d, holds %d", cap(cmd.Params), len(cmd.Params))
	}
	const runs = 10000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		if _, err := ParseLine(line); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	per := (after.TotalAlloc - before.TotalAlloc) / runs
	mallocs := (after.Mallocs - before.Mallocs) / runs
	if want := uint64(unsafe.Sizeof(Command{}) + 5*unsafe.Sizeof("")); per > want || mallocs > 2 {
		t.Errorf("parsing a line with 5 parameters takes %d bytes in %d allocations, want at most %d in 2", per, mallocs, want)
	}
}
