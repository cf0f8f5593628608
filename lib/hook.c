/* Hooks (box_hook): programs the box's first process runs at a point of its setup, OCI's
 * createContainer (BOX_HOOK_MOUNTED: steps HOOK_MOUNTED, after the mounts, before
 * pivot_root) and startContainer (BOX_HOOK_START: step HOOK_START, after box_start,
 * right before exec). box_hook_caller's function runs in the caller, during box_spawn,
 * while the first process waits in step HOOK_CALLER, right before HOOK_MOUNTED (OCI's
 * prestart and createRuntime, which see the container's pid and namespaces first).
 *
 * The setter copies each hook into one block (its argv, envp and input side by side), so
 * the plan borrows it as it is. The child runs a hook as any setup step runs: raw system
 * calls only. It forks (clone without CLONE_VM, so the hook gets a copy of our memory and
 * may not disturb the caller's), and the copy makes its stdin a memfd holding the input
 * (it never blocks, whatever the hook reads), marks every other descriptor above 2
 * close-on-exec, unblocks signals and execs; an exec failure goes back as its errno on a
 * close-on-exec pipe (libuv's way). The child waits on the hook's pidfd with the timeout,
 * SIGKILLs it when that expires, reaps it, and fails the step with {index, path, status}
 * naming it; box__hook_error turns that record into the message, for box_spawn and for the
 * detached box_start of another process alike. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "box-private.h"
#include "child.h"
#include "child-util.h"
#include "sys.h"

#define BOX_MAX_HOOKS 64

static size_t strv_len(const char *const *v)
{
    size_t n = 0;

    while (v && v[n])
        n++;
    return n;
}

/* Copy v's strings to *text and their pointers (NULL-terminated) to out. */
static void strv_copy(char **out, const char *const *v, size_t n, char **text)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;

        out[i] = memcpy(*text, v[i], len);
        *text += len;
    }
    out[n] = NULL;
}

BOX_API int box_hook(box_t *box, box_hook_t when, const char *path, const char *const argv[],
                     const char *const envp[], const void *input, size_t input_len,
                     unsigned int timeout_ms)
{
    int r = box__check_configurable(box, "hook");
    const char *const just_path[] = { path, NULL };
    size_t na, ne = strv_len(envp), bytes = input_len;
    struct box_hook *grown, *h;
    char *text;

    if (r < 0)
        return r;
    if (when != BOX_HOOK_MOUNTED && when != BOX_HOOK_START)
        return box__error(box, EINVAL, "hook: unknown point %d (BOX_HOOK_MOUNTED or "
                          "BOX_HOOK_START)", (int)when);
    if (!path || path[0] != '/')
        return box__error(box, EINVAL, "hook: the path must be absolute");
    if (!argv)
        argv = just_path;
    if ((na = strv_len(argv)) == 0)
        return box__error(box, EINVAL, "hook: argv is empty");
    if (!input && input_len > 0)
        return box__error(box, EINVAL, "hook: input is NULL with input_len %zu", input_len);
    if (box->n_hooks == BOX_MAX_HOOKS)
        return box__error(box, E2BIG, "hook: at most %d hooks", BOX_MAX_HOOKS);
    bytes += strlen(path) + 1;
    for (size_t i = 0; i < na; i++)
        bytes += strlen(argv[i]) + 1;
    for (size_t i = 0; i < ne; i++)
        bytes += strlen(envp[i]) + 1;
    grown = realloc(box->hooks, (box->n_hooks + 1) * sizeof *box->hooks);
    if (!grown)
        return box__error(box, ENOMEM, "hook");
    box->hooks = grown;
    h = &box->hooks[box->n_hooks];
    h->block = malloc((na + ne + 2) * sizeof(char *) + bytes);
    if (!h->block)
        return box__error(box, ENOMEM, "hook");
    h->argv = h->block;
    h->envp = h->argv + na + 1;
    text = (char *)(h->envp + ne + 1);
    h->input = text;
    h->input_block = NULL;
    h->input_len = input_len;
    if (input_len > 0)
        memcpy(text, input, input_len);
    text += input_len;
    h->path = memcpy(text, path, strlen(path) + 1);
    text += strlen(path) + 1;
    strv_copy(h->argv, argv, na, &text);
    strv_copy(h->envp, envp, ne, &text);
    h->when = when;
    h->timeout_ms = timeout_ms;
    box->hook_whens |= 1u << when;
    box->n_hooks++;
    return 0;
}

