package msntest

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// volatileSOAP are the elements whose text differs between runs of the
// recorded server (ids, times, cache keys, the listening address): the
// shape comparison keeps the element and ignores its text.
var volatileSOAP = map[string]bool{
	"CacheKey": true, "SessionId": true, "PreferredHostName": true,
	"contactId": true, "CID": true, "OwnerCID": true, "lastChange": true, "createDate": true,
	"MembershipId": true, "guid": true, "CircleTicket": true,
	// The RST answer: the account's ids, the ticket and its proof keys,
	// and its times.
	"PUID": true, "credProperty@CID": true, "extProperty@CID": true, "Created": true, "Expires": true,
	"BinarySecurityToken": true, "BinarySecret": true, "CipherValue": true,
}

// volatileAttrs are the attributes whose value differs between runs.
var volatileAttrs = map[string]bool{"ServerTime": true}

// soapShape lists an XML document as one line per element: its path, its
// attributes and, for an element without children, its text (trimmed;
// "*" for a volatile one).
func soapShape(doc string) ([]string, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	var (
		out   []string
		path  []string
		text  strings.Builder
		child []bool
		keys  []string // the element's local name, with @Name when it has one
	)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(child) > 0 {
				child[len(child)-1] = true
			}
			name := tok.Name.Local
			if tok.Name.Space != "" {
				name = tok.Name.Space + ":" + name
			}
			path = append(path, name)
			child = append(child, false)
			line := strings.Join(path, ">")
			key := tok.Name.Local
			for _, a := range tok.Attr {
				an, v := a.Name.Local, a.Value
				if a.Name.Space != "" {
					an = a.Name.Space + ":" + an
				}
				if an == "Name" {
					key += "@" + v
				}
				if volatileAttrs[an] {
					v = "*"
				}
				line += " " + an + "=" + v
			}
			keys = append(keys, key)
			out = append(out, line)
			text.Reset()
		case xml.CharData:
			text.Write(tok)
		case xml.EndElement:
			if !child[len(child)-1] {
				v := strings.TrimSpace(text.String())
				if volatileSOAP[path[len(path)-1]] || volatileSOAP[keys[len(keys)-1]] {
					v = "*"
				}
				out = append(out, strings.Join(path, ">")+" = "+v)
			}
			path, child, keys = path[:len(path)-1], child[:len(child)-1], keys[:len(keys)-1]
			text.Reset()
		}
	}
}

// checkSOAPShape compares a SOAP answer with the recorded one in file:
// the same elements, attributes and texts in the same order, but for the
// volatile texts.
func checkSOAPShape(t *testing.T, what, got, file string) {
	t.Helper()
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	w, err := soapShape(string(want))
	if err != nil {
		t.Fatalf("%s: recorded answer: %v", file, err)
	}
	g, err := soapShape(got)
	if err != nil {
		t.Fatalf("%s answer: %v\n%s", what, err, got)
	}
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			t.Errorf("%s answer differs from %s at element %d:\n got  %s\n want %s\nanswer:\n%s", what, file, i, gl, wl, got)
			return
		}
	}
}
