#ifndef HUBMESH_CZEROMQ_SHIM_H
#define HUBMESH_CZEROMQ_SHIM_H

#include <zmq.h>
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

/// errno is a macro on Linux; Swift sees a function through this wrapper.
static inline int czmq_errno(void) { return zmq_errno(); }

/// Size of zmq_msg_t, for the Swift side's allocations.
static inline size_t czmq_msg_size(void) { return sizeof(zmq_msg_t); }

#endif
