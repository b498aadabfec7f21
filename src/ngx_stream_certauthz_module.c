
/*
 * certauthz: the stream face.  Directives, the preread-phase handler (the
 * first phase after the TLS handshake: a denied connection is closed
 * before any byte is proxied), the $certauthz_* variables, and how a live
 * session that the engine finds denied now (its certificate revoked by a
 * CRL change, or expired) is closed.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "ngx_certauthz_policy.h"
#include "ngx_certauthz_live.h"
#include "ngx_certauthz_metrics.h"
#include "ngx_certauthz_variable.h"


#if (nginx_version >= 1025005)
typedef ngx_stream_ssl_srv_conf_t  ngx_stream_certauthz_ssl_conf_t;
#else
typedef ngx_stream_ssl_conf_t      ngx_stream_certauthz_ssl_conf_t;
#endif


typedef struct {
    ngx_certauthz_policy_t        policy;
} ngx_stream_certauthz_srv_conf_t;


typedef struct {
    ngx_certauthz_decision_t           decision;
    ngx_stream_session_t              *session;
    ngx_stream_certauthz_srv_conf_t   *conf;
    ngx_event_t                        wait;      /* for a distribution
                                                     point's CRL */
    unsigned                           evaluated:1;
    unsigned                           waiting:1;
} ngx_stream_certauthz_ctx_t;


static ngx_int_t ngx_stream_certauthz_handler(ngx_stream_session_t *s);
static ngx_int_t ngx_stream_certauthz_decide(ngx_stream_session_t *s,
    ngx_stream_certauthz_srv_conf_t *conf, ngx_certauthz_conn_t *conn,
    ngx_certauthz_decision_t *d);
static ngx_int_t ngx_stream_certauthz_wait(ngx_stream_certauthz_ctx_t *ctx);
static void ngx_stream_certauthz_wait_handler(ngx_event_t *ev);
static void ngx_stream_certauthz_wait_cleanup(void *data);
static ngx_msec_t ngx_stream_certauthz_end(ngx_certauthz_live_conn_t *lc);
static void ngx_stream_certauthz_no_wait_shutdown(ngx_connection_t *c);
static SSL_CTX *ngx_stream_certauthz_trusted(ngx_stream_session_t *s);

#if (NGX_PCRE)
static void *ngx_stream_certauthz_regex_compile(ngx_conf_t *cf,
    ngx_regex_compile_t *rc);
#endif
static ngx_int_t ngx_stream_certauthz_regex_exec(void *data, void *regex,
    ngx_str_t *s);
static ngx_uint_t ngx_stream_certauthz_regex_captures(void *data,
    void *regex, int **caps);
static ngx_int_t ngx_stream_certauthz_regex_restore(void *data, void *regex,
    ngx_str_t *s, int *caps, ngx_uint_t n);
