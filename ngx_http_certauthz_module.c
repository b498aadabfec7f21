
/*
 * certauthz: authorization by TLS client certificate fields.
 *
 * This file is the http face: directives, configuration merge, the access
 * phase handler and its logging.  Certificate parsing and rule matching
 * live in src/ngx_certauthz_*.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_certauthz_metrics.h"
#include "ngx_http_certauthz_module.h"
#include "ngx_http_certauthz_variables.h"


static ngx_int_t ngx_http_certauthz_handler(ngx_http_request_t *r);
static void ngx_http_certauthz_wait(ngx_http_request_t *r);
static void ngx_http_certauthz_log_denial(ngx_http_request_t *r,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_http_certauthz_ctx_t *ctx,
    ngx_certauthz_conn_t *conn, ngx_certauthz_decision_t *d);
#if (NGX_PCRE)
static void *ngx_http_certauthz_regex_compile(ngx_conf_t *cf,
    ngx_regex_compile_t *rc);
#endif
static ngx_int_t ngx_http_certauthz_regex_exec(void *data, void *regex,
    ngx_str_t *s);
static ngx_uint_t ngx_http_certauthz_regex_captures(void *data, void *regex,
    int **caps);
static ngx_int_t ngx_http_certauthz_regex_restore(void *data, void *regex,
    ngx_str_t *s, int *caps, ngx_uint_t n);
static int *ngx_http_certauthz_captures(ngx_http_request_t *r, ngx_uint_t n);

static char *ngx_http_certauthz_deny_status(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);

static ngx_int_t ngx_http_certauthz_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_certauthz_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_certauthz_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_certauthz_count_conf(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *conf);
static ngx_int_t ngx_http_certauthz_init_process(ngx_cycle_t *cycle);
static void ngx_http_certauthz_exit_process(ngx_cycle_t *cycle);
static void *ngx_http_certauthz_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_certauthz_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);


#if (NGX_DEBUG)
static ngx_str_t  ngx_http_certauthz_none = ngx_null_string;
#endif


static ngx_conf_enum_t  ngx_http_certauthz_crl_stale[] = {
    { ngx_string("deny"), 0 },
    { ngx_string("allow"), 1 },
    { ngx_null_string, 0 }
};


#if (NGX_PCRE)
#define NGX_HTTP_CERTAUTHZ_COMPILE  ngx_http_certauthz_regex_compile
#else
#define NGX_HTTP_CERTAUTHZ_COMPILE  NULL
#endif

static ngx_certauthz_rule_post_t  ngx_http_certauthz_allow =
    { 0, NGX_HTTP_CERTAUTHZ_COMPILE };
static ngx_certauthz_rule_post_t  ngx_http_certauthz_deny =
    { 1, NGX_HTTP_CERTAUTHZ_COMPILE };


/* which face a certauthz_crl is of (its fetch settings, its "cdp") */
static ngx_uint_t  ngx_http_certauthz_face = NGX_CERTAUTHZ_FACE_HTTP;


