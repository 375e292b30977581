package msn

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
)

// The address book (MSNP13 and later): the contact list lives in SOAP web
// services; the client reads it at login and announces it with ADL.

const (
	sharingPath = "/abservice/SharingService.asmx"
	abPath      = "/abservice/abservice.asmx"
	abNS        = "http://www.msn.com/webservices/AddressBook"
	soapNS      = "http://schemas.xmlsoap.org/soap/envelope/"
	// abApplicationID is Messenger's application id in ABApplicationHeader.
	abApplicationID = "CFE80F9D-180F-4399-82AB-413F33A1FA11"
	zeroABID        = "00000000-0000-0000-0000-000000000000"
)

// abEnvelope is a request to the address book or sharing service.
type abEnvelope struct {
	XMLName xml.Name     `xml:"soap:Envelope"`
	SoapNS  string       `xml:"xmlns:soap,attr"`
	App     abAppHeader  `xml:"soap:Header>ABApplicationHeader"`
	Auth    abAuthHeader `xml:"soap:Header>ABAuthHeader"`
	Body    abBody       `xml:"soap:Body"`
}

type abAppHeader struct {
	NS        string `xml:"xmlns,attr"`
	AppID     string `xml:"ApplicationId"`
	Migration bool   `xml:"IsMigration"`
	Scenario  string `xml:"PartnerScenario"`
}

type abAuthHeader struct {
	NS      string `xml:"xmlns,attr"`
	Managed bool   `xml:"ManagedGroupRequest"`
	Ticket  string `xml:"TicketToken"`
}

// abBody holds the one operation element of the body.
type abBody struct {
	Op any
}

type findMembership struct {
	XMLName xml.Name `xml:"FindMembership"`
	NS      string   `xml:"xmlns,attr"`
	Types   []string `xml:"serviceFilter>Types>ServiceType"`
}

type abFindAll struct {
	XMLName    xml.Name `xml:"ABFindAll"`
	NS         string   `xml:"xmlns,attr"`
	ABID       string   `xml:"abId"`
	View       string   `xml:"abView"`
	DeltasOnly bool     `xml:"deltasOnly"`
	LastChange string   `xml:"lastChange"`
}

type abFindContactsPaged struct {
	XMLName        xml.Name `xml:"ABFindContactsPaged"`
	NS             string   `xml:"xmlns,attr"`
	DeltasOnly     bool     `xml:"filterOptions>DeltasOnly"`
	LastChanged    string   `xml:"filterOptions>LastChanged"`
	IncludeHidden  bool     `xml:"filterOptions>ContactFilter>IncludeHiddenContacts"`
	IncludeShared  bool     `xml:"filterOptions>IncludeSharedContacts"`
	View           string   `xml:"abView"`
	ExtendedContnt string   `xml:"extendedContent"`
}

// abRequest wraps op in an envelope with the contacts ticket.
func (c *Client) abRequest(scenario string, op any) abEnvelope {
	return abEnvelope{SoapNS: soapNS,
		App:  abAppHeader{NS: abNS, AppID: abApplicationID, Scenario: scenario},
		Auth: abAuthHeader{NS: abNS, Ticket: c.ticket(domainContacts)},
		Body: abBody{Op: op}}
}

// membershipResult is what the client reads of FindMembership.
type membershipResult struct {
	Memberships []struct {
		Role    string `xml:"MemberRole"`
		Members []struct {
			Passport string `xml:"PassportName"`
			Email    string `xml:"Email"`
			Type     string `xml:"Type"`
		} `xml:"Members>Member"`
	} `xml:"Body>FindMembershipResponse>FindMembershipResult>Services>Service>Memberships>Membership"`
}

// abContact is one contact of ABFindAll or ABFindContactsPaged.
type abContact struct {
	ID          string   `xml:"contactId"`
	Type        string   `xml:"contactInfo>contactType"`
	Passport    string   `xml:"contactInfo>passportName"`
	DisplayName string   `xml:"contactInfo>displayName"`
	Messenger   bool     `xml:"contactInfo>isMessengerUser"`
	GroupIDs    []string `xml:"contactInfo>groupIds>guid"`
	Emails      []struct {
		Address string `xml:"email"`
		Network string `xml:"Capability"`
	} `xml:"contactInfo>emails>ContactEmail"`
}

type abGroup struct {
	ID   string `xml:"groupId"`
	Name string `xml:"groupInfo>name"`
}

type abFindAllResult struct {
	Groups   []abGroup   `xml:"Body>ABFindAllResponse>ABFindAllResult>groups>Group"`
	Contacts []abContact `xml:"Body>ABFindAllResponse>ABFindAllResult>contacts>Contact"`
}

type abPagedResult struct {
	Groups   []abGroup   `xml:"Body>ABFindContactsPagedResponse>ABFindContactsPagedResult>Groups>Group"`
	Contacts []abContact `xml:"Body>ABFindContactsPagedResponse>ABFindContactsPagedResult>Contacts>Contact"`
}

// roleLists maps membership roles to contact lists.
var roleLists = map[string]Lists{"Allow": AllowList, "Block": BlockList, "Reverse": ReverseList, "Pending": PendingList}

// maxABContacts bounds the contacts the client keeps: those taken from the
// address book, and those the server's list changes (ADD, ADC, ADL) add.
const maxABContacts = 10000

