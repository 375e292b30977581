package msn

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// MSNObject describes a contact's display picture (or another MSN object),
// as the <msnobj .../> element of NLN, ILN and CHG gives it.
type MSNObject struct {
	Creator  string
	Size     int64
	Type     int // 3 for a display picture
	Location string
	Friendly string // base64 of a UTF-16LE name, as sent
	SHA1D    string // base64 SHA-1 of the data
	SHA1C    string // base64 SHA-1 of the other fields
	// Raw is the element as received (or built), sent back as the
	// INVITE's context when the object is fetched.
	Raw string
}

// MSNObjectDisplayPicture is the Type of a display picture.
const MSNObjectDisplayPicture = 3

// maxMSNObject bounds the msnobj element read from a presence line.
const maxMSNObject = 2048

// ParseMSNObject reads an <msnobj .../> element (not URL-encoded). The
// empty element Escargot sends for users without a picture, "<msnobj/>",
// gives the zero MSNObject and no error.
func ParseMSNObject(s string) (MSNObject, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "\x00")
	if len(s) > maxMSNObject {
		return MSNObject{}, fmt.Errorf("msn: msnobj of %d bytes", len(s))
	}
	var el struct {
		XMLName  xml.Name `xml:"msnobj"`
		Creator  string   `xml:"Creator,attr"`
		Size     string   `xml:"Size,attr"`
		Type     string   `xml:"Type,attr"`
		Location string   `xml:"Location,attr"`
		Friendly string   `xml:"Friendly,attr"`
		SHA1D    string   `xml:"SHA1D,attr"`
		SHA1C    string   `xml:"SHA1C,attr"`
	}
	if err := xml.Unmarshal([]byte(s), &el); err != nil {
		return MSNObject{}, fmt.Errorf("msn: msnobj: %w", err)
	}
	o := MSNObject{Creator: el.Creator, Location: el.Location, Friendly: el.Friendly, SHA1D: el.SHA1D, SHA1C: el.SHA1C}
	if el.Creator == "" && el.SHA1D == "" && el.Size == "" {
		return MSNObject{}, nil
	}
	var err error
	if o.Size, err = strconv.ParseInt(strings.TrimSpace(el.Size), 10, 64); err != nil || o.Size < 0 {
		return MSNObject{}, fmt.Errorf("msn: msnobj size %q", truncate(el.Size, 20))
	}
	if o.Type, err = strconv.Atoi(strings.TrimSpace(el.Type)); err != nil {
		return MSNObject{}, fmt.Errorf("msn: msnobj type %q", truncate(el.Type, 20))
	}
	if _, err := base64.StdEncoding.DecodeString(o.SHA1D); err != nil || o.SHA1D == "" {
		return MSNObject{}, fmt.Errorf("msn: msnobj SHA1D %q", truncate(o.SHA1D, 40))
	}
	o.Raw = s
	return o, nil
}

// IsZero reports whether the object is absent (no picture).
func (o MSNObject) IsZero() bool { return o.SHA1D == "" }

// sha1c computes SHA1C: the base64 SHA-1 of the field names and values
// concatenated in this order.
func (o MSNObject) sha1c() string {
	s := "Creator" + o.Creator + "Size" + strconv.FormatInt(o.Size, 10) + "Type" + strconv.Itoa(o.Type) +
		"Location" + o.Location + "Friendly" + o.Friendly + "SHA1D" + o.SHA1D
	sum := sha1.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// NewDisplayPicture builds the MSN object of a display picture of
// creator: SHA1D from data, SHA1C from the fields.
func NewDisplayPicture(creator string, data []byte) MSNObject {
	sum := sha1.Sum(data)
	o := MSNObject{
		Creator:  creator,
		Size:     int64(len(data)),
		Type:     MSNObjectDisplayPicture,
		Location: "0",
		Friendly: "AAA=", // an empty UTF-16LE name with its terminator
		SHA1D:    base64.StdEncoding.EncodeToString(sum[:]),
	}
	o.SHA1C = o.sha1c()
	o.Raw = `<msnobj Creator="` + xmlEscape(o.Creator) + `" Size="` + strconv.FormatInt(o.Size, 10) +
		`" Type="3" Location="0" Friendly="AAA=" SHA1D="` + o.SHA1D + `" SHA1C="` + o.SHA1C + `"/>`
	return o
}
