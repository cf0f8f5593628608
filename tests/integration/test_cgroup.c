/* Integration tests of cgroup limits and the usage report: limits really hit, measured from
 * the report. As root they run on whatever this host has (v1 controllers on a hybrid host,
 * v2 elsewhere); rootless, a cgroup limit must fail with a clear error while rlimits and
 * time limits keep working. Every test checks that no box cgroup is left behind. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "helpers.h"

/* Count this process's box cgroups ("libbox-<pid>-*") below its cgroup in every hierarchy.
 * (Other programs' boxes may come and go there at the same time.) */
static int count_box_cgroups(void)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[1024], prefix[32];
    int n = 0;

    snprintf(prefix, sizeof prefix, "libbox-%d-", (int)getpid());
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char *ctl = strchr(line, ':'), *path, dir[2048];
        DIR *d;
        struct dirent *de;

        if (!ctl || !(path = strchr(ctl + 1, ':')))
            continue;
        *path++ = '\0';
        path[strcspn(path, "\n")] = '\0';
        ctl++;
        if (strncmp(ctl, "name=", 5) == 0)
            continue;
        snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s%s", ctl[0] ? ctl : "unified", path);
        if (!(d = opendir(dir))) {
            snprintf(dir, sizeof dir, "/sys/fs/cgroup%s", path);
            if (ctl[0] || !(d = opendir(dir)))
                continue;
        }
        while ((de = readdir(d)))
            n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
        closedir(d);
    }
    fclose(f);
    return n;
}

static int cg_setup(void **state)
{
    assert_int_equal(count_box_cgroups(), 0);
    return leak_setup(state);
}

static int cg_teardown(void **state)
{
    assert_int_equal(count_box_cgroups(), 0);
    return leak_teardown(state);
}

static box_t *box_with_dev(void)
{
    box_t *box = new_test_box();

    assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
    return box;
}

static void test_memory_oom(void **state)
{
    box_t *box = box_with_dev();
    box_status_t st;
    const uint64_t limit = 32 << 20;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, limit), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_SWAP, 0), 0);
    /* The shell keeps the whole command substitution in memory. */
    assert_int_equal(run_box(box, "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived",
                             NULL, 0, &st),
                     0);
    assert_int_equal(st.end, BOX_END_OOM);
    assert_int_equal(st.signal, 9);
    assert_true(st.oom_kills >= 1);
    assert_in_range(st.memory_peak_bytes, limit * 8 / 10, limit * 11 / 10);
    box_free(box);
}

/* One box under 32 MiB without swap, running `script`. */
static void run_oom_box(const char *script, unsigned int extra_opts, box_status_t *st)
{
    box_t *box = box_with_dev();

    assert_int_equal(box_set_options(box, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION |
                                              extra_opts),
                     0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 32 << 20), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_SWAP, 0), 0);
    assert_int_equal(run_box(box, script, NULL, 0, st), 0);
    box_free(box);
}

/* The box ended because the kernel OOM-killed a process in it, not pid 1: a shell passes
 * the death on as exit 137, box-init as its program's death. A box that survives such a
 * kill keeps its own exit and counts the kill. (tail keeps all of its input that has no
 * newline in memory.) */
static void test_oom_of_a_helper(void **state)
{
    static const char *const pipeline = "head -c 67108864 /dev/zero | tail";
    static const char *const survivor =
        "(echo 1000 >/proc/self/oom_score_adj; exec tail /dev/zero); exit 3";
    box_status_t st;

    (void)state;
    run_oom_box(pipeline, 0, &st);
    assert_int_equal(st.end, BOX_END_OOM);
    assert_int_equal(st.signal, SIGKILL);
    assert_true(st.oom_kills >= 1);

    run_oom_box(pipeline, BOX_OPT_INIT, &st);
    assert_int_equal(st.end, BOX_END_OOM);
    assert_true(st.oom_kills >= 1);

    /* The program itself is killed under box-init. */
    run_oom_box("x=$(head -c 200000000 /dev/zero | tr '\\0' a)", BOX_OPT_INIT, &st);
    assert_int_equal(st.end, BOX_END_OOM);
    assert_true(st.oom_kills >= 1);

    /* Here tail volunteers as the OOM killer's victim (oom_score_adj 1000) and is the only
     * process that allocates (it reads /dev/zero itself: no pipe whose buffers a writer
     * keeps charging while the victim is being reaped), so that the program (sh) survives
     * does not depend on the badness scores or on how fast the OOM reaper runs. */
    for (int i = 0; i < 2; i++) {
        run_oom_box(survivor, i ? BOX_OPT_INIT : 0, &st);
        if (st.end != BOX_END_EXITED)
            print_message("%s: end %d signal %d exit %d oom_kills %llu\n",
                          i ? "with box-init" : "without init", st.end, st.signal,
                          st.exit_code, (unsigned long long)st.oom_kills);
        assert_int_equal(st.end, BOX_END_EXITED);
        assert_int_equal(st.exit_code, 3);
        assert_true(st.oom_kills >= 1);
    }
}

static void test_pids_limit(void **state)
{
    char out[256];
    box_t *box = box_with_dev();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 8), 0);
    assert_int_equal(run_box(box,
                             "sh -c 'while :; do sleep 5 & done' 2>&-; "
                             "set -- /proc/[0-9]*; echo $#",
                             out, sizeof out, &st),
                     0);
    /* The inner shell forks until the limit stops it (then it dies of "can't fork"). Counted
     * without forking: pid 1 and the sleeps that fitted, at most the limit. */
    assert_in_range(atoi(out), 6, 8);
    /* The report counts the forks the limit refused. */
    assert_true(st.pids_limit_hits > 0);
    box_free(box);
}

static void test_cpu_bandwidth(void **state)
{
    box_t *box = new_test_box();
    box_status_t st;
    uint64_t cpu_ms;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_MILLIS, 250), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_WALL_MS, 1200), 0);
    assert_int_equal(run_box(box, "while :; do :; done", NULL, 0, &st), 0);
    assert_int_equal(st.end, BOX_END_WALL_TIME);
    cpu_ms = (st.cpu_user_us + st.cpu_system_us) / 1000;
    /* A quarter of a cpu for ~1.2 s: about 300 ms, with room for scheduling noise. */
    assert_in_range(cpu_ms, 150, 500);
    box_free(box);
}

static void test_cpu_time_limit(void **state)
{
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_TIME_MS, 300), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_WALL_MS, 10000), 0);
    /* Two busy processes: the limit is for the whole box, not per process. */
    assert_int_equal(run_box(box, "(while :; do :; done) & while :; do :; done", NULL, 0, &st),
                     0);
    assert_int_equal(st.end, BOX_END_CPU_TIME);
    assert_in_range((st.cpu_user_us + st.cpu_system_us) / 1000, 300, 1000);
    assert_true(st.wall_us < 5000000);
    box_free(box);
}

static void test_sleeping_wall_limit_with_cgroup(void **state)
{
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 32), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_TIME_MS, 5000), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_WALL_MS, 300), 0);
    assert_int_equal(run_box(box, "sleep 10 & sleep 10", NULL, 0, &st), 0);
    assert_int_equal(st.end, BOX_END_WALL_TIME);
    box_free(box);
}

static void test_free_running_box_removes_cgroup(void **state)
{
    box_t *box = new_test_box();
    const char *const argv[] = { "sh", "-c", "sleep 100 & sleep 100", NULL };

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 32), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_true(count_box_cgroups() > 0);
    box_free(box);
}

static void test_cpuset(void **state)
{
    char out[256];
    box_t *box = new_test_box();
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_cpuset(box, "0", NULL), 0);
    assert_int_equal(run_box(box, "grep Cpus_allowed_list /proc/self/status | cut -f2", out,
                             sizeof out, &st),
                     0);
    assert_string_equal(out, "0\n");
    box_free(box);
}

/* The first block device in /dev, or NULL. */
static const char *some_block_device(void)
{
    static char path[300];
    DIR *d = opendir("/dev");
    struct dirent *de;
    struct stat sb;

    while (d && (de = readdir(d))) {
        snprintf(path, sizeof path, "/dev/%s", de->d_name);
        if (stat(path, &sb) == 0 && S_ISBLK(sb.st_mode)) {
            closedir(d);
            return path;
        }
    }
    if (d)
        closedir(d);
    return NULL;
}

