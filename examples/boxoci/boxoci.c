/* boxoci: an OCI runtime (runc's command line) over libbox.
 *
 * The container is a box: oci-config.c turns config.json into libbox calls, and this file
 * is the command line, the runtime's state directory and the logging container engines
 * expect. A container's OCI state (id, bundle, pid and its start time, annotations) lives
 * in ROOT/ID/state.json, written atomically; whether it still runs is read from the pid
 * and its start time, so a recycled pid is never taken for it.
 *
 * What needs the running-box API of libbox (a box that outlives the process that made it,
 * entering it, pausing it) is refused with a message saying so: create/start, exec, ps,
 * pause/resume and update. run works in the foreground. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <box.h>

#include "oci-config.h"

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

/* The error goes to stderr and, as the engines read it, to the log. Returns 1. */
static int __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "boxoci: %s\n", msg);
    log_line("error", msg);
    return 1;
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

/* runc's rule for ids: letters, digits and _ + - . only, so an id is always one path
 * component. */
static bool valid_id(const char *id)
{
    if (!id[0] || strlen(id) > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return false;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
            return false;
    return true;
}

static void state_dir(const char *id, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", g.root, id);
}

/* Compiled seccomp filters, shared by the containers of this root (box_seccomp_cache_dir;
 * '@' is in no container id), or NULL when the root cannot be made. */
static const char *seccomp_cache_dir(char *buf, size_t size)
{
    char root[PATH_MAX];

    if ((mkdir(g.root, 0700) < 0 && errno != EEXIST) || !realpath(g.root, root) ||
        (size_t)snprintf(buf, size, "%s/@seccomp", root) >= size)
        return NULL;
    return buf;
}

/* The start time of pid (clock ticks since boot, /proc/PID/stat field 22), 0 if gone. */
static unsigned long long pid_start_time(pid_t pid)
{
    char path[64], buf[1024];
    unsigned long long start = 0;
    const char *p;
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    for (int field = 2; p && *p && field < 22; p++)
        if (*p == ' ')
            field++;
    if (p)
        sscanf(p, "%llu", &start);
    return start;
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
    if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
        int r = errno ? -errno : -EIO;

        close(fd);
        unlink(tmp);
        return r;
    }
    close(fd);
    return rename(tmp, path) < 0 ? -errno : 0;
}

struct state {
    struct json_object *json; /* state.json as written */
    pid_t pid;
    const char *status;      /* created, running, stopped: from the process, not the file */
};

static int save_state(const char *id, struct json_object *st)
{
    char dir[PATH_MAX];

    state_dir(id, dir, sizeof dir);
    return write_file_atomic(dir, "state.json",
                             json_object_to_json_string_ext(st, JSON_OUT));
}

static int load_state(const char *id, struct state *out)
{
    char path[PATH_MAX];
    struct json_object *v;
    unsigned long long start;

    if (!valid_id(id))
        return error("container id '%s' is not valid", id), -EINVAL;
    snprintf(path, sizeof path, "%s/%s/state.json", g.root, id);
    out->json = json_object_from_file(path);
    if (!out->json)
        return error("container \"%s\" does not exist", id), -ENOENT;
    out->pid = json_object_object_get_ex(out->json, "pid", &v) ? json_object_get_int(v) : 0;
    start = json_object_object_get_ex(out->json, "pidStartTime", &v)
                ? (unsigned long long)json_object_get_uint64(v) : 0;
    out->status = "stopped";
    if (out->pid > 0 && start && pid_start_time(out->pid) == start) {
        out->status = json_object_object_get_ex(out->json, "status", &v)
                          ? json_object_get_string(v) : "running";
    }
    return 0;
}

/* The OCI state (runtime-spec's "state" operation). */
static struct json_object *oci_state(const struct state *st)
{
    static const char *const keys[] = { "ociVersion", "id", "bundle", "rootfs", "created",
                                        "owner", "annotations" };
    struct json_object *o = json_object_new_object(), *v;

    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_object_get_ex(st->json, keys[i], &v))
            json_object_object_add(o, keys[i], json_object_get(v));
    json_object_object_add(o, "status", json_object_new_string(st->status));
    json_object_object_add(o, "pid", json_object_new_int(strcmp(st->status, "stopped")
                                                             ? st->pid : 0));
    return o;
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

