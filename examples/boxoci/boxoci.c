/* boxoci: an OCI runtime (runc's command line) over libbox.
 *
 * The container is a detached box (BOX_OPT_DETACH): oci-config.c turns config.json into
 * libbox calls, and this file is the command line and the logging container engines
 * expect. libbox keeps the container in the runtime's root (ROOT/ID, box_set_state_dir):
 * create spawns it held, every later command opens it by id (box_open) and start, state,
 * kill, exec, ps, pause, resume and delete are the library's calls on it. What OCI's
 * state has and libbox does not know (bundle, rootfs, created, owner, annotations, and the
 * process settings an exec must match) is the box's label, a JSON object. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/magic.h>
#include <unistd.h>

#include <box.h>

#include "oci-config.h"
#include "oci-hooks.h"

#define BOXOCI_VERSION "0.1.0"
#define OCI_VERSION "1.1.0"
#define JSON_OUT (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

static struct {
    const char *root;
    FILE *log;
    bool log_json;
    bool debug;
} g;

/* ---- errors and the log ---- */

static void log_line(const char *level, const char *msg)
{
    char when[64];
    struct timespec ts;
    struct tm tm;

    if (!g.log)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (g.log_json) {
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "level", json_object_new_string(level));
        json_object_object_add(o, "msg", json_object_new_string(msg));
        json_object_object_add(o, "time", json_object_new_string(when));
        fprintf(g.log, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else {
        fprintf(g.log, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
    }
    fflush(g.log);
}

/* An error or a warning: to stderr and, as the engines read it, to the log. */
static void __attribute__((format(printf, 2, 0))) report(const char *level, const char *fmt,
                                                         va_list ap)
{
    char msg[1024];

    vsnprintf(msg, sizeof msg, fmt, ap);
    fprintf(stderr, "boxoci: %s%s\n", strcmp(level, "warning") ? "" : "warning: ", msg);
    log_line(level, msg);
}

/* Returns 1. */
static int __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report("error", fmt, ap);
    va_end(ap);
    return 1;
}

/* The command goes on. */
static void __attribute__((format(printf, 1, 2))) warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report("warning", fmt, ap);
    va_end(ap);
}

static void __attribute__((format(printf, 1, 2))) debug(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (!g.debug)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_line("debug", msg);
}

/* ---- the state directory ---- */

/* Is this process in the initial user namespace (its uid map the identity of all ids)? */
static bool initial_userns(void)
{
    unsigned long inside, outside, count;
    FILE *f = fopen("/proc/self/uid_map", "re");
    bool initial;

    if (!f)
        return true;
    initial = fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 &&
              outside == 0 && count == 4294967295UL;
    fclose(f);
    return initial;
}

/* runc's rule: /run/boxoci for real root; for anyone else, and for root in a user
 * namespace (rootless podman runs its runtime as uid 0 of one), $XDG_RUNTIME_DIR/boxoci. */
static const char *default_root(void)
{
    static char buf[PATH_MAX];
    const char *xdg = getenv("XDG_RUNTIME_DIR");

    if (geteuid() == 0 && initial_userns())
        return "/run/boxoci";
    if (!xdg || !xdg[0])
        return "/tmp/boxoci";
    snprintf(buf, sizeof buf, "%s/boxoci", xdg);
    return buf;
}

/* libbox wants the state directory as an absolute path. */
static int absolute_root(const char *root)
{
    static char buf[PATH_MAX];
    char cwd[PATH_MAX];

    if (root[0] == '/') {
        g.root = root;
        return 0;
    }
    if (!getcwd(cwd, sizeof cwd) ||
        snprintf(buf, sizeof buf, "%s/%s", cwd, root) >= (int)sizeof buf)
        return error("--root %s: cannot make it absolute", root);
    g.root = buf;
    return 0;
}

/* create makes the root with its missing parents (0700), as runc's MkdirAll: containerd's
 * shim names /run/containerd/runc/NAMESPACE, whose parent nobody made before. Returns 0
 * or 1 with the error reported. */
static int make_root(void)
{
    char path[PATH_MAX];

    if (snprintf(path, sizeof path, "%s", g.root) >= (int)sizeof path)
        return error("--root %s: too long", g.root);
    for (char *p = path + 1;; p++) {
        bool last = *p == '\0';

        if (*p != '/' && !last)
            continue;
        *p = '\0';
        if (path[0] && mkdir(path, 0700) < 0 && errno != EEXIST)
            return error("--root %s: mkdir %s: %s", g.root, path, strerror(errno));
        if (last)
            return 0;
        *p = '/';
    }
}

/* Compiled seccomp filters, shared by the containers of this root (box_seccomp_cache_dir;
 * '@' is in no container id), or NULL when the name does not fit. */
static const char *seccomp_cache_dir(char *buf, size_t size)
{
    if ((size_t)snprintf(buf, size, "%s/@seccomp", g.root) >= size)
        return NULL;
    return buf;
}

static int write_file_atomic(const char *dir, const char *name, const char *text)
{
    char tmp[PATH_MAX], path[PATH_MAX];
    size_t len = strlen(text);
    int fd;

    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    /* No fsync: the rename makes the file whole to its readers, and after a crash of the
     * machine there is no container for it to name (as runc and crun, which do not sync). */
    if (write(fd, text, len) != (ssize_t)len) {
        int r = errno ? -errno : -EIO;

        close(fd);
        unlink(tmp);
        return r;
    }
    close(fd);
    return rename(tmp, path) < 0 ? -errno : 0;
}

/* The engines read the pid file as soon as create (or exec --detach) exits: written
 * atomically before that. */
static int write_pid_file(const char *path, pid_t pid)
{
    char dir[PATH_MAX], text[32];
    const char *slash = strrchr(path, '/');

    snprintf(text, sizeof text, "%d", (int)pid);
    if (!slash)
        return write_file_atomic(".", path, text);
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    return write_file_atomic(slash == path ? "/" : dir, slash + 1, text);
}

/* ---- the container's cgroup (linux.cgroupsPath) ---- */

/* OCI's linux.cgroupsPath names the container's own cgroup, which the runtime makes with
 * its missing parents and removes at delete (runc); libbox makes a box's cgroups below a
 * parent that exists (box_set_cgroup_parent). So create makes the path in each cgroup
 * hierarchy (v2: the one at /sys/fs/cgroup; v1 and hybrid: each /sys/fs/cgroup/NAME, the
 * hybrid v2 one included), and the directories it made go into the label ("cgroupsMade"),
 * so that delete removes them once box_destroy has removed libbox's below them.
 * containerd's shim names a path below its caller's cgroup that nobody made. */
static bool is_cgroup_fs(const char *dir, bool *v2)
{
    struct statfs s;

    if (statfs(dir, &s) < 0)
        return false;
    *v2 = s.f_type == CGROUP2_SUPER_MAGIC;
    return *v2 || s.f_type == CGROUP_SUPER_MAGIC;
}

/* A v2 cgroup made below `parent` gets parent's controllers (runc enables them on each
 * level it makes); one the kernel refuses there is left off: the box's limit then says. */
static void v2_enable_all(const char *parent)
{
    char path[PATH_MAX], list[1024], *save = NULL;
    FILE *f;

    if (snprintf(path, sizeof path, "%s/cgroup.controllers", parent) >= (int)sizeof path ||
        !(f = fopen(path, "re")))
        return;
    if (!fgets(list, sizeof list, f))
        list[0] = '\0';
    fclose(f);
    if (snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent) >= (int)sizeof path)
        return;
    for (char *c = strtok_r(list, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        char word[128];
        int n = snprintf(word, sizeof word, "+%s", c);

        if (fd < 0)
            return;
        if (write(fd, word, (size_t)n) < 0)
            debug("cgroupsPath: %s: %s: %s", path, word, strerror(errno));
        close(fd);
    }
}

/* mkdir -p base/path (path absolute), each directory made appended to `made`. A directory
 * this caller may not make ends the walk without an error: the library then says which
 * cgroup it could not use. */
static int make_cgroup_path(const char *base, const char *path, bool v2,
                            struct json_object *made)
{
    char dir[PATH_MAX];
    size_t blen = strlen(base);

    if (snprintf(dir, sizeof dir, "%s%s", base, path) >= (int)sizeof dir)
        return error("cgroupsPath %s: too long", path);
    for (char *p = dir + blen + 1;; p++) {
        bool last = *p == '\0';

        if (*p != '/' && !last)
            continue;
        *p = '\0';
        if (p > dir + blen && p[-1] != '/') {
            if (mkdir(dir, 0755) == 0) {
                json_object_array_add(made, json_object_new_string(dir));
            } else if (errno != EEXIST) {
                debug("cgroupsPath: mkdir %s: %s", dir, strerror(errno));
                return 0;
            }
        }
        if (last)
            return 0;
        if (v2 && base[strlen("/sys/fs/cgroup")] == '\0')
            v2_enable_all(dir);
        *p = '/';
    }
}

/* rmdir what make_cgroup_paths made, deepest first. Returns 0, or 1 with the error
 * reported (a directory that something else uses now). */
static int remove_cgroup_paths(struct json_object *made)
{
    int rc = 0;

    for (size_t i = made ? json_object_array_length(made) : 0; i-- > 0;) {
        const char *dir = json_object_get_string(json_object_array_get_idx(made, i));

        if (dir && rmdir(dir) < 0 && errno != ENOENT)
            rc = error("cgroupsPath: rmdir %s: %s", dir, strerror(errno));
    }
    return rc;
}

