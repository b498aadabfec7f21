
/*
 * certauthz: a walk over the DER of a CRL (RFC 5280, 5.1), so that a CRL
 * of a million entries is not decoded whole: d2i_X509_CRL() makes an
 * object per revoked entry, about 250 bytes each, all at once.  The walk
 * finds the parts; OpenSSL decodes each of them (the issuer name, the
 * times, the signature, each revoked serial) on its own, one entry at a
 * time.  Every element is checked for its tag and for lying within its
 * parent; anything else makes the CRL malformed.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"


typedef struct {
    const u_char             *start;      /* the element, from its tag */
    size_t                    size;       /* header and content */
    const u_char             *content;
    size_t                    len;
    int                       tag;
    int                       class;
    int                       constructed;
} ngx_certauthz_der_t;


static ngx_int_t ngx_certauthz_der_next(const u_char **p, const u_char *end,
    ngx_certauthz_der_t *e);
static ngx_uint_t ngx_certauthz_der_is(ngx_certauthz_der_t *e, int tag,
    int constructed);
static ngx_uint_t ngx_certauthz_der_is_time(ngx_certauthz_der_t *e);


/*
 * The parts of the CRL in [der, der + len), which must be exactly one
 * CertificateList: NGX_OK, or NGX_DECLINED if it is malformed
 */

ngx_int_t
ngx_certauthz_crl_der(const u_char *der, size_t len,
    ngx_certauthz_crl_der_t *crl)
{
    const u_char         *p, *end;
    ngx_certauthz_der_t   outer, tbs, e;

    ngx_memzero(crl, sizeof(ngx_certauthz_crl_der_t));

    p = der;
    end = der + len;

    /* CertificateList: tbsCertList, signatureAlgorithm, signatureValue */

    if (ngx_certauthz_der_next(&p, end, &outer) != NGX_OK
        || p != end
        || !ngx_certauthz_der_is(&outer, V_ASN1_SEQUENCE, 1))
    {
        return NGX_DECLINED;
    }

    p = outer.content;
    end = outer.content + outer.len;

    if (ngx_certauthz_der_next(&p, end, &tbs) != NGX_OK
        || !ngx_certauthz_der_is(&tbs, V_ASN1_SEQUENCE, 1)
        || ngx_certauthz_der_next(&p, end, &e) != NGX_OK
        || !ngx_certauthz_der_is(&e, V_ASN1_SEQUENCE, 1))
    {
        return NGX_DECLINED;
    }

    crl->sig_alg = e.start;
    crl->sig_alg_size = e.size;

    if (ngx_certauthz_der_next(&p, end, &e) != NGX_OK
        || !ngx_certauthz_der_is(&e, V_ASN1_BIT_STRING, 0)
        || p != end)
    {
        return NGX_DECLINED;
    }

    crl->sig = e.start;
    crl->sig_size = e.size;
    crl->tbs = tbs.start;
    crl->tbs_size = tbs.size;

    /*
     * TBSCertList: version (optional), signature, issuer, thisUpdate,
     * nextUpdate (optional), revokedCertificates (optional),
     * crlExtensions ([0], optional)
     */

    p = tbs.content;
    end = tbs.content + tbs.len;

    if (ngx_certauthz_der_next(&p, end, &e) != NGX_OK) {
        return NGX_DECLINED;
    }

    if (ngx_certauthz_der_is(&e, V_ASN1_INTEGER, 0)
        && ngx_certauthz_der_next(&p, end, &e) != NGX_OK)
    {
        return NGX_DECLINED;
    }

    if (!ngx_certauthz_der_is(&e, V_ASN1_SEQUENCE, 1)
        || ngx_certauthz_der_next(&p, end, &e) != NGX_OK
        || !ngx_certauthz_der_is(&e, V_ASN1_SEQUENCE, 1))
    {
        return NGX_DECLINED;
    }

    crl->issuer = e.start;
    crl->issuer_size = e.size;

    if (ngx_certauthz_der_next(&p, end, &e) != NGX_OK
        || !ngx_certauthz_der_is_time(&e))
    {
        return NGX_DECLINED;
    }

    crl->this_update = e.start;
    crl->this_update_size = e.size;

    if (p == end) {
        return NGX_OK;
    }

    if (ngx_certauthz_der_next(&p, end, &e) != NGX_OK) {
        return NGX_DECLINED;
    }

    if (ngx_certauthz_der_is_time(&e)) {
        crl->next_update = e.start;
        crl->next_update_size = e.size;

        if (p == end) {
            return NGX_OK;
        }

        if (ngx_certauthz_der_next(&p, end, &e) != NGX_OK) {
            return NGX_DECLINED;
        }
    }

    if (ngx_certauthz_der_is(&e, V_ASN1_SEQUENCE, 1)) {
        crl->revoked = e.content;
        crl->revoked_len = e.len;

        if (p == end) {
            return NGX_OK;
        }

        if (ngx_certauthz_der_next(&p, end, &e) != NGX_OK) {
            return NGX_DECLINED;
        }
    }

    /* crlExtensions: [0] EXPLICIT Extensions */

    if (e.class != V_ASN1_CONTEXT_SPECIFIC || e.tag != 0 || !e.constructed
        || p != end)
    {
        return NGX_DECLINED;
    }

    p = e.content;
    end = e.content + e.len;

    if (ngx_certauthz_der_next(&p, end, &e) != NGX_OK
        || !ngx_certauthz_der_is(&e, V_ASN1_SEQUENCE, 1)
        || p != end)
    {
        return NGX_DECLINED;
    }

    crl->extensions = e.content;
    crl->extensions_len = e.len;

    return NGX_OK;
}