/* Signal the container's first process through a pidfd, after checking it is still the
 * process state.json names. */
static int signal_container(const struct state *st, int sig)
{
    int fd, r = 0;

    fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
    if (fd < 0)
        return -errno;
    if (strcmp(st->status, "stopped") == 0) /* re-checked with the pidfd held */
        r = -ESRCH;
    else if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
        r = -errno;
    close(fd);
    return r;
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
 * (a terminal, a cgroup mount on v1 hosts). */
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

static struct json_object *new_state(const char *id, const struct oci_config *cfg)
{
    struct json_object *st = json_object_new_object(), *a;
    struct passwd *pw = getpwuid(geteuid());
    char when[64];

    json_object_object_add(st, "ociVersion", json_object_new_string(OCI_VERSION));
    json_object_object_add(st, "id", json_object_new_string(id));
    json_object_object_add(st, "status", json_object_new_string("creating"));
    json_object_object_add(st, "bundle", json_object_new_string(cfg->bundle));
    json_object_object_add(st, "rootfs", json_object_new_string(cfg->rootfs));
    json_object_object_add(st, "created", json_object_new_string(now_rfc3339(when,
                                                                             sizeof when)));
    json_object_object_add(st, "owner", json_object_new_string(pw ? pw->pw_name : ""));
    if (json_object_object_get_ex(cfg->json, "annotations", &a))
        json_object_object_add(st, "annotations", json_object_get(a));
    return st;
}

static void remove_state(const char *id)
{
    char dir[PATH_MAX], path[PATH_MAX + 16];

    state_dir(id, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/state.json", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/.state.json.tmp", dir);
    unlink(path);
    rmdir(dir);
}

/* Wait for the box, passing on the signals boxoci gets (as runc run does). */
static int wait_forwarding(box_t *box, box_status_t *status)
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
        struct pollfd p[2] = { { .fd = box_pidfd(box), .events = POLLIN },
                               { .fd = sfd, .events = POLLIN } };
        struct signalfd_siginfo si;

        r = box_wait(box, 0, status);
        if (r != -EAGAIN)
            break;
        if (poll(p, sfd >= 0 ? 2 : 1, 100) < 0 && errno != EINTR) {
            r = -errno;
            break;
        }
        if (sfd >= 0 && (p[1].revents & POLLIN) && read(sfd, &si, sizeof si) == sizeof si) {
            debug("forwarding signal %u", si.ssi_signo);
            box_kill(box, (int)si.ssi_signo);
        }
    }
    if (sfd >= 0)
        close(sfd);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    return r;
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

struct run_opts {
    const char *bundle, *pid_file, *console_socket;
    int preserve_fds;
    bool detach, keep;
};