/* The cgroupsPath of each hierarchy made where missing; `made` lists what was made. */
static int make_cgroup_paths(const struct oci_config *cfg, struct json_object *made)
{
    struct json_object *lx, *cp;
    const char *path;
    struct dirent *de;
    bool v2;
    DIR *d;
    int rc = 0;

    if (!json_object_object_get_ex(cfg->json, "linux", &lx) ||
        !json_object_object_get_ex(lx, "cgroupsPath", &cp) ||
        !(path = json_object_get_string(cp)) || path[0] != '/')
        return 0; /* none, or refused by oci_config_apply */
    if (is_cgroup_fs("/sys/fs/cgroup", &v2))
        return make_cgroup_path("/sys/fs/cgroup", path, v2, made);
    if (!(d = opendir("/sys/fs/cgroup")))
        return 0;
    while (rc == 0 && (de = readdir(d))) {
        char base[PATH_MAX];
        struct stat st;

        snprintf(base, sizeof base, "/sys/fs/cgroup/%s", de->d_name);
        /* cpu -> cpu,cpuacct: a link to a hierarchy that is walked by its own name */
        if (de->d_name[0] != '.' && lstat(base, &st) == 0 && S_ISDIR(st.st_mode) &&
            is_cgroup_fs(base, &v2))
            rc = make_cgroup_path(base, path, v2, made);
    }
    closedir(d);
    return rc;
}

/* Remove the container for good: box_destroy, then the cgroupsPath directories create
 * made. Returns 0, or 1 with the error reported. */
static int destroy_container(box_t *box)
{
    struct json_object *l = json_tokener_parse(box_label(box) ? box_label(box) : "{}"), *made;
    int rc = 0;

    if (box_destroy(box) < 0)
        rc = error("delete: %s", box_errmsg(box));
    else if (l && json_object_object_get_ex(l, "cgroupsMade", &made))
        rc = remove_cgroup_paths(made);
    json_object_put(l);
    return rc;
}

/* ---- containers: detached boxes ---- */

static char *now_rfc3339(char *buf, size_t size)
{
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
    return buf;
}

/* The late hooks (poststart, poststop) as create saw them: start and delete run these,
 * not config.json's of their time (runtime-spec: changes after create do not affect the
 * container), and read no file when there are none. */
static struct json_object *late_hooks(const struct oci_config *cfg)
{
    struct json_object *o = json_object_new_object(), *hooks, *list;

    for (int k = 0; k < 2; k++) {
        const char *kind = k ? "poststop" : "poststart";

        if (json_object_object_get_ex(cfg->json, "hooks", &hooks) &&
            json_object_object_get_ex(hooks, kind, &list) &&
            json_object_is_type(list, json_type_array) && json_object_array_length(list))
            json_object_object_add(o, kind, json_object_get(list));
    }
    return o;
}

/* What OCI's state has and libbox does not know: kept as the box's label (box_set_label),
 * a JSON object. The owner is kept as its uid: its name (owner_name) costs getpwuid's NSS
 * set-up, which create would pay for a field only state and list show. */
static struct json_object *new_label(const struct oci_config *cfg)
{
    struct json_object *l = json_object_new_object(), *a;
    char when[64];

    json_object_object_add(l, "bundle", json_object_new_string(cfg->bundle));
    json_object_object_add(l, "rootfs", json_object_new_string(cfg->rootfs));
    json_object_object_add(l, "created", json_object_new_string(now_rfc3339(when,
                                                                            sizeof when)));
    json_object_object_add(l, "ownerUid", json_object_new_int64((int64_t)geteuid()));
    json_object_object_add(l, "lateHooks", late_hooks(cfg));
    if (json_object_object_get_ex(cfg->json, "annotations", &a))
        json_object_object_add(l, "annotations", json_object_get(a));
    /* What an exec gets (check_exec_process). */
    if (json_object_object_get_ex(cfg->json, "process", &a)) {
        static const char *const keys[] = { "args", "env", "user", "capabilities",
                                            "noNewPrivileges", "rlimits", "apparmorProfile",
                                            "selinuxLabel" };
        struct json_object *p = json_object_new_object(), *v;

        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (json_object_object_get_ex(a, keys[i], &v))
                json_object_object_add(p, keys[i], json_object_get(v));
        json_object_object_add(l, "process", p);
    }
    return l;
}

/* Open the container `id`: 0 with *out set (box_free), or 1 with the error reported. */
static int open_container(const char *id, box_t **out)
{
    char err[512];
    int r = box_open_err(out, g.root, id, err, sizeof err);

    if (r == -ENOENT)
        return error("container \"%s\" does not exist", id);
    if (r < 0)
        return error("container \"%s\": %s", id, err[0] ? err : strerror(-r));
    return 0;
}

static const char *status_name(box_t *box)
{
    switch (box_phase(box)) {
    case BOX_PHASE_CREATED: return "created";
    case BOX_PHASE_RUNNING: return "running";
    case BOX_PHASE_PAUSED: return "paused";
    default: return "stopped";
    }
}

/* The user name of uid as runc's list finds it: /etc/passwd read directly (no NSS
 * modules loaded for one field), "#UID" when it has none. */
static struct json_object *owner_name(uid_t uid)
{
    char line[1024], num[24];
    FILE *f = fopen("/etc/passwd", "re");

    while (f && fgets(line, sizeof line, f)) {
        char *name = line, *colon = strchr(line, ':'), *pw, *end;

        if (!colon || !(pw = strchr(colon + 1, ':')))
            continue;
        *colon = '\0';
        errno = 0;
        if (strtoul(pw + 1, &end, 10) == uid && end != pw + 1 && *end == ':' && !errno) {
            fclose(f);
            return json_object_new_string(name);
        }
    }
    if (f)
        fclose(f);
    snprintf(num, sizeof num, "#%u", (unsigned)uid);
    return json_object_new_string(num);
}

/* The OCI state with this status and pid (below 0: none), from the box's id and label. */
static struct json_object *state_as(box_t *box, const char *status, int pid)
{
    static const char *const keys[] = { "bundle", "rootfs", "created", "owner",
                                        "annotations" };
    const char *label = box_label(box);
    struct json_object *o = json_object_new_object(), *l, *v;

    json_object_object_add(o, "ociVersion", json_object_new_string(OCI_VERSION));
    json_object_object_add(o, "id", json_object_new_string(box_id(box)));
    json_object_object_add(o, "status", json_object_new_string(status));
    if (pid >= 0)
        json_object_object_add(o, "pid", json_object_new_int(pid));
    l = label ? json_tokener_parse(label) : NULL;
    for (size_t i = 0; l && i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_object_get_ex(l, keys[i], &v))
            json_object_object_add(o, keys[i], json_object_get(v));
    /* A label of an older boxoci has the name itself. */
    if (l && !json_object_object_get_ex(l, "owner", NULL) &&
        json_object_object_get_ex(l, "ownerUid", &v))
        json_object_object_add(o, "owner", owner_name((uid_t)json_object_get_int64(v)));
    json_object_put(l);
    return o;
}

/* The OCI state (runtime-spec's "state" operation). */
static struct json_object *oci_state(box_t *box)
{
    const char *status = status_name(box);

    return state_as(box, status, strcmp(status, "stopped") ? box_pid(box) : 0);
}

/* The poststart or poststop hooks of the container, for oci_hooks_run: a document whose
 * "hooks" has them, or NULL when it has none. The label has them as create saw them
 * (late_hooks); a label of an older boxoci has not, and then the bundle's config.json is
 * read again (the label keeps the bundle's path). */
static struct json_object *late_hooks_doc(box_t *box, const char *kind)
{
    struct json_object *l = json_tokener_parse(box_label(box) ? box_label(box) : "{}"), *b;
    struct json_object *doc = NULL, *late, *list;
    char path[PATH_MAX];

    if (l && json_object_object_get_ex(l, "lateHooks", &late)) {
        if (json_object_object_get_ex(late, kind, &list)) {
            doc = json_object_new_object();
            json_object_object_add(doc, "hooks", json_object_get(late));
        }
    } else if (l && json_object_object_get_ex(l, "bundle", &b) &&
               (size_t)snprintf(path, sizeof path, "%s/config.json",
                                json_object_get_string(b)) < sizeof path &&
               !(doc = json_object_from_file(path))) {
        warn("%s hooks: cannot read the bundle's config.json again", kind);
    }
    json_object_put(l);
    return doc;
}

/* Run the poststart or poststop hooks (late_hooks_doc's `doc`, which this puts) with
 * `state`: other invocations than create's. A failure is only a warning (runtime-spec). */
static void run_late_hooks(struct json_object *doc, const char *kind,
                           struct json_object *state)
{
    char err[OCI_ERR_MAX];

    if (oci_hooks_run(doc, kind, json_object_to_json_string_ext(state, JSON_C_TO_STRING_PLAIN),
                      err) < 0)
        warn("%s", err);
    json_object_put(doc);
}

/* ---- signals ---- */

