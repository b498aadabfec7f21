
/*
 * certauthz: CRL files, loaded into sets of revoked serials per CRL: at
 * configuration time, and again when they change (see
 * ngx_certauthz_crl_watch.c); the last good set stays in force when a
 * changed file does not load.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"

#if (NGX_THREADS)
#include <ngx_thread_pool.h>
#endif
#include "ngx_certauthz_file.h"

#if (NGX_HAVE_MALLOC_TRIM)
#include <malloc.h>
#endif


static ngx_int_t ngx_certauthz_crl_read_pem(ngx_certauthz_crl_set_t *set,
    ngx_str_t *path, u_char *buf, size_t size, const char **err);
static ngx_int_t ngx_certauthz_crl_read_der(ngx_certauthz_crl_set_t *set,
    ngx_str_t *path, u_char *buf, size_t size, const char **err);
static size_t ngx_certauthz_crl_der_len(const u_char *p, size_t size);
static ngx_int_t ngx_certauthz_crl_add(ngx_certauthz_crl_set_t *set,
    ngx_str_t *path, u_char *der, size_t len, const char **err);
static ngx_int_t ngx_certauthz_crl_serials(ngx_certauthz_crl_t *crl,
    ngx_certauthz_crl_der_t *d, ngx_certauthz_crl_set_t *set,
    const char **err, u_char *why, size_t size);
static ngx_int_t ngx_certauthz_crl_table_init(ngx_certauthz_set_t *table,
    ngx_uint_t n, size_t size, ngx_certauthz_crl_set_t *set);
static void ngx_certauthz_crl_file_cleanup(void *data);
static void ngx_certauthz_crl_name_cleanup(void *data);


/*
 * The file of a certauthz_crl directive: the same path (or URL) in
 * several locations is one file, loaded once per configuration into the
 * host's copy (see ngx_certauthz_crl_store.c).  A URL's file is the
 * cached copy of what was fetched, opened once the cache directory is
 * known (ngx_certauthz_crl_remote_conf()); it is fetched as the "fetch"
 * settings of the face that named it first say
 */

ngx_certauthz_crl_file_t *
ngx_certauthz_crl_file(ngx_conf_t *cf, ngx_array_t *files, ngx_str_t *path,
    ngx_certauthz_crl_fetch_conf_t *fetch)
{
    ngx_str_t                   full;
    ngx_uint_t                  i, url;
    ngx_certauthz_crl_file_t  **file, *f;

    url = ngx_certauthz_crl_is_url(path);

    full = *path;

    if (!url && ngx_conf_full_name(cf->cycle, &full, 1) != NGX_OK) {
        return NULL;
    }

    file = files->elts;

    for (i = 0; i < files->nelts; i++) {
        if (file[i]->name.len == full.len
            && ngx_strncmp(file[i]->name.data, full.data, full.len) == 0)
        {
            return file[i];
        }
    }

    f = ngx_pcalloc(cf->pool, sizeof(ngx_certauthz_crl_file_t));
    if (f == NULL) {
        return NULL;
    }

    f->name = full;

    if (ngx_array_init(&f->stores, cf->pool, 2, sizeof(X509_STORE *))
        != NGX_OK)
    {
        return NULL;
    }

#if (NGX_THREADS)
    /* changed files are loaded (and URLs fetched) in nginx's default
     * thread pool */
    if (ngx_thread_pool_add(cf, NULL) == NULL) {
        return NULL;
    }
#endif

    if (url) {
        if (ngx_certauthz_crl_remote_new(cf, f, fetch) != NGX_OK) {
            return NULL;
        }

    } else {
        f->path = full;

        if (ngx_certauthz_crl_file_open(cf, f, 0) != NGX_OK) {
            return NULL;
        }
    }

    file = ngx_array_push(files);
    if (file == NULL) {
        return NULL;
    }

    *file = f;

    return f;
}


/*
 * The file's CRLs loaded with the configuration into the host's copy.
 * cached: 1, the cached copy of a URL's CRLs, which may be missing (none
 * fetched yet) or bad (logged): then there are no CRLs until a fetch
 * brings them; 2: none (a slot of "cdp" that no URL took yet)
 */

