
/*
 * certauthz fuzzing: the little of an nginx process that the engine needs
 * (a cycle, a log, pools, a configuration context, an SSL connection),
 * shared by the libFuzzer harnesses.
 */


#ifndef _FUZZ_COMMON_H_INCLUDED_
#define _FUZZ_COMMON_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_cert.h"
#include "ngx_certauthz_rule.h"
#include "ngx_certauthz_policy.h"


/* what one input works with; fuzz_begin() and fuzz_end() frame it */
typedef struct {
    ngx_pool_t               *pool;
    ngx_conf_t                cf;
    ngx_certauthz_files_t     files;
} fuzz_ctx_t;


/* a TLS connection whose peer presented a given certificate */
typedef struct {
    ngx_connection_t          c;
    ngx_ssl_connection_t      ssl;
} fuzz_conn_t;


extern ngx_log_t                  *fuzz_log;
extern ngx_str_t                   fuzz_dir;
extern ngx_certauthz_regex_ops_t   fuzz_regex_ops;


void fuzz_init(void);
void fuzz_lists(void);
X509 *fuzz_pki_cert(const char *name);
ngx_int_t fuzz_cert_der(X509 *x509, ngx_str_t *der);
ngx_int_t fuzz_rules(ngx_conf_t *cf, ngx_certauthz_files_t *files,
    char *text, ngx_uint_t deny, ngx_certauthz_policy_t *policy);
void fuzz_begin(fuzz_ctx_t *ctx);
void fuzz_end(fuzz_ctx_t *ctx);
ngx_int_t fuzz_write_file(ngx_str_t *path, const u_char *data, size_t size);

ngx_int_t fuzz_conn_open(fuzz_conn_t *fc, ngx_pool_t *pool, SSL_CTX *ssl_ctx,
    const u_char *der, size_t len, long verify);
void fuzz_conn_close(fuzz_conn_t *fc);

void *fuzz_compile(ngx_conf_t *cf, ngx_regex_compile_t *rc);


#endif /* _FUZZ_COMMON_H_INCLUDED_ */
