/* Detached boxes (BOX_OPT_DETACH, box_open): the state directory that lets a box outlive
 * the process that made it, and lets any process of the same user find it again.
 *
 * Each box has a directory <state_dir>/<id> (mode 0700) holding:
 *   state   what another process needs to handle the box: its id, pid 1 and that pid's
 *           start time (field 22 of /proc/PID/stat: a recycled pid has another one, so it
 *           is never taken for the box), its cgroups, and what box_exec needs to enter it
 *           (namespaces, uid/gid/groups, capabilities, options such as no_new_privs, the
 *           rlimits, Landlock rules, the seccomp filter as classic BPF, env, cwd), and the
 *           caller's label, and (a "started" line) the CLOCK_REALTIME ns at which the
 *           program was released. Text, one "key value" per line, values %XX-escaped;
 *           written at box_spawn to state.tmp and renamed (readers see all of it or none);
 *           a held box's "started" line is appended by box_start, and box_update_limit's
 *           "limit" lines by a rewrite, both under the exclusive lock.
 *   exit    box-init's end record (struct box_exit_record): box-init is the pid 1 of a
 *           detached box and writes it through an fd the creator opened, just before it
 *           exits, so the status is there whether or not anyone waits, and whoever reaps
 *           the box (the caller's subreaper, or init) takes nothing from it. A box without
 *           box-init (BOX_OPT_NO_INIT) has no exit file: its reaper has the status.
 *   start   only while the box is held (BOX_OPT_HOLD): a unix stream socket, bound by
 *           box_spawn and listened on by the held child (bound through
 *           /proc/thread-self/fd/DIRFD/start, so that a state directory of any length fits
 *           sun_path). box_start, from any process, connects: the child accepts, closes
 *           the listener and makes the connection its error fd (O_CLOEXEC), so the starter
 *           reads the child's error record if the seccomp filter or the exec failed, or
 *           EOF once the program was exec'ed. It then removes the socket: the box's phase
 *           is "created" exactly while it exists. One inode instead of the two FIFOs
 *           (start, result) of earlier libbox: an ext4 inode is 0.1-0.5 ms of a busy
 *           create. A connection refused means no child listens: it ended unstarted. The
 *           starter sees the errors of the steps after the hold (seccomp, exec) with
 *           their errno; it cannot tell a child killed before its exec from one that
 *           exec'ed (both close the connection), and box_wait then says how it ended.
 * A lock (flock on the box's directory) orders the changes: box_spawn holds it exclusively
 * while it creates the box, box_start and box_destroy while they change it, box_open
 * shares it while it reads. Every file is opened with openat on the directory's fd,
 * O_NOFOLLOW and O_CLOEXEC, the id being a single plain file name (box_set_id).
 *
 * Who reaps: the monitor (monitor.c) of a detached box exits right after its report, so
 * the box's pid 1 goes to the caller's nearest child subreaper (conmon, containerd's shim)
 * or init, never stays the caller's zombie. Its cgroups are named libbox-detached-..., which
 * the stale-cgroup cleanup (cgroup.c) never takes for a dead caller's. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/filter.h>

#include "box-private.h"
#include "child.h"

#define STATE_FILE "state"
#define STATE_TMP "state.tmp"
#define EXIT_FILE "exit"
#define STARTED_FILE "started" /* where an earlier libbox kept the start time: removed */
#define HOLD_SOCKET "start"
#define RESULT_FIFO "result" /* an earlier libbox's second hold FIFO: removed */
#define STATE_MAX (4u << 20) /* bytes of a state file libbox reads */
#define LABEL_MAX 65536
#define MAX_ENV 65536
#define MAX_LANDLOCK 4096
#define MAX_CWD_TRY 8

/* ---- setters ---- */

int box__state_check_id(box_t *box, const char *what, const char *id)
{
    size_t len;

    if (!id)
        return box__error(box, EINVAL, "%s: id is NULL", what);
    len = strlen(id);
    if (len == 0 || len > BOX_ID_MAX)
        return box__error(box, EINVAL, "%s: an id has 1 to %d bytes, not %zu", what,
                          BOX_ID_MAX, len);
    if (id[0] == '.' || id[0] == '-')
        return box__error(box, EINVAL, "%s: id '%s' starts with '%c'", what, id, id[0]);
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '.' || *c == '+' || *c == '-'))
            return box__error(box, EINVAL, "%s: id '%.*s' has a byte other than "
                              "[A-Za-z0-9_.+-] (0x%02x)", what, (int)len, id,
                              (unsigned char)*c);
    return 0;
}