BOX_API int box_hook_caller(box_t *box, box_hook_t when, box_hook_fn fn, void *data)
{
    int r = box__check_configurable(box, "hook_caller");

    if (r < 0)
        return r;
    if (when != BOX_HOOK_MOUNTED)
        return box__error(box, EINVAL, "hook_caller: unknown point %d (only "
                          "BOX_HOOK_MOUNTED)", (int)when);
    box->hook_fn = fn;
    box->hook_data = data;
    return 0;
}

/* The index-th hook of point `when`, or NULL. */
static struct box_hook *find_hook(box_t *box, int when, size_t index)
{
    for (size_t i = 0; i < box->n_hooks; i++)
        if (box->hooks[i].when == when && index-- == 0)
            return &box->hooks[i];
    return NULL;
}

/* In the caller's function the first process waits on the sync socket: it reads the
 * hooks again only once we released it (the plan borrows box->hooks). */
BOX_API int box_hook_input(box_t *box, box_hook_t when, size_t index, const void *input,
                           size_t input_len)
{
    int r = box && box->in_hook_fn ? 0 : box__check_configurable(box, "hook_input");
    struct box_hook *h;
    void *copy = NULL;

    if (r < 0)
        return r;
    if (!input && input_len > 0)
        return box__error(box, EINVAL, "hook_input: input is NULL with input_len %zu",
                          input_len);
    if (!(h = find_hook(box, when, index)))
        return box__error(box, ENOENT, "hook_input: no hook %zu at point %d", index,
                          (int)when);
    if (input_len > 0 && !(copy = malloc(input_len)))
        return box__error(box, ENOMEM, "hook_input");
    if (input_len > 0)
        memcpy(copy, input, input_len);
    free(h->input_block);
    h->input_block = copy;
    h->input = copy;
    h->input_len = input_len;
    return 0;
}

void box__hooks_free(box_t *box)
{
    for (size_t i = 0; i < box->n_hooks; i++) {
        free(box->hooks[i].block);
        free(box->hooks[i].input_block);
    }
    free(box->hooks);
}

/* ---- the child's side: async-signal-safe, raw system calls only ---- */

/* The forked copy: stdin from a memfd with the input, nothing but 0..2 past exec. Never
 * returns: an exec failure is its errno on err_wr. */
static void __attribute__((noreturn)) hook_exec(const struct box_hook *h, int err_wr,
                                                long mask)
{
    static const uint64_t empty = 0;
    long fd = SYS2(SYS_memfd_create, "box-hook-input", MFD_CLOEXEC), r = fd;
    size_t done = 0;
    int e;

    while (r >= 0 && done < h->input_len) {
        r = SYS3(SYS_write, fd, h->input + done, h->input_len - done);
        if (r > 0)
            done += (size_t)r;
        else if (r == 0)
            r = -EIO;
    }
    if (r >= 0)
        r = SYS3(SYS_lseek, fd, 0, SEEK_SET);
    if (r >= 0)
        r = fd == 0 ? SYS3(SYS_fcntl, 0, F_SETFD, 0) : SYS3(SYS_dup3, fd, 0, 0);
    if (r >= 0) {
        SYS3(SYS_close_range, 3, ~0u, CLOSE_RANGE_CLOEXEC); /* err_wr is close-on-exec */
        if (mask >= 0)
            SYS1(SYS_umask, mask);
        SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &empty, 0, sizeof empty);
        r = SYS3(SYS_execve, h->path, h->argv, h->envp);
    }
    e = (int)-r;
    SYS3(SYS_write, err_wr, &e, sizeof e);
    SYS1(SYS_exit_group, 127);
    __builtin_unreachable();
}

/* Wait for the hook (pid, pidfd) for at most timeout_ms (0: no limit); SIGKILL it after
 * that. Reaps it. 0, -ETIMEDOUT, or the wait's error. */
static long hook_wait(long pid, int pidfd, unsigned int timeout_ms, int *status)
{
    struct timespec ts = { .tv_sec = timeout_ms / 1000,
                           .tv_nsec = (long)(timeout_ms % 1000) * 1000000 };
    struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
    long r, res = 0;

    do /* the kernel counts ts down across an EINTR */
        r = SYS5(SYS_ppoll, &pfd, 1, timeout_ms ? &ts : 0, 0, 0);
    while (r == -EINTR);
    if (r == 0) {
        SYS4(SYS_pidfd_send_signal, pidfd, SIGKILL, 0, 0);
        res = -ETIMEDOUT;
    }
    do
        r = SYS4(SYS_wait4, pid, status, 0, 0);
    while (r == -EINTR);
    return r < 0 ? r : res;
}

