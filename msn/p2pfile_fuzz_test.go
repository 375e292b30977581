package msn

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// FuzzFileContext parses arbitrary file-transfer contexts, and contexts
// made from arbitrary names and sizes: a context is an error or a size in
// range and a name of valid UTF-8 without control characters; one we
// make reads back as made.
func FuzzFileContext(f *testing.F) {
	f.Add(fileContext("report.pdf", 1234), "report.pdf", int64(1234))
	f.Add(fileContext("résumé\x07.pdf", 1<<33), "../../etc/passwd", int64(-1))
	f.Add("AAAA", "a\x00b", int64(1<<62+1))
	f.Add(base64.StdEncoding.EncodeToString(make([]byte, 540)), "\xff\xfe", int64(0))
	f.Add(strings.Repeat("A", 1000), strings.Repeat("é", 300), int64(1<<62))
	f.Add(" "+fileContext("x", 1)+"\r\n", "\U0001F600\r\n", int64(5))
	f.Fuzz(func(t *testing.T, ctx, name string, size int64) {
		check := func(in string) (string, int64, bool) {
			n, sz, err := parseFileContext(in)
			if err != nil {
				return "", 0, false
			}
			if sz < 0 || sz > 1<<62 {
				t.Fatalf("context %q: size %d", in, sz)
			}
			if !utf8.ValidString(n) || strings.IndexFunc(n, func(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }) >= 0 {
				t.Fatalf("context %q: name %q", in, n)
			}
			return n, sz, true
		}
		check(ctx)
		if size < 0 || size > 1<<62 {
			return
		}
		n, sz, ok := check(fileContext(name, size))
		if !ok || sz != size {
			t.Fatalf("fileContext(%q, %d) read back as %q %d %v", name, size, n, sz, ok)
		}
		if !strings.ContainsRune(name, 0) && utf8.ValidString(name) && len(utf16.Encode([]rune(name))) <= maxFileNameRune && n != sanitizeFileName(name) {
			t.Fatalf("fileContext(%q) read back as %q", name, n)
		}
	})
}
