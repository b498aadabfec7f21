
/*
 * certauthz: live connections.  A connection that a policy admitted is
 * watched as long as it lives: one timer at its certificate's notAfter,
 * and, for a policy that names CRLs, a place in this worker's list of
 * the policy's live connections, which a change of those CRLs walks (a
 * cost per CRL change and per connection of the files that changed, none
 * per request or packet).  Decided again and denied now, the connection
 * is logged, counted, and ended by its face; in audit mode it is logged
 * and counted only.  The records live in the TCP connection's pool, and
 * its cleanup takes them out of the lists.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_live.h"
#include "ngx_certauthz_metrics.h"


/* a certificate's notAfter is looked at again at least this often */
#define NGX_CERTAUTHZ_LIVE_EXPIRY_STEP  86400000

/*
 * Connections are ended this many at a time, a batch every this many
 * milliseconds: a CRL change that revokes thousands of live connections
 * at once (about 50 us each to end) must not hold up the worker's other
 * clients for all of it
 */
#define NGX_CERTAUTHZ_LIVE_BATCH        256
#define NGX_CERTAUTHZ_LIVE_BATCH_EVERY  10


static ngx_msec_t ngx_certauthz_live_expiry_timer(time_t not_after);

static ngx_certauthz_live_conn_t *ngx_certauthz_live_conn(
    ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_live_end_pt end);
static void ngx_certauthz_live_unwatch(void *data);
static void ngx_certauthz_live_expiry(ngx_event_t *ev);
static void ngx_certauthz_live_refresh(ngx_event_t *ev);
static void ngx_certauthz_live_recheck(ngx_certauthz_live_t *e);
static void ngx_certauthz_live_count(ngx_certauthz_policy_t *policy,
    ngx_certauthz_decision_t *d);
static void ngx_certauthz_live_schedule(ngx_event_t *ev);
static void ngx_certauthz_live_ending(ngx_event_t *ev);


ngx_int_t
ngx_certauthz_live_add(ngx_certauthz_policy_t *policy, SSL_CTX *trusted,
    ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_live_end_pt end)
{
    ngx_certauthz_live_t       *e;
    ngx_certauthz_crl_conf_t   *crl;
    ngx_certauthz_live_list_t  *list;
    ngx_certauthz_live_conn_t  *lc;

    if (!policy->live || policy->mode == NGX_CERTAUTHZ_OFF
        || !conn->cert.present)
    {
        return NGX_DECLINED;
    }

    lc = conn->live;

    if (lc == NULL) {
        lc = ngx_certauthz_live_conn(c, conn, end);
        if (lc == NULL) {
            return NGX_ERROR;
        }
    }

    for (e = lc->entries; e; e = e->next) {
        if (e->policy == policy) {
            lc->last = policy;
            return NGX_OK;
        }
    }

    e = ngx_pcalloc(lc->connection->pool, sizeof(ngx_certauthz_live_t));
    if (e == NULL) {
        return NGX_ERROR;
    }

    e->policy = policy;
    e->trusted = trusted;
    e->lc = lc;
    e->next = lc->entries;
    lc->entries = e;
    lc->last = policy;

    crl = &policy->crl;

    if (crl->files == NULL || crl->refresh == 0) {
        ngx_queue_init(&e->queue);
        return NGX_OK;
    }

    list = &policy->watch;

    if (list->entries.next == NULL) {
        ngx_queue_init(&list->entries);
        list->refresh.handler = ngx_certauthz_live_refresh;
        list->refresh.data = policy;
        list->refresh.log = ngx_cycle->log;
        list->refresh.cancelable = 1;
    }

    if (ngx_queue_empty(&list->entries)) {
        list->generation = ngx_certauthz_crl_generation(crl);
    }

    ngx_queue_insert_tail(&list->entries, &e->queue);

    if (!list->refresh.timer_set) {
        ngx_add_timer(&list->refresh, ngx_certauthz_crl_poll(crl));
    }

    return NGX_OK;
}


/* the TCP connection's record, with its timer at the notAfter */

