
/*
 * certauthz: policies, built from directive arguments and decided on a
 * TLS connection, and the state kept with each connection.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_policy.h"
#include "ngx_certauthz_metrics.h"
#include "ngx_certauthz_file.h"


/* what a rule evaluation hands to the face's exec, see ..._record() */
typedef struct {
    ngx_certauthz_regex_ops_t  *ops;
    ngx_certauthz_outcome_t    *outcome;
    ngx_pool_t                 *pool;
} ngx_certauthz_eval_t;


static ngx_int_t ngx_certauthz_conn_init(ngx_log_t *log);
static void ngx_certauthz_files_forget(void *data);
static void ngx_certauthz_crl_files_each(ngx_cycle_t *cycle,
    void (*handler)(ngx_certauthz_crl_file_t *file, ngx_log_t *log));
static ngx_inline ngx_int_t ngx_certauthz_decide_state(
    ngx_certauthz_policy_t *policy, SSL_CTX *trusted, ngx_connection_t *c,
    ngx_certauthz_conn_t *conn, ngx_certauthz_decision_t *d);
static ngx_int_t ngx_certauthz_rules(ngx_certauthz_policy_t *policy,
    ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_regex_ops_t *ops, ngx_certauthz_decision_t *d);
static ngx_certauthz_outcome_t *ngx_certauthz_outcome_find(
    ngx_certauthz_conn_t *conn, ngx_array_t *rules);
static ngx_int_t ngx_certauthz_record(void *data, void *regex, ngx_str_t *s);


static ngx_conf_enum_t  ngx_certauthz_modes[] = {
    { ngx_string("off"), NGX_CERTAUTHZ_OFF },
    { ngx_string("on"), NGX_CERTAUTHZ_ON },
    { ngx_string("audit"), NGX_CERTAUTHZ_AUDIT },
    { ngx_null_string, 0 }
};


/*
 * The files of the configuration being read, one registry for all faces:
 * when the http and the stream modules are both loaded, they share this
 * engine (see ngx_certauthz_version), so that a list or CRL file named in
 * both is loaded once.  Forgotten with the cycle's pool.
 */

static ngx_certauthz_files_t  *ngx_certauthz_cycle_files;


/*
 * The http and the stream modules each carry this engine.  nginx loads
 * modules with RTLD_GLOBAL, so where both are loaded the dynamic linker
 * binds both to the engine of the first one: one engine, one registry of
 * files, one connection state.  That holds only between modules of one
 * version; each face checks it at start.  The engine exports functions
 * only, no data: a face reaches the engine's data through them.
 */

static const char  ngx_certauthz_version[] = NGX_CERTAUTHZ_VERSION;


/*
 * At each face's init_module (twice where both faces are loaded: the check
 * is made once), in the master and in "nginx -t", as root: a CRL file
 * that the worker processes' user cannot read.  Its CRLs were loaded now,
 * by root, and stay in force; but the workers, which look for changes,
 * cannot see one before nginx is reloaded.  List files are read only here,
 * by the master: the workers need no access to them.
 */

void
ngx_certauthz_engine_init_module(ngx_cycle_t *cycle)
{
    u_char                      why[NGX_MAX_PATH + 64];
    ngx_uint_t                  i;
    ngx_log_t                  *log;
    ngx_core_conf_t            *ccf;
    ngx_certauthz_files_t      *files;
    ngx_certauthz_crl_file_t  **crl;
    ngx_certauthz_file_user_t   user;

    files = ngx_certauthz_files_of(cycle);

    if (files == NULL || files->access_checked || files->crls.nelts == 0) {
        return;
    }

    files->access_checked = 1;

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    /* workers change their user only when started by root */

    if (geteuid() != 0
        || !ccf->master
        || ccf->user == (ngx_uid_t) NGX_CONF_UNSET_UINT
        || ccf->user == 0)
    {
        return;
    }

    if (ngx_certauthz_file_user(&user, ccf->username, ccf->user, ccf->group,
                                cycle->pool)
        != NGX_OK)
    {
        return;
    }

    /*
     * Where nginx's own configuration warnings go (at start and in
     * "nginx -t": stderr and the default error log, at notice level), not
     * to the configured error_log, whose default level, "error", would
     * hide a warning.  That log lives as long as the cycle that this one
     * replaces: until after init_module.
     */

    log = files->conf_log ? files->conf_log : cycle->log;

    crl = files->crls.elts;

    for (i = 0; i < files->crls.nelts; i++) {

        /* a URL's cached copy: nginx made its directory for that user */
        if (crl[i]->remote) {
            continue;
        }

        if (ngx_certauthz_file_readable(crl[i]->path.data, &user, why,
                                        sizeof(why), cycle->log)
            != NGX_DECLINED)
        {
            continue;
        }

        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "certauthz: CRL file \"%V\" cannot be read by the "
                      "worker processes' user \"%s\" (%s): changes to it "
                      "are not seen before nginx is reloaded; make the file "
                      "and its directories readable by \"%s\"",
                      &crl[i]->path, ccf->username, why, ccf->username);
    }
}


