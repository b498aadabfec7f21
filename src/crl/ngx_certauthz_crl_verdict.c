
/*
 * certauthz: CRLs checked per request: the connection's certificate looked
 * up by (issuer, serial) in the CRLs whose signature verifies with the key
 * of its issuer.  Loading and refreshing the files: ngx_certauthz_crl_load.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"


/* what the verdict of one connection needs of its certificate */
typedef struct {
    SSL                      *ssl;
    X509                     *leaf;
    X509                     *issuer;         /* looked up once */
    X509_NAME                *name;           /* the leaf's issuer's */
    size_t                    len;            /* of the serial key, 0: too
                                                 long for any */
    u_char                    key[1 + NGX_CERTAUTHZ_SERIAL_KEY_LEN];
                                              /* a mark, then the key */
    STACK_OF(DIST_POINT)     *dps;            /* its CRL distribution
                                                 points, read once */
    unsigned                  dps_read:1;
    unsigned                  ca:1;           /* basicConstraints cA */
    ngx_log_t                *log;
} ngx_certauthz_crl_ctx_t;


static ngx_int_t ngx_certauthz_crl_verdict(ngx_certauthz_crl_conf_t *conf,
    ngx_connection_t *c, ngx_certauthz_crl_verdict_t *v);
static ngx_int_t ngx_certauthz_crl_find(ngx_certauthz_crl_conf_t *conf,
    ngx_certauthz_crl_ctx_t *ctx, ngx_certauthz_crl_t *base,
    ngx_certauthz_crl_t **found, ngx_uint_t *revoked);
static ngx_int_t ngx_certauthz_crl_counts(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_t *crl, ngx_certauthz_crl_ctx_t *ctx);
static ngx_uint_t ngx_certauthz_crl_covers(ngx_certauthz_crl_t *crl,
    ngx_certauthz_crl_ctx_t *ctx);
static ngx_uint_t ngx_certauthz_crl_dp_match(DIST_POINT_NAME *a,
    DIST_POINT_NAME *b);
static ngx_uint_t ngx_certauthz_crl_delta_of(ngx_certauthz_crl_t *delta,
    ngx_certauthz_crl_t *base);
static ngx_certauthz_crl_t *ngx_certauthz_crl_newest(
    ngx_certauthz_crl_set_t *set, ngx_certauthz_crl_t *crl,
    ngx_certauthz_crl_t *base);
static ngx_uint_t ngx_certauthz_crl_lists(ngx_certauthz_crl_t *crl,
    ngx_certauthz_crl_ctx_t *ctx, u_char mark);
static ngx_int_t ngx_certauthz_crl_verify(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_t *crl, X509 *issuer, ngx_log_t *log);
static ngx_int_t ngx_certauthz_crl_issuer(SSL *ssl, X509 *leaf,
    X509 **issuer);


/*
 * The revocation state of the connection's certificate: revoked,
 * missing (no CRL that verifies covers its issuer), stale (the covering
 * CRLs are past their nextUpdate) or OK.  The work of finding the issuer
 * and checking signatures is done once per connection and CRL set; what
 * stays per request is a look at the generation in force and the clock.
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


/* how soon a face looks again at the generation of a list of files */

ngx_msec_t
ngx_certauthz_crl_poll(ngx_certauthz_crl_conf_t *conf)
{
    return ngx_min(conf->refresh, NGX_CERTAUTHZ_CRL_POLL);
}


/*
 * The verdict of all the CRLs of all the files, as one set of CRLs, for
 * the leaf only (RFC 5280, 6.3, as OpenSSL applies it): of the CRLs of
 * its issuer that verify, cover it (ngx_certauthz_crl_covers()) and are
 * complete, the newest (CRLNumber, else thisUpdate) is the one in force,
 * with the newest delta CRL that applies on top of it.  Revoked: the
 * delta lists it, or the CRL in force does (unless it is on hold there and
 * the delta removes it), or any other of those CRLs revokes it for a
 * reason other than certificateHold (a revocation is never undone).  The
 * nextUpdate of the delta in force, else of the CRL in force, says when
 * the verdict goes stale: an older CRL that lives longer never masks a
 * newer stale one.
 */