static ngx_certauthz_live_conn_t *
ngx_certauthz_live_conn(ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_live_end_pt end)
{
    ngx_connection_t           *tc;
    ngx_pool_cleanup_t         *cln;
    ngx_certauthz_live_conn_t  *lc;

    tc = ngx_certauthz_cert_connection(c);

    cln = ngx_pool_cleanup_add(tc->pool, sizeof(ngx_certauthz_live_conn_t));
    if (cln == NULL) {
        return NULL;
    }

    lc = cln->data;
    ngx_memzero(lc, sizeof(ngx_certauthz_live_conn_t));

    lc->connection = tc;
    lc->conn = conn;
    lc->end = end;
    ngx_queue_init(&lc->users);

    lc->event.handler = ngx_certauthz_live_expiry;
    lc->event.data = lc;
    lc->event.log = tc->log;
    lc->event.cancelable = 1;

    ngx_add_timer(&lc->event,
                  ngx_certauthz_live_expiry_timer(conn->cert.not_after));

    cln->handler = ngx_certauthz_live_unwatch;
    conn->live = lc;

    return lc;
}


static void
ngx_certauthz_live_unwatch(void *data)
{
    ngx_certauthz_live_conn_t *lc = data;

    ngx_queue_t           *q;
    ngx_certauthz_live_t  *e;

    if (lc->event.timer_set) {
        ngx_del_timer(&lc->event);
    }

    if (lc->event.posted) {
        ngx_delete_posted_event(&lc->event);
    }

    for (e = lc->entries; e; e = e->next) {
        ngx_queue_remove(&e->queue);
    }

    /* what the face left linked no longer has a list to leave */

    while (!ngx_queue_empty(&lc->users)) {
        q = ngx_queue_head(&lc->users);
        ngx_queue_remove(q);
        ngx_queue_init(q);
    }

    lc->conn->live = NULL;
}


/*
 * Until the first second after the notAfter begins (a certificate is
 * valid through its notAfter second), in milliseconds, at most a day
 */

static ngx_msec_t
ngx_certauthz_live_expiry_timer(time_t not_after)
{
    time_t       left;
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    left = not_after + 1 - tp->sec;

    if (left <= 0) {
        return 0;
    }

    if (left > NGX_CERTAUTHZ_LIVE_EXPIRY_STEP / 1000) {
        return NGX_CERTAUTHZ_LIVE_EXPIRY_STEP;
    }

    return (ngx_msec_t) left * 1000 - tp->msec;
}


static void
ngx_certauthz_live_expiry(ngx_event_t *ev)
{
    time_t                      not_after;
    ngx_certauthz_live_t       *e;
    ngx_certauthz_live_conn_t  *lc;

    lc = ev->data;
    not_after = lc->conn->cert.not_after;

    if (ngx_time() <= not_after) {
        ngx_add_timer(ev, ngx_certauthz_live_expiry_timer(not_after));
        return;
    }

    for (e = lc->entries; e && !lc->ending; e = e->next) {
        ngx_certauthz_live_recheck(e);
    }
}


/*
 * Every second at most (certauthz_crl_refresh if shorter) while the worker
 * has live connections of the policy: if the host has put a changed CRL
 * file of the policy in force since (ngx_certauthz_crl_watch.c), each of
 * them is decided again
 */

static void
ngx_certauthz_live_refresh(ngx_event_t *ev)
{
    ngx_uint_t                  generation;
    ngx_queue_t                *q;
    ngx_certauthz_live_t       *e;
    ngx_certauthz_policy_t     *policy;
    ngx_certauthz_live_list_t  *list;

    policy = ev->data;
    list = &policy->watch;

    if (ngx_queue_empty(&list->entries)) {
        return;
    }

    generation = ngx_certauthz_crl_generation(&policy->crl);

    if (generation != list->generation) {
        list->generation = generation;

        ngx_log_debug0(NGX_LOG_DEBUG_EVENT, ev->log, 0,
                       "certauthz: CRLs changed, live connections decided "
                       "again");

        /* a connection to end is only marked here: its face ends it from
         * a posted event, so the list stays as it is while it is walked */

        for (q = ngx_queue_head(&list->entries);
             q != ngx_queue_sentinel(&list->entries);
             q = ngx_queue_next(q))
        {
            e = ngx_queue_data(q, ngx_certauthz_live_t, queue);
            ngx_certauthz_live_recheck(e);
        }
    }

    ngx_add_timer(ev, ngx_certauthz_crl_poll(&policy->crl));
}