static ngx_int_t ngx_stream_certauthz_variable(ngx_stream_session_t *s,
    ngx_stream_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_stream_certauthz_variable_ext(ngx_stream_session_t *s,
    ngx_stream_variable_value_t *v, uintptr_t data);


static ngx_int_t ngx_stream_certauthz_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_stream_certauthz_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_stream_certauthz_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_stream_certauthz_count_conf(ngx_conf_t *cf,
    ngx_stream_certauthz_srv_conf_t *conf);
#if (nginx_version >= 1025005)
static ngx_int_t ngx_stream_certauthz_check_preread(ngx_conf_t *cf);
static ngx_int_t ngx_stream_certauthz_check_addr(ngx_conf_t *cf,
    ngx_stream_conf_addr_t *addr, ngx_uint_t preread);
#endif
static ngx_int_t ngx_stream_certauthz_init_process(ngx_cycle_t *cycle);
static void ngx_stream_certauthz_exit_process(ngx_cycle_t *cycle);
static void *ngx_stream_certauthz_create_srv_conf(ngx_conf_t *cf);
static char *ngx_stream_certauthz_merge_srv_conf(ngx_conf_t *cf,
    void *parent, void *child);


static ngx_conf_enum_t  ngx_stream_certauthz_crl_stale[] = {
    { ngx_string("deny"), 0 },
    { ngx_string("allow"), 1 },
    { ngx_null_string, 0 }
};


#if (NGX_PCRE)
#define NGX_STREAM_CERTAUTHZ_COMPILE  ngx_stream_certauthz_regex_compile
#else
#define NGX_STREAM_CERTAUTHZ_COMPILE  NULL
#endif

static ngx_certauthz_rule_post_t  ngx_stream_certauthz_allow =
    { 0, NGX_STREAM_CERTAUTHZ_COMPILE };
static ngx_certauthz_rule_post_t  ngx_stream_certauthz_deny =
    { 1, NGX_STREAM_CERTAUTHZ_COMPILE };


/* which face a certauthz_crl is of (its fetch settings, its "cdp") */
static ngx_uint_t  ngx_stream_certauthz_face = NGX_CERTAUTHZ_FACE_STREAM;


static ngx_command_t  ngx_stream_certauthz_commands[] = {

    { ngx_string("certauthz"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_mode,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_certauthz_srv_conf_t, policy),
      NULL },

    { ngx_string("certauthz_allow"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_1MORE,
      ngx_certauthz_conf_set_rule,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_certauthz_srv_conf_t, policy),
      &ngx_stream_certauthz_allow },

    { ngx_string("certauthz_deny"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_1MORE,
      ngx_certauthz_conf_set_rule,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_certauthz_srv_conf_t, policy),
      &ngx_stream_certauthz_deny },

    { ngx_string("certauthz_crl"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_certauthz_srv_conf_t, policy),
      &ngx_stream_certauthz_face },

    { ngx_string("certauthz_crl_cache"),
      NGX_STREAM_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_STREAM,
      NULL },

    { ngx_string("certauthz_crl_fetch_timeout"),
      NGX_STREAM_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_STREAM,
      NULL },

    { ngx_string("certauthz_crl_fetch_max_size"),
      NGX_STREAM_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_STREAM,
      NULL },

    { ngx_string("certauthz_crl_fetch_trusted_certificate"),
      NGX_STREAM_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_STREAM,
      NULL },

    { ngx_string("certauthz_crl_cdp_allow"),
      NGX_STREAM_MAIN_CONF|NGX_CONF_1MORE,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_STREAM,
      NULL },

    { ngx_string("certauthz_crl_cdp_max"),
      NGX_STREAM_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_STREAM,
      NULL },

    { ngx_string("certauthz_crl_cdp_wait"),
      NGX_STREAM_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_STREAM,
      NULL },

    { ngx_string("certauthz_crl_refresh"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_certauthz_srv_conf_t, policy.crl.refresh),
      NULL },

    { ngx_string("certauthz_crl_stale"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_certauthz_srv_conf_t, policy.crl.stale_allow),
      &ngx_stream_certauthz_crl_stale },

    { ngx_string("certauthz_crl_warn"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_certauthz_srv_conf_t, policy.crl.warn),
      NULL },

    { ngx_string("certauthz_live"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_certauthz_srv_conf_t, policy.live),
      NULL },

      ngx_null_command
};


static ngx_stream_module_t  ngx_stream_certauthz_module_ctx = {
    ngx_stream_certauthz_preconfiguration,  /* preconfiguration */
    ngx_stream_certauthz_postconfiguration, /* postconfiguration */

    NULL,                                   /* create main configuration */
    NULL,                                   /* init main configuration */

    ngx_stream_certauthz_create_srv_conf,   /* create server configuration */
    ngx_stream_certauthz_merge_srv_conf     /* merge server configuration */
};


ngx_module_t  ngx_stream_certauthz_module = {
    NGX_MODULE_V1,
    &ngx_stream_certauthz_module_ctx,      /* module context */
    ngx_stream_certauthz_commands,         /* module directives */
    NGX_STREAM_MODULE,                     /* module type */
    NULL,                                  /* init master */
    ngx_stream_certauthz_init_module,      /* init module */
    ngx_stream_certauthz_init_process,     /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_stream_certauthz_exit_process,     /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_stream_certauthz_handler(ngx_stream_session_t *s)
{
    ngx_int_t                         rc;
    ngx_connection_t                 *c;
    ngx_certauthz_conn_t             *conn;
    ngx_stream_certauthz_ctx_t       *ctx;
    ngx_stream_certauthz_srv_conf_t  *conf;

    conf = ngx_stream_get_module_srv_conf(s, ngx_stream_certauthz_module);

    if (conf->policy.mode == NGX_CERTAUTHZ_OFF) {
        return NGX_DECLINED;
    }

    c = s->connection;

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_certauthz_module);

    if (ctx != NULL && !ctx->waiting) {
        return NGX_DECLINED;
    }

    if (ctx == NULL) {
        ctx = ngx_pcalloc(c->pool, sizeof(ngx_stream_certauthz_ctx_t));
        if (ctx == NULL) {
            return NGX_STREAM_INTERNAL_SERVER_ERROR;
        }

        ctx->session = s;
        ctx->conf = conf;

        ngx_stream_set_ctx(s, ctx, ngx_stream_certauthz_module);
    }

    conn = ngx_certauthz_conn_get(c);

    if (conn == NULL) {
        ngx_log_error(NGX_LOG_ERR, c->log, 0,
                      "certauthz: cannot read the client certificate, "
                      "connection refused");
        return NGX_STREAM_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_stream_certauthz_decide(s, conf, conn, &ctx->decision);

    if (rc == NGX_AGAIN) {
        /* a CRL that the certificate names is being fetched: wait for it
         * before the first byte is read */
        return ngx_stream_certauthz_wait(ctx);
    }

    ctx->waiting = 0;

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, c->log, 0,
                      "certauthz: rule evaluation failed, "
                      "connection refused");
        return NGX_STREAM_INTERNAL_SERVER_ERROR;
    }

    ctx->evaluated = 1;

    ngx_certauthz_count(&conf->policy, &ctx->decision);

    if (ctx->decision.allow) {
        ngx_log_debug1(NGX_LOG_DEBUG_STREAM, c->log, 0,
                       "certauthz: access allowed, reason: %V",
                       ngx_certauthz_reason_name(ctx->decision.reason));

        /* watched from now on: closed when a CRL change revokes its
         * certificate, or when it expires (ngx_certauthz_live.c) */

        if (ngx_certauthz_live_watch(&conf->policy,
                                     ngx_stream_certauthz_trusted(s), c,
                                     conn, ngx_stream_certauthz_end)
            == NGX_ERROR)
        {
            return NGX_STREAM_INTERNAL_SERVER_ERROR;
        }

        return NGX_DECLINED;
    }

    if (conf->policy.mode == NGX_CERTAUTHZ_AUDIT) {
        ngx_certauthz_log_denial(NGX_LOG_NOTICE,
                                 "certauthz: audit: would deny",
                                 c, conn, &ctx->decision, NULL);
        return NGX_DECLINED;
    }

    ngx_certauthz_log_denial(NGX_LOG_ERR, "certauthz: access forbidden",
                             c, conn, &ctx->decision, NULL);

    ngx_stream_certauthz_no_wait_shutdown(c);

    return NGX_STREAM_FORBIDDEN;
}


