package hubmesh

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func dial(t *testing.T, g *fakeGateway, opts ...Option) *Publisher {
	t.Helper()
	p, err := Dial(g.endpoint, append([]Option{WithIDPrefix("t-"), WithLinger(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSendKinds(t *testing.T) {
	g := startFakeGateway(t)
	p := dial(t, g)
	ctx := testContext(t)
	calls := []struct {
		err  error
		want string
	}{
		{p.SendAll(ctx, "chat", "newMessage", []any{"alice", "hi"}, Exclude("n1.c1"), Key("k1")),
			`{"v":1,"id":"t-1","kind":"all","hub":"chat","method":"newMessage","arguments":["alice","hi"],"exclude":["n1.c1"],"key":"k1"}`},
		{p.SendGroup(ctx, "chat", "lobby", "ReceiveMessage", []any{"gobot", "hello"}),
			`{"v":1,"id":"t-2","kind":"group","hub":"chat","group":"lobby","method":"ReceiveMessage","arguments":["gobot","hello"]}`},
		{p.SendUser(ctx, "chat", "u-42", "notify", nil, WithID("mine")),
			`{"v":1,"id":"mine","kind":"user","hub":"chat","user":"u-42","method":"notify","arguments":[]}`},
		{p.SendConnection(ctx, "chat", "n1.c7", "ping", []any{1.0}),
			`{"v":1,"id":"t-3","kind":"connection","hub":"chat","connection":"n1.c7","method":"ping","arguments":[1.0]}`},
		{p.SendPayloads(ctx, KindGroup, "chat", "g", map[string][]byte{"json": []byte("{}\x1e")}),
			`{"v":1,"id":"t-4","kind":"group","hub":"chat","group":"g","payloads":{"json":"e30e"}}`},
	}
	got := g.requests()
	for i, c := range calls {
		if c.err != nil {
			t.Errorf("call %d: %v", i, c.err)
		}
		if i >= len(got) || string(got[i]) != c.want {
			t.Errorf("call %d sent\n%s\nwant\n%s", i, got[min(i, len(got)-1)], c.want)
		}
	}
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func TestRefusalsAreErrorValues(t *testing.T) {
	g := startFakeGateway(t)
	p := dial(t, g)
	ctx := testContext(t)

	_, err := p.Publish(ctx, Request{Kind: "groupmanagement", Hub: "chat", Method: "m"})
	var perr *PublishError
	if !errors.As(err, &perr) || perr.Code != CodeForbiddenKind || perr.ID != "t-1" || perr.Message == "" {
		t.Fatalf("err = %#v", err)
	}
	if !errors.Is(err, &PublishError{Code: CodeForbiddenKind}) || errors.Is(err, &PublishError{Code: CodeBadRequest}) {
		t.Fatal("errors.Is does not match on the code")
	}
	if !strings.Contains(err.Error(), "forbidden_kind") {
		t.Fatalf("message %q", err)
	}

	res, err := p.Publish(ctx, Request{Kind: KindAll, Hub: "dup", Method: "m", Key: "k"})
	if err != nil || !res.OK || !res.Duplicate || res.ID != "t-2" {
		t.Fatalf("duplicate: %+v %v", res, err)
	}

	err = p.SendAll(ctx, "garbage", "m", nil)
	if !errors.Is(err, ErrBadReply) || !errors.As(err, &perr) || perr.Code != CodeBadReply {
		t.Fatalf("garbage reply: %v", err)
	}

	err = p.SendAll(ctx, "nullid", "m", nil)
	if !errors.As(err, &perr) || perr.Code != CodeBadJSON || perr.ID != "t-4" {
		t.Fatalf("null id reply: %#v", err)
	}

	err = p.SendAll(ctx, "big", "m", nil)
	if !errors.As(err, &perr) || perr.Code != CodeUnavailable || len(perr.Message) != 200_000 {
		t.Fatalf("big reply: %v", err)
	}

	if err := p.SendAll(ctx, "chat", "m", []any{func() {}}); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("unencodable: %v", err)
	}
	// The publisher still works after all that.
	if err := p.SendAll(ctx, "chat", "m", nil); err != nil {
		t.Fatal(err)
	}
}

func TestTimeoutsAndStaleReplies(t *testing.T) {
	g := startFakeGateway(t)
	p := dial(t, g, WithTimeout(150*time.Millisecond))
	ctx := testContext(t)

	start := time.Now()
	err := p.SendAll(ctx, "drop", "m", nil)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dropped request: %v", err)
	}
	if d := time.Since(start); d < 140*time.Millisecond || d > 2*time.Second {
		t.Fatalf("timed out after %v", d)
	}

	// A context deadline shorter than the publisher's timeout wins.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := p.SendAll(short, "drop", "m", nil); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) {
		t.Fatalf("context deadline: %v", err)
	}

	// The slow reply arrives after we gave up on it; the next call must skip it.
	if err := p.SendAll(ctx, "slow", "m", nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("slow: %v", err)
	}
	time.Sleep(250 * time.Millisecond)
	res, err := p.Publish(ctx, Request{Kind: KindAll, Hub: "chat", Method: "m", ID: "after"})
	if err != nil || res.ID != "after" {
		t.Fatalf("after a stale reply: %+v %v", res, err)
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	g := startFakeGateway(t)
	p := dial(t, g)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := p.SendAll(ctx, "drop", "m", nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancel took %v", d)
	}
	// A cancelled context does not even start.
	if err := p.SendAll(ctx, "chat", "m", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestNoGateway(t *testing.T) {
	// Nothing listens on port 1; ZeroMQ keeps reconnecting, the call times out.
	p, err := Dial("tcp://127.0.0.1:1", WithTimeout(200*time.Millisecond), WithLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.SendAll(context.Background(), "chat", "m", nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	if _, err := Dial("nonsense"); err == nil {
		t.Fatal("Dial accepted a bad endpoint")
	}
	if _, err := Dial(""); err == nil {
		t.Fatal("Dial accepted an empty endpoint")
	}
}

func TestClose(t *testing.T) {
	g := startFakeGateway(t)
	p, err := Dial(g.endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SendAll(testContext(t), "chat", "m", nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if err := p.SendAll(context.Background(), "chat", "m", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if _, err := p.PublishMany(context.Background(), []Request{{Kind: KindAll, Hub: "chat", Method: "m"}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("PublishMany after Close: %v", err)
	}
}

func TestSendBatch(t *testing.T) {
	g := startFakeGateway(t)
	p := dial(t, g)
	items := []Request{
		{ID: "first", Kind: KindAll, Hub: "chat", Method: "m", Arguments: []any{1}},
		{ID: "internal", Kind: "groupmanagement", Hub: "chat", Method: "m"},
		{Kind: KindUser, Hub: "dup", Target: "u", Method: "m", Key: "k"},
	}
	results, err := p.SendBatch(testContext(t), items)
	if err != nil {
		t.Fatal(err)
	}
	want := []Result{
		{ID: "first", OK: true},
		{ID: "internal", Code: CodeForbiddenKind, Message: "no"},
		{OK: true, Duplicate: true},
	}
	if fmt.Sprint(results) != fmt.Sprint(want) {
		t.Fatalf("results %+v", results)
	}
	sent := g.requests()[0]
	if !strings.HasPrefix(string(sent), `{"v":1,"id":"t-1","batch":[{"kind":"all",`) {
		t.Fatalf("sent %s", sent)
	}
}

func TestConcurrentCallsShareTheSocket(t *testing.T) {
	g := startFakeGateway(t, func(g *fakeGateway) { g.record = false })
	p := dial(t, g)
	ctx := testContext(t)
	const goroutines, each = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for i := 0; i < goroutines; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < each; j++ {
				var err error
				if j%50 == 0 {
					_, err = p.PublishMany(ctx, []Request{{Kind: KindAll, Hub: "chat", Method: "m"}, {Kind: KindAll, Hub: "chat", Method: "m"}})
				} else {
					err = p.SendGroup(ctx, "chat", fmt.Sprint("g", i), "m", []any{j})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, _ := g.stats(); n != goroutines*(each+each/50) {
		t.Fatalf("gateway got %d requests", n)
	}
}