static const struct {
    const char *name;
    int sig;
} signals[] = {
    { "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT },   { "ILL", SIGILL },
    { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },   { "IOT", SIGIOT },     { "BUS", SIGBUS },
    { "FPE", SIGFPE },   { "KILL", SIGKILL },   { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
    { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },   { "ALRM", SIGALRM },   { "TERM", SIGTERM },
    { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
    { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU },   { "URG", SIGURG },
    { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
    { "WINCH", SIGWINCH }, { "IO", SIGIO },     { "PWR", SIGPWR },     { "SYS", SIGSYS },
};

/* "9", "KILL", "SIGKILL", "sigkill", "RTMIN+3". */
static int parse_signal(const char *s)
{
    char *end;
    long n;

    if (isdigit((unsigned char)s[0])) {
        n = strtol(s, &end, 10);
        return *end || n < 1 || n > SIGRTMAX ? -1 : (int)n;
    }
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        if (strcasecmp(s, signals[i].name) == 0)
            return signals[i].sig;
    if (strncasecmp(s, "RTMIN", 5) == 0) {
        n = s[5] ? strtol(s + 5, &end, 10) : 0;
        if (s[5] && *end)
            return -1;
        return SIGRTMIN + n > SIGRTMAX || n < 0 ? -1 : (int)(SIGRTMIN + n);
    }
    return -1;
}

/* ---- commands ---- */

static int cmd_version(void)
{
    printf("boxoci version %s\nlibbox %s\nspec: %s\n", BOXOCI_VERSION, box_version(),
           OCI_VERSION);
    return 0;
}

static struct json_object *strings(const char *const *list)
{
    struct json_object *a = json_object_new_array();

    for (; *list; list++)
        json_object_array_add(a, json_object_new_string(*list));
    return a;
}

static struct json_object *mount_json(const char *dest, const char *type, const char *src,
                                      const char *const *opts)
{
    struct json_object *m = json_object_new_object();

    json_object_object_add(m, "destination", json_object_new_string(dest));
    json_object_object_add(m, "type", json_object_new_string(type));
    json_object_object_add(m, "source", json_object_new_string(src));
    json_object_object_add(m, "options", strings(opts));
    return m;
}

/* A config.json that boxoci runs as it is: runc's default, less what libbox cannot do yet
 * (a terminal). */
static int cmd_spec(int argc, char **argv)
{
    static const struct option opts[] = {
        { "bundle", required_argument, NULL, 'b' },
        { "rootless", no_argument, NULL, 'r' },
        { 0 },
    };
    static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                        NULL };
    static const char *const env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                                       "/sbin:/bin", "TERM=xterm", NULL };
    static const char *const ro_paths[] = { "/proc/asound", "/proc/bus", "/proc/fs",
                                            "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
                                            NULL };
    static const char *const masked[] = { "/proc/acpi", "/proc/asound", "/proc/kcore",
                                          "/proc/keys", "/proc/latency_stats",
                                          "/proc/timer_list", "/proc/timer_stats",
                                          "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                                          NULL };
    struct json_object *spec, *process, *user, *capset, *rl, *lx, *ns, *mounts, *root;
    const char *bundle = ".";
    bool rootless = false;
    char path[PATH_MAX];
    int c;

    while ((c = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
        if (c == 'b')
            bundle = optarg;
        else if (c == 'r')
            rootless = true;
        else
            return error("spec: usage: boxoci spec [--bundle DIR] [--rootless]");
    }
    snprintf(path, sizeof path, "%s/config.json", bundle);
    if (access(path, F_OK) == 0)
        return error("spec: %s exists already", path);

    spec = json_object_new_object();
    json_object_object_add(spec, "ociVersion", json_object_new_string(OCI_VERSION));
    process = json_object_new_object();
    json_object_object_add(process, "terminal", json_object_new_boolean(0));
    user = json_object_new_object();
    json_object_object_add(user, "uid", json_object_new_int(0));
    json_object_object_add(user, "gid", json_object_new_int(0));
    json_object_object_add(process, "user", user);
    json_object_object_add(process, "args", strings((const char *const[]){ "sh", NULL }));
    json_object_object_add(process, "env", strings(env));
    json_object_object_add(process, "cwd", json_object_new_string("/"));
    capset = json_object_new_object();
    for (int i = 0; i < 3; i++)
        json_object_object_add(capset, (const char *[]){ "bounding", "effective",
                                                         "permitted" }[i], strings(caps));
    json_object_object_add(process, "capabilities", capset);
    rl = json_object_new_object();
    json_object_object_add(rl, "type", json_object_new_string("RLIMIT_NOFILE"));
    json_object_object_add(rl, "hard", json_object_new_int(1024));
    json_object_object_add(rl, "soft", json_object_new_int(1024));
    json_object_object_add(process, "rlimits", json_object_new_array());
    json_object_array_add(json_object_object_get(process, "rlimits"), rl);
    json_object_object_add(process, "noNewPrivileges", json_object_new_boolean(1));
    json_object_object_add(spec, "process", process);
    root = json_object_new_object();
    json_object_object_add(root, "path", json_object_new_string("rootfs"));
    json_object_object_add(root, "readonly", json_object_new_boolean(1));
    json_object_object_add(spec, "root", root);
    json_object_object_add(spec, "hostname", json_object_new_string("boxoci"));
    mounts = json_object_new_array();
    json_object_array_add(mounts, mount_json("/proc", "proc", "proc", (const char *const[]){
        "nosuid", "noexec", "nodev", NULL }));
    json_object_array_add(mounts, mount_json("/dev", "tmpfs", "tmpfs", (const char *const[]){
        "nosuid", "strictatime", "mode=755", "size=65536k", NULL }));
    json_object_array_add(mounts, mount_json("/dev/pts", "devpts", "devpts",
        (const char *const[]){ "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                               "mode=0620", NULL }));
    json_object_array_add(mounts, mount_json("/dev/shm", "tmpfs", "shm", (const char *const[]){
        "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL }));
    json_object_array_add(mounts, mount_json("/dev/mqueue", "mqueue", "mqueue",
        (const char *const[]){ "nosuid", "noexec", "nodev", NULL }));
    json_object_array_add(mounts, mount_json("/sys", "sysfs", "sysfs", (const char *const[]){
        "nosuid", "noexec", "nodev", "ro", NULL }));
    json_object_array_add(mounts, mount_json("/sys/fs/cgroup", "cgroup", "cgroup",
        (const char *const[]){ "nosuid", "noexec", "nodev", "relatime", "ro", NULL }));
    json_object_object_add(spec, "mounts", mounts);
    lx = json_object_new_object();
    ns = json_object_new_array();
    for (int i = 0; i < 6; i++) {
        static const char *const types[] = { "pid", "network", "ipc", "uts", "mount",
                                             "cgroup" };
        struct json_object *e = json_object_new_object();

        json_object_object_add(e, "type", json_object_new_string(types[i]));
        json_object_array_add(ns, e);
    }
    if (rootless) {
        struct json_object *e = json_object_new_object();

        json_object_object_add(e, "type", json_object_new_string("user"));
        json_object_array_add(ns, e);
        for (int k = 0; k < 2; k++) {
            struct json_object *maps = json_object_new_array(), *m = json_object_new_object();

            json_object_object_add(m, "containerID", json_object_new_int(0));
            json_object_object_add(m, "hostID",
                                   json_object_new_int64(k ? getegid() : geteuid()));
            json_object_object_add(m, "size", json_object_new_int(1));
            json_object_array_add(maps, m);
            json_object_object_add(lx, k ? "gidMappings" : "uidMappings", maps);
        }
    }
    json_object_object_add(lx, "namespaces", ns);
    json_object_object_add(lx, "maskedPaths", strings(masked));
    json_object_object_add(lx, "readonlyPaths", strings(ro_paths));
    json_object_object_add(spec, "linux", lx);
    if (json_object_to_file_ext(path, spec, JSON_OUT) < 0) {
        json_object_put(spec);
        return error("spec: writing %s: %s", path, strerror(errno));
    }
    json_object_put(spec);
    return 0;
}

static int cmd_features(void)
{
    struct json_object *f = oci_features();

    printf("%s\n", json_object_to_json_string_ext(f, JSON_OUT));
    json_object_put(f);
    return 0;
}

/* What wait_forwarding waits for: the box itself (boxoci run) or a process exec'd into it
 * (boxoci exec). */
struct waited {
    int pidfd;
    /* How long one poll may sleep: box_wait enforces the box's wall- and cpu-time limits
     * only when it is called, so a box is polled every 100 ms; an exec'd process has no
     * limits of its own and is waited for until its pidfd or a signal wakes us (-1). */
    int poll_ms;
    int (*wait)(void *obj, box_status_t *status); /* once, without blocking: -EAGAIN */
    int (*kill)(void *obj, int sig);
    void *obj;
};

static int box_wait_once(void *box, box_status_t *status)
{
    return box_wait(box, 0, status);
}

static int box_kill_obj(void *box, int sig)
{
    return box_kill(box, sig);
}

static struct waited waited_box(box_t *box)
{
    return (struct waited){ .pidfd = box_pidfd(box), .poll_ms = 100, .wait = box_wait_once,
                            .kill = box_kill_obj, .obj = box };
}

static int proc_wait_once(void *proc, box_status_t *status)
{
    return box_proc_wait(proc, 0, status);
}

static int proc_kill_obj(void *proc, int sig)
{
    return box_proc_kill(proc, sig);
}

static struct waited waited_proc(box_proc_t *proc)
{
    return (struct waited){ .pidfd = box_proc_pidfd(proc), .poll_ms = -1,
                            .wait = proc_wait_once, .kill = proc_kill_obj, .obj = proc };
}

/* Wait for the box or the process, passing on the signals boxoci gets (as runc run does). */
static int wait_forwarding(struct waited w, box_status_t *status)
{
    static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
                                     SIGWINCH, SIGCONT };
    sigset_t set;
    int sfd, r;

    sigemptyset(&set);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaddset(&set, forwarded[i]);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sfd = signalfd(-1, &set, SFD_CLOEXEC);
    for (;;) {
        struct pollfd p[2] = { { .fd = w.pidfd, .events = POLLIN },
                               { .fd = sfd, .events = POLLIN } };
        struct signalfd_siginfo si;

        r = w.wait(w.obj, status);
        if (r != -EAGAIN)
            break;
        if (poll(p, sfd >= 0 ? 2 : 1, w.poll_ms) < 0 && errno != EINTR) {
            r = -errno;
            break;
        }
        if (sfd >= 0 && (p[1].revents & POLLIN) && read(sfd, &si, sizeof si) == sizeof si) {
            debug("forwarding signal %u", si.ssi_signo);
            w.kill(w.obj, (int)si.ssi_signo);
        }
    }
    if (sfd >= 0)
        close(sfd);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    return r;
}

/* A shell's exit status for how the program ended. */
static int exit_status(const box_status_t *st)
{
    switch (st->end) {
    case BOX_END_EXITED: return st->exit_code;
    case BOX_END_SIGNALED: return 128 + st->signal;
    default: return 128 + SIGKILL; /* killed by a limit, the OOM killer or kill */
    }
}

/* The process settings that are the runtime's own (inherited by the box's first process:
 * it is cloned from this one). */
static int apply_runtime_settings(const struct oci_config *cfg)
{
    char buf[16];
    int fd, len;

    if (cfg->has_umask)
        umask(cfg->umask);
    if (!cfg->has_oom_score_adj)
        return 0;
    fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
    len = snprintf(buf, sizeof buf, "%d", cfg->oom_score_adj);
    if (fd < 0 || write(fd, buf, (size_t)len) != len) {
        int e = errno;

        if (fd >= 0)
            close(fd);
        return error("config.json: process.oomScoreAdj: %d: %s%s", cfg->oom_score_adj,
                     strerror(e), e == EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : "");
    }
    close(fd);
    return 0;
}

/* OCI's console socket: the pty master goes to the AF_UNIX socket at path by SCM_RIGHTS
 * (conmon and containerd's shim listen there), before create exits. */
static int send_console(const char *path, int master)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    char name[] = "/dev/ptmx", cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                          .msg_controllen = sizeof cbuf };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    int fd, r = 0;

    if (master < 0)
        return master;
    if (strlen(path) >= sizeof addr.sun_path)
        return -ENAMETOOLONG;
    strcpy(addr.sun_path, path);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &master, sizeof(int));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || sendmsg(fd, &msg, 0) < 0)
        r = -errno;
    close(fd);
    return r;
}

struct create_opts {
    const char *bundle, *pid_file, *console_socket;
    int preserve_fds;
    bool detach, keep;
};

/* The hooks create runs (box_hook_caller's function, while the box's first process waits
 * in its namespaces, its mounts made, before pivot_root): prestart and createRuntime here,
 * in the runtime's namespaces, in runc's order, then (the box runs them) createContainer;
 * each gets the state with the container's pid as the host sees it (runtime-spec), which
 * is known only now: the inputs of createContainer and startContainer are set here too. */
struct create_hooks {
    const struct oci_config *cfg;
    char *err;
};

/* How many hooks of this kind the config has. */
static size_t count_hooks(const struct oci_config *cfg, const char *kind)
{
    struct json_object *hooks, *list;

    return json_object_object_get_ex(cfg->json, "hooks", &hooks) &&
                   json_object_object_get_ex(hooks, kind, &list) &&
                   json_object_is_type(list, json_type_array)
               ? json_object_array_length(list)
               : 0;
}

static int run_create_hooks(box_t *box, void *data)
{
    const struct create_hooks *h = data;
    struct json_object *state = state_as(box, "creating", box_pid(box));
    const char *text = json_object_to_json_string_ext(state, JSON_C_TO_STRING_PLAIN);
    int r = oci_hooks_run(h->cfg->json, "prestart", text, h->err);

    if (r == 0)
        r = oci_hooks_run(h->cfg->json, "createRuntime", text, h->err);
    for (size_t i = 0; r == 0 && i < count_hooks(h->cfg, "createContainer"); i++)
        r = box_hook_input(box, BOX_HOOK_MOUNTED, i, text, strlen(text));
    json_object_put(state);
    state = state_as(box, "created", box_pid(box));
    text = json_object_to_json_string_ext(state, JSON_C_TO_STRING_PLAIN);
    for (size_t i = 0; r == 0 && i < count_hooks(h->cfg, "startContainer"); i++)
        r = box_hook_input(box, BOX_HOOK_START, i, text, strlen(text));
    json_object_put(state);
    return r;
}

/* createContainer and startContainer: the box runs them (box_hook), in its namespaces;
 * their state comes from run_create_hooks, which box_spawn calls first (box_hook_caller),
 * when there is a hook at all. */
static int add_container_hooks(const struct oci_config *cfg, box_t *box,
                               struct create_hooks *h, char *err)
{
    static const char *const kinds[] = { "prestart", "createRuntime", "createContainer",
                                         "startContainer" };
    bool any = false;
    int r;

    for (int k = 0; k < 2; k++) {
        r = oci_hooks_add(cfg->json, k ? "startContainer" : "createContainer", box,
                          k ? BOX_HOOK_START : BOX_HOOK_MOUNTED, "", err);
        if (r < 0)
            return r;
    }
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        any = any || count_hooks(cfg, kinds[k]) > 0;
    *h = (struct create_hooks){ .cfg = cfg, .err = err };
    err[0] = '\0';
    if (any && (r = box_hook_caller(box, BOX_HOOK_MOUNTED, run_create_hooks, h)) < 0)
        snprintf(err, OCI_ERR_MAX, "%s", box_errmsg(box));
    return any ? r : 0;
}

/* create: the container built and held (BOX_OPT_HOLD) as a detached box, so that it
 * outlives this process and start finds it by id; its pid file written. Returns 0 with
 * *out set (box_free leaves the box), or 1 with the error reported and nothing left. */
static int create_container(const char *id, const struct create_opts *o, box_t **out)
{
    char bundle[PATH_MAX], err[OCI_ERR_MAX], cache[PATH_MAX];
    struct oci_config *cfg = NULL;
    struct json_object *label, *made = NULL;
    struct oci_host host;
    struct create_hooks hooks;
    box_t *box = NULL;
    int r, rc = 1;

    *out = NULL;
    if (make_root())
        return 1;
    if (!realpath(o->bundle, bundle))
        return error("bundle %s: %s", o->bundle, strerror(errno));
    if ((r = oci_config_load(bundle, &cfg, err)) < 0)
        return error("%s", err);
    /* As runc: a terminal goes to the caller through the console socket, never to a
     * foreground boxoci. */
    if (cfg->terminal != (o->console_socket != NULL)) {
        rc = error(cfg->terminal ? "config.json: process.terminal: needs --console-socket "
                                   "(the pty master is sent there)"
                                 : "--console-socket: process.terminal is false");
        oci_config_free(cfg);
        return rc;
    }
    if (!cfg->args) {
        oci_config_free(cfg);
        return error("config.json: process: missing: nothing to run");
    }
    oci_host_probe(&host);
    host.seccomp_cache_dir = seccomp_cache_dir(cache, sizeof cache);
    if ((r = box_new(&box, 0)) < 0) {
        oci_config_free(cfg);
        return error("box_new: %s", strerror(-r));
    }
    if ((r = oci_config_apply(cfg, &host, box, err)) < 0) {
        error("%s", err);
        goto out;
    }
    made = json_object_new_array();
    if (make_cgroup_paths(cfg, made))
        goto out;
    label = new_label(cfg);
    if (json_object_array_length(made))
        json_object_object_add(label, "cgroupsMade", json_object_get(made));
    r = box_set_label(box, json_object_to_json_string_ext(label, JSON_C_TO_STRING_PLAIN));
    json_object_put(label);
    if (r == 0 && (r = box_set_id(box, id)) == -EINVAL) {
        error("container id '%s' is not valid", id);
        goto out;
    }
    if (r == 0 && (r = add_container_hooks(cfg, box, &hooks, err)) < 0) {
        error("%s", err);
        goto out;
    }
    if (r < 0 || (r = box_set_state_dir(box, g.root)) < 0 ||
        (r = box_set_option(box, BOX_OPT_DETACH | BOX_OPT_NO_INIT | BOX_OPT_HOLD, 1)) < 0) {
        error("%s", box_errmsg(box));
        goto out;
    }
    if (cfg->terminal &&
        (r = box_set_tty(box, 1, (unsigned short)cfg->console_rows,
                         (unsigned short)cfg->console_cols)) < 0) {
        error("%s", box_errmsg(box));
        goto out;
    }
    for (int fd = cfg->terminal ? 3 : 0; o->preserve_fds && fd < 3 + o->preserve_fds; fd++)
        if ((r = box_pass_fd(box, fd, fd)) < 0) {
            error("--preserve-fds: %s", box_errmsg(box));
            goto out;
        }
    if (apply_runtime_settings(cfg) != 0)
        goto out;
    if ((r = box_spawn(box, (const char *const *)cfg->args)) < 0) {
        if (r == -EEXIST)
            error("container \"%s\" exists already", id);
        else if (strcmp(box_error_step(box), "hook-mounted") == 0)
            error("config.json: hooks.createContainer: %s", box_errmsg(box));
        else if (strcmp(box_error_step(box), "hook-caller") == 0 && err[0])
            error("%s", err); /* a prestart or createRuntime hook's */
        else
            error("%s", box_errmsg(box));
        goto out;
    }
    if (o->console_socket && (r = send_console(o->console_socket, box_tty_fd(box))) < 0) {
        error("--console-socket %s: %s", o->console_socket, strerror(-r));
        box_destroy(box);
        goto out;
    }
    if (o->pid_file && (r = write_pid_file(o->pid_file, box_pid(box))) < 0) {
        error("--pid-file %s: %s", o->pid_file, strerror(-r));
        box_destroy(box);
        goto out;
    }
    debug("container %s created, pid %d", id, (int)box_pid(box));
    *out = box;
    box = NULL;
    rc = 0;
out:
    if (rc)
        remove_cgroup_paths(made);
    json_object_put(made);
    box_free(box);
    oci_config_free(cfg);
    return rc;
}

/* create and run share their options. */
static int parse_create(int argc, char **argv, bool run, struct create_opts *o)
{
    static const struct option opts[] = {
        { "bundle", required_argument, NULL, 'b' },
        { "pid-file", required_argument, NULL, 'p' },
        { "console-socket", required_argument, NULL, 'c' },
        { "detach", no_argument, NULL, 'd' },
        { "keep", no_argument, NULL, 'k' },
        { "preserve-fds", required_argument, NULL, 'f' },
        { "no-pivot", no_argument, NULL, 'P' },
        { "no-new-keyring", no_argument, NULL, 'K' },
        { 0 },
    };
    char *end;
    int c;

    *o = (struct create_opts){ .bundle = "." };
    while ((c = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
        switch (c) {
        case 'b': o->bundle = optarg; break;
        case 'p': o->pid_file = optarg; break;
        case 'c': o->console_socket = optarg; break;
        case 'd': if (run) { o->detach = true; break; } goto usage;
        case 'k': if (run) { o->keep = true; break; } goto usage;
        case 'f':
            o->preserve_fds = (int)strtol(optarg, &end, 10);
            if (*end || o->preserve_fds < 0 || o->preserve_fds > 1000)
                return error("--preserve-fds %s: not a count", optarg);
            break;
        case 'P': /* libbox always pivot_roots; runc's --no-pivot is for ramfs roots */
            return error("--no-pivot: libbox always enters the root with pivot_root");
        case 'K': break; /* libbox makes no session keyring: there is nothing to skip */
        default: goto usage;
        }
    }
    if (optind != argc - 1)
        return error("%s: one container id is needed", argv[0]);
    return 0;
usage:
    return error("%s: usage: boxoci %s [--bundle DIR] [--pid-file FILE] [--preserve-fds N]%s ID",
                 argv[0], argv[0], run ? " [--detach] [--keep]" : "");
}

static int cmd_create(int argc, char **argv)
{
    struct create_opts o;
    box_t *box;

    if (parse_create(argc, argv, false, &o) || create_container(argv[optind], &o, &box))
        return 1;
    box_free(box); /* the box stays, held until start */
    return 0;
}

static void poststart(box_t *box)
{
    struct json_object *doc = late_hooks_doc(box, "poststart"), *state;

    if (doc) {
        state = oci_state(box);
        run_late_hooks(doc, "poststart", state);
        json_object_put(state);
    }
}

/* destroy_container, then the poststop hooks with the container's last state. Returns 0,
 * or 1 with the error reported. */
static int delete_container(box_t *box)
{
    struct json_object *doc = late_hooks_doc(box, "poststop");
    struct json_object *state = doc ? state_as(box, "stopped", 0) : NULL;
    int rc = destroy_container(box);

    if (rc == 0 && doc)
        run_late_hooks(doc, "poststop", state);
    else
        json_object_put(doc);
    json_object_put(state);
    return rc;
}

/* box_start's error, with the program named when it could not be exec'ed (the starting
 * process knows it from the label). */
static int start_error(box_t *box)
{
    struct json_object *l = json_tokener_parse(box_label(box) ? box_label(box) : "{}"), *p, *a;
    const char *step = box_error_step(box);
    int rc;

    if (step && strcmp(step, "hook-start") == 0)
        rc = error("config.json: hooks.startContainer: %s", box_errmsg(box));
    else if (step && strcmp(step, "exec") == 0 && l && json_object_object_get_ex(l, "process", &p) &&
        json_object_object_get_ex(p, "args", &a) && json_object_array_length(a) > 0)
        rc = error("%s: %s", box_errmsg(box),
                   json_object_get_string(json_object_array_get_idx(a, 0)));
    else
        rc = error("%s", box_errmsg(box));
    json_object_put(l);
    return rc;
}

static int cmd_start(int argc, char **argv)
{
    box_t *box;
    int rc = 0, r;

    if (argc != 2)
        return error("start: one container id is needed");
    if (open_container(argv[1], &box))
        return 1;
    if (box_phase(box) != BOX_PHASE_CREATED)
        rc = error("cannot start a container that is %s", status_name(box));
    else if ((r = box_start(box)) < 0)
        rc = start_error(box);
    else
        poststart(box);
    box_free(box);
    return rc;
}

/* run: create and start in one process. In the foreground this process waits, as a child
 * subreaper, so that the box's pid 1 (which leaves libbox's monitor) comes back to it to
 * be reaped. */
static int cmd_run(int argc, char **argv)
{
    struct create_opts o;
    box_status_t status;
    box_t *box;
    pid_t pid;
    int r, rc = 1;

    if (parse_create(argc, argv, true, &o))
        return 1;
    if (!o.detach && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        return error("run: PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
    if (create_container(argv[optind], &o, &box))
        return 1;
    pid = box_pid(box);
    if ((r = box_start(box)) < 0) {
        start_error(box);
        delete_container(box);
        goto out;
    }
    poststart(box);
    if (o.detach) {
        rc = 0;
        goto out;
    }
    if ((r = wait_forwarding(waited_box(box), &status)) < 0) {
        error("wait: %s", box_errmsg(box));
        delete_container(box);
    } else {
        rc = exit_status(&status);
        debug("container %s ended: exit status %d", argv[optind], rc);
        if (!o.keep)
            delete_container(box);
    }
    waitpid(pid, NULL, 0);
out:
    box_free(box);
    return rc;
}

static int cmd_state(int argc, char **argv)
{
    struct json_object *o;
    box_t *box;

    if (argc != 2)
        return error("state: one container id is needed");
    if (open_container(argv[1], &box))
        return 1;
    o = oci_state(box);
    printf("%s\n", json_object_to_json_string_ext(o, JSON_OUT));
    json_object_put(o);
    box_free(box);
    return 0;
}

/* The processes of a running box, in a malloc'ed array (*out): their number, or a
 * negative errno (box_errmsg says why). */
static ssize_t container_pids(box_t *box, pid_t **out)
{
    pid_t *pids = NULL;
    int n = 0, r;

    for (;;) {
        pid_t *grown = realloc(pids, (size_t)(n + 64) * sizeof *pids);

        if (!grown) {
            free(pids);
            return -ENOMEM;
        }
        pids = grown;
        r = box_pids(box, pids, (size_t)n + 64);
        if (r < 0) {
            free(pids);
            return r;
        }
        if (r <= n + 64)
            break;
        n = r;
    }
    *out = pids;
    return r;
}

static int pids_error(box_t *box, ssize_t r)
{
    if (r == -ESRCH)
        return error("container not running");
    return error("%s", r == -ENOMEM ? "out of memory" : box_errmsg(box));
}

/* The inode of /proc/PID/ns/pid, or 0. */
static unsigned long pid_ns_of(long pid)
{
    char path[64];
    struct stat st;

    snprintf(path, sizeof path, "/proc/%ld/ns/pid", pid);
    return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* The processes kill_pid_ns stopped: pidfds, and their pids to know them again. */
struct stopped {
    int *fd;
    long *pid;
    size_t n, cap;
};

static bool stopped_has(const struct stopped *s, long pid)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->pid[i] == pid)
            return true;
    return false;
}

/* One pass over /proc: SIGSTOP each process of pid namespace ns not stopped yet, through a
 * pidfd that is checked to still be in that namespace once open (a pid reused meanwhile
 * is skipped). The number of processes it stopped, or -ENOMEM. */
static int stop_round(unsigned long ns, struct stopped *s)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    int found = 0;

    if (!d)
        return -errno;
    while ((de = readdir(d))) {
        long pid = strtol(de->d_name, NULL, 10);
        int fd;

        if (pid <= 0 || stopped_has(s, pid) || pid_ns_of(pid) != ns ||
            (fd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
            continue;
        if (pid_ns_of(pid) != ns || syscall(SYS_pidfd_send_signal, fd, SIGSTOP, NULL, 0) < 0) {
            close(fd);
            continue;
        }
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 64;
            int *fds = realloc(s->fd, cap * sizeof *fds);
            long *pids = fds ? realloc(s->pid, cap * sizeof *pids) : NULL;

            if (fds)
                s->fd = fds;
            if (!pids) {
                syscall(SYS_pidfd_send_signal, fd, SIGCONT, NULL, 0);
                close(fd);
                closedir(d);
                return -ENOMEM;
            }
            s->pid = pids;
            s->cap = cap;
        }
        s->fd[s->n] = fd;
        s->pid[s->n++] = pid;
        found++;
    }
    closedir(d);
    return found;
}

/* kill --all without a box cgroup: every process whose pid namespace is the box's (its
 * pid 1's). runc freezes the cgroup so that no process forks while it signals; without
 * one, SIGSTOP does it (no process can catch or block it, and a fork under way when it
 * comes is restarted after SIGCONT): pass after pass over /proc until one finds no
 * process that was not stopped yet, then each gets sig, then SIGCONT (but after SIGSTOP
 * itself). A process stopped before kill --all is continued too. */
static int kill_pid_ns(box_t *box, int sig)
{
    unsigned long ns = pid_ns_of(box_pid(box));
    struct stopped s = { 0 };
    int sent = 0, r;

    if (!ns)
        return -ESRCH;
    if (ns == pid_ns_of(getpid())) /* no pid namespace of its own: refused */
        return -EOPNOTSUPP;
    while ((r = stop_round(ns, &s)) > 0)
        ;
    for (size_t i = 0; i < s.n; i++)
        if (r == 0 && syscall(SYS_pidfd_send_signal, s.fd[i], sig, NULL, 0) == 0)
            sent++;
    for (size_t i = 0; i < s.n; i++) {
        if (sig != SIGSTOP || r < 0)
            syscall(SYS_pidfd_send_signal, s.fd[i], SIGCONT, NULL, 0);
        close(s.fd[i]);
    }
    free(s.fd);
    free(s.pid);
    return r < 0 ? r : sent ? 0 : -ESRCH;
}

/* kill --all: every process of the box's cgroup, each through a pidfd taken now (one that
 * ended since the listing is skipped), with the cgroup frozen meanwhile as runc does (so
 * that none forks a child that the listing misses; a paused box stays paused, one that
 * cannot be frozen is signalled all the same). Without a box cgroup (rootless on cgroup
 * v1), SIGKILL ends them all through the box's pid 1, the end of its pid namespace, and
 * any other signal goes to each process of that pid namespace (kill_pid_ns). */
static int kill_all(box_t *box, int sig)
{
    bool frozen = box_phase(box) != BOX_PHASE_PAUSED && box_pause(box) == 0;
    pid_t *pids;
    ssize_t n = container_pids(box, &pids);

    for (ssize_t i = 0; i < n; i++) {
        int fd = (int)syscall(SYS_pidfd_open, pids[i], 0);

        if (fd >= 0) {
            syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
            close(fd);
        }
    }
    if (frozen)
        box_resume(box);
    if (n == -EOPNOTSUPP)
        return sig == SIGKILL ? box_kill(box, sig) : kill_pid_ns(box, sig);
    if (n < 0)
        return (int)n;
    free(pids);
    return 0;
}

static int cmd_kill(int argc, char **argv)
{
    static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { 0 } };
    bool all = false;
    box_t *box;
    int c, sig = SIGTERM, r, rc = 0;

    while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
        if (c != 'a')
            return error("kill: usage: boxoci kill [--all] ID [SIGNAL]");
        all = true;
    }
    if (optind >= argc || argc - optind > 2)
        return error("kill: usage: boxoci kill [--all] ID [SIGNAL]");
    if (argc - optind == 2 && (sig = parse_signal(argv[optind + 1])) < 0)
        return error("kill: unknown signal '%s'", argv[optind + 1]);
    if (open_container(argv[optind], &box))
        return 1;
    if (box_phase(box) == BOX_PHASE_STOPPED)
        rc = error("container not running");
    else if ((r = all ? kill_all(box, sig) : box_kill(box, sig)) < 0)
        rc = r == -ESRCH ? error("container not running") : pids_error(box, r);
    box_free(box);
    return rc;
}

static int cmd_delete(int argc, char **argv)
{
    static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
    bool force = false;
    box_t *box = NULL;
    int c, phase, rc = 0;

    while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
        if (c != 'f')
            return error("delete: usage: boxoci delete [--force] ID");
        force = true;
    }
    if (optind != argc - 1)
        return error("delete: one container id is needed");
    /* As runc: --force of a container that is not there (engines clean up after a failed
     * create this way) is done already. */
    if (force && box_open(&box, g.root, argv[optind]) == -ENOENT)
        return 0;
    if (!force || !box)
        if (open_container(argv[optind], &box))
            return 1;
    /* As runc: a created container that never ran is deleted without --force too. */
    phase = box_phase(box);
    if (phase != BOX_PHASE_STOPPED && phase != BOX_PHASE_CREATED && !force)
        rc = error("cannot delete container %s that is not stopped: %s", argv[optind],
                   status_name(box));
    else
        rc = delete_container(box);
    box_free(box);
    return rc;
}

static int list_one(const char *id, void *data)
{
    box_t *box;

    if (box_open(&box, g.root, id) == 0) { /* one removed meanwhile is skipped */
        json_object_array_add(data, oci_state(box));
        box_free(box);
    }
    return 0;
}

static int cmd_list(int argc, char **argv)
{
    static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                          { "quiet", no_argument, NULL, 'q' }, { 0 } };
    struct json_object *all;
    bool json = false, quiet = false;
    int c, r;

    while ((c = getopt_long(argc, argv, "f:q", opts, NULL)) != -1) {
        if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
            json = optarg[0] == 'j';
        else if (c == 'q')
            quiet = true;
        else
            return error("list: usage: boxoci list [--format table|json] [--quiet]");
    }
    all = json_object_new_array();
    if ((r = box_list(g.root, list_one, all)) < 0 && r != -ENOENT) {
        json_object_put(all);
        return error("list %s: %s", g.root, strerror(-r));
    }
    if (json) {
        printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
    } else {
        if (!quiet)
            printf("%-20s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
        for (size_t i = 0; i < json_object_array_length(all); i++) {
            struct json_object *s = json_object_array_get_idx(all, i), *v;
            const char *f[5];

            for (int k = 0; k < 5; k++)
                f[k] = json_object_object_get_ex(s, (const char *[]){ "id", "pid", "status",
                                                                      "bundle", "created" }[k],
                                                 &v) ? json_object_get_string(v) : "";
            if (quiet)
                printf("%s\n", f[0]);
            else
                printf("%-20s %-8s %-10s %-40s %s\n", f[0], f[1], f[2], f[3], f[4]);
        }
    }
    json_object_put(all);
    return 0;
}

/* ps --format table: ps(1) with the caller's options (default -ef), only the lines of
 * the container's processes, as runc prints them. */
static int ps_table(const pid_t *pids, ssize_t n, char **ps_args)
{
    char *argv[64] = { "ps" }, line[4096];
    int pipefd[2], status, column = -1, argc = 1;
    FILE *f;
    pid_t child;

    for (; *ps_args && argc < 62; ps_args++)
        argv[argc++] = *ps_args;
    if (argc == 1)
        argv[argc++] = "-ef";
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return error("ps: pipe: %s", strerror(errno));
    child = fork();
    if (child < 0)
        return error("ps: fork: %s", strerror(errno));
    if (child == 0) {
        dup2(pipefd[1], 1);
        execvp("ps", argv);
        _exit(127);
    }
    close(pipefd[1]);
    f = fdopen(pipefd[0], "r");
    while (f && fgets(line, sizeof line, f)) {
        char copy[sizeof line], *save = NULL, *tok = strtok_r(strcpy(copy, line), " \t\n",
                                                              &save);
        int i = 0;

        if (column < 0) { /* the header: which column is the PID */
            for (; tok && strcmp(tok, "PID") != 0; i++)
                tok = strtok_r(NULL, " \t\n", &save);
            if (!tok)
                break;
            column = i;
            fputs(line, stdout);
            continue;
        }
        for (; tok && i < column; i++)
            tok = strtok_r(NULL, " \t\n", &save);
        for (ssize_t k = 0; tok && k < n; k++)
            if (atoi(tok) == pids[k])
                fputs(line, stdout);
    }
    if (f)
        fclose(f);
    waitpid(child, &status, 0);
    if (column < 0)
        return error("ps: no PID column in the output of ps");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : error("ps failed");
}

static int cmd_ps(int argc, char **argv)
{
    static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                          { 0 } };
    bool json = false;
    pid_t *pids;
    box_t *box;
    ssize_t n;
    int c, rc;

    while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
        if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
            json = optarg[0] == 'j';
        else
            return error("ps: usage: boxoci ps [--format table|json] ID [PS_ARGS...]");
    }
    if (optind >= argc)
        return error("ps: a container id is needed");
    if (open_container(argv[optind], &box))
        return 1;
    n = box_phase(box) == BOX_PHASE_STOPPED ? -ESRCH : container_pids(box, &pids);
    if (n < 0)
        pids_error(box, n);
    box_free(box);
    if (n < 0)
        return 1;
    if (json) {
        struct json_object *a = json_object_new_array();

        for (ssize_t i = 0; i < n; i++)
            json_object_array_add(a, json_object_new_int(pids[i]));
        printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
        json_object_put(a);
        rc = 0;
    } else {
        fflush(stdout);
        rc = ps_table(pids, n, argv + optind + 1);
    }
    free(pids);
    return rc;
}

/* pause and resume: the box's cgroup frozen and thawed. */
static int cmd_freeze(int argc, char **argv, bool pause)
{
    box_t *box;
    int r, rc = 0;

    if (argc != 2)
        return error("%s: one container id is needed", argv[0]);
    if (open_container(argv[1], &box))
        return 1;
    if (box_phase(box) == BOX_PHASE_STOPPED)
        rc = error("container not running");
    else if ((r = pause ? box_pause(box) : box_resume(box)) < 0)
        rc = error("%s: %s", argv[0], box_errmsg(box));
    box_free(box);
    return rc;
}

/* ---- exec ---- */

/* Strings of a JSON array, NULL-terminated, pointing into it (freed with the array only). */
static const char **string_array(struct json_object *a)
{
    size_t n = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
    const char **v = calloc(n + 1, sizeof *v);

    for (size_t i = 0; v && i < n; i++)
        v[i] = json_object_get_string(json_object_array_get_idx(a, i));
    return v;
}

/* exec's process (--process FILE, or the command line's args, --cwd, --env, --user and
 * --tty made into the same object), checked against what an exec into a libbox box can
 * do: the container's process settings (kept in the label) are an exec's, so a value
 * that differs is refused, naming the field. */
static int check_exec_process(box_t *box, struct json_object *p)
{
    static const char *const same[] = { "capabilities", "noNewPrivileges", "rlimits",
                                        "apparmorProfile", "selinuxLabel" };
    struct json_object *label = json_tokener_parse(box_label(box) ? box_label(box) : "{}");
    struct json_object *cp = NULL, *a, *b, *v;
    int rc = 0;

    if (label)
        json_object_object_get_ex(label, "process", &cp);
    if (!json_object_object_get_ex(p, "args", &v) || !json_object_is_type(v, json_type_array) ||
        json_object_array_length(v) == 0)
        rc = error("exec: process.args: nothing to run");
    for (size_t i = 0; !rc && i < sizeof same / sizeof same[0]; i++) {
        bool ha = json_object_object_get_ex(p, same[i], &a);
        bool hb = cp && json_object_object_get_ex(cp, same[i], &b);

        if (ha && !(hb ? json_object_equal(a, b) : json_object_is_type(a, json_type_null) ||
                                                    (json_object_is_type(a, json_type_boolean) &&
                                                     !json_object_get_boolean(a))))
            rc = error("exec: process.%s: an exec into a libbox box gets the container's "
                       "own; this one differs", same[i]);
    }
    json_object_put(label);
    return rc;
}

/* An exec without ambient capabilities (its own capabilities, or the container's) keeps,
 * as a uid other than 0, only its bounding set: the others go at its exec, as with runc
 * (BOX_EXEC_CAPS_BOUNDING_ONLY; podman exec --user into a root container). */
static void exec_caps(box_t *box, struct json_object *p, box_exec_opts_t *eo)
{
    struct json_object *label = json_tokener_parse(box_label(box) ? box_label(box) : "{}");
    struct json_object *cp = NULL, *caps = NULL, *amb = NULL;

    if (!json_object_object_get_ex(p, "capabilities", &caps) && label &&
        json_object_object_get_ex(label, "process", &cp))
        json_object_object_get_ex(cp, "capabilities", &caps);
    if (!caps || !json_object_object_get_ex(caps, "ambient", &amb) ||
        !json_object_is_type(amb, json_type_array) || json_object_array_length(amb) == 0)
        eo->flags |= BOX_EXEC_CAPS_BOUNDING_ONLY;
    json_object_put(label);
}

/* process.user: an exec as another user (BOX_EXEC_USER, BOX_EXEC_GROUPS); the groups
 * array is the caller's (free). Returns 0 or 1 with the error reported. */
static int exec_user(struct json_object *p, box_exec_opts_t *eo, gid_t **groups)
{
    struct json_object *u, *v;
    int64_t id;

    *groups = NULL;
    if (!json_object_object_get_ex(p, "user", &u))
        return 0;
    if (!json_object_is_type(u, json_type_object))
        return error("exec: process.user: not an object");
    eo->flags |= BOX_EXEC_USER | BOX_EXEC_GROUPS;
    for (int k = 0; k < 2; k++) {
        const char *key = k ? "gid" : "uid";

        id = json_object_object_get_ex(u, key, &v) ? json_object_get_int64(v) : 0;
        if (v && (!json_object_is_type(v, json_type_int) || id < 0 || id > UINT32_MAX - 1))
            return error("exec: process.user.%s: not an id", key);
        if (k)
            eo->gid = (gid_t)id;
        else
            eo->uid = (uid_t)id;
    }
    if (json_object_object_get_ex(u, "additionalGids", &v)) {
        size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;

        if (!json_object_is_type(v, json_type_array) || n > 64)
            return error("exec: process.user.additionalGids: an array of at most 64 ids");
        *groups = calloc(n + 1, sizeof **groups);
        if (!*groups)
            return error("out of memory");
        for (size_t i = 0; i < n; i++) {
            id = json_object_get_int64(json_object_array_get_idx(v, i));
            if (id < 0 || id > UINT32_MAX - 1)
                return error("exec: process.user.additionalGids[%zu]: not an id", i);
            (*groups)[i] = (gid_t)id;
        }
        eo->groups = *groups;
        eo->n_groups = n;
    }
    return 0;
}

/* process.terminal (and consoleSize): the exec's own pty (BOX_EXEC_TTY), whose master
 * goes to the console socket, as create's. Returns 0 or 1 with the error reported. */
static int exec_tty(struct json_object *p, const char *console, box_exec_opts_t *eo)
{
    struct json_object *v, *size;
    bool terminal = json_object_object_get_ex(p, "terminal", &v) && json_object_get_boolean(v);

    if (terminal != (console != NULL))
        return error(terminal ? "exec: process.terminal: needs --console-socket"
                              : "exec --console-socket: process.terminal is false");
    if (!terminal)
        return 0;
    eo->flags |= BOX_EXEC_TTY;
    if (json_object_object_get_ex(p, "consoleSize", &size)) {
        if (json_object_object_get_ex(size, "height", &v))
            eo->tty_rows = (unsigned short)json_object_get_int(v);
        if (json_object_object_get_ex(size, "width", &v))
            eo->tty_cols = (unsigned short)json_object_get_int(v);
    }
    return 0;
}

/* The process object of an exec given on the command line (runc's flags). */
static struct json_object *exec_process_from_args(box_t *box, char **args, const char *cwd,
                                                  char **env, int n_env, const char *user,
                                                  bool tty)
{
    struct json_object *p = json_object_new_object(), *a = json_object_new_array();
    struct json_object *label = json_tokener_parse(box_label(box) ? box_label(box) : "{}");
    struct json_object *cp, *v;

    for (; *args; args++)
        json_object_array_add(a, json_object_new_string(*args));
    json_object_object_add(p, "args", a);
    if (cwd)
        json_object_object_add(p, "cwd", json_object_new_string(cwd));
    json_object_object_add(p, "terminal", json_object_new_boolean(tty));
    /* The container's environment, then --env's (a later NAME= wins in libbox). */
    a = json_object_new_array();
    if (label && json_object_object_get_ex(label, "process", &cp) &&
        json_object_object_get_ex(cp, "env", &v))
        for (size_t i = 0; i < json_object_array_length(v); i++)
            json_object_array_add(a, json_object_get(json_object_array_get_idx(v, i)));
    for (int i = 0; i < n_env; i++)
        json_object_array_add(a, json_object_new_string(env[i]));
    json_object_object_add(p, "env", a);
    if (user) {
        struct json_object *u = json_object_new_object();
        unsigned long uid, gid;
        char *end;

        uid = strtoul(user, &end, 10);
        gid = *end == ':' ? strtoul(end + 1, &end, 10) : 0;
        json_object_object_add(u, "uid", json_object_new_int64((int64_t)uid));
        json_object_object_add(u, "gid", json_object_new_int64((int64_t)gid));
        json_object_object_add(p, "user", u);
        if (*end) {
            json_object_put(p);
            p = NULL;
        }
    }
    json_object_put(label);
    return p;
}

static int cmd_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        { "process", required_argument, NULL, 'p' },
        { "detach", no_argument, NULL, 'd' },
        { "pid-file", required_argument, NULL, 'P' },
        { "console-socket", required_argument, NULL, 'c' },
        { "tty", no_argument, NULL, 't' },
        { "cwd", required_argument, NULL, 'w' },
        { "env", required_argument, NULL, 'e' },
        { "user", required_argument, NULL, 'u' },
        { "preserve-fds", required_argument, NULL, 'f' },
        { "cap", required_argument, NULL, 'C' },
        { "no-new-privs", no_argument, NULL, 'n' },
        { "apparmor", required_argument, NULL, 'A' },
        { "process-label", required_argument, NULL, 'L' },
        { 0 },
    };
    const char *process_file = NULL, *pid_file = NULL, *cwd = NULL, *user = NULL;
    const char *console = NULL;
    char *env[256];
    struct json_object *p = NULL, *v;
    box_exec_opts_t eo = BOX_EXEC_OPTS_INIT;
    const char **args = NULL, **envp = NULL;
    gid_t *groups = NULL;
    bool detach = false, tty = false;
    box_proc_t *proc = NULL;
    box_status_t status;
    box_t *box = NULL;
    int c, n_env = 0, rc = 1, r;

    while ((c = getopt_long(argc, argv, "+p:dtw:e:u:", opts, NULL)) != -1) {
        switch (c) {
        case 'p': process_file = optarg; break;
        case 'd': detach = true; break;
        case 'P': pid_file = optarg; break;
        case 't': tty = true; break;
        case 'w': cwd = optarg; break;
        case 'u': user = optarg; break;
        case 'e':
            if (n_env == (int)(sizeof env / sizeof env[0]))
                return error("exec: too many --env");
            env[n_env++] = optarg;
            break;
        case 'c': console = optarg; break;
        case 'f':
            if (strcmp(optarg, "0") != 0)
                return error("exec --preserve-fds: libbox passes an exec only its stdio");
            break;
        case 'C': return error("exec --cap: an exec into a libbox box gets the container's "
                               "capabilities");
        case 'n': break; /* checked below: the container's own setting applies */
        case 'A': case 'L': return error("exec --%s: not available", c == 'A' ? "apparmor" :
                                                                               "process-label");
        default:
            return error("exec: usage: boxoci exec [--process FILE] [--detach] [--pid-file "
                         "FILE] [--cwd DIR] [--env NAME=VALUE] [--user UID[:GID]] ID "
                         "[COMMAND ARGS...]");
        }
    }
    if (optind >= argc)
        return error("exec: a container id is needed");
    if (open_container(argv[optind], &box))
        return 1;
    if (box_phase(box) != BOX_PHASE_RUNNING) {
        error(box_phase(box) == BOX_PHASE_PAUSED ? "cannot exec in a paused container"
                                                 : "container not running");
        goto out;
    }
    if (process_file) {
        p = json_object_from_file(process_file);
        if (!p || !json_object_is_type(p, json_type_object)) {
            error("exec --process %s: not a JSON object", process_file);
            goto out;
        }
    } else if (!(p = exec_process_from_args(box, argv + optind + 1, cwd, env, n_env, user,
                                            tty))) {
        error("exec --user %s: UID[:GID] in numbers", user);
        goto out;
    }
    if (check_exec_process(box, p) || exec_user(p, &eo, &groups) || exec_tty(p, console, &eo))
        goto out;
    exec_caps(box, p, &eo);
    args = string_array(json_object_object_get(p, "args"));
    if (json_object_object_get_ex(p, "env", &v))
        eo.envp = envp = string_array(v);
    if (json_object_object_get_ex(p, "cwd", &v))
        eo.cwd = json_object_get_string(v);
    if (!args || (json_object_object_get_ex(p, "env", &v) && !envp)) {
        error("out of memory");
        goto out;
    }
    if ((r = box_exec(box, args, &eo, &proc)) < 0) {
        error("exec: %s", box_errmsg(box));
        goto out;
    }
    if (console && (r = send_console(console, box_proc_tty_fd(proc))) < 0) {
        error("--console-socket %s: %s", console, strerror(-r));
        goto out;
    }
    if (pid_file && (r = write_pid_file(pid_file, box_proc_pid(proc))) < 0) {
        error("--pid-file %s: %s", pid_file, strerror(-r));
        goto out;
    }
    if (detach) {
        /* The process stays, a child of whoever reaps this one's orphans once we exit
         * (conmon and containerd's shim are subreapers). */
        box_proc_release(proc);
        proc = NULL;
        rc = 0;
    } else if ((r = wait_forwarding(waited_proc(proc), &status)) < 0) {
        error("exec: wait: %s", strerror(-r));
    } else {
        rc = exit_status(&status);
    }
out:
    box_proc_free(proc);
    free(groups);
    free(args);
    free(envp);
    json_object_put(p);
    box_free(box);
    return rc;
}