static ngx_int_t
ngx_stream_certauthz_decide(ngx_stream_session_t *s,
    ngx_stream_certauthz_srv_conf_t *conf, ngx_certauthz_conn_t *conn,
    ngx_certauthz_decision_t *d)
{
    ngx_certauthz_regex_ops_t  ops;

    ops.exec = ngx_stream_certauthz_regex_exec;
    ops.captures = ngx_stream_certauthz_regex_captures;
    ops.restore = ngx_stream_certauthz_regex_restore;
    ops.data = s;

    return ngx_certauthz_decide(&conf->policy,
                                ngx_stream_certauthz_trusted(s),
                                s->connection, conn, &ops, d);
}


/*
 * The session waits (NGX_DONE: the phases stop here) and is decided
 * again every NGX_CERTAUTHZ_CRL_CDP_POLL, until the fetch has ended or
 * certauthz_crl_cdp_wait has passed (ngx_certauthz_crl_cdp_check())
 */

static ngx_int_t
ngx_stream_certauthz_wait(ngx_stream_certauthz_ctx_t *ctx)
{
    ngx_connection_t    *c;
    ngx_pool_cleanup_t  *cln;

    c = ctx->session->connection;

    if (!ctx->waiting) {
        cln = ngx_pool_cleanup_add(c->pool, 0);
        if (cln == NULL) {
            return NGX_STREAM_INTERNAL_SERVER_ERROR;
        }

        cln->handler = ngx_stream_certauthz_wait_cleanup;
        cln->data = ctx;

        ctx->wait.handler = ngx_stream_certauthz_wait_handler;
        ctx->wait.data = ctx;
        ctx->wait.log = c->log;
        ctx->waiting = 1;
    }

    ngx_add_timer(&ctx->wait, NGX_CERTAUTHZ_CRL_CDP_POLL);

    return NGX_DONE;
}


