
/*
 * certauthz: $certauthz_* variables.  Certificate fields come from the
 * per-connection parse; decision variables from the access phase of the
 * main request.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_certauthz_module.h"
#include "ngx_http_certauthz_variables.h"
#include "ngx_certauthz_variable.h"


static ngx_int_t ngx_http_certauthz_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_certauthz_variable_ext(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static void ngx_http_certauthz_cleanup(void *data);


ngx_int_t
ngx_http_certauthz_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t       *var;
    ngx_certauthz_variable_t  *v;

    for (v = ngx_certauthz_variable_list(); v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name,
                                    v->prefix ? NGX_HTTP_VAR_PREFIX
                                    : v->decision ? NGX_HTTP_VAR_NOCACHEABLE
                                    : 0);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->prefix ? ngx_http_certauthz_variable_ext
                                     : ngx_http_certauthz_variable;
        var->data = v->index;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_certauthz_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_int_t                  rc;
    ngx_str_t                  value;
    ngx_certauthz_decision_t  *d;
    ngx_http_certauthz_ctx_t  *ctx;

    /* subrequests run no access phase: they report the main decision */
    ctx = ngx_http_certauthz_get_ctx(r->main);

    d = (ctx && ctx->evaluated) ? &ctx->decision : NULL;

    rc = ngx_certauthz_variable(data, r->connection,
                                ngx_http_certauthz_trusted(r), d, r->pool,
                                &value);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = value.len;
    v->data = value.data;
    v->valid = 1;
    v->no_cacheable = (data >= NGX_CERTAUTHZ_VAR_RESULT);
    v->not_found = 0;

    return NGX_OK;
}


/* $certauthz_ext_OID: nginx gives a prefix variable its whole name */

static ngx_int_t
ngx_http_certauthz_variable_ext(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    return ngx_certauthz_variable_ext((ngx_str_t *) data, r->connection, v);
}


/*
 * The request's ctx is wiped by an internal redirect; anchoring it in a
 * pool cleanup (as the realip module does) lets us find it again, so that
 * a denial is logged once per request and the decision variables keep
 * the request's decision.
 */

ngx_http_certauthz_ctx_t *
ngx_http_certauthz_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t        *cln;
    ngx_http_certauthz_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_certauthz_module);

    if (ctx == NULL && (r->internal || r->filter_finalize)) {

        for (cln = r->pool->cleanup; cln; cln = cln->next) {
            if (cln->handler == ngx_http_certauthz_cleanup) {
                ctx = &((ngx_http_certauthz_ctx_cln_t *) cln->data)->ctx;
                ngx_http_set_ctx(r, ctx, ngx_http_certauthz_module);
                break;
            }
        }
    }

    return ctx;
}


/*
 * The ctx and its pool cleanup come in one piece, linked into the list of
 * the request pool's cleanups as ngx_pool_cleanup_add() links one (which
 * would take two allocations).  A connection keeps one piece for its
 * requests, one at a time (HTTP/1.x: each of them; HTTP/2: streams that
 * do not overlap), so that such a request takes nothing from its pool:
 * an allocation there shifts nginx's own and made them walk the pool's
 * blocks further.  A request that finds the piece in use (another stream)
 * takes one from its pool.  conn: the connection's certauthz state.
 */

ngx_http_certauthz_ctx_t *
ngx_http_certauthz_create_ctx(ngx_http_request_t *r,
    ngx_certauthz_conn_t *conn)
{
    ngx_pool_t                    *pool;
    ngx_http_certauthz_ctx_cln_t  *cc;

    cc = conn->face;

    if (cc == NULL || cc->busy) {

        /* a connection without a certificate has no state of its own */

        pool = (cc == NULL && conn->cert.present)
               ? ngx_certauthz_cert_pool(r->connection) : r->pool;

        cc = ngx_palloc(pool, sizeof(ngx_http_certauthz_ctx_cln_t));
        if (cc == NULL) {
            return NULL;
        }

        if (pool != r->pool) {
            conn->face = cc;
        }

        cc->cln.handler = ngx_http_certauthz_cleanup;
        cc->cln.data = cc;
        cc->pool = pool;
        cc->captures = NULL;
        cc->ncaptures = 0;
    }

    /* what ngx_pcalloc() would do, without a call of memset() */

    cc->ctx.decision.allow = 0;
    cc->ctx.decision.reason = 0;
    cc->ctx.decision.rule = NULL;
    cc->ctx.live.next = NULL;
    cc->ctx.request = NULL;
    cc->ctx.evaluated = 0;
    cc->ctx.logged_notice = 0;
    cc->ctx.logged_info = 0;
    cc->ctx.logged_error = 0;

    cc->busy = 1;
    cc->cln.next = r->pool->cleanup;
    r->pool->cleanup = &cc->cln;

    ngx_http_set_ctx(r, &cc->ctx, ngx_http_certauthz_module);

    return &cc->ctx;
}


/*
 * The handler marks our ctx in the list; a request that its live
 * connection may end (ngx_http_certauthz_live()) leaves that connection's
 * list of requests
 */

static void
ngx_http_certauthz_cleanup(void *data)
{
    ngx_http_certauthz_ctx_cln_t *cc = data;

    if (cc->ctx.live.next != NULL) {
        ngx_queue_remove(&cc->ctx.live);
        cc->ctx.live.next = NULL;
    }

    cc->busy = 0;
}
