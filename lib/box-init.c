/* box-init: the optional pid 1 of a box (BOX_OPT_INIT), like docker's --init or bwrap's
 * default. The kernel gives pid 1 two duties a normal program does not expect: orphans are
 * reparented to it and must be reaped, and it receives only the signals it handles. This
 * init starts the program as pid 2, forwards the usual signals to it, reaps every child,
 * and exits with the program's exit code (128 + the signal if a signal ended it).
 *
 * libbox execs it (static, so it runs on any root) with:
 *   box-init ERRFD STATUSFD N PATH1 .. PATHN ARGV0 ARGV1 ...
 * ERRFD is libbox's error pipe: if no PATH can be exec'ed the program's process writes a
 * struct box_child_error there, as the library's own child would. STATUSFD is the status
 * pipe: before it exits, box-init writes there how the program ended and the rusage of
 * everything it reaped (struct box_exit_record), which is the box's own accounting: the
 * program and the orphans, forked here, never shared the caller's memory, so their peak
 * resident set is theirs alone. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

extern char **environ;

static void run_program(int errfd, int statusfd, int n, char **paths, char **argv,
                        const sigset_t *mask)
{
    struct box_child_error e = { .step = STEP_EXEC, .err = ENOENT, .index = -1 };

    sigprocmask(SIG_SETMASK, mask, NULL);
    fcntl(errfd, F_SETFD, FD_CLOEXEC);
    close(statusfd);
    for (int i = 0; i < n; i++) {
        execve(paths[i], argv, environ);
        if (errno == EACCES || (errno != ENOENT && errno != ENOTDIR && e.err == ENOENT)) {
            e.err = errno;
            e.index = i;
        }
        if (errno != ENOENT && errno != ENOTDIR && errno != EACCES)
            break;
        if (errno == ENOENT && e.err == ENOENT &&
            box__missing_interp(paths[i], e.path, sizeof e.path)) {
            e.index = i;
            break;
        }
    }
    /* errfd may be a held box's starter connection (state.c): a starter that is gone is
     * EPIPE here, not SIGPIPE (the program's end stays "exited 127"). */
    if (send(errfd, &e, sizeof e, MSG_NOSIGNAL) < 0 && errno == ENOTSOCK &&
        write(errfd, &e, sizeof e) < 0)
        _exit(127);
    _exit(127);
}

int main(int argc, char **argv)
{
    static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
                                     SIGWINCH, SIGCONT, SIGALRM };
    sigset_t all, old;
    int errfd, statusfd, n;
    pid_t child;

    if (argc < 5 || (n = atoi(argv[3])) < 1 || argc < 4 + n + 1)
        return 127;
    errfd = atoi(argv[1]);
    statusfd = atoi(argv[2]);
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    child = fork();
    if (child < 0)
        return 127;
    if (child == 0)
        run_program(errfd, statusfd, n, argv + 4, argv + 4 + n, &old);
    close(errfd);

    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);

        if (sig == SIGCHLD) {
            pid_t pid;
            int st;

            while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
                struct box_exit_record rec = { .source = BOX_RECORD_INIT };

                if (pid != child)
                    continue;
                rec.code = WIFEXITED(st) ? CLD_EXITED : WCOREDUMP(st) ? CLD_DUMPED : CLD_KILLED;
                rec.status = WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st);
                getrusage(RUSAGE_CHILDREN, &rec.ru);
                if (write(statusfd, &rec, sizeof rec) < 0)
                    return 127;
                /* as pid 1, our exit ends every other process of the box */
                return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            }
            continue;
        }
        for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
            if (sig == forwarded[i])
                kill(child, sig);
    }
}