static void
ngx_stream_certauthz_wait_handler(ngx_event_t *ev)
{
    ngx_stream_certauthz_ctx_t *ctx = ev->data;

    ngx_stream_core_run_phases(ctx->session);
}


static void
ngx_stream_certauthz_wait_cleanup(void *data)
{
    ngx_stream_certauthz_ctx_t *ctx = data;

    if (ctx->wait.timer_set) {
        ngx_del_timer(&ctx->wait);
    }
}


/*
 * A live session that a policy now denies (ngx_certauthz_live.c).
 * Whatever handles the session (proxy, return, njs) owns it: the client
 * side is shut for reading and its read event posted, so that the handler
 * reads the end of the stream and finalizes the session its own way
 * (closing the upstream too); nginx then closes the TLS connection.
 */

static ngx_msec_t
ngx_stream_certauthz_end(ngx_certauthz_live_conn_t *lc)
{
    ngx_connection_t            *c;
    ngx_stream_session_t        *s;
    ngx_stream_certauthz_ctx_t  *ctx;

    c = lc->connection;
    s = c->data;

    /* $certauthz_reason of the session's access log line */

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_certauthz_module);

    if (ctx != NULL) {
        ctx->decision = lc->decision;
    }

    ngx_stream_certauthz_no_wait_shutdown(c);

    if (ngx_shutdown_socket(c->fd, SHUT_RD) == -1) {
        ngx_connection_error(c, ngx_socket_errno,
                             ngx_shutdown_socket_n " failed");
    }

    c->read->ready = 1;
    ngx_post_event(c->read, &ngx_posted_events);

    return 0;
}


/*
 * A refused client has sent, or is sending, application data: nginx's
 * TLS shutdown then only sends its close_notify and does not wait for the
 * client's, which would meet that data ("application data after close
 * notify", logged at crit by nginx before 1.23.0)
 */

static void
ngx_stream_certauthz_no_wait_shutdown(ngx_connection_t *c)
{
    if (c->ssl) {
        c->ssl->no_wait_shutdown = 1;
    }
}


/*
 * The SSL_CTX of the session's server: only its trusted CAs count, see
 * ngx_certauthz_decide()
 */

static SSL_CTX *
ngx_stream_certauthz_trusted(ngx_stream_session_t *s)
{
    ngx_stream_certauthz_ssl_conf_t  *sslcf;

    sslcf = ngx_stream_get_module_srv_conf(s, ngx_stream_ssl_module);

    return sslcf->ssl.ctx;
}


/* regexes through the stream core, so that captures are variables */

#if (NGX_PCRE)

static void *
ngx_stream_certauthz_regex_compile(ngx_conf_t *cf, ngx_regex_compile_t *rc)
{
    return ngx_stream_regex_compile(cf, rc);
}

#endif


static ngx_int_t
ngx_stream_certauthz_regex_exec(void *data, void *regex, ngx_str_t *s)
{
    return ngx_stream_regex_exec(data, regex, s);
}


static ngx_uint_t
ngx_stream_certauthz_regex_captures(void *data, void *regex, int **caps)
{
    ngx_stream_session_t *s = data;

    ngx_stream_regex_t  *re = regex;

    if (re->ncaptures == 0) {
        return 0;
    }

    *caps = s->captures;

    return s->ncaptures;
}


