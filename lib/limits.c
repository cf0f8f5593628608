/* Limits: the mapping from BOX_LIMIT_* to the kernel's rlimit resources, and the record of
 * which limits are in force after spawn (box_limit_status). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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

void box_limit_record(box_t *box, box_limit_t limit, bool enforced, const char *fmt, ...)
{
    va_list ap;

    free(box->limit_state[limit]);
    box->limit_state[limit] = NULL;
    box->limit_enforced[limit] = enforced;
    va_start(ap, fmt);
    if (vasprintf(&box->limit_state[limit], fmt, ap) < 0)
        box->limit_state[limit] = NULL;
    va_end(ap);
}

BOX_API int box_limit_status(const box_t *box, box_limit_t limit, char *buf, size_t size)
{
    const char *text;

    if (!box || (int)limit < 1 || (int)limit >= BOX_LIMIT_COUNT || (buf && size == 0))
        return -EINVAL;
    if (box->state == BOX_CONFIGURED)
        return -ESRCH;
    text = box->limit_state[limit] ? box->limit_state[limit] : "not set";
    if (buf)
        snprintf(buf, size, "%s", text);
    return box->limit_enforced[limit] ? 1 : 0;
}
