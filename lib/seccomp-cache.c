/* seccomp-cache: compiled seccomp filters kept by the rule set they came from.
 *
 * libseccomp is slow on large rule sets: for podman's default profile (437 names over three
 * ABIs) its rule adds and its BPF generation take 15-40 ms together, in every process that
 * builds the filter, while installing the result costs about 0.1 ms. The filter depends
 * only on its inputs (the rules, the default list, libseccomp's version and API level, and
 * the format of libbox's own building, SECCOMP_CACHE_FORMAT in seccomp.c), so seccomp.c
 * writes those down as a key (a byte string) and looks here first:
 *
 *   - in this process: the last CACHE_SLOTS filters built, for callers that spawn many
 *     boxes (and box_exec, which builds the filter again);
 *   - on disk, when the caller named a directory (box_seccomp_cache_dir): one file per
 *     rule set, for front ends that start one process per container (boxoci).
 *
 * An entry is found by a 64-bit FNV-1a hash of the key and used only if its key is the
 * same byte for byte: no collision, chosen by the author of a rule set or not, can hand one
 * box another's filter. (A cryptographic digest would do too, but OpenSSL's first use costs
 * a process about a millisecond, more than the whole cached load.) A cache file holds a
 * magic, the key's and the program's lengths, the key, the program and an FNV-1a checksum
 * of all that (against torn or damaged files); one that disagrees is ignored. The
 * directory and its files must belong to the caller's effective uid and be writable by
 * nobody else: whoever could write there could weaken the filter of every box, so a
 * directory or file that fails the check is never read. Files are written under a unique
 * name and renamed into place, so concurrent writers and readers see whole files only.
 * libbox never removes them; deleting the directory at any time is safe. Every cache
 * failure (no directory, a full disk) only means the filter is built again. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/filter.h>

#include "box-private.h"

#define CACHE_SLOTS 16
#define FILE_MAGIC "LIBBOXS2"
#define HEAD (8 + 4 + 4) /* magic, key length, program length */
#define KEY_MAX (1u << 24)

struct slot {
    unsigned char *key; /* NULL: empty slot */
    size_t key_len;
    struct sock_filter *bpf;
    unsigned short len;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[CACHE_SLOTS]; /* kept for the life of the process */
static unsigned next_slot;

static uint64_t fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

/* The directory or file behind fd may hold a filter of ours: the caller's, writable by it
 * only. */
static bool trusted(int fd, bool dir)
{
    struct stat st;

    return fstat(fd, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) &&
           st.st_uid == geteuid() && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

static int open_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd >= 0 && !trusted(fd, true)) {
        close(fd);
        return -EPERM;
    }
    return fd >= 0 ? fd : -errno;
}

BOX_API int box_seccomp_cache_dir(box_t *box, const char *dir)
{
    int r = box__check_configurable(box, "seccomp_cache_dir");
    char *copy = NULL;

    if (r < 0)
        return r;
    if (dir) {
        if (dir[0] != '/')
            return box__error(box, EINVAL, "seccomp_cache_dir: '%s' is not absolute", dir);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            return box__error(box, errno, "seccomp_cache_dir: mkdir %s", dir);
        if ((r = open_dir(dir)) < 0)
            return box__error(box, -r, "seccomp_cache_dir: %s%s", dir,
                              r == -EPERM ? ": not a directory of this user's that only it "
                                            "can write" : "");
        close(r);
        if (!(copy = strdup(dir)))
            return box__error(box, ENOMEM, "seccomp_cache_dir");
    }
    free(box->seccomp_cache_dir);
    box->seccomp_cache_dir = copy;
    return 0;
}

static void file_name(const void *key, size_t key_len, char name[32])
{
    snprintf(name, 32, "%016llx.bpf", (unsigned long long)fnv1a(key, key_len));
}

/* A filter from the cache directory: 1 and *out (malloc'ed), or 0. */
static int file_get(const char *dir, const void *key, size_t key_len,
                    struct sock_filter **out, unsigned short *len)
{
    size_t max = HEAD + key_len + BPF_MAXINSNS * sizeof(struct sock_filter) + 8, bytes;
    _cleanup_close_ int dfd = open_dir(dir), fd = -1;
    _cleanup_free_ unsigned char *buf = NULL;
    uint32_t klen, n;
    uint64_t sum;
    char name[32];
    ssize_t got;

