
/*
 * certauthz: CRL files, loaded at configuration time, re-read by each
 * worker when they change, checked per request by (issuer, serial).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"

#if (NGX_LINUX)
#include <malloc.h>
#endif


static void ngx_certauthz_crl_refresh(ngx_certauthz_crl_conf_t *conf,
    ngx_log_t *log);
static ngx_certauthz_crl_set_t *ngx_certauthz_crl_load(ngx_str_t *path,
    ngx_log_t *log, const char **err);
static size_t ngx_certauthz_crl_der_len(const u_char *p, size_t size);
static ngx_int_t ngx_certauthz_crl_add(ngx_certauthz_crl_set_t *set,
    u_char *der, size_t len, const char **err);
static void ngx_certauthz_crl_file_cleanup(void *data);
static void ngx_certauthz_crl_set_free(ngx_certauthz_crl_set_t *set);
static void ngx_certauthz_crl_trim(void);
static void ngx_certauthz_crl_name_cleanup(void *data);
static ngx_int_t ngx_certauthz_crl_verdict(ngx_certauthz_crl_file_t *file,
    ngx_connection_t *c, ngx_certauthz_crl_verdict_t *v);
static ngx_int_t ngx_certauthz_crl_verify(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_t *crl, X509 *issuer, ngx_log_t *log);
static ngx_int_t ngx_certauthz_crl_issuer(SSL *ssl, X509 *leaf,
    X509 **issuer);
static size_t ngx_certauthz_crl_serial_key(const ASN1_INTEGER *serial,
    u_char *key, size_t size);


/*
 * a serial key: a sign byte, then the magnitude without leading zeros;
 * RFC 5280 allows 20 bytes, OpenSSL any number: a CRL that lists a longer
 * serial is refused, and a certificate with one gets no CRL verdict
 * (crl-missing), so that no revoked certificate ever passes unseen
 */
#define NGX_CERTAUTHZ_SERIAL_KEY_LEN  (1 + 1024)


/*
 * The file of a certauthz_crl directive: the same path in several
 * locations is one file, loaded once per configuration and per worker.
 */

