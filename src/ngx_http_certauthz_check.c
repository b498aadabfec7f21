
/*
 * certauthz: what "nginx -t" warns about in a location of the http face,
 * where a configuration cannot mean what it says.
 *
 * - A rewrite-phase answer that lets a request through (a "return" below
 *   400, a redirect) where certauthz is on or audit: the rewrite phase
 *   runs before the access phase, so certauthz never decides there.
 * - A certauthz_explain or certauthz_metrics location that nothing
 *   guards.
 *
 * Both look at other modules' location configurations, which are private
 * to them: each module is found by name (it may be compiled out), and only
 * the first members of its configuration are read, which have been the same
 * from nginx 1.18 to 1.31 at least.  The rewrite module's script codes are
 * public (ngx_http_script.h).  Called from merge, where every static
 * module has merged all its locations already.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_certauthz_module.h"


/* the first members of ngx_http_access_loc_conf_t */
typedef struct {
    ngx_array_t               *rules;
#if (NGX_HAVE_INET6)
    ngx_array_t               *rules6;
#endif
#if (NGX_HAVE_UNIX_DOMAIN)
    ngx_array_t               *rules_un;
#endif
} ngx_http_certauthz_access_conf_t;


/* the first member of ngx_http_auth_basic_loc_conf_t */
typedef struct {
    ngx_http_complex_value_t  *realm;
} ngx_http_certauthz_auth_basic_conf_t;


/* the first member of ngx_http_auth_request_conf_t */
typedef struct {
    ngx_str_t                  uri;
} ngx_http_certauthz_auth_request_conf_t;


/* the first member of ngx_http_rewrite_loc_conf_t */
typedef struct {
    ngx_array_t               *codes;
} ngx_http_certauthz_rewrite_conf_t;


static void ngx_http_certauthz_check_answers(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_http_core_loc_conf_t *clcf);
static void ngx_http_certauthz_check_answer(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_http_core_loc_conf_t *clcf,
    void **if_conf, const char *what, ngx_uint_t status);
static void ngx_http_certauthz_check_guarded(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_http_core_loc_conf_t *clcf);
static void *ngx_http_certauthz_module_conf(ngx_conf_t *cf,
    const char *name);
static void ngx_http_certauthz_warn(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *lcf, const char *fmt, ...);


void
ngx_http_certauthz_check_loc_conf(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *lcf)
{
    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_core_srv_conf_t  *cscf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

    /* a server's own level: its rewrite codes are the server's */

    if (cscf->ctx->loc_conf[ngx_http_core_module.ctx_index] == clcf) {
        return;
    }

    if (lcf->policy.mode != NGX_CERTAUTHZ_OFF && !lcf->explain) {
        ngx_http_certauthz_check_answers(cf, lcf, clcf);
    }

    if (lcf->content != NULL) {
        ngx_http_certauthz_check_guarded(cf, lcf, clcf);
    }
}


/*
 * The rewrite codes of a location hold those of its "if" blocks too (an
 * "if" code, then the block's codes up to its "next").  Codes of any size
 * are made of pointer-sized words, so the words are looked at one by one
 * for the codes that matter.
 */

static void
ngx_http_certauthz_check_answers(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_http_core_loc_conf_t *clcf)
{
    u_char                             *p, *end, *if_end;
    void                              **if_conf;
    ngx_http_script_code_pt             code;
    ngx_http_script_if_code_t          *ifc;
#if (NGX_PCRE)
    ngx_http_script_regex_code_t       *rc;
#endif
    ngx_http_script_return_code_t      *ret;
    ngx_http_certauthz_rewrite_conf_t  *rwcf;

    rwcf = ngx_http_certauthz_module_conf(cf, "ngx_http_rewrite_module");

    if (rwcf == NULL || rwcf->codes == NULL || rwcf->codes->size != 1) {
        return;
    }

    p = rwcf->codes->elts;
    end = p + rwcf->codes->nelts;

    if_end = NULL;
    if_conf = NULL;

    for ( /* void */ ; p + sizeof(uintptr_t) <= end; p += sizeof(uintptr_t)) {

        if (p >= if_end) {
            if_conf = NULL;
        }

        code = *(ngx_http_script_code_pt *) p;

        if (code == ngx_http_script_if_code
            && p + sizeof(ngx_http_script_if_code_t) <= end)
        {
            ifc = (ngx_http_script_if_code_t *) p;
            if_end = p + ifc->next;
            if_conf = ifc->loc_conf;

        } else if (code == ngx_http_script_return_code
                   && p + sizeof(ngx_http_script_return_code_t) <= end)
        {
            ret = (ngx_http_script_return_code_t *) p;

            if (ret->status < NGX_HTTP_BAD_REQUEST) {
                ngx_http_certauthz_check_answer(cf, lcf, clcf, if_conf,
                                                "return", ret->status);
            }

        }
#if (NGX_PCRE)
        else if (code == ngx_http_script_regex_start_code
                 && p + sizeof(ngx_http_script_regex_code_t) <= end)
        {
            rc = (ngx_http_script_regex_code_t *) p;

            if (rc->redirect && !rc->test) {
                ngx_http_certauthz_check_answer(cf, lcf, clcf, if_conf,
                    rc->status == NGX_HTTP_MOVED_PERMANENTLY
                    ? "rewrite ... permanent" : "rewrite ... redirect",
                    0);
            }
        }
#endif
    }
}


