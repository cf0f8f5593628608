/* Networking for services (box_net_bridge, box_net_ip, box_net_publish, box_net_pasta):
 * real boxes, each test in a network namespace of its own (and, unprivileged, a user
 * namespace of its own that owns it), talking only to addresses in it and on loopback.
 * The boxes run the host's /usr (python3 as client and server) read-only. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define PY "/usr/bin/python3"

/* A TCP and UDP echo server on port 7000 (both families): "ok:" + what came. */
static const char server_py[] =
    "import socket, selectors\n"
    "t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)\n"
    "t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)\n"
    "t.bind(('::', 7000)); t.listen(16)\n"
    "u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\n"
    "u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)\n"
    "u.bind(('::', 7000))\n"
    "print('ready', flush=True)\n"
    "s = selectors.DefaultSelector()\n"
    "s.register(t, selectors.EVENT_READ); s.register(u, selectors.EVENT_READ)\n"
    "while True:\n"
    "    for k, _ in s.select():\n"
    "        if k.fileobj is u:\n"
    "            d, a = u.recvfrom(100); u.sendto(b'ok:' + d, a)\n"
    "        else:\n"
    "            c, _ = t.accept(); c.sendall(b'ok:' + c.recv(100)); c.close()\n";

/* Ask HOST (name or address) over each family and protocol; print one line each. */
static const char client_py[] =
    "import socket, sys, time\n"
    "host, port, fams = sys.argv[1], int(sys.argv[2]), sys.argv[3]\n"
    "for fam, fn in ((socket.AF_INET, 'v4'), (socket.AF_INET6, 'v6')):\n"
    "    if fn[1] not in fams: continue\n"
    "    for typ, pn in ((socket.SOCK_STREAM, 'tcp'), (socket.SOCK_DGRAM, 'udp')):\n"
    "        got = 'fail'\n"
    "        for attempt in range(50):\n"
    "            try:\n"
    "                ai = socket.getaddrinfo(host, port, fam, typ)[0]\n"
    "                c = socket.socket(fam, typ); c.settimeout(0.5); c.connect(ai[4])\n"
    "                c.send(pn.encode()); got = c.recv(100).decode(); c.close(); break\n"
    "            except OSError as e:\n"
    "                got = 'error ' + str(e); time.sleep(0.1)\n"
    "        print(fn, pn, got, flush=True)\n";

/* A box with the host's /usr, /etc/hosts & co. from libbox, on bridge `bridge`. */
static box_t *usr_box(const char *hostname)
{
    box_t *box = NULL;

    if (box_new(&box, 0) < 0)
        return NULL;
    if (box_set_hostname(box, hostname) < 0 ||
        box_mount(box, BOX_MOUNT_BIND, "/usr", "/usr", BOX_MOUNT_RO) < 0 ||
        box_mount(box, BOX_MOUNT_SYMLINK, "usr/bin", "/bin", 0) < 0 ||
        box_mount(box, BOX_MOUNT_SYMLINK, "usr/lib", "/lib", 0) < 0 ||
        box_mount(box, BOX_MOUNT_SYMLINK, "usr/lib64", "/lib64", 0) < 0 ||
        box_mount(box, BOX_MOUNT_PROC, NULL, "/proc", 0) < 0 ||
        box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0) < 0 ||
        box_mount(box, BOX_MOUNT_DIR, NULL, "/etc", 0) < 0) {
        fprintf(stderr, "usr_box: %s\n", box_errmsg(box));
        box_free(box);
        return NULL;
    }
    return box;
}