static ngx_int_t
ngx_certauthz_crl_verdict(ngx_certauthz_crl_conf_t *conf, ngx_connection_t *c,
    ngx_certauthz_crl_verdict_t *v)
{
    ngx_int_t                 rc;
    ngx_uint_t                revoked;
    ngx_certauthz_crl_t      *best, *delta, *fresh;
    ngx_certauthz_crl_ctx_t   ctx;

    ngx_memzero(&ctx, sizeof(ngx_certauthz_crl_ctx_t));

    ctx.ssl = c->ssl->connection;
    ctx.log = c->log;

    ctx.leaf = SSL_get_peer_certificate(ctx.ssl);
    if (ctx.leaf == NULL) {
        return NGX_ERROR;
    }

    ctx.name = X509_get_issuer_name(ctx.leaf);
    ctx.len = ngx_certauthz_crl_serial_key(X509_get0_serialNumber(ctx.leaf),
                                           ctx.key + 1, sizeof(ctx.key) - 1);
    ctx.ca = (X509_get_extension_flags(ctx.leaf) & EXFLAG_CA) ? 1 : 0;

    best = NULL;
    delta = NULL;
    revoked = 0;

    /* the complete CRLs, then the deltas of the one in force */

    rc = ngx_certauthz_crl_find(conf, &ctx, NULL, &best, &revoked);

    if (rc == NGX_OK && best) {
        rc = ngx_certauthz_crl_find(conf, &ctx, best, &delta, &revoked);
    }

    if (ctx.dps) {
        sk_DIST_POINT_pop_free(ctx.dps, DIST_POINT_free);
    }

    if (ctx.issuer) {
        X509_free(ctx.issuer);
    }

    X509_free(ctx.leaf);

    /* an internal failure is no verdict: the next request tries again */

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DONE) {
        best = NULL;
        revoked = 0;
    }

    /* a delta in force that cannot be used: no verdict, as OpenSSL */

    if (delta && (delta->flags & NGX_CERTAUTHZ_CRL_UNUSED)) {
        best = NULL;
        revoked = 0;
    }

    if (best) {
        if (delta) {
            if (ngx_certauthz_crl_lists(delta, &ctx, 0)
                || (ngx_certauthz_crl_lists(best, &ctx, 0)
                    && !(ngx_certauthz_crl_lists(best, &ctx,
                                                 NGX_CERTAUTHZ_CRL_MARK_HOLD)
                         && ngx_certauthz_crl_lists(delta, &ctx,
                                             NGX_CERTAUTHZ_CRL_MARK_REMOVE))))
            {
                revoked = 1;
            }

        } else if (ngx_certauthz_crl_lists(best, &ctx, 0)) {
            revoked = 1;
        }
    }

    fresh = delta ? delta : best;

    v->files = conf->files;
    v->limited = (fresh && fresh->has_next_update);
    v->fresh_until = v->limited ? fresh->next_update : 0;
    v->result = revoked ? NGX_CERTAUTHZ_CRL_REVOKED
                : best ? NGX_CERTAUTHZ_CRL_OK
                : NGX_CERTAUTHZ_CRL_MISSING;

    ngx_log_debug4(NGX_LOG_DEBUG_EVENT, c->log, 0,
                   "certauthz: CRL verdict %ui of %ui files, %s CRL in "
                   "force, %s delta", v->result, conf->files->nelts,
                   best ? "a" : "no", delta ? "a" : "no");

    return NGX_OK;
}


/*
 * Without base: the newest complete CRL that counts for the leaf, and
 * whether any of them revokes it for good (*revoked); with base: the
 * newest delta CRL that applies on top of it.  NGX_DONE: no CRL can count
 * (logged), NGX_ERROR: an internal failure (logged).
 */

