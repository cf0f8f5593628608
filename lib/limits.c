/* Limits: the mapping from BOX_LIMIT_* to the kernel's rlimit resources. */
#include <sys/resource.h>

#include "box-private.h"

int box_limit_to_rlimit(box_limit_t limit)
{
    switch (limit) {
    case BOX_LIMIT_NOFILE: return RLIMIT_NOFILE;
    case BOX_LIMIT_NPROC: return RLIMIT_NPROC;
    case BOX_LIMIT_FSIZE: return RLIMIT_FSIZE;
    case BOX_LIMIT_CORE: return RLIMIT_CORE;
    case BOX_LIMIT_STACK: return RLIMIT_STACK;
    case BOX_LIMIT_AS: return RLIMIT_AS;
    case BOX_LIMIT_CPU: return RLIMIT_CPU;
    default: return -1;
    }
}