/* The throttle lands in the box's cgroup: read it back from there while the box runs. */
static void test_io_limit(void **state)
{
    const char *dev = some_block_device();
    const char *const argv[] = { "sleep", "1", NULL };
    char cmd[512], out[256] = "", expect[64];
    struct stat sb;
    box_t *box;
    box_status_t st;
    FILE *p;

    (void)state;
    if (!dev)
        skip_because("no block device to throttle was found");
    assert_int_equal(stat(dev, &sb), 0);
    box = new_test_box();
    assert_int_equal(box_set_io_limit(box, dev, BOX_IO_READ_BPS, 1048576), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    snprintf(cmd, sizeof cmd,
             "cat /sys/fs/cgroup/blkio/libbox-%d-*/blkio.throttle.read_bps_device "
             "/sys/fs/cgroup/libbox-%d-*/io.max /sys/fs/cgroup/*/libbox-%d-*/io.max 2>/dev/null",
             (int)getpid(), (int)getpid(), (int)getpid());
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, sizeof out, p));
    pclose(p);
    snprintf(expect, sizeof expect, "%u:%u ", major(sb.st_rdev), minor(sb.st_rdev));
    assert_int_equal(strncmp(out, expect, strlen(expect)), 0);
    assert_non_null(strstr(out, "1048576"));
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    box_free(box);
}

/* Without a pid namespace, killing the first process leaves the rest; cgroup.kill (v2,
 * also on a hybrid host) takes all of them, and only then can the cgroups be removed. */
/* Wait up to a second for pid to be gone or a zombie. */
static bool dead_or_zombie(int pid)
{
    for (int i = 0; i < 100; i++) {
        char path[64], stat[256] = "";
        FILE *f;

        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        if (!(f = fopen(path, "re")))
            return true;
        if (!fgets(stat, sizeof stat, f))
            stat[0] = '\0';
        fclose(f);
        if (strstr(stat, ") Z "))
            return true;
        usleep(10000);
    }
    return false;
}

/* Without a pid namespace only the cgroup can kill the whole box: cgroup.kill on v2, the
 * freezer on v1 (BOX_CGROUP_BACKEND_V1). */
static void kill_whole_box(int backend)
{
    box_t *box = box_with_dev();
    const char *const argv[] = { "sh", "-c", "sleep 100 & sleep 100 & wait", NULL };
    box_status_t st;
    char path[128];
    int kids[2];
    FILE *f;

    assert_int_equal(box_set_cgroup_backend(box, backend), 0);
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~BOX_NS_PID & ~BOX_NS_TIME), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 16), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    /* The two sleeps, children of the box's first process, as the host sees them (once the
     * shell has started both). */
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)box_pid(box),
             (int)box_pid(box));
    for (int tries = 0, n = 0; n != 2; tries++) {
        assert_true(tries < 200);
        usleep(10000);
        f = fopen(path, "re");
        assert_non_null(f);
        n = fscanf(f, "%d %d", &kids[0], &kids[1]);
        fclose(f);
    }
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_KILLED);
    for (int i = 0; i < 2; i++)
        assert_true(dead_or_zombie(kids[i]));
    box_free(box);
}

static void test_kill_whole_box_without_pidns(void **state)
{
    box_features_t feat;

    (void)state;
    assert_int_equal(box_probe(&feat), 0);
    if (!feat.cgroup_v2_path[0])
        skip_because("no cgroup v2 hierarchy on this host");
    kill_whole_box(BOX_CGROUP_BACKEND_AUTO);
}

static void test_kill_whole_box_v1_freezer(void **state)
{
    const char *const argv[] = { "true", NULL };
    char where[512];
    box_t *box;
    box_status_t st;

    (void)state;
    if (access("/sys/fs/cgroup/freezer", W_OK) != 0 || access("/sys/fs/cgroup/pids", W_OK) != 0)
        skip_because("needs writable v1 freezer and pids hierarchies (a pure v2 host has none)");
    kill_whole_box(BOX_CGROUP_BACKEND_V1);
    /* V1 really means v1: the limits land in the v1 hierarchies. */
    box = new_test_box();
    assert_int_equal(box_set_cgroup_backend(box, BOX_CGROUP_BACKEND_V1), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 16), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(box_limit_status(box, BOX_LIMIT_PIDS, where, sizeof where), 1);
    assert_non_null(strstr(where, "/sys/fs/cgroup/pids/"));
    assert_int_equal(box_wait(box, -1, &st), 0);
    box_free(box);
}

/* box_pause freezes every process of the box (a frozen box writes nothing, whatever the
 * wait), box_pids lists them, box_resume lets them go on; a paused box can be killed. */
static void pause_resume(int backend)
{
    const char *const argv[] = { "sh", "-c", "while :; do echo x; sleep 0.01; done", NULL };
    box_t *box = new_test_box();
    pid_t pids[8];
    box_status_t st;
    int p[2], n;
    bool found = false;

    assert_int_equal(box_set_cgroup_backend(box, backend), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 16), 0);
    assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    assert_int_equal(box_pass_fd(box, p[1], 1), 0);
    assert_int_equal(box_pass_fd(box, 2, 2), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    close(p[1]);
    assert_true(output_within(p[0], 5000) > 0);
    n = box_pids(box, pids, 8);
    assert_true(n >= 1 && n <= 8);
    for (int i = 0; i < n; i++)
        found |= pids[i] == box_pid(box);
    assert_true(found);
    assert_true(box_pids(box, NULL, 0) >= 1); /* a count without an array */
    assert_int_equal(box_pause(box), 0);
    output_within(p[0], 0); /* what was written before the freeze */
    assert_int_equal(output_within(p[0], 300), 0);
    assert_int_equal(box_wait(box, 0, &st), -EAGAIN); /* still there, only frozen */
    assert_int_equal(box_resume(box), 0);
    assert_true(output_within(p[0], 5000) > 0);
    /* Killed while paused: it ends. */
    assert_int_equal(box_pause(box), 0);
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_KILLED);
    assert_int_equal(box_pause(box), -ESRCH);
    assert_int_equal(box_pids(box, pids, 8), -ESRCH);
    close(p[0]);
    box_free(box);
}

static void test_pause_resume(void **state)
{
    (void)state;
    pause_resume(BOX_CGROUP_BACKEND_AUTO);
    if (access("/sys/fs/cgroup/freezer", W_OK) != 0 || access("/sys/fs/cgroup/pids", W_OK) != 0)
        skip_because("the v1 freezer case needs writable v1 freezer and pids hierarchies");
    pause_resume(BOX_CGROUP_BACKEND_V1);
}

/* Without a box cgroup there is nothing to freeze or list; not running is ESRCH. */
static void test_pause_needs_cgroup(void **state)
{
    const char *const argv[] = { "sleep", "60", NULL };
    box_t *box = new_test_box();
    pid_t pid;

    (void)state;
    assert_int_equal(box_pause(NULL), -EINVAL);
    assert_int_equal(box_pause(box), -ESRCH);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(box_pause(box), -EOPNOTSUPP);
    assert_non_null(strstr(box_errmsg(box), "BOX_LIMIT_PIDS"));
    assert_int_equal(box_resume(box), -EOPNOTSUPP);
    assert_int_equal(box_pids(box, &pid, 1), -EOPNOTSUPP);
    assert_int_equal(box_pids(box, NULL, 1), -EINVAL);
    box_free(box);
}

/* The first line of the file a limit is written to (from box_limit_status). */
static void limit_file_text(box_t *box, box_limit_t limit, char *out, size_t size)
{
    char where[512];
    FILE *f;

    assert_int_equal(box_limit_status(box, limit, where, sizeof where), 1);
    assert_true(where[0] == '/');
    f = fopen(where, "re");
    assert_non_null(f);
    assert_non_null(fgets(out, (int)size, f));
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

/* box_update_limit rewrites the cgroup file of a running box; box_wait's limits change
 * too; rlimits do not. */
static void test_update_limit(void **state)
{
    const char *const argv[] = { "sleep", "60", NULL };
    box_t *box = new_test_box();
    box_status_t st;
    char text[64];

    (void)state;
    assert_int_equal(box_update_limit(box, BOX_LIMIT_PIDS, 5), -ESRCH);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 16), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    limit_file_text(box, BOX_LIMIT_PIDS, text, sizeof text);
    assert_string_equal(text, "16");
    assert_int_equal(box_update_limit(box, BOX_LIMIT_PIDS, 5), 0);
    limit_file_text(box, BOX_LIMIT_PIDS, text, sizeof text);
    assert_string_equal(text, "5");
    /* Memory was not set, but the box has its memory cgroup (for the report). */
    assert_int_equal(box_update_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
    limit_file_text(box, BOX_LIMIT_MEMORY, text, sizeof text);
    assert_string_equal(text, "67108864");
    assert_int_equal(box_update_limit(box, BOX_LIMIT_PIDS, 0), -EINVAL);
    assert_int_equal(box_update_limit(box, BOX_LIMIT_NOFILE, 64), -EOPNOTSUPP);
    assert_int_equal(box_update_limit(NULL, BOX_LIMIT_PIDS, 5), -EINVAL);
    /* A wall limit set now ends the sleep through box_wait. */
    assert_int_equal(box_update_limit(box, BOX_LIMIT_WALL_MS, 100), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_WALL_TIME);
    assert_int_equal(box_update_limit(box, BOX_LIMIT_PIDS, 5), -ESRCH);
    box_free(box);
}

/* box_update_limit of a box held for box_start (an OCI container in state created): the
 * cgroup file changes before the program runs, and the program starts under it. */
static void test_update_limit_held(void **state)
{
    const char *const argv[] = { "sh", "-c", "exit 7", NULL };
    box_t *box = new_test_box();
    box_status_t st;
    char text[64];

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 16), 0);
    assert_int_equal(box_set_option(box, BOX_OPT_HOLD, 1), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(box_update_limit(box, BOX_LIMIT_PIDS, 5), 0);
    limit_file_text(box, BOX_LIMIT_PIDS, text, sizeof text);
    assert_string_equal(text, "5");
    assert_int_equal(box_start(box), 0);
    limit_file_text(box, BOX_LIMIT_PIDS, text, sizeof text);
    assert_string_equal(text, "5");
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.exit_code, 7);
    box_free(box);
}

