
/*
 * certauthz: CRLs checked per request: the connection's certificate looked
 * up by (issuer, serial) in the CRLs whose signature verifies with the key
 * of its issuer.  Loading and refreshing the files: ngx_certauthz_crl_load.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"


static ngx_int_t ngx_certauthz_crl_verdict(ngx_certauthz_crl_conf_t *conf,
    ngx_connection_t *c, ngx_certauthz_crl_verdict_t *v);
static ngx_int_t ngx_certauthz_crl_counts(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_t *crl, X509_NAME *name, SSL *ssl, X509 *leaf,
    X509 **issuer, ngx_log_t *log);
static ngx_int_t ngx_certauthz_crl_verify(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_t *crl, X509 *issuer, ngx_log_t *log);
static ngx_int_t ngx_certauthz_crl_issuer(SSL *ssl, X509 *leaf,
    X509 **issuer);


/*
 * The revocation state of the connection's certificate: revoked,
 * missing (no CRL that verifies covers its issuer), stale (the covering
 * CRLs are past their nextUpdate) or OK.  The work of finding the issuer
 * and checking signatures is done once per connection and CRL set; what
 * stays per request is the refresh check and the clock.
 */

ngx_int_t
ngx_certauthz_crl_check(ngx_certauthz_crl_conf_t *conf, ngx_connection_t *c,
    ngx_certauthz_crl_verdict_t *v, ngx_uint_t *result)
{
    ngx_uint_t  generation;

    generation = ngx_certauthz_crl_generation(conf);

    if (v->files != conf->files || v->generation != generation) {
        if (ngx_certauthz_crl_verdict(conf, c, v) != NGX_OK) {
            return NGX_ERROR;
        }

        v->generation = generation;
    }

    *result = v->result;

    if (*result == NGX_CERTAUTHZ_CRL_OK
        && v->limited
        && ngx_time() >= v->fresh_until)
    {
        *result = NGX_CERTAUTHZ_CRL_STALE;
    }

    return NGX_OK;
}


/*
 * The generation of a list of files, each with what the host published
 * last in force here: generations only grow, so their sum changes
 * whenever one of the files is loaded again.  Loading is the watch's
 * business (ngx_certauthz_crl_watch.c), never a request's.
 */

ngx_uint_t
ngx_certauthz_crl_generation(ngx_certauthz_crl_conf_t *conf)
{
    ngx_uint_t                  i, generation;
    ngx_certauthz_crl_file_t  **file;

    file = conf->files->elts;
    generation = 0;

    for (i = 0; i < conf->files->nelts; i++) {

        if (file[i]->published != NULL
            && *file[i]->published != file[i]->seen)
        {
            ngx_certauthz_crl_shm_follow(file[i], ngx_cycle->log);
        }

        generation += file[i]->generation;
    }

    return generation;
}


/* how soon a face looks again at the generation of a list of files */

ngx_msec_t
ngx_certauthz_crl_poll(ngx_certauthz_crl_conf_t *conf)
{
    return ngx_min(conf->refresh, NGX_CERTAUTHZ_CRL_POLL);
}


/* the verdict of all the CRLs of all the files, as one set of CRLs */

static ngx_int_t
ngx_certauthz_crl_verdict(ngx_certauthz_crl_conf_t *conf, ngx_connection_t *c,
    ngx_certauthz_crl_verdict_t *v)
{
    SSL                  *ssl;
    X509                 *leaf, *issuer;
    size_t                len;
    time_t                fresh_until;
    u_char                key[NGX_CERTAUTHZ_SERIAL_KEY_LEN];
    ngx_int_t             rc;
    ngx_uint_t            f, i, usable, revoked, forever, limited;
    X509_NAME            *name;
    ngx_certauthz_crl_t  *crl;

    ngx_certauthz_crl_file_t  **file;

    ssl = c->ssl->connection;

    leaf = SSL_get_peer_certificate(ssl);
    if (leaf == NULL) {
        return NGX_ERROR;
    }

    name = X509_get_issuer_name(leaf);
    len = ngx_certauthz_crl_serial_key(X509_get0_serialNumber(leaf), key,
                                       sizeof(key));

    issuer = NULL;
    usable = 0;
    revoked = 0;
    forever = 0;
    limited = 0;
    fresh_until = 0;
    rc = NGX_OK;

    file = conf->files->elts;

    for (f = 0; rc == NGX_OK && f < conf->files->nelts; f++) {

        crl = file[f]->set->crls.elts;

        for (i = 0; i < file[f]->set->crls.nelts; i++) {

            rc = ngx_certauthz_crl_counts(file[f], &crl[i], name, ssl, leaf,
                                          &issuer, c->log);

            if (rc == NGX_DECLINED) {
                rc = NGX_OK;
                continue;
            }

            if (rc != NGX_OK) {
                break;
            }

            if (len == 0) {
                ngx_log_error(NGX_LOG_INFO, c->log, 0,
                              "certauthz: the serial of the client "
                              "certificate is longer than 1024 bytes, no CRL "
                              "can be applied");
                rc = NGX_DONE;
                break;
            }

            usable++;

            if (ngx_certauthz_set_has(&crl[i].serials, key, len)) {
                revoked = 1;
            }

            if (!crl[i].has_next_update) {
                forever = 1;

            } else if (!limited || crl[i].next_update > fresh_until) {
                limited = 1;
                fresh_until = crl[i].next_update;
            }
        }
    }

    if (issuer) {
        X509_free(issuer);
    }

    X509_free(leaf);

    /* an internal failure is no verdict: the next request tries again */

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    v->files = conf->files;
    v->limited = limited && !forever;
    v->fresh_until = fresh_until;
    v->result = revoked ? NGX_CERTAUTHZ_CRL_REVOKED
                : usable ? NGX_CERTAUTHZ_CRL_OK
                : NGX_CERTAUTHZ_CRL_MISSING;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, c->log, 0,
                   "certauthz: CRL verdict %ui from %ui usable CRLs of "
                   "%ui files", v->result, usable, conf->files->nelts);

    return NGX_OK;
}


