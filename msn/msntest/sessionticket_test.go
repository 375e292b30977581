package msntest

import (
	"net/http"
	"testing"
)

// The address book takes the ticket a live session signed in with, and
// no other: escargot-transcripts-13-18.md, section 1 (line 62: "the
// ticket must belong to a live NS session, or the call gets HTTP 403";
// line 120, the same of the offline-message services). A second RST
// ticket of the same signed-in account belongs to no session; the
// session's own ticket stays good past the ticket lifetime (line 33),
// which bounds only the logins made with it.
func TestWebServicesTakeTheSessionTicket(t *testing.T) {
	for _, ver := range []int{13, 15, 18} {
		m := modernClients[ver]
		s := newServer(t, Options{})
		_, ticket := modernLoginTicket(t, s, "alice/NS", m, "alice@example.com", "secret123", "{A808B895-419D-47C9-9C79-354C0268A3B5}")
		other, _ := postRST(t, s, "alice@example.com", "secret123")
		find := `<FindMembership xmlns="http://www.msn.com/webservices/AddressBook"><serviceFilter><Types><ServiceType>Messenger</ServiceType></Types></serviceFilter></FindMembership>`
		if code, body := postAB(t, s, "SharingService.asmx", "FindMembership", other, find); code != http.StatusForbidden {
			t.Errorf("MSNP%d: FindMembership with a ticket no session signed in with: %d, want 403\n%s", ver, code, body)
		}
		s.ExpireTickets()
		if code, body := postAB(t, s, "SharingService.asmx", "FindMembership", ticket, find); code != http.StatusOK {
			t.Errorf("MSNP%d: FindMembership with the session's ticket past its lifetime: %d, want 200\n%s", ver, code, body)
		}
	}
}
