
/*
 * certauthz: list files for the "=@" and "!=@" operators, one value a
 * line, loaded at configuration time into a hash set.
 */


#ifndef _NGX_CERTAUTHZ_LIST_H_INCLUDED_
#define _NGX_CERTAUTHZ_LIST_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_set.h"


typedef struct {
    ngx_str_t                 path;       /* full path */
    ngx_uint_t                field;      /* whose normalisation applies */
    ngx_certauthz_set_t       values;
} ngx_certauthz_list_t;


ngx_certauthz_list_t *ngx_certauthz_list_get(ngx_conf_t *cf,
    ngx_array_t *loaded, ngx_str_t *path, ngx_uint_t field);
ngx_uint_t ngx_certauthz_list_has(ngx_certauthz_list_t *list,
    ngx_str_t *value);


#endif /* _NGX_CERTAUTHZ_LIST_H_INCLUDED_ */
