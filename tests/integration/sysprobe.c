/* A tiny static helper run inside the box by test_priv: make one system call and print
 * "ok" or the errno number, so a test can tell which layer stopped it.
 *   sysprobe keyctl | unshare_user | clone_newuser | clone3 | personality_norandom |
 *            mount | userfaultfd | int80_keyctl | x32_keyctl */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
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
    printf("unknown probe %s\n", what);
    return 2;
}
