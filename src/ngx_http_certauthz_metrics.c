
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
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_certauthz_metrics_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_certauthz_metrics_handler(ngx_http_request_t *r)
{
    off_t         size;
    ngx_int_t     rc;
    ngx_chain_t  *out;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    out = ngx_certauthz_metrics_text(r->pool, &size);
    if (out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&r->headers_out.content_type,
                "text/plain; version=0.0.4; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = size;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, out);
}