/* the connection's policy, decided again; denied now: ended */

static void
ngx_certauthz_live_recheck(ngx_certauthz_live_t *e)
{
    ngx_int_t                   rc;
    ngx_connection_t           *c;
    ngx_certauthz_policy_t     *policy;
    ngx_certauthz_decision_t    d;
    ngx_certauthz_live_conn_t  *lc;

    lc = e->lc;

    if (lc->ending) {
        return;
    }

    c = lc->connection;
    policy = e->policy;

    rc = ngx_certauthz_decide_live(policy, e->trusted, c, lc->conn, &d);

    if (rc != NGX_OK) {
        /* an internal failure is no verdict, and lets nobody stay */
        ngx_log_error(NGX_LOG_ERR, c->log, 0,
                      "certauthz: rule evaluation failed, "
                      "connection %s",
                      policy->mode == NGX_CERTAUTHZ_AUDIT ? "kept (audit)"
                                                          : "closed");
        d.allow = 0;
        d.reason = NGX_CERTAUTHZ_REASON_NONE;
        d.rule = NULL;

    } else if (d.allow) {
        e->said = 0;
        return;
    }

    if (policy->mode == NGX_CERTAUTHZ_AUDIT) {
        if (e->said) {
            return;
        }

        e->said = 1;
        ngx_certauthz_live_count(policy, &d);

        if (rc == NGX_OK) {
            ngx_certauthz_log_denial(NGX_LOG_NOTICE,
                                     "certauthz: audit: would close the "
                                     "connection",
                                     c, lc->conn, &d, &policy->location);
        }

        return;
    }

    ngx_certauthz_live_count(policy, &d);

    lc->ending = 1;
    lc->decision = d;
    lc->location = (rc == NGX_OK) ? &policy->location : NULL;

    /* the face ends it from a posted event or a timer: the lists this is
     * called from are not walked while a connection leaves them */

    if (lc->event.timer_set) {
        ngx_del_timer(&lc->event);
    }

    lc->event.handler = ngx_certauthz_live_ending;
    ngx_certauthz_live_schedule(&lc->event);
}


/* a connection closed (in audit mode: that would be), by reason */

static void
ngx_certauthz_live_count(ngx_certauthz_policy_t *policy,
    ngx_certauthz_decision_t *d)
{
    if (d->reason >= NGX_CERTAUTHZ_REASON_EXPIRED && policy->counters) {
        (void) ngx_atomic_fetch_add(&policy->counters[
                   NGX_CERTAUTHZ_COUNT_CLOSED + d->reason
                   - NGX_CERTAUTHZ_REASON_EXPIRED], 1);
    }
}


static void
ngx_certauthz_live_schedule(ngx_event_t *ev)
{
    static ngx_msec_t  tick;
    static ngx_uint_t  scheduled;

    if (tick != ngx_current_msec) {
        tick = ngx_current_msec;
        scheduled = 0;
    }

    if (scheduled < NGX_CERTAUTHZ_LIVE_BATCH) {
        scheduled++;
        ngx_post_event(ev, &ngx_posted_events);
        return;
    }

    ngx_add_timer(ev, scheduled++ / NGX_CERTAUTHZ_LIVE_BATCH
                      * NGX_CERTAUTHZ_LIVE_BATCH_EVERY);
}


static void
ngx_certauthz_live_ending(ngx_event_t *ev)
{
    ngx_msec_t                  again;
    ngx_certauthz_live_conn_t  *lc;

    lc = ev->data;

    /* logged when it is ended, batch by batch, not all in the walk that
     * found it denied (lc->location NULL: a failure, logged then) */

    if (lc->tries == 0 && lc->location != NULL) {
        ngx_certauthz_log_denial(NGX_LOG_ERR,
                                 "certauthz: access forbidden, "
                                 "connection closed",
                                 lc->connection, lc->conn, &lc->decision,
                                 lc->location);
    }

    /* lc may be gone when the face answers 0 */

    again = lc->end(lc);

    if (again) {
        lc->tries++;
        ngx_add_timer(ev, again);
    }
}
