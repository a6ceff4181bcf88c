package hubmesh

import (
	"context"
	"errors"

	"github.com/hubmesh/hubmesh-go/internal/zmq"
)

// Pipeline sends requests without waiting for each reply, keeping up to a
// window of them in flight on the Publisher's socket, and collects one
// Result per request, in request order.
//
// A Pipeline is used by one goroutine. From its first Send until Flush it
// holds the Publisher's socket: other calls on the Publisher wait meanwhile,
// so always Flush.
type Pipeline struct {
	p      *Publisher
	w      waiter
	window int

	held     bool
	err      error      // set when the pipeline broke; returned by Send and Flush
	inflight []inflight // ring buffer: n requests sent, then staged ones, waiting for their reply
	head     int
	n        int    // requests sent and not answered yet
	staged   int    // requests encoded into parts, not sent yet
	parts    []byte // the staged request frames, laid out as zmq parts
	results  []Result
}

type inflight struct {
	id    string
	index int // into results
}

// Staging bounds for PublishMany: requests are encoded into one buffer and
// handed to ZeroMQ in one cgo call per chunk instead of one per request.
const (
	stageMaxRequests = 256
	stageMaxBytes    = 64 << 10
)

// Pipeline starts a pipeline bounded by ctx with at most window requests in
// flight (window <= 0: the Publisher's window, 1000 by default).
func (p *Publisher) Pipeline(ctx context.Context, window int) *Pipeline {
	if window <= 0 {
		window = p.cfg.window
	}
	return &Pipeline{p: p, w: newWaiter(ctx, p.cfg.timeout), window: window}
}

// PublishMany sends reqs pipelined (see WithWindow) and returns one Result
// per request, in order. A request that cannot be encoded gets a Result with
// CodeBadRequest and is not sent. The error is non-nil when the pipeline
// broke (context ended, timeout, socket error): requests left without a reply
// then have Results with CodeTimeout.
//
// Requests leave in chunks of up to 256 (one call into libzmq per chunk,
// never more than the window in flight); replies are taken in chunks too.
func (p *Publisher) PublishMany(ctx context.Context, reqs []Request) ([]Result, error) {
	pl := p.Pipeline(ctx, p.cfg.window)
	pl.results = make([]Result, 0, len(reqs))
	var sendErr error
	for i := range reqs {
		err := pl.stage(&reqs[i])
		if err == nil && (pl.staged >= stageMaxRequests || len(pl.parts) >= stageMaxBytes) {
			err = pl.flushStaged()
		}
		if errors.Is(err, ErrInvalidRequest) {
			pl.results = append(pl.results, Result{ID: reqs[i].ID, Code: CodeBadRequest, Message: err.Error()})
			continue
		}
		if err != nil {
			sendErr = err
			for _, r := range reqs[len(pl.results):] {
				pl.results = append(pl.results, Result{ID: r.ID, Code: CodeTimeout, Message: err.Error()})
			}
			break
		}
	}
	if sendErr == nil {
		sendErr = pl.flushStaged()
	}
	results, err := pl.Flush()
	if err == nil {
		err = sendErr
	}
	return results, err
}

// Send sends req, first waiting for a reply if the window is full. It gives
// req an id when it has none. It returns an error wrapping ErrInvalidRequest
// for a request that cannot be encoded (it is not sent, and has no Result),
// and the pipeline's error once it broke; the Results then come from Flush.
func (pl *Pipeline) Send(req Request) error {
	if err := pl.stage(&req); err != nil {
		return err
	}
	return pl.flushStaged()
}

// stage encodes req behind the requests already staged, first making room
// in the window: it sends what is staged and waits for replies.
func (pl *Pipeline) stage(req *Request) error {
	if pl.err != nil {
		return pl.err
	}
	if !pl.held {
		if err := pl.p.acquire(pl.w.ctx); err != nil {
			return err
		}
		pl.held = true
		if len(pl.inflight) != pl.window {
			pl.inflight = make([]inflight, pl.window)
		}
	}
	if pl.n+pl.staged >= pl.window {
		if err := pl.flushStaged(); err != nil {
			return err
		}
		for pl.n >= pl.window {
			if err := pl.receive(true); err != nil {
				return pl.fail(err)
			}
		}
	}
	parts, id, err := pl.p.encodePart(pl.parts, req)
	if err != nil {
		return err
	}
	pl.parts = parts
	pl.inflight[(pl.head+pl.n+pl.staged)%pl.window] = inflight{id: id, index: len(pl.results)}
	pl.staged++
	pl.results = append(pl.results, Result{ID: id})
	return nil
}