/* Raise and lower the memory limit of a box with a swap limit: on v1 memsw (memory + swap)
 * moves with it, raised first and lowered last (the kernel refuses memory above memsw:
 * podman update --memory of a container made with --memory-swap failed with EINVAL). */
static void test_update_memory_with_swap(void **state)
{
    const char *const argv[] = { "sleep", "60", NULL };
    box_t *box = new_test_box();
    char text[64], where[512];
    box_status_t st;
    bool v1;

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_SWAP, 0), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(box_limit_status(box, BOX_LIMIT_SWAP, where, sizeof where), 1);
    v1 = strstr(where, "memsw") != NULL;
    assert_int_equal(box_update_limit(box, BOX_LIMIT_MEMORY, 128 << 20), 0);
    limit_file_text(box, BOX_LIMIT_MEMORY, text, sizeof text);
    assert_string_equal(text, "134217728");
    limit_file_text(box, BOX_LIMIT_SWAP, text, sizeof text);
    assert_string_equal(text, v1 ? "134217728" : "0");
    assert_int_equal(box_update_limit(box, BOX_LIMIT_MEMORY, 32 << 20), 0);
    limit_file_text(box, BOX_LIMIT_MEMORY, text, sizeof text);
    assert_string_equal(text, "33554432");
    limit_file_text(box, BOX_LIMIT_SWAP, text, sizeof text);
    assert_string_equal(text, v1 ? "33554432" : "0");
    box_kill(box, SIGKILL);
    assert_int_equal(box_wait(box, -1, &st), 0);
    box_free(box);
}

/* A cgroup parent nobody made is named as such, not as a controller this host lacks (the
 * message containerd's shim got for a cgroupsPath below a missing cgroup). v1 and hybrid
 * hosts, where the parent is a path in each hierarchy. */
static void test_missing_cgroup_parent(void **state)
{
    const char *const argv[] = { "true", NULL };
    box_features_t feat;
    char parent[64];
    box_t *box;

    (void)state;
    assert_int_equal(box_probe(&feat), 0);
    if (feat.cgroup_layout != BOX_CGROUP_V1 && feat.cgroup_layout != BOX_CGROUP_HYBRID)
        skip_because("a v1 or hybrid host");
    box = new_test_box();
    snprintf(parent, sizeof parent, "/libbox-no-such-parent-%d", (int)getpid());
    assert_int_equal(box_set_cgroup_parent(box, parent), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 16), 0);
    assert_int_equal(box_spawn(box, argv), -ENOENT);
    assert_non_null(strstr(box_errmsg(box), "does not exist"));
    assert_non_null(strstr(box_errmsg(box), parent));
    box_free(box);
}

/* Lower the memory limit of a running box: its next allocation is OOM-killed at the new
 * limit, not the old one. */
static void test_update_limit_oom(void **state)
{
    const char *const argv[] = { "sh", "-c", "read x; exec tail /dev/zero", NULL };
    const uint64_t limit = 32 << 20;
    box_t *box = box_with_dev();
    box_status_t st;
    int p[2];

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 512 << 20), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_SWAP, 0), 0);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(box_pass_fd(box, p[0], 0), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    close(p[0]);
    assert_int_equal(box_update_limit(box, BOX_LIMIT_MEMORY, limit), 0);
    assert_int_equal(write(p[1], "go\n", 3), 3);
    close(p[1]);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_OOM);
    assert_true(st.oom_kills >= 1);
    assert_in_range(st.memory_peak_bytes, limit * 8 / 10, limit * 11 / 10);
    box_free(box);
}

/* BOX_CGROUP_BACKEND_V2: the unified hierarchy or nothing. */
static void test_backend_v2_only(void **state)
{
    const char *const argv[] = { "true", NULL };
    box_features_t feat;
    char where[512];
    box_t *box;
    box_status_t st;
    bool v2_memory;

    (void)state;
    assert_int_equal(box_probe(&feat), 0);
    v2_memory = feat.cgroup_layout == BOX_CGROUP_V2 &&
                strstr(feat.cgroup_controllers, "memory") != NULL;
    box = new_test_box();
    assert_int_equal(box_set_cgroup_backend(box, BOX_CGROUP_BACKEND_V2), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
    if (v2_memory) {
        assert_int_equal(box_spawn(box, argv), 0);
        assert_int_equal(box_limit_status(box, BOX_LIMIT_MEMORY, where, sizeof where), 1);
        assert_non_null(strstr(where, "memory.max"));
        assert_int_equal(box_wait(box, -1, &st), 0);
        box_free(box);
        return;
    }
    /* Here (hybrid, or v2 without a delegated memory controller): a clear error ... */
    assert_int_equal(box_spawn(box, argv), -EOPNOTSUPP);
    assert_non_null(strstr(box_errmsg(box), "cgroup controller memory is not available in "
                                            "cgroup v2"));
    box_free(box);
    /* ... or, best effort, the box runs and says why the limit is not there. */
    box = new_test_box();
    assert_int_equal(box_set_cgroup_backend(box, BOX_CGROUP_BACKEND_V2), 0);
    assert_int_equal(box_set_options(box, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION |
                                              BOX_OPT_LIMITS_BEST_EFFORT), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(box_limit_status(box, BOX_LIMIT_MEMORY, where, sizeof where), 0);
    assert_non_null(strstr(where, "cgroup v2 only"));
    assert_int_equal(box_wait(box, -1, &st), 0);
    box_free(box);
}

/* A crashed caller's cgroups ("libbox-<dead pid>-N") are removed by the next box. */
static void test_stale_cgroups_removed(void **state)
{
    char path[512];
    box_t *box = new_test_box();
    box_status_t st;
    pid_t dead = fork();

    (void)state;
    if (dead == 0)
        _exit(0);
    assert_true(dead > 0);
    waitpid(dead, NULL, 0);
    snprintf(path, sizeof path, "/sys/fs/cgroup/pids/libbox-%d-0", (int)dead);
    if (access("/sys/fs/cgroup/pids", W_OK) != 0 || mkdir(path, 0755) != 0) {
        box_free(box);
        skip_because("cannot make a v1 pids cgroup here (pure v2 host, or no write access)");
    }
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 16), 0);
    assert_int_equal(run_box(box, "true", NULL, 0, &st), 0);
    assert_int_equal(access(path, F_OK), -1);
    box_free(box);
}

static void test_limit_status(void **state)
{
    box_t *box = new_test_box();
    const char *const argv[] = { "true", NULL };
    char where[512];
    box_status_t st;

    (void)state;
    assert_int_equal(box_limit_status(box, BOX_LIMIT_MEMORY, where, sizeof where), -ESRCH);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_NOFILE, 100), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(box_limit_status(box, BOX_LIMIT_MEMORY, where, sizeof where), 1);
    assert_non_null(strstr(where, "memory."));
    assert_int_equal(box_limit_status(box, BOX_LIMIT_NOFILE, where, sizeof where), 1);
    assert_string_equal(where, "rlimit nofile, per process");
    assert_int_equal(box_limit_status(box, BOX_LIMIT_PIDS, where, sizeof where), 0);
    assert_string_equal(where, "not set");
    assert_int_equal(box_limit_status(box, (box_limit_t)99, where, sizeof where), -EINVAL);
    assert_int_equal(box_wait(box, -1, &st), 0);
    box_free(box);
}

/* BOX_MOUNT_CGROUP: the box's own cgroups where runc shows them. On a v1 or hybrid host a
 * read-only tmpfs with the host's hierarchies by name, each the box's cgroup (its memory
 * limit, its processes); on a v2 host the box's cgroup2. With a cgroup namespace the same,
 * from fresh mounts. */
static const char cgroup_mount_script[] =
    "cat /mnt/cg/memory/memory.limit_in_bytes 2>&- || cat /mnt/cg/memory.max 2>&- || "
    "echo no-limit-file; "
    "for d in /mnt/cg/memory /mnt/cg/unified /mnt/cg/init /mnt/cg; do "
    "  [ -e $d/cgroup.procs ] && grep -qx $$ $d/cgroup.procs && echo mine && break; done; "
    "[ -e /mnt/cg/cgroup.controllers ] || [ \"$(ls /mnt/cg)\" = \"$(ls /mnt/host)\" ] && "
    "echo layout; touch /mnt/cg/x 2>&- || echo ro; "
    "[ -e /mnt/cg/cgroup.controllers ] || touch /mnt/cg/memory/x 2>&- || echo ro; "
    "sed -n 's/^0::/cg /p' /proc/self/cgroup";

