/* A "fast gateway" for benchmarking the Python binding: a ROUTER that acks every request at once
 * with {"id":"<id>","ok":true}, copying the id bytes (no JSON parsing, no mesh).
 *
 *   cc -O2 -o ack_router ack_router.c -lzmq && ./ack_router tcp://127.0.0.1:7000 [seconds]
 *
 * It exits by itself after `seconds` (default 120). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

int main(int argc, char **argv) {
    const char *endpoint = argc > 1 ? argv[1] : "tcp://127.0.0.1:7000";
    int seconds = argc > 2 ? atoi(argv[2]) : 120;
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_ROUTER);
    int zero = 0, one = 1, timeout = 200;
    zmq_setsockopt(sock, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind(sock, endpoint) != 0) { fprintf(stderr, "bind %s: %s\n", endpoint, zmq_strerror(zmq_errno())); return 1; }
    fprintf(stderr, "ack_router ready on %s\n", endpoint);
    time_t end = time(NULL) + seconds;
    char identity[256], body[70000], reply[400];
    while (time(NULL) < end) {
        int idlen = zmq_recv(sock, identity, sizeof identity, 0);
        if (idlen < 0) continue; /* timeout: check the clock */
        int more = 0; size_t moresz = sizeof more; int n = 0;
        do { /* keep the last frame: tolerates a REQ delimiter */
            n = zmq_recv(sock, body, sizeof body - 1, 0);
            zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &moresz);
        } while (more);
        if (n < 0) continue;
        if (n > (int)sizeof body - 1) n = sizeof body - 1;
        body[n] = 0;
        const char *id = strstr(body, "\"id\":\"");
        int len;
        if (id) {
            id += 6;
            const char *q = strchr(id, '"');
            int idl = q ? (int)(q - id) : 0;
            if (idl > 128) idl = 128;
            len = snprintf(reply, sizeof reply, "{\"id\":\"%.*s\",\"ok\":true}", idl, id);
        } else {
            len = snprintf(reply, sizeof reply, "{\"id\":null,\"ok\":true}");
        }
        zmq_send(sock, identity, idlen, ZMQ_SNDMORE);
        zmq_send(sock, reply, len, 0);
    }
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return 0;
}