static int run_container(const char *id, const struct run_opts *o)
{
    char bundle[PATH_MAX], dir[PATH_MAX], err[OCI_ERR_MAX], cache[PATH_MAX];
    struct oci_config *cfg = NULL;
    struct oci_host host;
    struct json_object *st = NULL;
    box_status_t status;
    box_t *box = NULL;
    int r, rc = 1;

    if (o->detach)
        return error("run --detach: needs detached boxes (libbox issue 14); run in the "
                     "foreground");
    if (o->console_socket)
        return error("--console-socket: libbox has no terminal support yet");
    if (!realpath(o->bundle, bundle))
        return error("bundle %s: %s", o->bundle, strerror(errno));
    if ((r = oci_config_load(bundle, &cfg, err)) < 0)
        return error("%s", err);
    if (cfg->terminal) {
        oci_config_free(cfg);
        return error("config.json: process.terminal: libbox has no terminal support yet");
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
    /* Built and held first, so that the pid file and state exist before the program runs
     * (create/start in one process until libbox's boxes can outlive it). */
    box_set_option(box, BOX_OPT_HOLD, 1);
    for (int fd = 0; o->preserve_fds && fd < 3 + o->preserve_fds; fd++)
        if ((r = box_pass_fd(box, fd, fd)) < 0) {
            error("--preserve-fds: %s", box_errmsg(box));
            goto out;
        }
    if (mkdir(g.root, 0700) < 0 && errno != EEXIST) {
        error("state directory %s: %s", g.root, strerror(errno));
        goto out;
    }
    state_dir(id, dir, sizeof dir);
    if (mkdir(dir, 0700) < 0) {
        error(errno == EEXIST ? "container \"%s\" exists already" : "%s: %s", id,
              strerror(errno));
        goto out;
    }
    st = new_state(id, cfg);
    if (apply_runtime_settings(cfg) != 0)
        goto out_state;
    if ((r = box_spawn(box, (const char *const *)cfg->args)) < 0) {
        error("%s", box_errmsg(box));
        goto out_state;
    }
    json_object_object_add(st, "pid", json_object_new_int(box_pid(box)));
    json_object_object_add(st, "pidStartTime",
                           json_object_new_uint64(pid_start_time(box_pid(box))));
    json_object_object_add(st, "status", json_object_new_string("created"));
    if ((r = save_state(id, st)) < 0 ||
        (o->pid_file && (r = write_pid_file(o->pid_file, box_pid(box))) < 0)) {
        error("writing the state or pid file: %s", strerror(-r));
        goto out_state;
    }
    debug("container %s created, pid %d", id, (int)box_pid(box));
    if ((r = box_start(box)) < 0) {
        error("%s", box_errmsg(box));
        goto out_state;
    }
    json_object_object_add(st, "status", json_object_new_string("running"));
    save_state(id, st);
    if ((r = wait_forwarding(box, &status)) < 0) {
        error("wait: %s", box_errmsg(box));
        goto out_state;
    }
    rc = status.end == BOX_END_EXITED ? status.exit_code : 128 + status.signal;
    debug("container %s ended: exit status %d", id, rc);
out_state:
    if (!o->keep || rc == 1)
        remove_state(id);
out:
    json_object_put(st);
    box_free(box);
    oci_config_free(cfg);
    return rc;
}

static int cmd_run(int argc, char **argv)
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
    struct run_opts o = { .bundle = "." };
    char *end;
    int c;

    while ((c = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
        switch (c) {
        case 'b': o.bundle = optarg; break;
        case 'p': o.pid_file = optarg; break;
        case 'c': o.console_socket = optarg; break;
        case 'd': o.detach = true; break;
        case 'k': o.keep = true; break;
        case 'f':
            o.preserve_fds = (int)strtol(optarg, &end, 10);
            if (*end || o.preserve_fds < 0 || o.preserve_fds > 1000)
                return error("--preserve-fds %s: not a count", optarg);
            break;
        case 'P': /* libbox always pivot_roots; runc's --no-pivot is for ramfs roots */
            return error("--no-pivot: libbox always enters the root with pivot_root");
        case 'K': break; /* libbox makes no session keyring: there is nothing to skip */
        default: return error("run: usage: boxoci run [--bundle DIR] [--pid-file FILE] ID");
        }
    }
    if (optind != argc - 1)
        return error("run: one container id is needed");
    if (!valid_id(argv[optind]))
        return error("container id '%s' is not valid", argv[optind]);
    return run_container(argv[optind], &o);
}

static int cmd_state(int argc, char **argv)
{
    struct json_object *o;
    struct state st;

    if (argc != 2)
        return error("state: one container id is needed");
    if (load_state(argv[1], &st) < 0)
        return 1;
    o = oci_state(&st);
    printf("%s\n", json_object_to_json_string_ext(o, JSON_OUT));
    json_object_put(o);
    json_object_put(st.json);
    return 0;
}

static int cmd_kill(int argc, char **argv)
{
    static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { 0 } };
    bool all = false;
    struct state st;
    int c, sig = SIGTERM, r;

    while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
        if (c != 'a')
            return error("kill: usage: boxoci kill [--all] ID [SIGNAL]");
        all = true;
    }
    if (optind >= argc || argc - optind > 2)
        return error("kill: usage: boxoci kill [--all] ID [SIGNAL]");
    if (argc - optind == 2 && (sig = parse_signal(argv[optind + 1])) < 0)
        return error("kill: unknown signal '%s'", argv[optind + 1]);
    if (load_state(argv[optind], &st) < 0)
        return 1;
    /* --all: SIGKILL of a pid namespace's first process ends every process in it. */
    if (all && sig != SIGKILL) {
        json_object_put(st.json);
        return error("kill --all with signal %d: signalling every process needs the box's "
                     "process list (libbox issue 14); only SIGKILL is supported", sig);
    }
    r = strcmp(st.status, "stopped") == 0 ? -ESRCH : signal_container(&st, sig);
    json_object_put(st.json);
    if (r == -ESRCH)
        return error("container not running");
    if (r < 0)
        return error("kill: %s", strerror(-r));
    return 0;
}