BOX_API int box_set_id(box_t *box, const char *id)
{
    int r = box__check_configurable(box, "set_id");

    if (r < 0 || (r = box__state_check_id(box, "set_id", id)) < 0)
        return r;
    return box__set_string(box, "set_id", id, &box->id);
}

BOX_API int box_set_state_dir(box_t *box, const char *dir)
{
    int r = box__check_configurable(box, "set_state_dir");

    if (r < 0)
        return r;
    if (dir && (dir[0] != '/' || strlen(dir) >= 4096))
        return box__error(box, EINVAL, "set_state_dir: '%s' is not an absolute path shorter "
                          "than 4096 bytes", dir);
    return box__set_string(box, "set_state_dir", dir, &box->state_dir);
}

BOX_API int box_set_label(box_t *box, const char *label)
{
    int r = box__check_configurable(box, "set_label");

    if (r < 0)
        return r;
    if (label && strlen(label) > LABEL_MAX)
        return box__error(box, EINVAL, "set_label: %zu bytes, at most %d", strlen(label),
                          LABEL_MAX);
    return box__set_string(box, "set_label", label, &box->label);
}

BOX_API const char *box_id(const box_t *box)
{
    return box ? box->id : NULL;
}

BOX_API const char *box_label(const box_t *box)
{
    return box ? box->label : NULL;
}

void box__state_free(box_t *box)
{
    if (box->state_fd >= 0)
        close(box->state_fd);
    box->state_fd = -1;
    free(box->id);
    free(box->state_dir);
    free(box->label);
    box->id = box->state_dir = box->label = NULL;
}

/* ---- the directory ---- */

/* Open the state directory (dir, or the default), making it (0700) when `create`. */
int box__state_dir_open(box_t *box, const char *dir, bool create, int *out)
{
    char buf[4200];
    int fd;

    *out = -1;
    if (!dir && geteuid() == 0) {
        dir = "/run/libbox";
    } else if (!dir) {
        const char *xdg = secure_getenv("XDG_RUNTIME_DIR");

        if (!xdg || xdg[0] != '/')
            return box__error(box, ENOENT, "state directory: XDG_RUNTIME_DIR is not set (or "
                              "not absolute): name one with box_set_state_dir");
        if (snprintf(buf, sizeof buf, "%s/libbox", xdg) >= (int)sizeof buf)
            return box__error(box, ENAMETOOLONG, "state directory: %s/libbox", xdg);
        dir = buf;
    }
    if (dir[0] != '/')
        return box__error(box, EINVAL, "state directory '%s' is not absolute", dir);
    if (create && mkdir(dir, 0700) < 0 && errno != EEXIST)
        return box__error(box, errno, "state directory: mkdir %s", dir);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return box__error(box, errno, "state directory %s", dir);
    *out = fd;
    return 0;
}

int box__state_lock(box_t *box, int how)
{
    while (flock(box->state_fd, how) < 0)
        if (errno != EINTR)
            return box__error(box, errno, "lock the state of box %s", box->id);
    return 0;
}

void box__state_unlock(box_t *box)
{
    if (box->state_fd >= 0)
        flock(box->state_fd, LOCK_UN);
}

/* The address of the hold socket: through our own fd of the box's directory, whatever the
 * length of its path (sun_path has 108 bytes). thread-self: a thread that unshared its fd
 * table has the directory in its own table only. */
static void hold_address(const box_t *box, struct sockaddr_un *a, socklen_t *len)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    snprintf(a->sun_path, sizeof a->sun_path, "/proc/thread-self/fd/%d/" HOLD_SOCKET,
             box->state_fd);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

/* The listening socket of a held box (the child accepts on it; we close our copy once it
 * is cloned). Backlog 1: box_start connects under the exclusive lock, one at a time. */
