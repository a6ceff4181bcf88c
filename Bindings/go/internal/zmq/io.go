package zmq

// #include "shim.h"
import "C"

import (
	"encoding/binary"
	"syscall"
	"time"
	"unsafe"
)

// sliceMillis converts the time left before deadline to one poll slice in
// milliseconds: 0 means "do not wait", and a zero deadline means no deadline.
func sliceMillis(deadline time.Time) C.long {
	if deadline.IsZero() {
		return C.long(maxPollSlice / time.Millisecond)
	}
	if deadline == NoWait {
		return 0
	}
	left := time.Until(deadline)
	if left <= 0 {
		return 0
	}
	if left > maxPollSlice {
		left = maxPollSlice
	}
	ms := (left + time.Millisecond - 1) / time.Millisecond
	return C.long(ms)
}

// cbuf returns the socket's C buffer as a Go slice of n bytes.
func (s *Socket) cbuf(n int) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(s.h.buf)), n)
}

// Send sends one frame (more: further frames of the same message follow).
// It waits until deadline (zero: forever; NoWait: not at all) for room in
// the outgoing queue; cancel, if not nil, is checked between waits of at
// most 50 ms and its error returned when set.
func (s *Socket) Send(frame []byte, more bool, deadline time.Time, cancel func() error) error {
	if s.h == nil {
		return ErrClosed
	}
	if len(frame) > int(s.h.cap) {
		if err := errorFor("send", C.hm_reserve(s.h, C.size_t(len(frame)))); err != nil {
			return err
		}
	}
	copy(s.cbuf(len(frame)), frame)
	cmore := C.int(0)
	if more {
		cmore = 1
	}
	for {
		timeout := sliceMillis(deadline)
		errno := C.hm_send(s.h, C.size_t(len(frame)), cmore, timeout)
		switch syscall.Errno(errno) {
		case 0:
			return nil
		case syscall.EINTR:
		case syscall.EAGAIN:
			if timeout == 0 {
				return ErrTimeout
			}
		default:
			return errorFor("send", errno)
		}
		if cancel != nil {
			if err := cancel(); err != nil {
				return err
			}
		}
	}
}

// Recv receives one frame, appending it to buf[:0] (so buf is reused when
// big enough), and reports whether more frames of the same message follow.
// Waiting works as in Send.
func (s *Socket) Recv(buf []byte, deadline time.Time, cancel func() error) (frame []byte, more bool, err error) {
	if s.h == nil {
		return nil, false, ErrClosed
	}
	for {
		timeout := sliceMillis(deadline)
		errno := C.hm_recv(s.h, timeout)
		switch syscall.Errno(errno) {
		case 0:
			return append(buf[:0], s.cbuf(int(s.h.size))...), s.h.more != 0, nil
		case syscall.EINTR:
		case syscall.EAGAIN:
			if timeout == 0 {
				return buf[:0], false, ErrTimeout
			}
		default:
			return buf[:0], false, errorFor("recv", errno)
		}
		if cancel != nil {
			if err := cancel(); err != nil {
				return buf[:0], false, err
			}
		}
	}
}

