// Package zmq is a minimal cgo layer over libzmq: a context, sockets, single
// and multi-frame send and receive with a timeout, a few options.
//
// It exists because the module must build without third-party Go modules.
// Each send or receive (of one frame, or of a whole multipart message) is one
// cgo call: the C helpers in shim.c try the operation without blocking, then wait
// with zmq_poll for at most the given timeout and try once more. Callers loop
// in Go, so deadlines and context cancellation are handled there and EINTR is
// simply retried. Frames travel through a per-socket buffer in C memory, so
// no Go pointer is ever handed to C, and C memory is freed by Close.
//
// A Socket is not safe for concurrent use: the caller must make sure only one
// goroutine touches it at a time (libzmq allows a socket to move between
// threads when there is a full memory barrier in between, which a Go mutex or
// channel hand-off provides).
package zmq

/*
#cgo pkg-config: libzmq
#include <errno.h>
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"syscall"
	"time"
	"unsafe"
)

// Socket types.
const (
	DEALER = int(C.ZMQ_DEALER)
	ROUTER = int(C.ZMQ_ROUTER)
)

// Socket options used by this module.
const (
	OptLinger          = int(C.ZMQ_LINGER)
	OptSndHWM          = int(C.ZMQ_SNDHWM)
	OptRcvHWM          = int(C.ZMQ_RCVHWM)
	OptImmediate       = int(C.ZMQ_IMMEDIATE)
	OptRouterMandatory = int(C.ZMQ_ROUTER_MANDATORY)
)

// Errors specific to libzmq, usable with errors.Is.
const (
	ETERM = syscall.Errno(C.ETERM)
	EFSM  = syscall.Errno(C.EFSM)
)

// maxPollSlice bounds one blocking wait inside C, so that callers can check
// for cancellation between waits.
const maxPollSlice = 50 * time.Millisecond

// NoWait is a deadline in the past: Send and Recv do not wait at all.
var NoWait = time.Unix(0, 1)

// ErrTimeout is returned when an operation did not complete before its deadline.
var ErrTimeout = errors.New("zmq: operation timed out")

// ErrClosed is returned by operations on a closed socket or context.
var ErrClosed = errors.New("zmq: closed")

// Error is a failed libzmq call: the operation and the errno it left.
type Error struct {
	Op    string
	Errno syscall.Errno
}

func (e *Error) Error() string {
	return fmt.Sprintf("zmq %s: %s", e.Op, C.GoString(C.zmq_strerror(C.int(e.Errno))))
}

// Unwrap returns the errno, so errors.Is(err, syscall.ECONNREFUSED) works.
func (e *Error) Unwrap() error { return e.Errno }

func errorFor(op string, errno C.int) error {
	if errno == 0 {
		return nil
	}
	return &Error{Op: op, Errno: syscall.Errno(errno)}
}

// Context is a libzmq context. Terminate it after closing all its sockets.
type Context struct {
	ptr unsafe.Pointer
}

// NewContext creates a context with libzmq's defaults (one I/O thread).
func NewContext() (*Context, error) {
	ptr := C.zmq_ctx_new()
	if ptr == nil {
		return nil, errorFor("ctx_new", C.hm_errno())
	}
	return &Context{ptr: ptr}, nil
}

// Term terminates the context; it waits for the sockets' linger periods.
func (c *Context) Term() error {
	if c.ptr == nil {
		return ErrClosed
	}
	err := errorFor("ctx_term", C.hm_ctx_term(c.ptr))
	c.ptr = nil
	return err
}

// Socket is one libzmq socket. Not safe for concurrent use.
type Socket struct {
	h *C.hm_socket
}

// NewSocket creates a socket of the given type (DEALER, ROUTER).
func (c *Context) NewSocket(typ int) (*Socket, error) {
	if c.ptr == nil {
		return nil, ErrClosed
	}
	var errno C.int
	h := C.hm_socket_new(c.ptr, C.int(typ), &errno)
	if h == nil {
		return nil, errorFor("socket", errno)
	}
	return &Socket{h: h}, nil
}

// Close closes the socket; pending outgoing messages are kept for the linger period.
func (s *Socket) Close() error {
	if s.h == nil {
		return ErrClosed
	}
	err := errorFor("close", C.hm_socket_close(s.h))
	s.h = nil
	return err
}

// SetInt sets an integer socket option.
func (s *Socket) SetInt(option, value int) error {
	if s.h == nil {
		return ErrClosed
	}
	return errorFor("setsockopt", C.hm_setsockopt_int(s.h, C.int(option), C.int(value)))
}

// Connect connects the socket to an endpoint such as tcp://127.0.0.1:7000.
func (s *Socket) Connect(endpoint string) error {
	if s.h == nil {
		return ErrClosed
	}
	cs := C.CString(endpoint)
	defer C.free(unsafe.Pointer(cs))
	return errorFor("connect "+endpoint, C.hm_connect(s.h, cs))
}

// Bind binds the socket to an endpoint; use port * for an ephemeral port.
func (s *Socket) Bind(endpoint string) error {
	if s.h == nil {
		return ErrClosed
	}
	cs := C.CString(endpoint)
	defer C.free(unsafe.Pointer(cs))
	return errorFor("bind "+endpoint, C.hm_bind(s.h, cs))
}

// LastEndpoint returns the endpoint last bound, with the actual port.
func (s *Socket) LastEndpoint() (string, error) {
	if s.h == nil {
		return "", ErrClosed
	}
	var buf [256]C.char
	size := C.size_t(len(buf))
	if err := errorFor("getsockopt", C.hm_last_endpoint(s.h, &buf[0], &size)); err != nil {
		return "", err
	}
	return C.GoString(&buf[0]), nil
}
