/* The demo box of the README: a busybox root, its own pid/uts/mnt/ipc/net/user namespaces,
 * /proc, /dev and a tmpfs, and a shell inside that shows what the box looks like from there.
 * Usage: demo ROOTFS */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <box.h>

static const char script[] =
    "echo \"pid inside: $$\"; echo \"hostname: $(hostname)\"; echo \"uid map:\"; "
    "cat /proc/self/uid_map; echo \"id: $(id)\"; echo \"processes:\"; ps -o pid,comm; "
    "echo \"mounts:\"; cat /proc/self/mounts; echo \"network:\"; ip -o link";

int main(int argc, char **argv)
{
    const char *const prog[] = { "sh", "-c", script, NULL };
    box_status_t st;
    box_t *box;
    int r;

    if (argc != 2) {
        fprintf(stderr, "usage: %s ROOTFS\n", argv[0]);
        return 2;
    }
    if ((r = box_new(&box, 0)) < 0) {
        fprintf(stderr, "box_new: %s\n", strerror(-r));
        return 1;
    }
    if ((r = box_set_root(box, argv[1], BOX_ROOT_READONLY)) < 0 ||
        (r = box_set_hostname(box, "demo-box")) < 0 ||
        (r = box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0)) < 0 ||
        (r = box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0)) < 0 ||
        (r = box_mount_tmpfs(box, "/tmp", 16 << 20, 01777, 0)) < 0 ||
        (r = box_spawn(box, prog)) < 0 || (r = box_wait(box, -1, &st)) < 0) {
        fprintf(stderr, "demo: %s\n", box_errmsg(box));
        box_free(box);
        return 1;
    }
    printf("box exited with %d after %.1f ms\n", st.exit_code, st.wall_us / 1000.0);
    box_free(box);
    return st.exit_code;
}