/* ---- update ---- */

/* runc update's flags, each one member of a LinuxResources object: sizes as runc takes
 * them ("64m", -1 for no limit), numbers, lists. */
enum { UPD_SIZE, UPD_INT, UPD_STRING };
static const struct update_flag {
    const char *flag, *section, *key;
    int kind;
} update_flags[] = {
    { "memory", "memory", "limit", UPD_SIZE },
    { "memory-swap", "memory", "swap", UPD_SIZE },
    { "memory-reservation", "memory", "reservation", UPD_SIZE },
    { "kernel-memory", "memory", "kernel", UPD_SIZE },
    { "kernel-memory-tcp", "memory", "kernelTCP", UPD_SIZE },
    { "cpu-share", "cpu", "shares", UPD_INT },
    { "cpu-period", "cpu", "period", UPD_INT },
    { "cpu-quota", "cpu", "quota", UPD_INT },
    { "cpu-rt-period", "cpu", "realtimePeriod", UPD_INT },
    { "cpu-rt-runtime", "cpu", "realtimeRuntime", UPD_INT },
    { "cpuset-cpus", "cpu", "cpus", UPD_STRING },
    { "cpuset-mems", "cpu", "mems", UPD_STRING },
    { "pids-limit", "pids", "limit", UPD_INT },
    { "blkio-weight", "blockIO", "weight", UPD_INT },
};