ngx_certauthz_crl_file_t *
ngx_certauthz_crl_file(ngx_conf_t *cf, ngx_array_t *files, ngx_str_t *path)
{
    ngx_str_t                   full;
    ngx_uint_t                  i;
    const char                 *err;
    ngx_file_info_t             fi;
    ngx_pool_cleanup_t         *cln;
    ngx_certauthz_crl_file_t  **file, *f;

    full = *path;

    if (ngx_conf_full_name(cf->cycle, &full, 1) != NGX_OK) {
        return NULL;
    }

    file = files->elts;

    for (i = 0; i < files->nelts; i++) {
        if (file[i]->path.len == full.len
            && ngx_strncmp(file[i]->path.data, full.data, full.len) == 0)
        {
            return file[i];
        }
    }

    f = ngx_pcalloc(cf->pool, sizeof(ngx_certauthz_crl_file_t));
    if (f == NULL) {
        return NULL;
    }

    f->path = full;

    if (ngx_file_info(full.data, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_file_info_n " CRL file \"%V\" failed",
                           &full);
        return NULL;
    }

    f->mtime = ngx_file_mtime(&fi);
    f->size = ngx_file_size(&fi);
    f->uniq = ngx_file_uniq(&fi);
    f->checked = ngx_current_msec;

    f->set = ngx_certauthz_crl_load(&full, cf->log, &err);

    ngx_certauthz_crl_trim();

    if (f->set == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cannot load CRL file \"%V\": %s", &full, err);
        return NULL;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_certauthz_crl_set_free(f->set);
        return NULL;
    }

    /* frees whichever set is current when the cycle goes */
    cln->handler = ngx_certauthz_crl_file_cleanup;
    cln->data = f;

    file = ngx_array_push(files);
    if (file == NULL) {
        return NULL;
    }

    *file = f;

    return f;
}


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
    ngx_certauthz_crl_file_t  *file;

    file = conf->file;

    ngx_certauthz_crl_refresh(conf, c->log);

    if (v->file != file || v->generation != file->generation) {
        if (ngx_certauthz_crl_verdict(file, c, v) != NGX_OK) {
            return NGX_ERROR;
        }
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


static ngx_int_t
ngx_certauthz_crl_verdict(ngx_certauthz_crl_file_t *file, ngx_connection_t *c,
    ngx_certauthz_crl_verdict_t *v)
{
    int                   n;
    SSL                  *ssl;
    X509                 *leaf, *issuer;
    size_t                len;
    time_t                fresh_until;
    u_char                key[NGX_CERTAUTHZ_SERIAL_KEY_LEN];
    ngx_int_t             rc;
    ngx_uint_t            i, usable, revoked, forever, limited;
    X509_NAME            *name;
    ngx_certauthz_crl_t  *crl;

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

    crl = file->set->crls.elts;

    for (i = 0; i < file->set->crls.nelts; i++) {

        n = X509_NAME_cmp(crl[i].issuer, name);

        if (n == -2) {
            /* it could not encode a name: memory, not a mismatch */
            ngx_ssl_error(NGX_LOG_ALERT, c->log, 0,
                          "certauthz: cannot compare the issuer of the "
                          "client certificate with a CRL's");
            rc = NGX_ERROR;
            break;
        }

        if (n != 0) {
            continue;
        }

        if (issuer == NULL) {
            rc = ngx_certauthz_crl_issuer(ssl, leaf, &issuer);

            if (rc == NGX_ERROR) {
                ngx_ssl_error(NGX_LOG_ALERT, c->log, 0,
                              "certauthz: cannot look up the issuer of the "
                              "client certificate");
                break;
            }

            if (rc == NGX_DECLINED) {
                rc = NGX_OK;
                ngx_log_error(NGX_LOG_INFO, c->log, 0,
                              "certauthz: the issuer of the client "
                              "certificate is unknown, its CRL cannot be "
                              "verified");
                break;
            }
        }

        rc = ngx_certauthz_crl_verify(file, &crl[i], issuer, c->log);

        if (rc == NGX_ERROR) {
            break;
        }

        if (rc == NGX_DECLINED) {
            rc = NGX_OK;
            continue;
        }

        if (len == 0) {
            ngx_log_error(NGX_LOG_INFO, c->log, 0,
                          "certauthz: the serial of the client certificate "
                          "is longer than 1024 bytes, no CRL can be applied");
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

    if (issuer) {
        X509_free(issuer);
    }

    X509_free(leaf);

    /* an internal failure is no verdict: the next request tries again */

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    v->file = file;
    v->generation = file->generation;
    v->limited = limited && !forever;
    v->fresh_until = fresh_until;
    v->result = revoked ? NGX_CERTAUTHZ_CRL_REVOKED
                : usable ? NGX_CERTAUTHZ_CRL_OK
                : NGX_CERTAUTHZ_CRL_MISSING;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, c->log, 0,
                   "certauthz: CRL verdict %ui from %ui usable CRLs of "
                   "\"%V\"", v->result, usable, &file->path);

    return NGX_OK;
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
    int            rc;
    u_char         key[32];
    unsigned int   n;
    EVP_PKEY      *pkey;
    EVP_PKEY_CTX  *ctx;

    if (X509_pubkey_digest(issuer, EVP_sha256(), key, &n) != 1) {
        goto failed;
    }

    if (crl->key_result != NGX_AGAIN
        && ngx_memcmp(crl->key, key, sizeof(key)) == 0)
    {
        return crl->key_result;
    }

    rc = 0;
    pkey = X509_get0_pubkey(issuer);

    ERR_clear_error();

    /* an unsupported algorithm, or a key of another kind: does not verify */

    if (crl->md != NULL && pkey != NULL
        && EVP_PKEY_get_base_id(pkey) == crl->pkey_type)
    {
        ctx = EVP_PKEY_CTX_new(pkey, NULL);
        if (ctx == NULL) {
            goto failed;
        }

        if (EVP_PKEY_verify_init(ctx) == 1
            && EVP_PKEY_CTX_set_signature_md(ctx, crl->md) == 1)
        {
            /* 1: verifies, 0: does not, < 0: cannot tell (bad encoding) */
            rc = EVP_PKEY_verify(ctx, crl->sig, crl->sig_len, crl->digest,
                                 crl->digest_len);
        }

        EVP_PKEY_CTX_free(ctx);

        if (rc != 1 && ngx_certauthz_ssl_oom()) {
            goto failed;
        }
    }

    ERR_clear_error();

    ngx_memcpy(crl->key, key, sizeof(key));
    crl->key_result = (rc == 1) ? NGX_OK : NGX_DECLINED;

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


static size_t
ngx_certauthz_crl_serial_key(const ASN1_INTEGER *serial, u_char *key,
    size_t size)
{
    int            len;
    const u_char  *data;

    data = ASN1_STRING_get0_data(serial);
    len = ASN1_STRING_length(serial);

    while (len > 0 && *data == 0) {
        data++;
        len--;
    }

    if ((size_t) len + 1 > size) {
        return 0;
    }

    key[0] = (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER);
    ngx_memcpy(key + 1, data, len);

    return len + 1;
}


/*
 * At most every "refresh" a worker looks at the file; a changed one is
 * loaded whole into a new set, which replaces the old one between
 * requests; a file that cannot be loaded leaves the last good set in
 * force.
 */

static void
ngx_certauthz_crl_refresh(ngx_certauthz_crl_conf_t *conf, ngx_log_t *log)
{
    const char                *err;
    ngx_file_info_t            fi;
    ngx_certauthz_crl_set_t   *set;
    ngx_certauthz_crl_file_t  *file;

    file = conf->file;

    if (conf->refresh == 0
        || (ngx_msec_int_t) (ngx_current_msec - file->checked)
           < (ngx_msec_int_t) conf->refresh)
    {
        return;
    }

    file->checked = ngx_current_msec;

    if (ngx_file_info(file->path.data, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "certauthz: " ngx_file_info_n " CRL file \"%V\" "
                      "failed, the last good CRLs stay in force",
                      &file->path);
        return;
    }

    if (ngx_file_mtime(&fi) == file->mtime
        && ngx_file_size(&fi) == file->size
        && ngx_file_uniq(&fi) == file->uniq)
    {
        return;
    }

    file->mtime = ngx_file_mtime(&fi);
    file->size = ngx_file_size(&fi);
    file->uniq = ngx_file_uniq(&fi);

    /* the set outlives the request: it logs to the cycle's log */
    set = ngx_certauthz_crl_load(&file->path, ngx_cycle->log, &err);

    if (set == NULL) {
        ngx_certauthz_crl_trim();
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "certauthz: cannot load CRL file \"%V\": %s, "
                      "the last good CRLs stay in force", &file->path, err);
        return;
    }

    /*
     * Nothing keeps a pointer into a set past the request that checks it
     * (connections remember the generation only), so the old set goes now.
     */

    ngx_certauthz_crl_set_free(file->set);

    file->set = set;
    file->generation++;

    ngx_certauthz_crl_trim();

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "certauthz: loaded CRL file \"%V\": %ui CRLs, "
                  "%ui revoked certificates", &file->path,
                  set->crls.nelts, set->nentries);
}


/* PEM (one or more CRLs) or DER; NULL with *err set on any failure */

static ngx_certauthz_crl_set_t *
ngx_certauthz_crl_load(ngx_str_t *path, ngx_log_t *log, const char **err)
{
    BIO                      *bio;
    long                      len;
    char                     *name, *header;
    u_char                   *buf, *der;
    off_t                     size;
    ssize_t                   n;
    ngx_fd_t                  fd;
    ngx_int_t                 rc;
    ngx_pool_t               *pool;
    ngx_file_info_t           fi;
    const u_char             *p, *last;
    ngx_certauthz_crl_set_t  *set;

    *err = "out of memory";
    buf = NULL;
    set = NULL;

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, log);
    if (pool == NULL) {
        return NULL;
    }

    set = ngx_pcalloc(pool, sizeof(ngx_certauthz_crl_set_t));
    if (set == NULL
        || ngx_array_init(&set->crls, pool, 4, sizeof(ngx_certauthz_crl_t))
           != NGX_OK)
    {
        ngx_destroy_pool(pool);
        return NULL;
    }

    set->pool = pool;

    fd = ngx_open_file(path->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        *err = "cannot open it";
        goto failed;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        *err = "cannot stat it";
        ngx_close_file(fd);
        goto failed;
    }

    size = ngx_file_size(&fi);

    buf = ngx_alloc(size + 1, log);
    if (buf == NULL) {
        ngx_close_file(fd);
        goto failed;
    }

    n = ngx_read_fd(fd, buf, size);
    ngx_close_file(fd);

    if (n != size) {
        *err = "cannot read it";
        goto failed;
    }

    buf[size] = '\0';

    if (ngx_strstrn(buf, "-----BEGIN", sizeof("-----BEGIN") - 2) != NULL) {

        bio = BIO_new_mem_buf(buf, size);
        if (bio == NULL) {
            goto failed;
        }

        /* the DER of each block, so the signed part is digested as is */

        while (PEM_read_bio(bio, &name, &header, &der, &len) == 1) {

            rc = NGX_OK;

            if (ngx_strcmp(name, PEM_STRING_X509_CRL) == 0) {
                rc = ngx_certauthz_crl_add(set, der, len, err);

                if (rc == NGX_DECLINED) {
                    *err = "a PEM CRL in it is damaged";
                }
            }

            OPENSSL_free(name);
            OPENSSL_free(header);
            OPENSSL_free(der);

            if (rc != NGX_OK) {
                BIO_free(bio);
                goto failed;
            }
        }

        BIO_free(bio);

        /* the end of the input is "no start line"; anything else is not */
        if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE) {
            *err = "a PEM CRL in it is damaged";
            goto failed;
        }

        if (set->crls.nelts == 0) {
            *err = "no CRL in it";
            goto failed;
        }

    } else {

        p = buf;
        last = buf + size;

        while (p < last) {
            len = ngx_certauthz_crl_der_len(p, last - p);

            rc = NGX_DECLINED;

            if (len) {
                rc = ngx_certauthz_crl_add(set, (u_char *) p, len, err);
            }

            if (rc == NGX_DECLINED) {
                *err = "it is neither a PEM nor a valid DER CRL";
                goto failed;
            }

            if (rc != NGX_OK) {
                goto failed;
            }

            p += len;
        }

        if (set->crls.nelts == 0) {
            *err = "no CRL in it";
            goto failed;
        }
    }

    ERR_clear_error();
    ngx_free(buf);

    return set;