/* what ngx_stream_regex_exec() sets after a match, without matching */

static ngx_int_t
ngx_stream_certauthz_regex_restore(void *data, void *regex, ngx_str_t *str,
    int *caps, ngx_uint_t n)
{
    ngx_stream_session_t *s = data;

    ngx_int_t                      index;
    ngx_uint_t                     i, k;
    ngx_stream_regex_t            *re;
    ngx_stream_variable_value_t   *vv;
    ngx_stream_core_main_conf_t   *cmcf;

    re = regex;

    if (s->captures == NULL) {
        cmcf = ngx_stream_get_module_main_conf(s, ngx_stream_core_module);

        s->captures = ngx_palloc(s->connection->pool,
                                 cmcf->ncaptures * sizeof(int));
        if (s->captures == NULL) {
            return NGX_ERROR;
        }
    }

    ngx_memcpy(s->captures, caps, n * sizeof(int));

    for (i = 0; i < re->nvariables; i++) {

        k = re->variables[i].capture;
        index = re->variables[i].index;
        vv = &s->variables[index];

        vv->len = caps[k + 1] - caps[k];
        vv->valid = 1;
        vv->no_cacheable = 0;
        vv->not_found = 0;
        vv->data = &str->data[caps[k]];
    }

    s->ncaptures = n;
    s->captures_data = str->data;

    return NGX_OK;
}


static ngx_int_t
ngx_stream_certauthz_variable(ngx_stream_session_t *s,
    ngx_stream_variable_value_t *v, uintptr_t data)
{
    ngx_int_t                    rc;
    ngx_str_t                    value;
    ngx_certauthz_decision_t    *d;
    ngx_stream_certauthz_ctx_t  *ctx;

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_certauthz_module);

    d = (ctx && ctx->evaluated) ? &ctx->decision : NULL;

    rc = ngx_certauthz_variable(data, s->connection,
                                ngx_stream_certauthz_trusted(s), d,
                                s->connection->pool, &value);

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
ngx_stream_certauthz_variable_ext(ngx_stream_session_t *s,
    ngx_stream_variable_value_t *v, uintptr_t data)
{
    return ngx_certauthz_variable_ext((ngx_str_t *) data, s->connection, v);
}






