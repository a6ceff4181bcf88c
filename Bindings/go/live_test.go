package hubmesh

// Tests against the real gateway executable: $HUBMESH_GATEWAY_BIN, or
// .build/debug/hubmesh-gateway at the repository root. They are skipped, with
// the reason, while it does not exist. Loopback only; every wait is bounded.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const readyTimeout = 60 * time.Second

func gatewayBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("HUBMESH_GATEWAY_BIN")
	if bin == "" {
		root, err := filepath.Abs("../..")
		if err != nil {
			t.Fatal(err)
		}
		bin = filepath.Join(root, ".build", "debug", "hubmesh-gateway")
	}
	if info, err := os.Stat(bin); err != nil || info.IsDir() {
		t.Skipf("live test skipped: gateway executable %s not found (build it with `swift build` at the repository root, or set HUBMESH_GATEWAY_BIN)", bin)
	}
	return bin
}

// gatewayProcess is one hubmesh-gateway started by a test.
type gatewayProcess struct {
	endpoint string
	cmd      *exec.Cmd
	exited   chan struct{}

	mu     sync.Mutex
	output bytes.Buffer
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startGateway starts a gateway on free loopback ports and waits until it
// prints a line containing "ready". It is stopped when the test ends.
func startGateway(t *testing.T, hubs ...string) *gatewayProcess {
	t.Helper()
	g, err := launchGateway(gatewayBinary(t), freePort(t), hubs)
	if errors.Is(err, errPlaceholder) {
		t.Skipf("live test skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.stop)
	return g
}

// errPlaceholder reports an executable that is not a gateway yet: it exits
// at once saying it is not implemented.
var errPlaceholder = errors.New("the gateway executable is still a placeholder")

func launchGateway(bin string, ingressPort int, hubs []string) (*gatewayProcess, error) {
	g := &gatewayProcess{endpoint: fmt.Sprintf("tcp://127.0.0.1:%d", ingressPort), exited: make(chan struct{})}
	// Port 0: the system picks the mesh ROUTER and PUB ports (a fixed pair can collide).
	args := []string{"--ingress", g.endpoint, "--mesh", "tcp://127.0.0.1:0"}
	for _, h := range hubs {
		args = append(args, "--hub", h)
	}
	g.cmd = exec.Command(bin, args...)
	stdout, err := g.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := g.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := g.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	ready := make(chan struct{}, 2)
	var pumps sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		pumps.Add(1)
		go func(r io.Reader) {
			defer pumps.Done()
			scanner := bufio.NewScanner(r)
			scanner.Buffer(make([]byte, 64*1024), 1<<20)
			for scanner.Scan() {
				line := scanner.Text()
				g.mu.Lock()
				g.output.WriteString(line + "\n")
				g.mu.Unlock()
				if strings.Contains(line, "ready") {
					select {
					case ready <- struct{}{}:
					default:
					}
				}
			}
		}(r)
	}
	go func() {
		pumps.Wait() // the pipes are read to the end before Wait closes them
		_ = g.cmd.Wait()
		close(g.exited)
	}()
	select {
	case <-ready:
		return g, nil
	case <-g.exited:
		if strings.Contains(strings.ToLower(g.logs()), "not implemented") {
			return nil, fmt.Errorf("%w: %s printed %q", errPlaceholder, bin, strings.TrimSpace(g.logs()))
		}
		return nil, fmt.Errorf("gateway %s exited before it was ready (%v):\n%s", bin, g.cmd.ProcessState, g.logs())
	case <-time.After(readyTimeout):
		g.stop()
		return nil, fmt.Errorf("gateway %s not ready within %v:\n%s", bin, readyTimeout, g.logs())
	}
}

func (g *gatewayProcess) logs() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.output.String()
}

func (g *gatewayProcess) alive() bool {
	select {
	case <-g.exited:
		return false
	default:
		return true
	}
}

// stop terminates the gateway (SIGTERM, then SIGKILL after 10 s).
func (g *gatewayProcess) stop() {
	if !g.alive() {
		return
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.exited:
	case <-time.After(10 * time.Second):
		_ = g.cmd.Process.Kill()
		select {
		case <-g.exited:
		case <-time.After(10 * time.Second):
		}
	}
}

func liveDial(t *testing.T, g *gatewayProcess, opts ...Option) *Publisher {
	t.Helper()
	p, err := Dial(g.endpoint, append([]Option{WithTimeout(10 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func liveContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLiveGateway(t *testing.T) {
	g := startGateway(t)
	ctx := liveContext(t)

	t.Run("SendAll", func(t *testing.T) {
		p := liveDial(t, g)
		res, err := p.Publish(ctx, Request{Kind: KindAll, Hub: "chat", Method: "newMessage", Arguments: []any{"alice", "h\u00e9llo \U0001F600"}})
		if err != nil || !res.OK || res.Duplicate {
			t.Fatalf("%+v %v", res, err)
		}
		if err := p.SendAll(ctx, "chat", "newMessage", []any{"bob", 1.5, nil, Object{{"z", 1}, {"a", true}}}, Exclude("n1.c1")); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("GroupManagementForbidden", func(t *testing.T) {
		p := liveDial(t, g)
		for _, kind := range []Kind{"groupmanagement", "GroupManagement"} {
			_, err := p.Publish(ctx, Request{Kind: kind, Hub: "chat", Target: "g", Method: "m"})
			var perr *PublishError
			if !errors.As(err, &perr) || perr.Code != CodeForbiddenKind || perr.Message == "" {
				t.Errorf("%s: %v", kind, err)
			}
			err = p.SendPayloads(ctx, kind, "chat", "", map[string][]byte{"json": []byte(`{"type":1,"target":"m","arguments":[]}` + "\x1e")})
			if !errors.Is(err, &PublishError{Code: CodeForbiddenKind}) {
				t.Errorf("%s payloads: %v", kind, err)
			}
		}
		// The publisher keeps working after a refusal.
		if err := p.SendAll(ctx, "chat", "m", nil); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("EveryKindPayloadsAndBatch", func(t *testing.T) {
		p := liveDial(t, g)
		mp, _ := hex.DecodeString("12960180c0a473656e6492a5616c6963650190")
		js := []byte(`{"type":1,"target":"send","arguments":["alice",1]}` + "\x1e")
		for i, err := range []error{
			p.SendGroup(ctx, "chat", "room-1", "m", []any{1, 2.5, nil, map[string]any{"a": []any{true}}}, Exclude("n1.c1")),
			p.SendUser(ctx, "chat", "u-1", "m", nil),
			p.SendConnection(ctx, "chat", "n1.c1", "m", []any{"x"}),
			p.SendPayloads(ctx, KindAll, "chat", "", map[string][]byte{"json": js, "messagepack": mp}, Exclude("n1.c2")),
		} {
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}
		results, err := p.SendBatch(ctx, []Request{
			{Kind: KindAll, Hub: "chat", Method: "m", Arguments: []any{1}},
			{Kind: "GroupManagement", Hub: "chat", Target: "g", Method: "m"},
			{Kind: KindGroup, Hub: "", Target: "g", Method: "m"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 3 || !results[0].OK || results[1].Code != CodeForbiddenKind || results[2].Code != CodeBadRequest {
			t.Fatalf("batch results %+v", results)
		}
	})

	t.Run("IdempotencyKey", func(t *testing.T) {
		p := liveDial(t, g)
		key := fmt.Sprintf("go-live-%d", time.Now().UnixNano())
		first, err1 := p.Publish(ctx, Request{Kind: KindAll, Hub: "chat", Method: "m", Key: key})
		second, err2 := p.Publish(ctx, Request{Kind: KindAll, Hub: "chat", Method: "m", Key: key})
		if err1 != nil || err2 != nil || first.Duplicate || !second.Duplicate {
			t.Fatalf("%+v %v / %+v %v", first, err1, second, err2)
		}
	})

	t.Run("Pipelined10000", func(t *testing.T) {
		p := liveDial(t, g)
		const n = 10_000
		reqs := make([]Request, n)
		for i := range reqs {
			reqs[i] = Request{Kind: KindAll, Hub: "chat", Method: "tick", Arguments: []any{i, "payload"}}
		}
		start := time.Now()
		results, err := p.PublishMany(ctx, reqs)
		elapsed := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != n {
			t.Fatalf("%d results", len(results))
		}
		for i, r := range results {
			if !r.OK {
				t.Fatalf("request %d: %+v", i, r)
			}
		}
		t.Logf("%d requests acknowledged by the gateway in %v: %.0f msg/s", n, elapsed, n/elapsed.Seconds())
	})

	if !g.alive() {
		t.Fatalf("gateway died:\n%s", g.logs())
	}
}

func TestLiveDeclaredHubs(t *testing.T) {
	g := startGateway(t, "chat")
	p := liveDial(t, g)
	ctx := liveContext(t)
	if err := p.SendAll(ctx, "chat", "m", nil); err != nil {
		t.Fatal(err)
	}
	if err := p.SendAll(ctx, "lobby", "m", nil); !errors.Is(err, &PublishError{Code: CodeUnknownHub}) {
		t.Fatalf("err = %v", err)
	}
}
