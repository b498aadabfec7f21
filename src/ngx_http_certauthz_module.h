
/*
 * certauthz: what the http face's files share.
 */


#ifndef _NGX_HTTP_CERTAUTHZ_MODULE_H_INCLUDED_
#define _NGX_HTTP_CERTAUTHZ_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_certauthz_cert.h"
#include "ngx_certauthz_rule.h"


/* per request; survives internal redirects (see the module's get_ctx) */
typedef struct {
    ngx_certauthz_decision_t  decision;
    unsigned                  evaluated:1;
    unsigned                  logged:1;
} ngx_http_certauthz_ctx_t;


ngx_http_certauthz_ctx_t *ngx_http_certauthz_get_ctx(ngx_http_request_t *r);
SSL_CTX *ngx_http_certauthz_trusted(ngx_http_request_t *r);


extern ngx_module_t  ngx_http_certauthz_module;


#endif /* _NGX_HTTP_CERTAUTHZ_MODULE_H_INCLUDED_ */