static int open_hold(box_t *box)
{
    struct sockaddr_un a;
    socklen_t len;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

    if (fd < 0)
        return box__error(box, errno, "spawn: the hold socket of %s", box->id);
    hold_address(box, &a, &len);
    if (bind(fd, (struct sockaddr *)&a, len) < 0 || listen(fd, 1) < 0) {
        err = errno;
        close(fd);
        return box__error(box, err, "spawn: bind and listen on %s (the hold socket of %s)",
                          a.sun_path, box->id);
    }
    return fd;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

int box__state_create(box_t *box, struct box_state_fds *f)
{
    int dirfd, r;

    f->exit_wr = f->hold = -1;
    if ((r = box__state_dir_open(box, box->state_dir, true, &dirfd)) < 0)
        return r;
    if (mkdirat(dirfd, box->id, 0700) < 0) {
        r = errno;
        close(dirfd);
        if (r == EEXIST)
            return box__error(box, r, "spawn: a box with id %s exists already (box_destroy "
                              "it first)", box->id);
        return box__error(box, r, "spawn: make the state directory of %s", box->id);
    }
    box->state_fd = openat(dirfd, box->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (box->state_fd < 0) {
        r = box__error(box, errno, "spawn: open the state directory of %s", box->id);
        unlinkat(dirfd, box->id, AT_REMOVEDIR);
        close(dirfd);
        return r;
    }
    close(dirfd);
    if ((r = box__state_lock(box, LOCK_EX)) < 0)
        goto fail;
    /* Only box-init writes it: without one (BOX_OPT_NO_INIT) the end is the reaper's
     * waitid, and a file nobody writes is an inode less to make (0.1-1 ms on a busy
     * ext4, which /run is on some hosts). */
    f->exit_wr = !(box->opts & BOX_OPT_INIT) ? -1
                 : openat(box->state_fd, EXIT_FILE,
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (f->exit_wr < 0 && (box->opts & BOX_OPT_INIT)) {
        r = box__error(box, errno, "spawn: create %s in the state of %s", EXIT_FILE, box->id);
        goto fail;
    }
    if ((box->opts & BOX_OPT_HOLD) && (r = f->hold = open_hold(box)) < 0)
        goto fail;
    return 0;
fail:
    close_fd(&f->exit_wr);
    close_fd(&f->hold);
    box__state_remove(box);
    return r;
}

void box__state_remove(box_t *box)
{
    static const char *const files[] = { STATE_FILE, STATE_TMP, EXIT_FILE, STARTED_FILE,
                                         HOLD_SOCKET, RESULT_FIFO };
    int dirfd;

    if (box->state_fd < 0)
        return;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlinkat(box->state_fd, files[i], 0);
    /* The directory goes by name: only where its parent is still the state directory. */
    if (box__state_dir_open(box, box->state_dir, false, &dirfd) == 0) {
        unlinkat(dirfd, box->id, AT_REMOVEDIR);
        close(dirfd);
    }
    close_fd(&box->state_fd);
}

/* Write data to name in the box's directory, atomically (a temporary file, renamed). */
static int write_atomic(box_t *box, const char *name, const char *data, size_t len)
{
    int fd = openat(box->state_fd, STATE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
                    O_CLOEXEC, 0600);
    size_t done = 0;

    if (fd < 0)
        return box__error(box, errno, "state of %s: create %s", box->id, STATE_TMP);
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = n < 0 ? errno : EIO;

            close(fd);
            unlinkat(box->state_fd, STATE_TMP, 0);
            return box__error(box, err, "state of %s: write", box->id);
        }
        done += (size_t)n;
    }
    close(fd);
    if (renameat(box->state_fd, STATE_TMP, box->state_fd, name) < 0) {
        int err = errno;

        unlinkat(box->state_fd, STATE_TMP, 0);
        return box__error(box, err, "state of %s: rename to %s", box->id, name);
    }
    return 0;
}

/* The program is released now: box->started_ns (CLOCK_REALTIME). */
static void note_started(box_t *box)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    box->started_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* box_start of a held box: the "started" line appended to the state file (the caller holds
 * the exclusive lock). Appending makes no inode (a file of its own cost the start an inode
 * and a rename: 0.1-1 ms on a busy ext4); a short write is cut off again, so that readers
 * never see half a line. */
static int append_started(box_t *box)
{
    char line[40];
    struct stat st;
    int n, r = 0, fd;

    note_started(box);
    n = snprintf(line, sizeof line, "started %llu\n", (unsigned long long)box->started_ns);
    fd = openat(box->state_fd, STATE_FILE, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        r = -errno;
    else if (write(fd, line, (size_t)n) != n) {
        r = errno ? -errno : -EIO;
        if (ftruncate(fd, st.st_size) < 0)
            r = -errno;
    }
    if (fd >= 0)
        close(fd);
    return r < 0 ? box__error(box, -r, "start: the state file of %s", box->id) : 0;
}

/* ---- the state file: writing ---- */

struct sbuf {
    char *data;
    size_t len, cap;
    bool failed;
};

static void put(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->failed)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if (b->data && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len <= (size_t)n)
            cap *= 2;
        char *grown = realloc(b->data, cap);

        if (!grown) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
}

/* "key value\n" with the value %XX-escaped: every byte outside 0x21..0x7e but space, and
 * '%' itself. */
static void put_str(struct sbuf *b, const char *key, const char *value)
{
    put(b, "%s ", key);
    for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
        if (*c == '%' || *c < 0x20 || *c > 0x7e)
            put(b, "%%%02X", *c);
        else
            put(b, "%c", *c);
    }
    put(b, "\n");
}

