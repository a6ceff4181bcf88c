#include "CBenchClock.h"

#include <sys/epoll.h>
#include <sys/prctl.h>

int bench_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0UL, 0UL, 0UL);
}

int bench_epoll_create(void) {
    return epoll_create1(0);
}

int bench_epoll_add(int epoll, int fd, unsigned long long tag) {
    struct epoll_event event = {.events = EPOLLIN, .data.u64 = tag};
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

int bench_epoll_remove(int epoll, int fd) {
    return epoll_ctl(epoll, EPOLL_CTL_DEL, fd, 0);
}

int bench_epoll_wait(int epoll, unsigned long long *tags, int capacity, int timeout_ms) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int ready = epoll_wait(epoll, events, capacity, timeout_ms);
    for (int i = 0; i < ready; i++) tags[i] = events[i].data.u64;
    return ready;
}
