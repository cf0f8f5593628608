/* boxrun — the command-line face of libbox: run one program in a box.
 *
 * Accepts bubblewrap's spelling for what bubblewrap also does (so bwrap command lines run
 * unchanged, mounts in command-line order) and isolate's spelling for limits. See --help
 * for every option and where boxrun differs from bwrap.
 *
 * Two personalities of one binary. Run as boxrun, libbox's secure defaults hold (a clean
 * environment, no capabilities, the default seccomp list, every namespace). Run under a
 * name beginning with "bwrap" (the bwrap-libbox link), it is a drop-in bubblewrap 0.11:
 * the caller's environment, cwd and descriptors are inherited, root keeps its
 * capabilities, only the namespaces asked for are made, the seccomp filter holds only the
 * keyring calls, and messages and exit codes are bwrap's.
 *
 * Exit status: the program's exit code, 128+signal when it was killed, 125 when boxrun
 * itself failed (one line on stderr: "boxrun: <message>"); as bwrap, 1 and "bwrap: ". */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <box.h>

#include "tty.h"

#define EXIT_BOXRUN 125
#define EXIT_BWRAP 1
#define MAX_CAPS 64
#define MAX_FDS 256
#define MAX_ENV 1024
#define MAX_MAPS 340
#define MAX_ARGS 16 /* --args uses in all */
#define MAX_OVERLAY_SRC 500 /* the kernel's limit on overlay layers */

static const char usage_text[] =
    "usage: boxrun [OPTION...] [--] PROGRAM [ARG...]\n"
    "Run PROGRAM in a box built by libbox. Options are applied in command-line order;\n"
    "mounts are made in that order. bubblewrap's options are accepted with bwrap's meaning.\n"
    "\n"
    "Namespaces:\n"
    "  With no bwrap namespace option, the box gets libbox's default: new user, pid, mount,\n"
    "  uts, ipc, net (only lo) and cgroup namespaces. As soon as any of the options below is\n"
    "  given, bwrap's rules apply exactly: share everything except the mount namespace and\n"
    "  unshare only what is asked for (a user namespace is always made when boxrun does not\n"
    "  run as root, as bwrap does); the program then runs as the caller's own uid/gid.\n"
    "  --unshare-user, --unshare-ipc, --unshare-pid, --unshare-net, --unshare-uts,\n"
    "  --unshare-cgroup           unshare that namespace\n"
    "  --unshare-user-try, --unshare-cgroup-try   the same, if this host allows it\n"
    "  --unshare-all              all of them (user and cgroup as the -try forms)\n"
    "  --share-net                keep the host network (after --unshare-all)\n"
    "  --time-ns                  also a time namespace (libbox's; with either rule set)\n"
    "  --time-offset CLOCK=SECONDS   with --time-ns: the box's monotonic or boottime clock\n"
    "                             reads SECONDS ahead (negative: behind) of this host's\n"
    "  --veth IF ADDR/PREFIX BOXADDR   a veth pair: IF with ADDR/PREFIX here, eth0 with\n"
    "                             BOXADDR in the box, its default route via ADDR (IPv4;\n"
    "                             needs CAP_NET_ADMIN here, and a net namespace for the box)\n"
    "  --net none|bridge[=NAME]|pasta   a network namespace with only lo (none); on bridge\n"
    "                             NAME (default libbox0, made when missing) with an address\n"
    "                             of its own, IPv4 and IPv6 (needs CAP_NET_ADMIN here); or\n"
    "                             through pasta, without privilege. Both give the box\n"
    "                             /etc/hosts, /etc/hostname and /etc/resolv.conf\n"
    "  --subnet CIDR, --subnet6 CIDR|none   the bridge's subnets (10.88.0.0/16, fd00:88::/64)\n"
    "  --nat                      masquerade what the bridge's boxes send elsewhere\n"
    "  --ip ADDR                  the box's address on the bridge\n"
    "  -p, --publish HOST:BOX[/udp]   port HOST of this host's addresses reaches port BOX\n"
    "                             in the box (with --net bridge or pasta; TCP by default)\n"
    "\n"
    "Filesystem (targets are paths inside the box, created when missing):\n"
    "  --root DIR                 use DIR as the box's / (default: an empty tmpfs)\n"
    "  --root-ro                  make / read-only once all mounts are made (needs --root)\n"
    "  --image NAME[:TAG]         run from an image of the store (box_set_image): its layers\n"
    "                             with the box's own writable layer as /, its Env, WorkingDir,\n"
    "                             User, Entrypoint and Cmd as defaults the other options\n"
    "                             override; without a program, the image's Cmd runs\n"
    "  --store DIR                the image store (default: /var/lib/libbox for root,\n"
    "                             ~/.local/share/libbox otherwise); see boximage(1)\n"
    "  --bind SRC DEST            bind host SRC on DEST, read-write\n"
    "  --ro-bind SRC DEST         bind host SRC on DEST, read-only\n"
    "  --dev-bind SRC DEST        bind host SRC on DEST, device nodes allowed\n"
    "  --bind-try, --ro-bind-try, --dev-bind-try SRC DEST   the same; a missing SRC is skipped\n"
    "                             (a bind on / is the root: --bind DIR / is --root DIR,\n"
    "                             --ro-bind DIR / is --root DIR --root-ro; it must come before\n"
    "                             the other mounts)\n"
    "  --noexec, --norec          the next --bind, --ro-bind, --dev-bind (or -try), --bind-fd\n"
    "                             or --tmpfs is noexec; the next bind takes only the mount at\n"
    "                             SRC, not the mounts below it\n"
    "  --nofollow                 the next bind or --tmpfs fails if DEST is a symlink (as\n"
    "                             bwrap 0.12 refuses every mount); else it is followed in the box\n"
    "  --tmpfs DEST               mount a tmpfs on DEST (mode 0755)\n"
    "  --size BYTES               size of the next --tmpfs (K, M, G, T suffixes accepted)\n"
    "  --perms OCTAL              mode of the next --tmpfs, --dir, --file, --bind-data or\n"
    "                             --ro-bind-data (an existing --dir keeps its mode)\n"
    "  --proc DEST                mount a proc showing the box's processes on DEST\n"
    "  --dev DEST                 mount a minimal /dev on DEST\n"
    "  --mqueue DEST              mount the box's POSIX message queues on DEST\n"
    "  --dir DEST                 create the directory DEST\n"
    "  --symlink SRC DEST         create the symbolic link DEST pointing to SRC\n"
    "  --remount-ro DEST          make the mount at DEST read-only\n"
    "  --bind-fd FD DEST, --ro-bind-fd FD DEST   bind what descriptor FD names on DEST\n"
    "  --overlay-src SRC          a lower layer (bottom first) of the overlay that follows:\n"
    "  --overlay RWSRC WORKDIR DEST   an overlay on DEST, writes go to RWSRC\n"
    "  --tmp-overlay DEST         the same, writes go to a tmpfs nobody else sees\n"
    "  --ro-overlay DEST          the same, read-only (at least two layers)\n"
    "  --chmod OCTAL PATH         set the mode of PATH (in order with the mounts)\n"
    "  --file FD DEST             copy the contents of FD to a file DEST in the box\n"
    "  --bind-data FD DEST        the same, as bwrap's --bind-data\n"
    "  --ro-bind-data FD DEST     the same, read-only\n"
    "                             (the copy lives in a private directory under $TMPDIR or /tmp,\n"
    "                             bind-mounted into the box and removed when boxrun ends)\n"
    "\n"
    "Identity:\n"
    "  --uid N, --gid N           uid/gid of the program inside the box; with a user namespace\n"
    "                             and no --map-uid/--map-gid, N is mapped to the caller's id\n"
    "  --map-uid IN:OUT:COUNT     uid map entry of the user namespace (repeatable; root only\n"
    "  --map-gid IN:OUT:COUNT     for anything but the caller's own id)\n"
    "  --groups GID[,GID...]      supplementary groups of the program, inside the box (root\n"
    "                             only: a user namespace of an unprivileged caller has none)\n"
    "  --hostname NAME            hostname in the box (needs a uts namespace)\n"
    "  --cap-add CAP, --cap-drop CAP   capabilities the program keeps (default: none at all,\n"
    "                             even as root; CAP is a name such as CAP_NET_RAW, or ALL;\n"
    "                             --cap-add ALL --cap-drop CAP keeps all but CAP)\n"
    "  --seccomp-default on|off   libbox's default seccomp deny list (default: on; it fails\n"
    "                             mount, unshare, setns, ptrace, bpf, keyctl... with EPERM)\n"
    "  --seccomp-rule SYSCALL=ACTION[,CMP...]   rule for one system call, replacing the\n"
    "                             default list's: allow, kill, log, errno (EPERM) or errno:N;\n"
    "                             with comparisons (at most 6) only when all of them hold on\n"
    "                             the call's arguments: aN==V, aN!=V, aN<V, aN<=V, aN>V,\n"
    "                             aN>=V, aN&MASK==V (N 0..5, V decimal or 0x hex), e.g.\n"
    "                             socket=errno:97,a0==10; repeatable\n"
    "  --seccomp-default-action ACTION   what a call no rule names gets: allow (default),\n"
    "                             kill, log, errno or errno:N (an allow list: execve stays\n"
    "                             allowed unless a rule names it)\n"
    "  --seccomp-profile FILE     read --seccomp-rule lines from FILE, one per line, plus\n"
    "                             default=ACTION and deny-list=on|off lines; # comments\n"
    "  --seccomp-export FILE      write the filter the box would get as text to FILE (- for\n"
    "                             standard output) and exit without running anything\n"
    "  --allow-new-privs          do not set no_new_privs (a setuid binary may gain what it\n"
    "                             can in the box's namespaces); seccomp is then installed\n"
    "                             before capabilities are dropped; not with Landlock\n"
    "  --landlock PATH=ACCESS     the program may use the file system only below the PATHs\n"
    "                             given, each with ACCESS: r (read), w (write), x (execute)\n"
    "                             combined, e.g. /usr=rx; repeatable (Landlock)\n"
    "  --landlock-best-effort     run without Landlock where the kernel has none (default:\n"
    "                             fail)\n"
    "  --seccomp FD, --add-seccomp-fd FD   load a classic BPF seccomp program from FD, as\n"
    "                             bwrap does, on top of libbox's filter (the stricter verdict\n"
    "                             wins); --add-seccomp-fd stacks, --seccomp is one program\n"
    "  --userns FD, --pidns FD    join the user / pid namespace FD names (/proc/PID/ns/...)\n"
    "                             instead of making one; no maps for a joined user namespace\n"
    "  --userns2 FD               after the setup, switch to the user namespace FD (one below\n"
    "                             the setup's, as with --userns); --uid/--gid are its ids\n"
    "  --disable-userns           the program cannot make user namespaces (needs a user\n"
    "                             namespace); --assert-userns-disabled: fail unless it cannot\n"
    "\n"
    "Program:\n"
    "  --chdir DIR                working directory in the box (default: /)\n"
    "  --setenv VAR VALUE         set VAR in the program's environment\n"
    "  --unsetenv VAR             remove VAR from the program's environment\n"
    "  --clearenv                 clear the whole environment set so far, the default PATH\n"
    "                             included, as bwrap does. boxrun never passes its own\n"
    "                             environment on: the program gets only the default\n"
    "                             PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin\n"
    "                             (also used to find PROGRAM) and what --setenv gives. After\n"
    "                             --clearenv a PROGRAM (or a name the program runs) without a\n"
    "                             '/' is not found unless PATH is set again with --setenv\n"
    "  --fd N                     give the program descriptor N (as N). By default it gets\n"
    "                             only 0, 1 and 2; every other descriptor is closed\n"
    "  --argv0 VALUE              run PROGRAM with VALUE as its argv[0]\n"
    "  --args FD                  read NUL-separated arguments from FD and parse them here\n"
    "                             (they may hold --args too; at most 16 --args in all)\n"
    "  --init                     pid 1 is libbox's box-init, which reaps orphans and\n"
    "                             forwards signals (as docker --init); the program is pid 2.\n"
    "                             Not with --landlock or a --seccomp-default-action that denies\n"
    "  --die-with-parent          boxrun dies with its parent (the box always dies with boxrun)\n"
    "  --no-monitor               no libbox monitor process: the box's first process is\n"
    "                             boxrun's own child (a process less, a faster start and\n"
    "                             end); not with --detach or --join-ns/--userns/--pidns\n"
    "  --new-session              accepted; always on (the program has no controlling tty\n"
    "                             unless --tty gives it its own)\n"
    "  --tty                      the program gets a terminal of the box's own (a pty from\n"
    "                             the box's /dev/ptmx: give it --dev /dev) as its controlling\n"
    "                             terminal and stdio: an interactive shell with job control.\n"
    "                             boxrun relays it to its own terminal (raw mode meanwhile,\n"
    "                             restored at the end) and passes window size changes on\n"
    "  --join-ns TYPE:PATH        join the existing namespace at PATH (TYPE user, pid, mnt,\n"
    "                             uts, ipc, net, cgroup or time; e.g. net:/run/netns/x, or\n"
    "                             uts:/proc/PID/ns/uts) instead of making one; no symbolic\n"
    "                             link in PATH but /proc/PID/ns/NAME's own. A rootless caller\n"
    "                             joins another box's namespaces with its user namespace too\n"
    "  --lock-file PATH           the box holds a read lock on PATH (in the box) while it runs\n"
    "  --as-pid-1                 accepted; with a pid namespace the program is pid 1 unless\n"
    "                             --init (the two are refused together)\n"
    "\n"
    "Limits (isolate's spelling):\n"
    "  --mem BYTES                memory of the whole box (cgroup; K, M, G, T suffixes; the\n"
    "                             box is OOM-killed above it)\n"
    "  --processes N              tasks of the whole box (cgroup pids)\n"
    "  --cpu MILLIS               cpu bandwidth in thousandths of a cpu (cgroup)\n"
    "  --time SECONDS             cpu time of the whole box (cgroup), e.g. 1.5\n"
    "  --wall-time SECONDS        wall-clock time of the box, e.g. 0.5\n"
    "  --mem-high BYTES           soft memory limit: the box is throttled and reclaimed above\n"
    "                             it (cgroup memory.high; v1: the soft limit)\n"
    "  --swap BYTES               swap on top of --mem (0: none; cgroup v1 needs --mem)\n"
    "  --hugetlb BYTES            huge pages of the host's default size (0: none)\n"
    "  --cpu-weight N             relative cpu share, 1..10000 (100: the default)\n"
    "  --io-weight N              relative io share, 1..10000 (100: the default; needs an io\n"
    "                             scheduler with weights)\n"
    "  --cpuset-cpus LIST         the CPUs the box may run on, e.g. 0-3,6 (cgroup cpuset)\n"
    "  --cpuset-mems LIST         the memory nodes it may use (without one of the two: the\n"
    "                             parent cgroup's)\n"
    "  --io-read-bps DEV=BYTES, --io-write-bps DEV=BYTES   bytes per second the box may read\n"
    "                             from or write to the block device DEV (K, M, G, T suffixes)\n"
    "  --io-read-iops DEV=N, --io-write-iops DEV=N   the same in operations per second\n"
    "  --rlimit NAME=VALUE        per-process rlimit: nofile, nproc, fsize, core, stack, as\n"
    "                             (bytes, suffixes accepted) or cpu (seconds); repeatable\n"
    "  --cgroup-parent DIR        make the box's cgroup below DIR\n"
    "  --cgroup-backend auto|v1|v2   which cgroup hierarchies to use: auto (default: v2 where\n"
    "                             it has the controller, else v1), only v1, or only v2\n"
    "  --best-effort              skip a cgroup limit whose controller or file this host or\n"
    "                             caller cannot use (--verbose says why) instead of failing;\n"
    "                             never --cpuset-* or --io-read-*/--io-write-*\n"
    "  A limit this host cannot enforce makes boxrun fail (unless --best-effort); it is never\n"
    "  silently ignored.\n"
    "\n"
    "Reporting:\n"
    "  --info-fd FD               write {\"child-pid\": PID, \"NS-namespace\": ID...} (the\n"
    "                             namespaces the box made, as bwrap) to FD once it is built\n"
    "  --block-fd FD              once the box is built (after --info-fd), wait for a byte or\n"
    "                             end of file on FD before running the program\n"
    "  --userns-block-fd FD       libbox writes no uid/gid map: the reader of --info-fd\n"
    "                             writes /proc/PID/uid_map and gid_map, then a byte on FD\n"
    "                             (needs --info-fd; as bwrap, also --unshare-user)\n"
    "  --sync-fd FD               keep FD open while the box runs (its reader sees end of\n"
    "                             file when the box has ended); the program does not get it\n"
    "  --json-status-fd FD        write {\"child-pid\": PID} to FD once the program runs, then\n"
    "                             {\"exit-code\": N, ...} with the fields below when it ends\n"
    "  --json-status FILE         write the usage report to FILE as JSON: exit_code (null\n"
    "                             when killed), signal, reason (exited, signaled, wall-time,\n"
    "                             killed, oom, cpu-time), wall_s, cpu_user_s, cpu_system_s,\n"
    "                             max_rss_bytes, memory_peak_bytes, oom_kills. FILE is\n"
    "                             opened before the program runs; if boxrun fails (125)\n"
    "                             without a status, a FILE it created is removed and an\n"
    "                             existing one is left as it was\n"
    "  --detach                   the box outlives boxrun: boxrun prints its pid and exits\n"
    "                             once the program runs (or, with --block-fd, is started);\n"
    "                             needs --id. box-init is its pid 1\n"
    "  --id ID                    the detached box's id (letters, digits, '_', '.', '+', '-')\n"
    "  --state-dir DIR            where detached boxes keep their state (default /run/libbox\n"
    "                             for root, $XDG_RUNTIME_DIR/libbox for others)\n"
    "  --list                     list the detached boxes of the state directory (ID PID\n"
    "                             PHASE) and exit\n"
    "  --destroy ID               kill the detached box ID, remove its state and cgroups,\n"
    "                             print how it ended and exit\n"
    "  --exec ID [OPTIONS] [--] PROGRAM [ARGS...]\n"
    "                             run PROGRAM in the running box ID, in all its namespaces,\n"
    "                             with its root, capabilities and seccomp filter, and exit\n"
    "                             as it does; of the options, --uid, --gid, --chdir,\n"
    "                             --setenv (then the program gets exactly these variables),\n"
    "                             --tty and the limits apply (its own cgroup for cgroup\n"
    "                             limits)\n"
    "  --pause ID, --resume ID    freeze or thaw every process of the box ID\n"
    "  --update ID LIMITS...      new limits for the running box ID (--mem, --processes,\n"
    "                             --cpu, ...)\n"
    "  --ps ID                    print the pids of the box ID's processes, one a line\n"
    "  --probe                    print what this host and caller can do as JSON and exit\n"
    "  --verbose                  explain each setup step on stderr\n"
    "  --level-prefix             start each message with its syslog level (<3> errors)\n"
    "  --help, --version\n"
    "\n"
    "--exec-label and --file-label fail as in a bwrap without SELinux (rejected with an\n"
    "error, never ignored).\n"
    "\n"
    "Differences from bwrap: the environment is not inherited, the program starts with only\n"
    "PATH (see --clearenv); the working directory defaults to / instead of the caller's;\n"
    "descriptors other than 0-2 are not inherited (see --fd); no capabilities are kept, even\n"
    "for root (see --cap-add); libbox's default seccomp filter is installed; signals INT, TERM,\n"
    "HUP, QUIT, USR1 and USR2 sent to boxrun are forwarded to the program (as pid 1 it gets\n"
    "only those it handles; TERM as the image's StopSignal with --image). Run as bwrap-libbox (any name beginning with \"bwrap\"), the\n"
    "same binary behaves as bubblewrap 0.11 instead; see boxrun(1).\n"
    "\n"
    "Exit status: the program's exit code; 128+N when it was killed by signal N (the wall-time,\n"
    "cpu-time and memory limits kill with SIGKILL: 137); 125 when boxrun itself failed.\n";

