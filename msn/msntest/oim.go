package msntest

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Offline messages (OIM, MSNP13+), as Escargot keeps them: Store2 at
// /OimWS/oim.asmx leaves one for an account; the recipient sees it in the
// Mail-Data after its first CHG, or at once in an oimnotification when
// online; GetMessage and DeleteMessages at /rsi/rsi.asmx fetch and delete
// it. GetMetadata fails with a bare 500, as Escargot's does.

// oim is one stored offline message.
type oim struct {
	id       string
	from     string // passport
	fromName string
	to       string // passport
	runID    string
	seq      string
	text     string // the base64 body, as stored
	sent     time.Time
}

const (
	oimPath = "/OimWS/oim.asmx"
	rsiPath = "/rsi/rsi.asmx"
	// maxOIMsPerAccount bounds what one account keeps.
	maxOIMsPerAccount = 200
)

// store2Request is what the server reads of Store2.
type store2Request struct {
	From struct {
		Member string `xml:"memberName,attr"`
	} `xml:"Header>From"`
	To struct {
		Member string `xml:"memberName,attr"`
	} `xml:"Header>To"`
	Ticket struct {
		Passport string `xml:"passport,attr"`
		LockKey  string `xml:"lockkey,attr"`
	} `xml:"Header>Ticket"`
	Number  string `xml:"Header>Sequence>MessageNumber"`
	Content string `xml:"Body>Content"`
}