static ngx_int_t
ngx_certauthz_crl_find(ngx_certauthz_crl_conf_t *conf,
    ngx_certauthz_crl_ctx_t *ctx, ngx_certauthz_crl_t *base,
    ngx_certauthz_crl_t **found, ngx_uint_t *revoked)
{
    ngx_int_t                   rc;
    ngx_uint_t                  f, i;
    ngx_certauthz_crl_t        *crl;
    ngx_certauthz_crl_file_t  **file;

    file = conf->files->elts;

    for (f = 0; f < conf->files->nelts; f++) {

        crl = file[f]->set->crls.elts;

        for (i = 0; i < file[f]->set->crls.nelts; i++) {

            if (base == NULL) {
                if (crl[i].flags
                    & (NGX_CERTAUTHZ_CRL_DELTA | NGX_CERTAUTHZ_CRL_UNUSED))
                {
                    continue;
                }

            } else if (!ngx_certauthz_crl_delta_of(&crl[i], base)
                       || (*found
                           && !ngx_certauthz_crl_newer(&crl[i], *found)))
            {
                continue;
            }

            rc = ngx_certauthz_crl_counts(file[f], &crl[i], ctx);

            if (rc == NGX_DECLINED) {
                continue;
            }

            if (rc != NGX_OK) {
                return rc;
            }

            if (ctx->len == 0) {
                ngx_log_error(NGX_LOG_INFO, ctx->log, 0,
                              "certauthz: the serial of the client "
                              "certificate is longer than 1024 bytes, no CRL "
                              "can be applied");
                return NGX_DONE;
            }

            if (base) {
                /* a delta shares its base's scope */
                *found = &crl[i];
                continue;
            }

            if (!ngx_certauthz_crl_covers(&crl[i], ctx)) {
                continue;
            }

            if (ngx_certauthz_crl_lists(&crl[i], ctx, 0)
                && !ngx_certauthz_crl_lists(&crl[i], ctx,
                                            NGX_CERTAUTHZ_CRL_MARK_HOLD))
            {
                *revoked = 1;
            }

            if (*found == NULL || ngx_certauthz_crl_newer(&crl[i], *found)) {
                *found = &crl[i];
            }
        }
    }

    return NGX_OK;
}


/*
 * Whether a CRL is of the leaf's issuer and verifies with its key:
 * NGX_OK or NGX_DECLINED, NGX_DONE if no CRL can (the issuer is unknown:
 * logged), NGX_ERROR on an internal failure (logged).  The issuer is
 * looked up once, for the first CRL that names it, and kept.
 */

static ngx_int_t
ngx_certauthz_crl_counts(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_t *crl, ngx_certauthz_crl_ctx_t *ctx)
{
    int        n;
    ngx_int_t  rc;

    n = X509_NAME_cmp(crl->issuer, ctx->name);

    if (n == -2) {
        /* it could not encode a name: memory, not a mismatch */
        ngx_ssl_error(NGX_LOG_ALERT, ctx->log, 0,
                      "certauthz: cannot compare the issuer of the client "
                      "certificate with a CRL's");
        return NGX_ERROR;
    }

    if (n != 0) {
        return NGX_DECLINED;
    }

    if (ctx->issuer == NULL) {
        rc = ngx_certauthz_crl_issuer(ctx->ssl, ctx->leaf, &ctx->issuer);

        if (rc == NGX_ERROR) {
            ngx_ssl_error(NGX_LOG_ALERT, ctx->log, 0,
                          "certauthz: cannot look up the issuer of the "
                          "client certificate");
            return NGX_ERROR;
        }

        if (rc == NGX_DECLINED) {
            ngx_log_error(NGX_LOG_INFO, ctx->log, 0,
                          "certauthz: the issuer of the client certificate "
                          "is unknown, its CRL cannot be verified");
            return NGX_DONE;
        }
    }

    return ngx_certauthz_crl_verify(file, crl, ctx->issuer, ctx->log);
}


