
/*
 * certauthz: a read-only hash set of byte strings.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_set.h"


static void ngx_certauthz_set_insert(ngx_certauthz_set_t *set,
    u_char *data, size_t len, uint32_t slot);


/*
 * Builds the set from an array of ngx_str_t (duplicates are dropped);
 * NGX_DECLINED if a value is longer than NGX_CERTAUTHZ_SET_MAX_VALUE or
 * all of them exceed 4 GB.  At most half of the slots are used, so probe
 * runs stay short.
 */

ngx_int_t
ngx_certauthz_set_build(ngx_certauthz_set_t *set, ngx_array_t *values,
    ngx_pool_t *pool)
{
    u_char      *p;
    size_t       size;
    ngx_str_t   *v;
    ngx_uint_t   i, n, nslots;

    ngx_memzero(set, sizeof(ngx_certauthz_set_t));

    v = values->elts;
    n = values->nelts;
    size = 0;

    for (i = 0; i < n; i++) {
        if (v[i].len > NGX_CERTAUTHZ_SET_MAX_VALUE) {
            return NGX_DECLINED;
        }

        size += 2 + v[i].len;
    }

    if (size >= 0xffffffff) {
        return NGX_DECLINED;
    }

    for (nslots = 16; nslots < 2 * n; nslots <<= 1) { /* void */ }

    set->mask = nslots - 1;
    set->slots = ngx_pcalloc(pool, nslots * sizeof(uint32_t));
    set->blob = ngx_pnalloc(pool, size ? size : 1);

    if (set->slots == NULL || set->blob == NULL) {
        return NGX_ERROR;
    }

    p = set->blob;

    for (i = 0; i < n; i++) {

        if (ngx_certauthz_set_has(set, v[i].data, v[i].len)) {
            continue;
        }

        p[0] = (u_char) (v[i].len >> 8);
        p[1] = (u_char) v[i].len;
        ngx_memcpy(p + 2, v[i].data, v[i].len);

        ngx_certauthz_set_insert(set, v[i].data, v[i].len,
                                 (uint32_t) (p - set->blob + 1));

        p += 2 + v[i].len;
        set->nelts++;
    }

    return NGX_OK;
}


ngx_uint_t
ngx_certauthz_set_has(ngx_certauthz_set_t *set, u_char *data, size_t len)
{
    u_char      *p;
    uint32_t     slot;
    ngx_uint_t   i;

    if (set->nelts == 0) {
        return 0;
    }

    i = ngx_murmur_hash2(data, len) & set->mask;

    while ((slot = set->slots[i]) != 0) {
        p = set->blob + slot - 1;

        if ((size_t) ((p[0] << 8) | p[1]) == len
            && ngx_memcmp(p + 2, data, len) == 0)
        {
            return 1;
        }

        i = (i + 1) & set->mask;
    }

    return 0;
}


static void
ngx_certauthz_set_insert(ngx_certauthz_set_t *set, u_char *data, size_t len,
    uint32_t slot)
{
    ngx_uint_t  i;

    i = ngx_murmur_hash2(data, len) & set->mask;

    while (set->slots[i] != 0) {
        i = (i + 1) & set->mask;
    }

    set->slots[i] = slot;
}
