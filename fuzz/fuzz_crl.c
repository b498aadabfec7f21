
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

static void fuzz_crl_same(const uint8_t *data, size_t size,
    ngx_certauthz_crl_file_t *file);
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

    file = ngx_certauthz_crl_file(&ctx.cf, &ctx.files.crls, &name, NULL);

    if (file != NULL) {
        if (file->set == NULL
            || file->set->crls.nelts == 0
            || ngx_certauthz_crl_file(&ctx.cf, &ctx.files.crls, &name, NULL)
               != file)
        {
            abort();
        }

        fuzz_crl_same(data, size, file);

        if (fuzz_leaf.len) {
            fuzz_crl_check(&ctx, file);
        }
    }

    fuzz_end(&ctx);

    return 0;
}


/*
 * The loader walks the DER itself and decodes it piece by piece: where
 * OpenSSL decodes the same input whole (one DER CRL), both must find the
 * same issuer, nextUpdate and revoked serials
 */

static void
fuzz_crl_same(const uint8_t *data, size_t size, ngx_certauthz_crl_file_t *file)
{
    int                     i, n;
    u_char                  key[NGX_CERTAUTHZ_SERIAL_KEY_LEN];
    size_t                  len;
    time_t                  next;
    X509_CRL               *x509_crl;
    const u_char           *p;
    ngx_uint_t              remove;
    X509_REVOKED           *entry;
    const ASN1_TIME        *t;
    ASN1_ENUMERATED        *reason;
    ngx_certauthz_crl_t    *crl;
    STACK_OF(X509_REVOKED) *revoked;

    p = data;
    x509_crl = d2i_X509_CRL(NULL, &p, size);

    if (x509_crl == NULL || p != data + size || file->set->crls.nelts != 1) {
        X509_CRL_free(x509_crl);
        ERR_clear_error();
        return;
    }

    crl = file->set->crls.elts;

    if (X509_NAME_cmp(crl->issuer, X509_CRL_get_issuer(x509_crl)) != 0) {
        abort();
    }

    t = X509_CRL_get0_nextUpdate(x509_crl);

    if ((t != NULL) != crl->has_next_update
        || (t != NULL
            && (ngx_certauthz_asn1_time(t, &next) != NGX_OK
                || next != crl->next_update)))
    {
        abort();
    }

    revoked = X509_CRL_get_REVOKED(x509_crl);
    n = revoked ? sk_X509_REVOKED_num(revoked) : 0;

    if (crl->serials.nelts > (ngx_uint_t) n) {
        abort();
    }

    /* a CRL that is never used keeps no serials */
    if (crl->flags & NGX_CERTAUTHZ_CRL_UNUSED) {
        if (crl->serials.nelts) {
            abort();
        }

        n = 0;
    }

    for (i = 0; i < n; i++) {
        entry = sk_X509_REVOKED_value(revoked, i);
        len = ngx_certauthz_crl_serial_key(
                  X509_REVOKED_get0_serialNumber(entry), key, sizeof(key));

        if (len == 0) {
            abort();
        }

        /* removeFromCRL revokes nothing: not among the serials */
        reason = X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, NULL, NULL);
        remove = (reason
                  && ASN1_ENUMERATED_get(reason) == CRL_REASON_REMOVE_FROM_CRL);
        ASN1_ENUMERATED_free(reason);

        if (!remove && !ngx_certauthz_set_has(&crl->serials, key, len)) {
            abort();
        }
    }

    X509_CRL_free(x509_crl);
    ERR_clear_error();
}


static void
fuzz_crl_check(fuzz_ctx_t *ctx, ngx_certauthz_crl_file_t *file)
{
    ngx_uint_t                 result, again, generation;
    const char                *err;
    ngx_array_t                files;
    fuzz_conn_t                fc;
    ngx_certauthz_conn_t      *conn;
    ngx_certauthz_crl_set_t   *first, *set;
    ngx_certauthz_file_err_t   fe;
    ngx_certauthz_crl_arena_t *arena;
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

    /*
     * the watcher's load of the file (as if it had changed): a new
     * generation of the store, which a request puts in force, and the
     * same verdict
     */

    first = file->set;
    generation = file->generation;

    arena = NULL;

    if (file->shm) {
        arena = ngx_certauthz_crl_shm_arena(file, ngx_cycle->log);
        if (arena == NULL) {
            abort();
        }
    }

    set = ngx_certauthz_crl_load(&file->path, ngx_cycle->log, &err, &fe,
                                 arena, NULL);
    if (set == NULL) {
        abort();
    }

    ngx_certauthz_crl_swap(file, set, err, &fe, ngx_cycle->log);

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