/* On a pure v2 host the read-only mount is the box's own cgroup, with its memory.max (as
 * in a runc container); its processes are in the leaf init/ below it, the root of its
 * cgroup namespace ("0::/"). */
static void test_cgroup_mount(void **state)
{
    box_features_t feat;
    bool v2;

    assert_int_equal(box_probe(&feat), 0);
    v2 = feat.cgroup_layout == BOX_CGROUP_V2;
    for (int cgroup_ns = 0; cgroup_ns < 2; cgroup_ns++) {
        box_t *box = new_test_box();
        char out[512];
        box_status_t st;

        (void)state;
        if (cgroup_ns)
            assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~BOX_NS_USER), 0);
        assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
        assert_int_equal(box_mount_tmpfs(box, "/mnt", 0, 0755, 0), 0);
        assert_int_equal(box_mount(box, BOX_MOUNT_BIND, "/sys/fs/cgroup", "/mnt/host",
                                   BOX_MOUNT_RO), 0);
        assert_int_equal(box_mount(box, BOX_MOUNT_CGROUP, NULL, "/mnt/cg", BOX_MOUNT_RO), 0);
        assert_int_equal(box_mount(box, BOX_MOUNT_CGROUP, "x", "/mnt/cg", 0), -EINVAL);
        assert_int_equal(run_box(box, cgroup_mount_script, out, sizeof out, &st), 0);
        assert_int_equal(st.exit_code, 0);
        assert_string_equal(out, v2 ? "67108864\nmine\nlayout\nro\ncg /\n"
                                    : "67108864\nmine\nlayout\nro\nro\ncg /\n");
        box_free(box);
    }
}

/* Rootless, on a v1 host, the box has no cgroup of its own: it sees the caller's,
 * read-only (what runc binds for a rootless container). */
static void test_rootless_cgroup_mount(void **state)
{
    box_t *box = new_test_box();
    char out[512];
    box_status_t st;

    (void)state;
    assert_int_equal(box_mount_tmpfs(box, "/mnt", 0, 0755, 0), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_CGROUP, NULL, "/mnt/cg", BOX_MOUNT_RO), 0);
    assert_int_equal(run_box(box, "ls /mnt/cg | grep -q . && echo listed; "
                                  "touch /mnt/cg/x 2>&- || echo ro",
                             out, sizeof out, &st), 0);
    assert_int_equal(st.exit_code, 0);
    assert_string_equal(out, "listed\nro\n");
    box_free(box);
}

/* Rootless there is no writable cgroup: best effort runs the box and says what is missing. */
static void test_rootless_best_effort(void **state)
{
    box_t *box = new_test_box();
    const char *const argv[] = { "true", NULL };
    char why[512];
    box_status_t st;

    (void)state;
    assert_int_equal(box_set_options(box, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION |
                                              BOX_OPT_LIMITS_BEST_EFFORT),
                     0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_WALL_MS, 5000), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(box_limit_status(box, BOX_LIMIT_MEMORY, why, sizeof why), 0);
    assert_non_null(strstr(why, "not enforced: no usable memory cgroup"));
    assert_int_equal(box_limit_status(box, BOX_LIMIT_WALL_MS, why, sizeof why), 1);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(st.end, BOX_END_EXITED);
    box_free(box);
}

static void test_rootless_cgroup_error(void **state)
{
    box_t *box = new_test_box();
    const char *const argv[] = { "true", NULL };

    (void)state;
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
    assert_true(box_spawn(box, argv) < 0);
    assert_non_null(strstr(box_errmsg(box), "cgroup memory"));
    assert_non_null(strstr(box_errmsg(box), "box_set_cgroup_parent"));
    box_free(box);
}

/* The hugetlb limit lands in the box cgroup's file for the default huge page size, on
 * whichever hierarchy has the controller; on this hybrid host that is v2, so the v2-only
 * backend takes it too (the v2 controller path: enable it for children, write its file). */
static void test_hugetlb_limit(void **state)
{
    const char *const argv[] = { "sleep", "10", NULL };
    char where[1024], value[64] = "";
    box_features_t feat;
    box_status_t st;
    bool in_v2;
    FILE *f;

    (void)state;
    assert_int_equal(box_probe(&feat), 0);
    if (!strstr(feat.cgroup_controllers, "hugetlb"))
        skip_because("the hugetlb controller is not available");
    snprintf(where, sizeof where, "%s/cgroup.controllers", feat.cgroup_v2_path);
    f = fopen(where, "re");
    in_v2 = f && fgets(value, sizeof value, f) && strstr(value, "hugetlb");
    if (f)
        fclose(f);
    for (int v2only = 0; v2only <= (in_v2 ? 1 : 0); v2only++) {
        box_t *box = new_test_box();

        assert_int_equal(box_set_cgroup_backend(box, v2only ? BOX_CGROUP_BACKEND_V2
                                                             : BOX_CGROUP_BACKEND_AUTO), 0);
        assert_int_equal(box_set_limit(box, BOX_LIMIT_HUGETLB, 4 << 20), 0);
        assert_int_equal(box_spawn(box, argv), 0);
        assert_int_equal(box_limit_status(box, BOX_LIMIT_HUGETLB, where, sizeof where), 1);
        assert_non_null(strstr(where, "/hugetlb."));
        assert_non_null(strstr(where, in_v2 ? ".max" : ".limit_in_bytes"));
        f = fopen(where, "re");
        assert_non_null(f);
        assert_non_null(fgets(value, sizeof value, f));
        fclose(f);
        assert_string_equal(value, "4194304\n");
        assert_int_equal(box_kill(box, SIGKILL), 0);
        assert_int_equal(box_wait(box, -1, &st), 0);
        box_free(box);
    }
}

/* A limit whose file this host lacks (io weights need an io scheduler with weights, swap
 * limits swap accounting) fails the spawn, naming the file; best effort skips it and
 * box_limit_status says why. Where the host has the file, the limit is in force. */
static void test_best_effort_missing_file(void **state)
{
    static const box_limit_t limits[] = { BOX_LIMIT_IO_WEIGHT, BOX_LIMIT_SWAP };
    const char *const argv[] = { "true", NULL };
    char where[1024];
    box_status_t st;

    (void)state;
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        box_t *box = new_test_box();
        int r;

        assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
        assert_int_equal(box_set_limit(box, limits[i], limits[i] == BOX_LIMIT_SWAP ? 0 : 300),
                         0);
        r = box_spawn(box, argv);
        if (r == 0) { /* this host has it */
            assert_int_equal(box_limit_status(box, limits[i], where, sizeof where), 1);
            assert_int_equal(box_wait(box, -1, &st), 0);
            box_free(box);
            continue;
        }
        assert_int_equal(r, -ENOENT);
        assert_non_null(strstr(box_errmsg(box), "spawn: cgroup: write"));
        box_free(box);

        box = new_test_box();
        assert_int_equal(box_set_options(box, BOX_OPT_DIE_WITH_PARENT | BOX_OPT_NEW_SESSION |
                                                  BOX_OPT_LIMITS_BEST_EFFORT), 0);
        assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
        assert_int_equal(box_set_limit(box, limits[i], limits[i] == BOX_LIMIT_SWAP ? 0 : 300),
                         0);
        assert_int_equal(box_spawn(box, argv), 0);
        assert_int_equal(box_limit_status(box, limits[i], where, sizeof where), 0);
        assert_non_null(strstr(where, "not enforced: spawn: cgroup: write"));
        assert_int_equal(box_limit_status(box, BOX_LIMIT_MEMORY, where, sizeof where), 1);
        assert_int_equal(box_wait(box, -1, &st), 0);
        box_free(box);
    }
}

/* This process's cgroup directory in the v1 hierarchy of `controller`, or "" if none. */
static void own_v1_dir(const char *controller, char *out, size_t size)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[1024];
    size_t clen = strlen(controller);

    out[0] = '\0';
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char *ctl = strchr(line, ':');

        line[strcspn(line, "\n")] = '\0';
        if (ctl && strncmp(ctl + 1, controller, clen) == 0 && ctl[1 + clen] == ':')
            snprintf(out, size, "/sys/fs/cgroup/%s%s", controller, ctl + 2 + clen);
    }
    fclose(f);
    if (out[0] && access(out, W_OK) != 0)
        out[0] = '\0';
}

/* A crashed caller's box may have left processes in its stale cgroup (here: a child of
 * ours, moved into "<parent>/libbox-<dead pid>-0"): the next box kills them and removes
 * the cgroup. */
