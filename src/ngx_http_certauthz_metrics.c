
/*
 * certauthz: "certauthz_metrics", the host's counters in the Prometheus
 * text format (see ngx_certauthz_metrics.c), as nginx's stub_status
 * answers its own: protect the location the same way (allow 127.0.0.1;
 * deny all;).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_certauthz_metrics.h"
#include "ngx_http_certauthz_module.h"


static ngx_int_t ngx_http_certauthz_metrics_handler(ngx_http_request_t *r);


char *
ngx_http_certauthz_metrics(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_certauthz_content(cf, conf,
                                      ngx_http_certauthz_metrics_handler);
}


static ngx_int_t
ngx_http_certauthz_metrics_handler(ngx_http_request_t *r)
{
    off_t         size;
    ngx_int_t     rc;
    ngx_str_t     format;
    ngx_uint_t    json;
    ngx_chain_t  *out;

    static ngx_str_t  text =
        ngx_string("text/plain; version=0.0.4; charset=utf-8");
    static ngx_str_t  json_type = ngx_string("application/json");

    rc = ngx_http_certauthz_text_request(r);

    if (rc != NGX_OK) {
        return rc;
    }

    /* ?format=json: the same samples for scripts */

    json = 0;

    if (ngx_http_arg(r, (u_char *) "format", 6, &format) == NGX_OK) {

        if (format.len == 4 && ngx_strncmp(format.data, "json", 4) == 0) {
            json = 1;

        } else if (format.len != 4
                   || ngx_strncmp(format.data, "text", 4) != 0)
        {
            return NGX_HTTP_BAD_REQUEST;
        }
    }

    out = ngx_certauthz_metrics_text(r->pool, json, &size);
    if (out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_certauthz_text_send(r, json ? &json_type : &text, out,
                                        size);
}