/* One flag's value into `res`. Returns 0 or 1 with the error reported. */
static int update_flag_value(struct json_object *res, const struct update_flag *f,
                             const char *value)
{
    struct json_object *section;
    long long v = 0;
    uint64_t size;
    char *end;

    if (!json_object_object_get_ex(res, f->section, &section)) {
        section = json_object_new_object();
        json_object_object_add(res, f->section, section);
    }
    if (f->kind == UPD_STRING) {
        json_object_object_add(section, f->key, json_object_new_string(value));
        return 0;
    }
    errno = 0;
    if (strcmp(value, "-1") == 0)
        v = -1;
    else if (f->kind == UPD_SIZE && box_parse_size(value, &size) == 0 && size <= INT64_MAX)
        v = (long long)size;
    else if (f->kind == UPD_INT && ((v = strtoll(value, &end, 10)), !errno) && *end == '\0' &&
             end != value)
        ;
    else
        return error("update: --%s %s: not a %s", f->flag, value,
                     f->kind == UPD_SIZE ? "size" : "number");
    json_object_object_add(section, f->key, json_object_new_int64(v));
    return 0;
}

/* Read all of `path` ("-": stdin) into *out (free), at most OCI_CONFIG_MAX_BYTES + 1. */
static int read_all(const char *path, char **out, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);

    if (!f || !buf) {
        free(buf);
        return error("update: --resources %s: %s", path, strerror(f ? ENOMEM : errno));
    }
    while (n <= OCI_CONFIG_MAX_BYTES) {
        size_t got = fread(buf + n, 1, cap - n, f);

        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            char *grown = realloc(buf, cap * 2);

            if (!grown)
                break;
            buf = grown;
            cap *= 2;
        }
    }
    if (f != stdin)
        fclose(f);
    *out = buf;
    *len = n;
    return 0;
}

