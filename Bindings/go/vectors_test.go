package hubmesh

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vectorsDir holds the golden vectors shared with the Swift and Python suites.
const vectorsDir = "../../Tests/vectors/gateway"

func readVectors(t *testing.T, name string, into any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorsDir, name))
	if err != nil {
		t.Fatalf("golden vectors: %v (they live in Tests/vectors/gateway of the repository)", err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

type vectorCall struct {
	ID        *string           `json:"id"`
	Kind      string            `json:"kind"`
	Hub       string            `json:"hub"`
	Target    *string           `json:"target"`
	Method    *string           `json:"method"`
	Arguments json.RawMessage   `json:"arguments"`
	Payloads  map[string]string `json:"payloads"`
	Exclude   []string          `json:"exclude"`
	Key       *string           `json:"key"`
	Batch     []vectorCall      `json:"batch"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// request builds the Request for a call; typed selects Arguments decoded into
// Go values (Object, int64, uint64, float64, ...) instead of RawArguments.
func (c vectorCall) request(t *testing.T, typed bool) Request {
	t.Helper()
	r := Request{
		ID:      deref(c.ID),
		Kind:    Kind(c.Kind),
		Hub:     c.Hub,
		Target:  deref(c.Target),
		Method:  deref(c.Method),
		Exclude: c.Exclude,
		Key:     deref(c.Key),
	}
	if len(c.Arguments) > 0 && string(c.Arguments) != "null" {
		if typed {
			v, err := decodeOrdered(c.Arguments)
			if err != nil {
				t.Fatal(err)
			}
			r.Arguments = v.([]any)
		} else {
			r.RawArguments = c.Arguments
		}
	}
	if c.Payloads != nil {
		r.Payloads = map[string][]byte{}
		for name, h := range c.Payloads {
			b, err := hex.DecodeString(h)
			if err != nil {
				t.Fatal(err)
			}
			r.Payloads[name] = b
		}
	}
	return r
}

// decodeOrdered decodes JSON into the Go values a caller would pass as
// arguments: objects as Object (keeping key order), integer tokens as int64
// or uint64, other numbers as float64.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var value func() (any, error)
	value = func() (any, error) {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '[' {
				list := []any{}
				for dec.More() {
					v, err := value()
					if err != nil {
						return nil, err
					}
					list = append(list, v)
				}
				_, err := dec.Token()
				return list, err
			}
			obj := Object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := value()
				if err != nil {
					return nil, err
				}
				obj = append(obj, Member{Key: k.(string), Value: v})
			}
			_, err := dec.Token()
			return obj, err
		case json.Number:
			s := string(t)
			if strings.ContainsAny(s, ".eE") {
				return t.Float64()
			}
			if i, err := t.Int64(); err == nil {
				return i, nil
			}
			var u uint64
			_, err := fmt.Sscan(s, &u)
			return u, err
		default:
			return t, nil
		}
	}
	return value()
}

func TestRequestVectors(t *testing.T) {
	var file struct {
		Cases []struct {
			Name  string     `json:"name"`
			Call  vectorCall `json:"call"`
			Frame string     `json:"frame"`
		} `json:"cases"`
	}
	readVectors(t, "requests.json", &file)
	if len(file.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, tc := range file.Cases {
		for _, typed := range []bool{false, true} {
			name := tc.Name + "/raw_arguments"
			if typed {
				name = tc.Name + "/typed_arguments"
			}
			t.Run(name, func(t *testing.T) {
				var got []byte
				var err error
				if tc.Call.Batch != nil {
					items := make([]Request, len(tc.Call.Batch))
					for i, item := range tc.Call.Batch {
						items[i] = item.request(t, typed)
					}
					got, err = EncodeBatch(deref(tc.Call.ID), items)
				} else {
					got, err = EncodeRequest(tc.Call.request(t, typed))
				}
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tc.Frame {
					t.Errorf("frame mismatch\n got: %s\nwant: %s", got, tc.Frame)
				}
			})
		}
	}
}

type vectorResult struct {
	OK        bool    `json:"ok"`
	Code      *string `json:"code"`
	Message   *string `json:"message"`
	Duplicate bool    `json:"duplicate"`
}

func (want vectorResult) check(t *testing.T, what string, got Result) {
	t.Helper()
	if got.OK != want.OK || string(got.Code) != deref(want.Code) || got.Duplicate != want.Duplicate {
		t.Errorf("%s: got ok=%v code=%q duplicate=%v, want ok=%v code=%q duplicate=%v",
			what, got.OK, got.Code, got.Duplicate, want.OK, deref(want.Code), want.Duplicate)
	}
	if deref(want.Code) != string(CodeBadReply) && got.Message != deref(want.Message) {
		t.Errorf("%s: message %q, want %q", what, got.Message, deref(want.Message))
	}
}

func TestReplyVectors(t *testing.T) {
	var file struct {
		Cases []struct {
			vectorResult
			Name     string         `json:"name"`
			Frame    *string        `json:"frame"`
			FrameHex *string        `json:"frame_hex"`
			ID       *string        `json:"id"`
			Results  []vectorResult `json:"results"`
		} `json:"cases"`
	}
	readVectors(t, "replies.json", &file)
	if len(file.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, tc := range file.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			var frame []byte
			if tc.FrameHex != nil {
				var err error
				if frame, err = hex.DecodeString(*tc.FrameHex); err != nil {
					t.Fatal(err)
				}
			} else {
				frame = []byte(deref(tc.Frame))
			}
			got, err := DecodeReply(frame)
			if bad := deref(tc.Code) == string(CodeBadReply); bad != (err != nil) || (bad && !errors.Is(err, ErrBadReply)) {
				t.Errorf("err = %v", err)
			}
			tc.check(t, "reply", got)
			if got.ID != deref(tc.ID) {
				t.Errorf("id %q, want %q", got.ID, deref(tc.ID))
			}
			if len(got.Results) != len(tc.Results) {
				t.Fatalf("%d results, want %d", len(got.Results), len(tc.Results))
			}
			for i, want := range tc.Results {
				want.check(t, fmt.Sprintf("result %d", i), got.Results[i])
			}
			if perr := got.Err(); got.OK == (perr != nil) {
				t.Errorf("Err() = %v for ok=%v", perr, got.OK)
			}
		})
	}
}

// TestPayloadVectors uses payloads.json twice: its json payloads are
// canonical JSON of method and arguments, so they check this package's
// argument encoding on many more values; and all payload bytes must survive
// the base64 of a payloads request.
func TestPayloadVectors(t *testing.T) {
	var file struct {
		Cases []struct {
			Name           string          `json:"name"`
			Method         string          `json:"method"`
			Arguments      json.RawMessage `json:"arguments"`
			JSONHex        string          `json:"json_hex"`
			MessagePackHex string          `json:"messagepack_hex"`
		} `json:"cases"`
	}
	readVectors(t, "payloads.json", &file)
	if len(file.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, tc := range file.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			j, err1 := hex.DecodeString(tc.JSONHex)
			m, err2 := hex.DecodeString(tc.MessagePackHex)
			if err1 != nil || err2 != nil {
				t.Fatal("bad hex")
			}
			args, err := decodeOrdered(tc.Arguments)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []Request{
				{Kind: KindAll, Hub: "h", Method: tc.Method, RawArguments: tc.Arguments},
				{Kind: KindAll, Hub: "h", Method: tc.Method, Arguments: args.([]any)},
			} {
				frame, err := EncodeRequest(r)
				if err != nil {
					t.Fatal(err)
				}
				prefix := `{"v":1,"kind":"all","hub":"h","method":`
				invocation := `{"type":1,"target":` + strings.TrimPrefix(string(frame), prefix)
				invocation = strings.Replace(invocation, `,"method":`, `,"target":`, 1)
				want := strings.TrimSuffix(string(j), "\x1e")
				if !strings.HasPrefix(string(frame), prefix) || invocation != want {
					t.Errorf("arguments (raw=%v) encode differently\n got: %s\nwant: %s", r.RawArguments != nil, invocation, want)
				}
			}
			frame, err := EncodeRequest(Request{Kind: KindAll, Hub: "chat", Payloads: map[string][]byte{"messagepack": m, "json": j}})
			if err != nil {
				t.Fatal(err)
			}
			var decoded struct{ Payloads map[string][]byte }
			if err := json.Unmarshal(frame, &decoded); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(decoded.Payloads["json"], j) || !bytes.Equal(decoded.Payloads["messagepack"], m) {
				t.Error("payloads do not round-trip")
			}
			if i, k := bytes.Index(frame, []byte(`"json"`)), bytes.Index(frame, []byte(`"messagepack"`)); i > k {
				t.Error("json must come before messagepack")
			}
		})
	}
}