/* Spawn argv with stdout into a pipe; returns the read end or -1. */
static int spawn_out(box_t *box, const char *const argv[])
{
    int p[2];

    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    if (box_pass_fd(box, 0, 0) < 0 || box_pass_fd(box, p[1], 1) < 0 ||
        box_pass_fd(box, 2, 2) < 0 || box_spawn(box, argv) < 0) {
        fprintf(stderr, "spawn: %s\n", box_errmsg(box));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    close(p[1]);
    return p[0];
}

/* read_all, then close fd (one that spawn_out gave). */
static void read_out(int fd, char *out, size_t size)
{
    read_all(fd, out, size);
    close(fd);
}

/* Wait for the server's "ready" line (which an unbuffered python writes in two parts). */
static int wait_ready(int fd)
{
    char buf[8] = "";
    struct pollfd p = { .fd = fd, .events = POLLIN };
    size_t len = 0;
    ssize_t n = 0;

    while (len < 6 && poll(&p, 1, 30000) == 1 && (n = read(fd, buf + len, 6 - len)) > 0)
        len += (size_t)n;
    return len == 6 && strncmp(buf, "ready\n", 6) == 0 ? 0 : -1;
}

static int write_text(const char *file, const char *text)
{
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

    if (fd >= 0)
        close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The test's own network namespace (with a user namespace that owns it when not root),
 * lo up, and a run directory of its own. */
static char run_dir[] = "/tmp/libbox-net-test-XXXXXX";

static int own_netns(void)
{
    char map[64];

    if (geteuid() != 0) {
        uid_t uid = geteuid();
        gid_t gid = getegid();

        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
            return -1;
        snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
        if (write_text("/proc/self/uid_map", map) < 0 ||
            write_text("/proc/self/setgroups", "deny") < 0)
            return -1;
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        if (write_text("/proc/self/gid_map", map) < 0)
            return -1;
    } else if (unshare(CLONE_NEWNET) < 0) {
        return -1;
    }
    if (system("ip link set lo up") != 0 || !mkdtemp(run_dir))
        return -1;
    setenv("LIBBOX_RUN_DIR", run_dir, 1);
    return 0;
}

/* Run fn in a child in a network namespace of its own; 77 skips with its reason. */
static void in_own_netns(int (*fn)(void))
{
    int status;
    pid_t child;

    fflush(NULL);
    child = fork();
    if (child == 0) {
        if (own_netns() < 0) {
            perror("own network namespace");
            _exit(2);
        }
        int r = fn();

        char sub[sizeof run_dir + 16];

        snprintf(sub, sizeof sub, "%s/net", run_dir);
        rmdir(sub);
        snprintf(sub, sizeof sub, "%s/boxes", run_dir);
        rmdir(sub);
        /* Removed whatever fn returned (a skip too); a success took everything back. */
        if (rmdir(run_dir) < 0 && r == 0) {
            fprintf(stderr, "the run directory %s is not empty\n", run_dir);
            if (system("ls -R /tmp/libbox-net-test-*") != 0)
                fprintf(stderr, "(ls failed)\n");
            r = 3;
        }
        _exit(r);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77)
        skip();
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Skip a case whose boxes run the host's python3 where there is none, or where the one
 * there is a trimmed copy that only a few modules were copied for (the VM stage gives
 * boxoci's script one and says so with LIBBOX_TEST_NO_BOX_PYTHON). */
static void needs_python(void)
{
    if (access(PY, X_OK) != 0) {
        print_message("skip: the boxes run the host's %s, which is missing\n", PY);
        skip();
    }
    if (getenv("LIBBOX_TEST_NO_BOX_PYTHON")) {
        print_message("skip: the boxes run the host's %s, a trimmed copy here "
                      "(LIBBOX_TEST_NO_BOX_PYTHON)\n", PY);
        skip();
    }
}

static bool link_exists(const char *name)
{
    return if_nametoindex(name) != 0;
}

/* The caller asks: one TCP or UDP exchange with addr:port, retried while it is refused. */
static int ask(int family, int type, const char *addr, int port, const char *msg)
{
    struct sockaddr_storage ss = { 0 };
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    char got[128], want[128];
    struct timeval tv = { .tv_sec = 0, .tv_usec = 500000 };

    ss.ss_family = (sa_family_t)family;
    if (family == AF_INET) {
        s4->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, addr, &s4->sin_addr);
    } else {
        s6->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, addr, &s6->sin6_addr);
    }
    snprintf(want, sizeof want, "ok:%s", msg);
    for (int attempt = 0; attempt < 50; attempt++) {
        int fd = socket(family, type | SOCK_CLOEXEC, 0);
        ssize_t n = -1;

        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (connect(fd, (struct sockaddr *)&ss, sizeof ss) == 0 &&
            send(fd, msg, strlen(msg), 0) == (ssize_t)strlen(msg))
            n = recv(fd, got, sizeof got - 1, 0);
        close(fd);
        if (n > 0) {
            got[n] = '\0';
            if (strcmp(got, want) == 0)
                return 0;
            fprintf(stderr, "ask %s:%d: got '%s'\n", addr, port, got);
            return -1;
        }
        usleep(100000);
    }
    fprintf(stderr, "ask %s:%d (%s): no answer\n", addr, port, type == SOCK_STREAM ? "tcp" : "udp");
    return -1;
}

static int ask_both(int family, const char *addr, int tcp_port, int udp_port)
{
    return ask(family, SOCK_STREAM, addr, tcp_port, "tcp") < 0 ||
           ask(family, SOCK_DGRAM, addr, udp_port, "udp") < 0 ? -1 : 0;
}

/* Two boxes on one bridge: alpha serves, beta asks by name and by address, v4 and v6, TCP
 * and UDP; the caller asks alpha too. */
static int two_boxes(void)
{
    const char *const server[] = { PY, "-c", server_py, NULL };
    char out[4096], addr4[64], addr6[64];
    box_t *a = usr_box("alpha"), *b;
    int fd, r = 0;
    box_status_t st;

    if (!a || box_net_bridge(a, "tb0", "10.66.0.0/24", "fd00:66::/64", 0) < 0)
        return 10;
    if ((fd = spawn_out(a, server)) < 0 || wait_ready(fd) < 0)
        return 11;
    if (box_net_address(a, AF_INET, addr4, sizeof addr4) < 0 ||
        box_net_address(a, AF_INET6, addr6, sizeof addr6) < 0 || strcmp(addr4, "10.66.0.2") ||
        strcmp(addr6, "fd00:66::2"))
        return 12;
    if (!link_exists("tb0"))
        return 13;
    for (int i = 0; i < 3 && !r; i++) {
        const char *host = i == 0 ? "alpha" : i == 1 ? addr4 : addr6;
        const char *fams = i == 0 ? "46" : i == 1 ? "4" : "6";
        const char *const client[] = { PY, "-c", client_py, host, "7000", fams, NULL };
        const char *expect = i == 0 ? "v4 tcp ok:tcp\nv4 udp ok:udp\nv6 tcp ok:tcp\nv6 udp ok:udp\n"
                             : i == 1 ? "v4 tcp ok:tcp\nv4 udp ok:udp\n"
                                      : "v6 tcp ok:tcp\nv6 udp ok:udp\n";

        b = usr_box("beta");
        if (!b || box_net_bridge(b, "tb0", "10.66.0.0/24", "fd00:66::/64", 0) < 0)
            return 14;
        read_out(spawn_out(b, client), out, sizeof out);
        if (box_wait(b, -1, &st) < 0 || st.exit_code != 0)
            return 15;
        box_free(b);
        if (strcmp(out, expect)) {
            fprintf(stderr, "beta asking %s got:\n%s", host, out);
            r = 16;
        }
    }
    /* the caller reaches alpha over the bridge */
    if (!r && (ask_both(AF_INET, addr4, 7000, 7000) < 0 || ask_both(AF_INET6, addr6, 7000, 7000) < 0))
        r = 17;
    box_free(a);
    close(fd);
    if (!r && link_exists("tb0"))
        r = 18; /* the last box took the bridge it made with it */
    return r;
}

static void test_two_boxes(void **state)
{
    (void)state;
    needs_python();
    in_own_netns(two_boxes);
}

/* Published ports, TCP and UDP, reached from the test's namespace at the bridge's address
 * (v4 and v6); a port in use fails the spawn naming it; nothing stays behind. */
static int publish(void)
{
    const char *const server[] = { PY, "-c", server_py, NULL };
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(18090) };
    box_t *a = usr_box("pub"), *c;
    int fd, busy, r = 0;

    if (!a || box_net_bridge(a, "tb1", "10.67.0.0/24", "fd00:67::/64", 0) < 0 ||
        box_net_publish(a, "18080:7000") < 0 || box_net_publish(a, "18081:7000/udp") < 0)
        return 10;
    if ((fd = spawn_out(a, server)) < 0 || wait_ready(fd) < 0)
        return 11;
    if (ask_both(AF_INET, "10.67.0.1", 18080, 18081) < 0 ||
        ask_both(AF_INET6, "fd00:67::1", 18080, 18081) < 0)
        r = 12;
    /* a second box cannot publish the same port; nor any box a port someone else uses */
    c = usr_box("pub2");
    if (!r && (!c || box_net_bridge(c, "tb1", "10.67.0.0/24", "fd00:67::/64", 0) < 0 ||
               box_net_publish(c, "18080:7000") < 0 ||
               box_spawn(c, server) != -EADDRINUSE ||
               !strstr(box_errmsg(c), "host port 18080/tcp is in use")))
        r = 13;
    box_free(c);
    busy = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (!r && bind(busy, (struct sockaddr *)&sa, sizeof sa) < 0)
        r = 14;
    c = usr_box("pub3");
    if (!r && (!c || box_net_bridge(c, "tb1", "10.67.0.0/24", "fd00:67::/64", 0) < 0 ||
               box_net_publish(c, "18090:7000") < 0 || box_spawn(c, server) != -EADDRINUSE ||
               !strstr(box_errmsg(c), "18090/tcp is in use")))
        r = 15;
    if (r == 15)
        fprintf(stderr, "pub3: %s\n", box_errmsg(c));
    box_free(c);
    close(busy);
    if (!r && system("nft list table inet libbox-tb1-2 >/dev/null") != 0)
        r = 16;
    box_free(a);
    close(fd);
    if (!r && system("nft list table inet libbox-tb1-2 >/dev/null 2>&1") == 0)
        r = 17; /* the box's rules went with it */
    if (!r && link_exists("tb1"))
        r = 18;
    return r;
}

static void test_publish(void **state)
{
    (void)state;
    needs_python();
    if (system("nft --version >/dev/null 2>&1") != 0) {
        print_message("skip: no nft to look at the rules (Debian package nftables)\n");
        skip();
    }
    in_own_netns(publish);
}

/* 50 boxes on one bridge: 50 distinct addresses, a stale lease (dead owner) taken back,
 * and every lease released afterwards. */
static int fifty(void)
{
    const char *const argv[] = { "/nothing", NULL };
    char path[512], seen[50][64];
    box_t *boxes[50] = { 0 };
    struct stat st;
    int fd, r = 0;

    if (stat("/proc/self/ns/net", &st) < 0)
        return 10;
    snprintf(path, sizeof path, "%s/net/%lu/tb2", run_dir, (unsigned long)st.st_ino);
    {
        char cmd[1400];

        snprintf(cmd, sizeof cmd, "mkdir -p %s && echo '999999999 1 ghost' > %s/lease-2", path,
                 path);
        if (system(cmd) != 0)
            return 11;
    }
    for (int i = 0; i < 50 && !r; i++) {
        char name[16];

        snprintf(name, sizeof name, "b%d", i);
        if (box_new(&boxes[i], 0) < 0 || box_set_hostname(boxes[i], name) < 0 ||
            box_net_bridge(boxes[i], "tb2", "10.68.0.0/24", "fd00:68::/64", 0) < 0 ||
            box_set_options(boxes[i], BOX_OPT_HOLD | BOX_OPT_DIE_WITH_PARENT) < 0 ||
            box_spawn(boxes[i], argv) < 0 ||
            box_net_address(boxes[i], AF_INET, seen[i], sizeof seen[i]) < 0) {
            fprintf(stderr, "box %d: %s\n", i, box_errmsg(boxes[i]));
            r = 12;
        }
        for (int j = 0; j < i && !r; j++)
            if (strcmp(seen[i], seen[j]) == 0)
                r = 13;
    }
    if (!r && strcmp(seen[0], "10.68.0.2") != 0) /* the stale lease was taken back */
        r = 14;
    {
        char cmd[1400];

        snprintf(cmd, sizeof cmd, "test $(ls %s | grep -c '^lease-') = 50 && "
                 "test $(grep -c b49 %s/hosts) = 2", path, path);
        if (!r && system(cmd) != 0)
            r = 15;
    }
    for (int i = 0; i < 50; i++)
        box_free(boxes[i]);
    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!r && fd >= 0)
        r = 16; /* every lease, the hosts file and the directory are gone */
    if (fd >= 0)
        close(fd);
    if (!r && link_exists("tb2"))
        r = 17;
    return r;
}