static void put_bpf(struct sbuf *b, const struct sock_filter *insns, size_t n)
{
    const unsigned char *bytes = (const unsigned char *)insns;

    put(b, "seccomp ");
    for (size_t i = 0; i < n * sizeof *insns; i++)
        put(b, "%02x", bytes[i]);
    put(b, "\n");
}

int box__state_write(box_t *box, const struct box_plan *p, bool held)
{
    struct sbuf b = { 0 };
    int r;

    put(&b, "libbox-state 1\n");
    put_str(&b, "id", box->id);
    /* ns: every namespace it is in, its own and joined ones, for box_exec to enter */
    put(&b, "pid %d\nstarttime %llu\nns %u\nopts %u\nuid %u\ngid %u\n", (int)box->pid,
        (unsigned long long)box->starttime, box__ns_entered(box), box->opts, (unsigned)box->uid,
        (unsigned)box->gid);
    for (size_t i = 0; i < box->n_groups; i++)
        put(&b, "group %u\n", (unsigned)box->groups[i]);
    for (size_t i = 0; i < box->n_env; i++)
        put_str(&b, "env", box->env[i]);
    put_str(&b, "cwd", box->cwd);
    put(&b, "cwd_set %d\n", box->cwd_set);
    for (size_t i = 0; i < box->n_cwd_try; i++)
        put_str(&b, "cwd_try", box->cwd_try[i]);
    put_str(&b, "hostname", box->hostname);
    put(&b, "cap_keep %llu\ncap_keep_all %d\n", (unsigned long long)box->cap_keep,
        box->cap_keep_all);
    for (int l = 1; l < BOX_LIMIT_COUNT; l++)
        if (box->limit_set[l] && box__limit_desc((box_limit_t)l)->kind != BOX_LIMIT_KIND_TIME)
            put(&b, "limit %d %llu %d\n", l, (unsigned long long)box->limit[l],
                box->limit_enforced[l]);
    for (size_t i = 0; i < box->n_landlock_rules; i++) {
        char key[32];

        snprintf(key, sizeof key, "landlock %u", box->landlock_rules[i].access);
        put_str(&b, key, box->landlock_rules[i].path);
    }
    put(&b, "landlock_best_effort %d\n", box->landlock_best_effort);
    if (p->seccomp_filter)
        put_bpf(&b, p->seccomp_filter, p->seccomp_len);
    for (size_t i = 0; i < p->n_seccomp_user; i++)
        put_bpf(&b, p->seccomp_user[i].insns, p->seccomp_user[i].len);
    /* A controller in the v2 cgroup has no directory of its own: its line names the v2
     * one, with the flag 1 (box_update_limit of an opened box needs to know it is there). */
    for (int slot = 0; slot < BOX_CG_SLOTS; slot++) {
        bool v2 = slot != BOX_CG_V2 && box->cg.v2_slot[slot];
        const char *dir = v2 ? box->cg.dir[BOX_CG_V2] : box->cg.dir[slot];
        char key[32];

        if (!dir)
            continue;
        snprintf(key, sizeof key, "cgroup %d %d", slot, v2);
        put_str(&b, key, dir);
    }
    if (box->cg.leaf) /* v2: where the box's own processes live (cgroup.c) */
        put_str(&b, "cgroup_leaf", box->cg.leaf);
    if (box->label)
        put_str(&b, "label", box->label);
    if (!held) {
        note_started(box);
        put(&b, "started %llu\n", (unsigned long long)box->started_ns);
    }
    if (b.failed) {
        free(b.data);
        return box__error(box, ENOMEM, "spawn: state of %s", box->id);
    }
    r = write_atomic(box, STATE_FILE, b.data, b.len);
    free(b.data);
    return r;
}

