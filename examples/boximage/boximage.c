/* boximage: manage libbox's image store from the shell. Every operation is the library's
 * (box_store_open(3), box_set_image(3)); this file only parses the command line, runs
 * skopeo for `pull`, and prints.
 *
 *   boximage [--store DIR] import PATH [NAME[:TAG]]
 *   boximage [--store DIR] pull [--insecure] REF [NAME[:TAG]]
 *   boximage [--store DIR] list | inspect REF | rm REF... | gc
 *   boximage [--store DIR] commit REF NEW-REF [-- CMD...]
 *
 * commit runs CMD (default: the image's Entrypoint and Cmd) in a box made from REF and
 * saves what it changed as NEW-REF: a box lives inside the process that made it, so the
 * command line names the run, not a box of another process.
 *
 * Exit status: 0, 1 for a failed operation (one line on stderr), 2 for a usage error. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <box.h>

static const char usage[] =
    "usage: boximage [--store DIR] COMMAND ...\n"
    "  import PATH [NAME[:TAG]]        an OCI layout dir, oci-archive or docker-archive\n"
    "  pull [--insecure] REF [NAME[:TAG]]  copy REF from a registry with skopeo, import it\n"
    "  list                            tags and image ids\n"
    "  inspect REF                     layers and config, as JSON\n"
    "  rm REF...                       remove tags (and images and layers nothing uses)\n"
    "  gc                              remove what nothing uses\n"
    "  commit REF NEW-REF [-- CMD...]  run CMD in a box from REF, save its changes as NEW-REF\n"
    "The store: --store DIR, else /var/lib/libbox for root, ~/.local/share/libbox otherwise.\n";

static void __attribute__((noreturn, format(printf, 2, 3))) die(int code, const char *fmt, ...)
{
    va_list ap;

    fputs("boximage: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

static void check_store(box_store_t *s, int rc)
{
    if (rc < 0)
        die(1, "%s", box_store_errmsg(s)[0] ? box_store_errmsg(s) : strerror(-rc));
}

static box_store_t *open_store(const char *dir, int create)
{
    box_store_t *s;
    int rc = box_store_open(&s, dir, create ? BOX_STORE_CREATE : 0);

    if (rc == -ENOENT)
        die(1, "no image store at %s (import an image first)",
            dir ? dir : "the default place");
    if (rc < 0)
        die(1, "open the image store %s: %s", dir ? dir : "(default)", strerror(-rc));
    return s;
}

/* skopeo copy [--src-tls-verify=false] docker://REF oci:DIR:TAG: 0, or -1 when it failed
 * (skopeo said why). */
