/* The child's support code (see child-util.h): nothing here may allocate, touch errno or
 * call into another module. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>

#include "child-util.h"
#include "sys.h"

void box__strlcpy(char *dst, const char *src, size_t size)
{
    size_t i = 0;

    if (!src)
        src = "";
    for (; src[i] && i + 1 < size; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

size_t box__fmt_ulong(char *buf, unsigned long v)
{
    char digits[21];
    size_t n = 0, len = 0;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        buf[len++] = digits[--n];
    buf[len] = '\0';
    return len;
}

void box__child_stamp(uint64_t *out)
{
    struct timespec ts = { 0, 0 }; /* 64-bit ABIs: the kernel's __kernel_timespec */

    SYS2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    *out = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long box__child_fail(struct box_child_error *e, int index, const char *path, long r)
{
    e->index = index;
    box__strlcpy(e->path, path, sizeof e->path);
    return r;
}

long box__child_report(int err_fd, const struct box_child_error *e)
{
    long r = SYS6(SYS_sendto, err_fd, e, sizeof *e, MSG_NOSIGNAL, 0, 0);

    return r == -ENOTSOCK ? SYS3(SYS_write, err_fd, e, sizeof *e) : r;
}

long box__child_ready(int err_fd, int sync_fd, int step)
{
    struct box_child_error ready = { .step = step, .err = 0, .index = -1 };
    char byte;
    long r;

    if ((r = SYS3(SYS_write, err_fd, &ready, sizeof ready)) < 0)
        return r;
    do
        r = SYS3(SYS_read, sync_fd, &byte, 1);
    while (r == -EINTR);
    return r == 0 ? -EPIPE : r < 0 ? r : 0;
}

long box__new_fs(const char *fstype, uint64_t attr, const char *const *opts)
{
    long fs = SYS2(SYS_fsopen, fstype, FSOPEN_CLOEXEC), r = 0, m;

    if (fs < 0)
        return fs;
    for (; opts && opts[0] && r >= 0; opts += 2)
        if (opts[1])
            r = SYS5(SYS_fsconfig, fs, FSCONFIG_SET_STRING, opts[0], opts[1], 0);
    if (r >= 0)
        r = SYS5(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, 0, 0, 0);
    if (r < 0) {
        SYS1(SYS_close, fs);
        return r;
    }
    m = SYS3(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attr);
    SYS1(SYS_close, fs);
    return m;
}

/* A program that exists but whose interpreter does not: execve fails with ENOENT for both,
 * so look. An ELF file's PT_INTERP or a script's "#!" line names the interpreter; return
 * 1 and copy it into out when that file is missing, else 0. Reads at most a few pages. */
int box__missing_interp(const char *path, char *out, size_t size)
{
    unsigned char buf[512];
    long fd = SYS3(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC), n, r = 0;
    size_t len = 0;

    if (fd < 0)
        return 0;
    n = SYS4(SYS_pread64, fd, buf, sizeof buf, 0);
    if (n >= 4 && buf[0] == '#' && buf[1] == '!') {
        size_t i = 2;

        while (i < (size_t)n && (buf[i] == ' ' || buf[i] == '\t'))
            i++;
        while (i < (size_t)n && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
               len + 1 < size)
            out[len++] = (char)buf[i++];
    } else if (n >= 64 && buf[0] == 0x7f && buf[1] == 'E' && buf[2] == 'L' && buf[3] == 'F' &&
               buf[4] == 2 /* ELFCLASS64 */) {
        uint64_t phoff;
        uint16_t phentsize, phnum;

        __builtin_memcpy(&phoff, buf + 32, 8);
        __builtin_memcpy(&phentsize, buf + 54, 2);
        __builtin_memcpy(&phnum, buf + 56, 2);
        for (uint16_t i = 0; i < phnum && i < 64 && phentsize >= 56; i++) {
            unsigned char ph[56];
            uint32_t type;
            uint64_t off, filesz;

            if (SYS4(SYS_pread64, fd, ph, sizeof ph, phoff + (uint64_t)i * phentsize) !=
                (long)sizeof ph)
                break;
            __builtin_memcpy(&type, ph, 4);
            if (type != 3 /* PT_INTERP */)
                continue;
            __builtin_memcpy(&off, ph + 8, 8);
            __builtin_memcpy(&filesz, ph + 32, 8);
            if (filesz == 0 || filesz >= size)
                break;
            if (SYS4(SYS_pread64, fd, out, filesz, off) == (long)filesz) {
                len = (size_t)filesz;
                while (len > 0 && out[len - 1] == '\0')
                    len--;
            }
            break;
        }
    }
    SYS1(SYS_close, fd);
    if (len == 0)
        return 0;
    out[len] = '\0';
    fd = SYS4(SYS_openat, AT_FDCWD, out, O_PATH | O_CLOEXEC, 0);
    if (fd >= 0)
        SYS1(SYS_close, fd);
    else
        r = fd == -ENOENT || fd == -ENOTDIR;
    return (int)r;
}

long box__send_fd(int sock, char byte, int fd)
{
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u = { 0 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                          .msg_controllen = sizeof u.buf };

    u.h.cmsg_level = SOL_SOCKET;
    u.h.cmsg_type = SCM_RIGHTS;
    u.h.cmsg_len = CMSG_LEN(sizeof(int));
    __builtin_memcpy(CMSG_DATA(&u.h), &fd, sizeof fd);
    return SYS3(SYS_sendmsg, sock, &msg, MSG_NOSIGNAL);
}
