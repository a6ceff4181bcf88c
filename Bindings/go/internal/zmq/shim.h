// Package zmq's C shim over libzmq: one call per send or receive, frames
// passing through a per-socket buffer in C memory (see zmq.go).
#ifndef HUBMESH_ZMQ_SHIM_H
#define HUBMESH_ZMQ_SHIM_H

#include <stddef.h>
#include <zmq.h>

// hm_socket pairs a libzmq socket with a buffer in C memory through which
// frames pass in both directions: Go copies into it and out of it, so cgo
// calls carry no Go pointers (and no pointer checks).
typedef struct {
	void *sock;
	char *buf;
	size_t cap;
	size_t size; // size of the last frame received
	int more;    // whether more frames follow it; for the *_each calls, how many frames
} hm_socket;

int hm_reserve(hm_socket *h, size_t n);
hm_socket *hm_socket_new(void *ctx, int type, int *err);
int hm_socket_close(hm_socket *h);
int hm_send(hm_socket *h, size_t len, int more, long timeout_ms);
int hm_recv(hm_socket *h, long timeout_ms);
int hm_send_parts(hm_socket *h, int n, long timeout_ms);
int hm_recv_parts(hm_socket *h, long timeout_ms);
int hm_send_each(hm_socket *h, int n);
int hm_recv_each(hm_socket *h, int max, long timeout_ms);
int hm_setsockopt_int(hm_socket *h, int option, int value);
int hm_connect(hm_socket *h, const char *endpoint);
int hm_bind(hm_socket *h, const char *endpoint);
int hm_last_endpoint(hm_socket *h, char *buf, size_t *len);
int hm_ctx_term(void *ctx);
int hm_errno(void);

#endif
