package msn

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Contact list changes at MSNP13 and later: the address book (forward
// list) and the memberships (allow, block lists) change through the web
// services, then ADL and RML tell the notification server, as Messenger
// does. The server tells the other party with "ADL 0" and "RML 0".

const xsiNS = "http://www.w3.org/2001/XMLSchema-instance"

type abContactAdd struct {
	XMLName  xml.Name     `xml:"ABContactAdd"`
	NS       string       `xml:"xmlns,attr"`
	ABID     string       `xml:"abId"`
	Contact  abNewContact `xml:"contacts>Contact"`
	AllowMgt bool         `xml:"options>EnableAllowListManagement"`
}

type abNewContact struct {
	NS          string `xml:"xmlns,attr"`
	Type        string `xml:"contactInfo>contactType"`
	Passport    string `xml:"contactInfo>passportName"`
	Messenger   bool   `xml:"contactInfo>isMessengerUser"`
	DisplayName string `xml:"contactInfo>MessengerMemberInfo>DisplayName"`
}

type abContactAddResult struct {
	GUID string `xml:"Body>ABContactAddResponse>ABContactAddResult>guid"`
}

type abContactDelete struct {
	XMLName xml.Name `xml:"ABContactDelete"`
	NS      string   `xml:"xmlns,attr"`
	ABID    string   `xml:"abId"`
	ID      string   `xml:"contacts>Contact>contactId"`
}

// abMember is AddMember or DeleteMember of one passport in one role.
type abMember struct {
	XMLName   xml.Name
	NS        string        `xml:"xmlns,attr"`
	ServiceID string        `xml:"serviceHandle>Id"`
	Service   string        `xml:"serviceHandle>Type"`
	ForeignID string        `xml:"serviceHandle>ForeignId"`
	Role      string        `xml:"memberships>Membership>MemberRole"`
	Member    abMemberEntry `xml:"memberships>Membership>Members>Member"`
}

type abMemberEntry struct {
	XSIType  string `xml:"xsi:type,attr"`
	XSI      string `xml:"xmlns:xsi,attr"`
	Type     string `xml:"Type"`
	State    string `xml:"State"`
	Passport string `xml:"PassportName"`
}

// soapNone is the answer of the calls whose result the client does not read.
type soapNone struct{}

// abCall is soapCall with the contacts ticket, asked for again (RST) once
// when the service refuses it.
func (c *Client) abCall(ctx context.Context, path, action, scenario string, op, resp any) error {
	err := c.soapCall(ctx, path, action, c.abRequest(scenario, op), resp)
	if !ticketRefused(err) {
		return err
	}
	if rerr := c.renewTickets(ctx); rerr != nil {
		return fmt.Errorf("%w (renewing the tickets: %w)", err, rerr)
	}
	return c.soapCall(ctx, path, action, c.abRequest(scenario, op), resp)
}

// ticketRefused reports whether a web service refused the ticket: HTTP
// 403, as Escargot answers a ticket it does not know (any more), or a
// fault whose code says the ticket expired.
func ticketRefused(err error) bool {
	var f *SOAPFault
	if !errors.As(err, &f) {
		return false
	}
	return f.Status == http.StatusForbidden || strings.Contains(f.Code, "TicketExpired") ||
		strings.Contains(f.Code, "BadContextToken") || strings.Contains(f.Code, "PassportAuthFail")
}

// renewTickets asks the RST service for new tickets (RST again).
func (c *Client) renewTickets(ctx context.Context) error {
	t, err := c.requestTickets(ctx)
	if err != nil {
		return err
	}
	c.setTickets(t)
	return nil
}

// membership adds passport to (add true) or deletes it from the role of
// the Messenger service: Allow, Block or Pending.
func (c *Client) membership(ctx context.Context, add bool, role, passport string) error {
	op := abMember{NS: abNS, ServiceID: "0", Service: "Messenger", Role: role,
		Member: abMemberEntry{XSIType: "PassportMember", XSI: xsiNS, Type: "Passport", State: "Accepted", Passport: passport}}
	action := "DeleteMember"
	if add {
		action = "AddMember"
	}
	op.XMLName = xml.Name{Local: action}
	scenario := "BlockUnblock"
	if role == "Pending" || role == "Allow" && add {
		scenario = "ContactMsgrAPI"
	}
	return c.abCall(ctx, sharingPath, action, scenario, op, &soapNone{})
}

// mlChange sends ADL (add) or RML of passport on the lists bits, and
// applies the change to the client's state once the server confirmed it.
func (c *Client) mlChange(ctx context.Context, add bool, passport string, bits Lists) error {
	user, domain, ok := strings.Cut(passport, "@")
	if !ok {
		return fmt.Errorf("address %q has no domain", truncate(passport, 40))
	}
	network := NetworkMessenger
	c.mu.Lock()
	if ct := c.contactLocked(passport, false); ct != nil && ct.Network != 0 {
		network = int(ct.Network)
	}
	c.mu.Unlock()
	payload, _ := xml.Marshal(mlList{Domains: []mlDomain{{Name: domain,
		Contacts: []mlContact{{Name: user, Lists: int(bits), Type: network}}}}})
	name := "RML"
	if add {
		name = "ADL"
	}
	if _, err := c.request(ctx, name, nil, payload); err != nil {
		return err
	}
	c.mu.Lock()
	if add {
		c.changeListsLocked(passport, "", bits, 0, false)
	} else {
		c.changeListsLocked(passport, "", 0, bits, false)
	}
	c.mu.Unlock()
	return nil
}

// abAddContact puts passport in the address book (ABContactAdd, which
// Escargot takes as the forward list) and announces it with ADL, then on
// the allow list unless it is blocked.
func (c *Client) abAddContact(ctx context.Context, passport string) error {
	lists, _, _ := c.listsOf(passport)
	if lists&ForwardList == 0 {
		if err := c.abContactAdd(ctx, passport); err != nil {
			return err
		}
		if err := c.mlChange(ctx, true, passport, ForwardList); err != nil {
			return err
		}
	}
	if lists&(AllowList|BlockList) == 0 {
		if err := c.mlChange(ctx, true, passport, AllowList); err != nil {
			return err
		}
	}
	return nil
}

// abContactAdd adds passport to the address book and keeps its contact id.
func (c *Client) abContactAdd(ctx context.Context, passport string) error {
	op := abContactAdd{NS: abNS, ABID: zeroABID, AllowMgt: true,
		Contact: abNewContact{NS: abNS, Type: "LivePending", Passport: passport, Messenger: true, DisplayName: passport}}
	var r abContactAddResult
	if err := c.abCall(ctx, abPath, "ABContactAdd", "ContactSave", op, &r); err != nil {
		return err
	}
	if id := strings.TrimSpace(r.GUID); id != "" {
		c.mu.Lock()
		ct := c.contactLocked(passport, true)
		ct.GUID = ParseContactID(id)
		c.mu.Unlock()
	}
	return nil
}

// abRemoveContact deletes passport from the address book (ABContactDelete
// by contact id) and takes it off the forward list with RML.
func (c *Client) abRemoveContact(ctx context.Context, passport string) error {
	lists, guid, _ := c.listsOf(passport)
	if lists&ForwardList == 0 {
		return nil
	}
	if guid == "" {
		return fmt.Errorf("no contact id known for %s", passport)
	}
	op := abContactDelete{NS: abNS, ABID: zeroABID, ID: guid}
	if err := c.abCall(ctx, abPath, "ABContactDelete", "Timer", op, &soapNone{}); err != nil {
		return err
	}
	return c.mlChange(ctx, false, passport, ForwardList)
}

// abMove moves passport from the role of list from to that of list to
// (allow and block lists): DeleteMember, AddMember, then RML and ADL.
func (c *Client) abMove(ctx context.Context, passport string, from, to Lists) error {
	lists, _, _ := c.listsOf(passport)
	if lists&from != 0 {
		if err := c.membership(ctx, false, roleName(from), passport); err != nil {
			return err
		}
	}
	if lists&to == 0 {
		if err := c.membership(ctx, true, roleName(to), passport); err != nil {
			return err
		}
	}
	if lists&from != 0 {
		if err := c.mlChange(ctx, false, passport, from); err != nil {
			return err
		}
	}
	if lists&to == 0 {
		if err := c.mlChange(ctx, true, passport, to); err != nil {
			return err
		}
	}
	return nil
}

// abAccept answers someone who added the user as Messenger does: the
// allow role instead of the pending one, the address book, then ADL of
// the forward and allow lists.
func (c *Client) abAccept(ctx context.Context, passport string) error {
	lists, _, _ := c.listsOf(passport)
	if lists&BlockList != 0 {
		if err := c.abMove(ctx, passport, BlockList, AllowList); err != nil {
			return err
		}
		lists, _, _ = c.listsOf(passport)
	}
	var bits Lists
	if lists&AllowList == 0 {
		if err := c.membership(ctx, true, "Allow", passport); err != nil {
			return err
		}
		bits |= AllowList
	}
	if lists&PendingList != 0 {
		if err := c.membership(ctx, false, "Pending", passport); err != nil {
			return err
		}
	}
	if lists&ForwardList == 0 {
		if err := c.abContactAdd(ctx, passport); err != nil {
			return err
		}
		bits |= ForwardList
	}
	if bits == 0 {
		return nil
	}
	return c.mlChange(ctx, true, passport, bits)
}

// abDeny answers someone who added the user with the block list.
func (c *Client) abDeny(ctx context.Context, passport string) error {
	lists, _, _ := c.listsOf(passport)
	if lists&PendingList != 0 {
		if err := c.membership(ctx, false, "Pending", passport); err != nil {
			return err
		}
	}
	return c.abMove(ctx, passport, AllowList, BlockList)
}

func roleName(l Lists) string {
	for role, bit := range roleLists {
		if bit == l {
			return role
		}
	}
	return ""
}

// maxMLContacts bounds the contacts taken from one ADL or RML the server sends.
const maxMLContacts = 1000

// onML handles "ADL 0 n" and "RML 0 n" from the server: someone put the
// user on, or took them off, their lists (l="8": the user's reverse
// list), with the friendly name in f. The replies to the client's own ADL
// and RML ("ADL t OK") carry no payload and change nothing here.
func (c *Client) onML(cmd *Command) {
	if cmd.Param(0) != "0" || len(cmd.Payload) == 0 {
		return
	}
	var ml mlList
	if err := xml.Unmarshal(cmd.Payload, &ml); err != nil {
		c.log.Debug("msn: unreadable list change", "cmd", cmd.Name, "err", err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, d := range ml.Domains {
		for _, mc := range d.Contacts {
			if n++; n > maxMLContacts {
				return
			}
			passport := mc.Name + "@" + d.Name
			bits := Lists(mc.Lists) & (ForwardList | AllowList | BlockList | ReverseList | PendingList)
			if bits == 0 || checkPassport(passport) != nil {
				continue
			}
			if cmd.Name == "ADL" {
				name := mc.Names
				if name == "" {
					name = passport
				}
				c.changeListsLocked(passport, name, bits, 0, true)
				if ct := c.contactLocked(passport, false); ct != nil && mc.Type != 0 && ct.Network == 0 {
					ct.Network = int16(mc.Type)
				}
			} else {
				c.changeListsLocked(passport, "", 0, bits, true)
			}
		}
	}
}
