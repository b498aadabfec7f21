
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

#include "ngx_http_certauthz_module.h"
#include "ngx_http_certauthz_variables.h"


#define NGX_HTTP_CERTAUTHZ_OFF    0
#define NGX_HTTP_CERTAUTHZ_ON     1
#define NGX_HTTP_CERTAUTHZ_AUDIT  2


typedef struct {
    ngx_int_t                 code;
    ngx_str_t                 where;      /* "FILE:LINE" of the directive */
    ngx_uint_t                warned;
} ngx_http_certauthz_status_t;


typedef struct {
    ngx_array_t                   lists;  /* of ngx_certauthz_list_t * */
    ngx_array_t                   crls;   /* of ngx_certauthz_crl_file_t * */
} ngx_http_certauthz_main_conf_t;


typedef struct {
    ngx_uint_t                    mode;
    ngx_array_t                  *rules;  /* of ngx_certauthz_rule_t */
    ngx_uint_t                    captures;   /* a regex of rules has */
    ngx_http_certauthz_status_t  *status; /* NULL: 403 */
    ngx_certauthz_crl_conf_t      crl;
} ngx_http_certauthz_loc_conf_t;


static ngx_int_t ngx_http_certauthz_handler(ngx_http_request_t *r);
static void ngx_http_certauthz_log_denial(ngx_http_request_t *r,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_certauthz_cert_t *cert,
    ngx_certauthz_decision_t *d);
static ngx_int_t ngx_http_certauthz_regex_exec(void *data, void *regex,
    ngx_str_t *s);
static ngx_http_certauthz_ctx_t *ngx_http_certauthz_create_ctx(
    ngx_http_request_t *r);
static void ngx_http_certauthz_cleanup(void *data);