static const char bwrap_usage_text[] =
    "    --help, --version, --args FD, --argv0 VALUE, --level-prefix\n"
    "    --unshare-all, --share-net, --unshare-{user,ipc,pid,net,uts,cgroup}[-try]\n"
    "    --userns FD, --userns2 FD, --pidns FD, --disable-userns, --assert-userns-disabled\n"
    "    --uid UID, --gid GID, --hostname NAME\n"
    "    --chdir DIR, --clearenv, --setenv VAR VALUE, --unsetenv VAR, --lock-file DEST\n"
    "    --sync-fd FD, --bind[-try], --dev-bind[-try], --ro-bind[-try] SRC DEST\n"
    "    --bind-fd FD DEST, --ro-bind-fd FD DEST, --remount-ro DEST\n"
    "    --overlay-src SRC, --overlay RWSRC WORKDIR DEST, --tmp-overlay DEST, --ro-overlay DEST\n"
    "    --proc DEST, --dev DEST, --tmpfs DEST, --mqueue DEST, --dir DEST\n"
    "    --file FD DEST, --bind-data FD DEST, --ro-bind-data FD DEST, --symlink SRC DEST\n"
    "    --seccomp FD, --add-seccomp-fd FD, --block-fd FD, --userns-block-fd FD, --info-fd FD,\n"
    "    --json-status-fd FD, --new-session, --die-with-parent, --as-pid-1\n"
    "    --cap-add CAP, --cap-drop CAP, --perms OCTAL, --size BYTES, --chmod OCTAL PATH\n"
    "    --not-a-security-boundary\n"
    "\n"
    "This is bubblewrap's command line run by libbox (boxrun's bubblewrap personality,\n"
    "see boxrun(1)); boxrun's own options (limits, --landlock, ...) are accepted too.\n"
    "--exec-label and --file-label fail (labeling not supported on this system: libbox\n"
    "has no SELinux).\n";

/* The personality (see the top of this file): chosen by main from argv[0]. */
static int bwrap;                          /* 1: behave as bubblewrap 0.11 */
static const char *prog_name = "boxrun";   /* message prefix */
static int exit_failure = EXIT_BOXRUN;     /* boxrun's own errors */
static int level_prefix;                   /* bwrap's --level-prefix: "<3>" before errors */
static const char *argv0 = "boxrun";

/* Everything the command line asks for that is applied after parsing. */
struct run {
    box_t *box;
    int verbose;
    /* bwrap namespace options */
    int bwrap_ns;            /* any of them was given */
    unsigned int unshare;    /* BOX_NS_* asked for */
    unsigned int unshare_try;
    int share_net;
    /* pending --size / --perms for the next mount */
    uint64_t next_size;
    int have_size;
    mode_t next_perms;
    int have_perms;
    /* root */
    const char *root;
    const char *image, *store; /* --image, --store (applied before the other options) */
    int root_ro;
    int n_mounts; /* mounts made so far, for "--bind DIR /" */
    /* identity */
    long long uid, gid; /* -1: not given */
    int n_uid_maps, n_gid_maps;
    const char *hostname;
    /* --net and its companions, applied after parsing */
    const char *net, *subnet4, *subnet6, *ip;
    unsigned int net_flags;
    /* capabilities, applied at the end since --cap-drop can undo --cap-add */
    int cap_all;
    uint64_t cap_dropped; /* after --cap-add ALL: the numbers --cap-drop took out */
    const char *caps[MAX_CAPS];
    int n_caps;
    int userns; /* the box gets a user namespace (set by apply_namespaces) */
    /* box options turned on in one box_set_option call after parsing */
    unsigned int opts; /* BOX_OPT_INIT, BOX_OPT_LIMITS_BEST_EFFORT */
    int as_pid_1;
    int time_ns;                   /* --time-ns */
    int tty;                       /* --tty */
    struct { unsigned int ns; const char *path; } joins[8]; /* --join-ns, in order */
    int n_joins;
    unsigned int next_mount_flags; /* pending --noexec / --norec / --nofollow */
    const char *seccomp_export;    /* --seccomp-export FILE */
    /* limits given, by BOX_LIMIT_* bit, for --verbose's report of what enforces them, and
     * their values (for --exec and --update, which apply them to a running box) */
    unsigned int limits_given;
    uint64_t limit_value[32];
    /* --cpuset-cpus and --cpuset-mems: one box_set_cpuset call at the end */
    const char *cpuset_cpus, *cpuset_mems;
    /* environment names set so far, for --clearenv */
    const char *env[MAX_ENV];
    const char *env_value[MAX_ENV]; /* --setenv's values, for --exec */
    int n_env;
    const char *cwd;                /* --chdir, for --exec */
    /* descriptors */
    int fds[MAX_FDS];
    int n_fds;
    int info_fd, json_status_fd;
    int block_fd, sync_fd; /* -1: not given */
    int userns_block_fd;   /* -1: not given; else libbox writes no maps (BOX_OPT_CALLER_MAPS) */
    int join_userns_fd, join_pidns_fd; /* --userns, --pidns: -1, or the namespace to join */
    int switch_userns_fd;              /* --userns2: -1, or the user namespace to switch to */
    const char *argv0;
    const char *json_status_file;
    int json_fd;          /* --json-status FILE, opened before the program runs */
    int json_created;     /* boxrun created it: removed if boxrun fails without a status */
    int probe;
    const char *state_dir;  /* --state-dir */
    int manage;             /* MANAGE_*: --list, --destroy, --exec ... */
    const char *manage_id;  /* their ID */
    int n_add_seccomp;       /* --add-seccomp-fd programs given */
    int seccomp_given;       /* --seccomp given */
    char *seccomp_last;      /* bwrap: the last --seccomp program, added after parsing */
    size_t seccomp_last_len;
    int seccomp_empty;       /* bwrap: an empty program (the kernel would refuse it) */
    unsigned int ns;         /* the namespaces made (BOX_NS_*), for the ns ids reported */
    int chdir_given;         /* --chdir seen (warned about when given twice) */
    int new_session, die_with_parent, root_devices, cap_option_used;
    unsigned int extra_opts; /* BOX_OPT_NO_USERNS, BOX_OPT_ASSERT_NO_USERNS */
    int n_lock_files;
    const char *overlay_src[MAX_OVERLAY_SRC]; /* pending --overlay-src layers */
    int n_overlay_src;
    char **host_paths;    /* relative sources made absolute (host_path) */
    int n_host_paths;
    /* bwrap: descriptors boxrun reads itself, not passed on to the program */
    int used_fds[MAX_FDS];
    int n_used_fds;
    char *inherited_env[MAX_ENV]; /* bwrap: names of the caller's variables (allocated) */
    int n_inherited_env;
    /* what --args allocated (freed at the end): one entry per --args, so this bounds how
     * many times --args may be given in all (nested or not), not how deeply it nests */
    char **args_vec[MAX_ARGS];
    char *args_buf[MAX_ARGS];
    int n_args;
    /* --file / --bind-data copies */
    char tmpdir[PATH_MAX];
    int n_files;
};

static struct run *cleanup_run;

static void cleanup_tmpdir(void)
{
    char path[PATH_MAX + 32];

    if (!cleanup_run)
        return;
    /* --json-status FILE without a status to write: take back a file boxrun created (an
     * existing file was not truncated and is left as it was). */
    if (cleanup_run->json_fd >= 0) {
        if (cleanup_run->json_created)
            unlink(cleanup_run->json_status_file);
        close(cleanup_run->json_fd);
        cleanup_run->json_fd = -1;
    }
    if (!cleanup_run->tmpdir[0])
        return;
    for (int i = 0; i < cleanup_run->n_files; i++) {
        snprintf(path, sizeof path, "%s/%d", cleanup_run->tmpdir, i);
        unlink(path);
    }
    rmdir(cleanup_run->tmpdir);
    cleanup_run->tmpdir[0] = '\0';
}

/* "PROG: " with bwrap's --level-prefix ("<3>" for errors, "<4>" for warnings). */
static void message_start(int level)
{
    if (level_prefix)
        fprintf(stderr, "<%d>", level);
    fprintf(stderr, "%s: ", prog_name);
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
    va_list ap;

    message_start(3);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    cleanup_tmpdir();
    exit(exit_failure);
}

