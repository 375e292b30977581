package msn

import (
	"bytes"
	"encoding/xml"
	"io"
	"reflect"
	"strings"
	"testing"
)

// The UBX an endpoint of alice gets about herself at MSNP18 with two
// endpoints (escargot-transcripts-13-18.md, section 6).
const ubxTwoEndpoints = `<Data><PSM>alice on B</PSM><CurrentMedia></CurrentMedia><MachineGuid>{7D9269F9-3C18-439E-969B-4E454049886F}</MachineGuid><DDP></DDP><SignatureSound></SignatureSound><Scene></Scene><ColorScheme>-3</ColorScheme><EndpointData id="{7d9269f9-3c18-439e-969b-4e454049886f}"><Capabilities>2789003324:48</Capabilities></EndpointData><EndpointData id="{5b0d23e5-d1bb-4729-9c23-b520e488f3c8}"><Capabilities>2789003324:48</Capabilities></EndpointData><PrivateEndpointData id="{7d9269f9-3c18-439e-969b-4e454049886f}"><EpName>ALICEA-PC</EpName><ClientType>1</ClientType><State>NLN</State></PrivateEndpointData><PrivateEndpointData id="{5b0d23e5-d1bb-4729-9c23-b520e488f3c8}"><EpName>ALICEB-PC</EpName><ClientType>1</ClientType><State>NLN</State></PrivateEndpointData></Data>`

func TestParseEndpointsOfTranscript(t *testing.T) {
	eps, ok := parseEndpoints([]byte(ubxTwoEndpoints))
	want := []Endpoint{
		{GUID: "{7d9269f9-3c18-439e-969b-4e454049886f}", Name: "ALICEA-PC", ClientType: 1, Status: StatusOnline, Capabilities: "2789003324:48"},
		{GUID: "{5b0d23e5-d1bb-4729-9c23-b520e488f3c8}", Name: "ALICEB-PC", ClientType: 1, Status: StatusOnline, Capabilities: "2789003324:48"},
	}
	if !ok || !reflect.DeepEqual(eps, want) {
		t.Errorf("endpoints = %+v, %v\nwant %+v", eps, ok, want)
	}
	if _, ok := parseEndpoints([]byte(`<Data><PSM>hello</PSM><CurrentMedia></CurrentMedia></Data>`)); ok {
		t.Error("a UBX without endpoints reported some")
	}
	// A name with control characters is cleaned before anyone shows it.
	eps, _ = parseEndpoints([]byte(`<Data><PrivateEndpointData id="{5b0d23e5-d1bb-4729-9c23-b520e488f3c8}"><EpName>evil&#x0A;PRIVMSG x</EpName></PrivateEndpointData></Data>`))
	if len(eps) != 1 || eps[0].Name != sanitizeText("evil\nPRIVMSG x") || eps[0].Name == "evil\nPRIVMSG x" {
		t.Errorf("endpoint name = %q", eps[0].Name)
	}
}

func TestMediaRoundTrip(t *testing.T) {
	m := Media{Artist: "Daft Punk", Title: "One More Time", Album: "Discovery"}
	raw := mediaText(m)
	if raw != `\0Music\01\0{0} - {1}\0Daft Punk\0One More Time\0Discovery\0\0` {
		t.Errorf("mediaText = %q", raw)
	}
	if got, ok := ParseMedia(raw); !ok || got != m {
		t.Errorf("ParseMedia = %+v, %v", got, ok)
	}
	if mediaText(Media{}) != "" {
		t.Error("the zero Media is not empty")
	}
	if _, ok := ParseMedia(""); ok {
		t.Error("empty media parsed as playing")
	}
}

// A contact's personal message and current media are cut to maxPSMText
// bytes, at a character boundary, however long the UBX: the bridge keeps
// them per contact for the session.
func TestPersonalMessageClipped(t *testing.T) {
	s := loginAs(t, 12, nil)
	long := strings.Repeat("é", maxPSMText) // two bytes each
	s.ns.sendPayload("UBX bob@example.com", "<Data><PSM>"+long+"</PSM><CurrentMedia>"+long+"</CurrentMedia></Data>")
	pm := waitFor[PersonalMessageChanged](t, s.c)
	want := long[:maxPSMText]
	if pm.Message != want || pm.Media != want {
		t.Errorf("personal message of %d bytes and media of %d kept, want %d each", len(pm.Message), len(pm.Media), len(want))
	}
}

// The personal message the user sets is well-formed XML whatever it
// holds: Escargot parses the UUX and answers nothing to one it cannot
// parse, which would leave the request waiting for its timeout.
func TestPersonalMessageSentAsXML(t *testing.T) {
	c := &Client{}
	for _, psm := range []string{"ctrl\x01\x1f\x7f", "non\uFFFEchar\uFFFF", "bad\xffutf8", "<tag> & \"q\""} {
		data := c.uuxData(13, cleanPSMText(psm), "")
		dec := xml.NewDecoder(bytes.NewReader(data))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Errorf("UUX of %q is not XML: %v: %s", psm, err, data)
				break
			}
		}
	}
}