/*
 * At each face's init_process (twice where both faces are loaded: the
 * watch of a file is started once): the timers of this cycle's CRL files
 */

void
ngx_certauthz_engine_init_process(ngx_cycle_t *cycle)
{
    ngx_certauthz_crl_files_each(cycle, ngx_certauthz_crl_watch);
}


/*
 * At each face's exit_process: a CRL load that a thread finished while the
 * worker was leaving (nginx's thread pool runs the queued tasks to their
 * end before the modules' exit_process) is freed; its result was never
 * put in force
 */

void
ngx_certauthz_engine_exit_process(ngx_cycle_t *cycle)
{
    ngx_certauthz_crl_files_each(cycle, ngx_certauthz_crl_watch_exit);
}


static void
ngx_certauthz_crl_files_each(ngx_cycle_t *cycle,
    void (*handler)(ngx_certauthz_crl_file_t *file, ngx_log_t *log))
{
    ngx_uint_t                  i;
    ngx_certauthz_files_t      *files;
    ngx_certauthz_crl_file_t  **crl;

    files = ngx_certauthz_cycle_files;

    if (files == NULL || files->cycle != cycle) {
        return;
    }

    crl = files->crls.elts;

    for (i = 0; i < files->crls.nelts; i++) {
        handler(crl[i], cycle->log);
    }
}


/* at each face's postconfiguration */

