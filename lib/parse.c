/* The text forms front ends take from people, parsed once here so that boxrun, Python and
 * other callers agree: sizes ("1.5G"), durations ("200ms") and seccomp rule lines
 * ("chmod=errno:38,a1==0700"). Pure functions apart from box_seccomp_rule_parse, which
 * hands the parsed rule to the box_seccomp_* setters. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "box-private.h"

__extension__ typedef unsigned __int128 u128;

/* A decimal number with an optional fraction and a unit word, spaces allowed around
 * both: *whole, the fraction as digits/10^*ndigits, and the unit (up to 7 letters). */
static int split_number(const char *s, uint64_t *whole, uint64_t *frac, int *ndigits,
                        char unit[8])
{
    bool any = false;
    size_t n = 0;

    *whole = *frac = 0;
    *ndigits = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    for (; *s >= '0' && *s <= '9'; s++, any = true) {
        if (*whole > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return -ERANGE;
        *whole = *whole * 10 + (uint64_t)(*s - '0');
    }
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++, any = true) {
            if (*ndigits == 18) /* 10^18 still fits: more precision than any unit needs */
                return -EINVAL;
            *frac = *frac * 10 + (uint64_t)(*s - '0');
            (*ndigits)++;
        }
    if (!any)
        return -EINVAL;
    while (*s == ' ' || *s == '\t')
        s++;
    while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
        if (n == 7)
            return -EINVAL;
        unit[n++] = (char)(*s++ | 0x20);
    }
    unit[n] = '\0';
    while (*s == ' ' || *s == '\t')
        s++;
    return *s ? -EINVAL : 0;
}

/* whole.frac * mult; exact (sizes) or rounded up (durations). */
static int scale(uint64_t whole, uint64_t frac, int ndigits, uint64_t mult, bool exact,
                 uint64_t *out)
{
    u128 pow10 = 1, f, v;

    for (int i = 0; i < ndigits; i++)
        pow10 *= 10;
    f = (u128)frac * mult;
    if (exact && f % pow10)
        return -EINVAL;
    v = (u128)whole * mult + f / pow10 + (f % pow10 ? 1 : 0);
    if (v > UINT64_MAX)
        return -ERANGE;
    *out = (uint64_t)v;
    return 0;
}

struct unit {
    const char *name;
    uint64_t mult;
};

static int parse_with_units(const char *text, const struct unit *units, bool exact,
                            uint64_t *out)
{
    uint64_t whole, frac, v;
    char unit[8];
    int nd, r;

    if (!text || !out)
        return -EINVAL;
    r = split_number(text, &whole, &frac, &nd, unit);
    if (r < 0)
        return r;
    for (; units->name; units++)
        if (strcmp(unit, units->name) == 0) {
            r = scale(whole, frac, nd, units->mult, exact, &v);
            if (r == 0)
                *out = v;
            return r;
        }
    return -EINVAL;
}

BOX_API int box_parse_size(const char *text, uint64_t *out)
{
    static const struct unit units[] = {
        { "", 1 },            { "b", 1 },
        { "k", 1ull << 10 },  { "kb", 1ull << 10 }, { "kib", 1ull << 10 },
        { "m", 1ull << 20 },  { "mb", 1ull << 20 }, { "mib", 1ull << 20 },
        { "g", 1ull << 30 },  { "gb", 1ull << 30 }, { "gib", 1ull << 30 },
        { "t", 1ull << 40 },  { "tb", 1ull << 40 }, { "tib", 1ull << 40 },
        { NULL, 0 },
    };

    return parse_with_units(text, units, true, out);
}

BOX_API int box_parse_duration(const char *text, uint64_t *out_ns)
{
    static const struct unit units[] = {
        { "", 1000000000ull },  { "s", 1000000000ull },  { "sec", 1000000000ull },
        { "ms", 1000000ull },   { "us", 1000ull },       { "ns", 1 },
        { "m", 60000000000ull }, { "min", 60000000000ull }, { "h", 3600000000000ull },
        { NULL, 0 },
    };

    return parse_with_units(text, units, false, out_ns);
}

/* ---- seccomp rule lines. Messages carry no function prefix: the caller puts the place
 * (an option, FILE:LINE) in front. ---- */

/* A decimal or 0x hexadecimal number at s; *end is where it stops. 0 if there is no digit
 * or it overflows. */
