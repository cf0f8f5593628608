/* Rootless networking (box_net_pasta): pasta, from Debian's passt, attached to the box's
 * network namespace while the box's first process waits. pasta joins the box's user and
 * network namespaces, makes a tap interface there from /dev/net/tun, copies the caller's
 * addresses and routes onto it (--config-net) and carries the box's traffic through
 * ordinary sockets of the caller's: outbound connections, and the published ports, which
 * pasta binds in the caller's namespace. It needs no privilege. libbox starts it, waits
 * until it is ready (it goes to the background then), holds a pidfd on it and ends it when
 * the box ends. The program is found in the PATH, or at $LIBBOX_PASTA. */
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "net.h"

extern char **environ;

static int find_pasta(char *out, size_t size)
{
    const char *env = getenv("LIBBOX_PASTA"), *path = getenv("PATH");

    if (env && env[0]) {
        snprintf(out, size, "%s", env);
        return access(out, X_OK) == 0 ? 0 : -errno;
    }
    if (!path || !path[0])
        path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, ":");

        snprintf(out, size, "%.*s/pasta", (int)len, p);
        if (len && access(out, X_OK) == 0)
            return 0;
        p += len;
        if (*p)
            p++;
    }
    return -ENOENT;
}

/* Before the clone: is pasta there, and can this caller open /dev/net/tun? */
int box__pasta_check(box_t *box)
{
    char path[4096];
    struct stat st;
    int fd;

    if (find_pasta(path, sizeof path) < 0)
        return box__error(box, ENOENT, "net_pasta: pasta not found (%s; install Debian's "
                         "package passt)", getenv("LIBBOX_PASTA") && getenv("LIBBOX_PASTA")[0]
                         ? getenv("LIBBOX_PASTA") : "not in PATH");
    fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;

        if (stat("/dev/net/tun", &st) == 0)
            return box__error(box, err, "net_pasta: pasta needs /dev/net/tun, which this "
                             "caller cannot open (mode 0%o, owner %u; udev makes it 0666 on "
                             "a stock Debian)", (unsigned)(st.st_mode & 07777),
                             (unsigned)st.st_uid);
        return box__error(box, err, "net_pasta: pasta needs /dev/net/tun (modprobe tun)");
    }
    close(fd);
    return 0;
}

/* "-t" "8080:80,8081:81" or "none"; for each protocol. */
static char *ports_arg(const struct box_net *net, int proto)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);

    if (!f)
        return NULL;
    for (size_t i = 0, n = 0; i < net->n_pub; i++)
        if (net->pub[i].proto == proto)
            fprintf(f, "%s%u:%u", n++ ? "," : "", net->pub[i].host_port, net->pub[i].box_port);
    if (ftell(f) == 0)
        fputs("none", f);
    return fclose(f) == 0 ? s : NULL;
}

/* pasta's last message, for the error; pasta also says, on every message, that it found
 * no syslog to send it to: those lines are skipped. */
static void read_log(const char *path, char *buf, size_t size)
{
    char text[4096], *line, *save = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);

    if (fd >= 0)
        close(fd);
    text[n > 0 ? n : 0] = '\0';
    buf[0] = '\0';
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (strncmp(line, "Failed to send", 14) != 0)
            snprintf(buf, size, "%s", line);
}

/* While the child waits (its maps are written): run pasta on its namespaces. */
int box__pasta_start(box_t *box, pid_t pid)
{
    struct box_net *net = box->net;
    char prog[4096], netns[64], userns[64], pidfile[4096], logfile[4096], msg[256], buf[32];
    _cleanup_free_ char *tcp = ports_arg(net, IPPROTO_TCP);
    _cleanup_free_ char *udp = ports_arg(net, IPPROTO_UDP);
    posix_spawn_file_actions_t fa;
    const char *argv[24];
    size_t argc = 0;
    int status, r, fd;
    pid_t helper;
    long pasta;

    if (!tcp || !udp)
        return box__error(box, ENOMEM, "net_pasta");
    if (find_pasta(prog, sizeof prog) < 0)
        return box__error(box, ENOENT, "net_pasta: pasta not found");
    snprintf(netns, sizeof netns, "/proc/%d/ns/net", (int)pid);
    snprintf(userns, sizeof userns, "/proc/%d/ns/user", (int)pid);
    snprintf(pidfile, sizeof pidfile, "%s/pasta.pid", net->files_dir);
    snprintf(logfile, sizeof logfile, "%s/pasta.log", net->files_dir);
    argv[argc++] = "pasta";
    argv[argc++] = "--config-net";
    argv[argc++] = "--quiet";
    argv[argc++] = "--pid";
    argv[argc++] = pidfile;
    argv[argc++] = "-t";
    argv[argc++] = tcp;
    argv[argc++] = "-u";
    argv[argc++] = udp;
    argv[argc++] = "-T";
    argv[argc++] = "none";
    argv[argc++] = "-U";
    argv[argc++] = "none";
    if (geteuid() == 0) { /* pasta would become nobody, who may not enter the box */
        argv[argc++] = "--runas";
        argv[argc++] = "0:0";
    }
    if (box->ns & BOX_NS_USER) {
        argv[argc++] = "--userns";
        argv[argc++] = userns;
    }
    argv[argc++] = "--netns";
    argv[argc++] = netns;
    argv[argc] = NULL;
    fd = open(logfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return box__error(box, errno, "net_pasta: %s", logfile);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fd, 1);
    posix_spawn_file_actions_adddup2(&fa, fd, 2);
    r = posix_spawn(&helper, prog, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd);
    if (r)
        return box__error(box, r, "net_pasta: run %s", prog);
    /* pasta goes to the background once the namespace is configured and the ports bound */
    while (waitpid(helper, &status, 0) < 0)
        if (errno != EINTR)
            return box__error(box, errno, "net_pasta: wait for pasta");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        read_log(logfile, msg, sizeof msg);
        return box__error(box, EIO, "net_pasta: pasta failed (%s %d)%s%s",
                         WIFEXITED(status) ? "exit" : "signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                         msg[0] ? ": " : "", msg);
    }
    read_log(pidfile, buf, sizeof buf);
    pasta = strtol(buf, NULL, 10);
    net->pasta_pidfd = pasta > 0 ? (int)syscall(SYS_pidfd_open, (pid_t)pasta, 0) : -1;
    if (net->pasta_pidfd < 0)
        return box__error(box, pasta > 0 ? errno : EIO, "net_pasta: pasta's pid file %s",
                         pidfile);
    net->pasta_pid = (pid_t)pasta;
    return 0;
}

/* The box has ended: end pasta and wait until it is gone (it is not our child). */
void box__pasta_stop(box_t *box)
{
    struct box_net *net = box->net;
    struct pollfd p;

    if (net->pasta_pidfd < 0)
        return;
    syscall(SYS_pidfd_send_signal, net->pasta_pidfd, SIGKILL, NULL, 0);
    p = (struct pollfd){ .fd = net->pasta_pidfd, .events = POLLIN };
    while (poll(&p, 1, 5000) < 0 && errno == EINTR)
        ;
    close(net->pasta_pidfd);
    net->pasta_pidfd = -1;
    net->pasta_pid = -1;
}
