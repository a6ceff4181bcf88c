// The C side of package zmq; see shim.h and zmq.go.
#include "shim.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int hm_reserve(hm_socket *h, size_t n) {
	if (n <= h->cap) return 0;
	size_t cap = h->cap ? h->cap : 256;
	while (cap < n) cap *= 2;
	char *buf = realloc(h->buf, cap);
	if (buf == NULL) return ENOMEM;
	h->buf = buf;
	h->cap = cap;
	return 0;
}

hm_socket *hm_socket_new(void *ctx, int type, int *err) {
	void *s = zmq_socket(ctx, type);
	if (s == NULL) {
		*err = zmq_errno();
		return NULL;
	}
	hm_socket *h = calloc(1, sizeof(hm_socket));
	if (h == NULL || hm_reserve(h, 4096) != 0) {
		free(h);
		zmq_close(s);
		*err = ENOMEM;
		return NULL;
	}
	h->sock = s;
	return h;
}

int hm_socket_close(hm_socket *h) {
	int rc = zmq_close(h->sock);
	int err = rc == 0 ? 0 : zmq_errno();
	free(h->buf);
	free(h);
	return err;
}

static int hm_wait(hm_socket *h, short events, long timeout_ms) {
	zmq_pollitem_t item = { h->sock, 0, events, 0 };
	int n = zmq_poll(&item, 1, timeout_ms);
	if (n < 0) return zmq_errno();
	if (n == 0) return EAGAIN;
	return 0;
}

// hm_send sends the first len bytes of h->buf as one frame.
// Returns 0 or an errno (EAGAIN: not sent in time).
int hm_send(hm_socket *h, size_t len, int more, long timeout_ms) {
	int flags = ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0);
	if (zmq_send(h->sock, h->buf, len, flags) >= 0) return 0;
	int err = zmq_errno();
	if (err != EAGAIN || timeout_ms == 0) return err;
	err = hm_wait(h, ZMQ_POLLOUT, timeout_ms);
	if (err != 0) return err;
	if (zmq_send(h->sock, h->buf, len, flags) >= 0) return 0;
	return zmq_errno();
}

// hm_recv receives one frame into h->buf (grown to fit), setting h->size and
// h->more. Returns 0 or an errno (EAGAIN: nothing arrived in time).
int hm_recv(hm_socket *h, long timeout_ms) {
	zmq_msg_t msg;
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, h->sock, ZMQ_DONTWAIT) < 0) {
		int err = zmq_errno();
		if (err == EAGAIN && timeout_ms != 0) {
			err = hm_wait(h, ZMQ_POLLIN, timeout_ms);
			if (err == 0 && zmq_msg_recv(&msg, h->sock, ZMQ_DONTWAIT) < 0) err = zmq_errno();
		}
		if (err != 0) {
			zmq_msg_close(&msg);
			return err;
		}
	}
	size_t n = zmq_msg_size(&msg);
	int err = hm_reserve(h, n);
	if (err == 0) {
		if (n > 0) memcpy(h->buf, zmq_msg_data(&msg), n);
		h->size = n;
		h->more = zmq_msg_more(&msg);
	}
	zmq_msg_close(&msg);
	return err;
}

// Multipart messages pass through h->buf as a sequence of parts, each a
// 4-byte little-endian length followed by that many bytes.

static uint32_t hm_get_len(const char *p) {
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

static void hm_put_len(char *p, uint32_t len) {
	unsigned char *u = (unsigned char *)p;
	u[0] = len; u[1] = len >> 8; u[2] = len >> 16; u[3] = len >> 24;
}

// hm_append_part appends msg to h->buf at *used as a part (u32 length, bytes)
// and advances *used. Returns 0 or an errno (the message is not closed).
static int hm_append_part(hm_socket *h, size_t *used, zmq_msg_t *msg) {
	size_t n = zmq_msg_size(msg);
	int err = n > UINT32_MAX ? EMSGSIZE : hm_reserve(h, *used + 4 + n);
	if (err != 0) return err;
	hm_put_len(h->buf + *used, (uint32_t)n);
	if (n > 0) memcpy(h->buf + *used + 4, zmq_msg_data(msg), n);
	*used += 4 + n;
	return 0;
}

// hm_send_parts sends the n parts laid out in h->buf as one message.
int hm_send_parts(hm_socket *h, int n, long timeout_ms) {
	char *p = h->buf;
	for (int i = 0; i < n; i++) {
		uint32_t len = hm_get_len(p);
		p += 4;
		int flags = ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0);
		int rc;
		// Once the first part went out, a signal (EINTR) must not end the call: the caller
		// would send the whole message again after a part of it.
		do {
			rc = zmq_send(h->sock, p, len, flags);
		} while (rc < 0 && i > 0 && zmq_errno() == EINTR);
		if (rc < 0) {
			int err = zmq_errno();
			// Only the first part can meet a full queue: the rest of a
			// message is always accepted once its first part was.
			if (i > 0 || err != EAGAIN || timeout_ms == 0) return err;
			err = hm_wait(h, ZMQ_POLLOUT, timeout_ms);
			if (err != 0) return err;
			if (zmq_send(h->sock, p, len, flags) < 0) return zmq_errno();
		}
		p += len;
	}
	return 0;
}

