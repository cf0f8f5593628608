/* Raw system calls for the child between clone and exec.
 *
 * The child shares the caller's memory (CLONE_VM) and therefore the calling thread's TLS,
 * including errno. glibc's wrappers write errno on failure, which would race with the
 * parent thread. These wrappers return -errno in the return value and touch no memory
 * but their arguments, so the child never writes errno. */
#ifndef LIBBOX_SYS_H
#define LIBBOX_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
static inline long box__sys6(long n, long a, long b, long c, long d, long e, long f)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;

    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
static inline long box__sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;

    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
}
#else
#error "libbox: add a raw system call wrapper for this architecture in lib/sys.h"
#endif

/* clone3 for a CLONE_VM child on its own stack: the child calls fn(arg) on that stack and
 * exits with its return value; the parent gets the pid or -errno. (The kernel starts the
 * child at the instruction after the system call with only the stack pointer changed, so
 * this cannot be C.) Defined in child.c for x86_64 and aarch64. */
struct box_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
        set_tid, set_tid_size, cgroup;
};
long box__clone3(struct box_clone_args *args, size_t size, int (*fn)(void *), void *arg);
/* The same with clone(2), for kernels or seccomp filters without clone3: stack_top is the
 * end of the stack; with CLONE_PIDFD the pidfd is written to *pidfd. */
long box__clone_legacy(unsigned long flags, void *stack_top, int *pidfd, int (*fn)(void *),
                       void *arg);

/* The common end of those two (their assembly: box__clone3 in child.c, box__clone_legacy
 * in monitor.c), from the system call on, with fn and arg in the registers named, which
 * the system call leaves alone: the parent returns the pid or -errno; the child, the
 * outermost frame on its new stack, calls fn(arg) and exits with what it returns. */
#if defined(__x86_64__)
#define BOX_CLONE_TAIL(fn, arg)                                                            \
    "    syscall\n"                                                                        \
    "    test %rax, %rax\n"                                                                \
    "    jz 1f\n"                                                                          \
    "    ret\n"                                                                            \
    "1:  xor %ebp, %ebp\n"                                                                 \
    "    mov %" arg ", %rdi\n"                                                             \
    "    call *%" fn "\n"                                                                  \
    "    mov %eax, %edi\n"                                                                 \
    "    mov $60, %eax\n" /* exit */                                                       \
    "    syscall\n"                                                                        \
    "    hlt\n"
#elif defined(__aarch64__)
#define BOX_CLONE_TAIL(fn, arg)                                                            \
    "    svc #0\n"                                                                         \
    "    cbz x0, 1f\n"                                                                     \
    "    ret\n"                                                                            \
    "1:  mov x29, xzr\n"                                                                   \
    "    mov x0, " arg "\n"                                                                \
    "    blr " fn "\n"                                                                     \
    "    mov x8, #93\n" /* exit */                                                         \
    "    svc #0\n"
#endif

#define SYS0(n) box__sys6((n), 0, 0, 0, 0, 0, 0)
#define SYS1(n, a) box__sys6((n), (long)(a), 0, 0, 0, 0, 0)
#define SYS2(n, a, b) box__sys6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define SYS3(n, a, b, c) box__sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SYS4(n, a, b, c, d) box__sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define SYS5(n, a, b, c, d, e) \
    box__sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define SYS6(n, a, b, c, d, e, f) \
    box__sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

#endif
