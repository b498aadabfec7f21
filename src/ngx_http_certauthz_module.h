
/*
 * certauthz: the http module, for the files of the http face that need
 * its index.
 */


#ifndef _NGX_HTTP_CERTAUTHZ_MODULE_H_INCLUDED_
#define _NGX_HTTP_CERTAUTHZ_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


extern ngx_module_t  ngx_http_certauthz_module;


char *ngx_http_certauthz_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_CERTAUTHZ_MODULE_H_INCLUDED_ */