static void stale_with_process(const char *parent, int backend)
{
    char path[1024], procs[1100], pidtxt[32];
    box_t *box = new_test_box();
    box_status_t st;
    pid_t dead = fork(), orphan;
    siginfo_t si = { 0 };
    FILE *f;

    if (dead == 0)
        _exit(0);
    assert_true(dead > 0);
    waitpid(dead, NULL, 0);
    snprintf(path, sizeof path, "%s/libbox-%d-0", parent, (int)dead);
    assert_int_equal(mkdir(path, 0755), 0);
    orphan = fork();
    if (orphan == 0) {
        pause();
        _exit(0);
    }
    snprintf(procs, sizeof procs, "%s/cgroup.procs", path);
    snprintf(pidtxt, sizeof pidtxt, "%d", (int)orphan);
    f = fopen(procs, "we");
    assert_non_null(f);
    assert_true(fputs(pidtxt, f) >= 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(box_set_cgroup_backend(box, backend), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 16), 0);
    assert_int_equal(run_box(box, "true", NULL, 0, &st), 0);
    box_free(box);
    /* The orphan was SIGKILLed (reap it: it is our child) and the cgroup is gone. */
    for (int i = 0; i < 300 && si.si_pid == 0; i++) {
        assert_int_equal(waitid(P_PID, (id_t)orphan, &si, WEXITED | WNOHANG), 0);
        if (si.si_pid == 0)
            usleep(10000);
    }
    if (si.si_pid == 0) { /* not killed: end it ourselves, then fail */
        kill(orphan, SIGKILL);
        waitid(P_PID, (id_t)orphan, &si, WEXITED);
        rmdir(path);
        fail_msg("the process in the stale cgroup %s was not killed", path);
    }
    assert_int_equal(si.si_code, CLD_KILLED);
    assert_int_equal(si.si_status, SIGKILL);
    assert_int_equal(access(path, F_OK), -1);
}

static void test_stale_cgroup_processes_killed(void **state)
{
    box_features_t feat;
    char freezer[1024];

    (void)state;
    assert_int_equal(box_probe(&feat), 0);
    if (feat.cgroup_v2_path[0] && access(feat.cgroup_v2_path, W_OK) == 0)
        stale_with_process(feat.cgroup_v2_path, BOX_CGROUP_BACKEND_AUTO);
    else
        print_message("no writable cgroup v2 here: that case did not run\n");
    own_v1_dir("freezer", freezer, sizeof freezer);
    if (freezer[0])
        stale_with_process(freezer, BOX_CGROUP_BACKEND_V1);
    else
        print_message("no v1 freezer here: that case did not run\n");
}

static bool write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    bool ok = f && fputs(text, f) >= 0;

    return f ? (fclose(f) == 0 && ok) : false;
}

/* In a child (no cmocka asserts: the parent checks the code): move into `busy`, which then
 * holds a process and offers no controller to its children, and spawn there. A detached box
 * without limits wants memory only for its usage report: it spawns without it. A box with a
 * memory limit fails with -EBUSY, naming the cgroup file and the errno. */
static int spawn_in_busy_cgroup(const char *busy, const char *state_dir)
{
    const char *const sleeper[] = { "sleep", "600", NULL };
    const char *const argv[] = { "true", NULL };
    char procs[1200], pid[32], want[1300];
    box_t *box = NULL;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC), r;

    snprintf(procs, sizeof procs, "%s/cgroup.procs", busy);
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    if (devnull < 0 || !write_text(procs, pid))
        return 10;
    if (box_new(&box, 0) < 0 || box_set_root(box, test_rootfs, 0) < 0 ||
        box_pass_fd(box, devnull, 0) < 0 || box_pass_fd(box, devnull, 1) < 0 ||
        box_pass_fd(box, devnull, 2) < 0 || box_set_option(box, BOX_OPT_DETACH, 1) < 0 ||
        box_set_id(box, "busy") < 0 || box_set_state_dir(box, state_dir) < 0)
        return 11;
    if ((r = box_spawn(box, sleeper)) < 0) {
        fprintf(stderr, "detached box in %s: %d %s\n", busy, r, box_errmsg(box));
        return 12;
    }
    if (box_destroy(box) < 0) {
        fprintf(stderr, "destroy: %s\n", box_errmsg(box));
        return 13;
    }
    box_free(box);
    box = NULL;
    if (box_new(&box, 0) < 0 || box_set_root(box, test_rootfs, 0) < 0 ||
        box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20) < 0)
        return 14;
    r = box_spawn(box, argv);
    /* (the tail: libbox normalizes the path, "/sys/fs/cgroup/" + "/test-busy-N") */
    snprintf(want, sizeof want, "%s/cgroup.subtree_control", strrchr(busy, '/'));
    if (r != -EBUSY || !strstr(box_errmsg(box), want) || !strstr(box_errmsg(box), "+memory") ||
        !strstr(box_errmsg(box), strerror(EBUSY))) {
        fprintf(stderr, "memory limit in %s: %d %s\n", busy, r, box_errmsg(box));
        return 15;
    }
    box_free(box);
    /* Best effort: the limit is skipped, and box_limit_status says why. */
    box = NULL;
    if (box_new(&box, 0) < 0 || box_set_root(box, test_rootfs, 0) < 0 ||
        box_set_option(box, BOX_OPT_LIMITS_BEST_EFFORT, 1) < 0 ||
        box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20) < 0)
        return 16;
    if ((r = box_spawn(box, argv)) < 0 ||
        box_limit_status(box, BOX_LIMIT_MEMORY, want, sizeof want) != 0 ||
        !strstr(want, strerror(EBUSY)) || box_wait(box, -1, NULL) < 0) {
        fprintf(stderr, "best effort in %s: %d %s / %s\n", busy, r, box_errmsg(box), want);
        return 17;
    }
    box_free(box);
    close(devnull);
    return 0;
}

/* v2's no-internal-processes rule: the caller's cgroup holds a process (the caller) and
 * has no +memory in its cgroup.subtree_control, so no box cgroup below it can get the
 * memory controller. Only a limit needs it; the report's accounting goes without. */
static void test_busy_parent_cgroup(void **state)
{
    box_features_t feat;
    char busy[1100], state_dir[] = "/tmp/test-busy-XXXXXX", ctl[512] = "", path[1200];
    FILE *f;
    pid_t child;
    int status;

    (void)state;
    assert_int_equal(box_probe(&feat), 0);
    if (feat.cgroup_layout != BOX_CGROUP_V2 || !strstr(feat.cgroup_controllers, "memory"))
        skip_because("a pure cgroup v2 host with the memory controller");
    snprintf(busy, sizeof busy, "%s/test-busy-%d", feat.cgroup_v2_path, (int)getpid());
    assert_int_equal(mkdir(busy, 0755), 0);
    snprintf(path, sizeof path, "%s/cgroup.controllers", busy);
    assert_non_null(f = fopen(path, "re"));
    assert_non_null(fgets(ctl, sizeof ctl, f));
    fclose(f);
    assert_non_null(strstr(ctl, "memory")); /* offered to it, not (yet) by it */
    assert_non_null(mkdtemp(state_dir));
    fflush(NULL);
    child = fork();
    if (child == 0)
        _exit(spawn_in_busy_cgroup(busy, state_dir));
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_int_equal(rmdir(busy), 0); /* the boxes' cgroups are gone */
    assert_int_equal(rmdir(state_dir), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Give the cgroup directory `dir` and the files a delegate needs to nobody. */
static void delegate_to_nobody(const char *dir)
{
    static const char *const files[] = { "", "/cgroup.procs", "/cgroup.subtree_control",
                                         "/cgroup.threads", "/tasks" };
    char path[1200];

    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s%s", dir, files[i]);
        if (access(path, F_OK) == 0)
            assert_int_equal(chown(path, 65534, 65534), 0);
    }
}

/* As nobody, in the delegated tree: an exec with a cgroup of its own and its own pids
 * limit, below a box whose limit is higher. 0 if the exec's limit held. */
static int exec_in_delegated(const char *parent)
{
    static const box_exec_limit_t pids[] = { { BOX_LIMIT_PIDS, 4 } };
    const char *const sleeper[] = { "sleep", "60", NULL };
    const char *const bomb[] = { "sh", "-c", "while :; do sleep 5 & done", NULL };
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    box_proc_t *proc;
    box_status_t st;
    box_t *box = NULL;

    opts.limits = pids;
    opts.n_limits = 1;
    opts.stderr_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (box_new(&box, 0) < 0 || box_set_root(box, test_rootfs, 0) < 0 ||
        box_set_cgroup_parent(box, parent) < 0 || box_set_limit(box, BOX_LIMIT_PIDS, 64) < 0 ||
        box_spawn(box, sleeper) < 0 || box_exec(box, bomb, &opts, &proc) < 0) {
        fprintf(stderr, "delegated exec: %s\n", box_errmsg(box));
        return 14;
    }
    close(opts.stderr_fd);
    if (box_proc_wait(proc, -1, &st) < 0 || st.pids_limit_hits == 0) {
        fprintf(stderr, "delegated exec: end %d, %llu hits\n", st.end,
                (unsigned long long)st.pids_limit_hits);
        return 15;
    }
    box_proc_free(proc);
    box_kill(box, SIGKILL);
    box_wait(box, -1, &st);
    box_free(box);
    return 0;
}

/* In a child: become nobody inside the delegated cgroup, run a fork bomb under a pids
 * limit below `parent` (what box_set_cgroup_parent takes), return 0 if it was held; then
 * the same under an exec's own limit. */
static int rootless_in_delegated(const char *self_procs, const char *parent)
{
    const char *const argv[] = { "sh", "-c", "sh -c 'while :; do sleep 5 & done' 2>&-; "
                                             "set -- /proc/[0-9]*; echo $#", NULL };
    char out[256] = "", where[1024], pid[32];
    box_status_t st;
    box_t *box = NULL;
    int p[2];
    ssize_t n;

    snprintf(pid, sizeof pid, "%d", (int)getpid());
    if ((self_procs && !write_text(self_procs, pid)) || setgroups(0, NULL) < 0 ||
        setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0 ||
        prctl(PR_SET_DUMPABLE, 1) < 0 || box_new(&box, 0) < 0 || pipe2(p, 0) < 0)
        return 10;
    if (box_set_root(box, test_rootfs, 0) < 0 || box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0) ||
        box_set_cgroup_parent(box, parent) < 0 || box_set_limit(box, BOX_LIMIT_PIDS, 8) < 0 ||
        box_pass_fd(box, p[1], 1) < 0 || box_pass_fd(box, 2, 2) < 0 ||
        box_spawn(box, argv) < 0) {
        fprintf(stderr, "delegated box: %s\n", box_errmsg(box));
        return 11;
    }
    close(p[1]);
    n = read(p[0], out, sizeof out - 1);
    out[n > 0 ? n : 0] = '\0';
    if (box_limit_status(box, BOX_LIMIT_PIDS, where, sizeof where) != 1 ||
        !strstr(where, "/test-deleg-") || !strstr(where, "pids.max") ||
        box_wait(box, -1, &st) < 0)
        return 12;
    box_free(box);
    /* How many sleeps fit before the first refused fork varies (fewer than as root here,
     * not understood yet); what counts is that the limit refused forks. */
    if (atoi(out) < 1 || atoi(out) > 8 || st.pids_limit_hits == 0) {
        fprintf(stderr, "delegated box: %s processes, %llu hits\n", out,
                (unsigned long long)st.pids_limit_hits);
        return 13;
    }
    return exec_in_delegated(parent);
}