    if (dfd < 0)
        return 0;
    file_name(key, key_len, name);
    fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || !trusted(fd, false) || !(buf = malloc(max + 1)))
        return 0;
    got = read(fd, buf, max + 1);
    if (got < HEAD || memcmp(buf, FILE_MAGIC, 8))
        return 0;
    memcpy(&klen, buf + 8, 4);
    memcpy(&n, buf + 12, 4);
    bytes = n * sizeof(struct sock_filter);
    if (klen != key_len || n == 0 || n > BPF_MAXINSNS ||
        (size_t)got != HEAD + key_len + bytes + 8 || memcmp(buf + HEAD, key, key_len))
        return 0;
    memcpy(&sum, buf + got - 8, 8);
    if (sum != fnv1a(buf, (size_t)got - 8) || !(*out = malloc(bytes)))
        return 0;
    memcpy(*out, buf + HEAD + key_len, bytes);
    *len = (unsigned short)n;
    return 1;
}

static void file_put(const char *dir, const void *key, size_t key_len,
                     const struct sock_filter *bpf, unsigned short len)
{
    static unsigned counter;
    _cleanup_close_ int dfd = open_dir(dir);
    size_t bytes = len * sizeof *bpf, total = HEAD + key_len + bytes + 8;
    _cleanup_free_ unsigned char *buf = malloc(total);
    uint32_t klen = (uint32_t)key_len, n = len;
    char name[32], tmp[64];
    uint64_t sum;
    int fd;

    if (dfd < 0 || !buf)
        return;
    memcpy(buf, FILE_MAGIC, 8);
    memcpy(buf + 8, &klen, 4);
    memcpy(buf + 12, &n, 4);
    memcpy(buf + HEAD, key, key_len);
    memcpy(buf + HEAD + key_len, bpf, bytes);
    sum = fnv1a(buf, total - 8);
    memcpy(buf + total - 8, &sum, 8);
    snprintf(tmp, sizeof tmp, ".tmp-%d-%u", (int)getpid(),
             __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    file_name(key, key_len, name);
    if (write(fd, buf, total) != (ssize_t)total || close(fd) < 0 ||
        renameat(dfd, tmp, dfd, name) < 0)
        unlinkat(dfd, tmp, 0);
}

/* Into this process's slots (the oldest one goes). */
static void slot_put(const void *key, size_t key_len, const struct sock_filter *bpf,
                     unsigned short len)
{
    unsigned char *k = malloc(key_len);
    struct sock_filter *copy = malloc(len * sizeof *bpf);

    if (!k || !copy) {
        free(k);
        free(copy);
        return;
    }
    memcpy(k, key, key_len);
    memcpy(copy, bpf, len * sizeof *bpf);
    pthread_mutex_lock(&cache_lock);
    free(slots[next_slot].key);
    free(slots[next_slot].bpf);
    slots[next_slot] = (struct slot){ .key = k, .key_len = key_len, .bpf = copy, .len = len };
    next_slot = (next_slot + 1) % CACHE_SLOTS;
    pthread_mutex_unlock(&cache_lock);
}

void box__seccomp_cache_clear(void)
{
    pthread_mutex_lock(&cache_lock);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(slots[i].key);
        free(slots[i].bpf);
        slots[i] = (struct slot){ 0 };
    }
    pthread_mutex_unlock(&cache_lock);
}

int box__seccomp_cache_get(const box_t *box, const void *key, size_t key_len,
                           struct sock_filter **out, unsigned short *len)
{
    int hit = 0;

    *out = NULL;
    if (key_len > KEY_MAX)
        return 0;
    pthread_mutex_lock(&cache_lock);
    for (int i = 0; i < CACHE_SLOTS && !hit; i++) {
        if (!slots[i].key || slots[i].key_len != key_len ||
            memcmp(slots[i].key, key, key_len))
            continue;
        hit = -ENOMEM;
        if ((*out = malloc(slots[i].len * sizeof **out))) {
            memcpy(*out, slots[i].bpf, slots[i].len * sizeof **out);
            *len = slots[i].len;
            hit = 1;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    if (hit != 0 || !box->seccomp_cache_dir)
        return hit;
    if ((hit = file_get(box->seccomp_cache_dir, key, key_len, out, len)) == 1)
        slot_put(key, key_len, *out, *len);
    return hit;
}

void box__seccomp_cache_put(const box_t *box, const void *key, size_t key_len,
                            const struct sock_filter *bpf, unsigned short len)
{
    if (key_len > KEY_MAX)
        return;
    slot_put(key, key_len, bpf, len);
    if (box->seccomp_cache_dir)
        file_put(box->seccomp_cache_dir, key, key_len, bpf, len);
}