ngx_int_t
ngx_certauthz_crl_file_open(ngx_conf_t *cf, ngx_certauthz_crl_file_t *f,
    ngx_uint_t cached)
{
    ngx_int_t                   rc;
    const char                 *err;
    ngx_file_info_t             fi;
    ngx_pool_cleanup_t         *cln;
    ngx_certauthz_crl_set_t    *set;
    ngx_certauthz_file_err_t    fe;
    ngx_certauthz_crl_arena_t  *arena;

    ngx_memzero(&fi, sizeof(ngx_file_info_t));

    if (cached == 2) {
        /* none to look for */

    } else if (ngx_file_info(f->path.data, &fi) == NGX_FILE_ERROR) {
        if (!cached) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                               ngx_file_info_n " CRL file \"%V\" failed",
                               &f->path);
            return NGX_ERROR;
        }

        cached = 2;                 /* none yet */

    } else {
        ngx_certauthz_crl_id_set(&f->id, &fi);
    }

    f->checked = ngx_current_msec;
    f->loaded = ngx_time();

    rc = ngx_certauthz_crl_shm_init(f, cf);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    arena = NULL;

    if (rc == NGX_OK) {
        arena = ngx_certauthz_crl_shm_arena(f, cf->log);
        if (arena == NULL) {
            return NGX_ERROR;
        }
    }

    set = NULL;
    err = NULL;
    fe.err = 0;
    fe.call = NULL;

    if (cached != 2) {
        /* checked with the trusted CA certificates later, once they are
         * known */
        set = ngx_certauthz_crl_load(&f->path, cf->log, &err, &fe, arena,
                                     NULL);
    }

    if (set == NULL && cached) {
        if (cached != 2) {
            if (err == NULL) {
                ngx_conf_log_error(NGX_LOG_WARN, cf, fe.err,
                                   "%s cached CRL file \"%V\" of \"%V\" "
                                   "failed, it is fetched again", fe.call,
                                   &f->path, &f->name);

            } else {
                ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                                   "cannot load cached CRL file \"%V\" of "
                                   "\"%V\": %s, it is fetched again",
                                   &f->path, &f->name, err);
            }
        }

        ngx_memzero(&f->id, sizeof(ngx_certauthz_crl_id_t));
        f->loaded = 0;

        set = ngx_certauthz_crl_set_new(cf->log);
        if (set == NULL) {
            return NGX_ERROR;
        }

        set->arena = arena;
    }

    if (set == NULL) {
        if (err == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, fe.err,
                               "%s CRL file \"%V\" failed", fe.call,
                               &f->path);

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "cannot load CRL file \"%V\": %s", &f->path,
                               err);
        }

        return NGX_ERROR;
    }

    if (f->shm) {
        if (ngx_certauthz_crl_shm_publish(f, set, cf->log) != NGX_OK) {
            return NGX_ERROR;
        }

    } else {
        f->set = set;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_certauthz_crl_set_free(f->set);
        return NGX_ERROR;
    }

    /* frees whichever set is current when the cycle goes */
    cln->handler = ngx_certauthz_crl_file_cleanup;
    cln->data = f;

    return NGX_OK;
}


/*
 * PEM (one or more CRLs) or DER; NULL with *err set on any failure.  With
 * an arena, the tables go there, and the CRLs are written there whole;
 * with stores, each CRL is checked with the trusted CA certificates.
 */

