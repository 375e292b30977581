package msntest

import (
	"encoding/base64"
	"strings"
)

// The end of an ABFindContactsPaged answer (MSNP18): the circle ticket
// and the address book's abInfo, in the shape Escargot sends. The ticket's
// data is the recorded <Ticket> with CID 0 (msntest's CID everywhere); its
// signature is a fixed placeholder, as nothing in msntest checks it.

// circleTicketData is the base64 <Ticket> of a SignedTicket.
var circleTicketData = base64.StdEncoding.EncodeToString([]byte("<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n" +
	"<Ticket xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\r\n" +
	"  <TS>0000-01-01T00:00:00</TS>\r\n  <CID>0</CID>\r\n</Ticket>"))

// circleTicketSig is the placeholder signature: 256 zero bytes, the size
// of the recorded one.
var circleTicketSig = base64.StdEncoding.EncodeToString(make([]byte, 256))

// writeCircleResult writes <CircleResult> and <Ab> with a's abInfo.
func writeCircleResult(b *strings.Builder, a *account) {
	ticket := `<?xml version="1.0" encoding="utf-16"?><SignedTicket xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" ver="1" keyVer="1"><Data>` +
		circleTicketData + `</Data><Sig>` + circleTicketSig + `</Sig></SignedTicket>`
	b.WriteString("<CircleResult><CircleTicket>" + xmlText(ticket) + "</CircleTicket>\n</CircleResult><Ab>\n")
	writeABInfo(b, a, true)
	b.WriteString("</Ab>\n")
}
