/* The bottom of lib/: the error message (and failed step) a box carries, the phase
 * check every setter starts with, and the string copy many of them keep. Every other module may call these; they call nothing in
 * lib/. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box-private.h"

/* Record "message: strerror(err)" on the box and return -err, so call sites read
 * `return box__error(box, EINVAL, "hostname longer than %d bytes", 64);`. err 0 records the
 * message alone and returns -EINVAL. */
int box__error(box_t *box, int err, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!box)
        return err ? -err : -EINVAL;
    box->errstep = "";
    va_start(ap, fmt);
    n = vsnprintf(box->errmsg, sizeof box->errmsg, fmt, ap);
    va_end(ap);
    if (err && n >= 0 && (size_t)n < sizeof box->errmsg)
        snprintf(box->errmsg + n, sizeof box->errmsg - n, ": %s", strerror(err));
    return err ? -err : -EINVAL;
}

void box__clear_error(box_t *box)
{
    box->errmsg[0] = '\0';
    box->errstep = "";
}

BOX_API const char *box_errmsg(const box_t *box)
{
    return box ? box->errmsg : "box is NULL";
}

BOX_API const char *box_error_step(const box_t *box)
{
    return box && box->errstep ? box->errstep : "";
}

/* Every setter starts here: a box may be changed only before it is spawned. */
int box__check_configurable(box_t *box, const char *what)
{
    if (!box)
        return -EINVAL;
    box__clear_error(box);
    if (box->state != BOX_CONFIGURED)
        return box__error(box, EBUSY, "%s: the box has already been spawned", what);
    return 0;
}

/* Replace *dest with a copy of value (NULL allowed: *dest becomes NULL); ENOMEM is
 * reported under `what`, *dest left as it was. */
int box__set_string(box_t *box, const char *what, const char *value, char **dest)
{
    char *copy = NULL;

    if (value && !(copy = strdup(value)))
        return box__error(box, ENOMEM, "%s", what);
    free(*dest);
    *dest = copy;
    return 0;
}
