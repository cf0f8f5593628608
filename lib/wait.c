/* box_wait and box_kill: the box's end as the monitor reports it on the status pipe
 * (monitor.c), the first process's pidfd for signals, and how the box ended. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "box-private.h"
#include "child.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Does the box's first process, pid 1 of its namespace, drop `sig`? The kernel delivers
 * to it only the signals it handles or blocks: one left at its default action (to
 * terminate) is dropped, so a program that never expected to be pid 1 ignores SIGTERM.
 * Read from /proc/PID/status, whose masks are hexadecimal. */
static bool pid1_drops(const box_t *box, int sig)
{
    static const int no_kill[] = { SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGSTOP, SIGTSTP,
                                   SIGTTIN, SIGTTOU, SIGKILL };
    char path[64], line[128];
    uint64_t seen = 0, bit = 1ull << (sig - 1);
    FILE *f;

    if (!(box->ns & BOX_NS_PID) || (box->opts & BOX_OPT_INIT) || sig <= 0 || sig > 64)
        return false;
    for (size_t i = 0; i < sizeof no_kill / sizeof no_kill[0]; i++)
        if (sig == no_kill[i])
            return false;
    snprintf(path, sizeof path, "/proc/%d/status", (int)box->pid);
    f = fopen(path, "re");
    if (!f)
        return false;
    while (fgets(line, sizeof line, f)) {
        unsigned long long mask;

        if ((strncmp(line, "SigBlk:", 7) == 0 || strncmp(line, "SigIgn:", 7) == 0 ||
             strncmp(line, "SigCgt:", 7) == 0) &&
            sscanf(line + 7, "%llx", &mask) == 1)
            seen |= mask;
    }
    fclose(f);
    return !(seen & bit);
}