/* Rootless cgroup limits through delegation: root hands a cgroup to nobody (as systemd's
 * Delegate=yes does), nobody names it with box_set_cgroup_parent and its pids limit holds.
 * On cgroup v2 the caller itself must sit in the delegated subtree (a "self" leaf), or it
 * may not move the box across it; on v1 the pids hierarchy's directory is enough. */
static void test_delegated_cgroup_for_nobody(void **state)
{
    box_features_t feat;
    char deleg[1100], self[1200], self_procs[1300], parent[1100], own[1024] = "";
    const char *base;
    bool v2;
    pid_t child;
    int status;

    (void)state;
    assert_int_equal(box_probe(&feat), 0);
    v2 = feat.cgroup_layout == BOX_CGROUP_V2;
    if (v2) {
        base = feat.cgroup_v2_path;
    } else {
        own_v1_dir("pids", own, sizeof own);
        if (!own[0])
            skip_because("no v1 pids cgroup of our own (pure v2 host)");
        base = own;
    }
    snprintf(deleg, sizeof deleg, "%s/test-deleg-%d", base, (int)getpid());
    snprintf(self, sizeof self, "%s/self", deleg);
    snprintf(self_procs, sizeof self_procs, "%s/cgroup.procs", self);
    assert_int_equal(mkdir(deleg, 0755), 0);
    delegate_to_nobody(deleg);
    if (v2) {
        assert_int_equal(mkdir(self, 0755), 0);
        delegate_to_nobody(self);
        snprintf(parent, sizeof parent, "%s", deleg);
    } else {
        /* v1: relative to the hierarchy's root */
        snprintf(parent, sizeof parent, "%s", deleg + strlen("/sys/fs/cgroup/pids"));
    }
    fflush(NULL);
    child = fork();
    if (child == 0)
        _exit(rootless_in_delegated(v2 ? self_procs : NULL, parent));
    assert_int_equal(waitpid(child, &status, 0), child);
    if (v2)
        assert_int_equal(rmdir(self), 0);
    assert_int_equal(rmdir(deleg), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* box_device_rule, as root without a user namespace (where device nodes work): deny
 * everything, allow /dev/null (1:3) and only mknod for /dev/full (1:7). Inside, on a tmpfs
 * that allows devices, null is made and written, full is made but cannot be opened
 * (EPERM), zero (1:5) cannot even be made. Enforced by the v1 devices controller on a
 * hybrid host, by a BPF device program on a cgroup v2 host, and by the program with
 * BOX_CGROUP_BACKEND_V2 on a hybrid host too. The same commands in a box without rules all
 * work, so the refusals are the rules'. */
static void test_device_rules(void **state)
{
    const char *script =
        "cd /tmp; mknod null c 1 3 && echo x >null && echo null-ok; "
        "mknod full c 1 7 && echo full-made; (echo x >full) 2>&1 | grep -o 'not permitted'; "
        "mknod zero c 1 5 2>&1 | grep -o 'not permitted'; "
        "stat -c '%a %g %t:%T' /dev/sub/full; "
        "(echo x >/dev/sub/full) 2>&1 | grep -o -e 'not permitted' -e 'No space left'; "
        "echo done";
    char out[512];
    box_status_t st;

    (void)state;
    for (int rules = 2; rules >= 0; rules--) {
        box_t *box = new_test_box();

        assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~BOX_NS_USER), 0);
        assert_int_equal(box_cap_keep(box, "CAP_MKNOD"), 0);
        assert_int_equal(box_mount_tmpfs(box, "/tmp", 0, 0755, BOX_MOUNT_DEVICES), 0);
        /* box_mknod: made by libbox in its /dev, in a directory it makes too */
        assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
        assert_int_equal(box_mknod(box, "/dev/sub/full", S_IFCHR | 0620, 1, 7, 0, 5), 0);
        if (rules == 2)
            assert_int_equal(box_set_cgroup_backend(box, BOX_CGROUP_BACKEND_V2), 0);
        if (rules) {
            assert_int_equal(box_device_rule(box, 0, 'a', -1, -1, BOX_DEVICE_ALL), 0);
            assert_int_equal(box_device_rule(box, 1, 'c', 1, 3, BOX_DEVICE_ALL), 0);
            assert_int_equal(box_device_rule(box, 1, 'c', 1, 7, BOX_DEVICE_MKNOD), 0);
        }
        if (run_box(box, script, out, sizeof out, &st) != 0)
            fail_msg("spawn: %s", box_errmsg(box));
        assert_string_equal(out, rules ? "null-ok\nfull-made\nnot permitted\nnot permitted\n"
                                         "620 5 1:7\nnot permitted\ndone\n"
                                       : "null-ok\nfull-made\n620 5 1:7\nNo space left\n"
                                         "done\n");
        box_free(box);
    }
}

/* As many rules as an OCI runtime's default list and more (runc's is about 20): the
 * program is verified without a log buffer, which a big one would overflow (-ENOSPC from
 * Linux 6.4 on, where a full log fails the load of a correct program). */
static void test_many_device_rules(void **state)
{
    const char *script = "echo x >/dev/null && echo null-ok; "
                         "(echo x >/dev/full) 2>&1 | grep -o 'not permitted'";
    char out[512];
    box_status_t st;
    box_t *box = new_test_box();

    (void)state;
    assert_int_equal(box_set_namespaces(box, BOX_NS_ALL & ~BOX_NS_USER), 0);
    assert_int_equal(box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0), 0);
    assert_int_equal(box_set_cgroup_backend(box, BOX_CGROUP_BACKEND_V2), 0);
    assert_int_equal(box_device_rule(box, 0, 'a', -1, -1, BOX_DEVICE_ALL), 0);
    for (int minor = 100; minor < 160; minor++)
        assert_int_equal(box_device_rule(box, 1, 'c', 10, minor, BOX_DEVICE_ALL), 0);
    assert_int_equal(box_device_rule(box, 1, 'c', 1, 3, BOX_DEVICE_ALL), 0);
    if (run_box(box, script, out, sizeof out, &st) != 0)
        fail_msg("spawn: %s", box_errmsg(box));
    assert_string_equal(out, "null-ok\nnot permitted\n");
    box_free(box);
}

/* Device rules need root (the v1 devices hierarchy, or loading a BPF program): a rootless
 * box with rules fails to spawn, even best effort, and leaves nothing behind; so does
 * box_mknod in a user namespace, which says what to do instead. */
