
/*
 * certauthz: the $certauthz_* variables, and the request's decision they
 * report.
 */


#ifndef _NGX_HTTP_CERTAUTHZ_VARIABLES_H_INCLUDED_
#define _NGX_HTTP_CERTAUTHZ_VARIABLES_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_certauthz_policy.h"


/*
 * per request; survives internal redirects (see ..._get_ctx()); every
 * field is set by ngx_http_certauthz_create_ctx(), one by one
 */
typedef struct {
    ngx_certauthz_decision_t  decision;
    /* in the list of requests of its live connection, which ends them
     * when the certificate is revoked or expires; next NULL: not */
    ngx_queue_t               live;
    ngx_http_request_t       *request;
    unsigned                  evaluated:1;
    /* a denial is logged once per request at each level: an audit line
     * (notice) or one under "satisfy any" (info) never stands in for an
     * enforcing location's error line after an internal redirect */
    unsigned                  logged_notice:1;
    unsigned                  logged_info:1;
    unsigned                  logged_error:1;
} ngx_http_certauthz_ctx_t;


/* what ngx_http_certauthz_create_ctx() hands out */
typedef struct {
    ngx_pool_cleanup_t        cln;
    ngx_http_certauthz_ctx_t  ctx;
    ngx_uint_t                busy;   /* a request's until its end */
    ngx_pool_t               *pool;   /* the one it came from */
    /* room for r->captures that the rules set again, made once */
    int                      *captures;
    ngx_uint_t                ncaptures;
} ngx_http_certauthz_ctx_cln_t;


ngx_int_t ngx_http_certauthz_add_variables(ngx_conf_t *cf);
ngx_http_certauthz_ctx_t *ngx_http_certauthz_get_ctx(ngx_http_request_t *r);
ngx_http_certauthz_ctx_t *ngx_http_certauthz_create_ctx(
    ngx_http_request_t *r, ngx_certauthz_conn_t *conn);


/*
 * The SSL_CTX of the request's server: only its trusted CAs count, see
 * ngx_certauthz_decide()
 */

static ngx_inline SSL_CTX *
ngx_http_certauthz_trusted(ngx_http_request_t *r)
{
    ngx_http_ssl_srv_conf_t  *sscf;

    sscf = ngx_http_get_module_srv_conf(r, ngx_http_ssl_module);

    return sscf->ssl.ctx;
}


#endif /* _NGX_HTTP_CERTAUTHZ_VARIABLES_H_INCLUDED_ */
