/* boxoci's config.json cost (not a test): parse + apply of a bundle's config.json onto a
 * fresh box, and the seccomp filter compiled from it (box_seccomp_export, the same compile
 * box_spawn does), averaged over N rounds, three ways:
 *   cold:  each round in a fresh process without a cache directory (what every container
 *          paid before box_seccomp_cache_dir: libseccomp builds the filter);
 *   disk:  each round in a fresh process with a cache directory (boxoci: one process per
 *          container; the first round builds and writes the file, the others read it);
 *   warm:  the rounds in one process (its in-memory cache after the first).
 * Usage: oci-config BUNDLE [N] */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oci-config.h"

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* One parse + apply + compile; t[0..2] += the three times. */
static int round_once(const char *bundle, const char *cache, int devnull, double t[3])
{
    const struct oci_host host = { .hugepage_size = 2u << 20, .seccomp_cache_dir = cache };
    char err[OCI_ERR_MAX];
    struct oci_config *cfg;
    box_t *box;
    double t0;

    t0 = now_us();
    if (oci_config_load(bundle, &cfg, err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    t[0] += now_us() - t0;
    if (box_new(&box, 0) < 0)
        return -1;
    t0 = now_us();
    if (oci_config_apply(cfg, &host, box, err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    t[1] += now_us() - t0;
    t0 = now_us();
    box_seccomp_export(box, devnull, 0); /* -ENOENT without a filter: then 0 us */
    t[2] += now_us() - t0;
    box_free(box);
    oci_config_free(cfg);
    return 0;
}

/* The same in a fresh child process (an empty in-memory cache). */
static int round_forked(const char *bundle, const char *cache, int devnull, double t[3])
{
    double got[3] = { 0 };
    int p[2], status;
    pid_t pid;

    if (pipe(p) < 0 || (pid = fork()) < 0)
        return -1;
    if (pid == 0) {
        close(p[0]);
        _exit(round_once(bundle, cache, devnull, got) < 0 ||
              write(p[1], got, sizeof got) != sizeof got);
    }
    close(p[1]);
    if (read(p[0], got, sizeof got) != sizeof got)
        got[0] = -1;
    close(p[0]);
    if (waitpid(pid, &status, 0) < 0 || status != 0 || got[0] < 0)
        return -1;
    for (int i = 0; i < 3; i++)
        t[i] += got[i];
    return 0;
}

static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;

    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, "..")))
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    rmdir(path);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    static const char *const name[] = { "cold (fresh process, no cache)",
                                        "disk (fresh process, cache directory)",
                                        "warm (one process)" };
    int n = argc > 2 ? atoi(argv[2]) : 200, devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    char cache[] = "/tmp/oci-config-bench.XXXXXX";
    double t[3][3] = { { 0 } }, *compile[3];
    int r = 0;

    if (argc < 2 || n <= 1 || devnull < 0 || !mkdtemp(cache)) {
        fprintf(stderr, "usage: oci-config BUNDLE [N > 1]\n");
        return 2;
    }
    for (int k = 0; k < 3; k++)
        if (!(compile[k] = calloc((size_t)n, sizeof(double))))
            return 1;
    /* cold and disk alternate (the same load on both); warm comes last, since a child
     * forked after it would inherit this process's cache. */
    for (int k = 0; k < 3 && r == 0; k += 2)
        for (int i = 0; i < n && r == 0; i++)
            for (int j = k; j < (k ? 3 : 2) && r == 0; j++) {
                double before = t[j][2];

                r = j < 2 ? round_forked(argv[1], j ? cache : NULL, devnull, t[j])
                          : round_once(argv[1], NULL, devnull, t[j]);
                compile[j][i] = t[j][2] - before;
            }
    remove_dir(cache);
    if (r < 0) {
        fprintf(stderr, "oci-config: a round failed\n");
        return 1;
    }
    printf("%d rounds each; seccomp compile: the first round, then the median of the others\n",
           n);
    for (int k = 0; k < 3; k++) {
        double first = compile[k][0];

        qsort(compile[k] + 1, (size_t)n - 1, sizeof(double), cmp_double);
        printf("%-38s read+parse %6.1f us, apply %6.1f us, compile first %8.1f us, "
               "median %8.1f us\n", name[k], t[k][0] / n, t[k][1] / n, first,
               compile[k][1 + (n - 1) / 2]);
        free(compile[k]);
    }
    return 0;
}
