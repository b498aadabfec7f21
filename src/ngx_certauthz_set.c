
/*
 * certauthz: a read-only hash set of byte strings.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_set.h"


static ngx_uint_t ngx_certauthz_set_find(ngx_certauthz_set_t *set,
    u_char *data, size_t len, ngx_uint_t *slot);
static ngx_uint_t ngx_certauthz_set_nslots(ngx_uint_t n);
static void *ngx_certauthz_set_alloc(ngx_pool_t *pool, size_t size);
#if (NGX_HAVE_MAP_ANON)
static void ngx_certauthz_set_unmap(void *data);
#endif


/* tables this large are mapped on their own, see ..._set_alloc() */
#define NGX_CERTAUTHZ_SET_MAP_MIN  (256 * 1024)


#if (NGX_HAVE_MAP_ANON)

typedef struct {
    void                     *addr;
    size_t                    size;
} ngx_certauthz_set_map_t;

#endif


/*
 * Room for at most n values of "size" bytes in all (their lengths
 * included: 2 + len each); NGX_DECLINED if that exceeds 4 GB.  At most
 * half of the slots are used, so probe runs stay short.
 */

ngx_int_t
ngx_certauthz_set_init(ngx_certauthz_set_t *set, ngx_uint_t n, size_t size,
    ngx_pool_t *pool)
{
    u_char  *mem;

    if (size >= 0xffffffff) {
        return NGX_DECLINED;
    }

    mem = ngx_certauthz_set_alloc(pool, ngx_certauthz_set_mem(n, size));
    if (mem == NULL) {
        return NGX_ERROR;
    }

    return ngx_certauthz_set_init_in(set, n, size, mem);
}


/*
 * The same in memory of the caller's (zeroed, aligned for uint32_t, of
 * ngx_certauthz_set_mem() bytes): a CRL's table in the host's shared copy
 */

size_t
ngx_certauthz_set_mem(ngx_uint_t n, size_t size)
{
    return ngx_certauthz_set_nslots(n) * sizeof(uint32_t) + size;
}


ngx_int_t
ngx_certauthz_set_init_in(ngx_certauthz_set_t *set, ngx_uint_t n,
    size_t size, u_char *mem)
{
    ngx_uint_t  nslots;

    ngx_memzero(set, sizeof(ngx_certauthz_set_t));

    if (size >= 0xffffffff) {
        return NGX_DECLINED;
    }

    nslots = ngx_certauthz_set_nslots(n);

    set->mask = nslots - 1;
    set->size = size;
    set->slots = (uint32_t *) mem;
    set->blob = mem + nslots * sizeof(uint32_t);

    return NGX_OK;
}


static ngx_uint_t
ngx_certauthz_set_nslots(ngx_uint_t n)
{
    ngx_uint_t  nslots;

    for (nslots = 16; nslots < 2 * n; nslots <<= 1) { /* void */ }

    return nslots;
}


/* NGX_OK: added, NGX_BUSY: already there, NGX_DECLINED: no room */

ngx_int_t
ngx_certauthz_set_add(ngx_certauthz_set_t *set, u_char *data, size_t len)
{
    u_char      *p;
    ngx_uint_t   i;

    if (len > NGX_CERTAUTHZ_SET_MAX_VALUE
        || set->used + 2 + len > set->size
        || set->nelts >= (set->mask + 1) / 2)
    {
        return NGX_DECLINED;
    }

    if (ngx_certauthz_set_find(set, data, len, &i)) {
        return NGX_BUSY;
    }

    p = set->blob + set->used;

    p[0] = (u_char) (len >> 8);
    p[1] = (u_char) len;
    ngx_memcpy(p + 2, data, len);

    set->slots[i] = (uint32_t) (set->used + 1);
    set->used += 2 + len;
    set->nelts++;

    return NGX_OK;
}


/* from an array of ngx_str_t; duplicates are dropped */

ngx_int_t
ngx_certauthz_set_build(ngx_certauthz_set_t *set, ngx_array_t *values,
    ngx_pool_t *pool)
{
    size_t       size;
    ngx_int_t    rc;
    ngx_str_t   *v;
    ngx_uint_t   i;

    v = values->elts;
    size = 0;

    for (i = 0; i < values->nelts; i++) {
        size += 2 + v[i].len;
    }

    rc = ngx_certauthz_set_init(set, values->nelts, size, pool);
    if (rc != NGX_OK) {
        return rc;
    }

    for (i = 0; i < values->nelts; i++) {
        rc = ngx_certauthz_set_add(set, v[i].data, v[i].len);

        if (rc != NGX_OK && rc != NGX_BUSY) {
            return rc;
        }
    }

    return NGX_OK;
}


ngx_uint_t
ngx_certauthz_set_has(ngx_certauthz_set_t *set, u_char *data, size_t len)
{
    ngx_uint_t  i;

    if (set->nelts == 0) {
        return 0;
    }

    return ngx_certauthz_set_find(set, data, len, &i);
}


/*
 * Linear probing from the value's hash: 1 with *slot where the value is,
 * or 0 with *slot at the empty slot where it would go.
 */

static ngx_uint_t
ngx_certauthz_set_find(ngx_certauthz_set_t *set, u_char *data, size_t len,
    ngx_uint_t *slot)
{
    u_char      *p;
    uint32_t     offset;
    ngx_uint_t   i;

    i = ngx_murmur_hash2(data, len) & set->mask;

    while ((offset = set->slots[i]) != 0) {
        p = set->blob + offset - 1;

        if ((size_t) ((p[0] << 8) | p[1]) == len
            && ngx_memcmp(p + 2, data, len) == 0)
        {
            *slot = i;
            return 1;
        }

        i = (i + 1) & set->mask;
    }

    *slot = i;

    return 0;
}


/*
 * Zeroed memory that lives as long as the pool.  A large table (a CRL of
 * a million entries has two of some megabytes) is mapped on its own and
 * unmapped with the pool: its memory goes back to the system when a
 * newer CRL replaces it, whichever thread made it and whatever malloc's
 * thresholds have become.
 */

static void *
ngx_certauthz_set_alloc(ngx_pool_t *pool, size_t size)
{
#if (NGX_HAVE_MAP_ANON)
    void                     *p;
    ngx_pool_cleanup_t       *cln;
    ngx_certauthz_set_map_t  *map;

    if (size < NGX_CERTAUTHZ_SET_MAP_MIN) {
        return ngx_pcalloc(pool, size);
    }

    cln = ngx_pool_cleanup_add(pool, sizeof(ngx_certauthz_set_map_t));
    if (cln == NULL) {
        return NULL;
    }

    p = mmap(NULL, size, PROT_READ|PROT_WRITE, MAP_ANON|MAP_PRIVATE, -1, 0);
    if (p == MAP_FAILED) {
        ngx_log_error(NGX_LOG_ALERT, pool->log, ngx_errno,
                      "certauthz: mmap(MAP_ANON|MAP_PRIVATE, %uz) failed",
                      size);
        return NULL;
    }

    map = cln->data;
    map->addr = p;
    map->size = size;

    cln->handler = ngx_certauthz_set_unmap;

    return p;

#else

    return ngx_pcalloc(pool, size);

#endif
}


#if (NGX_HAVE_MAP_ANON)

static void
ngx_certauthz_set_unmap(void *data)
{
    ngx_certauthz_set_map_t *map = data;

    (void) munmap(map->addr, map->size);
}

#endif