/* ---- the state file: reading (whatever is in it: a truncated or hostile file is an
 * error, never a crash) ---- */

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* The next space-separated number of *s, advancing *s past it and its space. */
static int next_u64(char **s, uint64_t max, uint64_t *out)
{
    char *sp = strchr(*s, ' ');

    if (!sp)
        return -1;
    *sp = '\0';
    if (parse_u64(*s, max, out) < 0)
        return -1;
    *s = sp + 1;
    return 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Undo put_str's escaping into *out: 0, -1 (NUL or a bad escape) or -ENOMEM. */
static int unescape(const char *s, char **out)
{
    char *o = malloc(strlen(s) + 1);

    if (!(*out = o))
        return -ENOMEM;
    for (; *s; s++) {
        int hi, lo;

        if (*s != '%') {
            *o++ = *s;
            continue;
        }
        if ((hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0 || (hi == 0 && lo == 0)) {
            free(*out);
            *out = NULL;
            return -1;
        }
        *o++ = (char)(hi * 16 + lo);
        s += 2;
    }
    *o = '\0';
    return 0;
}

static bool absolute(const char *path)
{
    return path[0] == '/';
}

/* Append to a malloc'ed array of n elements of `size` bytes. */
static void *grow(void *array, size_t n, size_t size)
{
    return realloc(array, (n + 1) * size);
}

static int parse_bpf(box_t *box, const char *hex)
{
    size_t len = strlen(hex), n = len / 2 / sizeof(struct sock_filter);
    unsigned char *bytes;
    struct box_bpf *grown;

    if (len == 0 || len % (2 * sizeof(struct sock_filter)) || n > BPF_MAXINSNS ||
        box->n_seccomp_bpf > BOX_MAX_BPF)
        return -1;
    if (!(bytes = malloc(len / 2)))
        return -ENOMEM;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            free(bytes);
            return -1;
        }
        bytes[i] = (unsigned char)(hi * 16 + lo);
    }
    if (!(grown = grow(box->seccomp_bpf, box->n_seccomp_bpf, sizeof *grown))) {
        free(bytes);
        return -ENOMEM;
    }
    box->seccomp_bpf = grown;
    grown[box->n_seccomp_bpf++] = (struct box_bpf){ (struct sock_filter *)bytes,
                                                    (unsigned short)n };
    return 0;
}

/* Add a string list entry (env, cwd_try). */
static int add_string(char ***list, size_t *n, char *value, bool terminated)
{
    char **grown = realloc(*list, (*n + 1 + terminated) * sizeof *grown);

    if (!grown)
        return -ENOMEM;
    *list = grown;
    grown[(*n)++] = value;
    if (terminated)
        grown[*n] = NULL;
    return 0;
}

