package msntest

import (
	"fmt"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// Changes to the address book and memberships (MSNP13+), as Escargot
// makes them: ABContactAdd puts the contact on the forward list at once,
// ABContactDelete takes it off, AddMember and DeleteMember change the
// allow and block lists (the pending role is implied: a reverse-list entry
// on neither of them). ABContactUpdate is answered and changes nothing.

// abChange is what the server reads of a change request.
type abChange struct {
	AddPassport string         `xml:"Body>ABContactAdd>contacts>Contact>contactInfo>passportName"`
	DeleteID    string         `xml:"Body>ABContactDelete>contacts>Contact>contactId"`
	AddMember   []abMembership `xml:"Body>AddMember>memberships>Membership"`
	DelMember   []abMembership `xml:"Body>DeleteMember>memberships>Membership"`
}

type abMembership struct {
	Role      string   `xml:"MemberRole"`
	Passports []string `xml:"Members>Member>PassportName"`
}

var roleBits = map[string]msn.Lists{"Allow": msn.AllowList, "Block": msn.BlockList}

// abFault is the HTTP 500 answer Escargot gives a change it refuses.
func abFault(action, code, text string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
<soap:Body>
<soap:Fault>
<faultcode>soap:Client</faultcode>
<faultstring>%s</faultstring>
<faultactor>http://www.msn.com/webservices/AddressBook/%s</faultactor>
<detail>
<errorcode xmlns="http://www.msn.com/webservices/AddressBook">%s</errorcode>
<errorstring xmlns="http://www.msn.com/webservices/AddressBook">%s</errorstring>
</detail>
</soap:Fault>
</soap:Body>
</soap:Envelope>`, xmlText(text), action, code, xmlText(text))
}

// abApply carries out a change request of a and writes its answer into b;
// it returns the fault body instead when the change is refused. s.mu held.
func (s *Server) abApply(b *strings.Builder, a *account, action string, req *abChange) (fault string) {
	switch action {
	case "ABContactAdd":
		p := strings.TrimSpace(req.AddPassport)
		t := s.accounts[key(p)]
		if t == nil {
			return abFault(action, "InvalidPassportUser", "The Passport user specified is invalid SignInName: "+p)
		}
		s.changeLists(a, t.passport, msn.ForwardList, 0, byAddressBook)
		b.WriteString("<ABContactAddResponse xmlns=\"http://www.msn.com/webservices/AddressBook\">\n<ABContactAddResult>\n<guid>" +
			s.contactGUID(t.passport) + "</guid>\n</ABContactAddResult>\n</ABContactAddResponse>\n")
	case "ABContactDelete":
		id := strings.TrimSpace(req.DeleteID)
		for _, k := range a.order {
			e := a.contacts[k]
			if e.lists&msn.ForwardList != 0 && s.contactGUID(e.passport) == id {
				s.changeLists(a, e.passport, 0, msn.ForwardList)
				break
			}
		}
		b.WriteString("<ABContactDeleteResponse xmlns=\"http://www.msn.com/webservices/AddressBook\"/>\n")
	case "AddMember", "DeleteMember":
		ms := req.AddMember
		if action == "DeleteMember" {
			ms = req.DelMember
		}
		for _, m := range ms {
			for _, p := range m.Passports {
				p = strings.TrimSpace(p)
				if s.accounts[key(p)] == nil {
					return abFault(action, "UserDoesNotExist", "User does not exist ")
				}
				bit := roleBits[m.Role]
				switch {
				case bit == 0:
				case action == "AddMember":
					s.changeLists(a, p, bit, 0)
				default:
					s.changeLists(a, p, 0, bit)
				}
			}
		}
		b.WriteString("<" + action + "Response xmlns=\"http://www.msn.com/webservices/AddressBook\" />\n")
	case "ABContactUpdate":
		b.WriteString("<ABContactUpdateResponse xmlns=\"http://www.msn.com/webservices/AddressBook\" />\n")
	default:
		return strings.Replace(injectedFault, "Fault injected by the test", "Unsupported action "+xmlText(action), 1)
	}
	return ""
}

// sendListNotice tells t, signed in at MSNP13+, that owner put them on
// (add) or took them off its forward list: "ADL 0" or "RML 0" with
// l="8" (their reverse list), then the NOT that asks the client to read
// the address book again. s.mu held.
func (s *Server) sendListNotice(e *nsConn, owner *account, add bool) {
	t := e.acct
	user, domain, _ := strings.Cut(owner.passport, "@")
	cmd := "RML 0"
	c := `<c n="` + xmlText(user) + `" t="1" l="8" />`
	if add {
		cmd = "ADL 0"
		c = `<c n="` + xmlText(user) + `" t="1" l="8" f="` + xmlText(msn.QuoteName(owner.name)) + `" />`
	}
	e.w.sendPayload(cmd, []byte(`<ml><d n="`+xmlText(domain)+`">`+c+`</d></ml>`))
	e.w.sendPayload("NOT", []byte(abchNotification(t)))
}

// abchNotification is the NOT Escargot sends after a change to someone's lists.
func abchNotification(t *account) string {
	return "<NOTIFICATION id=\"0\" siteid=\"45705\" siteurl=\"http://contacts.msn.com\">\r\n" +
		"\t<TO pid=\"0x00000000:0x00000000\" name=\"" + xmlText(t.passport) + "\">\r\n" +
		"\t\t<VIA agent=\"messenger\" />\r\n\t</TO>\r\n\t<MSG id=\"0\">\r\n" +
		"\t\t<SUBSCR url=\"s.htm\" />\r\n\t\t<ACTION url=\"a.htm\" />\r\n\t\t<BODY>\r\n" +
		"\t\t\t&lt;NotificationData xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"&gt;\r\n" +
		"\t\t\t\t&lt;Service&gt;ABCHInternal&lt;/Service&gt;\r\n" +
		"\t\t\t\t&lt;CID&gt;0&lt;/CID&gt;\r\n" +
		"\t\t\t\t&lt;LastModifiedDate&gt;" + time.Now().UTC().Format("2006-01-02T15:04:05Z") + "&lt;/LastModifiedDate&gt;\r\n" +
		"\t\t\t\t&lt;HasNewItem&gt;false&lt;/HasNewItem&gt;\r\n" +
		"\t\t\t&lt;/NotificationData&gt;\r\n\t\t</BODY>\r\n\t</MSG>\r\n</NOTIFICATION>"
}
