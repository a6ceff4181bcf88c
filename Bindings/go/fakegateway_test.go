package hubmesh

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hubmesh/hubmesh-go/internal/zmq"
)

// fakeGateway is a tiny gateway written with the cgo layer: a ROUTER on an
// ephemeral loopback port, served by one goroutine that owns the socket.
// By default it accepts every request; hubs with special names misbehave:
//
//	"forbidden" → forbidden_kind for kind groupmanagement (as the real one)
//	"dup"       → accepted as a duplicate
//	"drop"      → never answered
//	"slow"      → answered after 300 ms (later requests wait behind it)
//	"garbage"   → answered with the bytes OK
//	"nullid"    → answered with "id":null and bad_json
//	"big"       → refused with a 200 kB message
//
// and every request whose arguments' first value is "refuse" is refused
// with bad_request. With holdReplies, replies are held back until no request
// arrived for 50 ms, to observe the client's window.
type fakeGateway struct {
	t           testing.TB
	endpoint    string
	holdReplies bool

	mu         sync.Mutex
	frames     [][]byte // every request frame, in arrival order (when record is set)
	record     bool
	count      int
	maxPending int

	stop chan struct{}
	done chan struct{}
}

type fakeRequest struct {
	ID        *string           `json:"id"`
	Kind      string            `json:"kind"`
	Hub       string            `json:"hub"`
	Arguments []json.RawMessage `json:"arguments"`
	Batch     []fakeRequest     `json:"batch"`
}

func startFakeGateway(t testing.TB, configure ...func(*fakeGateway)) *fakeGateway {
	t.Helper()
	g := &fakeGateway{t: t, stop: make(chan struct{}), done: make(chan struct{}), record: true}
	for _, c := range configure {
		c(g)
	}
	zctx, err := zmq.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	sock, err := zctx.NewSocket(zmq.ROUTER)
	if err != nil {
		t.Fatal(err)
	}
	if err := sock.SetInt(zmq.OptLinger, 0); err != nil {
		t.Fatal(err)
	}
	if err := sock.SetInt(zmq.OptRcvHWM, 0); err != nil {
		t.Fatal(err)
	}
	if err := sock.SetInt(zmq.OptSndHWM, 0); err != nil {
		t.Fatal(err)
	}
	if err := sock.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	if g.endpoint, err = sock.LastEndpoint(); err != nil {
		t.Fatal(err)
	}
	go g.serve(zctx, sock)
	t.Cleanup(g.close)
	return g
}

func (g *fakeGateway) close() {
	select {
	case <-g.stop:
	default:
		close(g.stop)
	}
	select {
	case <-g.done:
	case <-time.After(5 * time.Second):
		g.t.Error("fake gateway did not stop")
	}
}

func (g *fakeGateway) stopped() error {
	select {
	case <-g.stop:
		return errStopped
	default:
		return nil
	}
}

var errStopped = errors.New("stopped")

type heldReply struct {
	identity []byte
	reply    []byte
	due      time.Time
}

func (g *fakeGateway) serve(zctx *zmq.Context, sock *zmq.Socket) {
	defer close(g.done)
	defer func() {
		_ = sock.Close()
		_ = zctx.Term()
	}()
	buf := make([]byte, 0, 4096)
	var held []heldReply
	for {
		wait := time.Time{}
		if len(held) > 0 {
			wait = time.Now().Add(50 * time.Millisecond)
			if !g.holdReplies && held[0].due.Before(wait) {
				wait = held[0].due
			}
		}
		var frames [][]byte
		var err error
		frames, buf, err = sock.RecvMessage(buf, wait, g.stopped)
		if errors.Is(err, zmq.ErrTimeout) {
			// Quiet (hold mode: flush all) or a delayed reply is due.
			if g.holdReplies {
				for _, h := range held {
					g.send(sock, h.identity, h.reply)
				}
				held = nil
			}
			held = g.flushDue(sock, held)
			continue
		}
		if err != nil {
			return
		}
		if len(frames) != 2 {
			g.t.Errorf("fake gateway: message of %d frames", len(frames))
			continue
		}
		identity, body := frames[0], frames[1]
		reply, delay, ok := g.answer(body)
		g.mu.Lock()
		g.count++
		if g.record {
			g.frames = append(g.frames, append([]byte(nil), body...))
		}
		if p := len(held) + 1; p > g.maxPending {
			g.maxPending = p
		}
		g.mu.Unlock()
		if !ok {
			continue
		}
		if g.holdReplies || delay > 0 || len(held) > 0 {
			identity = append([]byte(nil), identity...)
			held = append(held, heldReply{identity: identity, reply: reply, due: time.Now().Add(delay)})
			if !g.holdReplies {
				held = g.flushDue(sock, held)
			}
			continue
		}
		g.send(sock, identity, reply)
	}
}

