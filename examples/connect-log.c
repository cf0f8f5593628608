/* connect-log: run a command in a box and log every connect(2) it makes, with the address,
 * through seccomp user notification: the box stops at each connect, this supervisor reads
 * the address out of the box's memory, prints it and lets the call go on.
 *
 *   connect-log ROOTFS COMMAND [ARG...]
 *   connect-log /tmp/rootfs wget -q -O- http://127.0.0.1:8080/
 *   connect: 127.0.0.1:8080 (pid 41234)      (the pid as the caller sees it)
 *
 * Logging is all it decides: the address is read from memory the program may change after
 * the read (seccomp_unotify(2)), so a supervisor must never allow a call because of what
 * a pointer argument showed it. Here the call is only let through as it would have been
 * without the rule. The box has its own network namespace: only its lo. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <box.h>

/* Read the call's sockaddr out of the box process's memory; "" if it cannot be read. */
static void describe(const struct seccomp_notif *req, char *out, size_t size)
{
    struct sockaddr_storage sa;
    char path[64], host[INET6_ADDRSTRLEN] = "";
    size_t len = req->data.args[2] < sizeof sa ? req->data.args[2] : sizeof sa;
    int fd;
    ssize_t n;

    snprintf(out, size, "(unreadable)");
    snprintf(path, sizeof path, "/proc/%u/mem", req->pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    memset(&sa, 0, sizeof sa);
    n = pread(fd, &sa, len, (off_t)req->data.args[1]);
    close(fd);
    if (n < (ssize_t)sizeof(sa_family_t))
        return;
    if (sa.ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&sa;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        snprintf(out, size, "%s:%u", host, ntohs(in->sin_port));
    } else if (sa.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa;

        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        snprintf(out, size, "[%s]:%u", host, ntohs(in6->sin6_port));
    } else if (sa.ss_family == AF_UNIX) {
        snprintf(out, size, "unix:%.100s", ((const struct sockaddr_un *)&sa)->sun_path);
    } else {
        snprintf(out, size, "family %u", sa.ss_family);
    }
}

/* Answer notifications until the box's first process has ended. */
static void supervise(box_t *box)
{
    int listener = box_seccomp_notify_fd(box);
    struct pollfd p[2] = { { .fd = listener, .events = POLLIN },
                           { .fd = box_pidfd(box), .events = POLLIN } };

    while (poll(p, 2, -1) >= 0 && !(p[1].revents & POLLIN)) {
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;
        char where[160];

        if (!(p[0].revents & POLLIN))
            continue;
        memset(&req, 0, sizeof req);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
            continue; /* the caller went away (ENOENT) or a signal came */
        describe(&req, where, sizeof where);
        /* The process may have died and its pid been reused while we read: only a
         * notification that is still pending describes the process we read. */
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) == 0)
            fprintf(stderr, "connect: %s (pid %u)\n", where, req.pid);
        memset(&resp, 0, sizeof resp);
        resp.id = req.id;
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
}

int main(int argc, char **argv)
{
    box_status_t st;
    box_t *box;

    if (argc < 3) {
        fprintf(stderr, "usage: connect-log ROOTFS COMMAND [ARG...]\n");
        return 2;
    }
    if (box_new(&box, 0) < 0)
        return 2;
    if (box_set_root(box, argv[1], BOX_ROOT_READONLY) < 0 ||
        box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0) < 0 ||
        box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0) < 0 ||
        box_mount_tmpfs(box, "/tmp", 16 << 20, 01777, 0) < 0 ||
        box_seccomp_rule(box, "connect", BOX_SECCOMP_NOTIFY, 0) < 0 ||
        box_spawn(box, (const char *const *)argv + 2) < 0) {
        fprintf(stderr, "connect-log: %s\n", box_errmsg(box));
        box_free(box);
        return 2;
    }
    supervise(box);
    if (box_wait(box, -1, &st) < 0) {
        fprintf(stderr, "connect-log: %s\n", box_errmsg(box));
        box_free(box);
        return 2;
    }
    box_free(box);
    return st.end == BOX_END_EXITED ? st.exit_code : 128 + st.signal;
}