/* update: new limits for a running container, from --resources (a LinuxResources object;
 * containerd and podman write one to stdin) or runc's flags, through the parser create
 * uses (oci_resources_update). */
static int cmd_update(int argc, char **argv)
{
    enum { N_FLAGS = sizeof update_flags / sizeof update_flags[0] };
    struct option opts[N_FLAGS + 4];
    struct json_object *res = json_object_new_object();
    const char *resources = NULL, *text;
    char err[OCI_ERR_MAX], *buf = NULL;
    struct oci_host host;
    box_t *box = NULL;
    size_t len = 0;
    int c, idx, r, rc = 1;

    for (size_t i = 0; i < N_FLAGS; i++)
        opts[i] = (struct option){ update_flags[i].flag, required_argument, NULL, 0 };
    opts[N_FLAGS] = (struct option){ "resources", required_argument, NULL, 'r' };
    opts[N_FLAGS + 1] = (struct option){ "l3-cache-schema", required_argument, NULL, 'L' };
    opts[N_FLAGS + 2] = (struct option){ "mem-bw-schema", required_argument, NULL, 'L' };
    opts[N_FLAGS + 3] = (struct option){ 0 };
    while ((c = getopt_long(argc, argv, "+r:", opts, &idx)) != -1) {
        if (c == 'r')
            resources = optarg;
        else if (c == 'L') {
            error("update: --%s: libbox has no Intel RDT (resctrl) support", opts[idx].name);
            goto out;
        } else if (c != 0) {
            goto usage;
        } else if (update_flag_value(res, &update_flags[idx], optarg)) {
            goto out;
        }
    }
    if (optind != argc - 1)
        goto usage;
    if (resources && json_object_object_length(res)) {
        error("update: give the limits either with --resources or as flags");
        goto out;
    }
    if (resources) {
        if (read_all(resources, &buf, &len))
            goto out;
        text = buf;
    } else {
        text = json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN);
        len = strlen(text);
    }
    if (open_container(argv[optind], &box))
        goto out;
    if (box_phase(box) == BOX_PHASE_STOPPED) {
        error("container not running");
        goto out;
    }
    oci_host_probe(&host);
    if ((r = oci_resources_update(text, len, &host, box, err)) < 0)
        error("update: %s", err);
    else
        rc = 0;
    goto out;
