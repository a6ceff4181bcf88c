package zmq

import (
	"bytes"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pair returns a ROUTER bound to an ephemeral loopback port and a DEALER connected to it.
func pair(t *testing.T) (router, dealer *Socket) {
	t.Helper()
	ctx, err := NewContext()
	if err != nil {
		t.Fatal(err)
	}
	router, err = ctx.NewSocket(ROUTER)
	if err != nil {
		t.Fatal(err)
	}
	dealer, err = ctx.NewSocket(DEALER)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = router.Close()
		_ = dealer.Close()
		if err := ctx.Term(); err != nil {
			t.Errorf("term: %v", err)
		}
	})
	for _, s := range []*Socket{router, dealer} {
		if err := s.SetInt(OptLinger, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := router.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	endpoint, err := router.LastEndpoint()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(endpoint, "tcp://127.0.0.1:") {
		t.Fatalf("endpoint %q", endpoint)
	}
	if err := dealer.Connect(endpoint); err != nil {
		t.Fatal(err)
	}
	return router, dealer
}

func deadline() time.Time { return time.Now().Add(5 * time.Second) }

func TestDealerRouterRoundTrip(t *testing.T) {
	router, dealer := pair(t)
	if err := dealer.Send([]byte("hello"), false, deadline(), nil); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 64)
	identity, more, err := router.Recv(buf, deadline(), nil)
	if err != nil || !more {
		t.Fatalf("identity frame: %q more=%v err=%v", identity, more, err)
	}
	identity = append([]byte(nil), identity...)
	body, more, err := router.Recv(buf, deadline(), nil)
	if err != nil || more || string(body) != "hello" {
		t.Fatalf("body frame: %q more=%v err=%v", body, more, err)
	}
	if err := router.Send(identity, true, deadline(), nil); err != nil {
		t.Fatal(err)
	}
	if err := router.Send([]byte("world"), false, deadline(), nil); err != nil {
		t.Fatal(err)
	}
	reply, more, err := dealer.Recv(nil, deadline(), nil)
	if err != nil || more || string(reply) != "world" {
		t.Fatalf("reply: %q more=%v err=%v", reply, more, err)
	}
}

func TestRecvGrowsBufferForLargeFrames(t *testing.T) {
	router, dealer := pair(t)
	big := bytes.Repeat([]byte("0123456789"), 100_000)
	if err := dealer.Send(big, false, deadline(), nil); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 16)
	if _, _, err := router.Recv(buf, deadline(), nil); err != nil {
		t.Fatal(err)
	}
	body, more, err := router.Recv(buf, deadline(), nil)
	if err != nil || more || !bytes.Equal(body, big) {
		t.Fatalf("got %d bytes more=%v err=%v", len(body), more, err)
	}
	// An empty frame.
	if err := dealer.Send(nil, false, deadline(), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := router.Recv(buf, deadline(), nil); err != nil {
		t.Fatal(err)
	}
	body, _, err = router.Recv(buf, deadline(), nil)
	if err != nil || len(body) != 0 {
		t.Fatalf("empty frame: %q err=%v", body, err)
	}
}

func TestRecvTimesOut(t *testing.T) {
	_, dealer := pair(t)
	start := time.Now()
	_, _, err := dealer.Recv(nil, time.Now().Add(120*time.Millisecond), nil)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want timeout", err)
	}
	if elapsed := time.Since(start); elapsed < 100*time.Millisecond || elapsed > 2*time.Second {
		t.Fatalf("timed out after %v", elapsed)
	}
	if _, _, err := dealer.Recv(nil, NoWait, nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("NoWait: err = %v", err)
	}
}

func TestRecvStopsOnCancel(t *testing.T) {
	_, dealer := pair(t)
	stop := errors.New("stop")
	var calls int
	start := time.Now()
	_, _, err := dealer.Recv(nil, time.Time{}, func() error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("cancel took %v", elapsed)
	}
}

func TestSendWithoutPeerTimesOut(t *testing.T) {
	ctx, err := NewContext()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ctx.Term() }()
	dealer, err := ctx.NewSocket(DEALER)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = dealer.Close() }()
	_ = dealer.SetInt(OptLinger, 0)
	// A DEALER with no peer has no pipe to queue into: send must wait, then time out.
	err = dealer.Send([]byte("x"), false, time.Now().Add(100*time.Millisecond), nil)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want timeout", err)
	}
}