// syncAddressBook reads the memberships and the address book, queues
// ContactListSynced as a SYN does at earlier versions, then announces the
// list to the notification server: BLP and the initial ADL.
func (c *Client) syncAddressBook(ctx context.Context) error {
	c.mu.Lock()
	v := c.version
	c.mu.Unlock()
	var mem membershipResult
	fm := findMembership{NS: abNS, Types: []string{"Messenger", "Invitation", "SocialNetwork", "Space", "Profile"}}
	if err := c.soapCall(ctx, sharingPath, "FindMembership", c.abRequest("Initial", fm), &mem); err != nil {
		return fmt.Errorf("msn: login: contact list: %w", err)
	}
	var contacts []abContact
	var groups []abGroup
	if v >= 18 {
		var r abPagedResult
		op := abFindContactsPaged{NS: abNS, LastChanged: "0001-01-01T00:00:00.0000000-08:00", IncludeHidden: true,
			IncludeShared: true, View: "MessengerClient8", ExtendedContnt: "AB AllGroups CircleResult"}
		if err := c.soapCall(ctx, abPath, "ABFindContactsPaged", c.abRequest("Initial", op), &r); err != nil {
			return fmt.Errorf("msn: login: contact list: %w", err)
		}
		contacts, groups = r.Contacts, r.Groups
	} else {
		var r abFindAllResult
		op := abFindAll{NS: abNS, ABID: zeroABID, View: "Full", LastChange: "0001-01-01T00:00:00.0000000-08:00"}
		if err := c.soapCall(ctx, abPath, "ABFindAll", c.abRequest("Initial", op), &r); err != nil {
			return fmt.Errorf("msn: login: contact list: %w", err)
		}
		contacts, groups = r.Contacts, r.Groups
	}

	c.mu.Lock()
	c.sync = &syncState{done: make(chan struct{})}
	c.contacts = map[string]*Contact{}
	c.pictures = nil
	c.groups = nil
	for _, g := range groups {
		if g.ID != "" {
			c.groups = append(c.groups, Group(g))
		}
	}
	for _, ac := range contacts {
		if ac.Type == "Me" {
			if ac.DisplayName != "" {
				c.friendlyName = ac.DisplayName
			}
			continue
		}
		p := ac.Passport
		network := NetworkMessenger
		for _, e := range ac.Emails {
			if p == "" && e.Address != "" && e.Network == "32" { // Yahoo
				p, network = e.Address, NetworkYahoo
			}
		}
		if p == "" || !ac.Messenger && network == NetworkMessenger || len(c.contacts) >= maxABContacts || checkPassport(p) != nil {
			continue
		}
		ct := c.contactLocked(p, true)
		ct.Lists |= ForwardList
		ct.FriendlyName = ac.DisplayName
		ct.GUID = ParseContactID(ac.ID)
		ct.Groups = append([]string(nil), ac.GroupIDs...)
		ct.Network = int16(network)
	}
	for _, m := range mem.Memberships {
		bit := roleLists[m.Role]
		if bit == 0 {
			continue
		}
		for _, mb := range m.Members {
			p := mb.Passport
			if p == "" {
				p = mb.Email
			}
			if p == "" || checkPassport(p) != nil {
				continue
			}
			ct := c.contactLocked(p, false)
			if ct == nil {
				if len(c.contacts) >= maxABContacts {
					continue
				}
				ct = c.contactLocked(p, true)
				ct.FriendlyName = p
			}
			ct.Lists |= bit
		}
	}
	c.blp = "AL"
	c.sync.gotReply = true
	// The address book came whole, not as streamed list lines
	// (ContactsListed): ContactListSynced carries the whole list.
	c.sync.offList = true
	ml := adlPayload(c.sortedLocked(), true)
	c.finishSyncLocked()
	c.mu.Unlock()

	if _, err := c.request(ctx, "BLP", []string{"AL"}, nil); err != nil {
		return fmt.Errorf("msn: login: privacy mode: %w", err)
	}
	if _, err := c.request(ctx, "ADL", nil, ml); err != nil {
		return fmt.Errorf("msn: login: announcing the contact list: %w", err)
	}
	return nil
}

// Network ids of contacts (MSNP14 and later).
const (
	NetworkMessenger = 1
	NetworkYahoo     = 32
)

// mlList is the <ml> payload of ADL and RML.
type mlList struct {
	XMLName xml.Name   `xml:"ml"`
	L       string     `xml:"l,attr,omitempty"`
	Domains []mlDomain `xml:"d"`
}

type mlDomain struct {
	Name     string      `xml:"n,attr"`
	Contacts []mlContact `xml:"c"`
}

type mlContact struct {
	Name  string `xml:"n,attr"`
	Lists int    `xml:"l,attr,omitempty"`
	Type  int    `xml:"t,attr,omitempty"`
	Names string `xml:"f,attr,omitempty"` // friendly name, URL-quoted (server to client)
}

// adlPayload renders the <ml> of ADL for the contacts on the forward,
// allow or block lists, grouped by domain; initial sets l="1".
func adlPayload(cts []*Contact, initial bool) []byte {
	var m mlList
	if initial {
		m.L = "1"
	}
	byDomain := map[string]int{}
	for _, ct := range cts {
		bits := ct.Lists & (ForwardList | AllowList | BlockList)
		user, domain, ok := strings.Cut(ct.Passport, "@")
		if bits == 0 || !ok {
			continue
		}
		i, seen := byDomain[domain]
		if !seen {
			i = len(m.Domains)
			byDomain[domain] = i
			m.Domains = append(m.Domains, mlDomain{Name: domain})
		}
		t := ct.Network
		if t == 0 {
			t = NetworkMessenger
		}
		m.Domains[i].Contacts = append(m.Domains[i].Contacts, mlContact{Name: user, Lists: int(bits), Type: int(t)})
	}
	b, _ := xml.Marshal(m)
	return b
}