/*
 * Whether a complete CRL of the leaf's issuer covers the leaf (RFC 5280,
 * 5.2.5 and 6.3.3 b; OpenSSL's scope check): not one of CA certificates
 * only (for a leaf that is no CA), of user certificates only (for one that
 * is), of attribute certificates; and a partitioned one only where one of
 * the leaf's CRL distribution points names it
 */

static ngx_uint_t
ngx_certauthz_crl_covers(ngx_certauthz_crl_t *crl,
    ngx_certauthz_crl_ctx_t *ctx)
{
    int                  i, j, crit;
    ngx_uint_t           match;
    X509_NAME           *name;
    DIST_POINT          *dp;
    const u_char        *p;
    GENERAL_NAME        *gen;
    ISSUING_DIST_POINT  *idp;

    if ((crl->flags & NGX_CERTAUTHZ_CRL_ONLY_ATTR)
        || (crl->flags & (ctx->ca ? NGX_CERTAUTHZ_CRL_ONLY_USER
                                  : NGX_CERTAUTHZ_CRL_ONLY_CA)))
    {
        return 0;
    }

    if (!(crl->flags & NGX_CERTAUTHZ_CRL_PARTITION)) {
        return 1;
    }

    if (!ctx->dps_read) {
        ctx->dps_read = 1;
        ctx->dps = X509_get_ext_d2i(ctx->leaf, NID_crl_distribution_points,
                                    &crit, NULL);

        /* a relative name is relative to the CRL issuer it names */

        for (i = 0; ctx->dps && i < sk_DIST_POINT_num(ctx->dps); i++) {
            dp = sk_DIST_POINT_value(ctx->dps, i);
            name = ctx->name;

            for (j = 0; dp->CRLissuer && j < sk_GENERAL_NAME_num(dp->CRLissuer);
                 j++)
            {
                gen = sk_GENERAL_NAME_value(dp->CRLissuer, j);

                if (gen->type == GEN_DIRNAME) {
                    name = gen->d.directoryName;
                    break;
                }
            }

            if (DIST_POINT_set_dpname(dp->distpoint, name) != 1) {
                sk_DIST_POINT_pop_free(ctx->dps, DIST_POINT_free);
                ctx->dps = NULL;
            }
        }

        ERR_clear_error();
    }

    if (ctx->dps == NULL) {
        return 0;
    }

    p = crl->idp;
    idp = d2i_ISSUING_DIST_POINT(NULL, &p, crl->idp_len);

    if (idp == NULL || DIST_POINT_set_dpname(idp->distpoint, crl->issuer) != 1)
    {
        ISSUING_DIST_POINT_free(idp);
        ERR_clear_error();
        return 0;
    }

    match = 0;

    for (i = 0; !match && i < sk_DIST_POINT_num(ctx->dps); i++) {
        dp = sk_DIST_POINT_value(ctx->dps, i);

        /* a point of another CRL issuer is not this CRL's */

        if (dp->CRLissuer) {
            for (j = 0; j < sk_GENERAL_NAME_num(dp->CRLissuer); j++) {
                gen = sk_GENERAL_NAME_value(dp->CRLissuer, j);

                if (gen->type == GEN_DIRNAME
                    && X509_NAME_cmp(gen->d.directoryName, crl->issuer) == 0)
                {
                    break;
                }
            }

            if (j == sk_GENERAL_NAME_num(dp->CRLissuer)) {
                continue;
            }
        }

        match = (dp->distpoint == NULL)
                || ngx_certauthz_crl_dp_match(dp->distpoint, idp->distpoint);
    }

    ISSUING_DIST_POINT_free(idp);

    return match;
}


/*
 * Whether two distribution point names name the same point: two full
 * names share a name; a relative name (made whole with its CRL issuer)
 * is a directory name of the other's full name, or equals the other
 */

