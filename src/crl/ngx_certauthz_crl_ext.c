
/*
 * certauthz: what a CRL's extensions and its entries' say (RFC 5280, 5.2
 * and 5.3), read while it is loaded: its number, whether it is a delta,
 * its scope, and whether it may be used at all.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"


static void ngx_certauthz_crl_oid(u_char *buf, size_t size,
    ngx_certauthz_crl_ext_t *ext);


/* the extensions RFC 5280 defines for CRLs and their entries, whole OIDs */

static u_char  ngx_certauthz_oid_crl_number[] = { 0x06, 0x03, 0x55, 0x1d,
                                                  0x14 };
static u_char  ngx_certauthz_oid_delta[] = { 0x06, 0x03, 0x55, 0x1d, 0x1b };
static u_char  ngx_certauthz_oid_idp[] = { 0x06, 0x03, 0x55, 0x1d, 0x1c };
static u_char  ngx_certauthz_oid_akid[] = { 0x06, 0x03, 0x55, 0x1d, 0x23 };
static u_char  ngx_certauthz_oid_reason[] = { 0x06, 0x03, 0x55, 0x1d, 0x15 };
static u_char  ngx_certauthz_oid_cert_issuer[] = { 0x06, 0x03, 0x55, 0x1d,
                                                   0x1d };

#define ngx_certauthz_oid_is(e, known)                                        \
    ((e)->oid_size == sizeof(known)                                           \
     && ngx_memcmp((e)->oid, known, sizeof(known)) == 0)


/*
 * What the CRL's extensions say (RFC 5280, 5.2), as OpenSSL reads them:
 * CRLNumber, deltaCRLIndicator, issuingDistributionPoint (the scope flags;
 * its value kept for the delta check and a partition's names),
 * authorityKeyIdentifier (kept for the delta check).  Critical ones other
 * than the last three, an indirect CRL, one of only some reasons, or a
 * malformed or repeated extension: the CRL is never used, and why says
 * why.  NGX_ERROR: out of memory.
 */