static ngx_command_t  ngx_http_certauthz_commands[] = {

    { ngx_string("certauthz"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_mode,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_certauthz_loc_conf_t, policy),
      NULL },

    { ngx_string("certauthz_allow"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_certauthz_conf_set_rule,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_certauthz_loc_conf_t, policy),
      &ngx_http_certauthz_allow },

    { ngx_string("certauthz_deny"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_certauthz_conf_set_rule,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_certauthz_loc_conf_t, policy),
      &ngx_http_certauthz_deny },

    { ngx_string("certauthz_deny_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_http_certauthz_deny_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("certauthz_crl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_certauthz_loc_conf_t, policy),
      &ngx_http_certauthz_face },

    { ngx_string("certauthz_crl_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_HTTP,
      NULL },

    { ngx_string("certauthz_crl_fetch_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_HTTP,
      NULL },

    { ngx_string("certauthz_crl_fetch_max_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_HTTP,
      NULL },

    { ngx_string("certauthz_crl_fetch_trusted_certificate"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_HTTP,
      NULL },

    { ngx_string("certauthz_crl_cdp_allow"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_HTTP,
      NULL },

    { ngx_string("certauthz_crl_cdp_max"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_HTTP,
      NULL },

    { ngx_string("certauthz_crl_cdp_wait"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_certauthz_conf_set_crl_fetch,
      0,
      NGX_CERTAUTHZ_FACE_HTTP,
      NULL },

    { ngx_string("certauthz_crl_refresh"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_certauthz_loc_conf_t, policy.crl.refresh),
      NULL },

    { ngx_string("certauthz_crl_stale"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_certauthz_loc_conf_t, policy.crl.stale_allow),
      &ngx_http_certauthz_crl_stale },

    { ngx_string("certauthz_crl_warn"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_certauthz_loc_conf_t, policy.crl.warn),
      NULL },

    { ngx_string("certauthz_live"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_certauthz_loc_conf_t, policy.live),
      NULL },

    { ngx_string("certauthz_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_certauthz_metrics,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("certauthz_explain"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_certauthz_explain,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_certauthz_module_ctx = {
    ngx_http_certauthz_preconfiguration,   /* preconfiguration */
    ngx_http_certauthz_postconfiguration,  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_certauthz_create_loc_conf,    /* create location configuration */
    ngx_http_certauthz_merge_loc_conf      /* merge location configuration */
};


ngx_module_t  ngx_http_certauthz_module = {
    NGX_MODULE_V1,
    &ngx_http_certauthz_module_ctx,        /* module context */
    ngx_http_certauthz_commands,           /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_certauthz_init_module,        /* init module */
    ngx_http_certauthz_init_process,       /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_certauthz_exit_process,       /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_certauthz_handler(ngx_http_request_t *r)
{
    ngx_int_t                       rc;
    SSL_CTX                        *trusted;
    ngx_event_t                    *wev;
    ngx_certauthz_conn_t           *conn;
    ngx_http_certauthz_ctx_t       *ctx;
    ngx_certauthz_decision_t       *d;
    ngx_certauthz_regex_ops_t       ops;
    ngx_http_certauthz_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_certauthz_module);

    /* an explaining location answers what the rules make of a certificate,
     * also of one they deny */

    if (lcf->policy.mode == NGX_CERTAUTHZ_OFF || lcf->explain) {
        return NGX_DECLINED;
    }

    conn = ngx_certauthz_conn_find(r->connection);

    if (conn == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "certauthz: cannot read the client certificate, "
                      "request refused");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_certauthz_module);

    if (ctx == NULL) {
        if (r->internal || r->filter_finalize) {
            ctx = ngx_http_certauthz_get_ctx(r);
        }

        if (ctx == NULL) {
            ctx = ngx_http_certauthz_create_ctx(r, conn);
            if (ctx == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }
    }

    ngx_http_certauthz_regex_ops(r, &ops);

    d = &ctx->decision;

    trusted = ngx_http_certauthz_trusted(r);

    rc = ngx_certauthz_decide_kept(&lcf->policy, trusted, conn, &ops, d);

    if (rc == NGX_OK) {
        ngx_log_debug0(NGX_LOG_DEBUG_EVENT, r->connection->log, 0,
                       "certauthz: rule outcome of the connection reused");

    } else if (rc == NGX_DECLINED) {
        rc = ngx_certauthz_decide(&lcf->policy, trusted, r->connection, conn,
                                  &ops, d);
    }

    if (rc == NGX_AGAIN && r == r->main) {
        /* a CRL that the certificate names is being fetched: the request
         * waits for it, as limit_req delays one, and the worker goes on
         * (a subrequest does not wait: crl-missing is its decision) */
        wev = r->connection->write;

        r->read_event_handler = ngx_http_test_reading;
        r->write_event_handler = ngx_http_certauthz_wait;

        wev->delayed = 1;
        ngx_add_timer(wev, NGX_CERTAUTHZ_CRL_CDP_POLL);

        return NGX_AGAIN;
    }

    if (rc != NGX_OK && rc != NGX_AGAIN) {
        ctx->evaluated = 0;
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "certauthz: rule evaluation failed, request refused");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->evaluated = 1;

    ngx_certauthz_count(&lcf->policy, d);

    if (d->allow) {
        ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "certauthz: access allowed, reason: %V%s%V",
                       ngx_certauthz_reason_name(d->reason),
                       d->rule ? ", rule: " : "",
                       d->rule ? &d->rule->where : &ngx_http_certauthz_none);

        /* the connection is watched from now on: ended, with the request
         * if it still runs, when its certificate is revoked or expires */

        if (ngx_http_certauthz_live(r, lcf, ctx, conn, trusted) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return (lcf->policy.mode == NGX_CERTAUTHZ_AUDIT) ? NGX_DECLINED
                                                         : NGX_OK;
    }

    ngx_http_certauthz_log_denial(r, lcf, ctx, conn, d);

    if (lcf->policy.mode == NGX_CERTAUTHZ_AUDIT) {
        return NGX_DECLINED;
    }

    return lcf->status ? lcf->status->code : NGX_HTTP_FORBIDDEN;
}


/* the timer of a request that waits: the phases run again, this one too */

static void
ngx_http_certauthz_wait(ngx_http_request_t *r)
{
    ngx_event_t  *wev;

    wev = r->connection->write;

    if (wev->delayed) {
        if (ngx_handle_write_event(wev, 0) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    ngx_http_core_run_phases(r);
}


/*
 * At "error"; under "satisfy any", where another module may still let the
 * request through (after a 401 or a 403 only), at "info", as the access
 * module does; in audit mode at "notice".  Once per request at each
 * level, also when an internal redirect runs us again.
 */

static void
ngx_http_certauthz_log_denial(ngx_http_request_t *r,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_http_certauthz_ctx_t *ctx,
    ngx_certauthz_conn_t *conn, ngx_certauthz_decision_t *d)
{
    ngx_int_t                  code;
    ngx_http_core_loc_conf_t  *clcf;

    if (lcf->policy.mode == NGX_CERTAUTHZ_AUDIT) {
        if (!ctx->logged_notice) {
            ctx->logged_notice = 1;
            ngx_certauthz_log_denial(NGX_LOG_NOTICE,
                                     "certauthz: audit: would deny",
                                     r->connection, conn, d, NULL);
        }

        return;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
    code = lcf->status ? lcf->status->code : NGX_HTTP_FORBIDDEN;

    if (clcf->satisfy == NGX_HTTP_SATISFY_ANY
        && (code == NGX_HTTP_FORBIDDEN || code == NGX_HTTP_UNAUTHORIZED))
    {
        if (!ctx->logged_info) {
            ctx->logged_info = 1;
            ngx_certauthz_log_denial(NGX_LOG_INFO,
                                     "certauthz: access forbidden",
                                     r->connection, conn, d, NULL);
        }

        return;
    }

    if (!ctx->logged_error) {
        ctx->logged_error = 1;
        ngx_certauthz_log_denial(NGX_LOG_ERR, "certauthz: access forbidden",
                                 r->connection, conn, d, NULL);
    }
}


/*
 * The answers of certauthz_metrics and certauthz_explain: to GET and HEAD
 * only (NGX_OK: go on, else the handler's status)
 */

ngx_int_t
ngx_http_certauthz_text_request(ngx_http_request_t *r)
{
    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    return ngx_http_discard_request_body(r);
}


ngx_int_t
ngx_http_certauthz_text_send(ngx_http_request_t *r, ngx_str_t *type,
    ngx_chain_t *out, off_t size)
{
    ngx_int_t         rc;
    ngx_table_elt_t  *h;

    /* no browser takes a rule or a label for markup */

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "X-Content-Type-Options");
    ngx_str_set(&h->value, "nosniff");

    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_type_lowcase = NULL;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = size;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, out);
}


/*
 * certauthz_metrics and certauthz_explain answer a location themselves: one
 * of them, once, where no directive before set another content handler; a
 * directive after it that sets one (proxy_pass ...) is caught at merge
 */

char *
ngx_http_certauthz_content(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_http_handler_pt handler)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == handler) {
        return "is duplicate";
    }

    if (clcf->handler != NULL) {
        return "conflicts with another handler of this location "
               "(proxy_pass, certauthz_metrics, certauthz_explain ...)";
    }

    if (ngx_certauthz_rule_where(cf, &lcf->content_where) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    clcf->handler = handler;
    lcf->content = handler;

    return NGX_CONF_OK;
}


/* regexes through the http core, so that captures are variables */

void
ngx_http_certauthz_regex_ops(ngx_http_request_t *r,
    ngx_certauthz_regex_ops_t *ops)
{
    ops->exec = ngx_http_certauthz_regex_exec;
    ops->captures = ngx_http_certauthz_regex_captures;
    ops->restore = ngx_http_certauthz_regex_restore;
    ops->data = r;
}


#if (NGX_PCRE)

static void *
ngx_http_certauthz_regex_compile(ngx_conf_t *cf, ngx_regex_compile_t *rc)
{
    return ngx_http_regex_compile(cf, rc);
}

#endif


static ngx_int_t
ngx_http_certauthz_regex_exec(void *data, void *regex, ngx_str_t *s)
{
    ngx_int_t            rc;
    ngx_http_regex_t    *re;
    ngx_http_request_t  *r;

    re = regex;

    if (re->ncaptures || re->nvariables) {
        return ngx_http_regex_exec(data, regex, s);
    }

    /* nothing to set: what ngx_http_regex_exec() does then, without the
     * bookkeeping of captures (most of a rule's regexes have none) */

    rc = ngx_regex_exec(re->regex, s, NULL, 0);

    if (rc == NGX_REGEX_NO_MATCHED) {
        return NGX_DECLINED;
    }

    if (rc < 0) {
        r = data;
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      ngx_regex_exec_n " failed: %i on \"%V\" using \"%V\"",
                      rc, s, &re->name);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_uint_t
ngx_http_certauthz_regex_captures(void *data, void *regex, int **caps)
{
    ngx_http_request_t *r = data;

    ngx_http_regex_t  *re = regex;

    if (re->ncaptures == 0) {
        return 0;
    }

    *caps = r->captures;

    return r->ncaptures;
}


/*
 * Room for n captures (r->captures) from the request's ctx: the room of
 * the piece that a connection keeps is made once for all its requests
 */

static int *
ngx_http_certauthz_captures(ngx_http_request_t *r, ngx_uint_t n)
{
    ngx_http_certauthz_ctx_t      *ctx;
    ngx_http_certauthz_ctx_cln_t  *cc;

    ctx = ngx_http_get_module_ctx(r, ngx_http_certauthz_module);

    if (ctx == NULL) {
        return ngx_palloc(r->pool, n * sizeof(int));
    }

    cc = (ngx_http_certauthz_ctx_cln_t *)
             ((u_char *) ctx - offsetof(ngx_http_certauthz_ctx_cln_t, ctx));

    if (cc->ncaptures < n) {
        cc->captures = ngx_palloc(cc->pool, n * sizeof(int));
        if (cc->captures == NULL) {
            cc->ncaptures = 0;
            return NULL;
        }

        cc->ncaptures = n;
    }

    return cc->captures;
}


/* what ngx_http_regex_exec() sets after a match, without matching */

static ngx_int_t
ngx_http_certauthz_regex_restore(void *data, void *regex, ngx_str_t *s,
    int *caps, ngx_uint_t n)
{
    ngx_http_request_t *r = data;

    ngx_int_t                   index;
    ngx_uint_t                  i, k;
    ngx_http_regex_t           *re;
    ngx_http_variable_value_t  *vv;
    ngx_http_core_main_conf_t  *cmcf;

    re = regex;

    if (r->captures == NULL || r->realloc_captures) {
        cmcf = ngx_http_get_module_main_conf(r, ngx_http_core_module);

        r->realloc_captures = 0;

        r->captures = ngx_http_certauthz_captures(r, cmcf->ncaptures);
        if (r->captures == NULL) {
            return NGX_ERROR;
        }
    }

    ngx_memcpy(r->captures, caps, n * sizeof(int));

    for (i = 0; i < re->nvariables; i++) {

        k = re->variables[i].capture;
        index = re->variables[i].index;
        vv = &r->variables[index];

        vv->len = caps[k + 1] - caps[k];
        vv->valid = 1;
        vv->no_cacheable = 0;
        vv->not_found = 0;
        vv->data = &s->data[caps[k]];
    }

    r->ncaptures = n;
    r->captures_data = s->data;

    return NGX_OK;
}





static char *
ngx_http_certauthz_deny_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_certauthz_loc_conf_t *lcf = conf;

    ngx_int_t   code;
    ngx_str_t  *value;

    if (lcf->status != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    code = ngx_atoi(value[1].data, value[1].len);

    if (code < 400 || code > 599) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid status code \"%V\", expected a value "
                           "from 400 to 599", &value[1]);
        return NGX_CONF_ERROR;
    }

    lcf->status = ngx_pcalloc(cf->pool, sizeof(ngx_http_certauthz_status_t));
    if (lcf->status == NULL) {
        return NGX_CONF_ERROR;
    }

    lcf->status->code = code;

    if (ngx_certauthz_rule_where(cf, &lcf->status->where) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}



static ngx_int_t
ngx_http_certauthz_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_certauthz_add_variables(cf);
}


static ngx_int_t
ngx_http_certauthz_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    if (ngx_certauthz_engine_init(cf->log, NGX_CERTAUTHZ_VERSION,
                                  "ngx_http_certauthz_module")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_certauthz_engine_conf(cf, NGX_CERTAUTHZ_FACE_HTTP) != NGX_OK) {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_certauthz_handler;

    return NGX_OK;
}


static void *
ngx_http_certauthz_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_certauthz_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_certauthz_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->status = NULL;
     *     conf->content = NULL;
     *     conf->content_where = { 0, NULL };
     *     conf->explain = 0;
     *     conf->policy.watch = { 0 };   (initialised by the worker)
     */

    /* where the block begins, for the warnings of merge */

    if (cf->conf_file) {
        conf->block_file = cf->conf_file->file.name;
        conf->block_line = cf->conf_file->line;
    }

    ngx_certauthz_policy_init(&conf->policy);

    return conf;
}


static char *
ngx_http_certauthz_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_certauthz_loc_conf_t  *prev = parent;
    ngx_http_certauthz_loc_conf_t  *conf = child;

    ngx_http_ssl_srv_conf_t   *sscf;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (conf->content != NULL && clcf->handler != conf->content) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"%s\" directive conflicts with another handler "
                      "of this location, set after it (proxy_pass, "
                      "fastcgi_pass ...) in %V",
                      conf->explain ? "certauthz_explain"
                                    : "certauthz_metrics",
                      &conf->content_where);
        return NGX_CONF_ERROR;
    }

    ngx_certauthz_policy_merge(&prev->policy, &conf->policy);

    ngx_http_certauthz_check_loc_conf(cf, conf);

    if (ngx_http_certauthz_count_conf(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* its CRLs are checked with the server's trusted CAs when loaded */

    sscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_ssl_module);

    if (sscf->ssl.ctx != NULL
        && ngx_certauthz_crl_conf_trust(&conf->policy.crl,
                                        SSL_CTX_get_cert_store(sscf->ssl.ctx))
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->status == NULL) {
        conf->status = prev->status;
    }

    if (conf->policy.mode != NGX_CERTAUTHZ_ON
        || conf->status == NULL
        || conf->status->warned
        || conf->status->code == NGX_HTTP_FORBIDDEN
        || conf->status->code == NGX_HTTP_UNAUTHORIZED)
    {
        return NGX_CONF_OK;
    }

    if (clcf->satisfy == NGX_HTTP_SATISFY_ANY) {
        conf->status->warned = 1;

        ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                      "\"certauthz_deny_status %i\" in %V is used with "
                      "\"satisfy any\": nginx tries other access modules "
                      "only after 401 or 403, so a denial ends the request",
                      conf->status->code, &conf->status->where);
    }

    return NGX_CONF_OK;
}


/*
 * A location that decides (not one that explains) is counted under its
 * server's first server_name and its name as written ("= /x", "^~ /p",
 * "~ re", "~* re", "/p", "@n")
 */

static ngx_int_t
ngx_http_certauthz_count_conf(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *conf)
{
    u_char                     *p;
    ngx_str_t                   server, location, prefix;
    ngx_http_server_name_t     *sn;
    ngx_http_core_loc_conf_t   *clcf;
    ngx_http_core_srv_conf_t   *cscf;

    if (conf->policy.mode == NGX_CERTAUTHZ_OFF || conf->explain) {
        return NGX_OK;
    }

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);
    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    ngx_str_null(&server);

    if (cscf->server_names.nelts) {
        sn = cscf->server_names.elts;
        server = sn[0].name;
    }

    ngx_str_null(&prefix);

    if (clcf->exact_match) {
        ngx_str_set(&prefix, "= ");

    } else if (clcf->noregex) {
        ngx_str_set(&prefix, "^~ ");

#if (NGX_PCRE)
    } else if (clcf->regex) {
        ngx_str_set(&prefix, "~ ");
        /* "~*": the location's regex was compiled caseless */
#if (NGX_PCRE2)
        {
        uint32_t  options;

        if (pcre2_pattern_info(clcf->regex->regex, PCRE2_INFO_ARGOPTIONS,
                               &options)
            == 0
            && (options & PCRE2_CASELESS))
        {
            ngx_str_set(&prefix, "~* ");
        }
        }
#else
        {
        unsigned long  options;

        if (pcre_fullinfo(clcf->regex->regex->code, NULL, PCRE_INFO_OPTIONS,
                          &options)
            == 0
            && (options & PCRE_CASELESS))
        {
            ngx_str_set(&prefix, "~* ");
        }
        }
#endif
#endif
    }

    location.len = prefix.len + clcf->name.len;
    location.data = ngx_pnalloc(cf->pool, location.len + 1);
    if (location.data == NULL) {
        return NGX_ERROR;
    }

    p = location.data;

    if (prefix.len) {
        p = ngx_cpymem(p, prefix.data, prefix.len);
    }

    if (clcf->name.len) {
        ngx_memcpy(p, clcf->name.data, clcf->name.len);
    }

    return ngx_certauthz_metrics_policy(cf, &conf->policy, &server,
                                        &location);
}


/*
 * in the master, once the configuration is read: files the workers cannot
 * read, the counters
 */

static ngx_int_t
ngx_http_certauthz_init_module(ngx_cycle_t *cycle)
{
    ngx_certauthz_engine_init_module(cycle);

    return ngx_certauthz_metrics_init(cycle);
}


static ngx_int_t
ngx_http_certauthz_init_process(ngx_cycle_t *cycle)
{
    ngx_certauthz_engine_init_process(cycle);

    return NGX_OK;
}


static void
ngx_http_certauthz_exit_process(ngx_cycle_t *cycle)
{
    ngx_certauthz_engine_exit_process(cycle);
}