static void test_rootless_device_rules(void **state)
{
    const char *const argv[] = { "true", NULL };
    box_t *box = new_test_box();
    int r;

    (void)state;
    assert_int_equal(box_device_rule(box, 0, 'a', -1, -1, BOX_DEVICE_ALL), 0);
    assert_int_equal(box_set_option(box, BOX_OPT_LIMITS_BEST_EFFORT, 1), 0);
    assert_true(box_spawn(box, argv) < 0);
    assert_non_null(strstr(box_errmsg(box), "devices"));
    box_free(box);

    box = new_test_box();
    assert_int_equal(box_mknod(box, "/dev/full2", S_IFCHR | 0666, 1, 7, 0, 0), 0);
    r = box_spawn(box, argv);
    assert_true(r == -EPERM || r == -EACCES);
    assert_non_null(strstr(box_errmsg(box), "spawn: mknod /dev/full2 (1:7)"));
    assert_non_null(strstr(box_errmsg(box), "a user namespace cannot make device nodes"));
    box_free(box);
    assert_int_equal(box_new(&box, 0), 0);
    assert_int_equal(box_mknod(box, "/dev/x", S_IFREG | 0666, 1, 7, 0, 0), -EINVAL);
    assert_int_equal(box_mknod(box, "/dev/x", S_IFCHR | 0666, 4096, 7, 0, 0), -EINVAL);
    assert_int_equal(box_mknod(box, "dev/x", S_IFCHR | 0666, 1, 7, 0, 0), -EINVAL);
    assert_int_equal(box_mknod(box, "/", S_IFCHR | 0666, 1, 7, 0, 0), -EINVAL);
    assert_int_equal(box_mknod(box, "/../x", S_IFCHR | 0666, 1, 7, 0, 0), -EXDEV);
    box_free(box);
}

/* The box's first process is in every one of its cgroups before it runs the program (v1
 * ones it enters itself, STEP_CGROUP_JOIN), also where it is forked into joined
 * namespaces (FORK): read from /proc/PID/cgroup outside the box's cgroup namespace. */
static void test_first_process_in_its_cgroups(void **state)
{
    const char *const argv[] = { "sleep", "60", NULL };

    (void)state;
    for (int join = 0; join < 2; join++) {
        box_t *box = new_test_box();
        char path[64], line[1024];
        int in = 0, lines = 0;
        box_status_t st;
        FILE *f;

        assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
        assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 16), 0);
        if (join)
            assert_int_equal(box_join_namespace_path(box, BOX_NS_NET, "/proc/self/ns/net"), 0);
        assert_int_equal(box_spawn(box, argv), 0);
        snprintf(path, sizeof path, "/proc/%d/cgroup", (int)box_pid(box));
        f = fopen(path, "re");
        assert_non_null(f);
        while (fgets(line, sizeof line, f)) {
            char *ctl = strchr(line, ':');

            if (!ctl || strncmp(ctl + 1, "name=", 5) == 0)
                continue;
            /* memory, pids, and (hybrid or v2) the unified line hold the box's cgroups */
            if (strncmp(ctl + 1, "memory:", 7) == 0 || strncmp(ctl + 1, "pids:", 5) == 0 ||
                strncmp(ctl + 1, ":", 1) == 0) {
                lines++;
                in += strstr(line, "/libbox-") != NULL;
            }
        }
        fclose(f);
        assert_true(lines >= 1);
        assert_int_equal(in, lines);
        assert_int_equal(box_kill(box, SIGKILL), 0);
        assert_int_equal(box_wait(box, -1, &st), 0);
        box_free(box);
    }
}

/* ---- box_cgroup_pool ---- */

/* The text of `file` in the directory of the file a limit of the box is written to. */
static void limit_dir_file(box_t *box, box_limit_t limit, const char *file, char *out,
                           size_t size)
{
    char where[512], path[700];
    FILE *f;

    assert_int_equal(box_limit_status(box, limit, where, sizeof where), 1);
    *strrchr(where, '/') = '\0';
    snprintf(path, sizeof path, "%s/%s", where, file);
    f = fopen(path, "re");
    assert_non_null(f);
    assert_non_null(fgets(out, (int)size, f));
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

static box_t *pool_box(box_cgroup_pool_t *pool, uint64_t memory, uint64_t pids)
{
    box_t *box = box_with_dev();

    assert_int_equal(box_set_cgroup_pool(box, pool), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, memory), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_SWAP, 0), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, pids), 0);
    return box;
}

/* Is the memory controller of this host's boxes on v1 (where a pool reuses cgroups)? */
static bool memory_on_v1(box_t *box)
{
    char where[512];

    assert_int_equal(box_limit_status(box, BOX_LIMIT_MEMORY, where, sizeof where), 1);
    return strstr(where, "memory.limit_in_bytes") != NULL;
}

/* Boxes of one pool run in the same cgroups one after the other, and each finds them as
 * new: its own limits, no peak, OOM kill, refused fork or cpu time of the boxes before. */
static void test_pool_reuse_is_clean(void **state)
{
    box_cgroup_pool_t *pool;
    char where[3][512], text[64], out[64];
    box_status_t st[3];
    box_t *box;

    (void)state;
    assert_int_equal(box_cgroup_pool_new(&pool, 4), 0);
    /* 1: forks until the pids limit refuses them */
    box = pool_box(pool, 32 << 20, 8);
    assert_int_equal(run_box(box, "sh -c 'while :; do sleep 5 & done' 2>&-; echo done", out,
                             sizeof out, &st[0]), 0);
    assert_true(st[0].pids_limit_hits > 0);
    assert_int_equal(box_limit_status(box, BOX_LIMIT_MEMORY, where[0], sizeof where[0]), 1);
    if (!memory_on_v1(box)) { /* v2 memory.peak cannot be cleared: nothing is kept */
        box_free(box);
        assert_int_equal(box_cgroup_pool_idle(pool), 0);
        box_cgroup_pool_free(pool);
        return;
    }
    box_free(box);
    assert_int_equal(box_cgroup_pool_idle(pool), 1);
    assert_true(count_box_cgroups() > 0); /* kept, until the pool is freed */
    /* 2: OOM-killed, in the same cgroups */
    box = pool_box(pool, 32 << 20, 8);
    assert_int_equal(run_box(box, "x=$(head -c 200000000 /dev/zero | tr '\\0' a)", NULL, 0,
                             &st[1]), 0);
    assert_int_equal(box_cgroup_pool_idle(pool), 1); /* back after box_wait */
    assert_int_equal(st[1].end, BOX_END_OOM);
    assert_true(st[1].oom_kills >= 1);
    assert_int_equal(st[1].pids_limit_hits, 0);
    assert_int_equal(box_limit_status(box, BOX_LIMIT_MEMORY, where[1], sizeof where[1]), 1);
    assert_string_equal(where[1], where[0]);
    box_free(box);
    /* 3: other limits of the same shape, a program that does almost nothing */
    box = pool_box(pool, 64 << 20, 16);
    assert_int_equal(box_spawn(box, (const char *const[]){ "sleep", "1", NULL }), 0);
    assert_int_equal(box_cgroup_pool_idle(pool), 0);
    assert_int_equal(box_limit_status(box, BOX_LIMIT_MEMORY, where[2], sizeof where[2]), 1);
    assert_string_equal(where[2], where[0]);
    limit_file_text(box, BOX_LIMIT_MEMORY, text, sizeof text);
    assert_string_equal(text, "67108864");
    limit_file_text(box, BOX_LIMIT_PIDS, text, sizeof text);
    assert_string_equal(text, "16");
    assert_int_equal(box_wait(box, -1, &st[2]), 0);
    assert_int_equal(st[2].end, BOX_END_EXITED);
    assert_int_equal(st[2].oom_kills, 0);
    assert_int_equal(st[2].pids_limit_hits, 0);
    assert_true(st[2].memory_peak_bytes < st[1].memory_peak_bytes / 2);
    assert_true(st[2].cpu_user_us + st[2].cpu_system_us <
                st[1].cpu_user_us + st[1].cpu_system_us);
    /* what the box left is reset: no limit in force until the next box */
    limit_file_text(box, BOX_LIMIT_MEMORY, text, sizeof text);
    assert_true(strtoull(text, NULL, 10) > (1ull << 60));
    box_free(box);
    box_cgroup_pool_free(pool); /* removes them: cg_teardown counts none */
}

/* What box_update_limit changed in a pooled cgroup is undone for the next box, and a limit
 * the next box does not set is not in force in it. */
