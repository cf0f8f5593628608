/* A contest-grader style judge: run a submission in a box on ROOTFS with INPUT as its
 * stdin, compare its stdout byte for byte with EXPECTED and print one verdict line:
 *   OK|WA|TLE|MLE time=0.012s wall=0.015s mem=1.2MiB      RE exit=N | RE signal=N ...
 * Usage: judge [--time SEC] [--mem MiB] ROOTFS INPUT EXPECTED -- PROGRAM [ARGS]
 * Limits: cpu time (cgroup; wall = 3x), memory (cgroup), 64 pids. Where no cgroup can be
 * written (rootless), it retries with BOX_OPT_LIMITS_BEST_EFFORT and per-process rlimits
 * instead: RLIMIT_CPU for the time, and for the memory RLIMIT_AS at twice the limit as a
 * safety cap, with the verdict from the box's own peak resident set: BOX_OPT_INIT makes
 * box-init measure it (max_rss_bytes; without box-init it would be 0 whenever the box
 * stayed below the judge's own peak), and MLE is a peak above the limit.
 * Exit: 0 for OK, 1 for any other verdict, 2 for usage or setup errors. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <box.h>

/* Build and spawn the box; NULL on failure (the message is left in *err). */
static box_t *make_box(char **argv, int in, int out, double sec, uint64_t mib, int fallback,
                       char *err, size_t errsize)
{
    box_t *box;
    if (box_new(&box, 0) < 0) {
        snprintf(err, errsize, "box_new failed");
        return NULL;
    }
    if (box_set_root(box, argv[0], BOX_ROOT_READONLY) < 0 ||
        box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0) < 0 ||
        box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0) < 0 ||
        box_mount_tmpfs(box, "/tmp", 64 << 20, 01777, 0) < 0 ||
        box_pass_fd(box, in, 0) < 0 || box_pass_fd(box, out, 1) < 0 ||
        box_pass_fd(box, 2, 2) < 0 ||
        box_set_limit(box, BOX_LIMIT_CPU_TIME_MS, (uint64_t)(sec * 1000)) < 0 ||
        box_set_limit(box, BOX_LIMIT_WALL_MS, (uint64_t)(sec * 3000)) < 0 ||
        box_set_limit(box, BOX_LIMIT_MEMORY, mib << 20) < 0 ||
        box_set_limit(box, BOX_LIMIT_PIDS, 64) < 0 ||
        (fallback && /* rootless: skip what needs a cgroup, limit each process instead */
         (box_set_option(box, BOX_OPT_LIMITS_BEST_EFFORT, 1) < 0 ||
          box_set_option(box, BOX_OPT_INIT, 1) < 0 ||
          box_set_limit(box, BOX_LIMIT_CPU, (uint64_t)sec + 1) < 0 || /* whole seconds */
          box_set_limit(box, BOX_LIMIT_AS, mib << 21) < 0)) ||
        box_spawn(box, (const char *const *)argv + 4) < 0) {
        snprintf(err, errsize, "%s", box_errmsg(box));
        box_free(box);
        return NULL;
    }
    return box;
}

/* Is the program's output (fd out) byte for byte the EXPECTED file? */
static int same_output(int out, const char *expected)
{
    FILE *a = fdopen(dup(out), "r"), *b = fopen(expected, "r");
    int ca = 0, cb = 1;
    if (a && b) {
        rewind(a);
        do {
            ca = getc(a);
            cb = getc(b);
        } while (ca == cb && ca != EOF);
    }
    if (a)
        fclose(a);
    if (b)
        fclose(b);
    return ca == cb;
}

int main(int argc, char **argv)
{
    double sec = 1.0, cpu;
    uint64_t mib = 256;
    box_status_t st;
    box_t *box;
    char err[1024] = "box_new failed";
    FILE *tmp;
    int in, out, fallback = 0;

    for (; argc > 2 && argv[1][0] == '-' && argv[1][1] == '-' && argv[1][2]; argc -= 2, argv += 2) {
        if (!strcmp(argv[1], "--time"))
            sec = atof(argv[2]);
        else if (!strcmp(argv[1], "--mem"))
            mib = strtoull(argv[2], NULL, 10);
        else
            break;
    }
    if (argc < 6 || strcmp(argv[4], "--") || sec <= 0 || mib == 0) {
        fprintf(stderr, "usage: judge [--time SEC] [--mem MiB] ROOTFS INPUT EXPECTED -- PROGRAM [ARGS]\n");
        return 2;
    }
    argv++; /* argv[0] ROOTFS, [1] INPUT, [2] EXPECTED, [3] "--", [4...] PROGRAM */
    if (!(argv[0] = realpath(argv[0], NULL))) { /* libbox wants an absolute path */
        perror("judge: ROOTFS");
        return 2;
    }
    if ((in = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0 || !(tmp = tmpfile())) {
        perror("judge: input or temporary file");
        return 2;
    }
    out = fileno(tmp); /* the program's stdout; compared with EXPECTED afterwards */
    box = make_box(argv, in, out, sec, mib, 0, err, sizeof err);
    if (!box && strstr(err, "cgroup")) /* no writable cgroup: retry with rlimits */
        box = make_box(argv, in, out, sec, mib, fallback = 1, err, sizeof err);
    if (!box) {
        fprintf(stderr, "judge: %s\n", err);
        return 2;
    }
    if (box_wait(box, -1, &st) < 0) {
        fprintf(stderr, "judge: %s\n", box_errmsg(box));
        return 2;
    }
    box_free(box);

    cpu = (st.cpu_user_us + st.cpu_system_us) / 1e6;
    char verdict[32] = "OK";
    if (st.end == BOX_END_OOM || st.oom_kills > 0 ||
        (fallback && st.max_rss_bytes > mib << 20)) /* without a cgroup: the box's own peak */
        strcpy(verdict, "MLE");
    else if (st.end == BOX_END_CPU_TIME || st.end == BOX_END_WALL_TIME || st.signal == SIGXCPU ||
             cpu > sec) /* cpu > sec also catches the SIGKILL at RLIMIT_CPU */
        strcpy(verdict, "TLE");
    else if (st.pids_limit_hits > 0 && !(st.end == BOX_END_EXITED && st.exit_code == 0))
        strcpy(verdict, "RE fork"); /* it ran out of processes */
    else if (st.end == BOX_END_EXITED && st.exit_code != 0)
        snprintf(verdict, sizeof verdict, "RE exit=%d", st.exit_code);
    else if (st.end != BOX_END_EXITED)
        snprintf(verdict, sizeof verdict, "RE signal=%d", st.signal);
    else if (!same_output(out, argv[2]))
        strcpy(verdict, "WA");
    printf("%s time=%.3fs wall=%.3fs mem=%.1fMiB\n", verdict, cpu, st.wall_us / 1e6,
           (st.memory_peak_bytes ? st.memory_peak_bytes : st.max_rss_bytes) / 1048576.0);
    return strcmp(verdict, "OK") != 0;
}
