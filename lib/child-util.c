/* The child's support code (see child-util.h): nothing here may allocate, touch errno or
 * call into another module. */
#include <fcntl.h>
#include <sys/mount.h>
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