/* Run one hook; 0, or a negative errno with c->e saying which hook and how it ended. */
static long run_hook(const struct box_hook *h, int index, long mask, struct box_child *c)
{
    int errp[2], pidfd = -1, status = 0, e = 0;
    long pid, r;

    c->e.index = index;
    box__strlcpy(c->e.path, h->path, sizeof c->e.path);
    if ((r = SYS2(SYS_pipe2, errp, O_CLOEXEC)) < 0)
        return r;
    pid = SYS5(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
    if (pid == 0)
        hook_exec(h, errp[1], mask);
    SYS1(SYS_close, errp[1]);
    if (pid < 0) {
        SYS1(SYS_close, errp[0]);
        return pid;
    }
    r = hook_wait(pid, pidfd, h->timeout_ms, &status);
    SYS1(SYS_close, pidfd);
    if (r == 0 && SYS3(SYS_read, errp[0], &e, sizeof e) == (long)sizeof e && e > 0)
        r = -e; /* it never ran */
    SYS1(SYS_close, errp[0]);
    if (r == 0 && status != 0) {
        c->e.status = status;
        r = -EIO;
    }
    if (r == -ETIMEDOUT)
        c->e.status = (int)h->timeout_ms;
    return r;
}

static long run_hooks(const struct box_plan *p, int when, long mask, struct box_child *c)
{
    long r;
    int index = 0;

    for (size_t i = 0; i < p->n_hooks; i++) {
        if (p->hooks[i].when != when)
            continue;
        if ((r = run_hook(&p->hooks[i], index, mask, c)) < 0)
            return r;
        index++;
    }
    c->e.index = -1;
    c->e.path[0] = '\0';
    return 0;
}

/* The mount steps run under umask 0 (MOUNT_PRIVATE): the hook gets the caller's. */
long box__step_hook_mounted(const struct box_plan *p, struct box_child *c)
{
    return run_hooks(p, BOX_HOOK_MOUNTED, c->umask, c);
}

/* box_hook_caller: tell the parent (a record with err 0) and wait until its function has
 * run; an EOF instead means it failed or the box was freed. */
long box__step_hook_caller(const struct box_plan *p, struct box_child *c)
{
    (void)c;
    return box__child_ready(p->err_fd, p->sync_fd, STEP_HOOK_CALLER);
}

long box__step_hook_start(const struct box_plan *p, struct box_child *c)
{
    return run_hooks(p, BOX_HOOK_START, -1, c);
}

/* ---- the parent's side ---- */

/* The first process waits in HOOK_CALLER: run the caller's function. 0, or its error
 * (recorded). */
int box__hook_caller_run(box_t *box)
{
    int r;

    box->in_hook_fn = true;
    r = box->hook_fn(box, box->hook_data);
    box->in_hook_fn = false;
    if (r >= 0)
        return 0;
    return box__error(box, r < -4095 ? EIO : -r, "spawn: the caller's function "
                      "(box_hook_caller) failed");
}

/* The message of a failed hook step (verb: "spawn", "start"). Returns -errno. */
int box__hook_error(box_t *box, const char *verb, const struct box_child_error *e)
{
    const char *when = e->step == STEP_HOOK_MOUNTED ? "BOX_HOOK_MOUNTED" : "BOX_HOOK_START";
    int err = e->err > 0 ? e->err : EIO, r;

    if (err == ETIMEDOUT)
        r = box__error(box, 0, "%s: hook %d (%s) %s: did not end within its timeout of %d "
                       "ms (killed)", verb, e->index, when, e->path, e->status);
    else if (err == EIO && WIFEXITED(e->status))
        r = box__error(box, 0, "%s: hook %d (%s) %s: exited with status %d", verb, e->index,
                       when, e->path, WEXITSTATUS(e->status));
    else if (err == EIO && WIFSIGNALED(e->status))
        r = box__error(box, 0, "%s: hook %d (%s) %s: killed by signal %d", verb, e->index,
                       when, e->path, WTERMSIG(e->status));
    else
        return box__error(box, err, "%s: hook %d (%s) %s: cannot run it", verb, e->index,
                          when, e->path);
    (void)r;
    return -err;
}