// hm_recv_parts receives one whole message into h->buf; h->size is the
// bytes used and h->more the number of parts.
int hm_recv_parts(hm_socket *h, long timeout_ms) {
	size_t used = 0;
	int parts = 0;
	for (;;) {
		zmq_msg_t msg;
		zmq_msg_init(&msg);
		int rc;
		// The rest of a message is there once its first part was received, but a signal (EINTR)
		// can still interrupt the call: retry, or the caller would take the rest as a new message.
		do {
			rc = zmq_msg_recv(&msg, h->sock, ZMQ_DONTWAIT);
		} while (rc < 0 && parts > 0 && zmq_errno() == EINTR);
		if (rc < 0) {
			int err = zmq_errno();
			if (parts == 0 && err == EAGAIN && timeout_ms != 0) {
				err = hm_wait(h, ZMQ_POLLIN, timeout_ms);
				if (err == 0 && zmq_msg_recv(&msg, h->sock, ZMQ_DONTWAIT) < 0) err = zmq_errno();
			}
			if (err != 0) {
				zmq_msg_close(&msg);
				return err;
			}
		}
		int err = hm_append_part(h, &used, &msg);
		if (err != 0) {
			zmq_msg_close(&msg);
			return err;
		}
		parts++;
		int more = zmq_msg_more(&msg);
		zmq_msg_close(&msg);
		if (!more) break;
	}
	h->size = used;
	h->more = parts;
	return 0;
}

// hm_send_each sends the n parts laid out in h->buf as n messages of one
// frame each (no ZMQ_SNDMORE), without waiting: one cgo call for many
// requests. h->more is set to how many went out; the return value is 0 or
// the errno that stopped the rest (EAGAIN: the outgoing queue is full).
int hm_send_each(hm_socket *h, int n) {
	char *p = h->buf;
	for (int i = 0; i < n; i++) {
		uint32_t len = hm_get_len(p);
		p += 4;
		if (zmq_send(h->sock, p, len, ZMQ_DONTWAIT) < 0) {
			h->more = i;
			return zmq_errno();
		}
		p += len;
	}
	h->more = n;
	return 0;
}

// hm_recv_each receives up to max frames into h->buf, laid out as parts,
// waiting at most timeout_ms for the first and not at all for the others;
// h->size is the bytes used and h->more the number of frames (at least 1
// on success). Returns 0 or an errno (EAGAIN: nothing arrived in time).
int hm_recv_each(hm_socket *h, int max, long timeout_ms) {
	size_t used = 0;
	int got = 0;
	while (got < max) {
		zmq_msg_t msg;
		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, h->sock, ZMQ_DONTWAIT) < 0) {
			int err = zmq_errno();
			zmq_msg_close(&msg);
			if (got > 0) break; // took what was there
			if (err != EAGAIN || timeout_ms == 0) return err;
			err = hm_wait(h, ZMQ_POLLIN, timeout_ms);
			if (err != 0) return err;
			timeout_ms = 0;
			continue;
		}
		int err = hm_append_part(h, &used, &msg);
		if (err != 0) {
			zmq_msg_close(&msg);
			return err;
		}
		got++;
		zmq_msg_close(&msg);
	}
	h->size = used;
	h->more = got;
	return 0;
}

int hm_setsockopt_int(hm_socket *h, int option, int value) {
	return zmq_setsockopt(h->sock, option, &value, sizeof value) == 0 ? 0 : zmq_errno();
}

int hm_connect(hm_socket *h, const char *endpoint) {
	/* The Go runtime's preemption signals can interrupt the call: retry on EINTR. */
	for (;;) {
		if (zmq_connect(h->sock, endpoint) == 0) return 0;
		int err = zmq_errno();
		if (err != EINTR) return err;
	}
}

int hm_bind(hm_socket *h, const char *endpoint) {
	/* The Go runtime's preemption signals can interrupt the call: retry on EINTR. */
	for (;;) {
		if (zmq_bind(h->sock, endpoint) == 0) return 0;
		int err = zmq_errno();
		if (err != EINTR) return err;
	}
}

int hm_last_endpoint(hm_socket *h, char *buf, size_t *len) {
	return zmq_getsockopt(h->sock, ZMQ_LAST_ENDPOINT, buf, len) == 0 ? 0 : zmq_errno();
}

int hm_ctx_term(void *ctx) {
	for (;;) {
		if (zmq_ctx_term(ctx) == 0) return 0;
		int err = zmq_errno();
		if (err != EINTR) return err;
	}
}

int hm_errno(void) { return zmq_errno(); }
