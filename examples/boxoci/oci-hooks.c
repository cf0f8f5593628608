/* boxoci: OCI hooks (config.json "hooks"): parse one kind's list and run it.
 *
 * Each hook is { path (absolute, required), args (argv, args[0] included; default
 * [path]), env (exactly; default empty), timeout (seconds > 0; default none) }. A hook runs
 * with the container's state JSON on its stdin (closed after it, so a hook reading to EOF
 * ends), its stdout and stderr those of boxoci, in boxoci's namespaces. Hooks run in
 * order; the first that cannot be started, exits non-zero, is killed by a signal or
 * outlives its timeout (then SIGKILL) stops the list with an error naming it
 * ("config.json: hooks.prestart[1]: /usr/bin/x exited with 3").
 *
 * createContainer and startContainer hooks run in the container's namespaces, so boxoci
 * does not run them itself: oci_hooks_add gives them to the box (box_hook(3):
 * BOX_HOOK_MOUNTED, BOX_HOOK_START), whose first process runs them with the same rules. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <box.h>

#include "oci-hooks.h"
#include "oci-json.h"

/* Parse hooks[i] into argv/envp (borrowed strings, malloc'ed arrays) and timeout. */
static int parse_hook(struct oci_ctx *c, struct json_object *h, const char **path,
                      const char ***argv, const char ***envp, int64_t *timeout)
{
    struct json_object *lists[2] = { NULL, NULL };
    const char **out[2] = { NULL, NULL };
    static const char *const names[2] = { "args", "env" };
    int r;

    *path = NULL; /* (oci_string leaves it alone when the member is missing) */
    *timeout = 0;
    if (!json_object_is_type(h, json_type_object))
        return oci_fail(c, EINVAL, "must be an object");
    if ((r = oci_string(c, h, "path", path)) < 0 ||
        (r = oci_i64(c, h, "timeout", 1, INT32_MAX, timeout)) < 0)
        return r;
    if (!*path || (*path)[0] != '/')
        return oci_fail(c, EINVAL, "path: must be an absolute path");
    for (int k = 0; k < 2; k++) {
        size_t n, mark;

        if ((r = oci_member(c, h, names[k], json_type_array, &lists[k])) < 0)
            goto fail;
        n = lists[k] ? json_object_array_length(lists[k]) : 0;
        if (!(out[k] = calloc(n + 2, sizeof *out[k]))) {
            r = oci_fail(c, ENOMEM, "out of memory");
            goto fail;
        }
        mark = oci_push(c, names[k]);
        for (size_t i = 0; i < n; i++) {
            size_t m = oci_push_index(c, i);

            if ((r = oci_as_string(c, json_object_array_get_idx(lists[k], i), &out[k][i])) < 0)
                goto fail;
            if (k == 1 && !strchr(out[k][i], '=')) {
                r = oci_fail(c, EINVAL, "'%s' is not NAME=VALUE", out[k][i]);
                goto fail;
            }
            oci_pop(c, m);
        }
        oci_pop(c, mark);
        if (k == 0 && n == 0)
            out[0][0] = *path;
    }
    *argv = out[0];
    *envp = out[1];
    return 0;
fail:
    free(out[0]);
    free(out[1]);
    return r;
}