static void test_fifty(void **state)
{
    (void)state;
    in_own_netns(fifty);
}

/* Outbound NAT: libbox's masquerade table while a box is on the bridge, forwarding on. */
static int nat(void)
{
    const char *const argv[] = { "/nothing", NULL };
    char fwd[4] = "";
    box_t *box = NULL;
    int fd, r = 0;

    if (box_new(&box, 0) < 0 || box_net_bridge(box, "tb3", NULL, NULL, BOX_NET_NAT) < 0 ||
        box_set_options(box, BOX_OPT_HOLD | BOX_OPT_DIE_WITH_PARENT) < 0 ||
        box_spawn(box, argv) < 0) {
        fprintf(stderr, "nat: %s\n", box_errmsg(box));
        return 10;
    }
    if (system("nft list table inet libbox-tb3 | grep -q 'ip saddr 10.88.0.0/16 oifname != "
               "\"tb3\" masquerade' && nft list table inet libbox-tb3 | grep -q 'ip6 saddr "
               "fd00:88::/64 oifname != \"tb3\" masquerade'") != 0)
        r = 11;
    fd = open("/proc/sys/net/ipv4/ip_forward", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, fwd, 1) != 1 || fwd[0] != '1')
        r = r ? r : 12;
    if (fd >= 0)
        close(fd);
    box_free(box);
    if (!r && system("nft list table inet libbox-tb3 >/dev/null 2>&1") == 0)
        r = 13;
    return r;
}