static void __attribute__((format(printf, 1, 2))) warn(const char *fmt, ...)
{
    va_list ap;

    message_start(4);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* A libbox call failed: its message already names the step, the path and the errno.
 * `where` (or NULL) comes first when the call was made for a place the user must find,
 * such as FILE:LINE of a --seccomp-profile. */
static void check_at(struct run *r, const char *where, int rc)
{
    if (rc < 0) {
        const char *msg = box_errmsg(r->box);

        die("%s%s%s", where ? where : "", where ? ": " : "", msg[0] ? msg : strerror(-rc));
    }
}

static void check(struct run *r, int rc)
{
    check_at(r, NULL, rc);
}

static void __attribute__((format(printf, 2, 3))) note(const struct run *r, const char *fmt, ...)
{
    va_list ap;

    if (!r->verbose)
        return;
    message_start(7);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- number parsing: every value is checked, with the option named in the error ---- */

/* A decimal number, or with `suffix` a size as libbox reads it (box_parse_size: "64M",
 * "1.5G"), in min..max. */
static uint64_t parse_u64(const char *opt, const char *s, int suffix, uint64_t min, uint64_t max)
{
    uint64_t v;
    char *end;
    int rc;

    if (suffix) {
        rc = box_parse_size(s, &v);
        if (rc == -EINVAL)
            die("%s: bad size '%s' (a number with an optional K, M, G or T)", opt, s);
    } else {
        if (!s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
            die("%s: bad number '%s'", opt, s);
        errno = 0;
        v = strtoull(s, &end, 10);
        if (end == s || *end)
            die("%s: bad number '%s'", opt, s);
        rc = errno ? -ERANGE : 0;
    }
    if (rc < 0)
        die("%s: '%s' is too large", opt, s);
    if (v < min || v > max)
        die("%s: %s is out of range (%" PRIu64 "..%" PRIu64 ")", opt, s, min, max);
    return v;
}

/* "1", "0.5", "2.250" seconds (isolate's form: a number without a unit) -> milliseconds,
 * rounded up, at least 1. */
static uint64_t parse_seconds_ms(const char *opt, const char *s)
{
    uint64_t ns;

    if (!s[0] || strspn(s, "0123456789.") != strlen(s) || box_parse_duration(s, &ns) == -EINVAL)
        die("%s: bad number of seconds '%s'", opt, s);
    if (box_parse_duration(s, &ns) < 0)
        die("%s: '%s' is too large", opt, s);
    if (ns == 0)
        die("%s: must be more than 0 seconds", opt);
    return (ns + 999999) / 1000000;
}

/* A descriptor number; bwrap says "Invalid fd: S" for anything but a decimal >= 0. */
static int parse_fd_number(const char *opt, const char *s)
{
    char *end;
    long v;

    if (!bwrap)
        return (int)parse_u64(opt, s, 0, 0, INT_MAX);
    errno = 0;
    v = strtol(s, &end, 10);
    if (!s[0] || *end || v < 0 || v > INT_MAX || errno)
        die("Invalid fd: %s", s);
    return (int)v;
}

static void mark_used_fd(struct run *r, int fd)
{
    if (r->n_used_fds < MAX_FDS)
        r->used_fds[r->n_used_fds++] = fd;
}

/* A descriptor an option reads or writes itself: it must be open now. */
static int parse_fd(const char *opt, const char *s)
{
    int fd = parse_fd_number(opt, s);

    if (fcntl(fd, F_GETFD) < 0) {
        if (bwrap)
            die("Invalid fd: %s: %s", s, strerror(errno));
        die("%s %d: %s", opt, fd, strerror(errno));
    }
    return fd;
}

/* bwrap takes relative host paths relative to its working directory; so does boxrun.
 * Returns s itself when it is absolute, else a path r owns (freed at the end). */
static const char *host_path(struct run *r, const char *s)
{
    char cwd[PATH_MAX], *abs, **grown;

    if (s[0] == '/')
        return s;
    if (!getcwd(cwd, sizeof cwd))
        die("%s: relative path, and the working directory is unknown: %s", s, strerror(errno));
    grown = realloc(r->host_paths, (size_t)(r->n_host_paths + 1) * sizeof *grown);
    if (!grown || asprintf(&abs, "%s/%s", strcmp(cwd, "/") ? cwd : "", s) < 0)
        die("out of memory");
    r->host_paths = grown;
    grown[r->n_host_paths++] = abs;
    return abs;
}

/* "KEY=VALUE" (a path and its value): split at the last '=', since a path may hold one and
 * no VALUE does. KEY is copied into key; VALUE is returned. `form` names the syntax. */
static const char *split_key_value(const char *opt, const char *s, const char *form, char *key,
                                   size_t size)
{
    const char *eq = strrchr(s, '=');

    if (!eq || eq == s || !eq[1])
        die("%s: '%s' is not %s", opt, s, form);
    if ((size_t)(eq - s) >= size)
        die("%s: '%.*s' is too long", opt, (int)(eq - s), s);
    memcpy(key, s, (size_t)(eq - s));
    key[eq - s] = '\0';
    return eq + 1;
}

/* The kernel's cpu and memory node list: decimal "N" or "N-M", comma separated ("0-3,6"),
 * numbers up to 65535 as libbox takes. */
static void check_cpu_list(const char *opt, const char *s)
{
    const char *p = s;

    for (;;) {
        unsigned long lo, hi;
        char *end;

        if (!(*p >= '0' && *p <= '9'))
            break;
        lo = hi = strtoul(p, &end, 10);
        p = end;
        if (*p == '-') {
            if (!(p[1] >= '0' && p[1] <= '9'))
                break;
            hi = strtoul(p + 1, &end, 10);
            p = end;
        }
        if (hi < lo || hi > 65535)
            break;
        if (*p == '\0')
            return;
        if (*p++ != ',')
            break;
    }
    die("%s: bad list '%s' (numbers and ranges such as 0-3,6)", opt, s);
}

/* ---- option handlers ---- */

/* One table entry per option. `arg` is what the handler needs to tell the variants apart
 * (mount flags, a namespace bit, a limit), `nargs` how many arguments follow. */
struct option;
typedef void handler_t(struct run *r, const struct option *o, char **a);
struct option {
    const char *name;
    int nargs;
    handler_t *fn;
    unsigned int arg;
};

/* Set by the table: which options consume a pending --size / --perms. */
#define USES_SIZE  (1u << 30)
#define USES_PERMS (1u << 29)
#define USES_MOUNT_FLAGS (1u << 28) /* a pending --noexec / --norec / --nofollow */

/* Is `path` the box's root ("/", "//", "/./")? */
static int is_root_path(const char *path)
{
    if (path[0] != '/')
        return 0;
    for (; *path; path++)
        if (*path != '/' && !(*path == '.' && (path[1] == '/' || !path[1]) && path[-1] == '/'))
            return 0;
    return 1;
}

static void opt_bind(struct run *r, const struct option *o, char **a)
{
    unsigned int flags = (o->arg & ~USES_MOUNT_FLAGS) | r->next_mount_flags;
    const char *src = host_path(r, a[0]);
    struct stat st;

    if (bwrap && !(flags & BOX_MOUNT_TRY) && stat(src, &st) < 0)
        die("Can't find source path %s: %s", a[0], strerror(errno));
    /* Plain boxrun: a first bind on / is libbox's root (--root, --root-ro). As bwrap, and
     * for a later one (bwrap's --bind / / --tmpfs /tmp --ro-bind / /), it is a bind on
     * "/" that covers the root and what was mounted so far. */
    if (is_root_path(a[1]) && !bwrap && !r->root && r->n_mounts == 0) {
        if ((flags & BOX_MOUNT_TRY) && access(src, F_OK) != 0) {
            note(r, "%s: %s is missing, skipped", o->name, src);
            return;
        }
        r->root = src;
        r->root_ro = r->root_ro || (flags & BOX_MOUNT_RO);
        r->root_devices = (flags & BOX_MOUNT_DEVICES) != 0;
        return;
    }

    r->n_mounts++;
    note(r, "bind %s on %s%s%s%s%s%s", a[0], a[1], flags & BOX_MOUNT_RO ? " (read-only)" : "",
         flags & BOX_MOUNT_DEVICES ? " (devices allowed)" : "",
         flags & BOX_MOUNT_TRY ? " (if it exists)" : "",
         flags & BOX_MOUNT_EXEC_OFF ? " (noexec)" : "",
         flags & BOX_MOUNT_NOREC ? " (not the mounts below)" : "");
    check(r, box_mount(r->box, BOX_MOUNT_BIND, src, is_root_path(a[1]) ? "/" : a[1], flags));
}

/* --overlay-src SRC: a lower layer (bottom first) of the overlay option that follows. */
static void opt_overlay_src(struct run *r, const struct option *o, char **a)
{
    if (r->n_overlay_src == MAX_OVERLAY_SRC)
        die("%s: more than %d layers", o->name, MAX_OVERLAY_SRC);
    r->overlay_src[r->n_overlay_src++] = host_path(r, a[0]);
}

/* --overlay RWSRC WORKDIR DEST (o->arg 0), --tmp-overlay DEST (1: writes go to a tmpfs
 * nobody else sees), --ro-overlay DEST (2: read-only) over the --overlay-src layers. */
static void opt_overlay(struct run *r, const struct option *o, char **a)
{
    int need = o->arg == 2 ? 2 : 1;
    const char *dest = o->arg ? a[0] : a[2];

    if (r->n_overlay_src < need)
        die("%s requires at least %s --overlay-src", o->name, need == 2 ? "two" : "one");
    r->n_mounts++;
    note(r, "overlay of %d layers on %s%s", r->n_overlay_src, dest,
         o->arg == 1 ? " (writes to a private tmpfs)" : o->arg == 2 ? " (read-only)" : "");
    check(r, box_mount_overlay(r->box, dest, (size_t)r->n_overlay_src, r->overlay_src,
                               o->arg ? NULL : host_path(r, a[0]),
                               o->arg ? NULL : host_path(r, a[1]),
                               o->arg == 2 ? BOX_MOUNT_RO : 0));
    r->n_overlay_src = 0;
}

/* --bind-fd FD DEST, --ro-bind-fd FD DEST: the descriptor is the box's now. */
static void opt_bind_fd(struct run *r, const struct option *o, char **a)
{
    int fd = parse_fd(o->name, a[0]);

    r->n_mounts++;
    mark_used_fd(r, fd);
    note(r, "bind fd %d on %s%s", fd, a[1], o->arg & BOX_MOUNT_RO ? " (read-only)" : "");
    check(r, box_mount_fd(r->box, fd, is_root_path(a[1]) ? "/" : a[1],
                          (o->arg & ~USES_MOUNT_FLAGS) | r->next_mount_flags));
    close(fd);
}

static void opt_tmpfs(struct run *r, const struct option *o, char **a)
{
    mode_t mode = r->have_perms ? r->next_perms : 0755;

    (void)o;
    /* "--tmpfs /" first: the box's root already is an empty tmpfs without --root. */
    if (is_root_path(a[0])) {
        if (r->root || r->n_mounts > 0 || r->have_size || r->have_perms)
            die("--tmpfs /: supported only as the first mount, without --size or --perms "
                "(the root is an empty tmpfs by default)");
        note(r, "--tmpfs /: the root is an empty tmpfs by default");
        return;
    }
    r->n_mounts++;
    if (r->have_size)
        note(r, "tmpfs on %s, mode %04o, size %" PRIu64 " bytes", a[0], (unsigned int)mode,
             r->next_size);
    else
        note(r, "tmpfs on %s, mode %04o, size: the kernel's default (half of RAM)", a[0],
             (unsigned int)mode);
    if (r->next_mount_flags & BOX_MOUNT_NOREC)
        die("--norec applies to binds, not to --tmpfs");
    check(r, box_mount_tmpfs(r->box, a[0], r->have_size ? r->next_size : 0, mode,
                             r->next_mount_flags));
}

static void opt_mount(struct run *r, const struct option *o, char **a)
{
    static const char *const what[] = {
        [BOX_MOUNT_PROC] = "proc", [BOX_MOUNT_DEV] = "dev", [BOX_MOUNT_MQUEUE] = "mqueue",
        [BOX_MOUNT_DIR] = "directory", [BOX_MOUNT_REMOUNT_RO] = "read-only remount",
    };

    /* bwrap's "--remount-ro /" makes only / read-only, not the mounts on it: that is
     * --root-ro when the root is a directory. */
    if (o->arg == BOX_MOUNT_REMOUNT_RO && is_root_path(a[0]) && r->root) {
        note(r, "--remount-ro /: the root %s is made read-only after all mounts", r->root);
        r->root_ro = 1;
        return;
    }
    r->n_mounts++;
    note(r, "%s on %s", what[o->arg], a[0]);
    /* bwrap's --remount-ro is not recursive. */
    check(r, box_mount(r->box, (box_mount_type_t)o->arg, NULL, a[0],
                       bwrap && o->arg == BOX_MOUNT_REMOUNT_RO ? BOX_MOUNT_NOREC : 0));
}

static void opt_dir(struct run *r, const struct option *o, char **a)
{
    if (!r->have_perms) {
        opt_mount(r, o, a);
        return;
    }
    r->n_mounts++;
    r->have_perms = 0; /* --dir takes a pending --perms (its arg is the mount type) */
    note(r, "directory %s, mode %04o if it is created", a[0], (unsigned int)r->next_perms);
    check(r, box_mkdir(r->box, a[0], r->next_perms));
}

static mode_t parse_mode(const char *opt, const char *s)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 8);
    if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || s[0] == ' ' || v > 07777)
        die("%s: bad mode '%s' (octal, at most 07777)", opt, s);
    return (mode_t)v;
}

static void opt_chmod(struct run *r, const struct option *o, char **a)
{
    mode_t mode = parse_mode(o->name, a[0]);

    note(r, "chmod %04o %s", (unsigned int)mode, a[1]);
    check(r, box_chmod(r->box, a[1], mode));
}

static void opt_symlink(struct run *r, const struct option *o, char **a)
{
    (void)o;
    r->n_mounts++;
    note(r, "symlink %s -> %s", a[1], a[0]);
    check(r, box_mount(r->box, BOX_MOUNT_SYMLINK, a[0], a[1], 0));
}

/* bwrap's missing parents of what --file and --bind-data create follow its --perms:
 * 0755, less group (other) read and search when the file gives the group (others)
 * nothing. libbox's box_mkdir applies that rule to its own parents, and creates `dir`
 * itself with the mode given, so one box_mkdir of the parent makes the whole chain. */
static void private_parents(struct run *r, const char *dest, mode_t file_mode)
{
    mode_t mode = 0755;
    char *parent, *slash;

    if (!(file_mode & 0070))
        mode &= ~0050u;
    if (!(file_mode & 0007))
        mode &= ~0005u;
    if (mode == 0755) /* what libbox makes anyway */
        return;
    if (!(parent = strdup(dest)))
        die("out of memory");
    slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        note(r, "missing parents of %s: mode %04o", dest, (unsigned int)mode);
        check(r, box_mkdir(r->box, parent, mode));
    }
    free(parent);
}

/* --file / --bind-data / --ro-bind-data: copy FD into a private file and bind it. */
static void opt_file(struct run *r, const struct option *o, char **a)
{
    int fd = parse_fd(o->name, a[0]), out;
    char path[PATH_MAX + 32], buf[65536];
    /* bwrap's modes: --file 0666, the bind-data forms mkstemp's 0600 */
    mode_t mode = r->have_perms ? r->next_perms : strcmp(o->name, "--file") == 0 ? 0666 : 0600;
    ssize_t n;

    if (!r->tmpdir[0]) {
        const char *tmp = getenv("TMPDIR");

        snprintf(r->tmpdir, sizeof r->tmpdir, "%s/boxrun-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(r->tmpdir)) {
            int e = errno;

            r->tmpdir[0] = '\0';
            die("%s: mkdtemp in %s: %s", o->name, tmp && tmp[0] ? tmp : "/tmp", strerror(e));
        }
        /* The box's uid may not be the caller's: let it reach the files. */
        chmod(r->tmpdir, 0755);
    }
    snprintf(path, sizeof path, "%s/%d", r->tmpdir, r->n_files);
    out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0)
        die("%s: create %s: %s", o->name, path, strerror(errno));
    r->n_files++;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("%s: read fd %d: %s", o->name, fd, strerror(errno));
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));

            if (w < 0 && errno != EINTR)
                die("%s: write %s: %s", o->name, path, strerror(errno));
            off += w > 0 ? w : 0;
        }
    }
    if (fchmod(out, mode) < 0 || close(out) < 0)
        die("%s: %s: %s", o->name, path, strerror(errno));
    close(fd);
    mark_used_fd(r, fd);
    note(r, "copy of fd %d (%s) on %s, mode %04o%s", fd, path, a[1], (unsigned int)mode,
         o->arg & BOX_MOUNT_RO ? ", read-only" : "");
    r->n_mounts++;
    private_parents(r, a[1], mode);
    check(r, box_mount(r->box, BOX_MOUNT_BIND, path, a[1], o->arg & BOX_MOUNT_RO));
}

static void opt_unshare(struct run *r, const struct option *o, char **a)
{
    (void)a;
    r->bwrap_ns = 1;
    if (strstr(o->name, "-try"))
        r->unshare_try |= o->arg;
    else
        r->unshare |= o->arg;
}

static void opt_unshare_all(struct run *r, const struct option *o, char **a)
{
    (void)o, (void)a;
    r->bwrap_ns = 1;
    r->unshare |= BOX_NS_IPC | BOX_NS_PID | BOX_NS_NET | BOX_NS_UTS;
    r->unshare_try |= BOX_NS_USER | BOX_NS_CGROUP;
}

static void opt_share_net(struct run *r, const struct option *o, char **a)
{
    (void)o, (void)a;
    r->bwrap_ns = 1;
    r->share_net = 1;
}

static void opt_size(struct run *r, const struct option *o, char **a)
{
    /* bwrap's ceiling: half the address space, 2^63 - 1 */
    r->next_size = parse_u64(o->name, a[0], 1, 1, INT64_MAX);
    r->have_size = 1;
}

static void opt_perms(struct run *r, const struct option *o, char **a)
{
    r->next_perms = parse_mode(o->name, a[0]);
    r->have_perms = 1;
}

static void opt_id(struct run *r, const struct option *o, char **a)
{
    long long v = (long long)parse_u64(o->name, a[0], 0, 0, UINT32_MAX - 1);

    if ((o->arg ? r->gid : r->uid) >= 0)
        warn("Only the last %s option will take effect", o->name);
    if (o->arg)
        r->gid = v;
    else
        r->uid = v;
}

static void opt_map(struct run *r, const struct option *o, char **a)
{
    unsigned long long v[3];
    const char *p = a[0];
    int rc;

    for (int i = 0; i < 3; i++) {
        char *end;

        if (!(*p >= '0' && *p <= '9'))
            die("%s: bad map '%s' (INSIDE:OUTSIDE:COUNT)", o->name, a[0]);
        errno = 0;
        v[i] = strtoull(p, &end, 10);
        if (errno || v[i] > UINT32_MAX || *end != (i < 2 ? ':' : '\0'))
            die("%s: bad map '%s' (INSIDE:OUTSIDE:COUNT)", o->name, a[0]);
        p = end + 1;
    }
    if (v[2] == 0)
        die("%s: bad map '%s': COUNT must be at least 1", o->name, a[0]);
    note(r, "%s map: %llu..%llu inside is %llu.. outside", o->arg ? "gid" : "uid", v[0],
         v[0] + v[2] - 1, v[1]);
    if (o->arg) {
        rc = box_add_gid_map(r->box, (gid_t)v[0], (gid_t)v[1], (uint32_t)v[2]);
        r->n_gid_maps++;
    } else {
        rc = box_add_uid_map(r->box, (uid_t)v[0], (uid_t)v[1], (uint32_t)v[2]);
        r->n_uid_maps++;
    }
    check(r, rc);
}

static void opt_hostname(struct run *r, const struct option *o, char **a)
{
    if (r->hostname)
        warn("Only the last %s option will take effect", o->name);
    r->hostname = a[0];
    check(r, box_set_hostname(r->box, a[0]));
}

static void opt_chdir(struct run *r, const struct option *o, char **a)
{
    char *abs = NULL;

    if (r->chdir_given)
        warn("Only the last %s option will take effect", o->name);
    r->chdir_given = 1;
    r->cwd = a[0];
    note(r, "working directory %s", a[0]);
    /* As bwrap: a relative directory is taken from the box's "/", where it starts. */
    if (a[0][0] != '/' && asprintf(&abs, "/%s", a[0]) < 0)
        die("out of memory");
    check(r, box_set_cwd(r->box, abs ? abs : a[0]));
    free(abs);
}

static void opt_setenv(struct run *r, const struct option *o, char **a)
{
    (void)o;
    if (r->n_env == MAX_ENV)
        die("--setenv: more than %d variables", MAX_ENV);
    r->env[r->n_env] = a[0];
    r->env_value[r->n_env++] = a[1];
    check(r, box_setenv(r->box, a[0], a[1]));
}

static void opt_unsetenv(struct run *r, const struct option *o, char **a)
{
    (void)o;
    check(r, box_unsetenv(r->box, a[0]));
}