ngx_int_t
ngx_certauthz_crl_exts(ngx_certauthz_crl_t *crl, ngx_certauthz_crl_der_t *d,
    ngx_pool_t *pool, u_char *why, size_t size)
{
    u_char                   **copy, oid[80];
    size_t                    *copy_len;
    ngx_int_t                  rc;
    ngx_uint_t                 only, seen;
    const u_char              *p, *q, *end;
    ISSUING_DIST_POINT        *idp;
    ngx_certauthz_crl_ext_t    ext;

    if (d->extensions == NULL) {
        return NGX_OK;
    }

    p = d->extensions;
    end = d->extensions + d->extensions_len;
    seen = 0;

    for ( ;; ) {
        rc = ngx_certauthz_crl_der_ext(&p, end, &ext);

        if (rc == NGX_DONE) {
            break;
        }

        if (rc != NGX_OK) {
            ngx_snprintf(why, size, "has malformed extensions%Z");
            return NGX_OK;
        }

        copy = NULL;
        copy_len = NULL;

        if (ngx_certauthz_oid_is(&ext, ngx_certauthz_oid_crl_number)) {

            if (seen & NGX_CERTAUTHZ_CRL_NUMBERED) {
                goto twice;
            }

            seen |= NGX_CERTAUTHZ_CRL_NUMBERED;

            if (ngx_certauthz_crl_der_number(ext.value, ext.value_len,
                                             crl->number)
                != NGX_OK)
            {
                ngx_snprintf(why, size, "has a bad CRLNumber%Z");
                return NGX_OK;
            }

            crl->flags |= NGX_CERTAUTHZ_CRL_NUMBERED;

            /* OpenSSL handles no critical CRLNumber */
            if (ext.critical && why[0] == '\0') {
                ngx_certauthz_crl_oid(oid, sizeof(oid), &ext);
                ngx_snprintf(why, size, "has an unknown critical "
                             "extension %s%Z", oid);
            }

        } else if (ngx_certauthz_oid_is(&ext, ngx_certauthz_oid_delta)) {

            if (seen & NGX_CERTAUTHZ_CRL_DELTA) {
                goto twice;
            }

            seen |= NGX_CERTAUTHZ_CRL_DELTA;

            if (ngx_certauthz_crl_der_number(ext.value, ext.value_len,
                                             crl->base)
                != NGX_OK)
            {
                ngx_snprintf(why, size, "has a bad BaseCRLNumber%Z");
                return NGX_OK;
            }

            crl->flags |= NGX_CERTAUTHZ_CRL_DELTA;

        } else if (ngx_certauthz_oid_is(&ext, ngx_certauthz_oid_idp)) {

            if (crl->idp) {
                goto twice;
            }

            q = ext.value;
            idp = d2i_ISSUING_DIST_POINT(NULL, &q, ext.value_len);

            if (idp == NULL || q != ext.value + ext.value_len) {
                ISSUING_DIST_POINT_free(idp);

                if (ngx_certauthz_ssl_oom()) {
                    return NGX_ERROR;
                }

                ERR_clear_error();
                ngx_snprintf(why, size,
                             "has a malformed issuingDistributionPoint%Z");
                return NGX_OK;
            }

            only = 0;

            if (idp->onlyuser > 0) {
                crl->flags |= NGX_CERTAUTHZ_CRL_ONLY_USER;
                only++;
            }

            if (idp->onlyCA > 0) {
                crl->flags |= NGX_CERTAUTHZ_CRL_ONLY_CA;
                only++;
            }

            if (idp->onlyattr > 0) {
                crl->flags |= NGX_CERTAUTHZ_CRL_ONLY_ATTR;
                only++;
            }

            if (idp->distpoint) {
                crl->flags |= NGX_CERTAUTHZ_CRL_PARTITION;
            }

            if (why[0]) {
                /* one reason is enough */

            } else if (only > 1) {
                ngx_snprintf(why, size, "has an issuingDistributionPoint "
                             "that asserts more than one kind of "
                             "certificate%Z");

            } else if (idp->indirectCRL > 0) {
                ngx_snprintf(why, size, "is an indirect CRL "
                             "(issuingDistributionPoint indirectCRL)%Z");

            } else if (idp->onlysomereasons) {
                ngx_snprintf(why, size, "covers only some reasons "
                             "(issuingDistributionPoint onlySomeReasons)%Z");
            }

            ISSUING_DIST_POINT_free(idp);

            copy = &crl->idp;
            copy_len = &crl->idp_len;

        } else if (ngx_certauthz_oid_is(&ext, ngx_certauthz_oid_akid)) {

            if (crl->akid) {
                goto twice;
            }

            copy = &crl->akid;
            copy_len = &crl->akid_len;

        } else if (ext.critical) {
            /* the rest is still read: a delta's numbers, its scope */
            if (why[0] == '\0') {
                ngx_certauthz_crl_oid(oid, sizeof(oid), &ext);
                ngx_snprintf(why, size, "has an unknown critical "
                             "extension %s%Z", oid);
            }

            continue;
        }

        if (copy) {
            /* an empty value has a byte too, so that NULL means none */
            *copy = ngx_pnalloc(pool, ext.value_len + 1);
            if (*copy == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(*copy, ext.value, ext.value_len);
            *copy_len = ext.value_len;
        }
    }

    if ((crl->flags & NGX_CERTAUTHZ_CRL_DELTA)
        && !(crl->flags & NGX_CERTAUTHZ_CRL_NUMBERED))
    {
        ngx_snprintf(why, size, "is a delta CRL without a CRLNumber%Z");
    }

    return NGX_OK;

twice:

    ngx_certauthz_crl_oid(oid, sizeof(oid), &ext);
    ngx_snprintf(why, size, "has the extension %s twice%Z", oid);

    return NGX_OK;
}


/*
 * The extensions of a revoked entry: its CRLReason (-1: none) in *reason;
 * NGX_DECLINED with why set if they make the CRL unusable: malformed, a
 * critical one that OpenSSL does not handle, or a certificateIssuer (an
 * indirect CRL's)
 */

ngx_int_t
ngx_certauthz_crl_entry_exts(const u_char *p, size_t len, ngx_int_t *reason,
    u_char *why, size_t size)
{
    u_char                    oid[80];
    ngx_int_t                 rc;
    const u_char             *end;
    ngx_certauthz_crl_ext_t   ext;

    *reason = -1;
    end = p + len;

    for ( ;; ) {
        rc = ngx_certauthz_crl_der_ext(&p, end, &ext);

        if (rc == NGX_DONE) {
            return NGX_OK;
        }

        if (rc != NGX_OK) {
            ngx_snprintf(why, size, "has an entry with malformed "
                         "extensions%Z");
            return NGX_DECLINED;
        }

        if (ngx_certauthz_oid_is(&ext, ngx_certauthz_oid_cert_issuer)) {
            ngx_snprintf(why, size, "is an indirect CRL (an entry has a "
                         "certificateIssuer)%Z");
            return NGX_DECLINED;
        }

        if (ngx_certauthz_oid_is(&ext, ngx_certauthz_oid_reason)) {
            *reason = ngx_certauthz_crl_der_small(ext.value, ext.value_len,
                                                  V_ASN1_ENUMERATED);
            if (*reason < 0) {
                ngx_snprintf(why, size, "has an entry with a malformed "
                             "CRLReason%Z");
                return NGX_DECLINED;
            }
        }

        if (ext.critical) {
            ngx_certauthz_crl_oid(oid, sizeof(oid), &ext);
            ngx_snprintf(why, size, "has an entry with an unknown critical "
                         "extension %s%Z", oid);
            return NGX_DECLINED;
        }
    }
}


/* an extension's OID as text, for the log */

static void
ngx_certauthz_crl_oid(u_char *buf, size_t size, ngx_certauthz_crl_ext_t *ext)
{
    const u_char  *p;
    ASN1_OBJECT   *obj;

    p = ext->oid;
    obj = d2i_ASN1_OBJECT(NULL, &p, ext->oid_size);

    if (obj == NULL || OBJ_obj2txt((char *) buf, size, obj, 1) <= 0) {
        ngx_cpystrn(buf, (u_char *) "(?)", size);
    }

    ASN1_OBJECT_free(obj);
    ERR_clear_error();
}


/* a line of the log about a CRL, named by its issuer and file */

void
ngx_certauthz_crl_note(ngx_certauthz_crl_t *crl, ngx_str_t *path,
    ngx_uint_t level, u_char *what, const char *then, ngx_log_t *log)
{
    ngx_str_t    name;
    ngx_pool_t  *pool;

    pool = ngx_create_pool(1024, log);

    if (pool == NULL
        || ngx_certauthz_name_text(crl->issuer, pool, &name) != NGX_OK)
    {
        ngx_str_null(&name);
    }

    ngx_log_error(level, log, 0,
                  "certauthz: the CRL of \"%V\" in \"%V\" %s%s",
                  &name, path, what, then);

    if (pool != NULL) {
        ngx_destroy_pool(pool);
    }

    ERR_clear_error();
}