/* One "key value" line; value is the rest of the line. 0, -1 (malformed) or -ENOMEM. */
static int parse_line(box_t *box, const char *key, char *value, unsigned int *seen)
{
    uint64_t v, w;
    char *s;
    int r = -1; /* what a failed check below returns: malformed */

    if (strcmp(key, "id") == 0) {
        if (box->id || (r = unescape(value, &s)) < 0)
            return r;
        box->id = s;
        if (box__state_check_id(NULL, "", s) < 0)
            return -1;
        *seen |= 1;
    } else if (strcmp(key, "pid") == 0) {
        if (parse_u64(value, INT32_MAX, &v) < 0 || v == 0)
            return -1;
        box->pid = (pid_t)v;
        *seen |= 2;
    } else if (strcmp(key, "starttime") == 0) {
        if (parse_u64(value, UINT64_MAX, &box->starttime) < 0)
            return -1;
        *seen |= 4;
    } else if (strcmp(key, "ns") == 0) {
        if (parse_u64(value, BOX_NS_ALL, &v) < 0)
            return -1;
        box->ns = (unsigned int)v;
    } else if (strcmp(key, "opts") == 0) {
        if (parse_u64(value, UINT32_MAX, &v) < 0)
            return -1;
        box->opts = (unsigned int)v;
    } else if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
        /* 4294967295: box_set_user's -1, the id the setup left (box_exec keeps its own) */
        if (parse_u64(value, UINT32_MAX, &v) < 0)
            return -1;
        if (key[0] == 'u')
            box->uid = (uid_t)v;
        else
            box->gid = (gid_t)v;
    } else if (strcmp(key, "group") == 0) {
        if (parse_u64(value, UINT32_MAX - 1, &v) < 0 || box->n_groups == BOX_MAX_GROUPS)
            return -1;
        box->groups[box->n_groups++] = (gid_t)v;
    } else if (strcmp(key, "env") == 0 || strcmp(key, "cwd_try") == 0) {
        bool env = key[0] == 'e';

        if ((env ? box->n_env >= MAX_ENV : box->n_cwd_try >= MAX_CWD_TRY) ||
            (r = unescape(value, &s)) < 0)
            return r;
        if (env ? (s[0] == '=' || !strchr(s, '=')) : !absolute(s)) {
            free(s);
            return -1;
        }
        r = env ? add_string(&box->env, &box->n_env, s, true)
                : add_string(&box->cwd_try, &box->n_cwd_try, s, false);
        if (r < 0)
            free(s);
        return r;
    } else if (strcmp(key, "cwd") == 0) {
        if ((r = unescape(value, &s)) < 0)
            return r;
        free(box->cwd);
        box->cwd = s;
        if (!absolute(s))
            return -1;
    } else if (strcmp(key, "hostname") == 0) {
        if ((r = unescape(value, &s)) < 0)
            return r;
        if (!s[0] || strlen(s) > BOX_HOSTNAME_MAX) {
            free(s);
            return -1;
        }
        strcpy(box->hostname, s);
        free(s);
    } else if (strcmp(key, "cwd_set") == 0 || strcmp(key, "cap_keep_all") == 0 ||
               strcmp(key, "landlock_best_effort") == 0) {
        if (parse_u64(value, 1, &v) < 0)
            return -1;
        if (key[1] == 'w')
            box->cwd_set = v;
        else if (key[0] == 'c')
            box->cap_keep_all = v;
        else
            box->landlock_best_effort = v;
    } else if (strcmp(key, "cap_keep") == 0) {
        if (parse_u64(value, UINT64_MAX, &box->cap_keep) < 0)
            return -1;
    } else if (strcmp(key, "limit") == 0) {
        uint64_t enforced;
        const struct box__limit_desc *d;

        if (next_u64(&value, BOX_LIMIT_COUNT - 1, &v) < 0 || v == 0 ||
            next_u64(&value, UINT64_MAX, &w) < 0 || parse_u64(value, 1, &enforced) < 0 ||
            !(d = box__limit_desc((box_limit_t)v)) || d->kind == BOX_LIMIT_KIND_TIME)
            return -1;
        box->limit_set[v] = true;
        box->limit[v] = w;
        box->limit_enforced[v] = enforced;
    } else if (strcmp(key, "landlock") == 0) {
        struct box_landlock_rule *grown;

        if (next_u64(&value, UINT32_MAX, &v) < 0 || box->n_landlock_rules >= MAX_LANDLOCK ||
            (r = unescape(value, &s)) < 0)
            return r;
        if (!absolute(s) || !(grown = grow(box->landlock_rules, box->n_landlock_rules,
                                           sizeof *grown))) {
            r = absolute(s) ? -ENOMEM : -1;
            free(s);
            return r;
        }
        box->landlock_rules = grown;
        grown[box->n_landlock_rules++] = (struct box_landlock_rule){ s, (unsigned int)v };
    } else if (strcmp(key, "seccomp") == 0) {
        box->seccomp_default_off = true;
        return parse_bpf(box, value);
    } else if (strcmp(key, "cgroup") == 0) {
        if (next_u64(&value, BOX_CG_SLOTS - 1, &v) < 0 || next_u64(&value, 1, &w) < 0 ||
            box->cg.dir[v] || box->cg.v2_slot[v] || (r = unescape(value, &s)) < 0)
            return r;
        if (!absolute(s) || (w && v == BOX_CG_V2)) {
            free(s);
            return -1;
        }
        /* 1: the controller is in the v2 cgroup (the path is that one's) */
        box->cg.v2_slot[v] = w;
        if (w)
            free(s);
        else
            box->cg.dir[v] = s;
    } else if (strcmp(key, "cgroup_leaf") == 0) {
        if (box->cg.leaf || (r = unescape(value, &s)) < 0)
            return r;
        box->cg.leaf = s;
        if (!absolute(s))
            return -1;
    } else if (strcmp(key, "label") == 0) {
        if (box->label || (r = unescape(value, &s)) < 0)
            return r;
        box->label = s;
    } else if (strcmp(key, "started") == 0) {
        if (box->started_ns || parse_u64(value, UINT64_MAX, &box->started_ns) < 0)
            return -1;
    } else {
        return -1;
    }
    return 0;
}