static ngx_uint_t
ngx_certauthz_crl_dp_match(DIST_POINT_NAME *a, DIST_POINT_NAME *b)
{
    int                i, j;
    X509_NAME         *name;
    GENERAL_NAME      *gen;
    GENERAL_NAMES     *gens;
    DIST_POINT_NAME   *t;

    if (a->type == 1 && b->type == 1) {
        return a->dpname && b->dpname
               && X509_NAME_cmp(a->dpname, b->dpname) == 0;
    }

    if (b->type == 1) {
        t = a;
        a = b;
        b = t;
    }

    if (a->type == 1) {
        name = a->dpname;
        gens = b->name.fullname;

        for (i = 0; name && i < sk_GENERAL_NAME_num(gens); i++) {
            gen = sk_GENERAL_NAME_value(gens, i);

            if (gen->type == GEN_DIRNAME
                && X509_NAME_cmp(name, gen->d.directoryName) == 0)
            {
                return 1;
            }
        }

        return 0;
    }

    for (i = 0; i < sk_GENERAL_NAME_num(a->name.fullname); i++) {
        for (j = 0; j < sk_GENERAL_NAME_num(b->name.fullname); j++) {
            if (GENERAL_NAME_cmp(sk_GENERAL_NAME_value(a->name.fullname, i),
                                 sk_GENERAL_NAME_value(b->name.fullname, j))
                == 0)
            {
                return 1;
            }
        }
    }

    return 0;
}


/* whether a is newer than b: CRLNumber where both have one, else thisUpdate */

ngx_uint_t
ngx_certauthz_crl_newer(ngx_certauthz_crl_t *a, ngx_certauthz_crl_t *b)
{
    int  n;

    if ((a->flags & b->flags & NGX_CERTAUTHZ_CRL_NUMBERED)) {
        n = ngx_memcmp(a->number, b->number, NGX_CERTAUTHZ_CRL_NUMBER_LEN);

        if (n != 0) {
            return n > 0;
        }
    }

    return a->this_update > b->this_update;
}


/*
 * Whether a delta CRL applies on top of a complete one (RFC 5280, 5.2.4;
 * OpenSSL's check_delta_base): its BaseCRLNumber is at most the complete
 * CRL's number, its own number above it, and both have the same
 * issuingDistributionPoint and authorityKeyIdentifier (the issuer: the
 * caller's check)
 */

static ngx_uint_t
ngx_certauthz_crl_delta_of(ngx_certauthz_crl_t *delta,
    ngx_certauthz_crl_t *base)
{
    if (!(delta->flags & NGX_CERTAUTHZ_CRL_DELTA)
        || !(delta->flags & NGX_CERTAUTHZ_CRL_NUMBERED)
        || !(base->flags & NGX_CERTAUTHZ_CRL_NUMBERED)
        || ngx_memcmp(delta->base, base->number,
                      NGX_CERTAUTHZ_CRL_NUMBER_LEN) > 0
        || ngx_memcmp(delta->number, base->number,
                      NGX_CERTAUTHZ_CRL_NUMBER_LEN) <= 0)
    {
        return 0;
    }

    if ((delta->idp == NULL) != (base->idp == NULL)
        || delta->idp_len != base->idp_len
        || (delta->idp
            && ngx_memcmp(delta->idp, base->idp, base->idp_len) != 0))
    {
        return 0;
    }

    if ((delta->akid == NULL) != (base->akid == NULL)
        || delta->akid_len != base->akid_len
        || (delta->akid
            && ngx_memcmp(delta->akid, base->akid, base->akid_len) != 0))
    {
        return 0;
    }

    return 1;
}


/*
 * Whether a CRL of a file is in force there, as ngx_certauthz_crl_verdict()
 * takes it for the certificates it covers, the signatures aside (they are
 * checked per connection, with the key of its issuer): of the complete
 * CRLs of one issuer and scope (issuingDistributionPoint) that can cover a
 * leaf and are used, the newest, with the newest delta CRL that applies on
 * top of it.  NGX_CERTAUTHZ_CRL_IN_FORCE, with NGX_CERTAUTHZ_CRL_DECIDES
 * where its nextUpdate is the one that decides crl-stale: the delta's, else
 * the complete CRL's.  0: not in force (never used, of CA or attribute
 * certificates only, superseded), nor is any CRL of a scope whose delta in
 * force cannot be used (no verdict: crl-missing).
 */