/* As bwrap's: everything set so far goes, the default (or inherited) PATH included. */
static void opt_clearenv(struct run *r, const struct option *o, char **a)
{
    (void)o, (void)a;
    for (int i = 0; i < r->n_inherited_env; i++)
        check(r, box_unsetenv(r->box, r->inherited_env[i]));
    for (int i = 0; i < r->n_env; i++)
        check(r, box_unsetenv(r->box, r->env[i]));
    check(r, box_unsetenv(r->box, "PATH"));
    r->n_env = 0;
    note(r, "environment cleared (PATH too: a program name without '/' needs --setenv PATH)");
}

/* --new-session: plain boxrun always makes one (libbox's default); bwrap only on request.
 * --die-with-parent: the box always dies with boxrun; this also makes boxrun die with its
 * own parent, as bwrap does. */
static void opt_session(struct run *r, const struct option *o, char **a)
{
    (void)a;
    if (o->arg)
        r->die_with_parent = 1;
    else
        r->new_session = 1;
}

static void opt_level_prefix(struct run *r, const struct option *o, char **a)
{
    (void)r, (void)o, (void)a;
    level_prefix = 1;
}

static void opt_lock_file(struct run *r, const struct option *o, char **a)
{
    char *abs = NULL;

    (void)o;
    /* A relative path is from the box's "/", as the working directory is. */
    if (a[0][0] != '/' && asprintf(&abs, "/%s", a[0]) < 0)
        die("out of memory");
    note(r, "lock file %s", abs ? abs : a[0]);
    check(r, box_lock_file(r->box, abs ? abs : a[0]));
    free(abs);
    r->n_lock_files++;
}

/* --userns FD, --pidns FD: join that namespace (box_join_namespace, applied with the other
 * namespace options); --userns2 FD: switch to it once set up (box_switch_user_namespace).
 * The descriptor is not the program's. */
static void opt_join(struct run *r, const struct option *o, char **a)
{
    int *slot = o->arg == BOX_NS_USER ? &r->join_userns_fd :
                o->arg == BOX_NS_PID ? &r->join_pidns_fd : &r->switch_userns_fd;
    int fd = parse_fd(o->name, a[0]);

    r->bwrap_ns = 1;
    if (*slot >= 0)
        warn("Only the last %s option will take effect", o->name);
    *slot = fd;
    mark_used_fd(r, fd);
}

/* --disable-userns, --assert-userns-disabled: a BOX_OPT_* bit in o->arg. */
static void opt_userns_option(struct run *r, const struct option *o, char **a)
{
    (void)a;
    r->extra_opts |= o->arg;
}

/* --as-pid-1 is what boxrun does anyway, unless --init puts box-init there instead. */
static void opt_as_pid_1(struct run *r, const struct option *o, char **a)
{
    (void)o, (void)a;
    r->as_pid_1 = 1;
}

/* --not-a-security-boundary: bwrap then only warns where remounting one submount of a
 * read-only bind fails (an unavailable automount). libbox makes a bind's whole tree
 * read-only with one recursive mount_setattr, which does not touch submounts one by one,
 * so it has no such failure to let through: the option changes nothing. */
static void opt_not_a_security_boundary(struct run *r, const struct option *o, char **a)
{
    (void)o, (void)a;
    note(r, "--not-a-security-boundary: no per-submount remount to relax (libbox makes a "
         "read-only bind recursively in one call)");
}

/* --exec-label, --file-label: SELinux labels. libbox has no SELinux support, so each is
 * refused with the words of a bwrap that finds SELinux off (the case on this kind of host);
 * a label is never ignored. */
static void opt_label(struct run *r, const struct option *o, char **a)
{
    (void)r, (void)o, (void)a;
    die("labeling not supported on this system");
}

static void opt_cap(struct run *r, const struct option *o, char **a)
{
    const char *name = a[0];
    int add = o->arg, found = -1;

    r->cap_option_used = 1;
    if (strcasecmp(name, "ALL") == 0) {
        r->cap_all = add;
        r->cap_dropped = 0;
        r->n_caps = 0;
        return;
    }
    if (r->cap_all) {
        /* Everything is kept: track what is taken out (and put back) by number. */
        int cap = box_cap_from_name(name);

        if (cap < 0)
            die("%s %s: unknown capability (after --cap-add ALL, one of CAP_CHOWN .. "
                "CAP_CHECKPOINT_RESTORE)", o->name, name);
        if (add)
            r->cap_dropped &= ~((uint64_t)1 << cap);
        else
            r->cap_dropped |= (uint64_t)1 << cap;
        return;
    }
    for (int i = 0; i < r->n_caps; i++)
        if (strcasecmp(r->caps[i], name) == 0)
            found = i;
    if (add) {
        if (found < 0) {
            if (r->n_caps == MAX_CAPS)
                die("--cap-add: more than %d capabilities", MAX_CAPS);
            r->caps[r->n_caps++] = name;
        }
    } else if (found >= 0) {
        r->caps[found] = r->caps[--r->n_caps];
    }
}

/* ---- seccomp, from options and --seccomp-profile lines alike: `where` names the option
 * or FILE:LINE in errors ---- */

/* One line of libbox's seccomp rule text (box_seccomp_rule_parse): SYSCALL=ACTION[,CMP...],
 * default=ACTION or deny-list=on|off. */
static void seccomp_line(struct run *r, const char *where, const char *text)
{
    const char *act = strchr(text, '='), *cmps = act ? strchr(act, ',') : NULL;

    if (strncmp(text, "default=", 8) == 0)
        note(r, "seccomp default action: %s", text + 8);
    else if (strncmp(text, "deny-list=", 10) == 0)
        note(r, "default seccomp deny list %s", text + 10);
    else if (act)
        note(r, "seccomp rule: %.*s -> %.*s%s%s", (int)(act - text), text,
             (int)(cmps ? (size_t)(cmps - act - 1) : strlen(act + 1)), act + 1,
             cmps ? " if " : "", cmps ? cmps + 1 : "");
    check_at(r, where, box_seccomp_rule_parse(r->box, text));
}

static void seccomp_option(struct run *r, const char *where, const char *prefix,
                           const char *value)
{
    char line[1100];

    if (snprintf(line, sizeof line, "%s%s", prefix, value) >= (int)sizeof line)
        die("%s: '%.40s...' is too long", where, value);
    seccomp_line(r, where, line);
}

static void opt_seccomp_default(struct run *r, const struct option *o, char **a)
{
    seccomp_option(r, o->name, "deny-list=", a[0]);
}

/* --seccomp-rule SYSCALL=ACTION[,COMPARISON...] */
static void opt_seccomp_rule(struct run *r, const struct option *o, char **a)
{
    seccomp_line(r, o->name, a[0]);
}

static void opt_seccomp_default_action(struct run *r, const struct option *o, char **a)
{
    seccomp_option(r, o->name, "default=", a[0]);
}

/* --seccomp-profile FILE: one rule per line, as --seccomp-rule takes it, and the lines
 * default=ACTION and deny-list=on|off; '#' starts a comment line. Applied at its place on
 * the command line, like the options it stands for. */
static void opt_seccomp_profile(struct run *r, const struct option *o, char **a)
{
    FILE *f = fopen(a[0], "re");
    char where[PATH_MAX + 64], *line = NULL;
    size_t cap = 0;
    unsigned int lineno = 0;
    ssize_t len;

    if (!f)
        die("%s %s: %s", o->name, a[0], strerror(errno));
    note(r, "seccomp profile %s", a[0]);
    while ((len = getline(&line, &cap, f)) >= 0) {
        char *p = line;

        lineno++;
        snprintf(where, sizeof where, "%s %s:%u", o->name, a[0], lineno);
        while (len > 0 && strchr(" \t\r\n", line[len - 1]))
            line[--len] = '\0';
        p += strspn(p, " \t");
        if (*p && *p != '#')
            seccomp_line(r, where, p);
    }
    if (ferror(f))
        die("%s %s: read: %s", o->name, a[0], strerror(errno));
    free(line);
    fclose(f);
}