static bool number_at(const char *s, const char **end, uint64_t *out)
{
    unsigned int base = 10;
    uint64_t v = 0;
    const char *p = s, *digits;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    for (digits = p;; p++) {
        unsigned int d;

        if (*p >= '0' && *p <= '9')
            d = (unsigned int)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = (unsigned int)(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = (unsigned int)(*p - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *end = p;
    *out = v;
    return p > digits;
}

/* allow, kill, log, errno (EPERM) or errno:N. Not notify: a rule from text has no
 * supervisor behind it. */
static int parse_action(box_t *box, const char *s, int *action, int *err)
{
    static const struct { const char *name; int action; } names[] = {
        { "allow", BOX_SECCOMP_ALLOW }, { "kill", BOX_SECCOMP_KILL },
        { "log", BOX_SECCOMP_LOG },     { "errno", BOX_SECCOMP_ERRNO },
    };
    const char *end;
    uint64_t n;

    *err = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *action = names[i].action;
            *err = *action == BOX_SECCOMP_ERRNO ? EPERM : 0;
            return 0;
        }
    if (strncmp(s, "errno:", 6) == 0 && number_at(s + 6, &end, &n) && !*end && n >= 1 &&
        n <= 4095) {
        *action = BOX_SECCOMP_ERRNO;
        *err = (int)n;
        return 0;
    }
    return box__error(box, EINVAL, "bad action '%s' (allow, kill, log, errno or errno:N with "
                     "N 1..4095)", s);
}

/* aN==V, aN!=V, aN<V, aN<=V, aN>V, aN>=V or aN&MASK==V */
static int parse_cmp(box_t *box, const char *s, box_seccomp_arg_t *c)
{
    static const struct { const char *text; int op; } ops[] = {
        /* the two-character operators first, so that "<=" is not read as "<" */
        { "==", BOX_SECCOMP_CMP_EQ }, { "!=", BOX_SECCOMP_CMP_NE },
        { "<=", BOX_SECCOMP_CMP_LE }, { ">=", BOX_SECCOMP_CMP_GE },
        { "<", BOX_SECCOMP_CMP_LT },  { ">", BOX_SECCOMP_CMP_GT },
    };
    const char *p = s + 2;
    bool ok = s[0] == 'a' && s[1] >= '0' && s[1] <= '5';

    memset(c, 0, sizeof *c);
    c->index = ok ? (unsigned int)(s[1] - '0') : 0;
    if (ok && *p == '&') {
        ok = number_at(p + 1, &p, &c->mask) && strncmp(p, "==", 2) == 0;
        c->op = BOX_SECCOMP_CMP_MASKED_EQ;
        p += 2;
    } else if (ok) {
        for (size_t i = 0; i < sizeof ops / sizeof ops[0] && !c->op; i++)
            if (strncmp(p, ops[i].text, strlen(ops[i].text)) == 0) {
                c->op = ops[i].op;
                p += strlen(ops[i].text);
            }
        ok = c->op != 0;
    }
    if (!ok || !number_at(p, &p, &c->value) || *p)
        return box__error(box, EINVAL, "bad comparison '%s' (aN==V, aN!=V, aN<V, aN<=V, aN>V, "
                         "aN>=V or aN&MASK==V, N 0..5, V decimal or 0x hex)", s);
    return 0;
}

/* SYSCALL=ACTION[,COMPARISON...] */
static int parse_rule(box_t *box, const char *text)
{
    box_seccomp_arg_t args[BOX_SECCOMP_MAX_ARGS];
    char buf[1024], *act, *next;
    int action, err, r;
    size_t n = 0;

    if (strlen(text) >= sizeof buf)
        return box__error(box, EINVAL, "'%.40s...' is too long", text);
    strcpy(buf, text);
    act = strchr(buf, '=');
    if (!act || act == buf || !act[1])
        return box__error(box, EINVAL, "'%s' is not SYSCALL=ACTION[,COMPARISON...]", text);
    *act++ = '\0';
    next = strchr(act, ',');
    if (next)
        *next++ = '\0';
    if ((r = parse_action(box, act, &action, &err)) < 0)
        return r;
    while (next) {
        char *cmp = next;

        next = strchr(cmp, ',');
        if (next)
            *next++ = '\0';
        if (n == BOX_SECCOMP_MAX_ARGS)
            return box__error(box, EINVAL, "'%s' has more than %d comparisons", text,
                             BOX_SECCOMP_MAX_ARGS);
        if ((r = parse_cmp(box, cmp, &args[n++])) < 0)
            return r;
    }
    return n ? box_seccomp_rule_args(box, buf, action, err, n, args)
             : box_seccomp_rule(box, buf, action, err);
}

BOX_API int box_seccomp_rule_parse(box_t *box, const char *text)
{
    int r = box__check_configurable(box, "seccomp_rule_parse"), action, err;

    if (r < 0)
        return r;
    if (!text)
        return box__error(box, EINVAL, "seccomp_rule_parse: text is NULL");
    if (strncmp(text, "deny-list=", 10) == 0) {
        if (strcmp(text + 10, "on") != 0 && strcmp(text + 10, "off") != 0)
            return box__error(box, EINVAL, "'%s' is not on or off", text + 10);
        return box_seccomp_default(box, strcmp(text + 10, "on") == 0);
    }
    if (strncmp(text, "default=", 8) == 0) {
        if ((r = parse_action(box, text + 8, &action, &err)) < 0)
            return r;
        return box_seccomp_default_action(box, action, err);
    }
    return parse_rule(box, text);
}
