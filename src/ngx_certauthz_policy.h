
/*
 * certauthz: a policy (mode, rules, CRLs) built from directive arguments,
 * merged between configuration levels and decided on a TLS connection;
 * and the state certauthz keeps with a connection: the certificate's
 * fields, the outcome of each policy recently decided on it (with the
 * regex captures it set), the CRL verdict.
 *
 * No HTTP or stream here: a face compiles and runs regexes through
 * callbacks, so that captures become its variables.
 */


#ifndef _NGX_CERTAUTHZ_POLICY_H_INCLUDED_
#define _NGX_CERTAUTHZ_POLICY_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_cert.h"
#include "ngx_certauthz_crl.h"
#include "ngx_certauthz_rule.h"


/* the faces, for what each configures on its own (CRL fetching) */
#define NGX_CERTAUTHZ_FACE_HTTP    0
#define NGX_CERTAUTHZ_FACE_STREAM  1


#define NGX_CERTAUTHZ_OFF     0
#define NGX_CERTAUTHZ_ON      1
#define NGX_CERTAUTHZ_AUDIT   2

/* the outcomes of this many policies are kept with a connection */
#define NGX_CERTAUTHZ_OUTCOMES  4


/* the files of a configuration, each loaded once for all its policies */
typedef struct {
    ngx_array_t               lists;      /* of ngx_certauthz_list_t * */
    ngx_array_t               crls;       /* of ngx_certauthz_crl_file_t * */
    ngx_cycle_t              *cycle;

    /* what is counted (ngx_certauthz_metrics.c) */
    ngx_array_t               policies;   /* ngx_certauthz_metrics_policy_t */
    ngx_array_t               rules;      /* of ngx_str_t: FILE:LINE */
    ngx_array_t              *binds;      /* where they go */
    ngx_shm_t                 counters;

    /* how each face fetches CRLs from URLs, its "certauthz_crl cdp" */
    ngx_certauthz_crl_fetch_conf_t  fetch[2];
    ngx_certauthz_crl_cdp_t  *cdp[2];     /* NULL: none */

    ngx_log_t                *conf_log;   /* of configuration warnings,
                                             until init_module */
    unsigned                  access_checked:1;
} ngx_certauthz_files_t;


typedef struct ngx_certauthz_live_conn_s  ngx_certauthz_live_conn_t;


/*
 * This worker's live connections that a policy admitted and that a change
 * of its CRLs is to decide again (ngx_certauthz_live.c), and the timer
 * that looks for one
 */
typedef struct {
    ngx_queue_t               entries;    /* next NULL: none yet */
    ngx_event_t               refresh;
    ngx_uint_t                generation;
} ngx_certauthz_live_list_t;


typedef struct {
    ngx_uint_t                mode;       /* NGX_CERTAUTHZ_OFF, ... */
    ngx_array_t              *rules;      /* of ngx_certauthz_rule_t */
    ngx_certauthz_crl_conf_t  crl;
    ngx_flag_t                live;       /* certauthz_live */
    ngx_atomic_t             *counters;   /* by reason, host-wide, then
                                             the connections closed by
                                             reason; NULL: not counted */
    ngx_str_t                 location;   /* its counters' label: the
                                             location it decides */
    ngx_certauthz_live_list_t  watch;
    unsigned                  counted:1;  /* registered for counters */
} ngx_certauthz_policy_t;


/*
 * How a face runs the regexes of its policies.  compile: the face's own
 * regex compiler (ngx_http_regex_compile(), ngx_stream_regex_compile()),
 * so that named captures become its variables; NULL on an error, which it
 * has logged.  exec (NGX_OK: matches, NGX_DECLINED: does not, NGX_ERROR);
 * captures: the capture offsets that the last exec of that regex set
 * (their number, 0 if it sets none); restore: set them again for another
 * request, as that exec did, without matching.
 */
#if (NGX_PCRE)
typedef void *(*ngx_certauthz_compile_pt)(ngx_conf_t *cf,
    ngx_regex_compile_t *rc);
#else
typedef void *(*ngx_certauthz_compile_pt)(ngx_conf_t *cf, void *rc);
#endif


/* the "post" of a face's certauthz_allow and certauthz_deny directives */
typedef struct {
    ngx_uint_t                deny;
    ngx_certauthz_compile_pt  compile;
} ngx_certauthz_rule_post_t;

typedef struct {
    ngx_int_t               (*exec)(void *data, void *regex, ngx_str_t *s);
    ngx_uint_t              (*captures)(void *data, void *regex, int **caps);
    ngx_int_t               (*restore)(void *data, void *regex, ngx_str_t *s,
                                 int *caps, ngx_uint_t n);
    void                     *data;
} ngx_certauthz_regex_ops_t;


/* a regex that matched while a policy was decided, and what it captured */
typedef struct {
    void                     *regex;
    ngx_str_t                *value;      /* the certificate's, kept */
    int                      *caps;
    ngx_uint_t                ncaps;
} ngx_certauthz_match_t;


/* the outcome of a policy's rules on a connection's certificate */
typedef struct {
    ngx_array_t              *rules;      /* NULL: an empty slot */
    ngx_certauthz_rule_t     *rule;
    ngx_uint_t                reason;

    /* the matches to set again, and room kept for them between uses */
    ngx_certauthz_match_t    *matches;
    ngx_uint_t                nmatches;
    ngx_uint_t                matches_room;
    int                      *caps;
    ngx_uint_t                caps_used;
    ngx_uint_t                caps_room;
} ngx_certauthz_outcome_t;


