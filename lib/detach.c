/* Detached boxes seen from any process: box_open, box_destroy, box_list, box_phase.
 * The state directory itself (its files, the lock, the format, the start socket) is
 * state.c's; see there for the design. This module sits on top: it makes box_t's
 * (box.c) from the state and ends them through wait.c and cgroup.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>

#include "box-private.h"

/* Has the box's pid 1 exited (a zombie or gone)? */
static bool exited(const box_t *box)
{
    struct pollfd p = { .fd = box->pidfd, .events = POLLIN };

    return box->pidfd < 0 || poll(&p, 1, 0) == 1;
}

/* The pidfd of the box's pid 1, if the pid is still the box's: a pid whose start time is
 * another is a recycled one. The pidfd pins the process it was opened for, so the start
 * time read after it, while that process is still there, is that process's. */
static int attach_process(box_t *box)
{
    struct timespec ts;
    uint64_t start, now_rt;
    int fd;

    box->detached = true;
    fd = (int)syscall(SYS_pidfd_open, box->pid, 0);
    if (fd < 0 && errno != ESRCH)
        return box__error(box, errno, "open: pidfd_open %d", (int)box->pid);
    if (fd >= 0 && (box__proc_starttime(box->pid, &start) < 0 || start != box->starttime)) {
        close(fd);
        fd = -1;
    }
    box->pidfd = fd;
    box->state = box__state_held(box) ? BOX_HELD : BOX_RUNNING;
    if (exited(box)) {
        box__detached_ended(box);
        return 0;
    }
    /* box_wait's clock is monotonic; the state has the realtime start. */
    clock_gettime(CLOCK_REALTIME, &ts);
    now_rt = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    box->start_ns = box__now_ns();
    if (box->started_ns && now_rt > box->started_ns && box->start_ns > now_rt - box->started_ns)
        box->start_ns -= now_rt - box->started_ns;
    return 0;
}

BOX_API int box_open_err(box_t **out, const char *state_dir, const char *id, char *errbuf,
                         size_t size)
{
    box_t *box;
    int r;

    if (errbuf && size)
        errbuf[0] = '\0';
    if (!out)
        return -EINVAL;
    *out = NULL;
    if ((r = box_new(&box, 0)) < 0) {
        if (errbuf && size)
            snprintf(errbuf, size, "open: %s", strerror(-r));
        return r;
    }
    if (state_dir && state_dir[0] != '/')
        r = box__error(box, EINVAL, "open: state directory '%s' is not absolute", state_dir);
    else if ((r = box__state_load(box, state_dir, id)) == 0)
        r = attach_process(box);
    if (r < 0) {
        if (errbuf && size)
            snprintf(errbuf, size, "%s", box->errmsg);
        box->detached = true; /* nothing of it is ours to end */
        box_free(box);
        return r;
    }
    *out = box;
    return 0;
}

BOX_API int box_open(box_t **out, const char *state_dir, const char *id)
{
    return box_open_err(out, state_dir, id, NULL, 0);
}

BOX_API int box_phase(box_t *box)
{
    int frozen;

    if (!box)
        return -EINVAL;
    if (box->state == BOX_CONFIGURED)
        return -ESRCH;
    if (box->state == BOX_ENDED || exited(box))
        return BOX_PHASE_STOPPED;
    /* Another process may have started it since we looked. */
    if (box->state == BOX_HELD && box->detached && !box__state_held(box))
        box->state = BOX_RUNNING;
    if (box->state == BOX_HELD)
        return BOX_PHASE_CREATED;
    frozen = box__cgroup_frozen(box);
    return frozen == 1 ? BOX_PHASE_PAUSED : BOX_PHASE_RUNNING;
}

BOX_API int box_update_limit(box_t *box, box_limit_t limit, uint64_t value)
{
    int r = box__cgroup_update_limit(box, limit, value);

    /* A detached box's cgroup limits are read again by every box_open (its time limits
     * are box_wait's in this process only: the state file has none). */
    if (r == 0 && box->detached &&
        box__limit_desc(limit)->kind == BOX_LIMIT_KIND_CGROUP)
        r = box__state_note_limit(box, limit);
    return r;
}

BOX_API int box_destroy(box_t *box)
{
    struct pollfd p;
    int r;

    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (!box->detached)
        return box__error(box, EINVAL, "destroy: not a detached box (box_free ends it)");
    if (box->state_fd < 0)
        return box__error(box, ESRCH, "destroy: box %s was destroyed already", box->id);
    if ((r = box__state_lock(box, LOCK_EX)) < 0)
        return r;
    if (box->state != BOX_ENDED) {
        /* The whole box, not only pid 1: without a pid namespace its other processes
         * would outlive it. */
        syscall(SYS_pidfd_send_signal, box->pidfd, SIGKILL, NULL, 0);
        box__cgroup_kill(box);
        box->killed_by_caller = true;
        p = (struct pollfd){ .fd = box->pidfd, .events = POLLIN };
        while (poll(&p, 1, -1) < 0 && errno == EINTR)
            ;
        box__detached_ended(box);
    }
    /* Its child has exited: what it ran on in our memory (a held box of ours) is free. */
    box__launch_release(box);
    box__cgroup_destroy(box);
    box__state_remove(box); /* and the lock with the directory's fd */
    return 0;
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

BOX_API int box_list(const char *state_dir, box_list_fn fn, void *data)
{
    char **ids = NULL, path[300];
    size_t n = 0;
    struct dirent *de;
    int dirfd, r = 0;
    DIR *d;

    if (!fn || (state_dir && state_dir[0] != '/'))
        return -EINVAL;
    if ((r = box__state_dir_open(NULL, state_dir, false, &dirfd)) < 0)
        return r;
    if (!(d = fdopendir(dirfd))) {
        r = -errno;
        close(dirfd);
        return r;
    }
    while ((de = readdir(d))) {
        char **grown;

        snprintf(path, sizeof path, "%s/state", de->d_name);
        if (box__state_check_id(NULL, "", de->d_name) < 0 ||
            faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (!(grown = realloc(ids, (n + 1) * sizeof *ids)) || !(grown[n] = strdup(de->d_name))) {
            ids = grown ? grown : ids;
            r = -ENOMEM;
            break;
        }
        ids = grown;
        n++;
    }
    closedir(d);
    if (r == 0 && n)
        qsort(ids, n, sizeof *ids, compare_ids);
    for (size_t i = 0; r == 0 && i < n; i++)
        r = fn(ids[i], data);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    return r;
}