usage:
    error("update: usage: boxoci update [--resources FILE|-] [--memory SIZE] "
          "[--memory-swap SIZE] [--cpu-share N] [--cpu-quota N] [--cpu-period N] "
          "[--pids-limit N] [--blkio-weight N] ID");
out:
    box_free(box);
    free(buf);
    json_object_put(res);
    return rc;
}

static const char usage_text[] =
    "usage: boxoci [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND ...\n"
    "An OCI runtime over libbox (runc's command line).\n\n"
    "  create [--bundle DIR] [--pid-file FILE] [--preserve-fds N] ID\n"
    "                       build the container, held until start\n"
    "  start ID             run its program\n"
    "  run [--bundle DIR] [--pid-file FILE] [--preserve-fds N] [--detach] [--keep] ID\n"
    "                       create and start; in the foreground exit with its status\n"
    "  state ID             the container's OCI state as JSON\n"
    "  kill [--all] ID [SIGNAL]   signal it (a number or a name; default TERM)\n"
    "  delete [--force] ID  remove a stopped container (--force: kill it first)\n"
    "  exec [--process FILE] [--detach] [--pid-file FILE] [--cwd DIR] [--env NAME=VALUE]\n"
    "       [--user UID[:GID]] ID [COMMAND ARGS...]   run another program in it\n"
    "  ps [--format table|json] ID [PS_ARGS...]   its processes\n"
    "  pause ID, resume ID  freeze and thaw all of its processes\n"
    "  update [--resources FILE|-] [--memory SIZE] [--memory-swap SIZE] [--cpu-share N]\n"
    "         [--cpu-quota N] [--cpu-period N] [--pids-limit N] [--blkio-weight N] ID\n"
    "                       change the limits of a running container\n"
    "  list [--format table|json] [--quiet]\n"
    "  spec [--bundle DIR] [--rootless]   write a config.json that boxoci runs\n"
    "  features             what this runtime supports, as JSON (runtime-spec features)\n"
    "  --version\n\n"
    "See boxoci(8).\n";

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "root", required_argument, NULL, 'r' },
        { "log", required_argument, NULL, 'l' },
        { "log-format", required_argument, NULL, 'f' },
        { "debug", no_argument, NULL, 'd' },
        { "systemd-cgroup", no_argument, NULL, 's' },
        { "version", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    static const char *const later[] = { "events", "checkpoint", "restore", NULL };
    const char *cmd, *log_path = NULL;
    bool systemd = false;
    int c;

    const char *root = default_root();
    while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': root = optarg; break;
        case 'l': log_path = optarg; break;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
                return error("--log-format %s: text or json", optarg);
            g.log_json = optarg[0] == 'j';
            break;
        case 'd': g.debug = true; break;
        case 's': systemd = true; break;
        case 'v': return cmd_version();
        case 'h': fputs(usage_text, stdout); return 0;
        default: fputs(usage_text, stderr); return 1;
        }
    }
    if (log_path && !(g.log = fopen(log_path, "ae")))
        return error("--log %s: %s", log_path, strerror(errno));
    if (systemd)
        return error("--systemd-cgroup: boxoci has no systemd cgroup driver; use cgroupfs "
                     "paths (podman: cgroup_manager = \"cgroupfs\")");
    if (optind >= argc) {
        fputs(usage_text, stderr);
        return 1;
    }
    if (absolute_root(root))
        return 1;
    cmd = argv[optind];
    argc -= optind;
    argv += optind;
    optind = 1;
    if (strcmp(cmd, "create") == 0)
        return cmd_create(argc, argv);
    if (strcmp(cmd, "start") == 0)
        return cmd_start(argc, argv);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(cmd, "exec") == 0)
        return cmd_exec(argc, argv);
    if (strcmp(cmd, "ps") == 0)
        return cmd_ps(argc, argv);
    if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0)
        return cmd_freeze(argc, argv, cmd[0] == 'p');
    if (strcmp(cmd, "update") == 0)
        return cmd_update(argc, argv);
    if (strcmp(cmd, "state") == 0)
        return cmd_state(argc, argv);
    if (strcmp(cmd, "kill") == 0)
        return cmd_kill(argc, argv);
    if (strcmp(cmd, "delete") == 0)
        return cmd_delete(argc, argv);
    if (strcmp(cmd, "list") == 0)
        return cmd_list(argc, argv);
    if (strcmp(cmd, "spec") == 0)
        return cmd_spec(argc, argv);
    if (strcmp(cmd, "features") == 0)
        return cmd_features();
    if (strcmp(cmd, "version") == 0)
        return cmd_version();
    for (int i = 0; later[i]; i++)
        if (strcmp(cmd, later[i]) == 0)
            return error("%s: not supported yet: it needs libbox's running boxes (a box that "
                         "outlives boxoci, entered and paused later); use 'boxoci run'", cmd);
    return error("unknown command '%s' (boxoci --help)", cmd);
}