/*
 * The next revokedCertificates entry at *p (before end): its serial, the
 * whole INTEGER element, and the content of its extensions (NULL: none);
 * NGX_OK, NGX_DONE at the end, NGX_DECLINED if it is malformed
 */

ngx_int_t
ngx_certauthz_crl_der_entry(const u_char **p, const u_char *end,
    const u_char **serial, size_t *size, const u_char **exts,
    size_t *exts_len)
{
    const u_char         *q, *last;
    ngx_certauthz_der_t   entry, e;

    if (*p == end) {
        return NGX_DONE;
    }

    /* SEQUENCE { userCertificate, revocationDate, crlEntryExtensions } */

    if (ngx_certauthz_der_next(p, end, &entry) != NGX_OK
        || !ngx_certauthz_der_is(&entry, V_ASN1_SEQUENCE, 1))
    {
        return NGX_DECLINED;
    }

    q = entry.content;
    last = entry.content + entry.len;

    if (ngx_certauthz_der_next(&q, last, &e) != NGX_OK
        || !ngx_certauthz_der_is(&e, V_ASN1_INTEGER, 0))
    {
        return NGX_DECLINED;
    }

    *serial = e.start;
    *size = e.size;

    if (ngx_certauthz_der_next(&q, last, &e) != NGX_OK
        || !ngx_certauthz_der_is_time(&e))
    {
        return NGX_DECLINED;
    }

    *exts = NULL;
    *exts_len = 0;

    if (q == last) {
        return NGX_OK;
    }

    if (ngx_certauthz_der_next(&q, last, &e) != NGX_OK
        || !ngx_certauthz_der_is(&e, V_ASN1_SEQUENCE, 1)
        || q != last)
    {
        return NGX_DECLINED;
    }

    *exts = e.content;
    *exts_len = e.len;

    return NGX_OK;
}


/*
 * The next Extension of the content of an Extensions SEQUENCE at *p
 * (before end): the content of its OID, whether it is critical, the
 * content of its OCTET STRING; NGX_OK, NGX_DONE at the end, NGX_DECLINED
 * if it is malformed
 */

ngx_int_t
ngx_certauthz_crl_der_ext(const u_char **p, const u_char *end,
    ngx_certauthz_crl_ext_t *ext)
{
    const u_char         *q, *last;
    ngx_certauthz_der_t   seq, e;

    if (*p == end) {
        return NGX_DONE;
    }

    /* SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue } */

    if (ngx_certauthz_der_next(p, end, &seq) != NGX_OK
        || !ngx_certauthz_der_is(&seq, V_ASN1_SEQUENCE, 1))
    {
        return NGX_DECLINED;
    }

    q = seq.content;
    last = seq.content + seq.len;

    if (ngx_certauthz_der_next(&q, last, &e) != NGX_OK
        || !ngx_certauthz_der_is(&e, V_ASN1_OBJECT, 0)
        || e.len == 0)
    {
        return NGX_DECLINED;
    }

    ext->oid = e.start;
    ext->oid_size = e.size;
    ext->critical = 0;

    if (ngx_certauthz_der_next(&q, last, &e) != NGX_OK) {
        return NGX_DECLINED;
    }

    if (ngx_certauthz_der_is(&e, V_ASN1_BOOLEAN, 0)) {
        if (e.len != 1) {
            return NGX_DECLINED;
        }

        /* as OpenSSL reads it: any byte but 0 is true */
        ext->critical = (e.content[0] != 0);

        if (ngx_certauthz_der_next(&q, last, &e) != NGX_OK) {
            return NGX_DECLINED;
        }
    }

    if (!ngx_certauthz_der_is(&e, V_ASN1_OCTET_STRING, 0) || q != last) {
        return NGX_DECLINED;
    }

    ext->value = e.content;
    ext->value_len = e.len;

    return NGX_OK;
}


