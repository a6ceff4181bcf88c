// Gateway ingest from Go: the hubmesh binding's PublishMany, or a raw DEALER loop over libzmq (cgo).
//
//	ingest binding|raw ENDPOINT COUNT [WINDOW]
//
// Both send the same request (a group message, hub "bench", group "g1", method "m", one
// 100-character string argument) with up to WINDOW (default 1000) in flight and count acknowledged
// replies. Prints: result {"acked":...,"ok":...,"seconds":...,"cpu_us":...}, where cpu_us is the
// process's user+system CPU time per acknowledged request during the timed run. Gives up after 10 s
// without a reply. HUBMESH_INGEST_CPUPROFILE=FILE writes a pprof CPU profile of the timed run.
package main

/*
#cgo LDFLAGS: -lzmq
#include <zmq.h>
#include <stdlib.h>
#include <errno.h>
// The Go runtime's preemption signals interrupt blocking calls: retry on EINTR (an interrupted
// send would otherwise lose a request, an interrupted poll end the run as "no reply").
static int sendb(void *s, void *buf, size_t len) {
	int rc;
	do rc = zmq_send(s, buf, len, 0); while (rc < 0 && zmq_errno() == EINTR);
	return rc;
}
static int recvb(void *s, void *buf, size_t len, int flags) { return zmq_recv(s, buf, len, flags); }
static int poll1(void *s, long ms) {
	zmq_pollitem_t it = { s, 0, ZMQ_POLLIN, 0 };
	int rc;
	do rc = zmq_poll(&it, 1, ms); while (rc < 0 && zmq_errno() == EINTR);
	return rc;
}
static int setint(void *s, int opt, int v) { return zmq_setsockopt(s, opt, &v, sizeof v); }
*/
import "C"

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	hubmesh "github.com/hubmesh/hubmesh-go"
)

const warmup = 1000

// timed runs f, returning its wall time and the process's user+system CPU time, both in seconds.
// Like go test -bench, it first collects the garbage of the setup (building the requests), so that
// a collection it made due does not land in the timed run.
func timed(f func()) (wall, cpu float64) {
	runtime.GC()
	if path := os.Getenv("HUBMESH_INGEST_CPUPROFILE"); path != "" {
		out, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	usage := func() float64 {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	c0 := usage()
	start := time.Now()
	f()
	wall = time.Since(start).Seconds()
	return wall, usage() - c0
}

var argument = strings.Repeat("x", 100)

func raw(endpoint string, count, window int) (acked, ok int, elapsed, cpu float64) {
	ctx := C.zmq_ctx_new()
	sock := C.zmq_socket(ctx, C.ZMQ_DEALER)
	hwm := window * 2
	if hwm < 1000 {
		hwm = 1000
	}
	C.setint(sock, C.ZMQ_SNDHWM, C.int(hwm))
	C.setint(sock, C.ZMQ_RCVHWM, C.int(hwm))
	C.setint(sock, C.ZMQ_LINGER, 1000)
	cEndpoint := C.CString(endpoint)
	defer C.free(unsafe.Pointer(cEndpoint))
	if C.zmq_connect(sock, cEndpoint) != 0 {
		fmt.Fprintln(os.Stderr, "connect failed")
		os.Exit(1)
	}
	prefix := []byte(`{"v":1,"id":"`)
	suffix := []byte(`","kind":"group","hub":"bench","group":"g1","method":"m","arguments":["` + argument + `"]}`)
	out := make([]byte, 0, 512)
	in := make([]byte, 4096)
	okMark := []byte(`"ok":true`)
	run := func(n int) (int, int) {
		sent, acked, ok := 0, 0, 0
		for acked < n {
			for sent < n && sent-acked < window {
				sent++
				out = append(append(strconv.AppendInt(append(out[:0], prefix...), int64(sent), 10)), suffix...)
				if C.sendb(sock, unsafe.Pointer(&out[0]), C.size_t(len(out))) < 0 {
					fmt.Fprintln(os.Stderr, "send failed")
					os.Exit(1)
				}
			}
			if C.poll1(sock, 10000) <= 0 {
				fmt.Fprintln(os.Stderr, "no reply for 10 s")
				os.Exit(1)
			}
			for {
				r := C.recvb(sock, unsafe.Pointer(&in[0]), C.size_t(len(in)), C.ZMQ_DONTWAIT)
				if r < 0 {
					break
				}
				acked++
				if bytes.Contains(in[:r], okMark) {
					ok++
				}
			}
		}
		return acked, ok
	}
	run(warmup)
	elapsed, cpu = timed(func() { acked, ok = run(count) })
	C.zmq_close(sock)
	C.zmq_ctx_term(ctx)
	return acked, ok, elapsed, cpu
}

func binding(endpoint string, count, window int) (acked, ok int, elapsed, cpu float64) {
	p, err := hubmesh.Dial(endpoint, hubmesh.WithWindow(window), hubmesh.WithTimeout(10*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer p.Close()
	build := func(n int) []hubmesh.Request {
		reqs := make([]hubmesh.Request, n)
		for i := range reqs {
			reqs[i] = hubmesh.Request{Kind: hubmesh.KindGroup, Hub: "bench", Target: "g1", Method: "m", Arguments: []any{argument}}
		}
		return reqs
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if _, err := p.PublishMany(ctx, build(warmup)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	reqs := build(count)
	var results []hubmesh.Result
	elapsed, cpu = timed(func() { results, err = p.PublishMany(ctx, reqs) })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	for _, r := range results {
		if r.OK {
			ok++
		}
	}
	return len(results), ok, elapsed, cpu
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: ingest binding|raw ENDPOINT COUNT [WINDOW]")
		os.Exit(2)
	}
	count, _ := strconv.Atoi(os.Args[3])
	window := 1000
	if len(os.Args) > 4 {
		window, _ = strconv.Atoi(os.Args[4])
	}
	var acked, ok int
	var seconds, cpu float64
	if os.Args[1] == "raw" {
		acked, ok, seconds, cpu = raw(os.Args[2], count, window)
	} else {
		acked, ok, seconds, cpu = binding(os.Args[2], count, window)
	}
	cpuPerRequest := 0.0
	if acked > 0 {
		cpuPerRequest = cpu / float64(acked) * 1e6
	}
	fmt.Printf("result {\"acked\":%d,\"ok\":%d,\"seconds\":%f,\"cpu_us\":%.3f}\n", acked, ok, seconds, cpuPerRequest)
}