func TestErrorsCarryErrno(t *testing.T) {
	ctx, err := NewContext()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ctx.Term() }()
	s, err := ctx.NewSocket(DEALER)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Connect("nonsense://x")
	var zerr *Error
	if !errors.As(err, &zerr) || !errors.Is(err, syscall.EPROTONOSUPPORT) {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(err.Error(), "nonsense://x") {
		t.Fatalf("message %q does not name the endpoint", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
	if err := s.Send([]byte("x"), false, time.Time{}, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("send after close: %v", err)
	}
	if _, err := ctx.NewSocket(99); err == nil {
		t.Fatal("socket type 99 accepted")
	}
}

func TestMultipartMessages(t *testing.T) {
	router, dealer := pair(t)
	big := bytes.Repeat([]byte("z"), 70_000)
	if err := dealer.SendMessage([][]byte{[]byte("a"), nil, big}, deadline(), nil); err != nil {
		t.Fatal(err)
	}
	frames, buf, err := router.RecvMessage(nil, deadline(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 4 || string(frames[1]) != "a" || len(frames[2]) != 0 || !bytes.Equal(frames[3], big) {
		t.Fatalf("got %d frames", len(frames))
	}
	identity := append([]byte(nil), frames[0]...)
	if err := router.SendMessage([][]byte{identity, []byte("x"), []byte("y")}, deadline(), nil); err != nil {
		t.Fatal(err)
	}
	// Single-frame Recv sees the parts one by one.
	for _, want := range []string{"x", "y"} {
		frame, more, err := dealer.Recv(nil, deadline(), nil)
		if err != nil || string(frame) != want || more != (want == "x") {
			t.Fatalf("frame %q more=%v err=%v", frame, more, err)
		}
	}
	if _, _, err := router.RecvMessage(buf, NoWait, nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("empty queue: %v", err)
	}
}

func TestSendEachAndRecvEach(t *testing.T) {
	router, dealer := pair(t)
	frames := []string{"one", "", strings.Repeat("z", 5000), "four"}
	var parts []byte
	for _, f := range frames {
		parts = AppendPart(parts, []byte(f))
	}
	// Nothing to receive yet: RecvEach times out like Recv.
	if _, n, err := dealer.RecvEach(nil, 10, NoWait, nil); !errors.Is(err, ErrTimeout) || n != 0 {
		t.Fatalf("empty socket: n=%d err=%v", n, err)
	}
	if n, err := dealer.SendEach(parts, len(frames)); err != nil || n != len(frames) {
		t.Fatalf("SendEach: %d, %v", n, err)
	}
	// Each part arrives as its own message of one frame; echo them back.
	var identity []byte
	for i, want := range frames {
		id, more, err := router.Recv(nil, deadline(), nil)
		if err != nil || !more {
			t.Fatalf("message %d: identity more=%v err=%v", i, more, err)
		}
		identity = id
		body, more, err := router.Recv(nil, deadline(), nil)
		if err != nil || more || string(body) != want {
			t.Fatalf("message %d: %q more=%v err=%v", i, body, more, err)
		}
		if err := router.SendMessage([][]byte{identity, body}, deadline(), nil); err != nil {
			t.Fatal(err)
		}
	}
	// RecvEach takes at most max frames, in order, and waits only for the first.
	var got []string
	buf := make([]byte, 0, 8)
	for len(got) < len(frames) {
		parts, n, err := dealer.RecvEach(buf, 3, deadline(), nil)
		if err != nil || n < 1 || n > 3 {
			t.Fatalf("RecvEach: n=%d err=%v", n, err)
		}
		for i := 0; i < n; i++ {
			var f []byte
			f, parts = NextPart(parts)
			got = append(got, string(f))
		}
		if len(parts) != 0 {
			t.Fatalf("%d bytes left over", len(parts))
		}
	}
	if strings.Join(got, "|") != strings.Join(frames, "|") {
		t.Fatalf("got %q", got)
	}
}

func TestSendEachStopsAtFullQueue(t *testing.T) {
	ctx, err := NewContext()
	if err != nil {
		t.Fatal(err)
	}
	dealer, err := ctx.NewSocket(DEALER)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = dealer.Close(); _ = ctx.Term() }()
	for _, o := range [][2]int{{OptLinger, 0}, {OptImmediate, 1}} {
		if err := dealer.SetInt(o[0], o[1]); err != nil {
			t.Fatal(err)
		}
	}
	// Connected to nothing, with IMMEDIATE: the queue takes nothing.
	if err := dealer.Connect("tcp://127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	parts := AppendPart(AppendPart(nil, []byte("a")), []byte("b"))
	if n, err := dealer.SendEach(parts, 2); n != 0 || !errors.Is(err, ErrTimeout) {
		t.Fatalf("SendEach with no peer: %d, %v", n, err)
	}
}

// Signals interrupt libzmq calls (EINTR): the Go runtime's own preemption signal, SIGURG, among
// them. A multipart message must still arrive whole, never split in two, whichever part of the
// send or the receive the signal hits. SIGURG is sent to the process without pause meanwhile.
func TestMultipartMessagesStayWholeUnderSignals(t *testing.T) {
	router, dealer := pair(t)
	stop := make(chan struct{})
	signals := make(chan int)
	go func() {
		sent := 0
		defer func() { signals <- sent }()
		for {
			select {
			case <-stop:
				return
			default:
				_ = syscall.Kill(syscall.Getpid(), syscall.SIGURG)
				sent++
			}
		}
	}()
	const n = 100_000
	parts := [][]byte{[]byte("first"), bytes.Repeat([]byte("m"), 300), []byte("last")}
	sendErr := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := dealer.SendMessage(parts, deadline(), nil); err != nil {
				sendErr <- err
				return
			}
		}
		sendErr <- nil
	}()
	var buf []byte
	limit := time.Now().Add(60 * time.Second)
	for i := 0; i < n; i++ {
		var frames [][]byte
		var err error
		frames, buf, err = router.RecvMessage(buf, limit, nil)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if len(frames) != 4 || string(frames[1]) != "first" || len(frames[2]) != 300 || string(frames[3]) != "last" {
			t.Fatalf("message %d arrived as %d frames, not whole", i, len(frames))
		}
	}
	close(stop)
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d messages whole while %d signals were sent", n, <-signals)
}