// SendMessage sends frames as one multipart message, waiting as in Send.
func (s *Socket) SendMessage(frames [][]byte, deadline time.Time, cancel func() error) error {
	if s.h == nil {
		return ErrClosed
	}
	total := 0
	for _, f := range frames {
		if uint64(len(f)) > 1<<32-1 {
			return &Error{Op: "send", Errno: syscall.EMSGSIZE}
		}
		total += 4 + len(f)
	}
	if total > int(s.h.cap) {
		if err := errorFor("send", C.hm_reserve(s.h, C.size_t(total))); err != nil {
			return err
		}
	}
	b := s.cbuf(total)[:0]
	for _, f := range frames {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	for {
		timeout := sliceMillis(deadline)
		errno := C.hm_send_parts(s.h, C.int(len(frames)), timeout)
		switch syscall.Errno(errno) {
		case 0:
			return nil
		case syscall.EINTR:
		case syscall.EAGAIN:
			if timeout == 0 {
				return ErrTimeout
			}
		default:
			return errorFor("send", errno)
		}
		if cancel != nil {
			if err := cancel(); err != nil {
				return err
			}
		}
	}
}

// RecvMessage receives one whole multipart message. The frames alias buf,
// which is reused when big enough and returned for the next call. Waiting
// works as in Send.
func (s *Socket) RecvMessage(buf []byte, deadline time.Time, cancel func() error) (frames [][]byte, newBuf []byte, err error) {
	if s.h == nil {
		return nil, buf, ErrClosed
	}
	for {
		timeout := sliceMillis(deadline)
		errno := C.hm_recv_parts(s.h, timeout)
		switch syscall.Errno(errno) {
		case 0:
			buf = append(buf[:0], s.cbuf(int(s.h.size))...)
			frames = make([][]byte, 0, int(s.h.more))
			for rest := buf; len(rest) >= 4; {
				n := int(binary.LittleEndian.Uint32(rest))
				frames = append(frames, rest[4:4+n:4+n])
				rest = rest[4+n:]
			}
			return frames, buf, nil
		case syscall.EINTR:
		case syscall.EAGAIN:
			if timeout == 0 {
				return nil, buf, ErrTimeout
			}
		default:
			return nil, buf, errorFor("recv", errno)
		}
		if cancel != nil {
			if err := cancel(); err != nil {
				return nil, buf, err
			}
		}
	}
}

// AppendPart appends frame to parts as one part of the layout that SendEach
// takes and RecvEach returns: a 4-byte little-endian length, then the bytes.
func AppendPart(parts, frame []byte) []byte {
	parts = binary.LittleEndian.AppendUint32(parts, uint32(len(frame)))
	return append(parts, frame...)
}

// NextPart splits the first part off parts (laid out as by AppendPart).
func NextPart(parts []byte) (frame, rest []byte) {
	n := int(binary.LittleEndian.Uint32(parts))
	return parts[4 : 4+n : 4+n], parts[4+n:]
}

// SendEach sends the n parts laid out in parts (see AppendPart) as n
// messages of one frame each, in order, in one cgo call, without waiting.
// It returns how many were sent: all n with a nil error, or fewer with
// ErrTimeout when the outgoing queue is full (send the rest later) or
// another error.
func (s *Socket) SendEach(parts []byte, n int) (int, error) {
	if s.h == nil {
		return 0, ErrClosed
	}
	if len(parts) > int(s.h.cap) {
		if err := errorFor("send", C.hm_reserve(s.h, C.size_t(len(parts)))); err != nil {
			return 0, err
		}
	}
	copy(s.cbuf(len(parts)), parts)
	errno := C.hm_send_each(s.h, C.int(n))
	sent := int(s.h.more)
	switch syscall.Errno(errno) {
	case 0:
		return n, nil
	case syscall.EAGAIN, syscall.EINTR:
		return sent, ErrTimeout
	default:
		return sent, errorFor("send", errno)
	}
}

// RecvEach receives up to max frames in one cgo call: it waits for the
// first as Recv does, then takes the others only if they are already
// there. The frames are appended to buf[:0] laid out as parts (read them
// with NextPart); n is how many.
func (s *Socket) RecvEach(buf []byte, max int, deadline time.Time, cancel func() error) (parts []byte, n int, err error) {
	if s.h == nil {
		return buf[:0], 0, ErrClosed
	}
	for {
		timeout := sliceMillis(deadline)
		errno := C.hm_recv_each(s.h, C.int(max), timeout)
		switch syscall.Errno(errno) {
		case 0:
			return append(buf[:0], s.cbuf(int(s.h.size))...), int(s.h.more), nil
		case syscall.EINTR:
		case syscall.EAGAIN:
			if timeout == 0 {
				return buf[:0], 0, ErrTimeout
			}
		default:
			return buf[:0], 0, errorFor("recv", errno)
		}
		if cancel != nil {
			if err := cancel(); err != nil {
				return buf[:0], 0, err
			}
		}
	}
}
