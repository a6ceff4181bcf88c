package hubmesh

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hubmesh/hubmesh-go/internal/zmq"
)

// DefaultEndpoint is where a gateway listens for publishers by default.
const DefaultEndpoint = "tcp://127.0.0.1:7000"

// Publisher publishes hub messages through one gateway over one ZeroMQ
// DEALER socket.
//
// A Publisher is safe for concurrent use by multiple goroutines, but its
// calls take turns on the socket: a call (or a Pipeline between its first
// Send and its Flush) holds the socket until its last reply is in, and other
// calls wait for it, giving up when their context ends. For throughput, use
// PublishMany or a Pipeline, which keep many requests in flight; for
// parallelism, use several Publishers.
type Publisher struct {
	endpoint string
	cfg      config

	// lock is held (a value in the channel) by whoever uses the fields below;
	// a channel rather than a mutex so that waiting honours a context.
	lock   chan struct{}
	closed bool
	zctx   *zmq.Context
	sock   *zmq.Socket
	out    []byte // the request being sent
	in     []byte // the last reply received
	seq    uint64
	prefix []byte
	ids    idBlock
}

// Dial creates a Publisher for the gateway at endpoint (such as
// DefaultEndpoint). ZeroMQ connects in the background and reconnects by
// itself: Dial does not wait for the gateway, the first call does.
func Dial(endpoint string, opts ...Option) (*Publisher, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	if endpoint == "" {
		return nil, fmt.Errorf("hubmesh: dial: empty endpoint")
	}
	prefix := cfg.idPrefix
	if prefix == "" {
		var random [4]byte
		if _, err := rand.Read(random[:]); err != nil {
			return nil, fmt.Errorf("hubmesh: dial: %w", err)
		}
		prefix = hex.EncodeToString(random[:]) + "-"
	}
	zctx, err := zmq.NewContext()
	if err != nil {
		return nil, fmt.Errorf("hubmesh: dial %s: %w", endpoint, err)
	}
	sock, err := newDealer(zctx, endpoint, &cfg)
	if err != nil {
		_ = zctx.Term()
		return nil, fmt.Errorf("hubmesh: dial %s: %w", endpoint, err)
	}
	return &Publisher{
		endpoint: endpoint,
		cfg:      cfg,
		lock:     make(chan struct{}, 1),
		zctx:     zctx,
		sock:     sock,
		out:      make([]byte, 0, 512),
		in:       make([]byte, 0, 512),
		prefix:   []byte(prefix),
	}, nil
}

func newDealer(zctx *zmq.Context, endpoint string, cfg *config) (*zmq.Socket, error) {
	sock, err := zctx.NewSocket(zmq.DEALER)
	if err != nil {
		return nil, err
	}
	options := []struct{ option, value int }{
		{zmq.OptLinger, int(cfg.linger / time.Millisecond)},
		{zmq.OptSndHWM, cfg.hwm},
		// Replies are bounded by the requests in flight: never drop one.
		{zmq.OptRcvHWM, 0},
		// Queue requests only on a live connection, so that a request that
		// timed out waiting for the gateway is not delivered later.
		{zmq.OptImmediate, 1},
	}
	for _, o := range options {
		if err := sock.SetInt(o.option, o.value); err != nil {
			_ = sock.Close()
			return nil, err
		}
	}
	if err := sock.Connect(endpoint); err != nil {
		_ = sock.Close()
		return nil, err
	}
	return sock, nil
}

// Close closes the socket, waiting up to the linger time (WithLinger) for
// queued requests to leave. It waits for calls in progress to finish; flush
// Pipelines before closing. Calls after Close return ErrClosed.
func (p *Publisher) Close() error {
	p.lock <- struct{}{}
	defer p.release()
	if p.closed {
		return ErrClosed
	}
	p.closed = true
	err := p.sock.Close()
	if termErr := p.zctx.Term(); err == nil {
		err = termErr
	}
	if err != nil {
		return fmt.Errorf("hubmesh: close: %w", err)
	}
	return nil
}

// SendAll sends method(args...) to every connection of hub.
// Options: Exclude, Key, WithID.
func (p *Publisher) SendAll(ctx context.Context, hub, method string, args []any, opts ...SendOption) error {
	return p.send(ctx, Request{Kind: KindAll, Hub: hub, Method: method, Arguments: args}, opts)
}

// SendGroup sends method(args...) to every connection in group of hub.
// Options: Exclude, Key, WithID.
func (p *Publisher) SendGroup(ctx context.Context, hub, group, method string, args []any, opts ...SendOption) error {
	return p.send(ctx, Request{Kind: KindGroup, Hub: hub, Target: group, Method: method, Arguments: args}, opts)
}

// SendUser sends method(args...) to every connection of user on hub.
// Options: Key, WithID.
func (p *Publisher) SendUser(ctx context.Context, hub, user, method string, args []any, opts ...SendOption) error {
	return p.send(ctx, Request{Kind: KindUser, Hub: hub, Target: user, Method: method, Arguments: args}, opts)
}