int box__state_parse(box_t *box, const char *text, size_t len)
{
    static const char magic[] = "libbox-state 1\n";
    unsigned int seen = 0;
    size_t line = 1;
    char *copy, *pos;
    int r = 0;

    if (len < sizeof magic - 1 || memcmp(text, magic, sizeof magic - 1) != 0)
        return box__error(box, EPROTO, "state file: not a libbox state file of version 1");
    if (memchr(text, '\0', len) || text[len - 1] != '\n')
        return box__error(box, EPROTO, "state file: truncated or not text");
    if (!(copy = malloc(len + 1)))
        return box__error(box, ENOMEM, "state file");
    memcpy(copy, text, len);
    copy[len] = '\0';
    /* The file's environment replaces box_new's default one. */
    for (size_t i = 0; i < box->n_env; i++)
        free(box->env[i]);
    box->n_env = 0;
    box->env[0] = NULL;
    box->seccomp_default_off = true; /* the filter, if any, is in the file as BPF */
    pos = copy + sizeof magic - 1;
    while (*pos) {
        char *nl = strchr(pos, '\n'), *sp;

        *nl = '\0';
        line++;
        sp = strchr(pos, ' ');
        if (!sp) {
            r = -1;
            break;
        }
        *sp = '\0';
        if ((r = parse_line(box, pos, sp + 1, &seen)) < 0)
            break;
        pos = nl + 1;
    }
    free(copy);
    if (r == -ENOMEM)
        return box__error(box, ENOMEM, "state file");
    if (r < 0)
        return box__error(box, EPROTO, "state file: line %zu is not valid", line);
    if (seen != 7)
        return box__error(box, EPROTO, "state file: id, pid or starttime missing");
    return 0;
}

/* ---- reading a box's state (box_open) ---- */