static int skopeo_copy(const char *ref, const char *dir, int insecure)
{
    char src[1024], dst[1024];
    const char *argv[8];
    int n = 0, status;
    pid_t pid;

    if (snprintf(src, sizeof src, "docker://%s", ref) >= (int)sizeof src ||
        snprintf(dst, sizeof dst, "oci:%s:image", dir) >= (int)sizeof dst)
        die(2, "pull: reference too long");
    argv[n++] = "skopeo";
    argv[n++] = "copy";
    argv[n++] = "--quiet";
    if (insecure)
        argv[n++] = "--src-tls-verify=false";
    argv[n++] = src;
    argv[n++] = dst;
    argv[n] = NULL;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        die(1, "pull: fork: %s", strerror(errno));
    if (pid == 0) {
        execvp("skopeo", (char *const *)argv);
        fprintf(stderr, "boximage: pull needs skopeo: %s\n", strerror(errno));
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return 0;
}

/* "registry:5000/name:tag" -> the name libbox stores it under, the same text. */
static void cmd_pull(box_store_t *s, int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR") && getenv("TMPDIR")[0] == '/' ? getenv("TMPDIR")
                                                                       : "/tmp";
    char tmpl[PATH_MAX], cmd[PATH_MAX + 16];
    int insecure = 0, rc = 0, copied;
    const char *ref, *name;

    if (argc > 0 && strcmp(argv[0], "--insecure") == 0)
        insecure = 1, argc--, argv++;
    if (argc < 1 || argc > 2)
        die(2, "pull: usage: pull [--insecure] REF [NAME[:TAG]]");
    ref = argv[0];
    name = argc > 1 ? argv[1] : ref;
    if (snprintf(tmpl, sizeof tmpl, "%s/boximage-pull-XXXXXX", tmp) >= (int)sizeof tmpl ||
        strchr(tmpl, '\''))
        die(1, "pull: TMPDIR %s: too long, or a quote in it", tmp);
    if (!mkdtemp(tmpl))
        die(1, "pull: mkdtemp %s: %s", tmpl, strerror(errno));
    /* The copy goes whatever happened: a failed pull leaves nothing either. */
    copied = skopeo_copy(ref, tmpl, insecure);
    if (copied == 0)
        rc = box_image_import(s, tmpl, name);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    if (system(cmd) != 0)
        fprintf(stderr, "boximage: could not remove %s\n", tmpl);
    if (copied < 0)
        die(1, "pull %s: skopeo copy failed", ref);
    check_store(s, rc);
    printf("%s\n", name);
}

static void cmd_commit(box_store_t *s, int argc, char **argv)
{
    const char *const *cmd = NULL;
    box_status_t st;
    box_t *box;
    int rc;

    if (argc < 2 || (argc > 2 && strcmp(argv[2], "--") != 0))
        die(2, "commit: usage: commit REF NEW-REF [-- CMD...]");
    if (argc > 3)
        cmd = (const char *const *)argv + 3;
    if ((rc = box_new(&box, 0)) < 0)
        die(1, "box_new: %s", strerror(-rc));
    if ((rc = box_set_image(box, s, argv[0], BOX_IMAGE_COMMIT)) < 0 ||
        (rc = box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0)) < 0 ||
        (rc = box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0)) < 0 ||
        (rc = box_spawn(box, cmd)) < 0 || (rc = box_wait(box, -1, &st)) < 0)
        die(1, "commit: %s", box_errmsg(box));
    if (st.end != BOX_END_EXITED || st.exit_code != 0)
        die(1, "commit: the command failed (%s %d); nothing saved",
            st.end == BOX_END_EXITED ? "exit" : "signal",
            st.end == BOX_END_EXITED ? st.exit_code : st.signal);
    if ((rc = box_image_commit(box, s, argv[1])) < 0)
        die(1, "%s", box_errmsg(box));
    box_free(box);
    printf("%s\n", argv[1]);
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *cmd;
    box_store_t *s;
    char *json;

    argc--, argv++;
    if (argc >= 2 && strcmp(argv[0], "--store") == 0) {
        if (argv[1][0] != '/')
            die(2, "--store %s: give an absolute path", argv[1]);
        dir = argv[1];
        argc -= 2, argv += 2;
    }
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(usage, argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    cmd = argv[0];
    argc--, argv++;
    if (strcmp(cmd, "import") == 0) {
        if (argc < 1 || argc > 2)
            die(2, "import: usage: import PATH [NAME[:TAG]]");
        s = open_store(dir, 1);
        check_store(s, box_image_import(s, argv[0], argc > 1 ? argv[1] : NULL));
    } else if (strcmp(cmd, "pull") == 0) {
        s = open_store(dir, 1);
        cmd_pull(s, argc, argv);
    } else if (strcmp(cmd, "list") == 0 && argc == 0) {
        s = open_store(dir, 0);
        check_store(s, box_image_list(s, &json));
        printf("%s\n", json);
        free(json);
    } else if (strcmp(cmd, "inspect") == 0 && argc == 1) {
        s = open_store(dir, 0);
        check_store(s, box_image_inspect(s, argv[0], &json));
        printf("%s\n", json);
        free(json);
    } else if (strcmp(cmd, "rm") == 0 && argc >= 1) {
        s = open_store(dir, 0);
        for (int i = 0; i < argc; i++)
            check_store(s, box_image_remove(s, argv[i]));
    } else if (strcmp(cmd, "gc") == 0 && argc == 0) {
        s = open_store(dir, 0);
        check_store(s, box_store_gc(s));
    } else if (strcmp(cmd, "commit") == 0) {
        s = open_store(dir, 0);
        cmd_commit(s, argc, argv);
    } else {
        die(2, "unknown command or wrong arguments: %s (see boximage --help)", cmd);
    }
    box_store_close(s);
    return 0;
}