/* Read a whole descriptor (a seccomp program: at most 4096 instructions). */
static char *read_program(const char *opt, int fd, size_t *len)
{
    size_t cap = 4096 * 8 + 1;
    char *buf = malloc(cap);
    ssize_t n;

    if (!buf)
        die("out of memory");
    *len = 0;
    while (*len < cap && (n = read(fd, buf + *len, cap - *len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (bwrap)
                die("Can't read seccomp data: %s", strerror(errno));
            die("%s %d: read: %s", opt, fd, strerror(errno));
        }
        *len += (size_t)n;
    }
    close(fd);
    return buf;
}

/* --seccomp FD / --add-seccomp-fd FD: classic BPF programs read from FD now, installed on
 * top of libbox's own filter. --add-seccomp-fd stacks (each program filters every call);
 * --seccomp is one program (the last one given), not to be combined with the other. */
static void opt_seccomp_bpf(struct run *r, const struct option *o, char **a)
{
    int add = strcmp(o->name, "--add-seccomp-fd") == 0, fd = parse_fd_number(o->name, a[0]);
    size_t len;
    char *prog;

    if (add && r->seccomp_given)
        die("--add-seccomp-fd cannot be combined with --seccomp");
    if (!add && r->n_add_seccomp)
        die("--seccomp cannot be combined with --add-seccomp-fd");
    if (!add && r->seccomp_given)
        warn("Only the last %s option will take effect", o->name);
    if (add)
        r->n_add_seccomp++;
    else
        r->seccomp_given = 1;
    if (fcntl(fd, F_GETFD) < 0) {
        if (bwrap)
            die("Can't read seccomp data: %s", strerror(errno));
        die("%s %d: %s", o->name, fd, strerror(errno));
    }
    mark_used_fd(r, fd);
    prog = read_program(o->name, fd, &len);
    if (len % 8)
        die(bwrap ? "Invalid seccomp data, must be multiple of 8"
                  : "%s %d: not a seccomp BPF program (not a multiple of 8 bytes)", o->name, fd);
    if (len == 0 || len > 4096 * 8) {
        /* bwrap hands such a program to the kernel, which refuses it; say so after
         * parsing, as late as bwrap would. */
        if (!bwrap)
            die("%s %d: not a seccomp BPF program (%s)", o->name, fd,
                len ? "more than 4096 instructions" : "empty");
        r->seccomp_empty = 1;
        free(prog);
        if (!add) { /* the last --seccomp is the one that counts */
            free(r->seccomp_last);
            r->seccomp_last = NULL;
        }
        return;
    }
    note(r, "seccomp BPF program from fd %d (%zu instructions), on top of libbox's filter",
         fd, len / 8);
    if (add) {
        check(r, box_seccomp_add_bpf(r->box, prog, len));
        free(prog);
    } else {
        free(r->seccomp_last);
        r->seccomp_last = prog;
        r->seccomp_last_len = len;
    }
}

static void opt_fd(struct run *r, const struct option *o, char **a)
{
    int fd = parse_fd(o->name, a[0]);

    if (r->n_fds == MAX_FDS)
        die("--fd: more than %d descriptors", MAX_FDS);
    r->fds[r->n_fds++] = fd;
}

/* --info-fd, --json-status-fd, --block-fd, --sync-fd: which one is in o->arg. */
enum { FD_INFO, FD_JSON_STATUS, FD_BLOCK, FD_SYNC, FD_USERNS_BLOCK };

static void opt_report_fd(struct run *r, const struct option *o, char **a)
{
    int fd = parse_fd(o->name, a[0]);
    int *slot[] = { [FD_INFO] = &r->info_fd, [FD_JSON_STATUS] = &r->json_status_fd,
                    [FD_BLOCK] = &r->block_fd, [FD_SYNC] = &r->sync_fd,
                    [FD_USERNS_BLOCK] = &r->userns_block_fd };

    if (*slot[o->arg] >= 0)
        warn("Only the last %s option will take effect", o->name);
    *slot[o->arg] = fd;
    mark_used_fd(r, fd);
}

static void opt_argv0(struct run *r, const struct option *o, char **a)
{
    (void)o;
    r->argv0 = a[0];
}

static void opt_json_status(struct run *r, const struct option *o, char **a)
{
    (void)o;
    r->json_status_file = a[0];
}

static void opt_root(struct run *r, const struct option *o, char **a)
{
    (void)o;
    if (r->root)
        die("--root %s: the root is already %s", a[0], r->root);
    if (r->image)
        die("--root %s: the root is already the image %s", a[0], r->image);
    r->root = a[0];
}

/* --image and --store were applied by apply_image before the other options; here they are
 * only checked against --root. */
static void opt_image(struct run *r, const struct option *o, char **a)
{
    (void)o;
    if (r->root)
        die("--image %s: the root is already %s", a[0], r->root);
    r->image = a[0];
}

static void opt_store(struct run *r, const struct option *o, char **a)
{
    (void)o;
    r->store = a[0];
}

static void opt_root_ro(struct run *r, const struct option *o, char **a)
{
    (void)o, (void)a;
    r->root_ro = 1;
}

/* A limit's value in libbox's unit for it (box_limit_unit), within the range libbox takes
 * (box_limit_range), so that the error names the option. */
static uint64_t parse_limit(const char *opt, box_limit_t limit, const char *s)
{
    uint64_t min, max;

    if (box_limit_range(limit, &min, &max) < 0)
        die("%s: limit %d is unknown to this libbox", opt, (int)limit);
    switch (box_limit_unit(limit)) {
    case BOX_LIMIT_UNIT_BYTES: return parse_u64(opt, s, 1, min, max);
    case BOX_LIMIT_UNIT_MS: return parse_seconds_ms(opt, s);
    default: return parse_u64(opt, s, 0, min, max);
    }
}

static void opt_limit(struct run *r, const struct option *o, char **a)
{
    uint64_t v = parse_limit(o->name, (box_limit_t)o->arg, a[0]);

    note(r, "limit %s %" PRIu64, o->name, v);
    check(r, box_set_limit(r->box, (box_limit_t)o->arg, v));
    r->limits_given |= 1u << o->arg;
    r->limit_value[o->arg] = v;
}

/* --cpuset-cpus / --cpuset-mems (o->arg 1): kept for one box_set_cpuset call at the end,
 * since each call sets both lists. */
static void opt_cpuset(struct run *r, const struct option *o, char **a)
{
    check_cpu_list(o->name, a[0]);
    if (o->arg)
        r->cpuset_mems = a[0];
    else
        r->cpuset_cpus = a[0];
}

/* --io-read-bps, --io-write-bps, --io-read-iops, --io-write-iops DEV=N: o->arg is the
 * box_io_limit_t; bytes take size suffixes, operations do not. */
static void opt_io_limit(struct run *r, const struct option *o, char **a)
{
    int bytes = o->arg == BOX_IO_READ_BPS || o->arg == BOX_IO_WRITE_BPS;
    char dev[PATH_MAX];
    const char *value = split_key_value(o->name, a[0], bytes ? "DEV=BYTES" : "DEV=N", dev,
                                        sizeof dev);
    uint64_t v = parse_u64(o->name, value, bytes, 1, UINT64_MAX);

    note(r, "io limit %s: %s at most %" PRIu64 " %s per second", o->name, dev, v,
         bytes ? "bytes" : "operations");
    check_at(r, o->name, box_set_io_limit(r->box, dev, (box_io_limit_t)o->arg, v));
}

static void opt_cgroup_backend(struct run *r, const struct option *o, char **a)
{
    static const struct { const char *name; int backend; } backends[] = {
        { "auto", BOX_CGROUP_BACKEND_AUTO }, { "v1", BOX_CGROUP_BACKEND_V1 },
        { "v2", BOX_CGROUP_BACKEND_V2 },
    };

    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (strcmp(a[0], backends[i].name) == 0) {
            note(r, "cgroup backend %s", a[0]);
            check(r, box_set_cgroup_backend(r->box, backends[i].backend));
            return;
        }
    die("%s: '%s' is not auto, v1 or v2", o->name, a[0]);
}

/* --noexec, --norec, --nofollow: a BOX_MOUNT_* flag (in o->arg) for the next bind or
 * tmpfs. */
static void opt_mount_flag(struct run *r, const struct option *o, char **a)
{
    (void)a;
    r->next_mount_flags |= o->arg & ~USES_MOUNT_FLAGS;
}

/* --veth IF ADDR/PREFIX BOXADDR */
static void opt_veth(struct run *r, const struct option *o, char **a)
{
    char addr[64];
    const char *slash = strchr(a[1], '/');
    unsigned int prefix;

    if (!slash || (size_t)(slash - a[1]) >= sizeof addr)
        die("%s: '%s' is not ADDR/PREFIX", o->name, a[1]);
    snprintf(addr, sizeof addr, "%.*s", (int)(slash - a[1]), a[1]);
    prefix = (unsigned int)parse_u64(o->name, slash + 1, 0, 1, 30);
    note(r, "veth %s %s/%u <-> eth0 %s in the box", a[0], addr, prefix, a[2]);
    check(r, box_net_veth(r->box, a[0], addr, a[2], prefix));
}

/* --net none|bridge[=NAME]|pasta, --subnet, --subnet6, --nat, --ip: recorded, applied
 * in apply_net (the bridge's settings are one library call). */
static void opt_net(struct run *r, const struct option *o, char **a)
{
    if (strcmp(o->name, "--net") == 0) {
        if (strcmp(a[0], "none") != 0 && strcmp(a[0], "pasta") != 0 &&
            strcmp(a[0], "bridge") != 0 && strncmp(a[0], "bridge=", 7) != 0)
            die("--net: '%s' is not none, bridge, bridge=NAME or pasta", a[0]);
        r->net = a[0];
        r->unshare |= BOX_NS_NET;
    } else if (strcmp(o->name, "--subnet") == 0) {
        r->subnet4 = a[0];
    } else if (strcmp(o->name, "--subnet6") == 0) {
        r->subnet6 = strcmp(a[0], "none") == 0 ? "" : a[0];
    } else if (strcmp(o->name, "--ip") == 0) {
        r->ip = a[0];
    } else {
        r->net_flags |= BOX_NET_NAT;
    }
}

static void apply_net(struct run *r)
{
    int bridge = r->net && strncmp(r->net, "bridge", 6) == 0;

    if ((r->subnet4 || r->subnet6 || r->ip || r->net_flags) && !bridge)
        die("--subnet, --subnet6, --nat and --ip need --net bridge");
    if (bridge) {
        const char *name = r->net[6] == '=' ? r->net + 7 : NULL;

        note(r, "net: bridge %s", name ? name : "libbox0 (the default)");
        check(r, box_net_bridge(r->box, name, r->subnet4, r->subnet6, r->net_flags));
        if (r->ip)
            check(r, box_net_ip(r->box, r->ip));
    } else if (r->net && strcmp(r->net, "pasta") == 0) {
        note(r, "net: pasta");
        check(r, box_net_pasta(r->box, 0));
    }
}

/* -p, --publish HOST:BOX[/udp] */
static void opt_publish(struct run *r, const struct option *o, char **a)
{
    (void)o;
    check(r, box_net_publish(r->box, a[0]));
}

/* --time-offset monotonic=S | boottime=S (S may be negative) */
static void opt_time_offset(struct run *r, const struct option *o, char **a)
{
    char clock[16];
    const char *secs = split_key_value(o->name, a[0], "CLOCK=SECONDS", clock, sizeof clock);
    int neg = secs[0] == '-', id = strcmp(clock, "monotonic") == 0 ? BOX_CLOCK_MONOTONIC
                                  : strcmp(clock, "boottime") == 0  ? BOX_CLOCK_BOOTTIME : 0;
    int64_t v;

    if (!id)
        die("%s: unknown clock '%s' (monotonic or boottime)", o->name, clock);
    v = (int64_t)parse_u64(o->name, secs + neg, 0, 0, INT64_MAX / 2);
    note(r, "time offset: %s %s%" PRId64 " s", clock, neg ? "-" : "", v);
    check(r, box_set_time_offset(r->box, id, neg ? -v : v));
}

static void opt_time_ns(struct run *r, const struct option *o, char **a)
{
    (void)o, (void)a;
    r->time_ns = 1;
}

/* --groups 10,20: at most 64, each a gid of the box */
static void opt_groups(struct run *r, const struct option *o, char **a)
{
    gid_t groups[64];
    size_t n = 0;
    char copy[1024], *save = NULL;

    if (strlen(a[0]) >= sizeof copy)
        die("%s: list too long", o->name);
    snprintf(copy, sizeof copy, "%s", a[0]);
    for (char *g = strtok_r(copy, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
        if (n == sizeof groups / sizeof groups[0])
            die("%s: more than 64 groups", o->name);
        groups[n++] = (gid_t)parse_u64(o->name, g, 0, 0, UINT32_MAX - 1);
    }
    if (n == 0)
        die("%s: no group given", o->name);
    note(r, "%zu supplementary group%s", n, n > 1 ? "s" : "");
    check(r, box_set_groups(r->box, n, groups));
}

static void opt_seccomp_export(struct run *r, const struct option *o, char **a)
{
    (void)o;
    r->seccomp_export = a[0];
}

/* --init, --best-effort, --no-monitor: a BOX_OPT_* bit (in o->arg) for the one box_set_option call. */
static void opt_box_option(struct run *r, const struct option *o, char **a)
{
    (void)a;
    r->opts |= o->arg;
}

/* --landlock PATH=ACCESS, ACCESS a combination of r, w and x */
static void opt_landlock(struct run *r, const struct option *o, char **a)
{
    char path[PATH_MAX];
    const char *letters = split_key_value(o->name, a[0], "PATH=ACCESS (such as /usr=rx)",
                                          path, sizeof path);
    unsigned int access = 0;

    for (const char *p = letters; *p; p++) {
        if (*p == 'r')
            access |= BOX_LANDLOCK_READ;
        else if (*p == 'w')
            access |= BOX_LANDLOCK_WRITE;
        else if (*p == 'x')
            access |= BOX_LANDLOCK_EXEC;
        else
            die("%s: bad access '%s' in '%s' (a combination of r, w and x)", o->name, letters,
                a[0]);
    }
    note(r, "landlock: %s may be%s%s%s", path, access & BOX_LANDLOCK_READ ? " read" : "",
         access & BOX_LANDLOCK_WRITE ? " written" : "",
         access & BOX_LANDLOCK_EXEC ? " executed" : "");
    check(r, box_landlock_path(r->box, path, access));
}

static void opt_landlock_best_effort(struct run *r, const struct option *o, char **a)
{
    (void)o, (void)a;
    note(r, "landlock: the box runs without it where the kernel has none");
    check(r, box_landlock_mode(r->box, 0));
}

/* --rlimit NAME=VALUE: NAME as the kernel has it (libbox's "rlimit_NAME"); sizes take K,
 * M, G or T. */
static void opt_rlimit(struct run *r, const struct option *o, char **a)
{
    const char *eq = strchr(a[0], '=');
    char name[64], opt[96], known[256] = "";
    int limit;

    if (!eq)
        die("%s: '%s' is not NAME=VALUE", o->name, a[0]);
    snprintf(name, sizeof name, "rlimit_%.*s", (int)(eq - a[0]), a[0]);
    limit = box_limit_from_name(name);
    if (limit > 0) {
        uint64_t min = 1, v;

        snprintf(opt, sizeof opt, "%s %s", o->name, name + 7);
        box_limit_range((box_limit_t)limit, &min, NULL);
        /* cpu seconds are a plain number, the others take K, M, G or T */
        v = parse_u64(opt, eq + 1, box_limit_unit((box_limit_t)limit) != BOX_LIMIT_UNIT_SECONDS,
                      min, UINT64_MAX - 1);
        note(r, "rlimit %s = %" PRIu64, name + 7, v);
        check(r, box_set_limit(r->box, (box_limit_t)limit, v));
        return;
    }
    for (int l = 1; box_limit_name((box_limit_t)l); l++) {
        const char *n = box_limit_name((box_limit_t)l);
        char rl[64];

        snprintf(rl, sizeof rl, "rlimit_%s", strncmp(n, "rlimit_", 7) ? n : n + 7);
        if (box_limit_from_name(rl) == l)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                     known[0] ? ", " : "", rl + 7);
    }
    die("%s: unknown limit '%.*s' (%s)", o->name, (int)(eq - a[0]), a[0], known);
}

static void opt_cgroup_parent(struct run *r, const struct option *o, char **a)
{
    (void)o;
    note(r, "cgroup parent %s", a[0]);
    check(r, box_set_cgroup_parent(r->box, a[0]));
}

/* --tty: the program's terminal is a pty of the box's, relayed to ours (tty.c). */
static void opt_tty(struct run *r, const struct option *o, char **a)
{
    (void)o, (void)a;
    r->tty = 1;
}

/* --join-ns TYPE:PATH: join that namespace (box_join_namespace_path) instead of making it. */
static void opt_join_ns(struct run *r, const struct option *o, char **a)
{
    static const struct { const char *name; unsigned int ns; } types[] = {
        { "user", BOX_NS_USER }, { "pid", BOX_NS_PID },  { "mnt", BOX_NS_MNT },
        { "mount", BOX_NS_MNT }, { "uts", BOX_NS_UTS },  { "ipc", BOX_NS_IPC },
        { "net", BOX_NS_NET },   { "network", BOX_NS_NET }, { "cgroup", BOX_NS_CGROUP },
        { "time", BOX_NS_TIME },
    };
    const char *colon = strchr(a[0], ':');

    (void)o;
    if (r->n_joins == (int)(sizeof r->joins / sizeof r->joins[0]))
        die("--join-ns: at most %d", r->n_joins);
    for (size_t i = 0; colon && colon[1] && i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i].name) == (size_t)(colon - a[0]) &&
            strncmp(a[0], types[i].name, (size_t)(colon - a[0])) == 0) {
            r->joins[r->n_joins].ns = types[i].ns;
            r->joins[r->n_joins++].path = host_path(r, colon + 1);
            return;
        }
    die("--join-ns: '%s' is not TYPE:PATH with TYPE user, pid, mnt, uts, ipc, net, cgroup or "
        "time", a[0]);
}

/* The joins, after the namespaces to make: a joined pid namespace gets no new one inside
 * (libbox does not do that yet). */
static void apply_joins(struct run *r)
{
    for (int i = 0; i < r->n_joins; i++) {
        note(r, "joins the namespace %s", r->joins[i].path);
        if (r->joins[i].ns == BOX_NS_PID && (r->ns & BOX_NS_PID)) {
            r->ns &= ~BOX_NS_PID;
            check(r, box_set_namespaces(r->box, r->ns));
        }
        check_at(r, "--join-ns", box_join_namespace_path(r->box, r->joins[i].ns,
                                                         r->joins[i].path));
    }
}

static void opt_verbose(struct run *r, const struct option *o, char **a)
{
    (void)o, (void)a;
    r->verbose = 1;
}

/* --id, --state-dir: the detached box's id and state directory. */
static void opt_detach_arg(struct run *r, const struct option *o, char **a)
{
    if (o->arg == 0) {
        check(r, box_set_id(r->box, a[0]));
        return;
    }
    check(r, box_set_state_dir(r->box, a[0]));
    r->state_dir = a[0];
}

/* Managing detached boxes (one of them, then exit): --list, and for the box ID --destroy,
 * --exec (a program in it), --pause, --resume, --update (its limits) and --ps. */
enum { MANAGE_LIST = 1, MANAGE_DESTROY, MANAGE_EXEC, MANAGE_PAUSE, MANAGE_RESUME,
       MANAGE_UPDATE, MANAGE_PS };

static void opt_manage(struct run *r, const struct option *o, char **a)
{
    if (r->manage)
        die("%s: only one of --list, --destroy, --exec, --pause, --resume, --update and --ps",
            o->name);
    r->manage = o->arg;
    r->manage_id = o->nargs ? a[0] : NULL;
}

static void opt_probe(struct run *r, const struct option *o, char **a)
{
    (void)o, (void)a;
    r->probe = 1;
}

static void usage(FILE *f)
{
    if (bwrap) {
        fprintf(f, "usage: %s [OPTIONS...] [--] COMMAND [ARGS...]\n\n", argv0);
        fputs(bwrap_usage_text, f);
    } else {
        fputs(usage_text, f);
    }
}

static void opt_help(struct run *r, const struct option *o, char **a)
{
    (void)r, (void)o, (void)a;
    usage(stdout);
    exit(0);
}

static void opt_version(struct run *r, const struct option *o, char **a)
{
    (void)r, (void)o, (void)a;
    if (bwrap)
        printf("bubblewrap 0.11.1 (libbox %s)\n", box_version());
    else
        printf("boxrun (libbox) %s\n", box_version());
    exit(0);
}

