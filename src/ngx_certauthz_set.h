
/*
 * certauthz: a read-only hash set of byte strings, for list files and for
 * the revoked serials of a CRL.  Open addressing over 32-bit slots that
 * hold 1 + the offset of a value in one blob (a 2-byte length, then the
 * bytes): about 10 bytes a value beyond the value itself.  ngx_hash_t
 * folds case, and values here must match byte for byte.
 */


#ifndef _NGX_CERTAUTHZ_SET_H_INCLUDED_
#define _NGX_CERTAUTHZ_SET_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_CERTAUTHZ_SET_MAX_VALUE  0xffff


typedef struct {
    ngx_uint_t                nelts;
    ngx_uint_t                mask;       /* number of slots - 1 */
    uint32_t                 *slots;
    u_char                   *blob;
    size_t                    used;       /* of blob, while adding */
    size_t                    size;
} ngx_certauthz_set_t;


ngx_int_t ngx_certauthz_set_init(ngx_certauthz_set_t *set, ngx_uint_t n,
    size_t size, ngx_pool_t *pool);
size_t ngx_certauthz_set_mem(ngx_uint_t n, size_t size);
ngx_int_t ngx_certauthz_set_init_in(ngx_certauthz_set_t *set, ngx_uint_t n,
    size_t size, u_char *mem);
ngx_int_t ngx_certauthz_set_add(ngx_certauthz_set_t *set, u_char *data,
    size_t len);
ngx_int_t ngx_certauthz_set_build(ngx_certauthz_set_t *set,
    ngx_array_t *values, ngx_pool_t *pool);
ngx_uint_t ngx_certauthz_set_has(ngx_certauthz_set_t *set, u_char *data,
    size_t len);


#endif /* _NGX_CERTAUTHZ_SET_H_INCLUDED_ */