static char *ngx_http_certauthz_mode(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_certauthz_rule(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_certauthz_compile(ngx_conf_t *cf,
    ngx_certauthz_cond_t *cond, ngx_uint_t *captures);
static char *ngx_http_certauthz_deny_status(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_certauthz_crl(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

static ngx_int_t ngx_http_certauthz_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_certauthz_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_certauthz_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_certauthz_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_certauthz_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);


static ngx_conf_enum_t  ngx_http_certauthz_modes[] = {
    { ngx_string("off"), NGX_HTTP_CERTAUTHZ_OFF },
    { ngx_string("on"), NGX_HTTP_CERTAUTHZ_ON },
    { ngx_string("audit"), NGX_HTTP_CERTAUTHZ_AUDIT },
    { ngx_null_string, 0 }
};


static ngx_str_t   ngx_http_certauthz_empty = ngx_null_string;
static ngx_conf_enum_t  ngx_http_certauthz_crl_stale[] = {
    { ngx_string("deny"), 0 },
    { ngx_string("allow"), 1 },
    { ngx_null_string, 0 }
};


static ngx_uint_t  ngx_http_certauthz_allow = 0;
static ngx_uint_t  ngx_http_certauthz_deny = 1;


static ngx_command_t  ngx_http_certauthz_commands[] = {

    { ngx_string("certauthz"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_http_certauthz_mode,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("certauthz_allow"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_http_certauthz_rule,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      &ngx_http_certauthz_allow },

    { ngx_string("certauthz_deny"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_http_certauthz_rule,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
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
      ngx_http_certauthz_crl,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("certauthz_crl_refresh"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_certauthz_loc_conf_t, crl.refresh),
      NULL },

    { ngx_string("certauthz_crl_stale"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_certauthz_loc_conf_t, crl.stale_allow),
      &ngx_http_certauthz_crl_stale },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_certauthz_module_ctx = {
    ngx_http_certauthz_preconfiguration,   /* preconfiguration */
    ngx_http_certauthz_postconfiguration,  /* postconfiguration */

    ngx_http_certauthz_create_main_conf,   /* create main configuration */
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
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_certauthz_handler(ngx_http_request_t *r)
{
    ngx_certauthz_cert_t           *cert;
    ngx_http_certauthz_ctx_t       *ctx;
    ngx_certauthz_decision_t       *d;
    ngx_http_certauthz_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_certauthz_module);

    if (lcf->mode == NGX_HTTP_CERTAUTHZ_OFF) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_certauthz_get_ctx(r);

    if (ctx == NULL) {
        ctx = ngx_http_certauthz_create_ctx(r);
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    cert = ngx_certauthz_cert_get(r->connection);

    if (cert == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "certauthz: cannot read the client certificate, "
                      "request refused");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    d = &ctx->decision;

    if (ngx_certauthz_decide(lcf->rules, lcf->captures, &lcf->crl,
                             ngx_http_certauthz_trusted(r), r->connection,
                             cert,
                             ngx_http_certauthz_regex_exec, r, d)
        != NGX_OK)
    {
        ctx->evaluated = 0;
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "certauthz: rule evaluation failed, request refused");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->evaluated = 1;

    if (d->allow) {
        ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "certauthz: access allowed, reason: %V%s%V",
                       ngx_certauthz_reason_name(d->reason),
                       d->rule ? ", rule: " : "",
                       d->rule ? &d->rule->where : &ngx_http_certauthz_empty);

        return (lcf->mode == NGX_HTTP_CERTAUTHZ_AUDIT) ? NGX_DECLINED
                                                       : NGX_OK;
    }

    /* once per request, also when an internal redirect runs us again */
    if (!ctx->logged) {
        ctx->logged = 1;
        ngx_http_certauthz_log_denial(r, lcf, cert, d);
    }

    if (lcf->mode == NGX_HTTP_CERTAUTHZ_AUDIT) {
        return NGX_DECLINED;
    }

    return lcf->status ? lcf->status->code : NGX_HTTP_FORBIDDEN;
}


static void
ngx_http_certauthz_log_denial(ngx_http_request_t *r,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_certauthz_cert_t *cert,
    ngx_certauthz_decision_t *d)
{
    char                      *what;
    ngx_int_t                  code;
    ngx_certauthz_values_t    *vals;
    ngx_str_t                  rule, subject, serial;
    ngx_uint_t                 level;
    ngx_http_core_loc_conf_t  *clcf;

    if (lcf->mode == NGX_HTTP_CERTAUTHZ_AUDIT) {
        level = NGX_LOG_NOTICE;
        what = "certauthz: audit: would deny";

    } else {
        /*
         * under "satisfy any" another module may still let it through,
         * but only after a 401 or 403
         */
        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
        code = lcf->status ? lcf->status->code : NGX_HTTP_FORBIDDEN;

        level = (clcf->satisfy == NGX_HTTP_SATISFY_ANY
                 && (code == NGX_HTTP_FORBIDDEN
                     || code == NGX_HTTP_UNAUTHORIZED))
                ? NGX_LOG_INFO : NGX_LOG_ERR;
        what = "certauthz: access forbidden";
    }

    if (r->connection->log->log_level < level) {
        return;
    }

    rule = d->rule ? d->rule->where : ngx_http_certauthz_empty;

    vals = ngx_certauthz_cert_field(r->connection, cert,
                                    NGX_CERTAUTHZ_FIELD_SUBJECT);

    if (cert->present && vals != NULL) {
        subject = vals->elts[0].str;
        serial = cert->fields[NGX_CERTAUTHZ_FIELD_SERIAL].elts[0].str;

    } else {
        subject = ngx_http_certauthz_empty;
        serial = ngx_http_certauthz_empty;
    }

    ngx_log_error(level, r->connection->log, 0,
                  "%s, reason: %V%s%V%s%V%s%V",
                  what, ngx_certauthz_reason_name(d->reason),
                  d->rule ? ", rule: " : "", &rule,
                  subject.data ? ", subject: \"" : "", &subject,
                  subject.data ? "\", serial: " : "", &serial);
}


static ngx_int_t
ngx_http_certauthz_regex_exec(void *data, void *regex, ngx_str_t *s)
{
    return ngx_http_regex_exec(data, regex, s);
}


/*
 * The request's ctx is wiped by an internal redirect; anchoring it in a
 * pool cleanup (as the realip module does) lets us find it again, so that
 * a denial is logged once per request.
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
                ctx = cln->data;
                ngx_http_set_ctx(r, ctx, ngx_http_certauthz_module);
                break;
            }
        }
    }

    return ctx;
}


/*
 * The SSL_CTX of the request's server: only its trusted CAs count, see
 * ngx_certauthz_decide()
 */

SSL_CTX *
ngx_http_certauthz_trusted(ngx_http_request_t *r)
{
    ngx_http_ssl_srv_conf_t  *sscf;

    sscf = ngx_http_get_module_srv_conf(r, ngx_http_ssl_module);

    return sscf->ssl.ctx;
}


static ngx_http_certauthz_ctx_t *
ngx_http_certauthz_create_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t        *cln;
    ngx_http_certauthz_ctx_t  *ctx;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_certauthz_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_certauthz_ctx_t));

    cln->handler = ngx_http_certauthz_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_certauthz_module);

    return ctx;
}


static void
ngx_http_certauthz_cleanup(void *data)
{
    /* nothing to free: the handler only marks our ctx in the list */
}


static char *
ngx_http_certauthz_mode(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_certauthz_loc_conf_t *lcf = conf;

    ngx_str_t        *value;
    ngx_conf_enum_t  *e;

    if (lcf->mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (e = ngx_http_certauthz_modes; e->name.len; e++) {
        if (e->name.len == value[1].len
            && ngx_strcmp(e->name.data, value[1].data) == 0)
        {
            lcf->mode = e->value;
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\" in \"%V\" directive, "
                       "it must be \"off\", \"on\" or \"audit\"",
                       &value[1], &cmd->name);
    return NGX_CONF_ERROR;
}


static char *
ngx_http_certauthz_rule(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_certauthz_loc_conf_t *lcf = conf;

    ngx_str_t                       *value;
    ngx_uint_t                       i;
    ngx_certauthz_rule_t            *rule;
    ngx_http_certauthz_main_conf_t  *mcf;

    value = cf->args->elts;
    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_certauthz_module);

    if (lcf->rules == NULL) {
        lcf->rules = ngx_array_create(cf->pool, 4,
                                      sizeof(ngx_certauthz_rule_t));
        if (lcf->rules == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    rule = ngx_array_push(lcf->rules);
    if (rule == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(rule, sizeof(ngx_certauthz_rule_t));

    rule->deny = *(ngx_uint_t *) cmd->post;

    if (ngx_certauthz_rule_where(cf, &rule->where) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "all") == 0) {
        return NGX_CONF_OK;
    }

    rule->nconds = cf->args->nelts - 1;
    rule->conds = ngx_pcalloc(cf->pool,
                              rule->nconds * sizeof(ngx_certauthz_cond_t));
    if (rule->conds == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "all") == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"all\" cannot be combined with "
                               "conditions in \"%V\"", &cmd->name);
            return NGX_CONF_ERROR;
        }

        if (ngx_certauthz_cond_parse(cf, &value[i], &rule->conds[i - 1],
                                     &mcf->lists)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        if (rule->conds[i - 1].match == NGX_CERTAUTHZ_MATCH_REGEX
            && ngx_http_certauthz_compile(cf, &rule->conds[i - 1],
                                          &lcf->captures)
               != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/*
 * Through the http core, so that named captures become variables.  A rule
 * list without captures is matched once per connection (see
 * ngx_certauthz_decide()).
 */

static ngx_int_t
ngx_http_certauthz_compile(ngx_conf_t *cf, ngx_certauthz_cond_t *cond,
    ngx_uint_t *captures)
{
#if (NGX_PCRE)
    u_char               errstr[NGX_MAX_CONF_ERRSTR];
    ngx_regex_compile_t  rc;

    ngx_memzero(&rc, sizeof(ngx_regex_compile_t));

    rc.pattern = cond->value;
    rc.err.len = NGX_MAX_CONF_ERRSTR;
    rc.err.data = errstr;
    rc.options = cond->caseless ? NGX_REGEX_CASELESS : 0;

    cond->regex = ngx_http_regex_compile(cf, &rc);

    if (cond->regex == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid regex in condition \"%V\"",
                           &cond->token);
        return NGX_ERROR;
    }

    /* $1, $name: then the rules must be matched for every request */
    if (rc.captures) {
        *captures = 1;
    }

    return NGX_OK;

#else

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "using regex \"%V\" requires PCRE library",
                       &cond->token);
    return NGX_ERROR;

#endif
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


static char *
ngx_http_certauthz_crl(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_certauthz_loc_conf_t *lcf = conf;

    ngx_str_t                       *value;
    ngx_http_certauthz_main_conf_t  *mcf;

    if (lcf->crl.file != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_certauthz_module);

    lcf->crl.file = ngx_certauthz_crl_file(cf, &mcf->crls, &value[1]);

    return lcf->crl.file ? NGX_CONF_OK : NGX_CONF_ERROR;
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

    if (ngx_certauthz_cert_init(cf->log) != NGX_OK) {
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
ngx_http_certauthz_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_certauthz_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_certauthz_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&mcf->lists, cf->pool, 4,
                       sizeof(ngx_certauthz_list_t *))
        != NGX_OK
        || ngx_array_init(&mcf->crls, cf->pool, 4,
                          sizeof(ngx_certauthz_crl_file_t *))
           != NGX_OK)
    {
        return NULL;
    }

    return mcf;
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
     *     conf->rules = NULL;
     *     conf->status = NULL;
     *     conf->crl.file = NULL;
     */

    conf->mode = NGX_CONF_UNSET_UINT;
    conf->crl.refresh = NGX_CONF_UNSET_MSEC;
    conf->crl.stale_allow = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_certauthz_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_certauthz_loc_conf_t  *prev = parent;
    ngx_http_certauthz_loc_conf_t  *conf = child;

    ngx_http_core_loc_conf_t  *clcf;

    ngx_conf_merge_uint_value(conf->mode, prev->mode,
                              NGX_HTTP_CERTAUTHZ_OFF);

    /* rules are inherited whole, like "allow" and "deny" */
    if (conf->rules == NULL) {
        conf->rules = prev->rules;
        conf->captures = prev->captures;
    }

    if (conf->status == NULL) {
        conf->status = prev->status;
    }

    if (conf->crl.file == NULL) {
        conf->crl.file = prev->crl.file;
    }

    ngx_conf_merge_msec_value(conf->crl.refresh, prev->crl.refresh, 60000);
    ngx_conf_merge_uint_value(conf->crl.stale_allow, prev->crl.stale_allow,
                              0);

    if (conf->mode != NGX_HTTP_CERTAUTHZ_ON
        || conf->status == NULL
        || conf->status->warned
        || conf->status->code == NGX_HTTP_FORBIDDEN
        || conf->status->code == NGX_HTTP_UNAUTHORIZED)
    {
        return NGX_CONF_OK;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

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
