package hubmesh

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// plain marks the ASCII bytes written as they are inside a JSON string.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString appends s as a JSON string in the protocol's canonical form
// (docs/gateway-protocol.md, section 2.2), which is Python's
// json.dumps(ensure_ascii=False): only the quote, the backslash and control
// characters below U+0020 are escaped (\b \f \n \r \t, else \u00xx); all other
// UTF-8 is written as is. Invalid UTF-8 becomes U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	// Fast path: copy s, then look for the first byte that needs care in the
	// copy, eight bytes at a time. Most strings have none.
	base := len(dst)
	dst = append(dst, s...)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if special8(binary.LittleEndian.Uint64(dst[base+i:])) {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || !plain[c] {
			break
		}
	}
	if i == len(s) {
		return append(dst, '"')
	}
	// From the first such byte on, write the rest piece by piece.
	dst = dst[:base+i]
	start := i
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const (
	lsb8 = 0x0101010101010101
	msb8 = 0x8080808080808080
)

// special8 reports whether any of the eight bytes in x is not written as
// is: below 0x20, a quote, a backslash, or 0x80 and above (UTF-8, checked
// byte by byte). The bit tricks "has a byte less than n" and "has a zero
// byte" are exact as a yes/no answer.
func special8(x uint64) bool {
	quote := x ^ (lsb8 * '"')
	backslash := x ^ (lsb8 * '\\')
	control := (x - lsb8*0x20) &^ x
	quotes := (quote - lsb8) &^ quote
	backslashes := (backslash - lsb8) &^ backslash
	return (control|quotes|backslashes|x)&msb8 != 0
}

// appendFloat appends f in the protocol's canonical float form, Python's
// repr: the shortest digits that round-trip, always recognizable as a float
// ("1.0", "1e+16", "1e-05"). NaN and infinities are refused.
func appendFloat(dst []byte, f float64, bitSize int) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	// Shortest round-trip digits in exponent form: [-]d[.ddd]e±XX.
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, bitSize)
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	mark := 0
	for mark < len(e) && e[mark] != 'e' {
		mark++
	}
	mantissa, exp := e[:mark], e[mark+1:]
	var digits [24]byte
	nd := 0
	for _, c := range mantissa {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	x, _ := strconv.Atoi(string(exp)) // exp is a valid small integer
	decpt := x + 1                    // value = 0.d1d2… × 10^decpt
	if f == 0 {
		decpt = 1
	}
	switch {
	case decpt <= -4 || decpt > 16:
		dst = append(dst, digits[0])
		if nd > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:nd]...)
		}
		dst = append(dst, 'e')
		if x < 0 {
			dst = append(dst, '-')
			x = -x
		} else {
			dst = append(dst, '+')
		}
		if x < 10 {
			dst = append(dst, '0')
		}
		dst = strconv.AppendInt(dst, int64(x), 10)
	case decpt <= 0:
		dst = append(dst, '0', '.')
		for i := decpt; i < 0; i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, digits[:nd]...)
	case decpt < nd:
		dst = append(dst, digits[:decpt]...)
		dst = append(dst, '.')
		dst = append(dst, digits[decpt:nd]...)
	default:
		dst = append(dst, digits[:nd]...)
		for i := nd; i < decpt; i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, '.', '0')
	}
	return dst, true
}
