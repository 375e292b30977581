package msntest

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/msn2irc/msn2irc/msn"
)

// TestTranscriptsModernContacts18 replays modern-contacts18: as
// modern-contacts13 at MSNP18 (network ids "1:" in ADL answers, NLN, UBX
// and FLN), on the server that recording left behind: dave still has
// alice in his address book and on his allow list, and alice allows him.
// Then alice adds dave, dave accepts, alice looks both up with FQY and
// blocks dave.
func TestTranscriptsModernContacts18(t *testing.T) {
	m := modernClients[18]
	s := newServer(t, Options{})
	if err := s.AddAccount("dave@example.com", "secret123", "Dave"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFriendlyName("alice@example.com", "Alice Liddell"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddContact("dave@example.com", "alice@example.com", msn.ForwardList|msn.AllowList); err != nil {
		t.Fatal(err)
	}
	if err := s.AddContact("alice@example.com", "dave@example.com", msn.AllowList); err != nil {
		t.Fatal(err)
	}
	const (
		daveGUID  = "{D7F63772-D7CC-463D-84CF-F77AFD515895}"
		aliceGUID = "{64A53106-6D2B-45E8-BB8A-3BEC97D09CE7}"
	)

	dave, daveTicket := modernLoginTicket(t, s, "dave/NS", m, "dave@example.com", "secret123", daveGUID)
	code, body := postAB(t, s, "SharingService.asmx", "FindMembership", daveTicket,
		`<FindMembership xmlns="http://www.msn.com/webservices/AddressBook"><serviceFilter><Types><ServiceType>Messenger</ServiceType></Types></serviceFilter></FindMembership>`)
	if code != http.StatusOK || !strings.Contains(body, "<MemberRole>Allow</MemberRole>\n<Members><Member xsi:type=\"PassportMember\">") ||
		!strings.Contains(body, "<PassportName>alice@example.com</PassportName>") {
		t.Fatalf("FindMembership: %d\n%s", code, body)
	}
	code, body = postAB(t, s, "abservice.asmx", "ABFindContactsPaged", daveTicket,
		`<ABFindContactsPaged xmlns="http://www.msn.com/webservices/AddressBook"><filterOptions><DeltasOnly>false</DeltasOnly><LastChanged>0001-01-01T00:00:00.0000000-08:00</LastChanged><ContactFilter><IncludeHiddenContacts>true</IncludeHiddenContacts></ContactFilter></filterOptions><abView>MessengerClient8</abView><extendedContent>AB AllGroups CircleResult</extendedContent></ABFindContactsPaged>`)
	for _, want := range []string{"<contactType>Regular</contactType>", "<passportName>alice@example.com</passportName>", "<contactType>Me</contactType>",
		"<Name>MSN.IM.MBEA</Name>", "<Name>MSN.IM.GTC</Name>", "<Name>MSN.IM.BLP</Name>", "<CircleResult><CircleTicket>", "<ownerEmail>dave@example.com</ownerEmail>"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("ABFindContactsPaged: %d, lacks %q\n%s", code, want, body)
		}
	}
	checkSOAPShape(t, "ABFindContactsPaged", body, "testdata/modern-contacts18-abfindcontactspaged.xml")
	modernOnline18(dave, m, "dave@example.com", daveGUID, "DAVE-PC",
		`<ml l="1"><d n="example.com"><c n="carol" l="3" t="1"/></d></ml>`, func() {})
	daveSelf := m.presence("NLN", "dave@example.com", "Dave")
	for range 4 {
		dave.expect("NLN " + daveSelf)
		dave.expectPayload("UBX 1:dave@example.com", ubx18("dave@example.com", daveGUID, "DAVE-PC", true))
	}

	alice, ticket := modernLoginTicket(t, s, "alice/NS", m, "alice@example.com", "secret123", aliceGUID)
	modernOnline18(alice, m, "alice@example.com", aliceGUID, "ALICE-PC",
		`<ml l="1"><d n="example.com"><c n="bob" l="3" t="1"/><c n="carol" l="3" t="1"/></d></ml>`, func() {})
	aliceOnline := "NLN " + m.presence("NLN", "alice@example.com", "Alice%20Liddell")
	aliceUBX := ubx18("alice@example.com", aliceGUID, "", false)
	dave.expect(aliceOnline)
	for range 4 {
		dave.expectPayload("UBX 1:alice@example.com", aliceUBX)
	}
	for range 4 {
		alice.expect(aliceOnline)
		alice.expectPayload("UBX 1:alice@example.com", ubx18("alice@example.com", aliceGUID, "ALICE-PC", true))
	}

	code, body = postAB(t, s, "abservice.asmx", "ABContactAdd", ticket,
		`<ABContactAdd xmlns="http://www.msn.com/webservices/AddressBook"><abId>00000000-0000-0000-0000-000000000000</abId><contacts><Contact xmlns="http://www.msn.com/webservices/AddressBook"><contactInfo><contactType>LivePending</contactType><passportName>dave@example.com</passportName><isMessengerUser>true</isMessengerUser><MessengerMemberInfo><DisplayName>dave@example.com</DisplayName></MessengerMemberInfo></contactInfo></Contact></contacts><options><EnableAllowListManagement>true</EnableAllowListManagement></options></ABContactAdd>`)
	if code != http.StatusOK || !strings.Contains(body, "<ABContactAddResponse") {
		t.Fatalf("ABContactAdd: %d\n%s", code, body)
	}
	dave.expectPayload("ADL 0", `<ml><d n="example.com"><c n="alice" t="1" l="8" f="Alice%20Liddell" /></d></ml>`)
	if not, _ := dave.readPayload("NOT"); !strings.Contains(not, "&lt;Service&gt;ABCHInternal&lt;/Service&gt;") {
		t.Errorf("NOT after ABContactAdd:\n%s", not)
	}

	daveOnline := "NLN " + daveSelf
	daveUBX := ubx18("dave@example.com", daveGUID, "", false)
	alice.sendPayload("ADL 11", `<ml><d n="example.com"><c n="dave" l="1" t="1"/></d></ml>`)
	alice.expect(daveOnline)
	alice.expectPayload("UBX 1:dave@example.com", daveUBX)
	alice.expect("ADL 11 OK")
	alice.sendPayload("ADL 12", `<ml><d n="example.com"><c n="dave" l="2" t="1"/></d></ml>`)
	dave.expect(aliceOnline)
	dave.expectPayload("UBX 1:alice@example.com", aliceUBX)
	alice.expect("ADL 12 OK")

	// dave accepts.
	postMember(t, s, daveTicket, "AddMember", "Allow", "alice@example.com")
	alice.expect(daveOnline)
	alice.expectPayload("UBX 1:dave@example.com", daveUBX)
	postMember(t, s, daveTicket, "DeleteMember", "Pending", "alice@example.com")
	code, body = postAB(t, s, "abservice.asmx", "ABContactAdd", daveTicket,
		`<ABContactAdd xmlns="http://www.msn.com/webservices/AddressBook"><abId>00000000-0000-0000-0000-000000000000</abId><contacts><Contact xmlns="http://www.msn.com/webservices/AddressBook"><contactInfo><contactType>LivePending</contactType><passportName>alice@example.com</passportName><isMessengerUser>true</isMessengerUser><MessengerMemberInfo><DisplayName>alice@example.com</DisplayName></MessengerMemberInfo></contactInfo></Contact></contacts><options><EnableAllowListManagement>true</EnableAllowListManagement></options></ABContactAdd>`)
	if code != http.StatusOK {
		t.Fatalf("dave's ABContactAdd: %d\n%s", code, body)
	}
	dave.sendPayload("ADL 11", `<ml><d n="example.com"><c n="alice" l="3" t="1"/></d></ml>`)
	alice.expect(daveOnline)
	alice.expectPayload("UBX 1:dave@example.com", daveUBX)
	dave.expect(aliceOnline)
	dave.expectPayload("UBX 1:alice@example.com", aliceUBX)
	dave.expect("ADL 11 OK")

	// FQY: the network of a known address, 208 for an unknown one.
	alice.sendPayload("FQY 13", `<ml><d n="example.com"><c n="dave"/></d></ml>`)
	alice.expectPayload("FQY 13", `<ml><d n="example.com"><c n="dave" t="1" /></d></ml>`)
	alice.sendPayload("FQY 14", `<ml><d n="example.com"><c n="nobody"/></d></ml>`)
	alice.expect("208 14")

	// alice blocks dave: he sees her go offline, at the block and again
	// at her ADL to the block list.
	postMember(t, s, ticket, "DeleteMember", "Allow", "dave@example.com")
	postMember(t, s, ticket, "AddMember", "Block", "dave@example.com")
	dave.expect("FLN 1:alice@example.com 0:0")
	alice.sendPayload("RML 15", `<ml><d n="example.com"><c n="dave" l="2" t="1"/></d></ml>`)
	alice.expect("RML 15 OK")
	alice.sendPayload("ADL 16", `<ml><d n="example.com"><c n="dave" l="4" t="1"/></d></ml>`)
	dave.expect("FLN 1:alice@example.com 0:0")
	alice.expect("ADL 16 OK")

	// alice unblocks him: he sees her online at each step.
	postMember(t, s, ticket, "DeleteMember", "Block", "dave@example.com")
	dave.expect(aliceOnline)
	dave.expectPayload("UBX 1:alice@example.com", aliceUBX)
	postMember(t, s, ticket, "AddMember", "Allow", "dave@example.com")
	dave.expect(aliceOnline)
	dave.expectPayload("UBX 1:alice@example.com", aliceUBX)
	alice.sendPayload("RML 17", `<ml><d n="example.com"><c n="dave" l="4" t="1"/></d></ml>`)
	alice.expect("RML 17 OK")
	alice.sendPayload("ADL 18", `<ml><d n="example.com"><c n="dave" l="2" t="1"/></d></ml>`)
	dave.expect(aliceOnline)
	dave.expectPayload("UBX 1:alice@example.com", aliceUBX)
	alice.expect("ADL 18 OK")

	// alice reads her address book with ABFindAll (not ABFindContactsPaged,
	// even at MSNP18) to find dave's contact id, and deletes him.
	code, body = postAB(t, s, "abservice.asmx", "ABFindAll", ticket,
		`<ABFindAll xmlns="http://www.msn.com/webservices/AddressBook"><abId>00000000-0000-0000-0000-000000000000</abId><abView>Full</abView><deltasOnly>false</deltasOnly><lastChange>0001-01-01T00:00:00.0000000-08:00</lastChange></ABFindAll>`)
	if code != http.StatusOK {
		t.Fatalf("ABFindAll: %d\n%s", code, body)
	}
	checkSOAPShape(t, "ABFindAll", body, "testdata/modern-contacts18-abfindall.xml")
	var found struct {
		Contacts []struct {
			ID       string `xml:"contactId"`
			Passport string `xml:"contactInfo>passportName"`
		} `xml:"Body>ABFindAllResponse>ABFindAllResult>contacts>Contact"`
	}
	if err := xml.Unmarshal([]byte(body), &found); err != nil {
		t.Fatal(err)
	}
	var daveID string
	for _, c := range found.Contacts {
		if c.Passport == "dave@example.com" {
			daveID = c.ID
		}
	}
	code, body = postAB(t, s, "abservice.asmx", "ABContactDelete", ticket,
		`<ABContactDelete xmlns="http://www.msn.com/webservices/AddressBook"><abId>00000000-0000-0000-0000-000000000000</abId><contacts><Contact><contactId>`+daveID+`</contactId></Contact></contacts></ABContactDelete>`)
	if code != http.StatusOK || !strings.Contains(body, "<ABContactDeleteResponse") {
		t.Fatalf("ABContactDelete of %q: %d\n%s", daveID, code, body)
	}
	dave.expectPayload("RML 0", `<ml><d n="example.com"><c n="alice" t="1" l="8" /></d></ml>`)
	if not, _ := dave.readPayload("NOT"); !strings.Contains(not, "&lt;Service&gt;ABCHInternal&lt;/Service&gt;") {
		t.Errorf("NOT after ABContactDelete:\n%s", not)
	}
	alice.sendPayload("RML 19", `<ml><d n="example.com"><c n="dave" l="1" t="1"/></d></ml>`)
	alice.expect("RML 19 OK")

	// The errors: an unknown address in the address book and the
	// membership lists, in ADL, and an ADL to the reverse list.
	code, body = postAB(t, s, "abservice.asmx", "ABContactAdd", ticket,
		`<ABContactAdd xmlns="http://www.msn.com/webservices/AddressBook"><abId>00000000-0000-0000-0000-000000000000</abId><contacts><Contact xmlns="http://www.msn.com/webservices/AddressBook"><contactInfo><contactType>LivePending</contactType><passportName>nobody@example.com</passportName><isMessengerUser>true</isMessengerUser><MessengerMemberInfo><DisplayName>nobody@example.com</DisplayName></MessengerMemberInfo></contactInfo></Contact></contacts><options><EnableAllowListManagement>true</EnableAllowListManagement></options></ABContactAdd>`)
	checkABFault(t, code, body, "InvalidPassportUser", "The Passport user specified is invalid SignInName: nobody@example.com")
	code, body = postAB(t, s, "SharingService.asmx", "AddMember", ticket, memberBody("AddMember", "Allow", "nobody@example.com"))
	checkABFault(t, code, body, "UserDoesNotExist", "User does not exist ")
	alice.sendPayload("ADL 20", `<ml><d n="example.com"><c n="nobody" l="1" t="1"/></d></ml>`)
	alice.expect("208 20")
	alice.sendPayload("ADL 21", `<ml><d n="example.com"><c n="x" l="8" t="1"/></d></ml>`)
	alice.expect("241 21")
	alice.expectClosed()
	dave.expect("FLN 1:alice@example.com 0:0")
	dave.send("OUT")
	dave.expectClosed()
}
