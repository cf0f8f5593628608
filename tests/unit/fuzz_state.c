/* libFuzzer target over a detached box's state file parser (lib/state.c): box_open reads
 * whatever is in <state_dir>/<id>/state, which any process of the user can write, so every
 * input must parse or fail with -EPROTO (or -ENOMEM), and never crash, leak or touch the
 * system: the parsed box is freed as detached, which forgets its cgroup paths instead of
 * removing them. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "box-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    box_t *box;
    int r;

    if (box_new(&box, 0) < 0)
        return 0;
    r = box__state_parse(box, (const char *)data, size);
    if (r != 0 && r != -EPROTO && r != -ENOMEM)
        abort();
    box->detached = true;
    box_free(box);
    return 0;
}
