
/*
 * certauthz: a CRL's signature checked when the CRL is loaded, with the
 * keys of the trusted CA certificates (ssl_client_certificate,
 * ssl_trusted_certificate) of the servers whose policies name its file:
 * a CRL that does not verify is said once per load, when it is loaded,
 * not when the first client of its issuer comes (and by each worker).
 * What the check gives is kept with the CRL as the request path would
 * have found it.  A CRL whose issuer only clients' chains bring is
 * checked on the request path, as before.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"


static ngx_int_t ngx_certauthz_crl_trust_store(X509_STORE *store,
    ngx_certauthz_crl_t *crl, ngx_uint_t *candidates);


/* a policy's files: the trusted CA certificates of the server it is in */

ngx_int_t
ngx_certauthz_crl_conf_trust(ngx_certauthz_crl_conf_t *conf,
    X509_STORE *store)
{
    ngx_uint_t                  i, j;
    X509_STORE                **s;
    ngx_certauthz_crl_file_t  **file;

    if (conf->files == NULL || store == NULL) {
        return NGX_OK;
    }

    file = conf->files->elts;

    for (i = 0; i < conf->files->nelts; i++) {

        s = file[i]->stores.elts;

        for (j = 0; j < file[i]->stores.nelts; j++) {
            if (s[j] == store) {
                break;
            }
        }

        if (j < file[i]->stores.nelts) {
            continue;
        }

        s = ngx_array_push(&file[i]->stores);
        if (s == NULL) {
            return NGX_ERROR;
        }

        *s = store;
    }

    return NGX_OK;
}


/*
 * The CRL checked with each trusted certificate of its issuer's name:
 * the first key it verifies with is kept (key_result NGX_OK); if there
 * are such certificates and it verifies with none, key_result is
 * NGX_DECLINED and sig_bad set.  With none, nothing changes.  May run in
 * a thread: it touches only the CRL and the stores (which lock).
 */

void
ngx_certauthz_crl_trust(ngx_array_t *stores, ngx_certauthz_crl_t *crl)
{
    ngx_int_t     rc;
    ngx_uint_t    i, candidates;
    X509_STORE  **store;

    candidates = 0;
    store = stores->elts;

    for (i = 0; i < stores->nelts; i++) {

        rc = ngx_certauthz_crl_trust_store(store[i], crl, &candidates);

        if (rc == NGX_OK || rc == NGX_ERROR) {
            /* verified; or an internal failure: the request path decides */
            return;
        }
    }

    if (candidates) {
        crl->key_result = NGX_DECLINED;
        crl->sig_bad = 1;
    }

    ERR_clear_error();
}


static ngx_int_t
ngx_certauthz_crl_trust_store(X509_STORE *store, ngx_certauthz_crl_t *crl,
    ngx_uint_t *candidates)
{
    int               i;
    X509             *cert;
    EVP_PKEY         *pkey;
    ngx_int_t         rc;
    unsigned int      n;
    X509_STORE_CTX   *ctx;
    STACK_OF(X509)   *certs;

    ctx = X509_STORE_CTX_new();
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    certs = NULL;
    rc = NGX_ERROR;

    if (X509_STORE_CTX_init(ctx, store, NULL, NULL) != 1) {
        goto done;
    }

    /* NULL: none of that name (or a failure, which is as good here) */
    certs = X509_STORE_CTX_get1_certs(ctx, crl->issuer);

    rc = NGX_DECLINED;

    for (i = 0; certs != NULL && i < sk_X509_num(certs); i++) {

        cert = sk_X509_value(certs, i);
        pkey = X509_get0_pubkey(cert);

        if (pkey == NULL
            || X509_pubkey_digest(cert, EVP_sha256(), crl->key, &n) != 1)
        {
            continue;
        }

        (*candidates)++;

        rc = ngx_certauthz_crl_sig_verify(&crl->sig, pkey);

        if (rc == NGX_OK) {
            crl->key_result = NGX_OK;
            crl->sig_bad = 0;
            break;
        }

        if (rc == NGX_ERROR) {
            crl->key_result = NGX_AGAIN;
            break;
        }
    }

done:

    sk_X509_pop_free(certs, X509_free);
    X509_STORE_CTX_free(ctx);

    ERR_clear_error();

    return rc;
}


/* at configuration: each CRL of each file checked with what is known now */

void
ngx_certauthz_crl_trust_files(ngx_array_t *files, ngx_log_t *log)
{
    ngx_uint_t                  i, j;
    ngx_certauthz_crl_t        *crl;
    ngx_certauthz_crl_file_t  **file;

    file = files->elts;

    for (i = 0; i < files->nelts; i++) {

        if (file[i]->set == NULL
            || file[i]->stores.nelts == file[i]->trusted)
        {
            continue;
        }

        file[i]->trusted = file[i]->stores.nelts;

        crl = file[i]->set->crls.elts;

        for (j = 0; j < file[i]->set->crls.nelts; j++) {
            if (crl[j].key_result != NGX_OK) {
                ngx_certauthz_crl_trust(&file[i]->stores, &crl[j]);
            }
        }

        ngx_certauthz_crl_trust_log(file[i], log);
    }
}


/* a CRL of the set in force that does not verify, said once per load */

void
ngx_certauthz_crl_trust_log(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    ngx_str_t             name;
    ngx_uint_t            i;
    ngx_pool_t           *pool;
    ngx_certauthz_crl_t  *crl;

    crl = file->set->crls.elts;
    pool = NULL;

    for (i = 0; i < file->set->crls.nelts; i++) {

        if (!crl[i].sig_bad || crl[i].warned) {
            continue;
        }

        crl[i].warned = 1;

        if (pool == NULL) {
            pool = ngx_create_pool(1024, log);
        }

        if (pool == NULL
            || ngx_certauthz_name_text(crl[i].issuer, pool, &name) != NGX_OK)
        {
            ngx_str_null(&name);
        }

        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "certauthz: the CRL of \"%V\" in \"%V\" does not "
                      "verify with the key of any trusted CA certificate "
                      "of that name, ignored: certificates of that issuer "
                      "are denied (crl-missing) unless another CRL covers "
                      "them", &name, &file->name);
    }

    if (pool != NULL) {
        ngx_destroy_pool(pool);
    }

    ERR_clear_error();
}
