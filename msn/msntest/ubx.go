package msntest

import (
	"encoding/xml"
	"strings"
)

// UUX and UBX from MSNP13: the user's <Data> (personal message, current
// media, machine GUID) is kept as sent and passed on as UBX; from MSNP16
// UUX may instead carry the endpoint's <EndpointData> (capabilities) or
// <PrivateEndpointData> (its name and state), and UBX lists every
// endpoint after the data, as Escargot does.

// uuxPayload is what the server reads of a UUX payload.
type uuxPayload struct {
	XMLName xml.Name
	PSM     string `xml:"PSM"`
	Media   string `xml:"CurrentMedia"`
	GUID    string `xml:"MachineGuid"`
	Caps    string `xml:"Capabilities"`
	EpName  string `xml:"EpName"`
	Type    string `xml:"ClientType"`
	State   string `xml:"State"`
}

// endpoint is what the server keeps of one signed-in endpoint (MSNP16+).
type endpoint struct {
	caps       string // from UUX EndpointData, else the CHG client id
	name       string // EpName
	clientType string
	state      string
	private    bool   // a UUX <PrivateEndpointData> was sent
	machine    string // MachineGuid of its last <Data>
}

// takeUUX applies a UUX payload of n's user; it reports whether the
// payload was the <Data> that contacts see as UBX. s.mu held.
func (n *nsConn) takeUUX(payload []byte) (data bool) {
	var u uuxPayload
	if xml.Unmarshal(payload, &u) != nil {
		return true // kept as sent, as before
	}
	switch u.XMLName.Local {
	case "EndpointData":
		n.ep.caps = u.Caps
		return false
	case "PrivateEndpointData":
		n.ep.name, n.ep.clientType, n.ep.state = u.EpName, u.Type, u.State
		n.ep.private = true
		return false
	}
	n.ep.machine = u.GUID
	return true
}

// ubxPayload is the UBX about a for a recipient speaking version rv; own
// adds the endpoints' private data, for a's own endpoints. s.mu held.
func ubxPayload(rv int, a *account, own bool) []byte {
	if rv < 16 || a.ns == nil || a.ns.ver < 13 {
		return a.psm
	}
	var u uuxPayload
	_ = xml.Unmarshal(a.psm, &u)
	var b strings.Builder
	b.WriteString("<Data><PSM>" + xmlText(u.PSM) + "</PSM><CurrentMedia>" + xmlText(u.Media) + "</CurrentMedia>")
	// The machine GUID is the first signed-in endpoint's, whichever
	// endpoint sent the data, as Escargot has it.
	for _, n := range a.endpoints() {
		if n.ep.machine != "" {
			u.GUID = n.ep.machine
			break
		}
	}
	if u.GUID != "" {
		b.WriteString("<MachineGuid>" + xmlText(u.GUID) + "</MachineGuid>")
	}
	if rv >= 18 {
		b.WriteString("<DDP></DDP><SignatureSound></SignatureSound><Scene></Scene><ColorScheme>-3</ColorScheme>")
	} else {
		b.WriteString("<SignatureSound></SignatureSound>")
	}
	for _, n := range a.endpoints() {
		caps := n.ep.caps
		if caps == "" {
			caps = capsFor(16, n.clientID)
		}
		b.WriteString(`<EndpointData id="{` + n.guid + `}"><Capabilities>` + xmlText(caps) + "</Capabilities></EndpointData>")
	}
	if own {
		for _, n := range a.endpoints() {
			b.WriteString(`<PrivateEndpointData id="{` + n.guid + `}">`)
			// An endpoint that never sent its private data has an
			// empty element, as in modern-mpop16 and modern-mpop18.
			if n.ep.private {
				b.WriteString("<EpName>" + xmlText(n.ep.name) + "</EpName><ClientType>" +
					xmlText(n.ep.clientType) + "</ClientType><State>" + xmlText(n.ep.state) + "</State>")
			}
			b.WriteString("</PrivateEndpointData>")
		}
	}
	b.WriteString("</Data>")
	return []byte(b.String())
}

// endpoints returns the MSNP16+ connections a is signed in on. s.mu held.
func (a *account) endpoints() []*nsConn {
	var out []*nsConn
	for _, n := range a.eps {
		if n.mpop() {
			out = append(out, n)
		}
	}
	return out
}

// tellOwnEndpoints sends a's own MSNP16+ endpoints the NLN and the UBX
// about a, with the private data of every endpoint. s.mu held.
func (s *Server) tellOwnEndpoints(a *account) {
	for _, n := range a.endpoints() {
		if !n.chg {
			continue
		}
		n.w.sendLine(presenceLine("NLN", n.ver, a))
		n.w.sendPayload(ubxCommand(n.ver, a.passport), ubxPayload(n.ver, a, true))
	}
}