// oimFault is Escargot's Store2 fault, with its (never checked) lock key
// challenge.
func oimFault(code string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><soap:Fault>
<faultcode xmlns:q0="http://messenger.live.com/ws/2006/09/oim/">q0:` + code + `</faultcode>
<faultstring>Exception of type System.Web.Services.Protocols.SoapException was thrown.</faultstring>
<faultactor>https://ows.messenger.msn.com/OimWS/oim.asmx</faultactor>
<detail><TweenerChallenge xmlns="http://messenger.live.com/ws/2006/09/oim/">ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1</TweenerChallenge><LockKeyChallenge xmlns="http://messenger.live.com/ws/2006/09/oim/">` + randDigits(10) + `</LockKeyChallenge></detail>
</soap:Fault></soap:Body></soap:Envelope>`
}

const storeResponse = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Header><SequenceAcknowledgment xmlns="http://schemas.xmlsoap.org/ws/2003/03/rm"><Identifier xmlns="http://schemas.xmlsoap.org/ws/2002/07/utility">http://messenger.msn.com</Identifier><AcknowledgmentRange Upper="%[1]s" Lower="%[1]s" /></SequenceAcknowledgment></soap:Header><soap:Body><StoreResponse xmlns="http://messenger.live.com/ws/2006/09/oim/"><PointsConsumed>0</PointsConsumed></StoreResponse></soap:Body></soap:Envelope>`

// liveSession returns the signed-in account a ticket belongs to: as
// Escargot's web services look a ticket up among those its notification
// server connections signed in with, only the ticket of a live session
// counts, however old, and no other ticket of the account does, not even
// a fresh one. s.mu held.
func (s *Server) liveSession(ticket string) *account {
	tok := ticketToken(ticket)
	t := s.tickets[tok]
	if t == nil {
		return nil
	}
	a := s.accounts[key(t.passport)]
	if a == nil {
		return nil
	}
	for _, n := range a.eps {
		if n.ticket == tok {
			return a
		}
	}
	return nil
}

func (s *Server) handleStore(w http.ResponseWriter, r *http.Request) {
	if s.soapFault(w, r, oimPath) {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	var req store2Request
	if xml.Unmarshal(body, &req) != nil {
		writeXML(w, http.StatusInternalServerError, oimFault("InvalidContent"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.liveSession(req.Ticket.Passport)
	if a == nil || key(a.passport) != key(req.From.Member) || req.Ticket.LockKey == "" {
		writeXML(w, http.StatusInternalServerError, oimFault("AuthenticationFailed"))
		return
	}
	t := s.accounts[key(req.To.Member)]
	if t == nil || t.blocks(a.passport) {
		writeXML(w, http.StatusInternalServerError, oimFault("InvalidContent"))
		return
	}
	m, ok := parseOIMContent(req.Content, strings.TrimSpace(req.Number))
	if !ok || len(t.oims) >= maxOIMsPerAccount {
		writeXML(w, http.StatusInternalServerError, oimFault("InvalidContent"))
		return
	}
	m.id, m.from, m.fromName, m.to, m.sent = strings.ToUpper(newGUID()), a.passport, a.name, t.passport, time.Now().UTC().Truncate(time.Second)
	t.oims = append(t.oims, m)
	for _, e := range t.live() {
		if e.ver >= 13 {
			e.w.sendPayload("MSG Hotmail Hotmail", mailDataMessage("text/x-msmsgsoimnotification", mailData(t.oims[len(t.oims)-1:], false)))
		}
	}
	writeXML(w, http.StatusOK, fmt.Sprintf(storeResponse, xmlText(m.seq)))
}

// parseOIMContent checks the MIME of a Store2 Content as Escargot does.
func parseOIMContent(content, number string) (*oim, bool) {
	content = strings.ReplaceAll(content, "\r\n", "\n")
	head, b64, ok := strings.Cut(content, "\n\n")
	if !ok {
		return nil, false
	}
	h := map[string]string{}
	for line := range strings.SplitSeq(head, "\n") {
		k, v, _ := strings.Cut(line, ":")
		h[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	if h["mime-version"] != "1.0" || !strings.HasPrefix(h["content-type"], "text/plain") ||
		h["content-transfer-encoding"] != "base64" || h["x-oim-message-type"] != "OfflineMessage" ||
		!guidPattern.MatchString(h["x-oim-run-id"]) || h["x-oim-sequence-num"] != number {
		return nil, false
	}
	for line := range strings.SplitSeq(b64, "\n") {
		if len(line) > 77 {
			return nil, false
		}
	}
	text := strings.ReplaceAll(b64, "\n", "")
	if _, err := base64.StdEncoding.DecodeString(text); err != nil {
		return nil, false
	}
	return &oim{runID: h["x-oim-run-id"], seq: number, text: text}, true
}

// mailData renders the Mail-Data of oims: with the inbox and quota
// elements at login (initial), without them in a notification.
func mailData(oims []*oim, initial bool) string {
	var b strings.Builder
	b.WriteString("<MD>")
	if initial {
		b.WriteString("<E><I>0</I><IU>0</IU><O>0</O><OU>0</OU></E><Q><QTM>409600</QTM><QNM>204800</QNM></Q>")
	}
	for _, m := range oims {
		b.WriteString("<M><T>11</T><S>6</S>")
		if initial {
			b.WriteString("<RT>" + m.sent.Format("2006-01-02T15:04:05Z") + "</RT>")
		}
		b.WriteString("<RS>0</RS><SZ>" + strconv.Itoa(len(m.text)+700) + "</SZ><E>" + xmlText(m.from) + "</E><I>" + m.id + "</I>")
		if initial {
			b.WriteString("<F>00000000-0000-0000-0000-000000000009</F>")
		} else {
			b.WriteString("<F>.!!OIM</F>")
		}
		n := bName(m.fromName)
		if !initial {
			// Escargot's notification has a blank before "?=".
			n = strings.TrimSuffix(n, "?=") + " ?="
		}
		b.WriteString("<N>" + xmlText(n) + "</N></M>")
	}
	if !initial {
		b.WriteString("<SU> </SU>")
	}
	b.WriteString("</MD>")
	return b.String()
}

// bName is name as Escargot writes it in a Mail-Data and in the From of
// an OIM: always base64 ("=?utf-8?B?...?="), even when plain ASCII.
func bName(name string) string {
	return "=?utf-8?B?" + base64.StdEncoding.EncodeToString([]byte(name)) + "?="
}

// mailDataMessage is the NS MSG of a Mail-Data.
func mailDataMessage(contentType, md string) []byte {
	return []byte("MIME-Version: 1.0\r\nContent-Type: " + contentType + "; charset=UTF-8\r\n\r\nMail-Data: " + md + "\r\n")
}

// rsiRequest is what the server reads of an rsi call.
type rsiRequest struct {
	Ticket string `xml:"Header>PassportCookie>t"`
	Body   struct {
		Ops []struct {
			XMLName xml.Name
			ID      string   `xml:"messageId"`
			IDs     []string `xml:"messageIds>messageId"`
		} `xml:",any"`
	} `xml:"Body"`
}

const rsiFault = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Schema validation error</faultstring><faultactor>https://ersih.log1p.xyz/rsi/rsi.asmx</faultactor><detail /></soap:Fault></soap:Body></soap:Envelope>`

func (s *Server) handleRSI(w http.ResponseWriter, r *http.Request) {
	if s.soapFault(w, r, rsiPath) {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	var req rsiRequest
	if xml.Unmarshal(body, &req) != nil || len(req.Body.Ops) == 0 {
		writeXML(w, http.StatusInternalServerError, rsiFault)
		return
	}
	op := req.Body.Ops[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.liveSession("t=" + req.Ticket)
	if a == nil {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	switch op.XMLName.Local {
	case "GetMessage":
		for _, m := range a.oims {
			if strings.EqualFold(m.id, strings.TrimSpace(op.ID)) {
				writeXML(w, http.StatusOK, `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><GetMessageResponse xmlns="http://www.hotmail.msn.com/ws/2004/09/oim/rsi"><GetMessageResult>`+
					xmlText(oimMessage(m))+`</GetMessageResult></GetMessageResponse></soap:Body></soap:Envelope>`)
				return
			}
		}
		writeXML(w, http.StatusInternalServerError, rsiFault)
	case "DeleteMessages":
		if len(op.IDs) == 0 {
			writeXML(w, http.StatusInternalServerError, rsiFault)
			return
		}
		keep := a.oims
		for _, id := range op.IDs {
			i := -1
			for j, m := range keep {
				if strings.EqualFold(m.id, strings.TrimSpace(id)) {
					i = j
				}
			}
			if i < 0 {
				writeXML(w, http.StatusInternalServerError, rsiFault)
				return
			}
			keep = append(keep[:i:i], keep[i+1:]...)
		}
		a.oims = keep
		delta := []byte("MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsactivemailnotification; charset=UTF-8\r\n\r\n" +
			"Src-Folder: .!!OIM\r\nDest-Folder: .!!trAsH\r\nMessage-Delta: " + strconv.Itoa(len(op.IDs)) + "\r\n")
		for _, e := range a.live() {
			e.w.sendPayload("MSG Hotmail Hotmail", delta)
		}
		writeXML(w, http.StatusOK, `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><DeleteMessagesResponse xmlns="http://www.hotmail.msn.com/ws/2004/09/oim/rsi" /></soap:Body></soap:Envelope>`)
	default:
		// GetMetadata among others: Escargot fails with a bare 500.
		http.Error(w, "500 Internal Server Error\nServer got itself in trouble", http.StatusInternalServerError)
	}
}

// oimMessage is the RFC 822 message GetMessage returns, as Escargot
// builds it.
func oimMessage(m *oim) string {
	var b strings.Builder
	date := m.sent.In(time.FixedZone("-0800", -8*3600))
	b.WriteString("X-Message-Info: cwRBnLifKNE8dVZlNj6AiX8142B67OTjG9BFMLMyzuui1H4Xx7m3NQ==\r\n")
	b.WriteString("From: " + bName(m.fromName) + " <" + m.from + ">\r\n")
	b.WriteString("To: " + m.to + "\r\nSubject: \r\nX-OIM-originatingSource: 127.0.0.1\r\nX-OIMProxy: MSNMSGR\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n")
	b.WriteString("X-OIM-Message-Type: OfflineMessage\r\nX-OIM-Run-Id: " + m.runID + "\r\nX-OIM-Sequence-Num: " + m.seq + "\r\n")
	b.WriteString("Message-ID: <OIM-SSI02zDv60gxapz00061a8b@OIM-SSI02.phx.gbl>\r\n")
	ft := uint64(m.sent.UnixNano()/100) + 116444736000000000 // FILETIME: 100 ns since 1601
	b.WriteString("X-OriginalArrivalTime: " + m.sent.Format("02 Jan 2006 15:04:05.0000") +
		fmt.Sprintf(" (UTC) FILETIME=[%08X:%08X]\r\n", uint32(ft), uint32(ft>>32)))
	b.WriteString("Date: " + date.Format("02 Jan 2006 15:04:05 -0700") + "\r\n")
	b.WriteString("Return-Path: ndr@oim.messenger.msn.com\r\n\r\n")
	b.WriteString(m.text)
	return b.String()
}

// OIMCount returns how many offline messages passport has waiting.
func (s *Server) OIMCount(passport string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key(passport)]; a != nil {
		return len(a.oims)
	}
	return 0
}