ngx_certauthz_crl_set_t *
ngx_certauthz_crl_load(ngx_str_t *path, ngx_log_t *log, const char **err,
    ngx_certauthz_file_err_t *fe, ngx_certauthz_crl_arena_t *arena,
    ngx_array_t *stores)
{
    u_char                   *buf;
    size_t                    size;
    ngx_int_t                 rc;
    ngx_str_t                 file;
    ngx_certauthz_crl_set_t  *set;

    *err = "out of memory";
    fe->call = NULL;
    buf = NULL;
    set = NULL;

    set = ngx_certauthz_crl_set_new(log);
    if (set == NULL) {
        return NULL;
    }

    set->arena = arena;
    set->stores = stores;

    /* a failed call: *err NULL, what failed in *fe */

    if (ngx_certauthz_file_read_mapped(path, log, &file, fe) != NGX_OK) {
        if (fe->call) {
            *err = NULL;
        }

        goto failed;
    }

    buf = file.data;
    size = file.len;

    if (arena && ngx_certauthz_crl_shm_map(arena, size) != NGX_OK) {
        fe->call = "mmap()";
        fe->err = ngx_errno;
        *err = NULL;
        goto failed;
    }

    rc = (ngx_strstrn(buf, "-----BEGIN", sizeof("-----BEGIN") - 2) != NULL)
         ? ngx_certauthz_crl_read_pem(set, path, buf, size, err)
         : ngx_certauthz_crl_read_der(set, path, buf, size, err);

    if (rc != NGX_OK) {
        goto failed;
    }

    if (set->crls.nelts == 0) {
        *err = "no CRL in it";
        goto failed;
    }

    ERR_clear_error();
    ngx_certauthz_file_unmap(&file);

    /* what OpenSSL's decoding used goes back (in a thread: its arena) */
    ngx_certauthz_crl_trim();

    return set;

failed:

    ERR_clear_error();

    if (buf) {
        ngx_certauthz_file_unmap(&file);
    }

    ngx_certauthz_crl_set_free(set);
    ngx_certauthz_crl_trim();

    return NULL;
}


/*
 * Each "X509 CRL" PEM block, other blocks skipped: its base64, without the
 * line breaks, is decoded where it is, in the file's buffer (which has room
 * for it: the DER is shorter), so that a large CRL costs no second copy.
 * A block with headers (only encrypted PEM has them) is damaged.
 */

static ngx_int_t
ngx_certauthz_crl_read_pem(ngx_certauthz_crl_set_t *set, ngx_str_t *path,
    u_char *buf, size_t size, const char **err)
{
    u_char     *p, *last, *begin, *end, *s, *d;
    ngx_str_t   b64, der;
    ngx_int_t   rc;

    static u_char  begin_crl[] = "-----BEGIN X509 CRL-----";
    static u_char  end_crl[] = "-----END X509 CRL-----";

    p = buf;
    last = buf + size;

    for ( ;; ) {

        begin = ngx_strlcasestrn(p, last, begin_crl, sizeof(begin_crl) - 2);
        if (begin == NULL) {
            return NGX_OK;
        }

        begin += sizeof(begin_crl) - 1;

        end = ngx_strlcasestrn(begin, last, end_crl, sizeof(end_crl) - 2);
        if (end == NULL) {
            break;
        }

        /* the base64 characters and the padding, together */

        d = begin;

        for (s = begin; s < end; s++) {
            if (*s == ' ' || *s == '\t' || *s == CR || *s == LF) {
                continue;
            }

            if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')
                  || (*s >= '0' && *s <= '9')
                  || *s == '+' || *s == '/' || *s == '='))
            {
                goto damaged;
            }

            *d++ = *s;
        }

        b64.data = begin;
        b64.len = d - begin;
        der.data = begin;

        if (b64.len == 0 || ngx_decode_base64(&der, &b64) != NGX_OK) {
            break;
        }

        /* what is left of the base64 is not read again */
        ngx_certauthz_file_release(der.data + der.len, end);

        rc = ngx_certauthz_crl_add(set, path, der.data, der.len, err);

        if (rc == NGX_DECLINED) {
            break;
        }

        if (rc != NGX_OK) {
            return NGX_ERROR;
        }

        /* the set has what it needs of the block */
        ngx_certauthz_file_release(begin, end);

        p = end + sizeof(end_crl) - 1;
    }

damaged:

    *err = "a PEM CRL in it is damaged";

    return NGX_ERROR;
}


/* one DER CRL after the other; NGX_ERROR with *err set */