static const struct option options[] = {
    /* bubblewrap's options */
    { "--bind", 2, opt_bind, 0 | USES_MOUNT_FLAGS },
    { "--bind-try", 2, opt_bind, BOX_MOUNT_TRY | USES_MOUNT_FLAGS },
    { "--ro-bind", 2, opt_bind, BOX_MOUNT_RO | USES_MOUNT_FLAGS },
    { "--ro-bind-try", 2, opt_bind, BOX_MOUNT_RO | BOX_MOUNT_TRY | USES_MOUNT_FLAGS },
    { "--dev-bind", 2, opt_bind, BOX_MOUNT_DEVICES | USES_MOUNT_FLAGS },
    { "--dev-bind-try", 2, opt_bind, BOX_MOUNT_DEVICES | BOX_MOUNT_TRY | USES_MOUNT_FLAGS },
    { "--tmpfs", 1, opt_tmpfs, USES_SIZE | USES_PERMS | USES_MOUNT_FLAGS },
    { "--size", 1, opt_size, 0 },
    { "--perms", 1, opt_perms, 0 },
    { "--proc", 1, opt_mount, BOX_MOUNT_PROC },
    { "--dev", 1, opt_mount, BOX_MOUNT_DEV },
    { "--mqueue", 1, opt_mount, BOX_MOUNT_MQUEUE },
    { "--dir", 1, opt_dir, BOX_MOUNT_DIR },
    { "--symlink", 2, opt_symlink, 0 },
    { "--remount-ro", 1, opt_mount, BOX_MOUNT_REMOUNT_RO },
    { "--file", 2, opt_file, USES_PERMS },
    { "--bind-data", 2, opt_file, USES_PERMS },
    { "--ro-bind-data", 2, opt_file, USES_PERMS | BOX_MOUNT_RO },
    { "--unshare-user", 0, opt_unshare, BOX_NS_USER },
    { "--unshare-user-try", 0, opt_unshare, BOX_NS_USER },
    { "--unshare-ipc", 0, opt_unshare, BOX_NS_IPC },
    { "--unshare-pid", 0, opt_unshare, BOX_NS_PID },
    { "--unshare-net", 0, opt_unshare, BOX_NS_NET },
    { "--unshare-uts", 0, opt_unshare, BOX_NS_UTS },
    { "--unshare-cgroup", 0, opt_unshare, BOX_NS_CGROUP },
    { "--unshare-cgroup-try", 0, opt_unshare, BOX_NS_CGROUP },
    { "--unshare-all", 0, opt_unshare_all, 0 },
    { "--share-net", 0, opt_share_net, 0 },
    { "--uid", 1, opt_id, 0 },
    { "--gid", 1, opt_id, 1 },
    { "--hostname", 1, opt_hostname, 0 },
    { "--chdir", 1, opt_chdir, 0 },
    { "--setenv", 2, opt_setenv, 0 },
    { "--unsetenv", 1, opt_unsetenv, 0 },
    { "--clearenv", 0, opt_clearenv, 0 },
    { "--die-with-parent", 0, opt_session, 1 },
    { "--new-session", 0, opt_session, 0 },
    { "--as-pid-1", 0, opt_as_pid_1, 0 },
    { "--not-a-security-boundary", 0, opt_not_a_security_boundary, 0 },
    { "--json-status-fd", 1, opt_report_fd, FD_JSON_STATUS },
    { "--info-fd", 1, opt_report_fd, FD_INFO },
    { "--block-fd", 1, opt_report_fd, FD_BLOCK },
    { "--sync-fd", 1, opt_report_fd, FD_SYNC },
    { "--cap-add", 1, opt_cap, 1 },
    { "--cap-drop", 1, opt_cap, 0 },
    /* --args is handled by the parser itself. */
    { "--argv0", 1, opt_argv0, 0 },
    { "--seccomp", 1, opt_seccomp_bpf, 0 },
    { "--add-seccomp-fd", 1, opt_seccomp_bpf, 0 },
    { "--userns", 1, opt_join, BOX_NS_USER },
    { "--userns2", 1, opt_join, 0 },
    { "--pidns", 1, opt_join, BOX_NS_PID },
    { "--userns-block-fd", 1, opt_report_fd, FD_USERNS_BLOCK },
    { "--lock-file", 1, opt_lock_file, 0 },
    { "--chmod", 2, opt_chmod, 0 },
    { "--bind-fd", 2, opt_bind_fd, 0 | USES_MOUNT_FLAGS },
    { "--ro-bind-fd", 2, opt_bind_fd, BOX_MOUNT_RO | USES_MOUNT_FLAGS },
    { "--overlay-src", 1, opt_overlay_src, 0 },
    { "--overlay", 3, opt_overlay, 0 },
    { "--tmp-overlay", 1, opt_overlay, 1 },
    { "--ro-overlay", 1, opt_overlay, 2 },
    { "--exec-label", 1, opt_label, 0 },
    { "--file-label", 1, opt_label, 0 },
    { "--disable-userns", 0, opt_userns_option, BOX_OPT_NO_USERNS },
    { "--assert-userns-disabled", 0, opt_userns_option, BOX_OPT_ASSERT_NO_USERNS },
    { "--level-prefix", 0, opt_level_prefix, 0 },
    /* libbox's own (isolate's spelling where it has one) */
    { "--seccomp-default", 1, opt_seccomp_default, 0 },
    { "--seccomp-rule", 1, opt_seccomp_rule, 0 },
    { "--seccomp-default-action", 1, opt_seccomp_default_action, 0 },
    { "--seccomp-profile", 1, opt_seccomp_profile, 0 },
    { "--landlock", 1, opt_landlock, 0 },
    { "--landlock-best-effort", 0, opt_landlock_best_effort, 0 },
    { "--init", 0, opt_box_option, BOX_OPT_INIT },
    { "--allow-new-privs", 0, opt_box_option, BOX_OPT_ALLOW_NEW_PRIVS },
    { "--no-monitor", 0, opt_box_option, BOX_OPT_NO_MONITOR },
    { "--time-ns", 0, opt_time_ns, 0 },
    { "--time-offset", 1, opt_time_offset, 0 },
    { "--veth", 3, opt_veth, 0 },
    { "--net", 1, opt_net, 0 },
    { "--subnet", 1, opt_net, 0 },
    { "--subnet6", 1, opt_net, 0 },
    { "--nat", 0, opt_net, 0 },
    { "--ip", 1, opt_net, 0 },
    { "--publish", 1, opt_publish, 0 },
    { "-p", 1, opt_publish, 0 },
    { "--groups", 1, opt_groups, 0 },
    { "--noexec", 0, opt_mount_flag, BOX_MOUNT_EXEC_OFF },
    { "--norec", 0, opt_mount_flag, BOX_MOUNT_NOREC },
    { "--nofollow", 0, opt_mount_flag, BOX_MOUNT_NOFOLLOW },
    { "--seccomp-export", 1, opt_seccomp_export, 0 },
    { "--hugetlb", 1, opt_limit, BOX_LIMIT_HUGETLB },
    { "--root", 1, opt_root, 0 },
    { "--image", 1, opt_image, 0 },
    { "--store", 1, opt_store, 0 },
    { "--root-ro", 0, opt_root_ro, 0 },
    { "--map-uid", 1, opt_map, 0 },
    { "--map-gid", 1, opt_map, 1 },
    { "--mem", 1, opt_limit, BOX_LIMIT_MEMORY },
    { "--processes", 1, opt_limit, BOX_LIMIT_PIDS },
    { "--cpu", 1, opt_limit, BOX_LIMIT_CPU_MILLIS },
    { "--time", 1, opt_limit, BOX_LIMIT_CPU_TIME_MS },
    { "--wall-time", 1, opt_limit, BOX_LIMIT_WALL_MS },
    { "--mem-high", 1, opt_limit, BOX_LIMIT_MEMORY_HIGH },
    { "--swap", 1, opt_limit, BOX_LIMIT_SWAP },
    { "--cpu-weight", 1, opt_limit, BOX_LIMIT_CPU_WEIGHT },
    { "--io-weight", 1, opt_limit, BOX_LIMIT_IO_WEIGHT },
    { "--cpuset-cpus", 1, opt_cpuset, 0 },
    { "--cpuset-mems", 1, opt_cpuset, 1 },
    { "--io-read-bps", 1, opt_io_limit, BOX_IO_READ_BPS },
    { "--io-write-bps", 1, opt_io_limit, BOX_IO_WRITE_BPS },
    { "--io-read-iops", 1, opt_io_limit, BOX_IO_READ_IOPS },
    { "--io-write-iops", 1, opt_io_limit, BOX_IO_WRITE_IOPS },
    { "--rlimit", 1, opt_rlimit, 0 },
    { "--cgroup-parent", 1, opt_cgroup_parent, 0 },
    { "--cgroup-backend", 1, opt_cgroup_backend, 0 },
    { "--best-effort", 0, opt_box_option, BOX_OPT_LIMITS_BEST_EFFORT },
    { "--fd", 1, opt_fd, 0 },
    { "--json-status", 1, opt_json_status, 0 },
    { "--detach", 0, opt_box_option, BOX_OPT_DETACH },
    { "--id", 1, opt_detach_arg, 0 },
    { "--state-dir", 1, opt_detach_arg, 1 },
    { "--list", 0, opt_manage, MANAGE_LIST },
    { "--destroy", 1, opt_manage, MANAGE_DESTROY },
    { "--exec", 1, opt_manage, MANAGE_EXEC },
    { "--pause", 1, opt_manage, MANAGE_PAUSE },
    { "--resume", 1, opt_manage, MANAGE_RESUME },
    { "--update", 1, opt_manage, MANAGE_UPDATE },
    { "--ps", 1, opt_manage, MANAGE_PS },
    { "--probe", 0, opt_probe, 0 },
    { "--tty", 0, opt_tty, 0 },
    { "--join-ns", 1, opt_join_ns, 0 },
    { "--verbose", 0, opt_verbose, 0 },
    { "--help", 0, opt_help, 0 },
    { "--version", 0, opt_version, 0 },
};

/* ---- --args FD: splice NUL-separated arguments into the argument vector ---- */

static char **splice_args(struct run *r, char **av, int *ac, int at, int fd)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap), **nav;
    int n = 0, k = 0;
    ssize_t got;

    if (!buf)
        die("--args: out of memory");
    while ((got = read(fd, buf + len, cap - len - 1)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            die("--args %d: read: %s", fd, strerror(errno));
        }
        len += (size_t)got;
        if (cap - len < 2 && !(buf = realloc(buf, cap *= 2)))
            die("--args: out of memory");
    }
    close(fd);
    if (len > 0 && buf[len - 1] != '\0')
        buf[len++] = '\0'; /* a last argument without its NUL */
    for (size_t i = 0; i < len; i++)
        n += buf[i] == '\0';
    nav = calloc((size_t)(*ac + n + 1), sizeof *nav);
    if (!nav)
        die("--args: out of memory");
    for (int i = 0; i < at; i++)
        nav[k++] = av[i];
    for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
        nav[k++] = buf + i;
    for (int i = at; i < *ac; i++)
        nav[k++] = av[i];
    *ac = k;
    r->args_vec[r->n_args] = nav;
    r->args_buf[r->n_args++] = buf;
    return nav;
}

/* Parse options up to the program; returns the index of the program in *pav. */
/* --image first of all, whatever its place on the command line: the image's config is the
 * default that every other option overrides. */
static void apply_image(struct run *r, int argc, char **argv)
{
    const char *image = NULL, *store = NULL;
    box_store_t *s;
    int rc;

    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0 && argv[i][0] == '-'; i++) {
        int nargs = 0;

        for (size_t k = 0; k < sizeof options / sizeof options[0]; k++)
            if (strcmp(argv[i], options[k].name) == 0)
                nargs = options[k].nargs;
        if (i + 1 < argc && strcmp(argv[i], "--image") == 0)
            image = argv[i + 1];
        else if (i + 1 < argc && strcmp(argv[i], "--store") == 0)
            store = argv[i + 1];
        i += nargs; /* (--args splices more in later: its options are not seen here) */
    }
    if (!image)
        return;
    if (store && store[0] != '/')
        die("--store %s: give an absolute path", store);
    rc = box_store_open(&s, store, 0);
    if (rc == -ENOENT)
        die("--image %s: no image store at %s", image, store ? store : "the default place");
    if (rc < 0)
        die("--image %s: open the image store: %s", image, strerror(-rc));
    check_at(r, "--image", box_set_image(r->box, s, image, 0));
    box_store_close(s);
    note(r, "root: image %s", image);
}

static int parse_args(struct run *r, char ***pav, int *pac)
{
    int i = 1;

    while (i < *pac) {
        char **av = *pav;
        const struct option *o = NULL;

        if (strcmp(av[i], "--") == 0) {
            i++;
            break;
        }
        if (av[i][0] != '-' || !av[i][1])
            break; /* the program */
        if (strcmp(av[i], "--args") == 0) {
            if (i + 1 >= *pac)
                die("--args: needs an argument");
            if (r->n_args == MAX_ARGS)
                die("--args: given more than %d times (counting --args read from --args)",
                    MAX_ARGS);
            int fd = parse_fd("--args", av[i + 1]);
            *pav = splice_args(r, av, pac, i + 2, fd);
            i += 2;
            continue;
        }
        for (size_t k = 0; k < sizeof options / sizeof options[0]; k++)
            if (strcmp(av[i], options[k].name) == 0)
                o = &options[k];
        if (!o && bwrap)
            die("Unknown option %s", av[i]);
        if (!o)
            die("unknown option %s (see boxrun --help)", av[i]);
        if (i + o->nargs >= *pac)
            die("%s: needs %d argument%s", o->name, o->nargs, o->nargs > 1 ? "s" : "");
        /* As in bwrap: --size and --perms apply to the option right after them. */
        if (r->have_size && !(o->arg & USES_SIZE) && o->fn != opt_perms)
            die("--size must be followed by --tmpfs, not %s", o->name);
        if (r->have_perms && !(o->arg & USES_PERMS) && o->fn != opt_size && o->fn != opt_dir)
            die("--perms must be followed by --tmpfs, --dir, --file, --bind-data or "
                "--ro-bind-data, not %s", o->name);
        if (r->next_mount_flags && !(o->arg & USES_MOUNT_FLAGS) && o->fn != opt_mount_flag &&
            o->fn != opt_size && o->fn != opt_perms)
            die("--noexec, --norec and --nofollow must be followed by a bind or --tmpfs, "
                "not %s", o->name);
        if (r->n_overlay_src && o->fn != opt_overlay_src && o->fn != opt_overlay)
            die("--overlay-src must be followed by another --overlay-src or one of --overlay, "
                "--tmp-overlay, or --ro-overlay");
        o->fn(r, o, av + i + 1);
        if (o->arg & USES_MOUNT_FLAGS)
            r->next_mount_flags = 0;
        if (o->arg & USES_SIZE)
            r->have_size = 0;
        if (o->arg & USES_PERMS)
            r->have_perms = 0;
        i += 1 + o->nargs;
    }
    if (r->n_overlay_src)
        die("--overlay-src must be followed by another --overlay-src or one of --overlay, "
            "--tmp-overlay, or --ro-overlay");
    if (r->have_size || r->have_perms || r->next_mount_flags)
        die("%s must be followed by a mount option",
            r->have_size ? "--size" : r->have_perms ? "--perms" : "--noexec/--norec");
    return i;
}

/* ---- after parsing: namespaces, identity, capabilities, descriptors ---- */

/* --userns-block-fd FD: whoever reads --info-fd writes the box's uid/gid maps, and a
 * byte on FD says they are there (libbox's BOX_OPT_CALLER_MAPS); the program runs as
 * --uid/--gid if given (they must be mapped), else as what the maps make of the caller.
 * bwrap's rules: an explicit user namespace (`explicit_userns`) and --info-fd. Returns 1
 * when it applies (the identity is set up). */
static int caller_maps(struct run *r, int explicit_userns)
{
    if (r->userns_block_fd < 0)
        return 0;
    if (!explicit_userns)
        die("--userns-block-fd requires --unshare-user");
    if (r->info_fd < 0)
        die("--userns-block-fd requires --info-fd");
    if (r->extra_opts & BOX_OPT_NO_USERNS)
        die("--disable-userns is not compatible with  --userns-block-fd");
    if (r->n_uid_maps || r->n_gid_maps)
        die("--userns-block-fd: the maps are written by the reader of --info-fd, not by "
            "--uid-map/--gid-map");
    r->extra_opts |= BOX_OPT_CALLER_MAPS;
    /* -1: the id the maps give, as bwrap leaves it */
    if (r->uid >= 0 || r->gid >= 0)
        check(r, box_set_user(r->box, r->uid >= 0 ? (uid_t)r->uid : (uid_t)-1,
                              r->gid >= 0 ? (gid_t)r->gid : (gid_t)-1));
    note(r, "uid/gid maps: written by the reader of --info-fd; --userns-block-fd %d says when",
         r->userns_block_fd);
    return 1;
}

static void apply_namespaces(struct run *r)
{
    unsigned int ns;

    if (!r->bwrap_ns) {
        /* libbox maps the caller to 0; --uid/--gid N map N to the caller instead. */
        note(r, "namespaces: libbox default (user, pid, mount, uts, ipc, net, cgroup%s)",
             r->time_ns ? ", time" : "");
        if (r->time_ns)
            check(r, box_set_namespaces(r->box, BOX_NS_ALL));
        r->userns = 1;
        if (caller_maps(r, 1))
            return;
        if (r->uid >= 0 && r->n_uid_maps == 0)
            check(r, box_add_uid_map(r->box, (uid_t)r->uid, geteuid(), 1));
        if (r->gid >= 0 && r->n_gid_maps == 0)
            check(r, box_add_gid_map(r->box, (gid_t)r->gid, getegid(), 1));
        if (r->uid >= 0 || r->gid >= 0)
            check(r, box_set_user(r->box, r->uid >= 0 ? (uid_t)r->uid : 0,
                                  r->gid >= 0 ? (gid_t)r->gid : 0));
        r->ns = (BOX_NS_ALL & ~BOX_NS_TIME) | (r->time_ns ? BOX_NS_TIME : 0);
        return;
    }
    /* bwrap: the mount namespace always; the rest only on request. */
    ns = BOX_NS_MNT | r->unshare;
    if (geteuid() != 0)
        ns |= BOX_NS_USER; /* bwrap without setuid needs a user namespace */
    if (r->join_userns_fd >= 0) {
        /* bwrap's rules: the box enters that one instead of making its own */
        if (r->unshare & BOX_NS_USER)
            die("--userns not compatible --unshare-user");
        if (r->unshare_try & BOX_NS_USER)
            die("--userns not compatible --unshare-user-try");
        ns &= ~BOX_NS_USER;
    }
    if ((r->unshare_try & BOX_NS_USER) && !(ns & BOX_NS_USER)) {
        box_features_t f;
        int rc;

        memset(&f, 0, sizeof f);
        if ((rc = box_probe(&f)) == 0 && f.userns)
            ns |= BOX_NS_USER;
        else if (rc < 0)
            note(r, "--unshare-user-try: no user namespace: the probe failed: %s",
                 strerror(-rc));
        else
            note(r, "--unshare-user-try: no user namespace here: %s",
                 f.userns_why[0] ? f.userns_why : "this host does not allow one to this "
                 "caller (no reason given)");
    }
    if ((r->unshare_try & BOX_NS_CGROUP) && access("/proc/self/ns/cgroup", F_OK) == 0)
        ns |= BOX_NS_CGROUP;
    if (r->share_net)
        ns &= ~BOX_NS_NET;
    if (r->hostname && !(ns & BOX_NS_UTS))
        die("--hostname requires --unshare-uts");
    if ((r->extra_opts & BOX_OPT_NO_USERNS) && !(ns & BOX_NS_USER))
        die("--disable-userns requires --unshare-user");
    if (bwrap && !(ns & BOX_NS_USER) && r->join_userns_fd < 0 &&
        ((r->uid >= 0 && (uid_t)r->uid != getuid()) ||
                                         (r->gid >= 0 && (gid_t)r->gid != getgid())))
        die("Specifying --%s requires --unshare-user or --userns",
            r->uid >= 0 && (uid_t)r->uid != getuid() ? "uid" : "gid");
    if (bwrap && r->as_pid_1 && !(ns & BOX_NS_PID))
        die("Specifying --as-pid-1 requires --unshare-pid");
    if (bwrap && r->as_pid_1 && r->n_lock_files)
        die("Specifying --as-pid-1 and --lock-file is not permitted");
    note(r, "namespaces (bwrap rules):%s%s%s%s%s%s%s", ns & BOX_NS_USER ? " user" : "",
         ns & BOX_NS_PID ? " pid" : "", ns & BOX_NS_MNT ? " mount" : "",
         ns & BOX_NS_UTS ? " uts" : "", ns & BOX_NS_IPC ? " ipc" : "",
         ns & BOX_NS_NET ? " net" : "", ns & BOX_NS_CGROUP ? " cgroup" : "");
    if (r->time_ns)
        ns |= BOX_NS_TIME;
    check(r, box_set_namespaces(r->box, ns));
    r->ns = ns;
    r->userns = (ns & BOX_NS_USER) != 0 || r->join_userns_fd >= 0;
    if (r->join_userns_fd >= 0) {
        note(r, "joins the user namespace of fd %d (its uid/gid maps are what they are)",
             r->join_userns_fd);
        check(r, box_join_namespace(r->box, BOX_NS_USER, r->join_userns_fd));
    }
    if (r->join_pidns_fd >= 0) {
        note(r, "joins the pid namespace of fd %d", r->join_pidns_fd);
        check(r, box_join_namespace(r->box, BOX_NS_PID, r->join_pidns_fd));
    }
    if (r->switch_userns_fd >= 0) {
        note(r, "switches to the user namespace of fd %d once set up", r->switch_userns_fd);
        check(r, box_switch_user_namespace(r->box, r->switch_userns_fd));
    }

    if (caller_maps(r, (r->unshare & BOX_NS_USER) != 0))
        return;
    /* bwrap runs the program as the caller's own uid/gid unless --uid/--gid say otherwise,
     * and maps that id to the caller's. */
    uid_t uid = r->uid >= 0 ? (uid_t)r->uid : geteuid();
    gid_t gid = r->gid >= 0 ? (gid_t)r->gid : getegid();

    if (ns & BOX_NS_USER) {
        if (r->n_uid_maps == 0)
            check(r, box_add_uid_map(r->box, uid, geteuid(), 1));
        if (r->n_gid_maps == 0)
            check(r, box_add_gid_map(r->box, gid, getegid(), 1));
    }
    if (r->switch_userns_fd >= 0) {
        /* --userns2: the program keeps the setup's ids as that namespace maps them, or
         * takes --uid/--gid there (-1: that one kept) */
        if (r->uid >= 0 || r->gid >= 0)
            check(r, box_set_user(r->box, r->uid >= 0 ? (uid_t)r->uid : (uid_t)-1,
                                  r->gid >= 0 ? (gid_t)r->gid : (gid_t)-1));
        return;
    }
    note(r, "program runs as uid %u gid %u", (unsigned int)uid, (unsigned int)gid);
    check(r, box_set_user(r->box, uid, gid));
    /* Without a user namespace bwrap leaves the caller's supplementary groups alone. */
    if (bwrap && !r->userns) {
        gid_t groups[64];
        int n = getgroups(64, groups);

        if (n > 0)
            check(r, box_set_groups(r->box, (size_t)n, groups));
    }
}