ngx_int_t
ngx_certauthz_engine_init(ngx_log_t *log, const char *version,
    const char *face)
{
    if (ngx_strcmp(version, ngx_certauthz_version) != 0) {
        ngx_log_error(NGX_LOG_EMERG, log, 0,
                      "certauthz: %s %s is loaded with certauthz %s: the "
                      "http and stream modules must be of the same version",
                      face, version, ngx_certauthz_version);
        return NGX_ERROR;
    }

    if (ngx_certauthz_crl_remote_init(log) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_certauthz_conn_init(log);
}


/*
 * At each face's postconfiguration, once its policies are merged: the
 * CRLs checked with the trusted CA certificates of the servers that use
 * them (ngx_certauthz_crl_trust.c), which are known only now
 */

ngx_int_t
ngx_certauthz_engine_conf(ngx_conf_t *cf, ngx_uint_t face)
{
    ngx_certauthz_files_t  *files;

    files = ngx_certauthz_cycle_files;

    if (files != NULL && files->cycle == cf->cycle) {
        if (ngx_certauthz_crl_remote_conf(cf, &files->crls,
                                          &files->fetch[face])
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        ngx_certauthz_crl_trust_files(&files->crls, cf->log);
        files->conf_log = cf->log;
    }

    return NGX_OK;
}


int  ngx_certauthz_conn_index = -1;


/*
 * what a connection without a certificate (or without TLS) has: nothing,
 * and $certauthz_verify "NONE" (set by ngx_certauthz_conn_init())
 */
static ngx_certauthz_conn_t  ngx_certauthz_conn_none;


static ngx_int_t
ngx_certauthz_conn_init(ngx_log_t *log)
{
    ngx_str_set(&ngx_certauthz_conn_none.cert.verify, "NONE");

    if (ngx_certauthz_conn_index != -1) {
        return NGX_OK;
    }

    ngx_certauthz_conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL,
                                                    NULL);
    if (ngx_certauthz_conn_index == -1) {
        ngx_ssl_error(NGX_LOG_EMERG, log, 0,
                      "certauthz: SSL_get_ex_new_index() failed");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The connection's state, made with the first request that asks; NULL on
 * an internal failure (logged).  c may be an HTTP/2 stream's fake
 * connection: the state is kept in the pool of the TCP connection that
 * owns the SSL object, found again through an SSL ex_data slot.
 */

ngx_certauthz_conn_t *
ngx_certauthz_conn_get(ngx_connection_t *c)
{
    SSL                   *ssl;
    X509                  *x509;
    ngx_pool_t            *pool;
    ngx_pool_cleanup_t    *cln;
    ngx_certauthz_conn_t  *conn;

    if (c->ssl == NULL || c->ssl->connection == NULL) {
        return &ngx_certauthz_conn_none;
    }

    ssl = c->ssl->connection;

    conn = SSL_get_ex_data(ssl, ngx_certauthz_conn_index);
    if (conn != NULL) {
        return conn;
    }

    x509 = SSL_get_peer_certificate(ssl);
    if (x509 == NULL) {
        return &ngx_certauthz_conn_none;
    }

    pool = ngx_certauthz_cert_pool(c);

    /*
     * Larger than a pool keeps in its blocks: from the heap, freed with
     * the pool, rather than in the pool's list of large allocations,
     * which nginx walks whenever it frees one (its header buffer, on
     * every keep-alive request)
     */

    cln = ngx_pool_cleanup_add(pool, 0);
    if (cln == NULL) {
        X509_free(x509);
        return NULL;
    }

    conn = ngx_calloc(sizeof(ngx_certauthz_conn_t), c->log);
    if (conn == NULL) {
        X509_free(x509);
        return NULL;
    }

    cln->handler = ngx_free;
    cln->data = conn;

    if (ngx_certauthz_cert_parse(&conn->cert, ssl, x509, pool) != NGX_OK) {
        X509_free(x509);
        ngx_ssl_error(NGX_LOG_ALERT, c->log, 0,
                      "certauthz: cannot read the client certificate");
        return NULL;
    }

    X509_free(x509);

    /* set by the handshake (SNI), for good once it is done */
    conn->ssl_ctx = SSL_get_SSL_CTX(ssl);

    if (SSL_set_ex_data(ssl, ngx_certauthz_conn_index, conn) == 0) {
        ngx_ssl_error(NGX_LOG_ALERT, c->log, 0,
                      "certauthz: SSL_set_ex_data() failed");
        return NULL;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, c->log, 0,
                   "certauthz: parsed client certificate, serial %V, "
                   "verify: %V",
                   &conn->cert.fields[NGX_CERTAUTHZ_FIELD_SERIAL].elts[0].str,
                   &conn->cert.verify);

    return conn;
}


ngx_certauthz_files_t *
ngx_certauthz_files(ngx_conf_t *cf)
{
    ngx_pool_cleanup_t     *cln;
    ngx_certauthz_files_t  *files;

    files = ngx_certauthz_cycle_files;

    if (files != NULL && files->cycle == cf->cycle) {
        return files;
    }

    cln = ngx_pool_cleanup_add(cf->cycle->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    files = ngx_pcalloc(cf->cycle->pool, sizeof(ngx_certauthz_files_t));
    if (files == NULL) {
        return NULL;
    }

    if (ngx_certauthz_files_init(cf, files) != NGX_OK) {
        return NULL;
    }

    files->cycle = cf->cycle;

    cln->handler = ngx_certauthz_files_forget;
    cln->data = files;

    ngx_certauthz_cycle_files = files;

    return files;
}


/* the registry of a cycle, NULL if it has none */

ngx_certauthz_files_t *
ngx_certauthz_files_of(ngx_cycle_t *cycle)
{
    ngx_certauthz_files_t  *files;

    files = ngx_certauthz_cycle_files;

    return (files != NULL && files->cycle == cycle) ? files : NULL;
}


static void
ngx_certauthz_files_forget(void *data)
{
    if (ngx_certauthz_cycle_files == data) {
        ngx_certauthz_cycle_files = NULL;
    }
}


ngx_int_t
ngx_certauthz_files_init(ngx_conf_t *cf, ngx_certauthz_files_t *files)
{
    ngx_certauthz_crl_fetch_conf_init(&files->fetch[0]);
    ngx_certauthz_crl_fetch_conf_init(&files->fetch[1]);

    if (ngx_array_init(&files->lists, cf->pool, 4,
                       sizeof(ngx_certauthz_list_t *))
        != NGX_OK
        || ngx_array_init(&files->crls, cf->pool, 4,
                          sizeof(ngx_certauthz_crl_file_t *))
           != NGX_OK
        || ngx_array_init(&files->policies, cf->pool, 8,
                          sizeof(ngx_certauthz_metrics_policy_t))
           != NGX_OK
        || ngx_array_init(&files->rules, cf->pool, 8, sizeof(ngx_str_t))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* for create_conf: everything unset, see ngx_certauthz_policy_merge() */

void
ngx_certauthz_policy_init(ngx_certauthz_policy_t *policy)
{
    policy->mode = NGX_CONF_UNSET_UINT;
    policy->rules = NULL;
    policy->crl.files = NULL;
    policy->crl.refresh = NGX_CONF_UNSET_MSEC;
    policy->crl.stale_allow = NGX_CONF_UNSET_UINT;
    policy->crl.warn = NGX_CONF_UNSET;
    policy->live = NGX_CONF_UNSET;
}


/* "certauthz on | off | audit", in any case, as nginx's enum slots */

char *
ngx_certauthz_conf_set_mode(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t               *value;
    ngx_conf_enum_t         *e;
    ngx_certauthz_policy_t  *policy;

    policy = (ngx_certauthz_policy_t *) ((char *) conf + cmd->offset);

    if (policy->mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (e = ngx_certauthz_modes; e->name.len; e++) {
        if (e->name.len == value[1].len
            && ngx_strcasecmp(e->name.data, value[1].data) == 0)
        {
            policy->mode = e->value;
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\" in \"%V\" directive, "
                       "it must be \"off\", \"on\" or \"audit\"",
                       &value[1], &value[0]);
    return NGX_CONF_ERROR;
}


/*
 * "certauthz_allow" or "certauthz_deny" with the arguments of cf->args:
 * conditions, or "all".  Regexes are compiled by the face.
 */

char *
ngx_certauthz_policy_rule(ngx_conf_t *cf, ngx_certauthz_policy_t *policy,
    ngx_certauthz_files_t *files, ngx_uint_t deny,
    ngx_certauthz_compile_pt compile)
{
    ngx_str_t             *value;
    ngx_uint_t             i;
    ngx_certauthz_cond_t  *cond;
    ngx_certauthz_rule_t  *rule;

    value = cf->args->elts;

    if (policy->rules == NULL) {
        policy->rules = ngx_array_create(cf->pool, 4,
                                         sizeof(ngx_certauthz_rule_t));
        if (policy->rules == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    /* the first "all" of a policy decides: nothing after it is reached */

    rule = policy->rules->elts;

    for (i = 0; i < policy->rules->nelts; i++) {
        if (rule[i].nconds == 0) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "\"%V\" is never reached: "
                               "\"certauthz_%s all\" (%V) decides "
                               "before it, for every certificate",
                               &value[0], rule[i].deny ? "deny" : "allow",
                               &rule[i].where);
            break;
        }
    }

    rule = ngx_array_push(policy->rules);
    if (rule == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(rule, sizeof(ngx_certauthz_rule_t));

    rule->deny = deny;

    if (ngx_certauthz_rule_where(cf, &rule->where) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "all") == 0) {
        return NGX_CONF_OK;
    }

    rule->conds = ngx_pcalloc(cf->pool, (cf->args->nelts - 1)
                                        * sizeof(ngx_certauthz_cond_t));
    if (rule->conds == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "all") == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"all\" cannot be combined with "
                               "conditions in \"%V\"", &value[0]);
            return NGX_CONF_ERROR;
        }

        cond = &rule->conds[rule->nconds];

        if (ngx_certauthz_cond_check(cf, value, cf->args->nelts, i)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        if (ngx_certauthz_cond_parse(cf, &value[i], cond, &files->lists)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        if (cond->match == NGX_CERTAUTHZ_MATCH_REGEX
            && ngx_certauthz_cond_compile(cf, cond, compile) != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        rule->nconds++;
    }

    return NGX_CONF_OK;
}


/* a regex condition, through the face's compiler */

ngx_int_t
ngx_certauthz_cond_compile(ngx_conf_t *cf, ngx_certauthz_cond_t *cond,
    ngx_certauthz_compile_pt compile)
{
#if (NGX_PCRE)
    u_char               errstr[NGX_MAX_CONF_ERRSTR];
    ngx_regex_compile_t  rc;

    ngx_memzero(&rc, sizeof(ngx_regex_compile_t));

    rc.pattern = cond->value;
    rc.err.len = NGX_MAX_CONF_ERRSTR;
    rc.err.data = errstr;
    rc.options = cond->caseless ? NGX_REGEX_CASELESS : 0;

    cond->regex = compile(cf, &rc);

    if (cond->regex == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid regex in condition \"%V\"",
                           &cond->token);
        return NGX_ERROR;
    }

    cond->captures = (rc.captures != 0);

    /* PCRE2 matches a caseless regex's letters either way: no prefix */

    if (!cond->caseless) {
        cond->prefix.data = ngx_pnalloc(cf->pool, cond->value.len);
        if (cond->prefix.data == NULL) {
            return NGX_ERROR;
        }

        ngx_certauthz_prefix(&cond->value, &cond->prefix);
    }

    return NGX_OK;

#else

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "using regex \"%V\" requires PCRE library",
                       &cond->token);
    return NGX_ERROR;

#endif
}


char *
ngx_certauthz_conf_set_rule(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_certauthz_files_t      *files;
    ngx_certauthz_policy_t     *policy;
    ngx_certauthz_rule_post_t  *post;

    policy = (ngx_certauthz_policy_t *) ((char *) conf + cmd->offset);
    post = cmd->post;

    files = ngx_certauthz_files(cf);
    if (files == NULL) {
        return NGX_CONF_ERROR;
    }

    return ngx_certauthz_policy_rule(cf, policy, files, post->deny,
                                     post->compile);
}


/* "certauthz_crl FILE | URL | cdp": cf->args; the face in cmd->post */

char *
ngx_certauthz_conf_set_crl(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t                  *value;
    ngx_uint_t                  i, face;
    ngx_certauthz_files_t      *files;
    ngx_certauthz_policy_t     *policy;
    ngx_certauthz_crl_file_t   *file, **named;

    policy = (ngx_certauthz_policy_t *) ((char *) conf + cmd->offset);

    files = ngx_certauthz_files(cf);
    if (files == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;
    face = cmd->post ? *(ngx_uint_t *) cmd->post : NGX_CERTAUTHZ_FACE_HTTP;

    if (policy->crl.files == NULL) {
        policy->crl.files = ngx_array_create(cf->pool, 2,
                                    sizeof(ngx_certauthz_crl_file_t *));
        if (policy->crl.files == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    /* "cdp": the configuration's slots, each a file of this policy */

    if (value[1].len == 3 && ngx_strncmp(value[1].data, "cdp", 3) == 0) {

        if (policy->crl.cdp != NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"cdp\" is named twice here");
            return NGX_CONF_ERROR;
        }

        files->cdp[face] = ngx_certauthz_crl_cdp_conf(cf, &files->crls,
                                                      &files->fetch[face],
                                                      files->cdp[face]);
        if (files->cdp[face] == NULL) {
            return NGX_CONF_ERROR;
        }

        policy->crl.cdp = files->cdp[face];

        named = ngx_array_push_n(policy->crl.files,
                                 policy->crl.cdp->slots.nelts);
        if (named == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(named, policy->crl.cdp->slots.elts,
                   policy->crl.cdp->slots.nelts
                   * sizeof(ngx_certauthz_crl_file_t *));

        return NGX_CONF_OK;
    }

    file = ngx_certauthz_crl_file(cf, &files->crls, &value[1],
                                  &files->fetch[face]);
    if (file == NULL) {
        return NGX_CONF_ERROR;
    }

    named = policy->crl.files->elts;

    for (i = 0; i < policy->crl.files->nelts; i++) {
        if (named[i] == file) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "CRL file \"%V\" is named twice here",
                               &file->name);
            return NGX_CONF_ERROR;
        }
    }

    named = ngx_array_push(policy->crl.files);
    if (named == NULL) {
        return NGX_CONF_ERROR;
    }

    *named = file;

    return NGX_CONF_OK;
}


/* the main-level directives of CRLs fetched from a URL */

char *
ngx_certauthz_conf_set_crl_fetch(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_certauthz_files_t  *files;

    files = ngx_certauthz_files(cf);
    if (files == NULL) {
        return NGX_CONF_ERROR;
    }

    /* the face: the command's offset */
    return ngx_certauthz_crl_fetch_conf_set(cf, cmd,
                                            &files->fetch[cmd->offset]);
}


/* rules are inherited whole, only where a level has none (allow/deny) */

void
ngx_certauthz_policy_merge(ngx_certauthz_policy_t *prev,
    ngx_certauthz_policy_t *conf)
{
    ngx_conf_merge_uint_value(conf->mode, prev->mode, NGX_CERTAUTHZ_OFF);

    if (conf->rules == NULL) {
        conf->rules = prev->rules;
    }

    if (conf->crl.files == NULL) {
        conf->crl.files = prev->crl.files;
        conf->crl.cdp = prev->crl.cdp;
    }

    ngx_conf_merge_msec_value(conf->crl.refresh, prev->crl.refresh, 60000);
    ngx_conf_merge_uint_value(conf->crl.stale_allow, prev->crl.stale_allow,
                              0);
    ngx_conf_merge_sec_value(conf->crl.warn, prev->crl.warn, 86400);
    ngx_conf_merge_value(conf->live, prev->live, 1);

    if (conf->crl.files != NULL) {
        ngx_certauthz_crl_watch_conf(&conf->crl);
    }
}


/*
 * Only a certificate that nginx verified counts, and only if it was
 * verified with the CAs that the server of the request trusts: "trusted"
 * is that server's SSL_CTX.  A client that sends no SNI (or another name
 * than the Host it asks for) has its handshake, and its certificate
 * verified, in the SSL_CTX of the default server of the address.
 * The certificate must be within its validity period now, not only at the
 * handshake: connections and resumed sessions outlive certificates.
 * A revoked one is denied before any rule is consulted, as is one whose
 * issuer has no usable or no fresh CRL where CRLs are asked for; then the
 * first rule whose conditions all hold decides, and no match denies.
 */

ngx_int_t
ngx_certauthz_decide(ngx_certauthz_policy_t *policy, SSL_CTX *trusted,
    ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_regex_ops_t *ops, ngx_certauthz_decision_t *d)
{
    ngx_int_t  rc;

    rc = ngx_certauthz_decide_state(policy, trusted, c, conn, d);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (policy->rules == NULL || policy->rules->nelts == 0) {
        d->allow = 1;
        d->reason = NGX_CERTAUTHZ_REASON_ALLOW;
        return NGX_OK;
    }

    return ngx_certauthz_rules(policy, c, conn, ops, d);
}


/*
 * A live connection that the policy allowed, decided again: what can
 * change while a connection lives is whether its certificate is valid now
 * and what the CRLs say of it; what the rules make of the certificate
 * cannot change (lists are read with the configuration).  A live
 * connection does not wait for a distribution point's CRL: crl-missing.
 */

ngx_int_t
ngx_certauthz_decide_live(ngx_certauthz_policy_t *policy, SSL_CTX *trusted,
    ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_decision_t *d)
{
    ngx_int_t  rc;

    rc = ngx_certauthz_decide_state(policy, trusted, c, conn, d);

    if (rc == NGX_AGAIN) {
        return NGX_OK;
    }

    if (rc != NGX_DECLINED) {
        return rc;
    }

    d->allow = 1;
    d->reason = NGX_CERTAUTHZ_REASON_ALLOW;

    return NGX_OK;
}


/*
 * All but the rules: NGX_DECLINED when they decide, NGX_OK with the
 * decision, NGX_AGAIN (crl-missing) when a CRL that the certificate names
 * is on its way, NGX_ERROR
 */

static ngx_inline ngx_int_t
ngx_certauthz_decide_state(ngx_certauthz_policy_t *policy, SSL_CTX *trusted,
    ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_decision_t *d)
{
    time_t                 now;
    ngx_uint_t             revocation;
    ngx_certauthz_cert_t  *cert;

    cert = &conn->cert;

    d->allow = 0;
    d->rule = NULL;

    if (!cert->present) {
        d->reason = NGX_CERTAUTHZ_REASON_NO_CERT;
        return NGX_OK;
    }

    if (!cert->verified) {
        d->reason = NGX_CERTAUTHZ_REASON_UNVERIFIED;
        return NGX_OK;
    }

    if (conn->ssl_ctx != trusted) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "certauthz: the client certificate was verified with "
                      "the trusted CAs of another server (the client sent "
                      "no SNI, or another name), not of this one");

        d->reason = NGX_CERTAUTHZ_REASON_UNVERIFIED;
        return NGX_OK;
    }

    now = ngx_time();

    if (now > cert->not_after || now < cert->not_before) {
        d->reason = NGX_CERTAUTHZ_REASON_EXPIRED;
        return NGX_OK;
    }

    if (policy->crl.files != NULL) {

        if (ngx_certauthz_crl_check(&policy->crl, c, &conn->crl, &revocation)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        switch (revocation) {

        case NGX_CERTAUTHZ_CRL_REVOKED:
            d->reason = NGX_CERTAUTHZ_REASON_REVOKED;
            return NGX_OK;

        case NGX_CERTAUTHZ_CRL_MISSING:
            d->reason = NGX_CERTAUTHZ_REASON_CRL_MISSING;

            /* NGX_AGAIN: a CRL that the certificate names is on its way;
             * a caller that cannot wait takes crl-missing */

            if (policy->crl.cdp != NULL) {
                return ngx_certauthz_crl_cdp_check(policy->crl.cdp, c,
                                                   &conn->cdp_until);
            }

            return NGX_OK;

        case NGX_CERTAUTHZ_CRL_STALE:
            if (!policy->crl.stale_allow) {
                d->reason = NGX_CERTAUTHZ_REASON_CRL_STALE;
                return NGX_OK;
            }
            break;
        }
    }

    return NGX_DECLINED;
}


/*
 * The certificate of a connection does not change, and neither does what
 * a policy's rules make of it: the outcome is kept with the connection,
 * with the regex matches that set captures, and a later request only sets
 * those captures again.  So a regex with groups, named or not, costs no
 * more per request than one without.
 */

static ngx_int_t
ngx_certauthz_rules(ngx_certauthz_policy_t *policy, ngx_connection_t *c,
    ngx_certauthz_conn_t *conn, ngx_certauthz_regex_ops_t *ops,
    ngx_certauthz_decision_t *d)
{
    ngx_int_t                 rc;
    ngx_uint_t                i, j;
    ngx_certauthz_rule_t     *rule;
    ngx_certauthz_eval_t      eval;
    ngx_certauthz_outcome_t  *o;

    o = ngx_certauthz_outcome_find(conn, policy->rules);

    if (o->rules == policy->rules) {
        ngx_log_debug0(NGX_LOG_DEBUG_EVENT, c->log, 0,
                       "certauthz: rule outcome of the connection reused");

        if (ngx_certauthz_outcome_replay(o, ops) != NGX_OK) {
            return NGX_ERROR;
        }

        d->rule = o->rule;
        d->reason = o->reason;
        d->allow = (d->reason == NGX_CERTAUTHZ_REASON_ALLOW);
        conn->last = o;
        return NGX_OK;
    }

    /* the slot is taken over: its room for matches is kept */

    o->rules = NULL;
    o->nmatches = 0;
    o->caps_used = 0;

    eval.ops = ops;
    eval.outcome = o;
    eval.pool = ngx_certauthz_cert_pool(c);

    rule = policy->rules->elts;

    for (i = 0; i < policy->rules->nelts; i++) {

        for (j = 0; j < rule[i].nconds; j++) {
            rc = ngx_certauthz_cond_holds(&rule[i].conds[j], rule[i].deny,
                                          c, &conn->cert,
                                          ngx_certauthz_record, &eval);
            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_ABORT) {
                /* the chain of a resumed session that cannot be known */
                d->reason = NGX_CERTAUTHZ_REASON_UNVERIFIED;
                d->rule = &rule[i];
                goto done;
            }

            if (rc == NGX_DECLINED) {
                break;
            }
        }

        if (j == rule[i].nconds) {
            d->allow = !rule[i].deny;
            d->reason = rule[i].deny ? NGX_CERTAUTHZ_REASON_DENY
                                     : NGX_CERTAUTHZ_REASON_ALLOW;
            d->rule = &rule[i];
            goto done;
        }
    }

    d->reason = NGX_CERTAUTHZ_REASON_NO_MATCH;

done:

    o->rules = policy->rules;
    o->rule = d->rule;
    o->reason = d->reason;
    conn->last = o;

    return NGX_OK;
}


/* the policy's slot, or the one to take over (the oldest) */

static ngx_certauthz_outcome_t *
ngx_certauthz_outcome_find(ngx_certauthz_conn_t *conn, ngx_array_t *rules)
{
    ngx_uint_t                i;
    ngx_certauthz_outcome_t  *o;

    for (i = 0; i < NGX_CERTAUTHZ_OUTCOMES; i++) {
        if (conn->outcomes[i].rules == rules) {
            return &conn->outcomes[i];
        }
    }

    o = &conn->outcomes[conn->next_outcome];
    conn->next_outcome = (conn->next_outcome + 1) % NGX_CERTAUTHZ_OUTCOMES;

    return o;
}


/*
 * The face's exec, and for a match that set captures, a copy of them with
 * the outcome, in the order the matches happened (the last one is what
 * $1 refers to).  Memory comes from the connection's pool and is reused
 * by the slot: a connection never holds more than its largest outcomes.
 */

static ngx_int_t
ngx_certauthz_record(void *data, void *regex, ngx_str_t *s)
{
    ngx_certauthz_eval_t *eval = data;

    int                      *caps, *room;
    ngx_int_t                 rc;
    ngx_uint_t                n, i;
    ngx_certauthz_match_t    *m;
    ngx_certauthz_outcome_t  *o;

    rc = eval->ops->exec(eval->ops->data, regex, s);

    if (rc != NGX_OK) {
        return rc;
    }

    n = eval->ops->captures(eval->ops->data, regex, &caps);

    if (n == 0) {
        return NGX_OK;
    }

    o = eval->outcome;

    if (o->nmatches == o->matches_room) {
        m = ngx_palloc(eval->pool, 2 * (o->matches_room + 1)
                                   * sizeof(ngx_certauthz_match_t));
        if (m == NULL) {
            return NGX_ERROR;
        }

        if (o->nmatches) {
            ngx_memcpy(m, o->matches,
                       o->nmatches * sizeof(ngx_certauthz_match_t));
        }

        o->matches = m;
        o->matches_room = 2 * (o->matches_room + 1);
    }

    if (o->caps_used + n > o->caps_room) {
        room = ngx_palloc(eval->pool, 2 * (o->caps_used + n) * sizeof(int));
        if (room == NULL) {
            return NGX_ERROR;
        }

        if (o->caps_used) {
            ngx_memcpy(room, o->caps, o->caps_used * sizeof(int));
        }

        /* the matches kept so far point into the old room */

        for (i = 0; i < o->nmatches; i++) {
            o->matches[i].caps = room + (o->matches[i].caps - o->caps);
        }

        o->caps = room;
        o->caps_room = 2 * (o->caps_used + n);
    }

    m = &o->matches[o->nmatches++];

    m->regex = regex;
    m->value = s;
    m->caps = o->caps + o->caps_used;
    m->ncaps = n;

    ngx_memcpy(m->caps, caps, n * sizeof(int));
    o->caps_used += n;

    return NGX_OK;
}


ngx_int_t
ngx_certauthz_outcome_replay(ngx_certauthz_outcome_t *o,
    ngx_certauthz_regex_ops_t *ops)
{
    ngx_uint_t              i;
    ngx_certauthz_match_t  *m;

    m = o->matches;

    for (i = 0; i < o->nmatches; i++) {
        if (ops->restore(ops->data, m[i].regex, m[i].value, m[i].caps,
                         m[i].ncaps)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * "WHAT, reason: R, rule: FILE:LINE, subject: "...", serial: S", the parts
 * that apply; at "level", which the face chooses
 */

void
ngx_certauthz_log_denial(ngx_uint_t level, const char *what,
    ngx_connection_t *c, ngx_certauthz_conn_t *conn,
    ngx_certauthz_decision_t *d, ngx_str_t *location)
{
    ngx_str_t                rule, subject, serial, where;
    ngx_certauthz_values_t  *vals;

    static ngx_str_t         empty = ngx_null_string;

    if (c->log->log_level < level) {
        return;
    }

    rule = d->rule ? d->rule->where : empty;
    subject = empty;
    serial = empty;

    if (conn->cert.present) {
        vals = ngx_certauthz_cert_field(c, &conn->cert,
                                        NGX_CERTAUTHZ_FIELD_SUBJECT);
        if (vals != NULL) {
            subject = vals->elts[0].str;
            serial = conn->cert.fields[NGX_CERTAUTHZ_FIELD_SERIAL].elts[0].str;
        }
    }

    where = (location && location->len) ? *location : empty;

    ngx_log_error(level, c->log, 0,
                  "%s, reason: %V%s%V%s%V%s%V%s%V%s",
                  what, ngx_certauthz_reason_name(d->reason),
                  d->rule ? ", rule: " : "", &rule,
                  subject.data ? ", subject: \"" : "", &subject,
                  subject.data ? "\", serial: " : "", &serial,
                  where.len ? ", location: \"" : "", &where,
                  where.len ? "\"" : "");
}
