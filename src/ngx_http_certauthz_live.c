
/*
 * certauthz: how the http face ends a live connection that the engine
 * finds denied now (its certificate revoked by a CRL change, or expired;
 * ngx_certauthz_live.c).  What certauthz admitted on it is ended the way
 * nginx ends a request it gives up on (a proxied WebSocket, a gRPC or SSE
 * stream, a slow body in either direction): the request is finalized
 * with NGX_HTTP_CLOSE, which runs its cleanups (the upstream module
 * closes its upstream connection) and logs it, with $certauthz_reason
 * saying why.  Then the connection itself, as nginx closes an idle one
 * at shutdown: HTTP/1.x once it is idle, HTTP/2 with a GOAWAY (streams
 * that certauthz did not admit may finish first, and no new one starts).
 * A connection that had such requests in flight is reset (TCP RST, as
 * "reset_timedout_connection" does), so that what its responses left in
 * the kernel's send buffer is not delivered: megabytes on a fast link.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_certauthz_live.h"
#include "ngx_http_certauthz_module.h"
#include "ngx_http_certauthz_variables.h"


/* lc->kind: the protocol, and whether requests in flight were ended */
#define NGX_HTTP_CERTAUTHZ_LIVE_H2     1
#define NGX_HTTP_CERTAUTHZ_LIVE_RESET  2

/* how long an HTTP/2 connection that had requests in flight has, after
 * its GOAWAY, to close before it is reset (msec) */
#define NGX_HTTP_CERTAUTHZ_LIVE_GOAWAY 1000

/* how often an HTTP/1.x connection busy with a request that certauthz did
 * not admit is looked at until it is idle (msec) */
#define NGX_HTTP_CERTAUTHZ_LIVE_BUSY   250


static ngx_msec_t ngx_http_certauthz_live_end(ngx_certauthz_live_conn_t *lc);
static void ngx_http_certauthz_live_reset(ngx_connection_t *c);


/*
 * The first request of a policy on a connection (see
 * ngx_http_certauthz_live() in ngx_http_certauthz_module.h): the
 * connection is watched for the policy from now on, unless the policy
 * says certauthz_live off.  NGX_OK, or NGX_ERROR.
 */

ngx_int_t
ngx_http_certauthz_live_watch(ngx_http_request_t *r,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_certauthz_conn_t *conn,
    SSL_CTX *trusted)
{
    ngx_int_t  rc;

#if (NGX_QUIC)
    /* HTTP/3 connections are decided per request only */
    if (r->connection->quic) {
        return NGX_OK;
    }
#endif

    rc = ngx_certauthz_live_add(&lcf->policy, trusted, r->connection, conn,
                                ngx_http_certauthz_live_end);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

#if (NGX_HTTP_V2)
    if (rc == NGX_OK && r->stream) {
        conn->live->kind = NGX_HTTP_CERTAUTHZ_LIVE_H2;
    }
#endif

    return NGX_OK;
}


static ngx_msec_t
ngx_http_certauthz_live_end(ngx_certauthz_live_conn_t *lc)
{
    ngx_queue_t               *q;
    ngx_connection_t          *c, *fc;
    ngx_http_request_t        *r;
    ngx_http_certauthz_ctx_t  *ctx;

    c = lc->connection;

    /* the client may be sending: no wait for its close_notify */

    if (c->ssl) {
        c->ssl->no_wait_shutdown = 1;
    }

    if (lc->tries == 0 && !ngx_queue_empty(&lc->users)) {
        lc->kind |= NGX_HTTP_CERTAUTHZ_LIVE_RESET;
        ngx_http_certauthz_live_reset(c);
    }

    while (!ngx_queue_empty(&lc->users)) {
        q = ngx_queue_head(&lc->users);
        ngx_queue_remove(q);
        q->next = NULL;

        ctx = ngx_queue_data(q, ngx_http_certauthz_ctx_t, live);
        ctx->decision = lc->decision;

        r = ctx->request;
        fc = r->connection;

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, fc->log, 0,
                       "certauthz: request of a denied connection ended");

        /*
         * A reference of our own while it ends: the cleanups that
         * ngx_http_terminate_request() runs (the upstream's) finalize the
         * request with NGX_DONE, which would free it (HTTP/1.x: keep the
         * connection alive) under ngx_http_terminate_request(); its
         * terminal handler closes the request whatever the count is.
         */
        r->main->count++;

        ngx_http_finalize_request(r, NGX_HTTP_CLOSE);
        ngx_http_run_posted_requests(fc);

        if (c->destroyed) {
            /* HTTP/1.x: the connection went with its request, and lc with
             * its pool */
            return 0;
        }
    }

    if (!(lc->kind & NGX_HTTP_CERTAUTHZ_LIVE_H2)) {

        if (c->idle) {
            c->close = 1;
            c->read->handler(c->read);
            return 0;
        }

        return NGX_HTTP_CERTAUTHZ_LIVE_BUSY;
    }

    if (!(lc->kind & NGX_HTTP_CERTAUTHZ_LIVE_RESET)) {
        /* idle, or busy only with streams that certauthz did not admit */
        c->close = 1;
        c->read->handler(c->read);
        return 0;
    }

    switch (lc->tries) {

    case 0:
        /* the ended streams close from posted events: GOAWAY after */
        return 1;

    case 1:
        c->close = 1;
        c->read->handler(c->read);

        /* closed now: lc went with the connection's pool */
        return c->destroyed ? 0 : NGX_HTTP_CERTAUTHZ_LIVE_GOAWAY;

    default:
        /* still there (lingering on a client that reads slowly): as its
         * timer would */
        c->read->timedout = 1;
        c->read->handler(c->read);
        return 0;
    }
}


static void
ngx_http_certauthz_live_reset(ngx_connection_t *c)
{
    struct linger  linger;

    linger.l_onoff = 1;
    linger.l_linger = 0;

    if (setsockopt(c->fd, SOL_SOCKET, SO_LINGER, (const void *) &linger,
                   sizeof(struct linger))
        == -1)
    {
        ngx_log_error(NGX_LOG_ALERT, c->log, ngx_socket_errno,
                      "setsockopt(SO_LINGER) failed");
    }
}