/*
 * Whether a CRL of the set counts for the leaf: NGX_OK if it is its
 * issuer's and verifies with its key, NGX_DECLINED if not, NGX_DONE if no
 * CRL can (the issuer is unknown: logged), NGX_ERROR on an internal
 * failure (logged).  *issuer is looked up once, for the first CRL that
 * names the leaf's issuer, and kept for the next ones.
 */

static ngx_int_t
ngx_certauthz_crl_counts(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_t *crl, X509_NAME *name, SSL *ssl, X509 *leaf,
    X509 **issuer, ngx_log_t *log)
{
    int        n;
    ngx_int_t  rc;

    n = X509_NAME_cmp(crl->issuer, name);

    if (n == -2) {
        /* it could not encode a name: memory, not a mismatch */
        ngx_ssl_error(NGX_LOG_ALERT, log, 0,
                      "certauthz: cannot compare the issuer of the client "
                      "certificate with a CRL's");
        return NGX_ERROR;
    }

    if (n != 0) {
        return NGX_DECLINED;
    }

    if (*issuer == NULL) {
        rc = ngx_certauthz_crl_issuer(ssl, leaf, issuer);

        if (rc == NGX_ERROR) {
            ngx_ssl_error(NGX_LOG_ALERT, log, 0,
                          "certauthz: cannot look up the issuer of the "
                          "client certificate");
            return NGX_ERROR;
        }

        if (rc == NGX_DECLINED) {
            ngx_log_error(NGX_LOG_INFO, log, 0,
                          "certauthz: the issuer of the client certificate "
                          "is unknown, its CRL cannot be verified");
            return NGX_DONE;
        }
    }

    return ngx_certauthz_crl_verify(file, crl, *issuer, log);
}


/*
 * The leaf's issuer: from the verified chain, else the trusted store;
 * NGX_DECLINED if there is none, NGX_ERROR on an internal failure.
 */

static ngx_int_t
ngx_certauthz_crl_issuer(SSL *ssl, X509 *leaf, X509 **issuer)
{
    int              rc;
    X509_STORE      *store;
    X509_STORE_CTX  *ctx;
    STACK_OF(X509)  *chain;

    *issuer = NULL;

    chain = SSL_get0_verified_chain(ssl);

    if (chain != NULL && sk_X509_num(chain) > 1) {
        *issuer = sk_X509_value(chain, 1);
        X509_up_ref(*issuer);
        return NGX_OK;
    }

    /* a resumed session carries the certificate, but no chain */

    store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
    if (store == NULL) {
        return NGX_DECLINED;
    }

    ERR_clear_error();

    ctx = X509_STORE_CTX_new();
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    rc = X509_STORE_CTX_init(ctx, store, leaf, NULL);

    if (rc == 1) {
        /* 1: found, 0: not found, -1: failed */
        rc = X509_STORE_CTX_get1_issuer(issuer, ctx, leaf);
    }

    X509_STORE_CTX_free(ctx);

    if (rc < 0 || (rc == 0 && ngx_certauthz_ssl_oom())) {
        *issuer = NULL;
        return NGX_ERROR;
    }

    ERR_clear_error();

    if (rc != 1) {
        *issuer = NULL;
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * Whether a CRL verifies with the issuer's key: NGX_OK or NGX_DECLINED,
 * remembered per CRL and issuer key, or NGX_ERROR on an internal failure
 * (logged), which is not remembered: the next request tries again.
 */

static ngx_int_t
ngx_certauthz_crl_verify(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_t *crl, X509 *issuer, ngx_log_t *log)
{
    u_char         key[32];
    ngx_int_t      rc;
    unsigned int   n;
    EVP_PKEY      *pkey;

    if (X509_pubkey_digest(issuer, EVP_sha256(), key, &n) != 1) {
        goto failed;
    }

    if (crl->key_result != NGX_AGAIN
        && ngx_memcmp(crl->key, key, sizeof(key)) == 0)
    {
        return crl->key_result;
    }

    pkey = X509_get0_pubkey(issuer);

    ERR_clear_error();

    /* an unsupported algorithm, or a key of another kind: does not verify */

    rc = (pkey == NULL) ? NGX_DECLINED
                        : ngx_certauthz_crl_sig_verify(&crl->sig, pkey);

    if (rc == NGX_ERROR) {
        goto failed;
    }

    ERR_clear_error();

    ngx_memcpy(crl->key, key, sizeof(key));
    crl->key_result = rc;

    if (crl->key_result != NGX_OK && !crl->warned) {
        crl->warned = 1;
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "certauthz: a CRL in \"%V\" does not verify with the "
                      "key of its issuer, ignored", &file->path);
    }

    return crl->key_result;

failed:

    ngx_ssl_error(NGX_LOG_ALERT, log, 0,
                  "certauthz: cannot check the signature of a CRL in \"%V\"",
                  &file->path);

    return NGX_ERROR;
}