// flushDue sends the held replies that are due, in order.
func (g *fakeGateway) flushDue(sock *zmq.Socket, held []heldReply) []heldReply {
	now := time.Now()
	for len(held) > 0 && !held[0].due.After(now) {
		g.send(sock, held[0].identity, held[0].reply)
		held = held[1:]
	}
	return held
}

func (g *fakeGateway) send(sock *zmq.Socket, identity, reply []byte) {
	if err := sock.SendMessage([][]byte{identity, reply}, time.Now().Add(time.Second), nil); err != nil {
		g.t.Errorf("fake gateway: send: %v", err)
	}
}

// fastID finds the id of a request in canonical form without decoding it all.
func fastID(body []byte) ([]byte, bool) {
	const prefix = `{"v":1,"id":"`
	if !bytes.HasPrefix(body, []byte(prefix)) {
		return nil, false
	}
	rest := body[len(prefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return nil, false
	}
	return rest[:end], true
}

// answer returns the reply to one request, a delay, and whether to reply at all.
func (g *fakeGateway) answer(body []byte) ([]byte, time.Duration, bool) {
	if id, ok := fastID(body); ok && bytes.Contains(body, []byte(`"hub":"chat"`)) && !bytes.Contains(body, []byte(`"refuse"`)) &&
		!bytes.Contains(body, []byte(`"batch"`)) && !bytes.Contains(body, []byte(`"kind":"groupmanagement"`)) {
		return []byte(`{"id":"` + string(id) + `","ok":true}`), 0, true
	}
	var req fakeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return []byte(`{"id":null,"ok":false,"code":"bad_json","message":"not JSON"}`), 0, true
	}
	id := "null"
	if req.ID != nil {
		b, _ := json.Marshal(*req.ID)
		id = string(b)
	}
	refusal := func(code, message string) []byte {
		m, _ := json.Marshal(message)
		return []byte(fmt.Sprintf(`{"id":%s,"ok":false,"code":%q,"message":%s}`, id, code, m))
	}
	if req.Batch != nil {
		var results [][]byte
		all := true
		for _, item := range req.Batch {
			r := itemResult(item)
			all = all && bytes.HasPrefix(r, []byte(`{"ok":true`))
			results = append(results, r)
		}
		return []byte(fmt.Sprintf(`{"id":%s,"ok":%v,"results":[%s]}`, id, all, bytes.Join(results, []byte(",")))), 0, true
	}
	if req.Kind == "groupmanagement" {
		return refusal("forbidden_kind", "group management is internal to the mesh"), 0, true
	}
	if len(req.Arguments) > 0 && string(req.Arguments[0]) == `"refuse"` {
		return refusal("bad_request", "refused as asked"), 0, true
	}
	switch req.Hub {
	case "dup":
		return []byte(fmt.Sprintf(`{"id":%s,"ok":true,"duplicate":true}`, id)), 0, true
	case "drop":
		return nil, 0, false
	case "slow":
		return []byte(fmt.Sprintf(`{"id":%s,"ok":true}`, id)), 300 * time.Millisecond, true
	case "garbage":
		return []byte("OK"), 0, true
	case "nullid":
		return []byte(`{"id":null,"ok":false,"code":"bad_json","message":"could not read it"}`), 0, true
	case "big":
		return refusal("unavailable", string(bytes.Repeat([]byte("x"), 200_000))), 0, true
	}
	return []byte(fmt.Sprintf(`{"id":%s,"ok":true}`, id)), 0, true
}

func itemResult(item fakeRequest) []byte {
	if item.Kind == "groupmanagement" {
		return []byte(`{"ok":false,"code":"forbidden_kind","message":"no"}`)
	}
	if item.Hub == "dup" {
		return []byte(`{"ok":true,"duplicate":true}`)
	}
	return []byte(`{"ok":true}`)
}

func (g *fakeGateway) requests() [][]byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([][]byte(nil), g.frames...)
}

func (g *fakeGateway) stats() (count, maxPending int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.count, g.maxPending
}
