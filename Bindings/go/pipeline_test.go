package hubmesh

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPublishManyKeepsOrder(t *testing.T) {
	g := startFakeGateway(t, func(g *fakeGateway) { g.record = false })
	p := dial(t, g)
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	reqs := make([]Request, n)
	for i := range reqs {
		reqs[i] = Request{Kind: KindGroup, Hub: "chat", Target: "lobby", Method: "ReceiveMessage", Arguments: []any{"gobot", "hello from Go"}}
	}
	start := time.Now()
	results, err := p.PublishMany(testContext(t), reqs)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != n {
		t.Fatalf("%d results", len(results))
	}
	for i, r := range results {
		if want := "t-" + strconv.FormatUint(uint64(i+1), 36); !r.OK || r.ID != want {
			t.Fatalf("result %d: %+v, want ok with id %s", i, r, want)
		}
	}
	t.Logf("%d requests acknowledged in %v: %.0f msg/s (cgo ROUTER loopback, window 1000)", n, elapsed, float64(n)/elapsed.Seconds())
}

func TestPipelineRespectsWindow(t *testing.T) {
	g := startFakeGateway(t, func(g *fakeGateway) { g.holdReplies = true })
	p := dial(t, g)
	pl := p.Pipeline(testContext(t), 10)
	for i := 0; i < 35; i++ {
		if err := pl.Send(Request{Kind: KindAll, Hub: "chat", Method: "m", Arguments: []any{i}}); err != nil {
			t.Fatal(err)
		}
	}
	results, err := pl.Flush()
	if err != nil || len(results) != 35 {
		t.Fatalf("%d results, %v", len(results), err)
	}
	// 10 unless the machine stalled the client longer than the gateway's quiet period.
	if n, maxPending := g.stats(); n != 35 || maxPending > 10 || maxPending < 2 {
		t.Fatalf("gateway saw %d requests, at most %d unanswered; want 35 and 10", n, maxPending)
	}
	// The pipeline can be reused after Flush, and the socket is free again.
	if err := pl.Send(Request{Kind: KindAll, Hub: "chat", Method: "m"}); err != nil {
		t.Fatal(err)
	}
	if results, err := pl.Flush(); err != nil || len(results) != 1 || !results[0].OK {
		t.Fatalf("%+v %v", results, err)
	}
	if err := p.SendAll(testContext(t), "chat", "m", nil); err != nil {
		t.Fatal(err)
	}
}

func TestPublishManyRespectsWindow(t *testing.T) {
	g := startFakeGateway(t, func(g *fakeGateway) { g.holdReplies = true })
	p := dial(t, g, WithWindow(10))
	reqs := make([]Request, 35)
	for i := range reqs {
		reqs[i] = Request{Kind: KindAll, Hub: "chat", Method: "m", Arguments: []any{i}}
	}
	reqs[17].Method = "" // not encodable: a bad_request Result, not sent, in its place
	results, err := p.PublishMany(testContext(t), reqs)
	if err != nil || len(results) != 35 {
		t.Fatalf("%d results, %v", len(results), err)
	}
	for i, r := range results {
		if (i == 17) == r.OK || (i == 17 && r.Code != CodeBadRequest) {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	if n, maxPending := g.stats(); n != 34 || maxPending > 10 || maxPending < 2 {
		t.Fatalf("gateway saw %d requests, at most %d unanswered; want 34 and 10", n, maxPending)
	}
}

func TestPublishManyMixedResults(t *testing.T) {
	g := startFakeGateway(t)
	p := dial(t, g, WithWindow(4))
	var reqs []Request
	for i := 0; i < 30; i++ {
		r := Request{Kind: KindAll, Hub: "chat", Method: "m", Arguments: []any{i}}
		switch {
		case i%7 == 3:
			r.Arguments = []any{"refuse"}
		case i%11 == 5:
			r.Arguments = []any{make(chan int)} // cannot be encoded: never sent
		case i%13 == 6:
			r.Hub = "dup"
		}
		reqs = append(reqs, r)
	}
	results, err := p.PublishMany(testContext(t), reqs)
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for i, r := range results {
		var want Code
		switch {
		case i%7 == 3:
			want = CodeBadRequest
		case i%11 == 5:
			want = CodeBadRequest
			if !strings.Contains(r.Message, "invalid request") || r.ID != "" {
				t.Errorf("result %d: %+v", i, r)
			}
			if results[i].OK {
				t.Errorf("result %d ok", i)
			}
			continue
		case i%13 == 6:
			if !r.Duplicate {
				t.Errorf("result %d: %+v, want duplicate", i, r)
			}
		}
		sent++
		if r.Code != want || r.OK != (want == "") || r.ID != "t-"+strconv.FormatUint(uint64(sent), 36) {
			t.Errorf("result %d: %+v, want code %q", i, r, want)
		}
	}
	if n, _ := g.stats(); n != sent {
		t.Fatalf("gateway got %d, want %d", n, sent)
	}
}

func TestPipelineBreaksOnTimeout(t *testing.T) {
	g := startFakeGateway(t)
	p := dial(t, g, WithTimeout(200*time.Millisecond))
	pl := p.Pipeline(testContext(t), 100)
	hubs := []string{"chat", "chat", "drop", "chat", "chat"}
	for _, hub := range hubs {
		if err := pl.Send(Request{Kind: KindAll, Hub: hub, Method: "m"}); err != nil {
			t.Fatal(err)
		}
	}
	results, err := pl.Flush()
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	if len(results) != len(hubs) {
		t.Fatalf("%d results", len(results))
	}
	for i, r := range results {
		if ok := i < 2; r.OK != ok || (!ok && r.Code != CodeTimeout) || r.ID == "" {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	// Late replies to the abandoned requests are skipped by the next call.
	if err := p.SendAll(testContext(t), "chat", "m", nil); err != nil {
		t.Fatal(err)
	}
	// A cancelled context stops PublishMany before it sends anything.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	results, err = p.PublishMany(ctx, []Request{{Kind: KindAll, Hub: "chat", Method: "m"}})
	if !errors.Is(err, context.Canceled) || len(results) != 1 || results[0].Code != CodeTimeout {
		t.Fatalf("%+v %v", results, err)
	}
}

func BenchmarkEncodeRequest(b *testing.B) {
	r := Request{ID: "0123abcd-1x3", Kind: KindGroup, Hub: "chat", Target: "lobby", Method: "ReceiveMessage", Arguments: []any{"gobot", "hello from Go"}}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var err error
		if buf, err = appendRequest(buf[:0], &r, r.ID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPublishMany(b *testing.B) {
	g := startFakeGateway(b, func(g *fakeGateway) { g.record = false })
	p, err := Dial(g.endpoint, WithLinger(0))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	reqs := make([]Request, 10_000)
	for i := range reqs {
		reqs[i] = Request{Kind: KindGroup, Hub: "chat", Target: "lobby", Method: "ReceiveMessage", Arguments: []any{"gobot", "hello from Go"}}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := p.PublishMany(context.Background(), reqs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(reqs))/time.Since(start).Seconds(), "msg/s")
}