static ngx_int_t
ngx_stream_certauthz_preconfiguration(ngx_conf_t *cf)
{
    ngx_stream_variable_t     *var;
    ngx_certauthz_variable_t  *v;

    for (v = ngx_certauthz_variable_list(); v->name.len; v++) {
        var = ngx_stream_add_variable(cf, &v->name,
                                      v->prefix ? NGX_STREAM_VAR_PREFIX
                                      : v->decision
                                        ? NGX_STREAM_VAR_NOCACHEABLE : 0);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->prefix ? ngx_stream_certauthz_variable_ext
                                     : ngx_stream_certauthz_variable;
        var->data = v->index;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_stream_certauthz_postconfiguration(ngx_conf_t *cf)
{
    ngx_stream_handler_pt        *h;
    ngx_stream_core_main_conf_t  *cmcf;

    if (ngx_certauthz_engine_init(cf->log, NGX_CERTAUTHZ_VERSION,
                                  "ngx_stream_certauthz_module")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_certauthz_engine_conf(cf, NGX_CERTAUTHZ_FACE_STREAM) != NGX_OK) {
        return NGX_ERROR;
    }

    cmcf = ngx_stream_conf_get_module_main_conf(cf, ngx_stream_core_module);

    /* the first phase after the TLS handshake (the ssl phase) */
    h = ngx_array_push(&cmcf->phases[NGX_STREAM_PREREAD_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_stream_certauthz_handler;

#if (nginx_version >= 1025005)
    if (ngx_stream_certauthz_check_preread(cf) != NGX_OK) {
        return NGX_ERROR;
    }
#endif

    return NGX_OK;
}


#if (nginx_version >= 1025005)

/*
 * Since nginx 1.25.5 stream servers have names, and on an address shared
 * by several servers ssl_preread moves a session to the server that the
 * ClientHello in its first bytes names.  Its handler runs after ours in
 * the preread phase, and then the phase engine goes straight to content:
 * certauthz decided for the server the session entered (on a TLS address,
 * the one its handshake named), and the server that serves it is another
 * one, whose rules never see the certificate.  On a TLS address those
 * bytes come from inside the TLS session: any client that passed one
 * server can send them.  Such an address is refused.
 */

static ngx_int_t
ngx_stream_certauthz_check_preread(ngx_conf_t *cf)
{
    ngx_uint_t                    i, j, preread;
    ngx_module_t                **modules;
    ngx_stream_conf_port_t       *port;
    ngx_stream_conf_addr_t       *addr;
    ngx_stream_core_main_conf_t  *cmcf;

    /*
     * ssl_preread may be built in or part of a dynamic stream module, or
     * missing: it is looked for by its name
     */

    modules = cf->cycle->modules;

    for (i = 0; modules[i]; i++) {
        if (modules[i]->type == NGX_STREAM_MODULE
            && ngx_strcmp(modules[i]->name, "ngx_stream_ssl_preread_module")
               == 0)
        {
            break;
        }
    }

    if (modules[i] == NULL) {
        return NGX_OK;
    }

    preread = modules[i]->ctx_index;

    cmcf = ngx_stream_conf_get_module_main_conf(cf, ngx_stream_core_module);

    if (cmcf->ports == NULL) {
        return NGX_OK;
    }

    port = cmcf->ports->elts;

    for (i = 0; i < cmcf->ports->nelts; i++) {
        addr = port[i].addrs.elts;

        for (j = 0; j < port[i].addrs.nelts; j++) {
            if (addr[j].servers.nelts > 1
                && ngx_stream_certauthz_check_addr(cf, &addr[j], preread)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/*
 * A session enters an address through its default server, or on a TLS
 * address through any server its handshake names.  If that server has
 * "ssl_preread on", the session can be moved to any other server of the
 * address: on a TLS address certauthz in the entry server would decide
 * for another one, and on any address certauthz in a server it can be
 * moved to would never decide.
 */

static ngx_int_t
ngx_stream_certauthz_check_addr(ngx_conf_t *cf, ngx_stream_conf_addr_t *addr,
    ngx_uint_t preread)
{
    ngx_uint_t                        e, t, self;
    ngx_flag_t                       *enabled;
    ngx_stream_core_srv_conf_t      **servers;
    ngx_stream_certauthz_srv_conf_t  *entry, *target;

    self = ngx_stream_certauthz_module.ctx_index;
    servers = addr->servers.elts;

    for (e = 0; e < addr->servers.nelts; e++) {

        if (!addr->opt.ssl && servers[e] != addr->default_server) {
            continue;
        }

        /* the module's srv conf: { ngx_flag_t enabled; } */
        enabled = servers[e]->ctx->srv_conf[preread];

        if (*enabled != 1) {
            continue;
        }

        entry = servers[e]->ctx->srv_conf[self];

        if (addr->opt.ssl && entry->policy.mode != NGX_CERTAUTHZ_OFF) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"certauthz %s\" in the server in %s:%ui "
                          "decides for a session that its \"ssl_preread\" "
                          "can then move to another server on %V (a client "
                          "can send a ClientHello inside TLS): set "
                          "\"ssl_preread off\" in it, or give it an address "
                          "of its own",
                          entry->policy.mode == NGX_CERTAUTHZ_AUDIT
                          ? "audit" : "on",
                          servers[e]->file_name, servers[e]->line,
                          &addr->opt.addr_text);
            return NGX_ERROR;
        }

        for (t = 0; t < addr->servers.nelts; t++) {
            target = servers[t]->ctx->srv_conf[self];

            if (t == e || target->policy.mode == NGX_CERTAUTHZ_OFF) {
                continue;
            }

            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"certauthz %s\" in the server in %s:%ui can be "
                          "bypassed: \"ssl_preread\" in the server in "
                          "%s:%ui can move a session on %V to it after "
                          "certauthz's phase, so it would never decide: set "
                          "\"ssl_preread off\" there, or give these servers "
                          "addresses of their own",
                          target->policy.mode == NGX_CERTAUTHZ_AUDIT
                          ? "audit" : "on",
                          servers[t]->file_name, servers[t]->line,
                          servers[e]->file_name, servers[e]->line,
                          &addr->opt.addr_text);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}

#endif


static void *
ngx_stream_certauthz_create_srv_conf(ngx_conf_t *cf)
{
    ngx_stream_certauthz_srv_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_stream_certauthz_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->policy.watch = { 0 };   (initialised by the worker)
     */

    ngx_certauthz_policy_init(&conf->policy);

    return conf;
}


static char *
ngx_stream_certauthz_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_stream_certauthz_srv_conf_t  *prev = parent;
    ngx_stream_certauthz_srv_conf_t  *conf = child;

    ngx_stream_certauthz_ssl_conf_t  *sslcf;

    ngx_certauthz_policy_merge(&prev->policy, &conf->policy);

    if (ngx_stream_certauthz_count_conf(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* its CRLs are checked with the server's trusted CAs when loaded */

    sslcf = ngx_stream_conf_get_module_srv_conf(cf, ngx_stream_ssl_module);

    if (sslcf->ssl.ctx != NULL
        && ngx_certauthz_crl_conf_trust(&conf->policy.crl,
                                        SSL_CTX_get_cert_store(sslcf->ssl.ctx))
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * A server that decides is counted under its first listen address (as
 * written: "127.0.0.1:8883", "unix:/path") and location ""
 */

static ngx_int_t
ngx_stream_certauthz_count_conf(ngx_conf_t *cf,
    ngx_stream_certauthz_srv_conf_t *conf)
{
    ngx_str_t                     server, location;
    ngx_uint_t                    i;
    ngx_stream_conf_ctx_t        *ctx;
    ngx_stream_core_main_conf_t  *cmcf;
#if (nginx_version >= 1025005)
    ngx_uint_t                    j, k;
    ngx_stream_conf_port_t       *port;
    ngx_stream_conf_addr_t       *addr;
    ngx_stream_core_srv_conf_t   *cscf, **servers;
#else
    ngx_stream_listen_t          *ls;
#endif

    if (conf->policy.mode == NGX_CERTAUTHZ_OFF) {
        return NGX_OK;
    }

    ngx_str_null(&server);
    ngx_str_null(&location);

    ctx = cf->ctx;
    cmcf = ngx_stream_conf_get_module_main_conf(cf, ngx_stream_core_module);

#if (nginx_version >= 1025005)

    cscf = ngx_stream_conf_get_module_srv_conf(cf, ngx_stream_core_module);
    port = cmcf->ports ? cmcf->ports->elts : NULL;

    for (i = 0; server.len == 0 && port && i < cmcf->ports->nelts; i++) {
        addr = port[i].addrs.elts;

        for (j = 0; server.len == 0 && j < port[i].addrs.nelts; j++) {
            servers = addr[j].servers.elts;

            for (k = 0; k < addr[j].servers.nelts; k++) {
                if (servers[k] == cscf) {
                    server = addr[j].opt.addr_text;
                    break;
                }
            }
        }
    }

#else

    ls = cmcf->listen.elts;

    for (i = 0; i < cmcf->listen.nelts; i++) {
        if (ls[i].ctx->srv_conf == ctx->srv_conf) {
            server = ls[i].addr_text;
            break;
        }
    }

#endif

    (void) ctx;

    return ngx_certauthz_metrics_policy(cf, &conf->policy, &server,
                                        &location);
}


/*
 * in the master, once the configuration is read: files the workers cannot
 * read, the counters
 */

static ngx_int_t
ngx_stream_certauthz_init_module(ngx_cycle_t *cycle)
{
    ngx_certauthz_engine_init_module(cycle);

    return ngx_certauthz_metrics_init(cycle);
}


static ngx_int_t
ngx_stream_certauthz_init_process(ngx_cycle_t *cycle)
{
    ngx_certauthz_engine_init_process(cycle);

    return NGX_OK;
}


static void
ngx_stream_certauthz_exit_process(ngx_cycle_t *cycle)
{
    ngx_certauthz_engine_exit_process(cycle);
}
