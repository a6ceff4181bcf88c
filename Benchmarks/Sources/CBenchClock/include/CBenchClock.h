#ifndef CBENCHCLOCK_H
#define CBENCHCLOCK_H

/// Sets the calling thread's timer slack (PR_SET_TIMERSLACK), in nanoseconds. Returns 0 or -1 (errno).
///
/// Linux lets a sleeping thread wake up to 50 us late by default (its "timer slack"), so that timers
/// can be coalesced. A publisher pacing itself at 100 k messages/s sleeps ~10 us between messages:
/// with the default slack it wakes up far too late and sends in bursts. prctl is variadic, which
/// Swift cannot call: hence this function.
int bench_set_timer_slack(unsigned long nanoseconds);

/// epoll for the raw TCP fan-out clients (Swift's Glibc module does not export it): a new epoll set
/// (a descriptor, or -1 with errno).
int bench_epoll_create(void);

/// Adds `fd` to the set for reading, with `tag` as what ``bench_epoll_wait`` returns for it.
int bench_epoll_add(int epoll, int fd, unsigned long long tag);

/// Removes `fd` from the set.
int bench_epoll_remove(int epoll, int fd);

/// Waits up to `timeout_ms` for readable descriptors; writes the tags of at most `capacity` of them
/// to `tags`. Returns how many, or -1 with errno.
int bench_epoll_wait(int epoll, unsigned long long *tags, int capacity, int timeout_ms);

#endif
