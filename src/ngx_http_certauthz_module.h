
/*
 * certauthz: the http module, for the files of the http face that need
 * its index or its location configuration.
 */


#ifndef _NGX_HTTP_CERTAUTHZ_MODULE_H_INCLUDED_
#define _NGX_HTTP_CERTAUTHZ_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_certauthz_policy.h"
#include "ngx_certauthz_live.h"
#include "ngx_http_certauthz_variables.h"


typedef struct {
    ngx_int_t                 code;
    ngx_str_t                 where;      /* "FILE:LINE" of the directive */
    ngx_uint_t                warned;
} ngx_http_certauthz_status_t;


typedef struct {
    ngx_certauthz_policy_t        policy;
    ngx_http_certauthz_status_t  *status; /* NULL: 403 */
    /*
     * certauthz_metrics or certauthz_explain here, and "FILE:LINE" of the
     * directive: not inherited, as a content handler is not
     */
    ngx_http_handler_pt           content;
    ngx_str_t                     content_where;
    ngx_uint_t                    explain;
    /* the file and line where this level's block begins ("location",
     * "if", "server"), for warnings about it */
    ngx_str_t                     block_file;
    ngx_uint_t                    block_line;
} ngx_http_certauthz_loc_conf_t;


extern ngx_module_t  ngx_http_certauthz_module;


ngx_int_t ngx_http_certauthz_live_watch(ngx_http_request_t *r,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_certauthz_conn_t *conn,
    SSL_CTX *trusted);
void ngx_http_certauthz_regex_ops(ngx_http_request_t *r,
    ngx_certauthz_regex_ops_t *ops);
char *ngx_http_certauthz_content(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_http_handler_pt handler);
ngx_int_t ngx_http_certauthz_text_request(ngx_http_request_t *r);
ngx_int_t ngx_http_certauthz_text_send(ngx_http_request_t *r,
    ngx_str_t *type, ngx_chain_t *out, off_t size);
void ngx_http_certauthz_check_loc_conf(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *lcf);
char *ngx_http_certauthz_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_certauthz_explain(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


/*
 * After the request's policy allowed it: its connection is watched for the
 * policy (ngx_certauthz_live.c), and a main request of an enforcing policy
 * is one that the connection's end ends (ngx_http_certauthz_live.c).  On
 * the request path: a request of the policy watched last costs a few
 * comparisons and a link.  NGX_OK, or NGX_ERROR.
 */

static ngx_inline ngx_int_t
ngx_http_certauthz_live(ngx_http_request_t *r,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_http_certauthz_ctx_t *ctx,
    ngx_certauthz_conn_t *conn, SSL_CTX *trusted)
{
    ngx_certauthz_live_conn_t  *lc;

    if (r != r->main) {
        return NGX_OK;
    }

    lc = conn->live;

    if (lc == NULL || lc->last != &lcf->policy) {

        if (ngx_http_certauthz_live_watch(r, lcf, conn, trusted) != NGX_OK) {
            return NGX_ERROR;
        }

        lc = conn->live;

        if (lc == NULL || lc->last != &lcf->policy) {
            /* not watched: certauthz_live off, HTTP/3 */
            return NGX_OK;
        }
    }

    if (lcf->policy.mode == NGX_CERTAUTHZ_ON && ctx->live.next == NULL) {
        ctx->request = r;
        ngx_queue_insert_tail(&lc->users, &ctx->live);
    }

    return NGX_OK;
}


#endif /* _NGX_HTTP_CERTAUTHZ_MODULE_H_INCLUDED_ */