static void test_pool_update_limit_reset(void **state)
{
    const char *const argv[] = { "sleep", "60", NULL };
    const char *const short_argv[] = { "sleep", "1", NULL };
    box_cgroup_pool_t *pool;
    char text[64];
    box_status_t st;
    box_t *box;

    (void)state;
    assert_int_equal(box_cgroup_pool_new(&pool, 1), 0);
    box = pool_box(pool, 32 << 20, 8);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_WEIGHT, 50), 0);
    assert_int_equal(box_spawn(box, short_argv), 0);
    if (!memory_on_v1(box)) {
        box_free(box);
        box_cgroup_pool_free(pool);
        return;
    }
    assert_int_equal(box_update_limit(box, BOX_LIMIT_MEMORY_HIGH, 16 << 20), 0);
    assert_int_equal(box_update_limit(box, BOX_LIMIT_PIDS, 5), 0);
    assert_int_equal(box_wait(box, -1, &st), 0); /* ends by itself: a killed one's go */
    assert_int_equal(st.end, BOX_END_EXITED);
    box_free(box);
    assert_int_equal(box_cgroup_pool_idle(pool), 1);
    /* the same shape (memory, pids, cpu), without the swap, soft memory and weight */
    box = box_with_dev();
    assert_int_equal(box_set_cgroup_pool(box, pool), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 48 << 20), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_PIDS, 7), 0);
    assert_int_equal(box_set_limit(box, BOX_LIMIT_CPU_MILLIS, 500), 0);
    assert_int_equal(box_spawn(box, argv), 0);
    assert_int_equal(box_cgroup_pool_idle(pool), 0);
    limit_file_text(box, BOX_LIMIT_PIDS, text, sizeof text);
    assert_string_equal(text, "7");
    limit_dir_file(box, BOX_LIMIT_MEMORY, "memory.soft_limit_in_bytes", text, sizeof text);
    assert_true(strtoull(text, NULL, 10) > (1ull << 60));
    limit_dir_file(box, BOX_LIMIT_MEMORY, "memory.memsw.limit_in_bytes", text, sizeof text);
    assert_true(strtoull(text, NULL, 10) > (1ull << 60));
    limit_dir_file(box, BOX_LIMIT_CPU_MILLIS, "cpu.shares", text, sizeof text);
    assert_string_equal(text, "1024");
    assert_int_equal(box_kill(box, SIGKILL), 0);
    assert_int_equal(box_wait(box, -1, &st), 0);
    box_free(box);
    box_cgroup_pool_free(pool);
}

/* The pool keeps at most max_idle sets; trim removes the rest; a pool freed before its box
 * leaves that box to remove its own cgroups; a box of another shape gets cgroups of its
 * own. */
static void test_pool_limits_and_free(void **state)
{
    const char *const argv[] = { "true", NULL };
    box_cgroup_pool_t *pool;
    box_t *box[3];
    box_status_t st;

    (void)state;
    assert_int_equal(box_cgroup_pool_new(&pool, 2), 0);
    for (int i = 0; i < 3; i++) {
        box[i] = pool_box(pool, 32 << 20, 8);
        assert_int_equal(box_spawn(box[i], argv), 0);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(box_wait(box[i], -1, &st), 0);
        if (i == 0 && !memory_on_v1(box[i])) {
            for (int j = 0; j < 3; j++)
                box_free(box[j]);
            box_cgroup_pool_free(pool);
            return;
        }
        box_free(box[i]);
    }
    assert_int_equal(box_cgroup_pool_idle(pool), 2);
    assert_int_equal(box_cgroup_pool_trim(pool, 1), 1);
    assert_int_equal(box_cgroup_pool_idle(pool), 1);
    /* another shape: no pids limit */
    box[0] = box_with_dev();
    assert_int_equal(box_set_cgroup_pool(box[0], pool), 0);
    assert_int_equal(box_set_limit(box[0], BOX_LIMIT_CPU_MILLIS, 500), 0);
    assert_int_equal(box_spawn(box[0], argv), 0);
    assert_int_equal(box_cgroup_pool_idle(pool), 1);
    assert_int_equal(box_wait(box[0], -1, &st), 0);
    assert_int_equal(box_cgroup_pool_idle(pool), 2);
    box_free(box[0]);
    /* a box killed through its cgroup: its cgroups are removed, not kept */
    box[0] = pool_box(pool, 32 << 20, 8);
    assert_int_equal(box_spawn(box[0], (const char *const[]){ "sleep", "60", NULL }), 0);
    assert_int_equal(box_cgroup_pool_idle(pool), 1);
    assert_int_equal(box_kill(box[0], SIGKILL), 0);
    assert_int_equal(box_wait(box[0], -1, &st), 0);
    assert_int_equal(box_cgroup_pool_idle(pool), 1);
    box_free(box[0]);
    /* freed while a box of it runs: that box's cgroups go when it ends */
    box[0] = pool_box(pool, 32 << 20, 8);
    assert_int_equal(box_spawn(box[0], argv), 0);
    box_cgroup_pool_free(pool);
    assert_int_equal(box_wait(box[0], -1, &st), 0);
    assert_int_equal(count_box_cgroups(), 0);
    box_free(box[0]);
}

/* The pool's arguments; rootless (no writable cgroup) a pool changes nothing. */
static void test_pool_arguments(void **state)
{
    const char *const argv[] = { "true", NULL };
    box_cgroup_pool_t *pool;
    box_status_t st;
    box_t *box = new_test_box();

    (void)state;
    assert_int_equal(box_cgroup_pool_new(NULL, 1), -EINVAL);
    assert_int_equal(box_cgroup_pool_new(&pool, 0), -EINVAL);
    assert_int_equal(box_cgroup_pool_new(&pool, 65537), -EINVAL);
    assert_int_equal(box_cgroup_pool_trim(NULL, 0), -EINVAL);
    assert_int_equal(box_cgroup_pool_idle(NULL), -EINVAL);
    assert_int_equal(box_set_cgroup_pool(NULL, NULL), -EINVAL);
    box_cgroup_pool_free(NULL);
    assert_int_equal(box_cgroup_pool_new(&pool, 1), 0);
    assert_int_equal(box_set_cgroup_pool(box, pool), 0);
    assert_int_equal(box_set_cgroup_pool(box, NULL), 0);
    assert_int_equal(box_set_cgroup_pool(box, pool), 0);
    assert_int_equal(box_spawn(box, argv), 0); /* no cgroup limit: no cgroup */
    assert_int_equal(box_set_cgroup_pool(box, NULL), -EBUSY);
    assert_int_equal(box_wait(box, -1, &st), 0);
    assert_int_equal(box_cgroup_pool_idle(pool), 0);
    box_free(box);
    if (getuid() != 0) {
        box = new_test_box();
        assert_int_equal(box_set_cgroup_pool(box, pool), 0);
        assert_int_equal(box_set_limit(box, BOX_LIMIT_MEMORY, 64 << 20), 0);
        assert_true(box_spawn(box, argv) < 0);
        assert_non_null(strstr(box_errmsg(box), "cgroup memory"));
        box_free(box);
        assert_int_equal(box_cgroup_pool_idle(pool), 0);
    }
    box_cgroup_pool_free(pool);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest root_tests[] = {
        cmocka_unit_test_setup_teardown(test_memory_oom, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_oom_of_a_helper, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_pids_limit, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_cpu_bandwidth, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_cpu_time_limit, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_sleeping_wall_limit_with_cgroup, cg_setup,
                                        cg_teardown),
        cmocka_unit_test_setup_teardown(test_free_running_box_removes_cgroup, cg_setup,
                                        cg_teardown),
        cmocka_unit_test_setup_teardown(test_limit_status, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_cgroup_mount, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_kill_whole_box_without_pidns, cg_setup,
                                        cg_teardown),
        cmocka_unit_test_setup_teardown(test_kill_whole_box_v1_freezer, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_backend_v2_only, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_pause_resume, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_pause_needs_cgroup, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_update_limit, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_update_limit_held, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_update_limit_oom, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_missing_cgroup_parent, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_update_memory_with_swap, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_hugetlb_limit, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_best_effort_missing_file, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_delegated_cgroup_for_nobody, cg_setup,
                                        cg_teardown),
        cmocka_unit_test_setup_teardown(test_busy_parent_cgroup, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_stale_cgroups_removed, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_stale_cgroup_processes_killed, cg_setup,
                                        cg_teardown),
        cmocka_unit_test_setup_teardown(test_cpuset, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_io_limit, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_device_rules, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_many_device_rules, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_first_process_in_its_cgroups, cg_setup,
                                        cg_teardown),
        cmocka_unit_test_setup_teardown(test_pool_reuse_is_clean, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_pool_update_limit_reset, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_pool_limits_and_free, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_pool_arguments, cg_setup, cg_teardown),
    };
    const struct CMUnitTest rootless_tests[] = {
        cmocka_unit_test_setup_teardown(test_rootless_cgroup_error, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_rootless_best_effort, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_rootless_cgroup_mount, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_rootless_device_rules, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_pause_needs_cgroup, cg_setup, cg_teardown),
        cmocka_unit_test_setup_teardown(test_pool_arguments, cg_setup, cg_teardown),
    };

    return test_main(argc, argv, root_tests, sizeof root_tests / sizeof root_tests[0],
                     rootless_tests, sizeof rootless_tests / sizeof rootless_tests[0]);
}