/* --cap-add ALL with --cap-drop: keep, by name, every capability this kernel has but the
 * dropped ones. */
static void keep_all_caps_but_dropped(struct run *r)
{
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    int last = -1, kept = 0;

    if (!f || fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
        die("--cap-drop after --cap-add ALL: cannot read the kernel's last capability from "
            "/proc/sys/kernel/cap_last_cap");
    fclose(f);
    for (int cap = 0; cap <= last; cap++) {
        if (!box_cap_name(cap)) {
            note(r, "capability %d: unknown to libbox, not kept", cap);
        } else if (r->cap_dropped & ((uint64_t)1 << cap)) {
            note(r, "capability dropped: %s", box_cap_name(cap));
        } else if (!r->userns && prctl(PR_CAPBSET_READ, cap) != 1) {
            /* As box_cap_keep_all: without a user namespace the box holds at most what
             * boxrun's bounding set has. */
            note(r, "capability %s: not in boxrun's bounding set, not kept", box_cap_name(cap));
        } else {
            check(r, box_cap_keep(r->box, box_cap_name(cap)));
            kept++;
        }
    }
    note(r, "capabilities: %d kept, all but the dropped ones", kept);
}

/* bwrap hands the program every descriptor it inherited without close-on-exec, except
 * those its options consumed. */
static void pass_inherited_fds(struct run *r)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;

    if (!d)
        die("/proc/self/fd: %s", strerror(errno));
    while ((de = readdir(d))) {
        int fd = atoi(de->d_name), flags, used = 0;

        if (de->d_name[0] == '.' || fd == dirfd(d) || (flags = fcntl(fd, F_GETFD)) < 0 ||
            (flags & FD_CLOEXEC))
            continue;
        for (int i = 0; i < r->n_used_fds; i++)
            used |= r->used_fds[i] == fd;
        if (used)
            continue;
        if (fd > 1024) {
            note(r, "descriptor %d: above 1024, not passed", fd);
            continue;
        }
        note(r, "descriptor %d passed (inherited)", fd);
        check(r, box_pass_fd(r->box, fd, fd));
    }
    closedir(d);
}

/* What the bwrap personality sets after parsing: where the program starts (--chdir, else
 * the caller's cwd, else $HOME, else /, and PWD), its descriptors, the --seccomp program. */
static void apply_bwrap(struct run *r, unsigned int *opts)
{
    const char *home = getenv("HOME");
    char cwd[PATH_MAX];

    if (r->seccomp_empty)
        die("Unable to set up system call filtering as requested: prctl(PR_SET_SECCOMP) "
            "reported EINVAL. (Hint: this requires a kernel configured with CONFIG_SECCOMP "
            "and CONFIG_SECCOMP_FILTER.)");
    if (!r->chdir_given) {
        if (getcwd(cwd, sizeof cwd) && cwd[0] == '/')
            check(r, box_try_cwd(r->box, cwd));
        if (home && home[0] == '/')
            check(r, box_try_cwd(r->box, home));
    }
    pass_inherited_fds(r);
    *opts |= BOX_OPT_SET_PWD;
    /* bwrap: --cap-add/--cap-drop make the kept capabilities inheritable; without them
     * root's inheritable set is left as the caller's, and bwrap raises each kept one. */
    *opts |= r->cap_option_used ? BOX_OPT_CAPS_INHERITABLE : BOX_OPT_CAPS_CALLER_INHERITABLE;
    if (!r->new_session) /* bwrap keeps the caller's session unless asked */
        check(r, box_set_option(r->box, BOX_OPT_NEW_SESSION, 0));
    /* bwrap's pid 1 reaps the orphans of a pid namespace; libbox's box-init does that. */
    if ((r->ns & BOX_NS_PID) && !r->as_pid_1)
        *opts |= BOX_OPT_INIT;
}

static void apply_rest(struct run *r)
{
    unsigned int opts = r->opts | r->extra_opts; /* turned on, on top of libbox's defaults */

    if (r->root_ro && !r->root)
        die("--root-ro needs --root");
    if (r->root) {
        note(r, "root %s%s", r->root, r->root_ro ? " (read-only)" : "");
        check(r, box_set_root(r->box, r->root, (r->root_ro ? BOX_ROOT_READONLY : 0) |
                                                   (r->root_devices ? BOX_ROOT_DEVICES : 0)));
    }
    if (bwrap)
        apply_bwrap(r, &opts);
    if (r->seccomp_last) /* the last --seccomp */
        check(r, box_seccomp_add_bpf(r->box, r->seccomp_last, r->seccomp_last_len));
    if (r->cap_all && r->cap_dropped) {
        keep_all_caps_but_dropped(r);
    } else if (r->cap_all) {
        note(r, "capabilities: all kept");
        check(r, box_cap_keep_all(r->box));
    }
    for (int i = 0; i < r->n_caps; i++) {
        note(r, "capability kept: %s", r->caps[i]);
        check(r, box_cap_keep(r->box, r->caps[i]));
    }
    if (r->tty) {
        unsigned short rows, cols;

        if (r->opts & BOX_OPT_DETACH)
            die("--tty cannot go with --detach: nobody would relay the terminal");
        boxrun_tty_size(&rows, &cols);
        note(r, "terminal: a pty of the box's, %ux%u", rows, cols);
        check(r, box_set_tty(r->box, 1, rows, cols));
    }
    if (r->n_fds > 0) {
        /* Passing any descriptor replaces the default 0-2: pass those that are open too
         * (with --tty the terminal is 0-2). */
        for (int fd = 0; fd < 3 && !r->tty; fd++)
            if (fcntl(fd, F_GETFD) >= 0)
                check(r, box_pass_fd(r->box, fd, fd));
        for (int i = 0; i < r->n_fds; i++) {
            note(r, "descriptor %d passed", r->fds[i]);
            if (r->fds[i] > 2)
                check(r, box_pass_fd(r->box, r->fds[i], r->fds[i]));
        }
    }
    if (r->cpuset_cpus || r->cpuset_mems) {
        note(r, "cpuset: cpus %s, memory nodes %s", r->cpuset_cpus ? r->cpuset_cpus : "as the "
             "parent cgroup's", r->cpuset_mems ? r->cpuset_mems : "as the parent cgroup's");
        check(r, box_set_cpuset(r->box, r->cpuset_cpus, r->cpuset_mems));
    }
    /* The options libbox defaults to (die with parent, new session) stay on, as boxrun's
     * --die-with-parent and --new-session say; --block-fd holds the built box until a
     * byte arrives. */
    if ((opts & BOX_OPT_INIT) && r->as_pid_1 && !bwrap)
        die("--init and --as-pid-1 contradict each other (with --init the program is pid 2)");
    if (r->block_fd >= 0)
        opts |= BOX_OPT_HOLD;
    if (opts)
        note(r, "options:%s%s%s%s%s", opts & BOX_OPT_INIT ? " box-init is pid 1" : "",
             opts & BOX_OPT_LIMITS_BEST_EFFORT ? " cgroup limits best effort" : "",
             opts & BOX_OPT_HOLD ? " hold the box until --block-fd" : "",
             opts & BOX_OPT_ALLOW_NEW_PRIVS ? " no no_new_privs" : "",
             opts & BOX_OPT_NO_MONITOR ? " no monitor process" : "");
    check(r, box_set_option(r->box, opts, 1));
}

/* ---- JSON output ---- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static int print_probe(void)
{
    static const char *const layout[] = { "none", "v1", "hybrid", "v2" };
    box_features_t f;

    if (box_probe(&f) < 0)
        die("probe failed");
    printf("{\n  \"version\": ");
    json_str(stdout, box_version());
    printf(",\n  \"userns\": %s,\n  \"userns_why\": ", f.userns ? "true" : "false");
    json_str(stdout, f.userns_why);
    printf(",\n  \"cgroup_layout\": \"%s\",\n  \"cgroup_v2_path\": ",
           (unsigned int)f.cgroup_layout < 4 ? layout[f.cgroup_layout] : "unknown");
    json_str(stdout, f.cgroup_v2_path);
    printf(",\n  \"cgroup_controllers\": ");
    json_str(stdout, f.cgroup_controllers);
    printf(",\n  \"landlock_abi\": %d,\n  \"seccomp_notify\": %s,\n  \"clone3\": %s,\n"
           "  \"clone_into_cgroup\": %s,\n  \"pidfd\": %s,\n  \"idmapped_mounts\": %s,\n"
           "  \"time_ns\": %s\n}\n",
           f.landlock_abi, f.seccomp_notify ? "true" : "false", f.clone3 ? "true" : "false",
           f.clone_into_cgroup ? "true" : "false", f.pidfd ? "true" : "false",
           f.idmapped_mounts ? "true" : "false", f.time_ns ? "true" : "false");
    return fflush(stdout) == 0 ? 0 : EXIT_BOXRUN;
}

static const char *end_reason(box_end_t end)
{
    switch (end) {
    case BOX_END_EXITED: return "exited";
    case BOX_END_SIGNALED: return "signaled";
    case BOX_END_WALL_TIME: return "wall-time";
    case BOX_END_KILLED: return "killed";
    case BOX_END_OOM: return "oom";
    case BOX_END_CPU_TIME: return "cpu-time";
    }
    return "unknown";
}

/* The usage fields shared by --json-status and --json-status-fd. */
static void json_usage(FILE *f, const box_status_t *st, const char *sep)
{
    fprintf(f, "%s\"signal\": %d,%s\"reason\": \"%s\",%s\"wall_s\": %.6f,%s"
            "\"cpu_user_s\": %.6f,%s\"cpu_system_s\": %.6f,%s\"max_rss_bytes\": %" PRIu64
            ",%s\"memory_peak_bytes\": %" PRIu64 ",%s\"oom_kills\": %" PRIu64
            ",%s\"pids_limit_hits\": %" PRIu64,
            sep, st->signal, sep, end_reason(st->end), sep, st->wall_us / 1e6, sep,
            st->cpu_user_us / 1e6, sep, st->cpu_system_us / 1e6, sep, st->max_rss_bytes, sep,
            st->memory_peak_bytes, sep, st->oom_kills, sep, st->pids_limit_hits);
}

/* --block-fd, --userns-block-fd: wait for one byte (or EOF) on fd, then close it. */
/* The signals boxrun passes on to a running box; blocked from before box_spawn on. */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

static void forwarded_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaddset(set, forwarded[i]);
}

/* --block-fd, --userns-block-fd: wait for one byte (or EOF) on fd while the box is held.
 * No program runs yet to take a forwarded signal, so one that comes now ends boxrun as it
 * would end a process that does not block it (each of them terminates by default, as
 * bwrap is then ended), once the held box is killed and freed and the temporary
 * directory removed: nothing is left behind. */
static void wait_byte(struct run *r, int fd, const char *what)
{
    sigset_t set;
    struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
    struct signalfd_siginfo si;
    char b;
    ssize_t n;

    forwarded_set(&set);
    p[1].fd = signalfd(-1, &set, SFD_CLOEXEC);
    if (p[1].fd < 0)
        die("%s %d: signalfd: %s", what, fd, strerror(errno));
    while (poll(p, 2, -1) < 0)
        if (errno != EINTR)
            die("%s %d: poll: %s", what, fd, strerror(errno));
    if ((p[1].revents & POLLIN) && read(p[1].fd, &si, sizeof si) == (ssize_t)sizeof si) {
        note(r, "signal %u while the box waits on %s: the box is killed, boxrun ends by it",
             si.ssi_signo, what);
        box_free(r->box);
        r->box = NULL;
        cleanup_tmpdir();
        signal((int)si.ssi_signo, SIG_DFL);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise((int)si.ssi_signo);
        _exit(128 + (int)si.ssi_signo); /* (a signal that does not end us by default) */
    }
    close(p[1].fd);
    do
        n = read(fd, &b, 1);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        die("%s %d: read: %s", what, fd, strerror(errno));
    close(fd);
}

static void write_fd_line(int fd, const char *what, const char *text)
{
    size_t len = strlen(text);

    while (len > 0) {
        ssize_t n = write(fd, text, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            message_start(3);
            fprintf(stderr, "%s %d: write: %s\n", what, fd, strerror(errno));
            return;
        }
        text += n;
        len -= (size_t)n;
    }
}

/* --json-status FILE: open it before the program runs, so that a path that cannot be
 * written fails early, but neither create an empty file that stays (cleanup_tmpdir removes
 * it if boxrun fails) nor truncate an existing one before there is a status to write. */
static void open_json_status(struct run *r)
{
    const char *path = r->json_status_file;

    for (int tries = 0; tries < 8; tries++) {
        r->json_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (r->json_fd >= 0) {
            r->json_created = 1;
            return;
        }
        if (errno != EEXIST)
            break;
        r->json_fd = open(path, O_WRONLY | O_CLOEXEC);
        if (r->json_fd >= 0)
            return;
        if (errno != ENOENT)
            break; /* ENOENT: removed since, try again */
    }
    die("--json-status %s: %s", path, strerror(errno));
}

/* ---- running ---- */

static void wait_box(struct run *r, box_status_t *st)
{
    struct timespec zero = { 0, 0 };
    sigset_t set;
    int rc;

    forwarded_set(&set);
    /* box_wait also enforces the wall-time and cpu-time limits while it waits. */
    while ((rc = box_wait(r->box, 100, st)) == -ETIMEDOUT) {
        int sig;

        while ((sig = sigtimedwait(&set, NULL, &zero)) > 0) {
            /* "Stop": the image's StopSignal (SIGTERM without an image), as docker stop. */
            if (sig == SIGTERM)
                sig = box_stop_signal(r->box);
            note(r, "forwarding signal %d to the box", sig);
            box_kill(r->box, sig);
        }
    }
    check(r, rc);
}

/* The bwrap personality when argv[0]'s file name begins with "bwrap". */
static void choose_personality(const char *arg0)
{
    const char *base = strrchr(arg0, '/');

    argv0 = arg0;
    base = base ? base + 1 : arg0;
    if (strncmp(base, "bwrap", 5) == 0) {
        bwrap = 1;
        prog_name = "bwrap";
        exit_failure = EXIT_BWRAP;
    }
}

