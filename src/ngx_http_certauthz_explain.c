
/*
 * certauthz: "certauthz_explain", what the rules of this location make of
 * the certificate of the connection, in text (see ngx_certauthz_explain.c).
 * The location does not enforce its rules: a certificate they deny is
 * explained too.  It shows the rules: protect it as a status page.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_certauthz_explain.h"
#include "ngx_http_certauthz_module.h"
#include "ngx_http_certauthz_variables.h"


static ngx_int_t ngx_http_certauthz_explain_handler(ngx_http_request_t *r);


char *
ngx_http_certauthz_explain(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_certauthz_loc_conf_t *lcf = conf;

    char  *rv;

    rv = ngx_http_certauthz_content(cf, lcf,
                                    ngx_http_certauthz_explain_handler);

    if (rv == NGX_CONF_OK) {
        lcf->explain = 1;
    }

    return rv;
}


static ngx_int_t
ngx_http_certauthz_explain_handler(ngx_http_request_t *r)
{
    off_t                           size;
    ngx_int_t                       rc;
    ngx_chain_t                    *out;
    ngx_certauthz_regex_ops_t       ops;
    ngx_http_certauthz_loc_conf_t  *lcf;

    static ngx_str_t  type = ngx_string("text/plain; charset=utf-8");

    rc = ngx_http_certauthz_text_request(r);

    if (rc != NGX_OK) {
        return rc;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_certauthz_module);

    ngx_http_certauthz_regex_ops(r, &ops);

    out = ngx_certauthz_explain(&lcf->policy, ngx_http_certauthz_trusted(r),
                                r->connection, &ops, r->pool, &size);
    if (out == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "certauthz: explain failed");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_certauthz_text_send(r, &type, out, size);
}
