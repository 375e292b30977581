package msntest

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// Sign-in: USR with MD5 (MSNP2-7), TWN (MSNP8-14) or SSO (MSNP15+).

func (n *nsConn) usr(cmd *msn.Command) bool {
	s := n.s
	trid, method, step, arg := cmd.Param(0), cmd.Param(1), cmd.Param(2), msn.UnquoteName(cmd.Param(3))
	if trid == "" || arg == "" {
		return false
	}
	user := n.user
	if step == "I" {
		user = arg
	}
	if code := s.faults.rejectLogin[key(user)]; code != 0 {
		return n.fail(code, trid)
	}
	switch {
	case method == "MD5" && n.ver >= 8, method == "SSO" && n.ver < 15, method == "TWN" && n.ver >= 15:
		return false // Escargot closes without a reply
	case method == "MD5" || method == "TWN" && n.ver >= 8 || method == "SSO":
	default:
		return n.fail(911, trid)
	}
	switch step {
	case "I":
		if !validPassport(arg) || n.user != "" {
			return n.fail(911, trid)
		}
		n.user, n.method = arg, method
		if n.dispatch {
			n.reply(fmt.Sprintf("XFR %s NS %s 0 %s", trid, s.NotificationAddr(), s.NSAddr()))
			return false
		}
		if n.ver >= 13 {
			n.w.sendPayload("GCF 0", []byte(policies))
		}
		switch method {
		case "TWN":
			n.reply("USR " + trid + " TWN S " + twnParams)
			return true
		case "SSO":
			n.nonce = randBase64(48)
			n.reply("USR " + trid + " SSO S MBI_KEY_OLD " + n.nonce)
			return true
		}
		n.salt = s.salt(arg)
		s.issued.Salts = append(s.issued.Salts, n.salt)
		n.reply("USR " + trid + " MD5 S " + n.salt)
		return true
	case "S":
		if n.user == "" || method != n.method {
			return n.fail(911, trid)
		}
		a := s.accounts[key(n.user)]
		if a == nil {
			return n.fail(911, trid)
		}
		if method == "MD5" {
			s.countCheck(a.passport)
			if !strings.EqualFold(arg, msn.MD5LoginResponse(n.salt, a.password)) {
				return n.fail(911, trid)
			}
		} else if method == "SSO" {
			ok, answered := s.checkSSO(n, cmd, a)
			if !answered {
				return true // Escargot fails internally and sends nothing
			}
			if !ok {
				return n.fail(911, trid)
			}
		} else if !s.checkTicket(arg, a) {
			return n.fail(911, trid)
		}
		if method != "MD5" {
			n.ticket = ticketToken(arg)
		}
		n.login(trid, a)
		return true
	}
	return n.fail(911, trid)
}

// salt returns the MD5 challenge for a login of passport. s.mu held.
func (s *Server) salt(passport string) string {
	now := time.Now()
	if s.opts.TimestampSalt {
		return fmt.Sprintf("%d.%09d", now.Unix(), now.Nanosecond())
	}
	if a := s.accounts[key(passport)]; a != nil {
		return a.salt
	}
	// Escargot's str(time.time()) for accounts without an MD5 hash.
	return fmt.Sprintf("%d.%07d", now.Unix(), now.Nanosecond()/100)
}

// login completes USR: the user is signed in on n. s.mu held.
func (n *nsConn) login(trid string, a *account) {
	s := n.s
	s.attach(a, n)
	n.acct = a
	n.status = msn.StatusOffline
	n.clientID = "0"
	n.msnobj = defaultMsnObj
	switch {
	case n.ver >= 10:
		n.reply("USR " + trid + " OK " + a.passport + " 1 0")
	case n.ver >= 8:
		n.reply("USR " + trid + " OK " + a.passport + " " + msn.QuoteName(a.name) + " 1 0")
	case n.ver >= 6:
		n.reply("USR " + trid + " OK " + a.passport + " " + msn.QuoteName(a.name) + " 1")
	default:
		n.reply("USR " + trid + " OK " + a.passport + " " + msn.QuoteName(a.name))
	}
	if n.ver >= 11 {
		n.reply("SBS 0 null")
	}
	n.w.sendPayload("MSG Hotmail Hotmail", n.profile())
	switch {
	case n.ver >= 18:
		n.reply("UBX 1:" + a.passport + " 0")
	case n.ver >= 16:
		n.reply("UBX " + a.passport + " 1 0")
	}
}

// profile builds the text/x-msmsgsprofile message sent after USR OK.
func (n *nsConn) profile() []byte {
	ip, port := "127.0.0.1", "0"
	if ta, ok := n.remote.(*net.TCPAddr); ok {
		ip, port = ta.IP.String(), strconv.Itoa(ta.Port)
	}
	mpop := "0"
	if n.ver >= 16 && n.guid != "" {
		mpop = "1"
	}
	var b strings.Builder
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n")
	fmt.Fprintf(&b, "LoginTime: %d\r\n", time.Now().Unix())
	b.WriteString("EmailEnabled: 0\r\nMemberIdHigh: 2679357164\r\nMemberIdLow: 2683486097\r\n" +
		"lang_preference: 1033\r\npreferredEmail:\r\ncountry:\r\nPostalCode:\r\nGender:\r\nKid: 0\r\n" +
		"Age:\r\nBDayPre:\r\nBirthday:\r\nWallet:\r\nFlags: 536872513\r\nsid: 507\r\n")
	b.WriteString("MSPAuth: " + randHex(1150) + "\r\n")
	b.WriteString("ClientIP: " + ip + "\r\nClientPort: " + port + "\r\nABCHMigrated: 1\r\nMPOPEnabled: " + mpop + "\r\n\r\n")
	return []byte(b.String())
}