/* Run one hook; 0, or an error in c naming it. */
static int run_hook(struct oci_ctx *c, const char *path, const char **argv, const char **envp,
                    int64_t timeout, const char *state)
{
    posix_spawn_file_actions_t fa;
    struct timespec end;
    int p[2], status = 0, r;
    size_t len = strlen(state), done = 0;
    pid_t pid;
    int pidfd;

    if (pipe2(p, O_CLOEXEC) < 0)
        return oci_fail(c, errno, "pipe");
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[0], 0);
    r = posix_spawn(&pid, path, &fa, NULL, (char *const *)argv, (char *const *)envp);
    posix_spawn_file_actions_destroy(&fa);
    close(p[0]);
    if (r != 0) {
        close(p[1]);
        return oci_fail(c, r, "%s: cannot run it: %s", path, strerror(r));
    }
    /* The state, then EOF. A hook that does not read it must not kill boxoci (a CLI: it
     * may ignore SIGPIPE for good). */
    signal(SIGPIPE, SIG_IGN);
    while (done < len) {
        ssize_t n = write(p[1], state + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(p[1]);
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout;
    for (;;) {
        struct timespec now;
        int wait_ms = -1;

        if (timeout > 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            wait_ms = (int)((end.tv_sec - now.tv_sec) * 1000 +
                            (end.tv_nsec - now.tv_nsec) / 1000000);
            if (wait_ms <= 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                if (pidfd >= 0)
                    close(pidfd);
                return oci_fail(c, ETIMEDOUT, "%s did not end within its timeout of %lld s",
                                path, (long long)timeout);
            }
        }
        if (pidfd >= 0) {
            struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

            if (poll(&pfd, 1, wait_ms) == 0)
                continue;
        }
        r = waitpid(pid, &status, pidfd >= 0 ? WNOHANG : 0);
        if (r == pid || (r < 0 && errno != EINTR))
            break;
    }
    if (pidfd >= 0)
        close(pidfd);
    if (WIFSIGNALED(status))
        return oci_fail(c, EIO, "%s was killed by signal %d", path, WTERMSIG(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return oci_fail(c, EIO, "%s exited with %d", path, WEXITSTATUS(status));
    return 0;
}

/* What each_hook does with a hook: run it now (run_hook), give it to the box
 * (add_box_hook), or nothing (NULL: only check). */
struct hook_action {
    int (*fn)(struct oci_ctx *c, const struct hook_action *a, const char *path,
              const char **argv, const char **envp, int64_t timeout);
    const char *state;
    box_t *box;
    int when;
};

static int run_action(struct oci_ctx *c, const struct hook_action *a, const char *path,
                      const char **argv, const char **envp, int64_t timeout)
{
    return run_hook(c, path, argv, envp, timeout, a->state);
}

/* The box runs it (box_hook(3)): the error comes from box_spawn or box_start. */
static int add_box_hook(struct oci_ctx *c, const struct hook_action *a, const char *path,
                        const char **argv, const char **envp, int64_t timeout)
{
    int r = box_hook(a->box, (box_hook_t)a->when, path, argv, envp, a->state, strlen(a->state),
                     (unsigned int)(timeout > INT32_MAX / 1000 ? INT32_MAX : timeout * 1000));

    return r < 0 ? oci_fail(c, -r, "%s: %s", path, box_errmsg(a->box)) : 0;
}

/* Parse each hook of a list, and do the action with it (NULL: only check). */
static int each_hook(struct oci_ctx *c, struct json_object *list, const struct hook_action *a)
{
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        size_t m = oci_push_index(c, i);
        const char *path = NULL, **argv = NULL, **envp = NULL;
        int64_t timeout = 0;
        int r = parse_hook(c, json_object_array_get_idx(list, i), &path, &argv, &envp,
                           &timeout);

        if (r < 0)
            return r;
        r = a ? a->fn(c, a, path, argv, envp, timeout) : 0;
        free(argv);
        free(envp);
        if (r < 0)
            return r;
        oci_pop(c, m);
    }
    return 0;
}

int oci_hooks_check(struct json_object *doc, char *err)
{
    static const char *const kinds[] = { "prestart", "createRuntime", "createContainer",
                                         "startContainer", "poststart", "poststop" };
    struct oci_ctx ctx = { .err = err }, *c = &ctx;
    struct json_object *hooks = NULL, *list;
    int r = oci_member(c, doc, "hooks", json_type_object, &hooks);

    if (r <= 0)
        return r;
    oci_push(c, "hooks");
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t mark = oci_push(c, kinds[k]);

        list = NULL;
        if ((r = oci_member(c, hooks, kinds[k], json_type_array, &list)) < 0 ||
            (list && (r = each_hook(c, list, NULL)) < 0))
            return r;
        oci_pop(c, mark);
    }
    return 0;
}

static int hooks_do(struct json_object *doc, const char *kind, const struct hook_action *a,
                    char *err)
{
    struct oci_ctx ctx = { .err = err }, *c = &ctx;
    struct json_object *hooks = NULL, *list = NULL;
    int r;

    err[0] = '\0';
    if ((r = oci_member(c, doc, "hooks", json_type_object, &hooks)) <= 0)
        return r;
    oci_push(c, "hooks");
    oci_push(c, kind);
    if ((r = oci_member(c, hooks, kind, json_type_array, &list)) <= 0)
        return r;
    return each_hook(c, list, a);
}

int oci_hooks_run(struct json_object *doc, const char *kind, const char *state, char *err)
{
    const struct hook_action a = { .fn = run_action, .state = state };

    return hooks_do(doc, kind, &a, err);
}

int oci_hooks_add(struct json_object *doc, const char *kind, box_t *box, int when,
                  const char *state, char *err)
{
    const struct hook_action a = { .fn = add_box_hook, .state = state, .box = box,
                                   .when = when };

    return hooks_do(doc, kind, &a, err);
}
