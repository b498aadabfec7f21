
/*
 * certauthz: the signature of a CRL.  What is needed to check it is taken
 * when the CRL is loaded, and the check is made later with the key of the
 * issuer that a connection's chain brings: the whole CRL need not be kept.
 * Algorithms that sign a digest (RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA, DSA)
 * keep the digest of the signed part; EdDSA (Ed25519, Ed448) signs the
 * signed part itself, which is then kept.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"


static ngx_int_t ngx_certauthz_crl_sig_pss(ngx_certauthz_crl_sig_t *sig,
    const X509_ALGOR *alg);
static const EVP_MD *ngx_certauthz_crl_sig_md(const X509_ALGOR *alg);


/*
 * What checking the signature bits made with alg over the signed part tbs
 * will need; an algorithm this cannot check leaves the kind NONE (it never
 * verifies).  NGX_ERROR with *err set on a failure.
 */

ngx_int_t
ngx_certauthz_crl_sig_load(ngx_certauthz_crl_sig_t *sig,
    const X509_ALGOR *alg, const ASN1_BIT_STRING *bits, const u_char *tbs,
    size_t tbs_len, ngx_pool_t *pool, const char **err)
{
    int                 nid, md_nid, pkey_nid;
    const ASN1_OBJECT  *obj;

    sig->kind = NGX_CERTAUTHZ_CRL_SIG_NONE;

    X509_ALGOR_get0(&obj, NULL, NULL, alg);

    nid = OBJ_obj2nid(obj);

    if (OBJ_find_sigid_algs(nid, &md_nid, &pkey_nid) != 1) {
        return NGX_OK;
    }

    sig->pkey_type = pkey_nid;

    if (nid == NID_rsassaPss) {
        if (ngx_certauthz_crl_sig_pss(sig, alg) != NGX_OK) {
            return NGX_OK;
        }

        sig->kind = NGX_CERTAUTHZ_CRL_SIG_PSS;

    } else if (md_nid != NID_undef) {
        sig->md = EVP_get_digestbynid(md_nid);
        if (sig->md == NULL) {
            return NGX_OK;
        }

        sig->kind = NGX_CERTAUTHZ_CRL_SIG_DIGEST;

    } else if (nid == NID_ED25519 || nid == NID_ED448) {
        sig->kind = NGX_CERTAUTHZ_CRL_SIG_MESSAGE;

    } else {
        return NGX_OK;
    }

    if (sig->kind == NGX_CERTAUTHZ_CRL_SIG_MESSAGE) {
        sig->tbs = ngx_pnalloc(pool, tbs_len);
        if (sig->tbs == NULL) {
            *err = "out of memory";
            return NGX_ERROR;
        }

        ngx_memcpy(sig->tbs, tbs, tbs_len);
        sig->tbs_len = tbs_len;

    } else if (EVP_Digest(tbs, tbs_len, sig->digest, &sig->digest_len,
                          sig->md, NULL)
               != 1)
    {
        *err = "a CRL in it cannot be digested";
        return NGX_ERROR;
    }

    sig->sig_len = ASN1_STRING_length(bits);
    sig->sig = ngx_pnalloc(pool, sig->sig_len);
    if (sig->sig == NULL) {
        *err = "out of memory";
        return NGX_ERROR;
    }

    ngx_memcpy(sig->sig, ASN1_STRING_get0_data(bits), sig->sig_len);

    return NGX_OK;
}


/*
 * RSASSA-PSS-params (RFC 4055): the hash, MGF1 with its hash, the salt
 * length, each with its default; NGX_DECLINED for what cannot be checked
 */

