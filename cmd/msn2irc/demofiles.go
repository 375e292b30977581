package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// demoFileReply is what Bob says before he sends the demo file.
const demoFileReply = "Here comes a file: watch for its download link."

// demoFileMax bounds what Bob takes from the user: he counts the bytes
// and keeps none.
const demoFileMax = 50 << 20

// demoFile is the file Bob sends when asked.
func demoFile() (name string, data []byte) {
	var b strings.Builder
	b.WriteString("Notes from Bob, a scripted MSN contact of the msn2irc demo.\n\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "%2d. This file came over MSN's P2P protocol, through the switchboard.\n", i)
	}
	return "bob-notes.txt", []byte(b.String())
}

// demoPicture is Bob's display picture: a small blue square.
func demoPicture() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	for y := range 96 {
		for x := range 96 {
			img.Set(x, y, color.RGBA{R: 40, G: 90 + uint8(x), B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img) // a bytes.Buffer does not fail
	return buf.Bytes()
}

// countingWriter counts what is written and keeps nothing.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// takeFile accepts a file offered to a demo contact, counts it and
// thanks the sender in the chat; a file over demoFileMax is declined.
func takeFile(ctx context.Context, c *msn.Client, ev msn.FileOffer) {
	actx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if ev.Size > demoFileMax {
		c.DeclineFile(actx, ev.ID)
		return
	}
	var w countingWriter
	err := c.AcceptFile(actx, ev.ID, &w)
	if ev.Switchboard == nil {
		return
	}
	text := fmt.Sprintf("Thanks for %s: all %d bytes arrived.", ev.Name, w.n)
	if err != nil {
		text = fmt.Sprintf("Your file %s did not arrive whole (%d of %d bytes).", ev.Name, w.n, ev.Size)
	}
	ev.Switchboard.SendText(actx, text, msn.Format{})
}

// sendDemoFile sends Bob's demo file to to.
func sendDemoFile(ctx context.Context, c *msn.Client, to string) {
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	name, data := demoFile()
	c.SendFile(sctx, to, name, int64(len(data)), bytes.NewReader(data))
}
