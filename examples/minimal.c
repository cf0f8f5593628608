/* The shortest useful box: run a command from the host's /usr in a box of its own. */
#include <stdio.h>

#include <box.h>

int main(void)
{
    const char *const argv[] = { "sh", "-c", "echo hello from pid $$ in $(hostname)", NULL };
    box_status_t st;
    box_t *box;

    if (box_new(&box, 0) < 0)
        return 1;
    if (box_mount(box, BOX_MOUNT_BIND, "/usr", "/usr", BOX_MOUNT_RO) < 0 ||
        box_mount(box, BOX_MOUNT_SYMLINK, "usr/bin", "/bin", 0) < 0 ||
        box_mount(box, BOX_MOUNT_SYMLINK, "usr/lib", "/lib", 0) < 0 ||
        box_mount(box, BOX_MOUNT_SYMLINK, "usr/lib64", "/lib64", 0) < 0 ||
        box_spawn(box, argv) < 0 || box_wait(box, -1, &st) < 0) {
        fprintf(stderr, "minimal: %s\n", box_errmsg(box));
        box_free(box);
        return 1;
    }
    box_free(box);
    return st.end == BOX_END_EXITED ? st.exit_code : 128 + st.signal;
}
