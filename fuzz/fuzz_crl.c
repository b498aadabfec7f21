
/*
 * certauthz fuzzing: the CRL loader.  The input is a CRL file (PEM or
 * DER, one or more CRLs), loaded as certauthz_crl loads it.  Where
 * fuzz/mkcorpus.sh made a PKI, a file that loads is then checked against
 * its client certificate (issuer from the trusted store, signature,
 * serial lookup, nextUpdate), and loaded again as a worker's refresh
 * would, replacing the first set.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "fuzz_common.h"


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_crl_check(fuzz_ctx_t *ctx, ngx_certauthz_crl_file_t *file);


static SSL_CTX    *fuzz_ssl_ctx;
static ngx_str_t   fuzz_leaf;
static u_char      fuzz_path_buf[512];
static ngx_str_t   fuzz_path;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    X509  *ca, *leaf;

    fuzz_init();

    fuzz_path.data = fuzz_path_buf;
    fuzz_path.len = ngx_snprintf(fuzz_path_buf, sizeof(fuzz_path_buf) - 1,
                                 "%Vcrl%Z", &fuzz_dir)
                    - fuzz_path_buf - 1;

    fuzz_ssl_ctx = SSL_CTX_new(TLS_server_method());
    if (fuzz_ssl_ctx == NULL) {
        abort();
    }

    ca = fuzz_pki_cert("ca.crt");
    leaf = fuzz_pki_cert("leaf.crt");

    if (ca == NULL || leaf == NULL) {
        fprintf(stderr, "fuzz_crl: no $CERTAUTHZ_FUZZ_PKI/{ca,leaf}.crt, "
                "CRLs are loaded, not checked\n");
        return 0;
    }

    /* what ssl_client_certificate gives the server */
    if (X509_STORE_add_cert(SSL_CTX_get_cert_store(fuzz_ssl_ctx), ca) != 1
        || fuzz_cert_der(leaf, &fuzz_leaf) != NGX_OK)
    {
        abort();
    }

    X509_free(ca);
    X509_free(leaf);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngx_str_t                  name;
    fuzz_ctx_t                 ctx;
    ngx_certauthz_crl_file_t  *file;

    if (fuzz_write_file(&fuzz_path, data, size) != NGX_OK) {
        abort();
    }

    fuzz_begin(&ctx);

    ngx_str_set(&name, "crl");

    file = ngx_certauthz_crl_file(&ctx.cf, &ctx.files.crls, &name);

    if (file != NULL) {
        if (file->set == NULL
            || file->set->crls.nelts == 0
            || ngx_certauthz_crl_file(&ctx.cf, &ctx.files.crls, &name) != file)
        {
            abort();
        }

        if (fuzz_leaf.len) {
            fuzz_crl_check(&ctx, file);
        }
    }

    fuzz_end(&ctx);

    return 0;
}


static void
fuzz_crl_check(fuzz_ctx_t *ctx, ngx_certauthz_crl_file_t *file)
{
    ngx_uint_t                 result, again, generation;
    ngx_array_t                files;
    fuzz_conn_t                fc;
    ngx_certauthz_conn_t      *conn;
    ngx_certauthz_crl_set_t   *first;
    ngx_certauthz_crl_conf_t  *conf;
    ngx_certauthz_policy_t     policy;
    ngx_certauthz_decision_t   d;

    if (fuzz_conn_open(&fc, ctx->pool, fuzz_ssl_ctx, fuzz_leaf.data,
                       fuzz_leaf.len, X509_V_OK)
        != NGX_OK)
    {
        abort();
    }

    conn = ngx_certauthz_conn_get(&fc.c);
    if (conn == NULL) {
        abort();
    }

    ngx_certauthz_policy_init(&policy);
    policy.mode = NGX_CERTAUTHZ_ON;

    /* one file, as a certauthz_crl directive makes it */
    files.elts = &file;
    files.nelts = 1;
    files.size = sizeof(ngx_certauthz_crl_file_t *);
    files.nalloc = 1;
    files.pool = ctx->pool;

    conf = &policy.crl;
    conf->files = &files;
    conf->refresh = 0;
    conf->stale_allow = 0;

    if (ngx_certauthz_crl_check(conf, &fc.c, &conn->crl, &result) != NGX_OK
        || ngx_certauthz_crl_check(conf, &fc.c, &conn->crl, &again)
           != NGX_OK
        || result != again
        || result > NGX_CERTAUTHZ_CRL_STALE)
    {
        abort();
    }

    /* the rules are not consulted for a revoked certificate */

    if (ngx_certauthz_decide(&policy, fuzz_ssl_ctx, &fc.c, conn,
                             &fuzz_regex_ops, &d)
        != NGX_OK
        || (result == NGX_CERTAUTHZ_CRL_REVOKED
            && (d.allow || d.reason != NGX_CERTAUTHZ_REASON_REVOKED))
        || (result == NGX_CERTAUTHZ_CRL_OK && !d.allow))
    {
        abort();
    }

    /* a worker's refresh: the file looks changed, the set is replaced */

    first = file->set;
    generation = file->generation;

    conf->refresh = 1;
    file->checked = ngx_current_msec - 1000;
    file->size = -1;

    if (ngx_certauthz_crl_check(conf, &fc.c, &conn->crl, &again) != NGX_OK
        || file->generation != generation + 1
        || file->set == first
        || again != result)
    {
        abort();
    }

    /* a worker keeps the last set until it exits: free it here */
    ngx_destroy_pool(file->set->pool);
    file->set = NULL;

    fuzz_conn_close(&fc);
}
