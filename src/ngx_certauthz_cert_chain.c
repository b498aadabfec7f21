
/*
 * certauthz: the fields of the chain a client certificate was verified
 * through: ca (the CA certificates' subjects), ca_fingerprint and depth.
 *
 * A full handshake leaves the verified chain with the connection.  A
 * resumed session carries the client's certificate only: the chain is
 * built again from the server's trusted CA certificates, as the CRL check
 * finds an issuer, and where it cannot be (an intermediate that only the
 * client sent), the fields are unknown, never empty.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_cert.h"


static ngx_int_t ngx_certauthz_cert_chain_build(SSL *ssl, X509 *leaf,
    STACK_OF(X509) **chain);
static ngx_int_t ngx_certauthz_cert_chain_fields(STACK_OF(X509) *chain,
    ngx_pool_t *pool, ngx_certauthz_cert_t *cert);


ngx_int_t
ngx_certauthz_cert_chain(SSL *ssl, X509 *leaf, ngx_pool_t *pool,
    ngx_certauthz_cert_t *cert)
{
    ngx_int_t        rc;
    STACK_OF(X509)  *chain, *built;

    chain = SSL_get0_verified_chain(ssl);

    if (chain != NULL && sk_X509_num(chain) > 0) {
        return ngx_certauthz_cert_chain_fields(chain, pool, cert);
    }

    rc = ngx_certauthz_cert_chain_build(ssl, leaf, &built);

    if (rc == NGX_DECLINED) {
        ngx_certauthz_cert_slot(cert, NGX_CERTAUTHZ_FIELD_CA)->unknown = 1;
        ngx_certauthz_cert_slot(cert, NGX_CERTAUTHZ_FIELD_CA_FINGERPRINT)
            ->unknown = 1;
        ngx_certauthz_cert_slot(cert, NGX_CERTAUTHZ_FIELD_DEPTH)->unknown = 1;
        return NGX_OK;
    }

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    rc = ngx_certauthz_cert_chain_fields(built, pool, cert);

    sk_X509_pop_free(built, X509_free);

    return rc;
}


/*
 * The chain of a resumed session, built and verified again with the
 * store and the verification parameters of the connection's SSL_CTX (the
 * certificate's own dates are checked per request, not here).
 * NGX_DECLINED where it cannot be built.
 */

static ngx_int_t
ngx_certauthz_cert_chain_build(SSL *ssl, X509 *leaf, STACK_OF(X509) **chain)
{
    int              rc, oom;
    X509_STORE      *store;
    X509_STORE_CTX  *ctx;

    *chain = NULL;

    store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
    if (store == NULL) {
        return NGX_DECLINED;
    }

    ERR_clear_error();

    ctx = X509_STORE_CTX_new();
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (X509_STORE_CTX_init(ctx, store, leaf, NULL) != 1
        || X509_STORE_CTX_set_default(ctx, "ssl_client") != 1
        || X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(ctx),
                                  SSL_get0_param(ssl))
           != 1)
    {
        X509_STORE_CTX_free(ctx);
        return NGX_ERROR;
    }

    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
                                X509_V_FLAG_NO_CHECK_TIME);

    rc = X509_verify_cert(ctx);

    if (rc == 1) {
        *chain = X509_STORE_CTX_get1_chain(ctx);
    }

    /*
     * out of memory is an internal failure; OpenSSL 3.0 reports some of
     * it as "no issuer", which leaves the chain unknown (denied)
     */

    oom = (X509_STORE_CTX_get_error(ctx) == X509_V_ERR_OUT_OF_MEM);

    X509_STORE_CTX_free(ctx);

    if (rc == 1 && *chain != NULL) {
        return NGX_OK;
    }

    if (oom || ngx_certauthz_ssl_oom()) {
        return NGX_ERROR;
    }

    ERR_clear_error();

    return NGX_DECLINED;
}


static ngx_int_t
ngx_certauthz_cert_chain_fields(STACK_OF(X509) *chain, ngx_pool_t *pool,
    ngx_certauthz_cert_t *cert)
{
    int                     i, n;
    u_char                  text[NGX_INT_T_LEN + 1], *p;
    X509                   *x;
    ngx_certauthz_value_t  *ca, *fp;

    n = sk_X509_num(chain);

    p = ngx_sprintf(text, "%d", n);
    *p = '\0';

    if (ngx_certauthz_cert_copy((char *) text, 0, pool,
                            ngx_certauthz_cert_slot(cert,
                                                    NGX_CERTAUTHZ_FIELD_DEPTH))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (n < 2) {
        return NGX_OK;
    }

    ca = ngx_certauthz_cert_values(pool,
                    ngx_certauthz_cert_slot(cert, NGX_CERTAUTHZ_FIELD_CA),
                    n - 1);
    fp = ngx_certauthz_cert_values(pool,
                    ngx_certauthz_cert_slot(cert,
                                            NGX_CERTAUTHZ_FIELD_CA_FINGERPRINT),
                    n - 1);
    if (ca == NULL || fp == NULL) {
        return NGX_ERROR;
    }

    /* from the leaf's issuer up to the trust anchor */

    for (i = 1; i < n; i++) {
        x = sk_X509_value(chain, i);

        if (ngx_certauthz_name_text(X509_get_subject_name(x), pool,
                                    &ca[i - 1].str)
            != NGX_OK
            || ngx_certauthz_cert_digest(x, pool, &fp[i - 1].str) != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}
