/* Small helpers shared by the parent-side modules: clocks, whole-file writes, path joins,
 * lexical path normalisation, receiving an fd, a process's start time. Nothing here runs
 * in the child, and nothing here knows a box. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "box-private.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BOX_ASAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define BOX_ASAN 1
#endif
#ifdef BOX_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* A new stack for a CLONE_VM child. Under AddressSanitizer: a child that exec'ed left its
 * last frames' redzones in the shadow of the memory we share, and a stack mapped again at
 * the same address must not inherit them. */
void box__child_stack_fresh(void *stack, size_t size)
{
#ifdef BOX_ASAN
    ASAN_UNPOISON_MEMORY_REGION(stack, size);
#else
    (void)stack, (void)size;
#endif
}

void box__set_profile(box_t *box, uint64_t *stamps)
{
    box->profile = stamps;
}

uint64_t box__now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* dir + "/" + file into buf; -ENAMETOOLONG rather than a truncated path. */
int box__path_join(char *buf, size_t size, const char *dir, const char *file)
{
    int n = snprintf(buf, size, "%s/%s", dir, file);

    return n >= 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

/* Write all of data in one write(2), as /proc's map files require. */
int box__write_file(const char *path, const char *data, size_t len)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -errno;
    n = write(fd, data, len);
    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EIO;
}

/* Normalise an absolute path lexically: collapse "//" and ".", resolve ".." against what
 * came before. A ".." that would climb above "/" is refused with -EXDEV (it names a place
 * outside the box). *out is malloc'ed, owned by the caller. */
int box__normalize_path(const char *in, char **out)
{
    size_t len = strlen(in), o = 0;
    char *buf;
    const char *p = in;

    if (in[0] != '/')
        return -EINVAL;
    buf = malloc(len + 2);
    if (!buf)
        return -ENOMEM;
    while (*p) {
        const char *start;
        size_t clen;

        while (*p == '/')
            p++;
        start = p;
        while (*p && *p != '/')
            p++;
        clen = (size_t)(p - start);
        if (clen == 0 || (clen == 1 && start[0] == '.'))
            continue;
        if (clen == 2 && start[0] == '.' && start[1] == '.') {
            if (o == 0) {
                free(buf);
                return -EXDEV;
            }
            while (o > 0 && buf[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        buf[o++] = '/';
        memcpy(buf + o, start, clen);
        o += clen;
    }
    if (o == 0)
        buf[o++] = '/';
    buf[o] = '\0';
    *out = buf;
    return 0;
}

/* The number of process `pid` (of our pid namespace) under /proc, which may be a procfs of
 * another pid namespace: one that a parent made for us without mounting its own /proc (as
 * pasta does for its command). The pidfd's fdinfo gives it as that procfs counts. */
pid_t box__proc_pid(int pidfd, pid_t pid)
{
    char path[64], buf[1024], *p;
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pid;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return pid;
    buf[n] = '\0';
    p = strstr(buf, "\nPid:");
    return p && atoi(p + 5) > 0 ? (pid_t)atoi(p + 5) : pid;
}

/* Receive a payload with maybe an fd attached (SCM_RIGHTS) on the sync socket; *fd is
 * left alone without one. Returns the payload's length or -errno. */
ssize_t box__recv_with_fd(int sock, void *buf, size_t len, int flags, int *fd)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                          .msg_controllen = sizeof u.buf };
    struct cmsghdr *c;
    ssize_t n;

    do
        n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        memcpy(fd, CMSG_DATA(c), sizeof *fd);
    return n;
}

/* Start time of a process (field 22 of /proc/PID/stat, after the parenthesised name): with
 * the pid, it names the process, whatever recycled the pid since. */
int box__proc_starttime(pid_t pid, uint64_t *out)
{
    char path[64], buf[1024], *p;
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -ESRCH;
    buf[n] = '\0';
    if (!(p = strrchr(buf, ')')))
        return -EIO;
    p++;
    for (int field = 2; field < 21; field++) { /* to the space before field 22 */
        p = strchr(p + 1, ' ');
        if (!p)
            return -EIO;
    }
    *out = strtoull(p + 1, NULL, 10);
    return 0;
}