static ngx_int_t
ngx_certauthz_crl_sig_pss(ngx_certauthz_crl_sig_t *sig,
    const X509_ALGOR *alg)
{
    int                   ptype;
    long                  salt;
    ngx_int_t             rc;
    const void           *pval;
    const u_char         *p;
    RSA_PSS_PARAMS       *pss;
    const ASN1_STRING    *params;
    const ASN1_OBJECT    *obj;
    X509_ALGOR           *mgf1_hash;

    X509_ALGOR_get0(&obj, &ptype, &pval, alg);

    if (ptype != V_ASN1_SEQUENCE) {
        return NGX_DECLINED;
    }

    params = pval;
    p = ASN1_STRING_get0_data(params);

    pss = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(params));
    if (pss == NULL) {
        return NGX_DECLINED;
    }

    rc = NGX_DECLINED;
    mgf1_hash = NULL;

    sig->md = pss->hashAlgorithm ? ngx_certauthz_crl_sig_md(pss->hashAlgorithm)
                                 : EVP_sha1();
    sig->mgf1_md = EVP_sha1();
    salt = 20;

    if (pss->maskGenAlgorithm) {
        X509_ALGOR_get0(&obj, &ptype, &pval, pss->maskGenAlgorithm);
        sig->mgf1_md = NULL;

        if (OBJ_obj2nid(obj) == NID_mgf1 && ptype == V_ASN1_SEQUENCE) {
            params = pval;
            p = ASN1_STRING_get0_data(params);
            mgf1_hash = d2i_X509_ALGOR(NULL, &p, ASN1_STRING_length(params));

            if (mgf1_hash) {
                sig->mgf1_md = ngx_certauthz_crl_sig_md(mgf1_hash);
            }
        }
    }

    if (pss->saltLength) {
        salt = ASN1_INTEGER_get(pss->saltLength);
    }

    /* the trailer field must be 1 (0xBC), the only one defined */

    if (sig->md && sig->mgf1_md && salt >= 0 && salt <= NGX_MAX_INT32_VALUE
        && (pss->trailerField == NULL
            || ASN1_INTEGER_get(pss->trailerField) == 1))
    {
        sig->salt_len = (int) salt;
        rc = NGX_OK;
    }

    X509_ALGOR_free(mgf1_hash);
    RSA_PSS_PARAMS_free(pss);

    ERR_clear_error();

    return rc;
}


static const EVP_MD *
ngx_certauthz_crl_sig_md(const X509_ALGOR *alg)
{
    const ASN1_OBJECT  *obj;

    X509_ALGOR_get0(&obj, NULL, NULL, alg);

    return EVP_get_digestbynid(OBJ_obj2nid(obj));
}


/*
 * NGX_OK: the signature verifies with pkey; NGX_DECLINED: it does not (or
 * pkey is of another kind, the algorithm is not one this can check, or the
 * encoding is bad); NGX_ERROR: an internal failure (OpenSSL ran out of
 * memory), which says nothing of the signature
 */

ngx_int_t
ngx_certauthz_crl_sig_verify(ngx_certauthz_crl_sig_t *sig, EVP_PKEY *pkey)
{
    int            rc, id;
    EVP_MD_CTX    *mctx;
    EVP_PKEY_CTX  *ctx;

    id = EVP_PKEY_get_base_id(pkey);

    switch (sig->kind) {

    case NGX_CERTAUTHZ_CRL_SIG_DIGEST:
    case NGX_CERTAUTHZ_CRL_SIG_MESSAGE:
        if (id != sig->pkey_type) {
            return NGX_DECLINED;
        }
        break;

    case NGX_CERTAUTHZ_CRL_SIG_PSS:
        if (id != EVP_PKEY_RSA && id != EVP_PKEY_RSA_PSS) {
            return NGX_DECLINED;
        }
        break;

    default: /* NGX_CERTAUTHZ_CRL_SIG_NONE */
        return NGX_DECLINED;
    }

    rc = -1;

    if (sig->kind == NGX_CERTAUTHZ_CRL_SIG_MESSAGE) {
        mctx = EVP_MD_CTX_new();
        if (mctx == NULL) {
            return NGX_ERROR;
        }

        if (EVP_DigestVerifyInit(mctx, NULL, NULL, NULL, pkey) == 1) {
            rc = EVP_DigestVerify(mctx, sig->sig, sig->sig_len, sig->tbs,
                                  sig->tbs_len);
        }

        EVP_MD_CTX_free(mctx);

    } else {
        ctx = EVP_PKEY_CTX_new(pkey, NULL);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        if (EVP_PKEY_verify_init(ctx) == 1
            && EVP_PKEY_CTX_set_signature_md(ctx, sig->md) == 1
            && (sig->kind != NGX_CERTAUTHZ_CRL_SIG_PSS
                || (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING)
                    == 1
                    && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, sig->mgf1_md) == 1
                    && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, sig->salt_len)
                       == 1)))
        {
            /* 1: verifies, 0: does not, < 0: cannot tell (bad encoding) */
            rc = EVP_PKEY_verify(ctx, sig->sig, sig->sig_len, sig->digest,
                                 sig->digest_len);
        }

        EVP_PKEY_CTX_free(ctx);
    }

    if (rc == 1) {
        return NGX_OK;
    }

    return ngx_certauthz_ssl_oom() ? NGX_ERROR : NGX_DECLINED;
}