// SendConnection sends method(args...) to one connection of hub.
// Options: Key, WithID.
func (p *Publisher) SendConnection(ctx context.Context, hub, connectionID, method string, args []any, opts ...SendOption) error {
	return p.send(ctx, Request{Kind: KindConnection, Hub: hub, Target: connectionID, Method: method, Arguments: args}, opts)
}

// SendPayloads sends hub messages already serialized per hub protocol
// (protocol name → framed bytes, such as "json" and "messagepack") to the
// target of kind (empty for KindAll).
func (p *Publisher) SendPayloads(ctx context.Context, kind Kind, hub, target string, payloads map[string][]byte, opts ...SendOption) error {
	if payloads == nil {
		payloads = map[string][]byte{}
	}
	return p.send(ctx, Request{Kind: kind, Hub: hub, Target: target, Payloads: payloads}, opts)
}

func (p *Publisher) send(ctx context.Context, req Request, opts []SendOption) error {
	for _, opt := range opts {
		opt(&req)
	}
	_, err := p.Publish(ctx, req)
	return err
}

// Publish sends one request and waits for its reply. The error is the
// Result's Err when the gateway refused the request, a transport error, or
// one matching the context's error when ctx ended first. The Result tells
// an accepted duplicate (idempotency key seen before) apart.
func (p *Publisher) Publish(ctx context.Context, req Request) (Result, error) {
	if err := p.acquire(ctx); err != nil {
		return Result{}, err
	}
	defer p.release()
	w := newWaiter(ctx, p.cfg.timeout)
	id, err := p.encode(&req)
	if err != nil {
		return Result{}, err
	}
	if err := p.sendFrame(&w); err != nil {
		return Result{}, err
	}
	res, err := p.await(&w, id)
	if err != nil {
		return Result{}, err
	}
	return res, res.Err()
}

// SendBatch sends several requests in one frame and returns one Result per
// request, in order. The error is nil when the gateway answered for each
// item, even if some were refused: check each Result's Err. It is a
// *PublishError when the gateway refused the batch as a whole.
func (p *Publisher) SendBatch(ctx context.Context, items []Request) ([]Result, error) {
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	defer p.release()
	w := newWaiter(ctx, p.cfg.timeout)
	id := p.nextID()
	out, err := appendBatch(p.out[:0], id, items)
	if err != nil {
		return nil, err
	}
	p.out = out
	p.commitID()
	if err := p.sendFrame(&w); err != nil {
		return nil, err
	}
	res, err := p.await(&w, id)
	if err != nil {
		return nil, err
	}
	if res.Results == nil {
		if !res.OK {
			return nil, res.Err()
		}
		return nil, fmt.Errorf("%w: batch reply without results", ErrBadReply)
	}
	if len(res.Results) != len(items) {
		return nil, fmt.Errorf("%w: %d results for %d batch items", ErrBadReply, len(res.Results), len(items))
	}
	for i := range res.Results {
		res.Results[i].ID = items[i].ID
	}
	return res.Results, nil
}

func (p *Publisher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("hubmesh: %w", err)
	}
	select {
	case p.lock <- struct{}{}:
	default:
		select {
		case p.lock <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("hubmesh: waiting for the publisher: %w", ctx.Err())
		}
	}
	if p.closed {
		p.release()
		return ErrClosed
	}
	return nil
}

func (p *Publisher) release() { <-p.lock }

// nextID returns a fresh request id: the prefix and a base-36 counter.
// The counter only moves on with commitID, so refused requests leave no gaps.
func (p *Publisher) nextID() string {
	return p.ids.id(p.prefix, p.seq+1)
}

// idBlockSize is how many ids an idBlock spells out at most.
const idBlockSize = 256

// idBlock spells out the ids of consecutive counter values in one string,
// so that generated ids cost one allocation per block instead of one each
// (the ids are substrings of it).
type idBlock struct {
	first uint64 // counter value of the first id
	count uint64 // how many ids text holds; 0: no block yet
	text  string
	ends  [idBlockSize]uint16
}

func (b *idBlock) id(prefix []byte, n uint64) string {
	if n < b.first || n-b.first >= b.count {
		b.fill(prefix, n)
		if b.count == 0 { // a prefix too long for a block
			return string(strconv.AppendUint(append([]byte(nil), prefix...), n, 36))
		}
	}
	i := n - b.first
	start := uint16(0)
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.text[start:b.ends[i]]
}

func (b *idBlock) fill(prefix []byte, n uint64) {
	const maxDigits = 13 // base 36 of a uint64
	count := uint64(0xFFFF / (len(prefix) + maxDigits))
	if count > idBlockSize {
		count = idBlockSize
	}
	if rest := ^uint64(0) - n + 1; rest != 0 && count > rest {
		count = rest // the counter's last values
	}
	var digitsBuf [maxDigits + 1]byte
	digits := strconv.AppendUint(digitsBuf[:0], n, 36)
	buf := make([]byte, 0, int(count)*(len(prefix)+len(digits)+1))
	for i := uint64(0); i < count; i++ {
		if i > 0 {
			digits = incrementBase36(digits)
		}
		buf = append(buf, prefix...)
		buf = append(buf, digits...)
		b.ends[i] = uint16(len(buf))
	}
	b.first, b.count, b.text = n, count, string(buf)
}

