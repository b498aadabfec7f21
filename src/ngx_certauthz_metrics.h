
/*
 * certauthz: host-wide counters of decisions, rule hits and CRL loads,
 * and their Prometheus text exposition (see ngx_certauthz_metrics.c).
 */


#ifndef _NGX_CERTAUTHZ_METRICS_H_INCLUDED_
#define _NGX_CERTAUTHZ_METRICS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_certauthz_policy.h"


/*
 * A policy's counters: its decisions by reason, then the live connections
 * it closed (in audit mode: would have), by reason from "expired" on
 */
#define NGX_CERTAUTHZ_COUNT_CLOSED  (NGX_CERTAUTHZ_REASON_CRL_STALE + 1)


/* a counted policy, with the labels of its decisions */
typedef struct {
    ngx_certauthz_policy_t   *policy;
    ngx_str_t                 server;
    ngx_str_t                 location;
} ngx_certauthz_metrics_policy_t;


ngx_int_t ngx_certauthz_metrics_policy(ngx_conf_t *cf,
    ngx_certauthz_policy_t *policy, ngx_str_t *server, ngx_str_t *location);
ngx_int_t ngx_certauthz_metrics_init(ngx_cycle_t *cycle);
ngx_chain_t *ngx_certauthz_metrics_text(ngx_pool_t *pool, ngx_uint_t json,
    off_t *size);


/* on the request path: a decision of the policy, counted */

static ngx_inline void
ngx_certauthz_count(ngx_certauthz_policy_t *policy,
    ngx_certauthz_decision_t *d)
{
    if (policy->counters != NULL) {
        (void) ngx_atomic_fetch_add(&policy->counters[d->reason], 1);

        if (d->rule != NULL && d->rule->hits != NULL) {
            (void) ngx_atomic_fetch_add(d->rule->hits, 1);
        }
    }
}


#endif /* _NGX_CERTAUTHZ_METRICS_H_INCLUDED_ */