// flushStaged sends the staged requests in order. When the outgoing queue
// is full it takes replies first, so that neither side can block the other,
// or, with nothing in flight, waits for room as long as the pipeline allows.
func (pl *Pipeline) flushStaged() error {
	if pl.err != nil {
		return pl.err
	}
	rest := pl.parts
	for pl.staged > 0 {
		sent, err := pl.p.sock.SendEach(rest, pl.staged)
		for i := 0; i < sent; i++ {
			_, rest = zmq.NextPart(rest)
		}
		pl.n += sent
		pl.staged -= sent
		if err == nil {
			break
		}
		if !errors.Is(err, zmq.ErrTimeout) {
			return pl.fail(pl.w.fail("sending to "+pl.p.endpoint, err))
		}
		if pl.n > 0 {
			if err := pl.receive(true); err != nil {
				return pl.fail(err)
			}
			continue
		}
		var frame []byte
		frame, rest = zmq.NextPart(rest)
		if err := pl.p.sock.Send(frame, false, pl.w.deadline(), pl.w.cancel); err != nil {
			return pl.fail(pl.w.fail("sending to "+pl.p.endpoint+" (is the gateway running?)", err))
		}
		pl.n++
		pl.staged--
	}
	pl.parts = pl.parts[:0]
	return nil
}

// Flush waits for the replies to every request sent and returns their
// Results in send order, then resets the pipeline for reuse and lets other
// calls use the Publisher. If the pipeline broke, the error says why and the
// Results of requests that got no reply have CodeTimeout.
func (pl *Pipeline) Flush() ([]Result, error) {
	if pl.staged > 0 {
		_ = pl.flushStaged()
	}
	for pl.err == nil && pl.n > 0 {
		if err := pl.receive(true); err != nil {
			_ = pl.fail(err)
		}
	}
	if pl.held {
		pl.p.release()
		pl.held = false
	}
	results, err := pl.results, pl.err
	pl.results, pl.err = nil, nil
	return results, err
}

// maxRecvChunk bounds the replies taken from libzmq in one call.
const maxRecvChunk = 256

// receive reads replies until one answers the oldest request in flight
// (wait) or, without waiting, what is already there; then it also takes the
// replies that are already queued. Replies come in chunks of what libzmq
// already holds (one cgo call each), never more than the requests in flight.
func (pl *Pipeline) receive(wait bool) error {
	for pl.n > 0 {
		deadline := zmq.NoWait
		if wait {
			deadline = pl.w.deadline()
		}
		max := pl.n
		if max > maxRecvChunk {
			max = maxRecvChunk
		}
		parts, k, err := pl.p.sock.RecvEach(pl.p.in, max, deadline, pl.w.cancel)
		if cap(parts) > cap(pl.p.in) {
			pl.p.in = parts[:0]
		}
		if err != nil {
			if !wait && errors.Is(err, zmq.ErrTimeout) {
				return nil
			}
			return pl.w.fail("waiting for a reply from "+pl.p.endpoint, err)
		}
		for i := 0; i < k; i++ {
			var frame []byte
			frame, parts = zmq.NextPart(parts)
			head := &pl.inflight[pl.head]
			if got, ok := fastAccepted(frame); ok && string(got) == head.id {
				pl.results[head.index].OK = true // its ID was set when staged
			} else {
				res, matched := matchReply(frame, head.id)
				if !matched {
					continue
				}
				pl.results[head.index] = res
			}
			*head = inflight{}
			pl.head++
			if pl.head == pl.window {
				pl.head = 0
			}
			pl.n--
			wait = false
		}
		if !wait && k < max {
			return nil // libzmq had no more
		}
	}
	return nil
}

// fail breaks the pipeline: requests in flight or staged get a timeout
// Result, and the socket is released for other calls (their late replies
// will be dropped).
func (pl *Pipeline) fail(err error) error {
	for left := pl.n + pl.staged; left > 0; left-- {
		f := pl.inflight[pl.head]
		pl.results[f.index] = Result{ID: f.id, Code: CodeTimeout, Message: err.Error()}
		pl.inflight[pl.head] = inflight{}
		pl.head = (pl.head + 1) % pl.window
	}
	pl.n, pl.staged, pl.head = 0, 0, 0
	pl.parts = pl.parts[:0]
	if pl.held {
		pl.p.release()
		pl.held = false
	}
	pl.err = err
	return err
}