static ngx_int_t
ngx_certauthz_crl_read_der(ngx_certauthz_crl_set_t *set, ngx_str_t *path,
    u_char *buf, size_t size, const char **err)
{
    size_t         len;
    ngx_int_t      rc;
    const u_char  *p, *last;

    p = buf;
    last = buf + size;

    while (p < last) {
        len = ngx_certauthz_crl_der_len(p, last - p);

        rc = NGX_DECLINED;

        if (len) {
            rc = ngx_certauthz_crl_add(set, path, (u_char *) p, len, err);
        }

        if (rc == NGX_DECLINED) {
            *err = "it is neither a PEM nor a valid DER CRL";
            return NGX_ERROR;
        }

        if (rc != NGX_OK) {
            return NGX_ERROR;
        }

        ngx_certauthz_file_release((u_char *) p, (u_char *) p + len);

        p += len;
    }

    return NGX_OK;
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


/*
 * One CRL, in DER: its issuer, times, what it covers, what checking its
 * signature needs and its revoked serials; NGX_DECLINED if it is malformed
 * (nothing added), NGX_ERROR with *err set on any other failure.  A CRL
 * that can never be used (see ngx_certauthz_crl_exts()) is added without
 * its serials, and logged.
 */

static ngx_int_t
ngx_certauthz_crl_add(ngx_certauthz_crl_set_t *set, ngx_str_t *path,
    u_char *der, size_t len, const char **err)
{
    u_char                    why[256];
    ngx_int_t                 rc;
    X509_ALGOR               *alg;
    ASN1_TIME                *this_update, *next_update;
    const u_char             *p;
    ASN1_BIT_STRING          *bits;
    ngx_pool_cleanup_t       *cln;
    ngx_certauthz_crl_t       crl, *added;
    ngx_certauthz_crl_der_t   d;

    if (ngx_certauthz_crl_der(der, len, &d) != NGX_OK) {
        return NGX_DECLINED;
    }

    alg = NULL;
    bits = NULL;
    this_update = NULL;
    next_update = NULL;
    why[0] = '\0';

    /* made here, added to the set once it is whole */

    ngx_memzero(&crl, sizeof(ngx_certauthz_crl_t));

    crl.key_result = NGX_AGAIN;

    *err = "out of memory";
    rc = NGX_ERROR;

    cln = ngx_pool_cleanup_add(set->pool, 0);
    if (cln == NULL) {
        goto done;
    }

    /* each part decoded by OpenSSL; one that does not decode: malformed */

    rc = NGX_DECLINED;

    p = d.issuer;
    crl.issuer = d2i_X509_NAME(NULL, &p, d.issuer_size);

    if (crl.issuer == NULL) {
        goto done;
    }

    cln->handler = ngx_certauthz_crl_name_cleanup;
    cln->data = crl.issuer;

    p = d.this_update;
    this_update = d2i_ASN1_TIME(NULL, &p, d.this_update_size);

    p = d.sig_alg;
    alg = d2i_X509_ALGOR(NULL, &p, d.sig_alg_size);

    p = d.sig;
    bits = d2i_ASN1_BIT_STRING(NULL, &p, d.sig_size);

    if (d.next_update) {
        p = d.next_update;
        next_update = d2i_ASN1_TIME(NULL, &p, d.next_update_size);
    }

    if (this_update == NULL || alg == NULL || bits == NULL
        || (d.next_update && next_update == NULL))
    {
        goto done;
    }

    rc = NGX_ERROR;

    if (ngx_certauthz_asn1_time(this_update, &crl.this_update) != NGX_OK) {
        *err = "a CRL in it has a bad thisUpdate";
        goto done;
    }

    if (next_update != NULL) {
        if (ngx_certauthz_asn1_time(next_update, &crl.next_update)
            != NGX_OK)
        {
            *err = "a CRL in it has a bad nextUpdate";
            goto done;
        }

        crl.has_next_update = 1;
    }

    *err = "out of memory";

    if (ngx_certauthz_crl_exts(&crl, &d, set->pool, why, sizeof(why))
        == NGX_ERROR)
    {
        goto done;
    }

    if (ngx_certauthz_crl_sig_load(&crl.sig, alg, bits, d.tbs, d.tbs_size,
                                   set->pool, err)
        != NGX_OK)
    {
        goto done;
    }

    rc = ngx_certauthz_crl_serials(&crl, &d, set, err, why, sizeof(why));

    if (rc != NGX_OK) {
        goto done;
    }

    if (why[0]) {
        crl.flags |= NGX_CERTAUTHZ_CRL_UNUSED;
    }

    if (set->stores && set->stores->nelts) {
        ngx_certauthz_crl_trust(set->stores, &crl);
    }

    if (set->arena) {
        if (ngx_certauthz_crl_shm_add(set->arena, &crl, d.issuer,
                                      d.issuer_size)
            != NGX_OK)
        {
            *err = "it is too large";
            rc = NGX_ERROR;
            goto done;
        }

        /* the arena has its copy */
        if (crl.sig.tbs) {
            (void) ngx_pfree(set->pool, crl.sig.tbs);
            crl.sig.tbs = NULL;
        }
    }

    added = ngx_array_push(&set->crls);
    if (added == NULL) {
        *err = "out of memory";
        rc = NGX_ERROR;
        goto done;
    }

    *added = crl;
    set->nentries += crl.serials.nelts;

    if (why[0]) {
        ngx_certauthz_crl_note(&crl, path, NGX_LOG_WARN, why, ", not used",
                               set->pool->log);

    } else if (crl.flags & NGX_CERTAUTHZ_CRL_ONLY_CA) {
        ngx_certauthz_crl_note(&crl, path, NGX_LOG_NOTICE,
                               (u_char *) "covers CA certificates only "
                               "(issuingDistributionPoint "
                               "onlyContainsCACerts)",
                               ", not used for other certificates",
                               set->pool->log);

    } else if (crl.flags & NGX_CERTAUTHZ_CRL_ONLY_ATTR) {
        ngx_certauthz_crl_note(&crl, path, NGX_LOG_NOTICE,
                               (u_char *) "covers attribute certificates "
                               "only (issuingDistributionPoint "
                               "onlyContainsAttributeCerts)",
                               ", not used", set->pool->log);
    }

done:

    X509_ALGOR_free(alg);
    ASN1_BIT_STRING_free(bits);
    ASN1_TIME_free(this_update);
    ASN1_TIME_free(next_update);

    return rc;
}


/*
 * The revoked serials into the CRL's hash set, as serial keys, one entry
 * decoded at a time: a first walk sizes the set, a second fills it and
 * gives back the file's pages behind it, so that the file and the set are
 * not both whole in memory.  The few entries on hold (certificateHold) or
 * removed (removeFromCRL, which revokes nothing) go into a second, small
 * set too.  NGX_DECLINED: an entry is malformed; an entry's extensions
 * that make the CRL unusable: why set, no serials.
 */

static ngx_int_t
ngx_certauthz_crl_serials(ngx_certauthz_crl_t *crl,
    ngx_certauthz_crl_der_t *d, ngx_certauthz_crl_set_t *set,
    const char **err, u_char *why, size_t size)
{
    u_char          key[1 + NGX_CERTAUTHZ_SERIAL_KEY_LEN];
    size_t          n, m, len, total, mtotal, ext_len;
    ngx_int_t       rc, reason;
    ngx_uint_t      pass;
    const u_char   *p, *end, *q, *serial, *done, *ext;
    ASN1_INTEGER   *integer;

    *err = "out of memory";

    if (d->revoked == NULL || why[0]) {
        return ngx_certauthz_crl_table_init(&crl->serials, 0, 0, set);
    }

    end = d->revoked + d->revoked_len;
    n = 0;
    m = 0;
    total = 0;
    mtotal = 0;

    for (pass = 0; pass < 2; pass++) {

        if (pass == 1) {
            *err = "out of memory";

            if (why[0]) {
                return ngx_certauthz_crl_table_init(&crl->serials, 0, 0,
                                                    set);
            }

            if (ngx_certauthz_crl_table_init(&crl->serials, n, total, set)
                != NGX_OK
                || (m && ngx_certauthz_crl_table_init(&crl->marks, m,
                                                      mtotal, set)
                         != NGX_OK))
            {
                return NGX_ERROR;
            }
        }

        p = d->revoked;
        done = p;

        for ( ;; ) {

            if (pass == 1 && p - done >= 1024 * 1024) {
                ngx_certauthz_file_release((u_char *) done, (u_char *) p);
                done = p;
            }

            rc = ngx_certauthz_crl_der_entry(&p, end, &serial, &len, &ext,
                                             &ext_len);

            if (rc == NGX_DONE) {
                break;
            }

            if (rc != NGX_OK) {
                return NGX_DECLINED;
            }

            q = serial;
            integer = d2i_ASN1_INTEGER(NULL, &q, len);

            if (integer == NULL) {
                return ngx_certauthz_ssl_oom() ? NGX_ERROR : NGX_DECLINED;
            }

            len = ngx_certauthz_crl_serial_key(integer, key + 1,
                                               sizeof(key) - 1);

            ASN1_INTEGER_free(integer);

            if (len == 0) {
                *err = "a revoked serial in it is longer than 1024 bytes";
                return NGX_ERROR;
            }

            reason = -1;

            if (ext && why[0] == '\0'
                && ngx_certauthz_crl_entry_exts(ext, ext_len, &reason, why,
                                                size)
                   != NGX_OK)
            {
                /* the rest is only checked for being well-formed */
                continue;
            }

            if (reason == CRL_REASON_CERTIFICATE_HOLD) {
                key[0] = NGX_CERTAUTHZ_CRL_MARK_HOLD;

            } else if (reason == CRL_REASON_REMOVE_FROM_CRL) {
                key[0] = NGX_CERTAUTHZ_CRL_MARK_REMOVE;

            } else {
                key[0] = 0;
            }

            if (pass == 0) {
                if (key[0] != NGX_CERTAUTHZ_CRL_MARK_REMOVE) {
                    n++;
                    total += 2 + len;
                }

                if (key[0]) {
                    m++;
                    mtotal += 2 + 1 + len;
                }

                continue;
            }

            if ((key[0] != NGX_CERTAUTHZ_CRL_MARK_REMOVE
                 && ngx_certauthz_set_add(&crl->serials, key + 1, len)
                    == NGX_DECLINED)
                || (key[0]
                    && ngx_certauthz_set_add(&crl->marks, key, 1 + len)
                       == NGX_DECLINED))
            {
                *err = "out of memory";
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/* room for n values of "size" bytes in all: in the arena if there is one */

static ngx_int_t
ngx_certauthz_crl_table_init(ngx_certauthz_set_t *table, ngx_uint_t n,
    size_t size, ngx_certauthz_crl_set_t *set)
{
    u_char  *mem;

    if (set->arena == NULL) {
        return ngx_certauthz_set_init(table, n, size, set->pool);
    }

    mem = ngx_certauthz_crl_shm_alloc(set->arena,
                                      ngx_certauthz_set_mem(n, size));
    if (mem == NULL) {
        return NGX_ERROR;
    }

    return ngx_certauthz_set_init_in(table, n, size, mem);
}


static void
ngx_certauthz_crl_file_cleanup(void *data)
{
    ngx_certauthz_crl_file_t  *f = data;

    ngx_certauthz_crl_set_free(f->set);
    f->set = NULL;
}


/*
 * Decoding a large CRL leaves millions of small freed chunks in the heap,
 * and a replaced set frees tens of megabytes: give those pages back, or
 * the worker keeps them resident.
 */

void
ngx_certauthz_crl_trim(void)
{
#if (NGX_HAVE_MALLOC_TRIM)
    malloc_trim(0);
#endif
}


static void
ngx_certauthz_crl_name_cleanup(void *data)
{
    X509_NAME_free(data);
}