failed:

    ERR_clear_error();

    if (buf) {
        ngx_free(buf);
    }

    ngx_certauthz_crl_set_free(set);

    return NULL;
}


/* the length of the DER element at p, 0 if there is none */

static size_t
ngx_certauthz_crl_der_len(const u_char *p, size_t size)
{
    int            tag, class;
    long           len;
    const u_char  *start;

    start = p;

    if (ASN1_get_object(&p, &len, &tag, &class, size) & 0x80) {
        ERR_clear_error();
        return 0;
    }

    return (p - start) + len;
}


/* one DER CRL into the set; NGX_DECLINED if it cannot be decoded */

static ngx_int_t
ngx_certauthz_crl_add(ngx_certauthz_crl_set_t *set, u_char *der, size_t len,
    const char **err)
{
    int                        i, n, md_nid, pkey_nid;
    long                       outer;
    u_char                     key[NGX_CERTAUTHZ_SERIAL_KEY_LEN];
    size_t                     size, tbs_len;
    X509_CRL                  *x509_crl;
    ngx_int_t                  rc;
    const u_char              *p, *tbs;
    const ASN1_TIME           *next;
    const X509_ALGOR          *alg;
    const ASN1_OBJECT         *obj;
    ngx_pool_cleanup_t        *cln;
    ngx_certauthz_crl_t       *crl;
    const ASN1_BIT_STRING     *sig;
    STACK_OF(X509_REVOKED)    *revoked;

    p = der;
    x509_crl = d2i_X509_CRL(NULL, &p, len);

    if (x509_crl == NULL) {
        return NGX_DECLINED;
    }

    *err = "out of memory";
    rc = NGX_ERROR;

    crl = ngx_array_push(&set->crls);
    if (crl == NULL) {
        goto done;
    }

    ngx_memzero(crl, sizeof(ngx_certauthz_crl_t));

    crl->key_result = NGX_AGAIN;

    cln = ngx_pool_cleanup_add(set->pool, 0);
    if (cln == NULL) {
        goto done;
    }

    crl->issuer = X509_NAME_dup(X509_CRL_get_issuer(x509_crl));
    if (crl->issuer == NULL) {
        goto done;
    }

    cln->handler = ngx_certauthz_crl_name_cleanup;
    cln->data = crl->issuer;

    next = X509_CRL_get0_nextUpdate(x509_crl);

    if (next != NULL) {
        if (ngx_certauthz_asn1_time(next, &crl->next_update) != NGX_OK) {
            *err = "a CRL in it has a bad nextUpdate";
            goto done;
        }

        crl->has_next_update = 1;
    }

    X509_CRL_get0_signature(x509_crl, &sig, &alg);
    X509_ALGOR_get0(&obj, NULL, NULL, alg);

    if (OBJ_find_sigid_algs(OBJ_obj2nid(obj), &md_nid, &pkey_nid) == 1
        && md_nid != NID_undef)
    {
        crl->md = EVP_get_digestbynid(md_nid);
        crl->pkey_type = pkey_nid;
    }

    if (crl->md != NULL) {

        /* the signed part: the first element inside the outer SEQUENCE */

        p = der;
        ASN1_get_object(&p, &outer, &i, &n, len);
        tbs = p;
        tbs_len = ngx_certauthz_crl_der_len(p, der + len - p);

        if (tbs_len == 0
            || EVP_Digest(tbs, tbs_len, crl->digest, &crl->digest_len,
                          crl->md, NULL)
               != 1)
        {
            *err = "a CRL in it cannot be digested";
            goto done;
        }

        crl->sig_len = ASN1_STRING_length(sig);
        crl->sig = ngx_pnalloc(set->pool, crl->sig_len);
        if (crl->sig == NULL) {
            goto done;
        }

        ngx_memcpy(crl->sig, ASN1_STRING_get0_data(sig), crl->sig_len);
    }

    revoked = X509_CRL_get_REVOKED(x509_crl);
    n = revoked ? sk_X509_REVOKED_num(revoked) : 0;

    size = 0;

    for (i = 0; i < n; i++) {
        size += 2 + 1 + ASN1_STRING_length(X509_REVOKED_get0_serialNumber(
                                          sk_X509_REVOKED_value(revoked, i)));
    }

    if (ngx_certauthz_set_init(&crl->serials, n, size, set->pool) != NGX_OK)
    {
        goto done;
    }

    for (i = 0; i < n; i++) {
        size = ngx_certauthz_crl_serial_key(
                   X509_REVOKED_get0_serialNumber(
                       sk_X509_REVOKED_value(revoked, i)),
                   key, sizeof(key));

        if (size == 0) {
            *err = "a revoked serial in it is longer than 1024 bytes";
            goto done;
        }

        if (ngx_certauthz_set_add(&crl->serials, key, size) == NGX_DECLINED) {
            goto done;
        }
    }

    set->nentries += crl->serials.nelts;
    rc = NGX_OK;

done:

    X509_CRL_free(x509_crl);

    return rc;
}


static void
ngx_certauthz_crl_file_cleanup(void *data)
{
    ngx_certauthz_crl_file_t  *f = data;

    ngx_certauthz_crl_set_free(f->set);
    f->set = NULL;
}


static void
ngx_certauthz_crl_set_free(ngx_certauthz_crl_set_t *set)
{
    if (set != NULL) {
        /*
         * A set loaded with the configuration got the log that nginx
         * parses a configuration with: on a reload, the previous cycle's,
         * freed since; destroying the pool logs through its log.
         */
        set->pool->log = ngx_cycle->log;

        ngx_destroy_pool(set->pool);
    }
}


/*
 * Decoding a large CRL leaves millions of small freed chunks in the heap,
 * and a replaced set frees tens of megabytes: give those pages back, or
 * the worker keeps them resident.
 */

static void
ngx_certauthz_crl_trim(void)
{
#if (NGX_LINUX)
    malloc_trim(0);
#endif
}


static void
ngx_certauthz_crl_name_cleanup(void *data)
{
    X509_NAME_free(data);
}
