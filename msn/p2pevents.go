package msn

import "errors"

// TransferID names one file transfer of a Client (a local counter, never
// reused by the client).
type TransferID uint64

// FileOffer reports a file a contact offers (MSNSLP INVITE with the file
// transfer EUF-GUID). Take it with Client.AcceptFile or refuse it with
// Client.DeclineFile; an offer left unanswered is declined after
// Config.TransferIdleTimeout and ends with FileTransferEnded (ErrTimeout).
type FileOffer struct {
	ID          TransferID
	Switchboard *Switchboard
	From        string
	Name        string // as the contact gave it, control characters removed; not a safe path
	Size        int64
}

// FileTransferEnded reports the end of a file transfer from a contact
// that was offered with FileOffer: Err is nil when the whole file was
// written (Bytes == Size), ErrTransferCancelled when the contact
// cancelled, ErrFileTooLarge when the offer exceeded Config.MaxFileSize
// (declined without asking), and wraps ErrClosed when the switchboard
// dropped, ErrTimeout when the contact went silent. A transfer that ends
// with an error never wrote the whole file: what was written is partial.
type FileTransferEnded struct {
	ID    TransferID
	From  string
	Name  string
	Size  int64
	Bytes int64 // written to the writer
	Err   error
}

// LegacyFileInvitation reports a file offered with the MSNFTP invitation
// of MSN Messenger 4 and 5 (text/x-msmsgsinvite), which needs a direct
// connection this client does not make: it was declined
// (Cancel-Code REJECT_NOT_INSTALLED) and the contact's client says so.
type LegacyFileInvitation struct {
	Switchboard *Switchboard
	From        string
	Name        string
	Size        int64
}

func (FileOffer) event()            {}
func (FileTransferEnded) event()    {}
func (LegacyFileInvitation) event() {}

// Errors of P2P transfers.
var (
	ErrTransferDeclined  = errors.New("msn: the contact declined the transfer")
	ErrTransferCancelled = errors.New("msn: the contact cancelled the transfer")
	ErrFileTooLarge      = errors.New("msn: the file is larger than allowed")
	ErrNoTransfer        = errors.New("msn: no such file transfer")
	ErrNoPicture         = errors.New("msn: the contact did not send the display picture")
)