/* Read a whole small file of the box's directory. */
static int read_file(box_t *box, const char *name, char **out, size_t *len)
{
    int fd = openat(box->state_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    ssize_t n;
    size_t done = 0;
    char *buf;

    *out = NULL;
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATE_MAX) {
        close(fd);
        return -EPROTO;
    }
    if (!(buf = malloc((size_t)st.st_size + 1))) {
        close(fd);
        return -ENOMEM;
    }
    while (done < (size_t)st.st_size &&
           ((n = read(fd, buf + done, (size_t)st.st_size - done)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0)
            done += (size_t)n;
    close(fd);
    buf[done] = '\0';
    *out = buf;
    *len = done;
    return 0;
}

int box__state_load(box_t *box, const char *dir, const char *id)
{
    char *text;
    size_t len;
    int dirfd, r;

    if ((r = box__state_check_id(box, "open", id)) < 0)
        return r;
    if (dir && (r = box__set_string(box, "open", dir, &box->state_dir)) < 0)
        return r;
    if ((r = box__state_dir_open(box, dir, false, &dirfd)) < 0)
        return r;
    box->state_fd = openat(dirfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    r = box->state_fd < 0 ? errno : 0;
    close(dirfd);
    if (r)
        return box__error(box, r, "open: box %s%s", id, r == ENOENT ? " does not exist" : "");
    if ((r = box__state_lock(box, LOCK_SH)) < 0)
        return r;
    r = read_file(box, STATE_FILE, &text, &len);
    if (r == -ENOENT)
        r = box__error(box, ENOENT, "open: box %s does not exist (or is being made or "
                       "destroyed)", id);
    else if (r < 0)
        r = box__error(box, -r, "open: the state file of %s", id);
    else
        r = box__state_parse(box, text, len);
    free(text);
    if (r == 0 && strcmp(box->id, id) != 0)
        r = box__error(box, EPROTO, "open: the state file of %s names the box %s", id, box->id);
    box__state_unlock(box);
    return r;
}

/* box_update_limit of a detached box: the new value goes to the end of its state file
 * (a later "limit" line replaces an earlier one as it is read), under the exclusive lock,
 * so that every later box_open sees it (v1 writes swap as memory + swap: a swap update
 * through a later box_open needs the memory limit as it is now). */
int box__state_note_limit(box_t *box, box_limit_t limit)
{
    char *text, *grown, line[96];
    size_t len;
    int n, r;

    if (box->state_fd < 0)
        return 0;
    n = snprintf(line, sizeof line, "limit %d %llu %d\n", (int)limit,
                 (unsigned long long)box->limit[limit], box->limit_enforced[limit]);
    if ((r = box__state_lock(box, LOCK_EX)) < 0)
        return r;
    r = read_file(box, STATE_FILE, &text, &len);
    if (r < 0) {
        box__state_unlock(box);
        return box__error(box, -r, "update_limit: the state file of %s", box->id);
    }
    if (!(grown = realloc(text, len + (size_t)n + 1))) {
        free(text);
        box__state_unlock(box);
        return box__error(box, ENOMEM, "update_limit: the state file of %s", box->id);
    }
    memcpy(grown + len, line, (size_t)n + 1);
    r = write_atomic(box, STATE_FILE, grown, len + (size_t)n);
    free(grown);
    box__state_unlock(box);
    return r;
}

int box__state_read_exit(box_t *box, struct box_exit_record *rec)
{
    int fd = openat(box->state_fd, EXIT_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return 0;
    n = pread(fd, rec, sizeof *rec, 0);
    close(fd);
    return n == (ssize_t)sizeof *rec && rec->source == BOX_RECORD_INIT &&
           (rec->code == CLD_EXITED || rec->code == CLD_KILLED || rec->code == CLD_DUMPED);
}

/* ---- box_start of a detached box, from any process ---- */

int box__state_start(box_t *box)
{
    struct box_child_error e;
    struct sockaddr_un a;
    socklen_t len;
    int res = -1, r;
    ssize_t n;

    if ((r = box__state_lock(box, LOCK_EX)) < 0)
        return r;
    if ((res = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        r = box__error(box, errno, "start: a socket for box %s", box->id);
        goto out;
    }
    /* The connection is the release; ENOENT: no hold (started already); ECONNREFUSED: no
     * listener, so the held child is gone (or the socket is an earlier libbox's FIFO). */
    hold_address(box, &a, &len);
    while ((r = connect(res, (struct sockaddr *)&a, len)) < 0 && errno == EINTR)
        ;
    if (r < 0 && errno == ENOENT) {
        r = box__error(box, EINVAL, "start: box %s is not waiting to start (started "
                       "already?)", box->id);
        goto out;
    }
    if (r < 0) {
        r = errno == ECONNREFUSED ? box__error(box, ESRCH, "start: box %s ended before it "
                                               "was started", box->id)
                                  : box__error(box, errno, "start: connect to %s of %s",
                                               a.sun_path, box->id);
        goto done;
    }
    do
        n = read(res, &e, sizeof e);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof e) {
        int err = e.err > 0 ? e.err : EIO;

        if (e.step == STEP_HOOK_START)
            r = box__hook_error(box, "start", &e);
        else
            r = box__error(box, err, "start: %s%s%s", box__step_name(e.step),
                           e.path[0] ? " " : "", e.path);
        box->errstep = box__step_public_id(e.step);
    } else if (n != 0) {
        r = box__error(box, n < 0 ? errno : EIO, "start: read the result of box %s", box->id);
    } else {
        r = append_started(box);
    }
done:
    unlinkat(box->state_fd, HOLD_SOCKET, 0);
out:
    if (res >= 0)
        close(res);
    box__state_unlock(box);
    return r;
}

/* Is the box still held (its start socket there)? */
bool box__state_held(box_t *box)
{
    return box->state_fd >= 0 && faccessat(box->state_fd, HOLD_SOCKET, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}