// incrementBase36 adds one to a number written in base 36 with the digits
// 0-9a-z (as strconv writes it), in place unless it grows by a digit.
func incrementBase36(digits []byte) []byte {
	for i := len(digits) - 1; i >= 0; i-- {
		switch c := digits[i]; c {
		case '9':
			digits[i] = 'a'
			return digits
		case 'z':
			digits[i] = '0' // and carry
		default:
			digits[i] = c + 1
			return digits
		}
	}
	return append([]byte{'1'}, digits...)
}

func (p *Publisher) commitID() { p.seq++ }

// encode encodes req into p.out, giving it an id when it has none.
func (p *Publisher) encode(req *Request) (string, error) {
	id := req.ID
	generated := id == ""
	if generated {
		id = p.nextID()
	} else if !utf8.ValidString(id) {
		return "", fmt.Errorf("%w: id is not valid UTF-8", ErrInvalidRequest)
	}
	out, err := appendRequest(p.out[:0], req, id)
	if err != nil {
		return "", err
	}
	p.out = out
	if generated {
		p.commitID()
	}
	return id, nil
}

// encodePart appends req to parts as one zmq part (see zmq.AppendPart),
// giving it an id when it has none. On error parts is returned unchanged.
func (p *Publisher) encodePart(parts []byte, req *Request) ([]byte, string, error) {
	id := req.ID
	generated := id == ""
	if generated {
		id = p.nextID()
	} else if !utf8.ValidString(id) {
		return parts, "", fmt.Errorf("%w: id is not valid UTF-8", ErrInvalidRequest)
	}
	start := len(parts)
	out, err := appendRequest(append(parts, 0, 0, 0, 0), req, id)
	if err != nil {
		return parts, "", err
	}
	binary.LittleEndian.PutUint32(out[start:], uint32(len(out)-start-4))
	if generated {
		p.commitID()
	}
	return out, id, nil
}

// sendFrame sends p.out, waiting for room as long as w allows.
func (p *Publisher) sendFrame(w *waiter) error {
	if err := p.sock.Send(p.out, false, w.deadline(), w.cancel); err != nil {
		return w.fail("sending to "+p.endpoint+" (is the gateway running?)", err)
	}
	return nil
}

// await receives replies until the one for id, skipping replies to requests
// abandoned earlier (after a timeout or cancellation).
func (p *Publisher) await(w *waiter, id string) (Result, error) {
	for {
		res, matched, err := p.receive(w.deadline(), w.cancel, id)
		if err != nil {
			return Result{}, w.fail("waiting for a reply from "+p.endpoint, err)
		}
		if matched {
			return res, nil
		}
	}
}

// receive reads one reply and reports whether it answers the request id,
// the oldest in flight. A reply with a null (empty) id, or one that cannot be
// decoded (a bad_reply Result), answers it too: replies come in request order.
// Other replies answer requests abandoned earlier and are dropped.
func (p *Publisher) receive(deadline time.Time, cancel func() error, id string) (Result, bool, error) {
	frame, _, err := p.sock.Recv(p.in, deadline, cancel)
	if cap(frame) > cap(p.in) {
		p.in = frame[:0]
	}
	if err != nil {
		return Result{}, false, err
	}
	res, matched := matchReply(frame, id)
	return res, matched, nil
}

// matchReply decodes a reply frame and reports whether it answers the
// request id, the oldest in flight (see receive).
func matchReply(frame []byte, id string) (Result, bool) {
	if got, ok := fastAccepted(frame); ok {
		if string(got) != id {
			return Result{}, false
		}
		return Result{ID: id, OK: true}, true
	}
	res, _ := DecodeReply(frame)
	if res.ID != id && res.ID != "" {
		return Result{}, false
	}
	res.ID = id
	return res, true
}

// waiter bounds each wait of one call by the call's context and the
// Publisher's timeout.
type waiter struct {
	ctx     context.Context
	timeout time.Duration
	cancel  func() error
}

func newWaiter(ctx context.Context, timeout time.Duration) waiter {
	return waiter{ctx: ctx, timeout: timeout, cancel: ctx.Err}
}

func (w *waiter) deadline() time.Time {
	d := time.Now().Add(w.timeout)
	if cd, ok := w.ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

// fail turns an error from the socket into the call's error.
func (w *waiter) fail(op string, err error) error {
	if errors.Is(err, zmq.ErrTimeout) {
		if ctxErr := w.ctx.Err(); ctxErr != nil {
			err = ctxErr
		} else if cd, ok := w.ctx.Deadline(); ok && !time.Now().Before(cd) {
			err = context.DeadlineExceeded
		} else {
			return fmt.Errorf("hubmesh: %s: %w", op, ErrTimeout)
		}
	}
	return fmt.Errorf("hubmesh: %s: %w", op, err)
}