typedef struct {
    ngx_certauthz_cert_t          cert;
    ngx_certauthz_outcome_t       outcomes[NGX_CERTAUTHZ_OUTCOMES];
    ngx_uint_t                    next_outcome;
    ngx_certauthz_crl_verdict_t   crl;
    ngx_msec_t                    cdp_until;  /* waits for a distribution
                                                 point's CRL until then */
    ngx_certauthz_live_conn_t    *live;       /* NULL: not watched */
    SSL_CTX                      *ssl_ctx;    /* the server's that
                                                 verified the certificate */
    void                         *face;       /* the face's, for its
                                                 requests (http) */
    ngx_certauthz_outcome_t      *last;       /* the outcome used last */
} ngx_certauthz_conn_t;


ngx_int_t ngx_certauthz_engine_conf(ngx_conf_t *cf, ngx_uint_t face);
ngx_int_t ngx_certauthz_engine_init(ngx_log_t *log, const char *version,
    const char *face);
void ngx_certauthz_engine_init_module(ngx_cycle_t *cycle);
void ngx_certauthz_engine_init_process(ngx_cycle_t *cycle);
void ngx_certauthz_engine_exit_process(ngx_cycle_t *cycle);
ngx_certauthz_conn_t *ngx_certauthz_conn_get(ngx_connection_t *c);

ngx_certauthz_files_t *ngx_certauthz_files(ngx_conf_t *cf);
ngx_certauthz_files_t *ngx_certauthz_files_of(ngx_cycle_t *cycle);
ngx_int_t ngx_certauthz_files_init(ngx_conf_t *cf,
    ngx_certauthz_files_t *files);
void ngx_certauthz_policy_init(ngx_certauthz_policy_t *policy);
ngx_int_t ngx_certauthz_cond_compile(ngx_conf_t *cf,
    ngx_certauthz_cond_t *cond, ngx_certauthz_compile_pt compile);
char *ngx_certauthz_policy_rule(ngx_conf_t *cf,
    ngx_certauthz_policy_t *policy, ngx_certauthz_files_t *files,
    ngx_uint_t deny, ngx_certauthz_compile_pt compile);

/*
 * The directive handlers of both faces, as nginx's ngx_conf_set_*_slot():
 * cmd->offset is that of the policy in the face's configuration; the rule
 * directives' cmd->post is an ngx_certauthz_rule_post_t
 */
char *ngx_certauthz_conf_set_mode(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_certauthz_conf_set_rule(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_certauthz_conf_set_crl_fetch(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_certauthz_conf_set_crl(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_certauthz_policy_merge(ngx_certauthz_policy_t *prev,
    ngx_certauthz_policy_t *conf);

ngx_int_t ngx_certauthz_decide(ngx_certauthz_policy_t *policy,
    SSL_CTX *trusted, ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_regex_ops_t *ops, ngx_certauthz_decision_t *d);
ngx_int_t ngx_certauthz_outcome_replay(ngx_certauthz_outcome_t *o,
    ngx_certauthz_regex_ops_t *ops);
ngx_int_t ngx_certauthz_decide_live(ngx_certauthz_policy_t *policy,
    SSL_CTX *trusted, ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_decision_t *d);
void ngx_certauthz_log_denial(ngx_uint_t level, const char *what,
    ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_decision_t *d, ngx_str_t *location);


extern int  ngx_certauthz_conn_index;


/*
 * The connection's state on the request path: a lookup in its SSL
 * object once it has one, ngx_certauthz_conn_get() the first time
 */

static ngx_inline ngx_certauthz_conn_t *
ngx_certauthz_conn_find(ngx_connection_t *c)
{
    ngx_certauthz_conn_t  *conn;

    if (c->ssl != NULL && c->ssl->connection != NULL) {
        conn = SSL_get_ex_data(c->ssl->connection, ngx_certauthz_conn_index);

        if (conn != NULL) {
            return conn;
        }
    }

    return ngx_certauthz_conn_get(c);
}


/*
 * The decision of a request on a connection whose last request was
 * decided by the same rules, when nothing that can change between two
 * requests is in play: a verified certificate in its validity, and no
 * CRL change since the connection's verdict cleared it.  The captures of
 * the outcome are set again.  NGX_OK with the decision in
 * d, NGX_ERROR, or NGX_DECLINED: then ngx_certauthz_decide() decides.
 * trusted and ops: as for ngx_certauthz_decide().
 */

static ngx_inline ngx_int_t
ngx_certauthz_decide_kept(ngx_certauthz_policy_t *policy, SSL_CTX *trusted,
    ngx_certauthz_conn_t *conn, ngx_certauthz_regex_ops_t *ops,
    ngx_certauthz_decision_t *d)
{
    time_t                    now;
    ngx_certauthz_outcome_t  *o;

    o = conn->last;

    if (o == NULL || policy->rules == NULL || o->rules != policy->rules
        || conn->ssl_ctx != trusted || !conn->cert.verified)
    {
        return NGX_DECLINED;
    }

    now = ngx_time();

    if (now > conn->cert.not_after || now < conn->cert.not_before) {
        return NGX_DECLINED;
    }

    if (policy->crl.files != NULL
        && !ngx_certauthz_crl_kept(&policy->crl, &conn->crl))
    {
        return NGX_DECLINED;
    }

    if (o->nmatches && ngx_certauthz_outcome_replay(o, ops) != NGX_OK) {
        return NGX_ERROR;
    }

    d->rule = o->rule;
    d->reason = o->reason;
    d->allow = (o->reason == NGX_CERTAUTHZ_REASON_ALLOW);

    return NGX_OK;
}


#endif /* _NGX_CERTAUTHZ_POLICY_H_INCLUDED_ */