static void test_nat(void **state)
{
    (void)state;
    if (system("nft --version >/dev/null 2>&1") != 0) {
        print_message("skip: no nft to look at the rules (Debian package nftables)\n");
        skip();
    }
    in_own_netns(nat);
}

/* The "outside" for NAT: a network namespace of the test's own (a child of this process
 * unshares it) behind the veth vo (192.0.2.1, 2001:db8::1 here) - vi (.2 and ::2 there),
 * with no route to the boxes' subnets: only masqueraded traffic can be answered. `script`
 * runs there (sh -c; $SERVER_PY and $CLIENT_PY hold the programs), its stdout in *out.
 * Returns its pid, or -1. */
static pid_t outside(const char *script, int *out)
{
    int go[2], ready[2], o[2];
    char cmd[512], byte = 0;
    pid_t child;

    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0)
        return -1;
    setenv("SERVER_PY", server_py, 1);
    setenv("CLIENT_PY", client_py, 1);
    fflush(NULL);
    child = fork();
    if (child == 0) {
        if (unshare(CLONE_NEWNET) < 0 || write(ready[1], "", 1) != 1 ||
            read(go[0], &byte, 1) != 1 || dup2(o[1], 1) < 0)
            _exit(127);
        execl("/bin/sh", "sh", "-c", "ip link set lo up && ip addr add 192.0.2.2/24 dev vi && "
              "ip -6 addr add 2001:db8::2/64 dev vi nodad && ip link set vi up && "
              "eval \"$0\"", script, (char *)NULL);
        _exit(127);
    }
    close(o[1]);
    *out = o[0];
    snprintf(cmd, sizeof cmd, "ip link add vo type veth peer name vi && ip link set vi netns %d "
             "&& ip addr add 192.0.2.1/24 dev vo && ip -6 addr add 2001:db8::1/64 dev vo nodad "
             "&& ip link set vo up", (int)child);
    if (read(ready[0], &byte, 1) != 1 || system(cmd) != 0 || write(go[1], "", 1) != 1) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        child = -1;
    }
    close(go[0]);
    close(go[1]);
    close(ready[0]);
    close(ready[1]);
    return child;
}

