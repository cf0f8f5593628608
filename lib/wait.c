/* box_wait and box_kill: the box's first process through its pidfd, and how it ended. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "box-private.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

BOX_API int box_kill(box_t *box, int sig)
{
    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (sig < 0 || sig >= 65)
        return box__error(box, EINVAL, "kill: invalid signal %d", sig);
    if (box->state != BOX_RUNNING && box->state != BOX_HELD)
        return box__error(box, ESRCH, "kill: the box is not running");
    if (syscall(SYS_pidfd_send_signal, box->pidfd, sig, NULL, 0) < 0)
        return box__error(box, errno, "kill: signal %d", sig);
    if (sig == SIGKILL) {
        box->killed_by_caller = true;
        box__cgroup_kill(box);
    }
    return 0;
}

/* How often box_wait samples the box's cpu time when it has a cpu-time limit. */
#define CPU_POLL_NS (20 * 1000000ull)

/* Kill the whole box on behalf of one of its limits. */
static void kill_for_limit(box_t *box, bool *reason)
{
    *reason = true;
    box__cgroup_kill(box);
    syscall(SYS_pidfd_send_signal, box->pidfd, SIGKILL, NULL, 0);
}

static uint64_t tv_us(struct timeval tv)
{
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

/* Reap the first process (it has ended) and fill box->status. waitid through the pidfd,
 * with __WALL since the box's exit signal is 0, and the raw call for its rusage. */
static int reap_status(box_t *box)
{
    struct rusage ru = { 0 };
    siginfo_t si = { 0 };
    box_status_t *st = &box->status;

    if (syscall(SYS_waitid, P_PIDFD, box->pidfd, &si, WEXITED | __WALL, &ru) < 0)
        return box__error(box, errno, "wait");
    memset(st, 0, sizeof *st);
    st->version = BOX_STATUS_VERSION;
    st->wall_us = (box__now_ns() - box->start_ns) / 1000;
    st->cpu_user_us = tv_us(ru.ru_utime);
    st->cpu_system_us = tv_us(ru.ru_stime);
    st->max_rss_bytes = (uint64_t)ru.ru_maxrss * 1024;
    box__cgroup_usage(box, st);
    if (si.si_code == CLD_EXITED) {
        st->end = BOX_END_EXITED;
        st->exit_code = si.si_status;
    } else {
        st->signal = si.si_status;
        st->end = BOX_END_SIGNALED;
        if (box->killed_by_wall)
            st->end = BOX_END_WALL_TIME;
        else if (box->killed_by_cpu)
            st->end = BOX_END_CPU_TIME;
        else if (si.si_status == SIGKILL && st->oom_kills > 0)
            st->end = BOX_END_OOM;
        else if (box->killed_by_caller && si.si_status == SIGKILL)
            st->end = BOX_END_KILLED;
    }
    box->state = BOX_ENDED;
    close(box->pidfd);
    box->pidfd = -1;
    if (box->notify_fd >= 0) /* nobody is left to notify */
        close(box->notify_fd);
    box->notify_fd = -1;
    box__cgroup_destroy(box);
    return 0;
}

/* Milliseconds poll() may sleep: the caller's timeout or the wall limit, whichever is
 * sooner; -1 for no limit. */
static int next_timeout(box_t *box, uint64_t deadline_ns, int timeout_ms)
{
    uint64_t now = box__now_ns(), until = deadline_ns;

    if (box->limit[BOX_LIMIT_WALL_MS] && !box->killed_by_wall) {
        uint64_t wall_end = box->start_ns + box->limit[BOX_LIMIT_WALL_MS] * 1000000u;

        if (timeout_ms < 0 || wall_end < until)
            until = wall_end;
    } else if (timeout_ms < 0 && !box->limit_set[BOX_LIMIT_CPU_TIME_MS]) {
        return -1;
    }
    if (box->limit_set[BOX_LIMIT_CPU_TIME_MS] && (until == 0 || until > now + CPU_POLL_NS))
        until = now + CPU_POLL_NS;
    if (until <= now)
        return 0;
    return (int)((until - now + 999999) / 1000000);
}

BOX_API int box_wait(box_t *box, int timeout_ms, box_status_t *status)
{
    uint64_t deadline = 0;
    int r;

    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (box->state == BOX_CONFIGURED)
        return box__error(box, ESRCH, "wait: the box has not been spawned");
    if (box->state == BOX_HELD)
        return box__error(box, EINVAL, "wait: the box waits for box_start");
    if (timeout_ms < -1)
        return box__error(box, EINVAL, "wait: timeout %d ms is not -1 or more", timeout_ms);
    if (timeout_ms >= 0)
        deadline = box__now_ns() + (uint64_t)timeout_ms * 1000000u;

    while (box->state == BOX_RUNNING) {
        struct pollfd p = { .fd = box->pidfd, .events = POLLIN };
        int ms = next_timeout(box, deadline, timeout_ms);

        r = poll(&p, 1, ms);
        if (r < 0 && errno != EINTR)
            return box__error(box, errno, "wait: poll");
        if (r > 0) {
            r = reap_status(box);
            if (r < 0)
                return r;
            break;
        }
        if (box->limit[BOX_LIMIT_WALL_MS] && !box->killed_by_wall &&
            box__now_ns() >= box->start_ns + box->limit[BOX_LIMIT_WALL_MS] * 1000000u) {
            kill_for_limit(box, &box->killed_by_wall);
            continue;
        }
        if (box->limit_set[BOX_LIMIT_CPU_TIME_MS] && !box->killed_by_cpu &&
            box__cgroup_cpu_us(box, NULL, NULL) >=
                (int64_t)box->limit[BOX_LIMIT_CPU_TIME_MS] * 1000) {
            kill_for_limit(box, &box->killed_by_cpu);
            continue;
        }
        if (timeout_ms >= 0 && box__now_ns() >= deadline)
            return box__error(box, timeout_ms == 0 ? EAGAIN : ETIMEDOUT,
                             "wait: the box is still running after %d ms", timeout_ms);
    }
    if (status)
        *status = box->status;
    return 0;
}
