/* tutorial.c: run a shell script in a box with a read-only busybox root, /proc, /dev,
 * a tmpfs at /tmp, rlimits and a wall-clock limit. Usage: ./tutorial ROOTFS [SCRIPT] */
#include <stdio.h>
#include <string.h>
#include <box.h>

static int run(const char *rootfs, const char *script)
{
    const char *const argv[] = { "sh", "-c", script, NULL };
    box_status_t st;
    box_t *box;
    int r;

    r = box_new(&box, 0);
    if (r < 0) {
        fprintf(stderr, "box_new: %s\n", strerror(-r));
        return -1;
    }
    if (box_set_root(box, rootfs, BOX_ROOT_READONLY) < 0 ||
        box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0) < 0 ||
        box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0) < 0 ||
        box_mount_tmpfs(box, "/tmp", 8 << 20, 01777, 0) < 0 ||    /* 8 MiB */
        box_set_hostname(box, "tutorial") < 0 ||
        box_setenv(box, "HOME", "/tmp") < 0 ||
        box_set_cwd(box, "/tmp") < 0 ||
        box_set_limit(box, BOX_LIMIT_WALL_MS, 1500) < 0 ||       /* 1.5 s for the box */
        box_set_limit(box, BOX_LIMIT_NOFILE, 64) < 0 ||          /* rlimits, per process */
        box_set_limit(box, BOX_LIMIT_FSIZE, 1 << 20) < 0 ||
        box_set_limit(box, BOX_LIMIT_CORE, 0) < 0 ||
        box_spawn(box, argv) < 0 ||
        box_wait(box, -1, &st) < 0) {
        fprintf(stderr, "tutorial: %s\n", box_errmsg(box));
        box_free(box);
        return -1;
    }
    box_free(box);

    switch (st.end) {
    case BOX_END_EXITED:
        printf("=> exited with %d after %llu ms\n", st.exit_code,
               (unsigned long long)(st.wall_us / 1000));
        return st.exit_code;
    case BOX_END_WALL_TIME:
        printf("=> killed by the wall-clock limit (signal %d) after %llu ms\n", st.signal,
               (unsigned long long)(st.wall_us / 1000));
        return 128 + st.signal;
    default:
        printf("=> ended by signal %d (end %d)\n", st.signal, (int)st.end);
        return 128 + st.signal;
    }
}

int main(int argc, char **argv)
{
    int r;
    const char *script =
        "echo \"I am $(id -u):$(id -g) on $(hostname), pid $$, in $(pwd)\"\n"
        "ps -o pid,user,comm\n"
        "echo \"open files limit: $(ulimit -n), file size limit: $(ulimit -f) blocks\"\n"
        "touch /newfile 2>&1 | sed 's/^/root fs: /'\n"
        "echo hello > /tmp/hello && echo \"tmpfs: wrote $(cat /tmp/hello) to /tmp/hello\"\n"
        "dd if=/dev/zero of=/tmp/big bs=1M count=2 2>/dev/null\n"
        "echo \"fsize: dd ended with status $?, /tmp/big has $(wc -c < /tmp/big) bytes\"\n"
        "ls /dev | tr '\\n' ' '; echo\n"
        "ip -o link 2>/dev/null | cut -d: -f2 | tr -d '\\n' | sed 's/^/network:/'; echo\n"
        "echo sleeping; sleep 10; echo not reached";

    if (argc < 2) {
        fprintf(stderr, "usage: %s ROOTFS [SCRIPT]\n", argv[0]);
        return 2;
    }
    r = run(argv[1], argc > 2 ? argv[2] : script);
    return r < 0 ? 1 : r;
}