/* bwrap's starting point, before its options: the caller's environment; root keeps its
 * capabilities (--cap-drop takes some away); bwrap's namespace rules; and a seccomp
 * filter that only keeps the kernel keyring away (it is not namespaced: bwrap lets a box
 * read the caller's keys). Options given later change all of these. */
static void bwrap_defaults(struct run *r)
{
    static const char *const keyring[] = { "keyctl", "add_key", "request_key" };
    extern char **environ;

    for (char **e = environ; *e; e++) {
        const char *eq = strchr(*e, '=');
        char *name;

        if (!eq || eq == *e)
            continue;
        if (r->n_inherited_env == MAX_ENV)
            die("more than %d environment variables", MAX_ENV);
        if (!(name = strndup(*e, (size_t)(eq - *e))))
            die("out of memory");
        r->inherited_env[r->n_inherited_env++] = name;
        check(r, box_setenv(r->box, name, eq + 1));
    }
    r->bwrap_ns = 1;
    r->cap_all = getuid() == 0;
    check(r, box_seccomp_default(r->box, 0));
    for (size_t i = 0; i < sizeof keyring / sizeof keyring[0]; i++)
        check(r, box_seccomp_rule(r->box, keyring[i], BOX_SECCOMP_ERRNO, EPERM));
}

/* "{" "child-pid": PID, then "NAME-namespace": INODE for each namespace the box made, as
 * bwrap writes them to --info-fd and --json-status-fd. The ids are the ones box_spawn
 * recorded (BOX_OPT_NS_IDS): a program that has exited already has left only its pid
 * namespace in /proc/PID/ns. Held for --userns-block-fd (BOX_OPT_CALLER_MAPS) the box has
 * recorded none yet, and its first process waits: /proc/PID/ns is read then. */
static void info_line(struct run *r, char *buf, size_t size, const char *open,
                      const char *sep, const char *close_text)
{
    static const struct { const char *name; unsigned int ns; } ids[] = {
        { "cgroup", BOX_NS_CGROUP }, { "ipc", BOX_NS_IPC }, { "mnt", BOX_NS_MNT },
        { "net", BOX_NS_NET }, { "pid", BOX_NS_PID }, { "uts", BOX_NS_UTS },
    };
    size_t len = (size_t)snprintf(buf, size, "%s\"child-pid\": %d", open, (int)box_pid(r->box));

    for (size_t i = 0; i < sizeof ids / sizeof ids[0] && len < size; i++) {
        char path[64];
        struct stat st;

        uint64_t ino;

        if (!(r->ns & ids[i].ns))
            continue;
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)box_pid(r->box), ids[i].name);
        if (box_ns_id(r->box, ids[i].ns, &ino, NULL) < 0) {
            if (stat(path, &st) < 0)
                continue;
            ino = st.st_ino;
        }
        len += (size_t)snprintf(buf + len, size - len, "%s\"%s-namespace\": %ju", sep,
                                ids[i].name, (uintmax_t)ino);
    }
    if (len < size)
        snprintf(buf + len, size - len, "%s", close_text);
}

static const char *const phase_names[] = { "?", "created", "running", "paused", "stopped" };

static int list_one(const char *id, void *data)
{
    const struct run *r = data;
    char err[512];
    box_t *box;
    int phase;

    if (box_open_err(&box, r->state_dir, id, err, sizeof err) < 0) {
        warn("%s: %s", id, err);
        return 0;
    }
    phase = box_phase(box);
    printf("%s %d %s\n", id, (int)box_pid(box), phase_names[phase > 0 && phase <= 4 ? phase : 0]);
    box_free(box);
    return 0;
}

/* The exit status of a program that ended as *st says: its code, or 128 + the signal. */
static int exit_status(const box_status_t *st)
{
    return st->end == BOX_END_EXITED ? st->exit_code
                                     : 128 + (st->signal ? st->signal : SIGKILL);
}

/* --exec: the program with the options that apply to it; boxrun exits as it does. */
static int exec_in_box(struct run *r, char **argv)
{
    box_exec_opts_t opts = BOX_EXEC_OPTS_INIT;
    box_exec_limit_t limits[32];
    char *env[MAX_ENV + 1], cwd[PATH_MAX];
    box_proc_t *proc;
    box_status_t st;
    sigset_t set;
    int rc, code;
    struct timespec zero = { 0, 0 };

    if (!argv[0])
        die("--exec %s: no program given", r->manage_id);
    if (r->uid >= 0 || r->gid >= 0) {
        opts.flags |= BOX_EXEC_USER;
        opts.uid = r->uid >= 0 ? (uid_t)r->uid : 0;
        opts.gid = r->gid >= 0 ? (gid_t)r->gid : 0;
    }
    if (r->cwd) { /* as for a new box: a relative directory is taken from "/" */
        snprintf(cwd, sizeof cwd, "%s%s", r->cwd[0] == '/' ? "" : "/", r->cwd);
        opts.cwd = cwd;
    }
    for (int i = 0; i < r->n_env; i++)
        if (asprintf(&env[i], "%s=%s", r->env[i], r->env_value[i]) < 0)
            die("out of memory");
    env[r->n_env] = NULL;
    if (r->n_env)
        opts.envp = (const char *const *)env;
    for (int l = 0; l < 32; l++)
        if (r->limits_given & (1u << l))
            limits[opts.n_limits++] = (box_exec_limit_t){ (box_limit_t)l, r->limit_value[l] };
    opts.limits = limits;
    if (r->tty) {
        opts.flags |= BOX_EXEC_TTY;
        boxrun_tty_size(&opts.tty_rows, &opts.tty_cols);
    }
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaddset(&set, forwarded[i]);
    sigprocmask(SIG_BLOCK, &set, NULL);
    rc = box_exec(r->box, (const char *const *)argv, &opts, &proc);
    for (int i = 0; i < r->n_env; i++)
        free(env[i]);
    check_at(r, "--exec", rc);
    note(r, "program running as pid %d", (int)box_proc_pid(proc));
    if (r->tty) {
        rc = boxrun_tty_relay_proc(proc, &set, &st);
    } else {
        /* box_proc_wait also enforces the exec's wall-time and cpu-time limits. */
        while ((rc = box_proc_wait(proc, 100, &st)) == -ETIMEDOUT) {
            int sig;

            while ((sig = sigtimedwait(&set, NULL, &zero)) > 0) {
                note(r, "forwarding signal %d to the program", sig);
                box_proc_kill(proc, sig);
            }
        }
    }
    box_proc_free(proc);
    if (rc < 0)
        die("--exec %s: %s", r->manage_id, strerror(-rc));
    code = exit_status(&st);
    note(r, "program ended: %s, exit status %d", end_reason(st.end), code);
    return code;
}

/* --ps: the pids, asking again while the box has more than the array holds. */
static void print_pids(struct run *r)
{
    pid_t *pids = NULL;
    int n = 64, got;

    for (;;) {
        pid_t *more = realloc(pids, (size_t)n * sizeof *pids);

        if (!more)
            die("out of memory");
        pids = more;
        got = box_pids(r->box, pids, (size_t)n);
        check_at(r, "--ps", got);
        if (got <= n)
            break;
        n = got;
    }
    for (int i = 0; i < got; i++)
        printf("%d\n", (int)pids[i]);
    free(pids);
}

/* The managing options: thin front ends over box_list, box_open and what the library does
 * with a running box. */
static int manage(struct run *r, char **argv)
{
    char err[512];
    box_status_t st;
    int rc, code = 0;

    if (r->manage == MANAGE_LIST) {
        rc = box_list(r->state_dir, list_one, r);
        if (rc < 0 && rc != -ENOENT)
            die("--list: %s", strerror(-rc));
        return 0;
    }
    if (argv[0] && r->manage != MANAGE_EXEC)
        die("%s: no program (only --exec runs one)", argv[0]);
    if (r->manage == MANAGE_UPDATE && !r->limits_given)
        die("--update %s: no limit given (--mem, --processes, --cpu ...)", r->manage_id);
    if ((rc = box_open_err(&r->box, r->state_dir, r->manage_id, err, sizeof err)) < 0)
        die("%s: %s", r->manage_id, err);
    switch (r->manage) {
    case MANAGE_DESTROY:
        check_at(r, "--destroy", box_destroy(r->box));
        check_at(r, "--destroy", box_wait(r->box, 0, &st));
        printf("%s %s", r->manage_id, end_reason(st.end));
        if (st.end == BOX_END_EXITED)
            printf(" %d", st.exit_code);
        else if (st.signal)
            printf(" signal %d", st.signal);
        putchar('\n');
        break;
    case MANAGE_EXEC:
        code = exec_in_box(r, argv);
        break;
    case MANAGE_PAUSE:
        check_at(r, "--pause", box_pause(r->box));
        break;
    case MANAGE_RESUME:
        check_at(r, "--resume", box_resume(r->box));
        break;
    case MANAGE_UPDATE:
        for (int l = 0; l < 32; l++)
            if (r->limits_given & (1u << l))
                check_at(r, "--update", box_update_limit(r->box, (box_limit_t)l,
                                                         r->limit_value[l]));
        break;
    case MANAGE_PS:
        print_pids(r);
        break;
    }
    box_free(r->box);
    r->box = NULL;
    return code;
}

int main(int argc, char **argv)
{
    struct run run = { .uid = -1, .gid = -1, .info_fd = -1, .json_status_fd = -1,
                       .block_fd = -1, .sync_fd = -1, .json_fd = -1,
                       .userns_block_fd = -1, .join_userns_fd = -1, .join_pidns_fd = -1,
                       .switch_userns_fd = -1 };
    struct run *r = &run;
    FILE *json_file = NULL;
    box_status_t st;
    sigset_t set;
    char line[1024];
    int prog, rc, code;

    pid_t parent = getppid();

    cleanup_run = r;
    choose_personality(argv[0]);
    if (bwrap && argc < 2) {
        usage(stderr);
        return EXIT_BWRAP;
    }
    if ((rc = box_new(&r->box, 0)) < 0)
        die("box_new: %s", strerror(-rc));
    if (bwrap)
        bwrap_defaults(r);
    apply_image(r, argc, argv);
    prog = parse_args(r, &argv, &argc);
    /* --die-with-parent: boxrun itself goes with its parent (and takes the box along),
     * even if that parent died already. */
    if (r->die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
        die("--die-with-parent: %s", errno ? strerror(errno) : "the parent is gone");
    if (r->probe) {
        box_free(r->box);
        return print_probe();
    }
    if (r->manage) { /* the options were checked on a box of their own: let it go */
        box_free(r->box);
        r->box = NULL;
        return manage(r, argv + prog);
    }
    if (r->seccomp_export) {
        const char *path = r->seccomp_export;
        int fd = strcmp(path, "-") == 0 ? STDOUT_FILENO
                                        : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

        if (fd < 0)
            die("--seccomp-export %s: %s", path, strerror(errno));
        check(r, box_seccomp_export(r->box, fd, 1));
        if (fd != STDOUT_FILENO && close(fd) < 0)
            die("--seccomp-export %s: %s", path, strerror(errno));
        box_free(r->box);
        return 0;
    }
    if (prog >= argc && bwrap) {
        usage(stderr);
        exit(EXIT_BWRAP);
    }
    if (prog >= argc && !r->image)
        die("no program given (see boxrun --help)");
    apply_namespaces(r);
    apply_joins(r);
    apply_net(r);
    apply_rest(r);
    if (r->argv0 && prog >= argc)
        die("--argv0 needs a program");
    if (r->argv0) {
        note(r, "program %s, argv[0] %s", argv[prog], r->argv0);
        check(r, box_set_program(r->box, argv[prog]));
        argv[prog] = (char *)r->argv0;
    }
    if (r->json_status_file)
        open_json_status(r);
    if (r->info_fd >= 0 || r->json_status_fd >= 0) /* for info_line */
        check(r, box_set_option(r->box, BOX_OPT_NS_IDS, 1));

    /* Signals for the box are taken by sigtimedwait; the child starts with an empty mask. */
    forwarded_set(&set);
    sigprocmask(SIG_BLOCK, &set, NULL);

    note(r, "spawn %s", prog < argc ? argv[prog] : "the image's Cmd");
    check(r, box_spawn(r->box, (const char *const *)argv + prog));
    if (r->info_fd >= 0) {
        info_line(r, line, sizeof line, bwrap ? "{\n    " : "{", bwrap ? ",\n    " : ", ",
                  bwrap ? "\n}\n" : "}\n");
        write_fd_line(r->info_fd, "--info-fd", line);
        close(r->info_fd);
    }
    if (r->json_status_fd >= 0) {
        info_line(r, line, sizeof line, bwrap ? "{ " : "{", ", ", bwrap ? " }\n" : "}\n");
        write_fd_line(r->json_status_fd, "--json-status-fd", line);
    }
    if (r->userns_block_fd >= 0) {
        /* As bwrap: the pid is reported; one byte (or EOF) says the maps are written. */
        note(r, "box waits for its uid/gid maps (pid %d); waiting on --userns-block-fd %d",
             (int)box_pid(r->box), r->userns_block_fd);
        wait_byte(r, r->userns_block_fd, "--userns-block-fd");
        check(r, box_start(r->box));
    }
    if (r->block_fd >= 0) {
        /* As bwrap: the box is built and its pid reported; one byte (or EOF) runs it. */
        note(r, "box built (pid %d); waiting on --block-fd %d", (int)box_pid(r->box),
             r->block_fd);
        wait_byte(r, r->block_fd, "--block-fd");
        check(r, box_start(r->box));
    }
    if (r->verbose) {
        char where[512];

        /* every limit option of the table, in its order */
        for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
            box_limit_t limit = (box_limit_t)options[i].arg;
            int in_force;

            if (options[i].fn != opt_limit)
                continue;
            in_force = box_limit_status(r->box, limit, where, sizeof where);
            if (in_force == 1)
                note(r, "%s enforced by %s", options[i].name, where);
            else if (in_force == 0 && (r->limits_given & (1u << limit)))
                note(r, "%s: %s", options[i].name, where); /* --best-effort skipped it */
        }
        note(r, "program running as pid %d", (int)box_pid(r->box));
    }

    if (r->opts & BOX_OPT_DETACH) { /* it goes on without us */
        printf("%d\n", (int)box_pid(r->box));
        box_free(r->box);
        cleanup_tmpdir();
        return 0;
    }
    if (r->tty)
        check(r, boxrun_tty_relay(r->box, &set, &st));
    else
        wait_box(r, &st);
    if (r->sync_fd >= 0) /* --sync-fd: its reader learns that the box has ended */
        close(r->sync_fd);
    code = exit_status(&st);
    note(r, "program ended: %s, exit status %d", end_reason(st.end), code);

    if (r->json_status_fd >= 0 && bwrap) {
        snprintf(line, sizeof line, "{ \"exit-code\": %d }\n", code);
        write_fd_line(r->json_status_fd, "--json-status-fd", line);
    } else if (r->json_status_fd >= 0) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);

        if (m) {
            fprintf(m, "{\"exit-code\": %d,", code);
            json_usage(m, &st, " ");
            fputs("}\n", m);
            fclose(m);
            write_fd_line(r->json_status_fd, "--json-status-fd", buf);
            free(buf);
        }
    }
    if (r->json_fd >= 0) {
        struct stat sb;

        /* Only now is there a status: empty the file (it may have existed) and write it. */
        if (fstat(r->json_fd, &sb) == 0 && S_ISREG(sb.st_mode) && ftruncate(r->json_fd, 0) < 0)
            die("--json-status %s: truncate: %s", r->json_status_file, strerror(errno));
        json_file = fdopen(r->json_fd, "w");
        if (!json_file)
            die("--json-status %s: %s", r->json_status_file, strerror(errno));
        r->json_fd = -1; /* the FILE owns it now */
        fputs("{\n  \"exit_code\": ", json_file);
        if (st.end == BOX_END_EXITED)
            fprintf(json_file, "%d,", st.exit_code);
        else
            fputs("null,", json_file);
        json_usage(json_file, &st, "\n  ");
        fputs("\n}\n", json_file);
        if (fclose(json_file) != 0) {
            int e = errno;

            if (r->json_created)
                unlink(r->json_status_file);
            die("--json-status %s: %s", r->json_status_file, strerror(e));
        }
    }
    box_free(r->box);
    cleanup_tmpdir();
    for (int i = 0; i < r->n_args; i++) {
        free(r->args_vec[i]);
        free(r->args_buf[i]);
    }
    for (int i = 0; i < r->n_inherited_env; i++)
        free(r->inherited_env[i]);
    for (int i = 0; i < r->n_host_paths; i++)
        free(r->host_paths[i]);
    free(r->host_paths);
    free(r->seccomp_last);
    return code;
}
