package msntest

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// The address book and sharing (membership) services of MSNP13 and later.
// Escargot takes the action from the first element of the body and the
// ticket from ABAuthHeader/TicketToken; the ticket must be the one a live
// notification server session signed in with (liveSession).

// abRequest is what the server reads of a request.
type abRequest struct {
	Ticket string `xml:"Header>ABAuthHeader>TicketToken"`
	Body   struct {
		Ops []struct {
			XMLName xml.Name
		} `xml:",any"`
	} `xml:"Body"`
}

// abCacheKey stands for the opaque cache key Escargot puts in every
// ServiceHeader; clients send it back and nothing here checks it.
const abCacheKey = "12r1:msntest"

// abEnvelopeHead is the start of every address book answer up to the
// body, with the ServiceHeader as recorded: the cache key, the host the
// client reached (PreferredHostName) and a fresh session id.
func abEnvelopeHead(host string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
<soap:Header>
<ServiceHeader xmlns="http://www.msn.com/webservices/AddressBook">
<Version>15.01.1408.0000</Version>
<CacheKey>` + abCacheKey + `</CacheKey>
<CacheKeyChanged>true</CacheKeyChanged>
<PreferredHostName>` + xmlText(host) + `</PreferredHostName>
<SessionId>` + newGUID() + `</SessionId>
</ServiceHeader>
</soap:Header>
<soap:Body>
`
}

const abEnvelopeTail = "</soap:Body>\n</soap:Envelope>"

func (s *Server) handleAB(w http.ResponseWriter, r *http.Request) {
	if s.soapFault(w, r, r.URL.Path) {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 256<<10))
	var req abRequest
	var change abChange
	if err := xml.Unmarshal(body, &req); err != nil || len(req.Body.Ops) == 0 || xml.Unmarshal(body, &change) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	action := req.Body.Ops[0].XMLName.Local
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.liveSession(req.Ticket)
	if a == nil {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	var b strings.Builder
	b.WriteString(abEnvelopeHead(r.Host))
	switch action {
	case "FindMembership":
		s.writeMemberships(&b, a)
	case "ABFindAll":
		b.WriteString("<ABFindAllResponse xmlns=\"http://www.msn.com/webservices/AddressBook\">\n<ABFindAllResult>\n<groups>\n")
		writeABGroups(&b, a)
		b.WriteString("</groups>\n<contacts>")
		s.writeContacts(&b, a)
		b.WriteString("</contacts>\n<ab>\n")
		writeABInfo(&b, a, false)
		b.WriteString("</ab>\n</ABFindAllResult>\n</ABFindAllResponse>\n")
	case "ABFindContactsPaged":
		b.WriteString("<ABFindContactsPagedResponse xmlns=\"http://www.msn.com/webservices/AddressBook\">\n<ABFindContactsPagedResult><Groups>\n")
		writeABGroups(&b, a)
		b.WriteString("</Groups><Contacts>")
		s.writeContacts(&b, a)
		b.WriteString("</Contacts>")
		writeCircleResult(&b, a)
		b.WriteString("</ABFindContactsPagedResult>\n</ABFindContactsPagedResponse>\n")
	default:
		if fault := s.abApply(&b, a, action, &change); fault != "" {
			writeXML(w, http.StatusInternalServerError, fault)
			return
		}
	}
	b.WriteString(abEnvelopeTail)
	writeXML(w, http.StatusOK, b.String())
}

// writeMemberships writes a FindMembership answer: a's allow, block,
// reverse and pending lists. s.mu held.
func (s *Server) writeMemberships(b *strings.Builder, a *account) {
	b.WriteString("<FindMembershipResponse xmlns=\"http://www.msn.com/webservices/AddressBook\">\n<FindMembershipResult>\n<Services>\n<Service>\n<Memberships>")
	for _, role := range []struct {
		name string
		bit  msn.Lists
	}{{"Allow", msn.AllowList}, {"Block", msn.BlockList}, {"Reverse", msn.ReverseList}, {"Pending", msn.PendingList}} {
		b.WriteString("<Membership>\n<MemberRole>" + role.name + "</MemberRole>\n<Members>")
		for _, k := range a.order {
			e := a.contacts[k]
			lists := e.lists
			if lists&msn.ReverseList != 0 && lists&(msn.AllowList|msn.BlockList) == 0 {
				lists |= msn.PendingList
			}
			if lists&role.bit == 0 || e.network != 0 {
				continue
			}
			fmt.Fprintf(b, "<Member xsi:type=\"PassportMember\">\n<MembershipId>%s/%s</MembershipId>\n<Type>Passport</Type>\n<State>Accepted</State>\n<Deleted>false</Deleted>\n<PassportName>%s</PassportName>\n</Member>",
				role.name, s.contactGUID(e.passport), xmlText(e.passport))
		}
		b.WriteString("</Members>\n<MembershipIsComplete>true</MembershipIsComplete>\n</Membership>")
	}
	b.WriteString("\n</Memberships>\n</Service>\n</Services>\n</FindMembershipResult>\n</FindMembershipResponse>\n")
}

// writeContacts writes the Contact elements of a's forward list, then the
// Me contact. s.mu held.
func (s *Server) writeContacts(b *strings.Builder, a *account) {
	for _, k := range a.order {
		e := a.contacts[k]
		if e.lists&msn.ForwardList == 0 {
			continue
		}
		if e.network == networkYahoo {
			s.writeYahooContact(b, e)
			continue
		}
		name := xmlText(s.displayName(e.passport))
		fmt.Fprintf(b, "<Contact>\n<contactId>%s</contactId>\n<contactInfo><contactType>Regular</contactType>\n<quickName>%s</quickName><passportName>%s</passportName>\n"+
			"<IsPassportNameHidden>false</IsPassportNameHidden>\n<displayName>%s</displayName>\n<puid>0</puid><CID>0</CID>\n"+
			"<IsNotMobileVisible>false</IsNotMobileVisible>\n<isMobileIMEnabled>false</isMobileIMEnabled>\n<isMessengerUser>true</isMessengerUser>\n%s%s</contactInfo>\n<propertiesChanged />\n<fDeleted>false</fDeleted>\n<lastChange>%s</lastChange>\n</Contact>",
			s.contactGUID(e.passport), name, xmlText(e.passport), name, abGroupIDs(e), abContactTail, abNow())
	}
	fmt.Fprintf(b, "<Contact>\n<contactId>%s</contactId>\n<contactInfo>\n<annotations><Annotation><Name>MSN.IM.MBEA</Name><Value>0</Value></Annotation><Annotation><Name>MSN.IM.GTC</Name><Value>0</Value></Annotation><Annotation><Name>MSN.IM.BLP</Name><Value>1</Value></Annotation></annotations>\n"+
		"<contactType>Me</contactType>\n<quickName>%s</quickName>\n<passportName>%s</passportName>\n<IsPassportNameHidden>false</IsPassportNameHidden>\n<displayName>%s</displayName>\n<puid>0</puid>\n<CID>0</CID>\n"+
		"<IsNotMobileVisible>false</IsNotMobileVisible>\n<isMobileIMEnabled>false</isMobileIMEnabled>\n<isMessengerUser>false</isMessengerUser>\n%s</contactInfo>\n<propertiesChanged />\n<fDeleted>false</fDeleted>\n<lastChange>%s</lastChange>\n</Contact>\n",
		a.guid, xmlText(a.name), xmlText(a.passport), xmlText(a.name), abContactTail, abNow())
}

// abContactTail is the end of every contactInfo Escargot writes: the
// fields it never varies.
const abContactTail = "<isFavorite>false</isFavorite>\n<isSmtp>false</isSmtp>\n<hasSpace>false</hasSpace>\n<spotWatchState>NoDevice</spotWatchState>\n" +
	"<birthdate>0001-01-01T00:00:00</birthdate><primaryEmailType>ContactEmailPersonal</primaryEmailType>\n<PrimaryLocation>ContactLocationPersonal</PrimaryLocation>\n" +
	"<PrimaryPhone>ContactPhonePersonal</PrimaryPhone>\n<IsPrivate>false</IsPrivate>\n<Gender>Unspecified</Gender>\n<TimeZone>None</TimeZone>\n"

// abNow is the time the address book answers give as lastChange and
// createDate: msntest keeps no change history, so it is always now.
func abNow() string { return time.Now().UTC().Format("2006-01-02T15:04:05Z") }

// writeABInfo writes the abId, abInfo and dates of a's address book, as
// ABFindAll (paged false) and ABFindContactsPaged (paged true) end it.
func writeABInfo(b *strings.Builder, a *account, paged bool) {
	b.WriteString("<abId>00000000-0000-0000-0000-000000000000</abId>\n<abInfo>\n<ownerPuid>0</ownerPuid>\n<OwnerCID>0</OwnerCID>\n<ownerEmail>" +
		xmlText(a.passport) + "</ownerEmail>\n<fDefault>true</fDefault>\n<joinedNamespace>false</joinedNamespace>\n<IsBot>false</IsBot>\n<IsParentManaged>false</IsParentManaged>\n")
	if paged {
		b.WriteString("<AccountTierLastChanged>0001-01-01T00:00:00</AccountTierLastChanged>\n<ProfileVersion>0</ProfileVersion>\n")
	}
	b.WriteString("<SubscribeExternalPartner>false</SubscribeExternalPartner>\n<NotifyExternalPartner>false</NotifyExternalPartner>\n<AddressBookType>Individual</AddressBookType>\n</abInfo>\n" +
		"<lastChange>" + abNow() + "</lastChange>\n<DynamicItemLastChanged>0001-01-01T00:00:00</DynamicItemLastChanged>\n<createDate>" + abNow() + "</createDate>\n<propertiesChanged />\n")
}