/* Run the client in the outside namespace (that of pid) against host:18095; its output
 * into out. */
static int ask_from(pid_t pid, const char *host, const char *fams, char *out, size_t size)
{
    const char *const argv[] = { PY, "-c", client_py, host, "18095", fams, NULL };
    char path[64];
    int o[2], status;
    pid_t child;

    if (pipe2(o, O_CLOEXEC) < 0)
        return -1;
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    fflush(NULL);
    child = fork();
    if (child == 0) {
        int ns = open(path, O_RDONLY | O_CLOEXEC);

        if (ns < 0 || setns(ns, CLONE_NEWNET) < 0 || dup2(o[1], 1) < 0)
            _exit(127);
        execv(PY, (char *const *)argv);
        _exit(127);
    }
    close(o[1]);
    read_out(o[0], out, size);
    return waitpid(child, &status, 0) == child && WIFEXITED(status) &&
                   WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void end_outside(pid_t pid, int fd)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fd);
}

/* Outbound NAT carries traffic: a box on a BOX_NET_NAT bridge reaches a server outside
 * (another namespace of the test's, which has no route back to the box), TCP and UDP over
 * IPv4 and IPv6; and a port a box publishes is reached from outside at the caller's
 * address there. Nothing of it stays behind. */
static int nat_traffic(void)
{
    const char *const server[] = { PY, "-c", server_py, NULL };
    char out[4096];
    box_status_t st;
    box_t *b;
    int fd, sfd, r = 0;
    pid_t srv;

    if ((srv = outside("exec " PY " -c \"$SERVER_PY\"", &sfd)) < 0)
        return 10;
    if (wait_ready(sfd) < 0) {
        fprintf(stderr, "the outside server did not start\n");
        r = 10;
    }
    for (int i = 0; i < 2 && !r; i++) {
        const char *const client[] = { PY, "-c", client_py, i ? "2001:db8::2" : "192.0.2.2",
                                       "7000", i ? "6" : "4", NULL };

        b = usr_box("inside");
        if (!b || box_net_bridge(b, "tb5", "10.69.0.0/24", "fd00:69::/64", BOX_NET_NAT) < 0) {
            r = 11;
            break;
        }
        read_out(spawn_out(b, client), out, sizeof out);
        if (box_wait(b, -1, &st) < 0 || st.exit_code != 0 ||
            strcmp(out, i ? "v6 tcp ok:tcp\nv6 udp ok:udp\n" : "v4 tcp ok:tcp\nv4 udp ok:udp\n")) {
            fprintf(stderr, "inside asking outside got:\n%s", out);
            r = 12;
        }
        box_free(b);
    }

    /* published: outside asks the caller's address there, the box answers */
    b = usr_box("served");
    if (!r && (!b || box_net_bridge(b, "tb5", "10.69.0.0/24", "fd00:69::/64", BOX_NET_NAT) < 0 ||
               box_net_publish(b, "18095:7000") < 0 ||
               box_net_publish(b, "18095:7000/udp") < 0 || (fd = spawn_out(b, server)) < 0 ||
               wait_ready(fd) < 0)) {
        fprintf(stderr, "served: %s\n", b ? box_errmsg(b) : "");
        r = 13;
    }
    if (!r) {
        if (ask_from(srv, "192.0.2.1", "4", out, sizeof out) < 0 ||
            strcmp(out, "v4 tcp ok:tcp\nv4 udp ok:udp\n") != 0) {
            fprintf(stderr, "outside asking the published port got:\n%s", out);
            r = 15;
        }
        close(fd);
    }
    end_outside(srv, sfd);
    box_free(b);
    if (!r && (link_exists("tb5") || system("nft list tables 2>/dev/null | grep -q libbox") == 0))
        r = 16; /* the bridge and libbox's tables went with the last box */
    return r;
}

