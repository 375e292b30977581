package mapping

import "strconv"

// ircPalette is the RGB value (0xRRGGBB) of each of the 16 standard mIRC
// colours, by number: white, black, blue (navy), green, red, brown
// (maroon), purple, orange, yellow, light green, cyan (teal), light cyan,
// light blue, pink, grey and light grey.
var ircPalette = [16]uint32{
	0xffffff, 0x000000, 0x00007f, 0x009300, 0xff0000, 0x7f0000, 0x9c009c, 0xfc7f00,
	0xffff00, 0x00fc00, 0x009393, 0x00ffff, 0x0000fc, 0xff00ff, 0x7f7f7f, 0xd2d2d2,
}

// ircBlack is the number of black in ircPalette: MSN's default text
// colour (CO=0), so it means no colour both ways.
const ircBlack = 1

// nearestIRCColor returns the number of the mIRC colour nearest to rgb
// (0xRRGGBB), by the distance of the red, green and blue values.
func nearestIRCColor(rgb uint32) int {
	best, bestDist := 0, -1
	for i, p := range ircPalette {
		d := 0
		for shift := 0; shift <= 16; shift += 8 {
			x := int(rgb>>shift&0xff) - int(p>>shift&0xff)
			d += x * x
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = i, d
		}
	}
	return best
}

// bgrToRGB turns MSN's CO value (0xBBGGRR) into 0xRRGGBB, and back: the
// swap is its own inverse.
func bgrToRGB(c uint32) uint32 {
	return c&0xff<<16 | c&0xff00 | c>>16&0xff
}

// ircColorOf returns the mIRC colour number (0 to 15) for an MSN colour
// (CO, as BGR), or -1 for none: black, MSN's default, is none.
func ircColorOf(bgr uint32) int {
	if bgr == 0 {
		return -1
	}
	if n := nearestIRCColor(bgrToRGB(bgr & 0xffffff)); n != ircBlack {
		return n
	}
	return -1
}

// msnColorOf returns MSN's CO value (BGR) for mIRC colour number n.
func msnColorOf(n int) uint32 {
	return bgrToRGB(ircPalette[n])
}

// foreground returns the text colour that the colour code code (as
// style.color holds it: "\x03NN[,NN]" or "\x04RRGGBB[,RRGGBB]") sets, as a
// number of ircPalette, or -1 for none: no code, the default colour (99),
// or one of the extended colours 16 to 98, which MSN is not given. A hex
// colour counts as the palette colour nearest to it.
func foreground(code string) int {
	switch {
	case len(code) >= 3 && code[0] == codeColor:
		n, err := strconv.Atoi(code[1:3])
		if err != nil || n >= len(ircPalette) {
			return -1
		}
		return n
	case len(code) >= 7 && code[0] == codeHexColor:
		rgb, err := strconv.ParseUint(code[1:7], 16, 32)
		if err != nil {
			return -1
		}
		return nearestIRCColor(uint32(rgb))
	}
	return -1
}
