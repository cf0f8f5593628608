/* box_cgroup_pool: the cgroups of ended boxes, reset (cgroup.c's box__cgroup_create and
 * box__cgroup_destroy decide what may be reused and reset it), kept for the next box of
 * the same shape. This module only holds them: a list of idle sets under a lock, each
 * with the key of its shape, and the references of the boxes that use the pool. Nothing
 * outlives the pool: box_cgroup_pool_free removes what it keeps, and a box that ends after
 * that removes its own. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "cgroup.h"

struct pooled {
    struct pooled *next;
    char *key;
    struct box_cgroup cg;
};

struct box_cgroup_pool {
    pthread_mutex_t lock;
    unsigned int refs;   /* the caller's (until box_cgroup_pool_free) and each box's */
    bool freed;          /* box_cgroup_pool_free was called: keep nothing more */
    unsigned int max_idle;
    unsigned int n_idle; /* read without the lock by box_cgroup_pool_idle */
    struct pooled *idle; /* most recently given back first */
};

BOX_API int box_cgroup_pool_new(box_cgroup_pool_t **out, unsigned int max_idle)
{
    box_cgroup_pool_t *pool;

    if (!out || max_idle < 1 || max_idle > 65536)
        return -EINVAL;
    if (!(pool = calloc(1, sizeof *pool)))
        return -ENOMEM;
    pthread_mutex_init(&pool->lock, NULL);
    pool->refs = 1;
    pool->max_idle = max_idle;
    *out = pool;
    return 0;
}

static void remove_list(struct pooled *p)
{
    while (p) {
        struct pooled *next = p->next;

        box_cg_destroy_set(&p->cg);
        free(p->key);
        free(p);
        p = next;
    }
}

/* The sets beyond the first `keep`, unlinked from the pool (the oldest ones). */
static struct pooled *cut(box_cgroup_pool_t *pool, unsigned int keep)
{
    struct pooled **link = &pool->idle, *rest;
    unsigned int n = 0;

    while (*link && n < keep) {
        link = &(*link)->next;
        n++;
    }
    rest = *link;
    *link = NULL;
    __atomic_store_n(&pool->n_idle, n, __ATOMIC_RELAXED);
    return rest;
}

static void drop(box_cgroup_pool_t *pool)
{
    bool last;

    pthread_mutex_lock(&pool->lock);
    last = --pool->refs == 0;
    pthread_mutex_unlock(&pool->lock);
    if (last) {
        remove_list(pool->idle);
        pthread_mutex_destroy(&pool->lock);
        free(pool);
    }
}

BOX_API void box_cgroup_pool_free(box_cgroup_pool_t *pool)
{
    struct pooled *rest;

    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->freed = true;
    rest = cut(pool, 0);
    pthread_mutex_unlock(&pool->lock);
    remove_list(rest); /* outside the lock: rmdir is the slow part */
    drop(pool);
}

BOX_API int box_cgroup_pool_trim(box_cgroup_pool_t *pool, unsigned int keep)
{
    struct pooled *rest;
    int n = 0;

    if (!pool)
        return -EINVAL;
    pthread_mutex_lock(&pool->lock);
    rest = cut(pool, keep);
    pthread_mutex_unlock(&pool->lock);
    for (struct pooled *p = rest; p; p = p->next)
        n++;
    remove_list(rest);
    return n;
}

BOX_API int box_cgroup_pool_idle(const box_cgroup_pool_t *pool)
{
    return pool ? (int)__atomic_load_n(&pool->n_idle, __ATOMIC_RELAXED) : -EINVAL;
}

BOX_API int box_set_cgroup_pool(box_t *box, box_cgroup_pool_t *pool)
{
    int r = box__check_configurable(box, "set_cgroup_pool");

    if (r < 0)
        return r;
    if (pool)
        box__cgroup_pool_ref(pool);
    box__cgroup_pool_unref(box->cgroup_pool);
    box->cgroup_pool = pool;
    return 0;
}

void box__cgroup_pool_ref(box_cgroup_pool_t *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->refs++;
    pthread_mutex_unlock(&pool->lock);
}

void box__cgroup_pool_unref(box_cgroup_pool_t *pool)
{
    if (pool)
        drop(pool);
}

int box__cgroup_pool_take(box_cgroup_pool_t *pool, const char *key, struct box_cgroup *cg)
{
    struct pooled **link, *found = NULL;

    pthread_mutex_lock(&pool->lock);
    for (link = &pool->idle; *link; link = &(*link)->next)
        if (strcmp((*link)->key, key) == 0) {
            found = *link;
            *link = found->next;
            __atomic_store_n(&pool->n_idle, pool->n_idle - 1, __ATOMIC_RELAXED);
            break;
        }
    pthread_mutex_unlock(&pool->lock);
    if (!found)
        return 0;
    *cg = found->cg;
    free(found->key);
    free(found);
    return 1;
}

bool box__cgroup_pool_put(box_cgroup_pool_t *pool, const char *key, struct box_cgroup *cg)
{
    struct pooled *p = malloc(sizeof *p);
    bool taken = false;

    if (!p || !(p->key = strdup(key))) {
        free(p);
        return false;
    }
    p->cg = *cg;
    pthread_mutex_lock(&pool->lock);
    if (!pool->freed && pool->n_idle < pool->max_idle) {
        p->next = pool->idle;
        pool->idle = p;
        __atomic_store_n(&pool->n_idle, pool->n_idle + 1, __ATOMIC_RELAXED);
        taken = true;
    }
    pthread_mutex_unlock(&pool->lock);
    if (!taken) {
        free(p->key);
        free(p);
        return false;
    }
    memset(cg, 0, sizeof *cg);
    return true;
}