/*
 * The value of a small non-negative INTEGER or ENUMERATED (tag), the
 * whole of [p, p + len): a CRLReason; -1 if it is not one
 */

ngx_int_t
ngx_certauthz_crl_der_small(const u_char *p, size_t len, int tag)
{
    ngx_int_t             n;
    ngx_uint_t            i;
    const u_char         *end;
    ngx_certauthz_der_t   e;

    end = p + len;

    if (ngx_certauthz_der_next(&p, end, &e) != NGX_OK
        || p != end
        || !ngx_certauthz_der_is(&e, tag, 0)
        || e.len == 0 || e.len > 4
        || (e.content[0] & 0x80)
        || (e.len > 1 && e.content[0] == 0 && !(e.content[1] & 0x80)))
    {
        /* negative, too large, or padded, which OpenSSL refuses too */
        return -1;
    }

    n = 0;

    for (i = 0; i < e.len; i++) {
        n = (n << 8) | e.content[i];
    }

    return n;
}


/*
 * A non-negative INTEGER, the whole of [p, p + len), into number: its
 * magnitude, big-endian, right-aligned in NGX_CERTAUTHZ_CRL_NUMBER_LEN
 * bytes, so that numbers compare with memcmp(); NGX_DECLINED if it is
 * not one, or negative, or longer (a CRLNumber has at most 20 octets)
 */

ngx_int_t
ngx_certauthz_crl_der_number(const u_char *p, size_t len, u_char *number)
{
    const u_char         *end, *q;
    ngx_certauthz_der_t   e;

    end = p + len;

    if (ngx_certauthz_der_next(&p, end, &e) != NGX_OK
        || p != end
        || !ngx_certauthz_der_is(&e, V_ASN1_INTEGER, 0)
        || e.len == 0
        || (e.content[0] & 0x80))
    {
        return NGX_DECLINED;
    }

    q = e.content;
    len = e.len;

    while (len > 0 && *q == 0) {
        q++;
        len--;
    }

    if (len > NGX_CERTAUTHZ_CRL_NUMBER_LEN) {
        return NGX_DECLINED;
    }

    ngx_memzero(number, NGX_CERTAUTHZ_CRL_NUMBER_LEN);
    ngx_memcpy(number + NGX_CERTAUTHZ_CRL_NUMBER_LEN - len, q, len);

    return NGX_OK;
}


/* one element, definite length, within [*p, end); *p moves past it */

static ngx_int_t
ngx_certauthz_der_next(const u_char **p, const u_char *end,
    ngx_certauthz_der_t *e)
{
    int            rc, tag, class;
    long           len;
    const u_char  *q;

    if (*p >= end) {
        return NGX_ERROR;
    }

    q = *p;

    rc = ASN1_get_object(&q, &len, &tag, &class, end - *p);

    /* 0x80: an error (a length past the end too); 0x01: indefinite */

    if ((rc & 0x80) || (rc & 0x01) || len < 0 || len > end - q) {
        ERR_clear_error();
        return NGX_ERROR;
    }

    e->start = *p;
    e->content = q;
    e->len = len;
    e->size = (q - *p) + len;
    e->tag = tag;
    e->class = class;
    e->constructed = (rc & V_ASN1_CONSTRUCTED) != 0;

    *p = q + len;

    return NGX_OK;
}


static ngx_uint_t
ngx_certauthz_der_is(ngx_certauthz_der_t *e, int tag, int constructed)
{
    return e->class == V_ASN1_UNIVERSAL && e->tag == tag
           && e->constructed == constructed;
}


static ngx_uint_t
ngx_certauthz_der_is_time(ngx_certauthz_der_t *e)
{
    return ngx_certauthz_der_is(e, V_ASN1_UTCTIME, 0)
           || ngx_certauthz_der_is(e, V_ASN1_GENERALIZEDTIME, 0);
}
