package hubmesh

import (
	"bufio"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFloatsMatchPythonRepr(t *testing.T) {
	f, err := os.Open("testdata/python_float_repr.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	n := 0
	for scanner.Scan() {
		line := scanner.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		bitsHex, want, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		bits, err := strconv.ParseUint(bitsHex, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendFloat(nil, math.Float64frombits(bits), 64)
		if !ok || string(got) != want {
			t.Errorf("%s: got %q, want %q", bitsHex, got, want)
		}
		n++
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 1000 {
		t.Fatalf("only %d floats checked", n)
	}
}

func TestArgumentValues(t *testing.T) {
	type point struct {
		Y int    `json:"y"`
		X string `json:"x"`
	}
	cases := []struct {
		name string
		args []any
		want string
	}{
		{"nil arguments", nil, `[]`},
		{"integers", []any{int8(-8), int16(16), int32(-32), int64(math.MinInt64), uint(1), uint8(8), uint16(16), uint32(32), uint64(math.MaxUint64)}, `[-8,16,-32,-9223372036854775808,1,8,16,32,18446744073709551615]`},
		{"floats stay floats", []any{1.0, float32(0.1), math.Copysign(0, -1), 1e16, 2.5e-5}, `[1.0,0.1,-0.0,1e+16,2.5e-05]`},
		{"json.Number verbatim", []any{json.Number("1.50"), json.Number("-0"), json.Number("12345678901234567890")}, `[1.50,-0,12345678901234567890]`},
		{"raw message canonicalized", []any{json.RawMessage(` { "b" : "\u00e9\/" , "a" : [ 1.0 ] } `)}, `[{"b":"é/","a":[1.0]}]`},
		{"maps sorted", []any{map[string]any{"b": 1, "a": map[string]string{"y": "1", "x": "2"}}}, `[{"a":{"x":"2","y":"1"},"b":1}]`},
		{"object ordered", []any{Object{{"z", 1}, {"a", []string{"<&>"}}}}, `[{"z":1,"a":["<&>"]}]`},
		{"struct via encoding/json", []any{point{Y: 1, X: "<\u2028>"}}, `[{"y":1,"x":"<` + "\u2028" + `>"}]`},
		{"invalid UTF-8 replaced", []any{"a\xffb"}, `["a` + "\uFFFD" + `b"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			frame, err := EncodeRequest(Request{Kind: KindAll, Hub: "h", Method: "m", Arguments: tc.args})
			if err != nil {
				t.Fatal(err)
			}
			want := `{"v":1,"kind":"all","hub":"h","method":"m","arguments":` + tc.want + `}`
			if string(frame) != want {
				t.Errorf("\n got: %s\nwant: %s", frame, want)
			}
		})
	}
}

func TestInvalidRequests(t *testing.T) {
	deep := []any{}
	for i := 0; i < 100; i++ {
		deep = []any{deep}
	}
	cases := []struct {
		name string
		req  Request
	}{
		{"no method, no payloads", Request{Kind: KindAll, Hub: "h"}},
		{"method and payloads", Request{Kind: KindAll, Hub: "h", Method: "m", Payloads: map[string][]byte{"json": {0x1e}}}},
		{"NaN", Request{Kind: KindAll, Hub: "h", Method: "m", Arguments: []any{math.NaN()}}},
		{"infinity", Request{Kind: KindAll, Hub: "h", Method: "m", Arguments: []any{map[string]any{"x": math.Inf(-1)}}}},
		{"bad json.Number", Request{Kind: KindAll, Hub: "h", Method: "m", Arguments: []any{json.Number("0x10")}}},
		{"raw arguments not an array", Request{Kind: KindAll, Hub: "h", Method: "m", RawArguments: json.RawMessage(`{"a":1}`)}},
		{"raw arguments invalid", Request{Kind: KindAll, Hub: "h", Method: "m", RawArguments: json.RawMessage(`[1,`)}},
		{"raw arguments two values", Request{Kind: KindAll, Hub: "h", Method: "m", RawArguments: json.RawMessage(`[1] [2]`)}},
		{"raw arguments empty", Request{Kind: KindAll, Hub: "h", Method: "m", RawArguments: json.RawMessage(` `)}},
		{"too deep", Request{Kind: KindAll, Hub: "h", Method: "m", Arguments: deep}},
		{"unencodable type", Request{Kind: KindAll, Hub: "h", Method: "m", Arguments: []any{make(chan int)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			frame, err := EncodeRequest(tc.req)
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("got %s, %v; want ErrInvalidRequest", frame, err)
			}
		})
	}
	if _, err := EncodeBatch("b", []Request{{Kind: KindAll, Hub: "h", Method: "m"}, {Kind: KindAll}}); !errors.Is(err, ErrInvalidRequest) ||
		!strings.Contains(err.Error(), "batch item 1") {
		t.Fatalf("batch: %v", err)
	}
}

func TestTargetOnlyForItsKind(t *testing.T) {
	frame, err := EncodeRequest(Request{ID: "x", Kind: KindAll, Hub: "h", Target: "ignored", Method: "m"})
	if err != nil || string(frame) != `{"v":1,"id":"x","kind":"all","hub":"h","method":"m","arguments":[]}` {
		t.Fatalf("%s %v", frame, err)
	}
	// Unknown kinds are sent as they are, for the gateway to refuse.
	frame, err = EncodeRequest(Request{ID: "gm", Kind: "groupmanagement", Hub: "h", Target: "g", Method: "m"})
	if err != nil || string(frame) != `{"v":1,"id":"gm","kind":"groupmanagement","hub":"h","method":"m","arguments":[]}` {
		t.Fatalf("%s %v", frame, err)
	}
}

// FuzzAppendString checks that every string encodes to JSON that decodes
// back to it (after invalid UTF-8 became U+FFFD) and escapes nothing beyond
// what canonical form allows.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "plain text, longer than 8 bytes \"quoted\" and \\ and \x01 and é", "q\"b\\", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "é日😀", "\u2028\u2029", "<>&/", "\xff\xfe", "a\xc0\xafb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendString(nil, s)
		if !utf8.Valid(enc) {
			t.Fatalf("%q encodes to invalid UTF-8 %q", s, enc)
		}
		var back string
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %q: %v", s, enc, err)
		}
		var want strings.Builder
		for _, r := range s { // ranging over a string yields U+FFFD per invalid byte
			want.WriteRune(r)
		}
		if back != want.String() {
			t.Fatalf("%q round-trips to %q", s, back)
		}
		if strings.Contains(string(enc), `\u`) {
			for i := 0; i+1 < len(enc); i++ {
				if enc[i] == '\\' {
					if enc[i+1] == 'u' && enc[i+2] != '0' {
						t.Fatalf("%q: unexpected escape in %q", s, enc)
					}
					i++
				}
			}
		}
	})
}

func TestGeneratedIDsAcrossBlocks(t *testing.T) {
	// Every id of a long run, across blocks and digit carries.
	var run idBlock
	for n := uint64(1); n < 50_000; n++ {
		if got, want := run.id([]byte("r-"), n), "r-"+strconv.FormatUint(n, 36); got != want {
			t.Fatalf("id %d: got %q, want %q", n, got, want)
		}
	}
	for _, prefix := range []string{"", "p-", strings.Repeat("x", 300), strings.Repeat("y", 70_000)} {
		var b idBlock
		for _, n := range []uint64{1, 2, 35, 36, 255, 256, 257, 1000, 999, 1295, 1296, 1 << 40, 1<<64 - 300, 1<<64 - 2, 1<<64 - 1} {
			want := prefix + strconv.FormatUint(n, 36)
			if got := b.id([]byte(prefix), n); got != want {
				t.Fatalf("prefix of %d bytes, id %d: got %q", len(prefix), n, got)
			}
		}
	}
}

func TestSpecial8MatchesByteTable(t *testing.T) {
	isSpecial := func(c byte) bool { return c >= utf8.RuneSelf || !plain[c] }
	// Every byte value at every position, among plain and among special neighbours.
	for _, fill := range []byte{'a', ' ', '~', 0x7f, 0x21, 0x5b, 0x5d} {
		for pos := 0; pos < 8; pos++ {
			for c := 0; c < 256; c++ {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				x := uint64(0)
				for i := 7; i >= 0; i-- {
					x = x<<8 | uint64(b[i])
				}
				want := isSpecial(byte(c)) || isSpecial(fill)
				if got := special8(x); got != want {
					t.Fatalf("bytes %q: special8 = %v, want %v", b[:], got, want)
				}
			}
		}
	}
	// And long strings through appendString agree with encoding/json's view.
	long := strings.Repeat("plain text ", 10)
	for _, s := range []string{long, long + "\"", "\x01" + long, long[:13] + "é" + long, long[:16] + "\\" + long[:7]} {
		var back string
		if err := json.Unmarshal(appendString(nil, s), &back); err != nil || back != s {
			t.Fatalf("%q: %q %v", s, back, err)
		}
	}
}