static void test_nat_traffic(void **state)
{
    (void)state;
    needs_python();
    in_own_netns(nat_traffic);
}

/* Bad input: every error names what is wrong. */
static int bad_input(void)
{
    const char *const argv[] = { "/nothing", NULL };
    box_t *box = NULL, *other = NULL;
    int r = 0;

#define EXPECT(call, err, text)                                                              \
    do {                                                                                     \
        int rc_ = (call);                                                                    \
        if (!r && (rc_ != (err) || !strstr(box_errmsg(box), text))) {                        \
            fprintf(stderr, "line %d: %d '%s'\n", __LINE__, rc_, box_errmsg(box));           \
            r = __LINE__;                                                                    \
        }                                                                                    \
    } while (0)
    if (box_new(&box, 0) < 0)
        return 1;
    EXPECT(box_net_bridge(box, "a-very-long-bridge", NULL, NULL, 0), -EINVAL,
           "bridge name 'a-very-long-bridge' is too long");
    EXPECT(box_net_bridge(box, "bad/name", NULL, NULL, 0), -EINVAL, "bad bridge name");
    EXPECT(box_net_bridge(box, "tb4", "10.0.0.1/24", NULL, 0), -EINVAL,
           "bad IPv4 subnet '10.0.0.1/24'");
    EXPECT(box_net_bridge(box, "tb4", "10.0.0.0/33", NULL, 0), -EINVAL, "bad IPv4 subnet");
    EXPECT(box_net_bridge(box, "tb4", "nonsense", NULL, 0), -EINVAL, "'nonsense'");
    EXPECT(box_net_bridge(box, "tb4", NULL, "fd00::/16", 0), -EINVAL, "bad IPv6 subnet");
    EXPECT(box_net_bridge(box, "tb4", NULL, NULL, 0x80), -EINVAL, "unknown flags");
    EXPECT(box_net_ip(box, "10.88.0.5"), -EINVAL, "on no bridge");
    EXPECT(box_net_publish(box, "80"), -EINVAL, "bad port '80'");
    EXPECT(box_net_publish(box, "0:80"), -EINVAL, "bad port '0:80'");
    EXPECT(box_net_publish(box, "80:80/sctp"), -EINVAL, "bad port '80:80/sctp'");
    EXPECT(box_net_publish(box, "8080:80"), 0, "");
    EXPECT(box_net_publish(box, "8080:81/tcp"), -EINVAL, "published twice");
    EXPECT(box_spawn(box, argv), -EINVAL, "box_net_publish needs box_net_bridge or box_net_pasta");
    box_free(box);
    box = NULL;
    if (box_new(&box, 0) < 0)
        return 1;
    EXPECT(box_net_bridge(box, "tb4", "10.69.0.0/24", "", 0), 0, "");
    EXPECT(box_net_ip(box, "10.69.1.5"), -EINVAL, "'10.69.1.5' is not a host address");
    EXPECT(box_net_ip(box, "10.69.0.1"), -EINVAL, "not a host address");
    EXPECT(box_net_ip(box, "10.69.0.255"), -EINVAL, "not a host address");
    EXPECT(box_net_ip(box, "10.69.0.9"), 0, "");
    EXPECT(box_set_options(box, BOX_OPT_HOLD | BOX_OPT_DIE_WITH_PARENT), 0, "");
    EXPECT(box_spawn(box, argv), 0, "");
    {
        char a[64] = "";

        if (!r && (box_net_address(box, AF_INET, a, sizeof a) < 0 || strcmp(a, "10.69.0.9")))
            r = 100;
        if (!r && box_net_address(box, AF_INET6, a, sizeof a) != -ENOENT)
            r = 101;
    }
    /* the same address again, other subnets on the same bridge */
    if (box_new(&other, 0) < 0)
        return 1;
    {
        box_t *keep = box;

        box = other;
        EXPECT(box_net_bridge(box, "tb4", "10.69.0.0/24", "", 0), 0, "");
        EXPECT(box_net_ip(box, "10.69.0.9"), 0, "");
        EXPECT(box_spawn(box, argv), -EADDRINUSE, "that address is taken on bridge tb4");
        EXPECT(box_net_bridge(box, "tb4", "10.70.0.0/24", "", 0), 0, "");
        EXPECT(box_spawn(box, argv), -EINVAL,
               "bridge tb4 is in use with subnets '10.69.0.0/24 -/0', not '10.70.0.0/24 -/0'");
        box = keep;
    }
    box_free(other);
    box_free(box);
    /* pasta missing */
    box = NULL;
    if (box_new(&box, 0) < 0)
        return 1;
    setenv("LIBBOX_PASTA", "/nonexistent/pasta", 1);
    EXPECT(box_net_pasta(box, 1), -EINVAL, "unknown flags");
    EXPECT(box_net_pasta(box, 0), 0, "");
    EXPECT(box_spawn(box, argv), -ENOENT, "pasta not found (/nonexistent/pasta; install");
    unsetenv("LIBBOX_PASTA");
    box_free(box);
#undef EXPECT
    return r;
}

