/* A tiny static helper run inside the box by test_priv: make one system call and print
 * "ok" or the errno number, so a test can tell which layer stopped it.
 *   sysprobe keyctl | unshare_user | clone_newuser | clone3 | personality_norandom |
 *            mount | userfaultfd | int80_keyctl | x32_keyctl |
 *            mknod | init_module | finit_module | kexec_load | clock_settime |
 *            kill_host=PID | ptrace_host=PID | keyctl_read_user | chroot_escape | write_exe |
 *            socket=DOMAIN,TYPE | uname | io_uring_setup | fchdir=FD | openat=FD,PATH | fds |
 *            ids | getppid
 * fds prints the descriptors open besides 0, 1 and 2 with what they point at, or "none";
 * ids prints the effective uid and the CapEff mask ("1000 0000000000000000").
 * chroot_escape prints "box" when the classic chroot + chdir("..") escape ends at the box's
 * own root, "host" when it got out, or the errno of the chroot. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long report(long r)
{
    if (r < 0)
        printf("%d\n", errno);
    else
        printf("ok\n");
    return 0;
}

#if defined(__x86_64__)
/* The i386 ABI from a 64-bit process: int $0x80 with i386 numbers. */
static long int80(long nr, long a, long b, long c)
{
    long ret;

    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}
#endif

static long raw(long r)
{
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    long r;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(what, "keyctl"))
        return report(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
    if (!strcmp(what, "unshare_user"))
        return report(unshare(CLONE_NEWUSER));
    if (!strcmp(what, "clone_newuser")) {
        r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
        if (r == 0)
            _exit(0);
        if (r > 0)
            waitpid((pid_t)r, NULL, 0);
        return report(r);
    }
    if (!strcmp(what, "clone3"))
        return report(syscall(SYS_clone3, NULL, 0));
    if (!strcmp(what, "personality_norandom"))
        return report(personality(ADDR_NO_RANDOMIZE) == -1 ? -1 : 0);
    if (!strcmp(what, "mount"))
        return report(mount("none", "/mnt", "tmpfs", 0, NULL));
    if (!strcmp(what, "userfaultfd"))
        return report(syscall(SYS_userfaultfd, 0));
#if defined(__x86_64__)
    if (!strcmp(what, "int80_keyctl")) /* i386 keyctl = 288 */
        return report(raw(int80(288, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)));
    if (!strcmp(what, "x32_keyctl")) /* x32 keyctl = 0x40000000 | 250 */
        return report(syscall(0x40000000 | 250, KEYCTL_GET_KEYRING_ID,
                              KEY_SPEC_SESSION_KEYRING, 0));
#endif
    if (!strcmp(what, "mknod"))
        return report(mknod("/tmp/probe-null", S_IFCHR | 0666, makedev(1, 3)));
    if (!strcmp(what, "init_module"))
        return report(syscall(SYS_init_module, NULL, 0, ""));
    if (!strcmp(what, "finit_module"))
        return report(syscall(SYS_finit_module, -1, "", 0));
    if (!strcmp(what, "kexec_load")) /* 17 segments: EINVAL even where it is permitted */
        return report(syscall(SYS_kexec_load, 0, 17, NULL, 0));
    if (!strcmp(what, "clock_settime")) { /* an invalid time: EINVAL where permitted */
        struct timespec ts = { .tv_sec = 0, .tv_nsec = -1 };

        return report(syscall(SYS_clock_settime, CLOCK_REALTIME, &ts));
    }
    if (!strncmp(what, "kill_host=", 10))
        return report(kill((pid_t)atoi(what + 10), 0));
    if (!strncmp(what, "ptrace_host=", 12))
        return report(ptrace(PTRACE_ATTACH, (pid_t)atoi(what + 12), NULL, NULL));
    if (!strcmp(what, "keyctl_read_user")) {
        char buf[256];

        return report(syscall(SYS_keyctl, KEYCTL_READ, KEY_SPEC_USER_KEYRING, buf, sizeof buf));
    }
    if (!strcmp(what, "chroot_escape")) {
        struct stat before, after;

        if (stat("/", &before) < 0 || mkdir("/tmp/jail", 0755) < 0)
            return report(-1);
        if (chroot("/tmp/jail") < 0) /* cwd stays outside the new root: the classic hole */
            return report(-1);
        for (int i = 0; i < 64; i++)
            if (chdir("..") < 0)
                return report(-1);
        if (chroot(".") < 0 || stat("/", &after) < 0)
            return report(-1);
        printf("%s\n", before.st_dev == after.st_dev && before.st_ino == after.st_ino
                            ? "box" : "host");
        return 0;
    }
    if (!strncmp(what, "socket=", 7)) {
        int domain = 0, type = 0;

        if (sscanf(what + 7, "%d,%d", &domain, &type) != 2)
            return 2;
        return report(socket(domain, type, 0));
    }
    if (!strcmp(what, "uname")) {
        struct utsname u;

        return report(uname(&u));
    }
    if (!strcmp(what, "io_uring_setup")) {
        struct io_uring_params params;

        memset(&params, 0, sizeof params);
        return report(syscall(SYS_io_uring_setup, 1, &params));
    }
    if (!strncmp(what, "fchdir=", 7))
        return report(fchdir(atoi(what + 7)));
    if (!strncmp(what, "openat=", 7)) {
        const char *comma = strchr(what, ',');

        return report(comma ? openat(atoi(what + 7), comma + 1, O_RDONLY) : -1);
    }
    if (!strcmp(what, "fds")) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int n = 0;

        if (!d)
            return report(-1);
        while ((de = readdir(d))) {
            char link[64], target[256] = "";
            int fd = atoi(de->d_name);

            if (de->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
                continue;
            snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
            if (readlink(link, target, sizeof target - 1) < 0)
                strcpy(target, "?");
            printf("%s%d:%s", n++ ? "," : "", fd, target);
        }
        closedir(d);
        printf("%s\n", n ? "" : "none");
        return 0;
    }
    if (!strcmp(what, "getppid")) { /* the value itself: a supervisor may have made it up */
        printf("%ld\n", (long)syscall(SYS_getppid));
        return 0;
    }
    if (!strcmp(what, "ids")) {
        char line[256], eff[64] = "?";
        FILE *f = fopen("/proc/self/status", "re");

        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "CapEff: %63s", eff) == 1)
                break;
        if (f)
            fclose(f);
        printf("%d %s\n", (int)geteuid(), eff);
        return 0;
    }
    if (!strcmp(what, "write_exe"))
        return report(open("/proc/self/exe", O_WRONLY));
    printf("unknown probe %s\n", what);
    return 2;
}
