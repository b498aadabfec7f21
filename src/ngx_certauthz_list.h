
/*
 * certauthz: list files for the "=@" and "!=@" operators, one value a
 * line, loaded at configuration time into a hash set.
 */


#ifndef _NGX_CERTAUTHZ_LIST_H_INCLUDED_
#define _NGX_CERTAUTHZ_LIST_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


/*
 * An open-addressing hash set of byte strings (ngx_hash_t folds case,
 * list values must match byte for byte): slots hold 1 + the offset of a
 * value in blob, where each value is a 2-byte length and its bytes.
 */

typedef struct {
    ngx_str_t                 path;       /* full path */
    ngx_uint_t                field;      /* whose normalisation applies */
    ngx_uint_t                nelts;
    ngx_uint_t                mask;       /* number of slots - 1 */
    uint32_t                 *slots;
    u_char                   *blob;
} ngx_certauthz_list_t;


ngx_certauthz_list_t *ngx_certauthz_list_get(ngx_conf_t *cf,
    ngx_array_t *loaded, ngx_str_t *path, ngx_uint_t field);
ngx_uint_t ngx_certauthz_list_has(ngx_certauthz_list_t *list,
    ngx_str_t *value);


#endif /* _NGX_CERTAUTHZ_LIST_H_INCLUDED_ */