static void test_bad_input(void **state)
{
    (void)state;
    in_own_netns(bad_input);
}

/* A box through pasta serves published ports to the caller, on loopback. The test's
 * namespace gets a template interface for pasta to copy (an address and default routes). */
static int pasta(void)
{
    const char *const server[] = { PY, "-c", server_py, NULL };
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(18085) };
    box_t *a;
    int fd, r = 0, probe;

    if (system("ip link add v0 type veth peer name v1 && ip addr add 10.55.0.1/24 dev v0 && "
               "ip link set v0 up && ip link set v1 up && ip route add default via 10.55.0.254 "
               "&& ip -6 addr add fd55::1/64 dev v0 nodad && "
               "ip -6 route add default via fd55::fe") != 0)
        return 10;
    a = usr_box("p1");
    if (!a || box_net_pasta(a, 0) < 0 || box_net_publish(a, "18085:7000") < 0 ||
        box_net_publish(a, "18086:7000/udp") < 0)
        return 11;
    fd = spawn_out(a, server);
    if (fd < 0 && strstr(box_errmsg(a), "/dev/net/tun")) {
        printf("skip: %s\n", box_errmsg(a));
        box_free(a);
        return 77;
    }
    if (fd < 0 || wait_ready(fd) < 0)
        return 13;
    /* TCP on loopback and the caller's other addresses; UDP over IPv4 to those (the passt
     * of Debian 12, 2023.02, answers no UDP forwarded from loopback or over IPv6) */
    if (ask(AF_INET, SOCK_STREAM, "127.0.0.1", 18085, "tcp") < 0 ||
        ask(AF_INET6, SOCK_STREAM, "::1", 18085, "tcp") < 0 ||
        ask(AF_INET6, SOCK_STREAM, "fd55::1", 18085, "tcp") < 0 ||
        ask_both(AF_INET, "10.55.0.1", 18085, 18086) < 0)
        r = 14;
    box_free(a);
    close(fd);
    /* pasta is gone with the box: the port is free again (SO_REUSEADDR: past the
     * TIME_WAIT of our own connections, never past a listener) */
    probe = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
    if (!r && bind(probe, (struct sockaddr *)&sa, sizeof sa) < 0)
        r = 15;
    close(probe);
    return r;
}

static void test_pasta(void **state)
{
    (void)state;
    needs_python();
    if (access("/usr/bin/pasta", X_OK) != 0) {
        print_message("skip: no pasta (Debian package passt)\n");
        skip();
    }
    in_own_netns(pasta);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_input, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_two_boxes, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_publish, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_nat, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_nat_traffic, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_fifty, leak_setup, leak_teardown),
        cmocka_unit_test_setup_teardown(test_pasta, leak_setup, leak_teardown),
    };

    return test_main(argc, argv, tests, sizeof tests / sizeof tests[0], tests,
                     sizeof tests / sizeof tests[0]);
}
