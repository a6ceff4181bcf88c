package hubmesh

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hubmesh/hubmesh-go/internal/zmq"
)

// TestLiveIngressVectors replays ingress.json (the cases for the ROUTER) with
// a raw DEALER, frame for frame.
func TestLiveIngressVectors(t *testing.T) {
	var file struct {
		Cases []map[string]json.RawMessage `json:"cases"`
	}
	readVectors(t, "ingress.json", &file)
	// Fresh gateways: the vectors' idempotency keys must be new to them.
	plain := startGateway(t)
	withHubs := startGateway(t, "chat")
	for _, c := range file.Cases {
		var name, mode string
		var hubs []string
		_ = json.Unmarshal(c["name"], &name)
		_ = json.Unmarshal(c["mode"], &mode)
		_ = json.Unmarshal(c["hubs"], &hubs)
		if mode == "stdin" {
			continue
		}
		g := plain
		if len(hubs) > 0 {
			if len(hubs) != 1 || hubs[0] != "chat" {
				t.Fatalf("%s: hub list %v not supported by this test", name, hubs)
			}
			g = withHubs
		}
		t.Run(name, func(t *testing.T) { replayIngressCase(t, g.endpoint, c) })
	}
	for _, g := range []*gatewayProcess{plain, withHubs} {
		if !g.alive() {
			t.Errorf("gateway died:\n%s", g.logs())
		}
	}
}

func replayIngressCase(t *testing.T, endpoint string, c map[string]json.RawMessage) {
	zctx, err := zmq.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = zctx.Term() }()
	sock, err := zctx.NewSocket(zmq.DEALER)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sock.Close() }()
	_ = sock.SetInt(zmq.OptLinger, 0)
	if err := sock.Connect(endpoint); err != nil {
		t.Fatal(err)
	}
	ask := func(frames [][]byte) [][]byte {
		t.Helper()
		if err := sock.SendMessage(frames, time.Now().Add(10*time.Second), nil); err != nil {
			t.Fatalf("send: %v", err)
		}
		reply, _, err := sock.RecvMessage(nil, time.Now().Add(10*time.Second), nil)
		if err != nil {
			t.Fatalf("no reply: %v", err)
		}
		return reply
	}
	decode := func(frame []byte) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal(frame, &m); err != nil {
			t.Fatalf("reply %q: %v", frame, err)
		}
		return m
	}
	for _, field := range []struct {
		name string
		ok   bool
	}{{"before", true}, {"before_errors", false}} {
		var frames []string
		_ = json.Unmarshal(c[field.name], &frames)
		for _, f := range frames {
			if r := decode(ask([][]byte{[]byte(f)})[0]); r["ok"] != field.ok {
				t.Fatalf("%s frame %s: %v", field.name, f, r)
			}
		}
	}
	frames := ingressFrames(t, c)
	reply := ask(frames)
	var expect map[string]any
	if err := json.Unmarshal(c["expect"], &expect); err != nil {
		t.Fatal(err)
	}
	if len(frames) == 2 && len(frames[0]) == 0 && expect["ok"] == true {
		if len(reply) != 2 || len(reply[0]) != 0 {
			t.Fatalf("REQ-style request: reply of %d frames", len(reply))
		}
	} else if len(reply) != 1 {
		t.Fatalf("reply of %d frames", len(reply))
	}
	checkExpect(t, "reply", decode(reply[len(reply)-1]), expect)
}

func ingressFrames(t *testing.T, c map[string]json.RawMessage) [][]byte {
	t.Helper()
	var s string
	var n int
	var list []string
	switch {
	case c["frames"] != nil:
		_ = json.Unmarshal(c["frames"], &list)
		frames := make([][]byte, len(list))
		for i, f := range list {
			frames[i] = []byte(f)
		}
		return frames
	case c["frame_hex"] != nil:
		_ = json.Unmarshal(c["frame_hex"], &s)
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{b}
	case c["oversize"] != nil:
		_ = json.Unmarshal(c["oversize"], &n)
		head, tail := `{"v":1,"id":"oversize","kind":"all","hub":"chat","method":"m","arguments":["`, `"]}`
		return [][]byte{[]byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)}
	case c["batch_of"] != nil:
		_ = json.Unmarshal(c["batch_of"], &n)
		item := `{"kind":"all","hub":"chat","method":"m","arguments":[]}`
		items := strings.TrimSuffix(strings.Repeat(item+",", n), ",")
		return [][]byte{[]byte(`{"v":1,"id":"batch","batch":[` + items + `]}`)}
	default:
		_ = json.Unmarshal(c["frame"], &s)
		return [][]byte{[]byte(s)}
	}
}

// checkExpect compares the fields expect names, with ingress.json's rules.
func checkExpect(t *testing.T, where string, reply, expect map[string]any) {
	t.Helper()
	if reply["ok"] != expect["ok"] {
		t.Errorf("%s: ok: %v", where, reply)
	}
	if code, ok := expect["code"]; ok && reply["code"] != code {
		t.Errorf("%s: code %v, want %v", where, reply["code"], code)
	}
	if _, hasResults := expect["results"]; expect["ok"] == false && !hasResults {
		if m, _ := reply["message"].(string); m == "" {
			t.Errorf("%s: no message: %v", where, reply)
		}
	}
	if id, ok := expect["id"]; ok {
		if got, present := reply["id"]; !present || got != id {
			t.Errorf("%s: id %v, want %v", where, reply["id"], id)
		}
	}
	if dup, ok := expect["duplicate"]; ok && (reply["duplicate"] == true) != (dup == true) {
		t.Errorf("%s: duplicate %v, want %v", where, reply["duplicate"], dup)
	}
	if want, ok := expect["results"].([]any); ok {
		got, _ := reply["results"].([]any)
		if len(got) != len(want) {
			t.Fatalf("%s: results %v, want %d", where, reply["results"], len(want))
		}
		for i := range want {
			g, _ := got[i].(map[string]any)
			w, _ := want[i].(map[string]any)
			checkExpect(t, fmt.Sprintf("%s item %d", where, i), g, w)
		}
	}
}