ngx_uint_t
ngx_certauthz_crl_in_force(ngx_certauthz_crl_set_t *set,
    ngx_certauthz_crl_t *crl)
{
    ngx_certauthz_crl_t  *best, *delta;

    if (!(crl->flags & NGX_CERTAUTHZ_CRL_DELTA)
        && (crl->flags & (NGX_CERTAUTHZ_CRL_UNUSED
                          | NGX_CERTAUTHZ_CRL_ONLY_CA
                          | NGX_CERTAUTHZ_CRL_ONLY_ATTR)))
    {
        return 0;
    }

    best = ngx_certauthz_crl_newest(set, crl, NULL);

    if (best == NULL) {
        return 0;
    }

    delta = ngx_certauthz_crl_newest(set, best, best);

    if (delta == NULL) {
        return (crl == best)
               ? NGX_CERTAUTHZ_CRL_IN_FORCE | NGX_CERTAUTHZ_CRL_DECIDES : 0;
    }

    if (delta->flags & NGX_CERTAUTHZ_CRL_UNUSED) {
        return 0;
    }

    if (crl == delta) {
        return NGX_CERTAUTHZ_CRL_IN_FORCE | NGX_CERTAUTHZ_CRL_DECIDES;
    }

    return (crl == best) ? NGX_CERTAUTHZ_CRL_IN_FORCE : 0;
}


/*
 * Without base: the newest complete CRL of a set of the issuer and scope
 * of crl that can cover a leaf and is used; with base: the newest delta
 * CRL that applies on top of it.  Of equals, the first, as
 * ngx_certauthz_crl_find() takes them.
 */

static ngx_certauthz_crl_t *
ngx_certauthz_crl_newest(ngx_certauthz_crl_set_t *set,
    ngx_certauthz_crl_t *crl, ngx_certauthz_crl_t *base)
{
    ngx_uint_t            i;
    ngx_certauthz_crl_t  *c, *found;

    c = set->crls.elts;
    found = NULL;

    for (i = 0; i < set->crls.nelts; i++) {

        if (base == NULL) {
            if ((c[i].flags & (NGX_CERTAUTHZ_CRL_DELTA
                               | NGX_CERTAUTHZ_CRL_UNUSED
                               | NGX_CERTAUTHZ_CRL_ONLY_CA
                               | NGX_CERTAUTHZ_CRL_ONLY_ATTR))
                || c[i].idp_len != crl->idp_len
                || (c[i].idp == NULL) != (crl->idp == NULL)
                || (c[i].idp
                    && ngx_memcmp(c[i].idp, crl->idp, crl->idp_len) != 0))
            {
                continue;
            }

        } else if (!ngx_certauthz_crl_delta_of(&c[i], base)) {
            continue;
        }

        if ((found && !ngx_certauthz_crl_newer(&c[i], found))
            || X509_NAME_cmp(c[i].issuer, crl->issuer) != 0)
        {
            continue;
        }

        found = &c[i];
    }

    ERR_clear_error();

    return found;
}


/* whether a CRL lists the leaf (mark 0), or lists it with that mark */

static ngx_uint_t
ngx_certauthz_crl_lists(ngx_certauthz_crl_t *crl,
    ngx_certauthz_crl_ctx_t *ctx, u_char mark)
{
    if (mark == 0) {
        return ngx_certauthz_set_has(&crl->serials, ctx->key + 1, ctx->len);
    }

    ctx->key[0] = mark;

    return ngx_certauthz_set_has(&crl->marks, ctx->key, 1 + ctx->len);
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
                      "key of its issuer, ignored", &file->name);
    }

    return crl->key_result;

failed:

    ngx_ssl_error(NGX_LOG_ALERT, log, 0,
                  "certauthz: cannot check the signature of a CRL in \"%V\"",
                  &file->name);

    return NGX_ERROR;
}
