package bridge

import "github.com/msn2irc/msn2irc/db"

// offerDCC offers a received file to the attached clients as DCC SEND
// when the account wants it (set dcc_files).
func (s *session) offerDCC(c *contact, rec db.ReceivedFile) {}
