package msn

import "testing"

// contentTypeOf finds the content type parseMIME would.
func FuzzContentTypeOf(f *testing.F) {
	for _, s := range []string{
		"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1\r\n\r\n",
		"content-type: text/plain\n\nContent-Type: x/y",
		" CONTENT-TYPE :  Application/X-MsMsgsSystemMessage \r\r\nContent-Type: a/b\r\n",
		"Content-Type: a/b\r\n\r",
		"Content-Type\r\n:x\r\n\nContent-Type: c/d",
		"no headers at all",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if got, want := contentTypeOf(p), parseMIME(p).contentType(); got != want {
			t.Fatalf("contentTypeOf(%q) = %q, want %q", p, got, want)
		}
	})
}