static int cmd_delete(int argc, char **argv)
{
    static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
    bool force = false;
    struct state st;
    int c;

    while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
        if (c != 'f')
            return error("delete: usage: boxoci delete [--force] ID");
        force = true;
    }
    if (optind != argc - 1)
        return error("delete: one container id is needed");
    if (load_state(argv[optind], &st) < 0)
        return 1;
    if (strcmp(st.status, "stopped") != 0) {
        if (!force) {
            error("cannot delete container %s that is not stopped: %s", argv[optind],
                  st.status);
            json_object_put(st.json); /* st.status points into it */
            return 1;
        }
        signal_container(&st, SIGKILL);
        /* The process that runs it removes its cgroup and reaps it; wait until it has. */
        for (int i = 0; i < 1000 && pid_start_time(st.pid); i++)
            usleep(10000);
    }
    json_object_put(st.json);
    remove_state(argv[optind]);
    return 0;
}

static int cmd_list(int argc, char **argv)
{
    static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                          { "quiet", no_argument, NULL, 'q' }, { 0 } };
    struct json_object *all = json_object_new_array();
    bool json = false, quiet = false;
    struct dirent *e;
    DIR *d;
    int c;

    while ((c = getopt_long(argc, argv, "f:q", opts, NULL)) != -1) {
        if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
            json = optarg[0] == 'j';
        else if (c == 'q')
            quiet = true;
        else
            return json_object_put(all), error("list: usage: boxoci list [--format "
                                               "table|json] [--quiet]");
    }
    d = opendir(g.root);
    while (d && (e = readdir(d))) {
        struct state st;
        char path[PATH_MAX];

        snprintf(path, sizeof path, "%s/%s/state.json", g.root, e->d_name);
        if (e->d_name[0] == '.' || access(path, F_OK) != 0 || load_state(e->d_name, &st) < 0)
            continue;
        json_object_array_add(all, oci_state(&st));
        json_object_put(st.json);
    }
    if (d)
        closedir(d);
    if (json) {
        printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
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

static const char usage_text[] =
    "usage: boxoci [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND ...\n"
    "An OCI runtime over libbox (runc's command line).\n\n"
    "  run [--bundle DIR] [--pid-file FILE] [--preserve-fds N] [--keep] ID\n"
    "                       run a container in the foreground; exit with its status\n"
    "  state ID             the container's OCI state as JSON\n"
    "  kill [--all] ID [SIGNAL]   signal it (a number or a name; default TERM)\n"
    "  delete [--force] ID  forget a stopped container (--force: kill it first)\n"
    "  list [--format table|json] [--quiet]\n"
    "  spec [--bundle DIR] [--rootless]   write a config.json that boxoci runs\n"
    "  features             what this runtime supports, as JSON (runtime-spec features)\n"
    "  --version\n\n"
    "Not yet (they need libbox's running boxes): create, start, exec, ps, pause, resume,\n"
    "update. See boxoci(8).\n";

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
    static const char *const later[] = { "create", "start", "exec", "ps", "pause", "resume",
                                         "update", "events", "checkpoint", "restore", NULL };
    const char *cmd, *log_path = NULL;
    bool systemd = false;
    int c;

    g.root = default_root();
    while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': g.root = optarg; break;
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
    cmd = argv[optind];
    argc -= optind;
    argv += optind;
    optind = 1;
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc, argv);
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
