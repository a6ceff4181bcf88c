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
	inflight []inflight // ring buffer of requests waiting for their reply
	head     int
	n        int
	results  []Result
}

type inflight struct {
	id    string
	index int // into results
}

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
func (p *Publisher) PublishMany(ctx context.Context, reqs []Request) ([]Result, error) {
	pl := p.Pipeline(ctx, p.cfg.window)
	pl.results = make([]Result, 0, len(reqs))
	var sendErr error
	for i := range reqs {
		err := pl.send(&reqs[i])
		if errors.Is(err, ErrInvalidRequest) {
			pl.results = append(pl.results, Result{ID: reqs[i].ID, Code: CodeBadRequest, Message: err.Error()})
			continue
		}
		if err != nil {
			sendErr = err
			for _, r := range reqs[i:] {
				pl.results = append(pl.results, Result{ID: r.ID, Code: CodeTimeout, Message: err.Error()})
			}
			break
		}
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
	return pl.send(&req)
}

func (pl *Pipeline) send(req *Request) error {
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
	for pl.n >= pl.window {
		if err := pl.receive(true); err != nil {
			return pl.fail(err)
		}
	}
	id, err := pl.p.encode(req)
	if err != nil {
		return err
	}
	// Send without waiting; when the outgoing queue is full, take replies
	// first so that neither side can block the other.
	for {
		err := pl.p.sock.Send(pl.p.out, false, zmq.NoWait, nil)
		if err == nil {
			break
		}
		if !errors.Is(err, zmq.ErrTimeout) {
			return pl.fail(pl.w.fail("sending to "+pl.p.endpoint, err))
		}
		if pl.n == 0 {
			if err := pl.p.sendFrame(&pl.w); err != nil {
				return pl.fail(err)
			}
			break
		}
		if err := pl.receive(true); err != nil {
			return pl.fail(err)
		}
	}
	pl.inflight[(pl.head+pl.n)%pl.window] = inflight{id: id, index: len(pl.results)}
	pl.n++
	pl.results = append(pl.results, Result{ID: id})
	return nil
}

// Flush waits for the replies to every request sent and returns their
// Results in send order, then resets the pipeline for reuse and lets other
// calls use the Publisher. If the pipeline broke, the error says why and the
// Results of requests that got no reply have CodeTimeout.
func (pl *Pipeline) Flush() ([]Result, error) {
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

// receive reads replies until one answers the oldest request in flight
// (wait) or, without waiting, what is already there; then it also takes the
// replies that are already queued.
func (pl *Pipeline) receive(wait bool) error {
	for pl.n > 0 {
		deadline := zmq.NoWait
		if wait {
			deadline = pl.w.deadline()
		}
		head := pl.inflight[pl.head]
		res, matched, err := pl.p.receive(deadline, pl.w.cancel, head.id)
		if err != nil {
			if !wait && errors.Is(err, zmq.ErrTimeout) {
				return nil
			}
			return pl.w.fail("waiting for a reply from "+pl.p.endpoint, err)
		}
		if !matched {
			continue
		}
		pl.results[head.index] = res
		pl.inflight[pl.head] = inflight{}
		pl.head = (pl.head + 1) % pl.window
		pl.n--
		wait = false
	}
	return nil
}

// fail breaks the pipeline: requests in flight get a timeout Result, and the
// socket is released for other calls (their late replies will be dropped).
func (pl *Pipeline) fail(err error) error {
	for ; pl.n > 0; pl.n-- {
		f := pl.inflight[pl.head]
		pl.results[f.index] = Result{ID: f.id, Code: CodeTimeout, Message: err.Error()}
		pl.inflight[pl.head] = inflight{}
		pl.head = (pl.head + 1) % pl.window
	}
	pl.head = 0
	if pl.held {
		pl.p.release()
		pl.held = false
	}
	pl.err = err
	return err
}