BOX_API int box_kill(box_t *box, int sig)
{
    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (sig < 0 || sig >= 65)
        return box__error(box, EINVAL, "kill: invalid signal %d", sig);
    if (box->state != BOX_RUNNING && box->state != BOX_HELD)
        return box__error(box, ESRCH, "kill: the box is not running");
    /* A terminating signal that pid 1 would drop ends the box, as it would end the
     * program anywhere else: SIGKILL, and box_wait reports the signal sent. */
    if (box->state == BOX_RUNNING && pid1_drops(box, sig)) {
        if (syscall(SYS_pidfd_send_signal, box->pidfd, SIGKILL, NULL, 0) < 0 &&
            errno != ESRCH)
            return box__error(box, errno, "kill: signal %d (as SIGKILL)", sig);
        if (!box->term_signal)
            box->term_signal = sig;
        box__cgroup_kill(box);
        return 0;
    }
    /* ESRCH: it has ended and the monitor has reaped it, but box_wait has not yet taken the
     * status: like a zombie, it takes signals without effect. */
    if (syscall(SYS_pidfd_send_signal, box->pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
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

void box__monitor_release(box_t *box, int *signal)
{
    siginfo_t si = { 0 };
    long r = 0;

    if (box->monitor_pidfd >= 0) {
        /* It exits right after its report. A waiter of the caller's with __WALL may have
         * reaped it (ECHILD): it is gone all the same. */
        do
            r = syscall(SYS_waitid, P_PIDFD, box->monitor_pidfd, &si, WEXITED | __WALL, NULL);
        while (r < 0 && errno == EINTR);
        close(box->monitor_pidfd);
        box->monitor_pidfd = -1;
    }
    /* Its stack is free once it is gone (it shares our memory). */
    if (box->monitor_stack && (r == 0 || errno == ECHILD)) {
        munmap(box->monitor_stack, BOX_MONITOR_STACK_SIZE);
        box->monitor_stack = NULL;
    }
    if (signal)
        *signal = r == 0 && si.si_code != CLD_EXITED ? si.si_status : 0;
    if (box->status_fd >= 0)
        close(box->status_fd);
    if (box->init_status_fd >= 0)
        close(box->init_status_fd);
    box->status_fd = box->init_status_fd = -1;
}

/* BOX_OPT_NO_MONITOR: the first process is our child, reaped here by its pidfd into the
 * BOX_RECORD_FIRST the monitor would have written (rec NULL: only reaped). false when it
 * is not ours to reap any more: a waiter of the caller's took it first (waitpid(-1),
 * SIGCHLD set to SIG_IGN). */
bool box__reap_first(box_t *box, struct box_exit_record *rec)
{
    struct box_exit_record local;
    siginfo_t si = { 0 };
    long r;

    if (!rec)
        rec = &local;
    memset(rec, 0, sizeof *rec);
    do
        r = syscall(SYS_waitid, P_PIDFD, box->pidfd, &si, WEXITED | __WALL, &rec->ru);
    while (r < 0 && errno == EINTR);
    if (r < 0 || si.si_pid == 0)
        return false;
    rec->source = BOX_RECORD_FIRST;
    rec->code = si.si_code;
    rec->status = si.si_status;
    return true;
}

/* One record from a status pipe: waiting for it (the monitor's comes right away once the
 * first process has ended), or only if it is there already. false at EOF or if none. */
static bool read_record(int fd, bool wait, struct box_exit_record *rec)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    ssize_t n;

    if (!wait && poll(&p, 1, 0) != 1)
        return false;
    do
        n = read(fd, rec, sizeof *rec);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof *rec;
}

/* Classify how the box ended from how its program ended (code, status). */
static void classify(box_t *box, box_status_t *st, int code, int status)
{
    if (code == CLD_EXITED) {
        st->end = BOX_END_EXITED;
        st->exit_code = status;
    } else {
        st->signal = status;
        st->end = BOX_END_SIGNALED;
    }
    /* The box ended because the kernel OOM-killed a process of it: the program was
     * SIGKILLed, or it exited with 137 (128 + SIGKILL), how a shell passes on the death of
     * a child killed so. A box that survived such a kill and exited otherwise keeps its
     * exit; oom_kills counts the kill either way. */
    if (st->oom_kills > 0 && ((st->end == BOX_END_SIGNALED && status == SIGKILL) ||
                              (st->end == BOX_END_EXITED && status == 128 + SIGKILL))) {
        st->end = BOX_END_OOM;
        st->signal = SIGKILL;
    }
    if (st->end == BOX_END_EXITED)
        return;
    if (box->killed_by_wall)
        st->end = BOX_END_WALL_TIME;
    else if (box->killed_by_cpu)
        st->end = BOX_END_CPU_TIME;
    else if (st->end == BOX_END_OOM)
        return;
    else if (box->killed_by_caller && st->signal == SIGKILL)
        st->end = BOX_END_KILLED;
    else if (box->term_signal && st->signal == SIGKILL)
        st->signal = box->term_signal; /* box_kill ended it for a signal pid 1 dropped */
}

static uint64_t realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A detached or opened box has ended (its pidfd is readable, or its pid is gone): the
 * status from box-init's record in the state directory. Without one (box-init was
 * SIGKILLed), from the kernel if the box is our child (a subreaper's: WNOWAIT leaves it
 * to the caller's own reaping), else it is taken for a SIGKILL. Nothing is removed:
 * that is box_destroy's. */
void box__detached_ended(box_t *box)
{
    struct box_exit_record rec;
    box_status_t *st = &box->status;
    siginfo_t si = { 0 };
    uint64_t now = realtime_ns();

    memset(st, 0, sizeof *st);
    st->version = BOX_STATUS_VERSION;
    if (box->started_ns && now > box->started_ns)
        st->wall_us = (now - box->started_ns) / 1000;
    if (box__state_read_exit(box, &rec) == 1) {
        st->cpu_user_us = tv_us(rec.ru.ru_utime);
        st->cpu_system_us = tv_us(rec.ru.ru_stime);
        st->max_rss_bytes = (uint64_t)rec.ru.ru_maxrss * 1024;
        box__cgroup_usage(box, st);
        classify(box, st, rec.code, rec.status);
    } else if (box->pidfd >= 0 &&
               syscall(SYS_waitid, P_PIDFD, box->pidfd, &si, WEXITED | WNOWAIT | __WALL,
                       NULL) == 0 && si.si_pid) {
        box__cgroup_usage(box, st);
        classify(box, st, si.si_code, si.si_status);
    } else {
        box__cgroup_usage(box, st);
        classify(box, st, CLD_KILLED, SIGKILL);
    }
    box->state = BOX_ENDED;
    if (box->pidfd >= 0)
        close(box->pidfd);
    box->pidfd = -1;
}

/* The box has ended (the first process's record is there or comes right away from the
 * monitor, or is ours to take by its pidfd): fill box->status from the records and
 * release everything. */
static int reap_status(box_t *box)
{
    struct box_exit_record first = { 0 }, init = { 0 };
    box_status_t *st = &box->status;
    bool have_first, have_init = false;
    int monitor_sig = 0, r = 0;

    if (box->detached) {
        box__detached_ended(box);
        return 0;
    }
    if (box->opts & BOX_OPT_NO_MONITOR)
        have_first = box__reap_first(box, &first);
    else
        have_first = read_record(box->status_fd, true, &first) &&
                     first.source == BOX_RECORD_FIRST;
    /* box-init wrote before it exited, so before the monitor's record. */
    if (box->init_status_fd >= 0)
        have_init = read_record(box->init_status_fd, false, &init) &&
                    init.source == BOX_RECORD_INIT;
    box__monitor_release(box, &monitor_sig);
    memset(st, 0, sizeof *st);
    st->version = BOX_STATUS_VERSION;
    st->wall_us = (box__now_ns() - box->start_ns) / 1000;
    if (have_first) {
        st->cpu_user_us = tv_us(first.ru.ru_utime);
        st->cpu_system_us = tv_us(first.ru.ru_stime);
        /* box-init's children never shared our memory: their peak is theirs. The first
         * process did until exec, so its peak is the box's only where it is above ours. */
        if (have_init)
            st->max_rss_bytes = (uint64_t)init.ru.ru_maxrss * 1024;
        else if ((uint64_t)first.ru.ru_maxrss > box->caller_maxrss_kb)
            st->max_rss_bytes = (uint64_t)first.ru.ru_maxrss * 1024;
        box__cgroup_usage(box, st);
        if (have_init)
            classify(box, st, init.code, init.status);
        else
            classify(box, st, first.code, first.status);
    } else if (box->opts & BOX_OPT_NO_MONITOR) {
        r = box__error(box, ECHILD, "wait: the box's first process was reaped by another "
                       "waiter of this process (BOX_OPT_NO_MONITOR: waitpid(-1), or SIGCHLD "
                       "set to SIG_IGN): the box's status is lost");
    } else {
        r = box__error(box, ECHILD, "wait: libbox's monitor of the box ended without "
                      "reporting its status (%s%s): the box's status is lost",
                      monitor_sig ? "killed by signal " : "it was killed",
                      monitor_sig ? strsignal(monitor_sig) : "");
    }
    box->state = BOX_ENDED;
    close(box->pidfd);
    box->pidfd = -1;
    if (box->notify_fd >= 0) /* nobody is left to notify */
        close(box->notify_fd);
    box->notify_fd = -1;
    box__cgroup_destroy(box);
    box__net_end(box);
    return r;
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

    if (box->state == BOX_ENDED && box->status.end == 0)
        return box__error(box, ECHILD, "wait: the box's status was lost (libbox's monitor "
                         "of the box was killed)");
    while (box->state == BOX_RUNNING) {
        /* The monitor's record, or the first process's end: its record follows at once
         * (BOX_OPT_NO_MONITOR: no status pipe, poll skips the -1). */
        struct pollfd p[2] = { { .fd = box->status_fd, .events = POLLIN },
                               { .fd = box->pidfd, .events = POLLIN } };
        int ms = next_timeout(box, deadline, timeout_ms);

        r = poll(p, 2, ms);
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