static void
ngx_http_certauthz_check_answer(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_http_core_loc_conf_t *clcf,
    void **if_conf, const char *what, ngx_uint_t status)
{
    u_char   buf[sizeof("rewrite ... permanent 999")];
    u_char  *p;

    p = ngx_snprintf(buf, sizeof(buf) - 1, "%s", what);

    if (status) {
        p = ngx_snprintf(p, buf + sizeof(buf) - 1 - p, " %ui", status);
    }

    *p = '\0';

    ngx_http_certauthz_warn(cf,
        if_conf ? if_conf[ngx_http_certauthz_module.ctx_index] : lcf,
        "\"%s\"%s in location \"%V\" answers in the rewrite phase, "
        "so certauthz never decides there: it answers certificates that "
        "the rules deny too; answer from the content phase instead (root, "
        "alias, proxy_pass ...), or deny with a \"return\" of 400 or more",
        buf, if_conf ? " inside \"if\"" : "", &clcf->name);
}


/*
 * What guards an explaining or counting location: allow/deny, auth_basic,
 * auth_request (its own or inherited), "internal"; and for metrics
 * "certauthz on" (an explaining location decides nothing)
 */

static void
ngx_http_certauthz_check_guarded(ngx_conf_t *cf,
    ngx_http_certauthz_loc_conf_t *lcf, ngx_http_core_loc_conf_t *clcf)
{
    ngx_str_t                                off = ngx_string("off");
    ngx_http_certauthz_access_conf_t        *acf;
    ngx_http_certauthz_auth_basic_conf_t    *bcf;
    ngx_http_certauthz_auth_request_conf_t  *rcf;

    if (clcf->internal) {
        return;
    }

    if (!lcf->explain && lcf->policy.mode == NGX_CERTAUTHZ_ON) {
        return;
    }

    acf = ngx_http_certauthz_module_conf(cf, "ngx_http_access_module");

    if (acf != NULL
        && (acf->rules != NULL
#if (NGX_HAVE_INET6)
            || acf->rules6 != NULL
#endif
#if (NGX_HAVE_UNIX_DOMAIN)
            || acf->rules_un != NULL
#endif
           ))
    {
        return;
    }

    bcf = ngx_http_certauthz_module_conf(cf, "ngx_http_auth_basic_module");

    if (bcf != NULL && bcf->realm != NULL
        && !(bcf->realm->lengths == NULL
             && bcf->realm->value.len == off.len
             && ngx_strncmp(bcf->realm->value.data, off.data, off.len) == 0))
    {
        return;
    }

    rcf = ngx_http_certauthz_module_conf(cf, "ngx_http_auth_request_module");

    if (rcf != NULL && rcf->uri.len) {
        return;
    }

    if (lcf->explain) {
        ngx_http_certauthz_warn(cf, lcf,
            "\"certauthz_explain\" in location \"%V\" answers anyone: it "
            "shows the rules (fields, patterns, list files) to whoever "
            "asks, and certauthz%s guards no explaining location; guard it "
            "with \"allow\"/\"deny\", \"auth_basic\", \"auth_request\" or "
            "\"internal\"", &clcf->name,
            lcf->policy.mode != NGX_CERTAUTHZ_OFF ? " on" : "");
        return;
    }

    ngx_http_certauthz_warn(cf, lcf,
        "\"certauthz_metrics\" in location \"%V\" answers anyone; guard it "
        "with \"allow\"/\"deny\", \"auth_basic\", \"auth_request\", "
        "\"internal\" or \"certauthz on\"", &clcf->name);
}


/* this level's configuration of another module, NULL if it is not here */

static void *
ngx_http_certauthz_module_conf(ngx_conf_t *cf, const char *name)
{
    ngx_uint_t               i;
    ngx_module_t           **modules;
    ngx_http_conf_ctx_t     *ctx;

    modules = cf->cycle->modules;
    ctx = cf->ctx;

    for (i = 0; modules[i]; i++) {
        if (modules[i]->type == NGX_HTTP_MODULE
            && ngx_strcmp(modules[i]->name, name) == 0)
        {
            return ctx->loc_conf[modules[i]->ctx_index];
        }
    }

    return NULL;
}


/*
 * A warning about a block, named by the file and line where it begins, as
 * ngx_conf_log_error() names a directive's
 */

static void
ngx_http_certauthz_warn(ngx_conf_t *cf, ngx_http_certauthz_loc_conf_t *lcf,
    const char *fmt, ...)
{
    u_char           *p, buf[NGX_MAX_CONF_ERRSTR];
    va_list           args;
    ngx_conf_file_t   where, *conf_file;

    va_start(args, fmt);
    p = ngx_vslprintf(buf, buf + sizeof(buf), fmt, args);
    va_end(args);

    conf_file = cf->conf_file;

    if (lcf->block_file.data != NULL) {
        ngx_memzero(&where, sizeof(ngx_conf_file_t));
        where.file.name = lcf->block_file;
        where.line = lcf->block_line;
        cf->conf_file = &where;
    }

    ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "%*s", p - buf, buf);

    cf->conf_file = conf_file;
}
