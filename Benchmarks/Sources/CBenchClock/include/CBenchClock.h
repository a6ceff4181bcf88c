#ifndef CBENCHCLOCK_H
#define CBENCHCLOCK_H

/// Sets the calling thread's timer slack (PR_SET_TIMERSLACK), in nanoseconds. Returns 0 or -1 (errno).
///
/// Linux lets a sleeping thread wake up to 50 us late by default (its "timer slack"), so that timers
/// can be coalesced. A publisher pacing itself at 100 k messages/s sleeps ~10 us between messages:
/// with the default slack it wakes up far too late and sends in bursts. prctl is variadic, which
/// Swift cannot call: hence this function.
int bench_set_timer_slack(unsigned long nanoseconds);

#endif
