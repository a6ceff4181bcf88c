package hubmesh

import "time"

// Option configures a Publisher in Dial.
type Option func(*config)

type config struct {
	timeout  time.Duration
	linger   time.Duration
	window   int
	idPrefix string
	hwm      int
}

func defaultConfig() config {
	return config{
		timeout: 10 * time.Second,
		linger:  time.Second,
		window:  1000,
		hwm:     10_000,
	}
}

// WithTimeout sets how long a call waits for the gateway to take a request
// or answer it (default 10 s, as the protocol recommends) when the call's context allows longer. A call
// that runs out of this time returns an error matching ErrTimeout.
func WithTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithLinger sets how long Close waits to hand queued requests to the gateway
// (default 1 s). Requests still unanswered when Close is called have already
// been reported as failed to their callers.
func WithLinger(d time.Duration) Option {
	return func(c *config) {
		if d >= 0 {
			c.linger = d
		}
	}
}

// WithWindow sets how many requests PublishMany keeps in flight (default 1000).
func WithWindow(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.window = n
		}
	}
}

// WithIDPrefix sets the prefix of the request ids the Publisher generates
// (default: 8 random hex digits and a dash). Ids are the prefix followed by a
// counter in base 36.
func WithIDPrefix(prefix string) Option {
	return func(c *config) { c.idPrefix = prefix }
}

// SendOption adds an optional field to one request.
type SendOption func(*Request)

// Exclude names connections not to deliver to (for SendAll and SendGroup).
func Exclude(connectionIDs ...string) SendOption {
	return func(r *Request) { r.Exclude = append(r.Exclude, connectionIDs...) }
}

// Key sets the request's idempotency key: the gateway publishes a key's
// message once and answers repeats with Result.Duplicate.
func Key(key string) SendOption {
	return func(r *Request) { r.Key = key }
}

// WithID sets the request's id instead of a generated one.
func WithID(id string) SendOption {
	return func(r *Request) { r.ID = id }
}
