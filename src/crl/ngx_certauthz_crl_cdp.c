
/*
 * certauthz: "certauthz_crl cdp", the CRLs that each certificate names in
 * its CRL Distribution Points.  A configuration has certauthz_crl_cdp_max
 * slots, each a CRL from a URL (ngx_certauthz_crl_remote.c) whose URL is
 * not known until a certificate names it: the first request whose
 * certificate's issuer no CRL in force covers claims a free slot for each
 * http(s) URL of its distribution points (host-wide, under a lock in the
 * first slot's state, so that a URL is claimed once), has it fetched at
 * once, and waits for that first fetch for certauthz_crl_cdp_wait at most,
 * polling without holding up the worker.  The slots are in the CRL files
 * of every policy that says "cdp", so their CRLs count as a file's do.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"


/* how many refused URLs a process remembers, to log each once */
#define NGX_CERTAUTHZ_CRL_CDP_SAID  64


static ngx_certauthz_crl_file_t *ngx_certauthz_crl_cdp_slot(
    ngx_certauthz_crl_cdp_t *cdp, ngx_str_t *url, X509 *cert,
    ngx_log_t *log);
static ngx_certauthz_crl_file_t *ngx_certauthz_crl_cdp_find(
    ngx_certauthz_crl_cdp_t *cdp, ngx_str_t *url);
static ngx_certauthz_crl_file_t *ngx_certauthz_crl_cdp_claim(
    ngx_certauthz_crl_cdp_t *cdp, ngx_str_t *url);
static void ngx_certauthz_crl_cdp_refuse(ngx_certauthz_crl_cdp_t *cdp,
    ngx_str_t *url, X509 *cert, const char *why, ngx_log_t *log);


/*
 * "certauthz_crl cdp": the configuration's slots, made at the first one,
 * added to the files of the policy (of ngx_certauthz_crl_file_t *)
 */

ngx_certauthz_crl_cdp_t *
ngx_certauthz_crl_cdp_conf(ngx_conf_t *cf, ngx_array_t *files,
    ngx_certauthz_crl_fetch_conf_t *conf, ngx_certauthz_crl_cdp_t *cdp)
{
    ngx_uint_t                  i, n;
    ngx_certauthz_crl_file_t  **slot, **file, *f;

    if (cdp != NULL) {
        return cdp;
    }

    cdp = ngx_pcalloc(cf->pool, sizeof(ngx_certauthz_crl_cdp_t));
    if (cdp == NULL) {
        return NULL;
    }

    /* certauthz_crl_cdp_max must come first: it is fixed from now on */
    ngx_conf_init_uint_value(conf->cdp_max, 32);
    n = conf->cdp_max;
    conf->cdp_fixed = 1;

    cdp->conf = conf;

    if (ngx_array_init(&cdp->slots, cf->pool, n,
                       sizeof(ngx_certauthz_crl_file_t *))
        != NGX_OK
        || ngx_array_init(&cdp->said, cf->pool, 4, sizeof(uint32_t))
           != NGX_OK)
    {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        f = ngx_pcalloc(cf->pool, sizeof(ngx_certauthz_crl_file_t));
        if (f == NULL) {
            return NULL;
        }

        if (ngx_certauthz_crl_remote_slot(cf, f, conf) != NGX_OK) {
            return NULL;
        }

        slot = ngx_array_push(&cdp->slots);
        file = ngx_array_push(files);

        if (slot == NULL || file == NULL) {
            return NULL;
        }

        *slot = f;
        *file = f;
    }

    return cdp;
}


/*
 * A verified certificate whose issuer no CRL in force covers: its
 * distribution points claimed and fetched.  NGX_AGAIN: a fetch that it
 * needs has not ended, and the request may wait (until *until, msec,
 * which the first call sets); NGX_OK: decide now
 */

ngx_int_t
ngx_certauthz_crl_cdp_check(ngx_certauthz_crl_cdp_t *cdp,
    ngx_connection_t *c, ngx_msec_t *until)
{
    int                                i, j;
    X509                              *cert;
    ngx_str_t                          url;
    ngx_uint_t                         pending;
    DIST_POINT                        *dp;
    GENERAL_NAME                      *gn;
    CRL_DIST_POINTS                   *dps;
    ngx_certauthz_crl_file_t          *slot;
    ngx_certauthz_crl_remote_state_t  *state;

    if (c->ssl == NULL) {
        return NGX_OK;
    }

#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
    cert = SSL_get0_peer_certificate(c->ssl->connection);
#else
    cert = SSL_get_peer_certificate(c->ssl->connection);
#endif

    if (cert == NULL) {
        return NGX_OK;
    }

    dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
    pending = 0;

    for (i = 0; dps != NULL && i < sk_DIST_POINT_num(dps); i++) {
        dp = sk_DIST_POINT_value(dps, i);

        /* a full name (a name relative to the issuer is no URL) */

        if (dp->distpoint == NULL || dp->distpoint->type != 0) {
            continue;
        }

        for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname);
             j++)
        {
            gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j);

            if (gn->type != GEN_URI) {
                continue;
            }

            url.data = (u_char *) ASN1_STRING_get0_data(
                                      gn->d.uniformResourceIdentifier);
            url.len = ASN1_STRING_length(gn->d.uniformResourceIdentifier);

            /* ldap:// and the like are not fetched */
            if (!ngx_certauthz_crl_is_url(&url)) {
                continue;
            }

            slot = ngx_certauthz_crl_cdp_slot(cdp, &url, cert, c->log);

            if (slot == NULL) {
                continue;
            }

            state = ngx_certauthz_crl_remote_state(slot);

            /*
             * the first fetch has not ended, or it has, and published
             * CRLs that this worker has not taken yet: it takes them on
             * its next look (the host sets "tried" after it publishes)
             */

            if (!state->tried
                || (slot->published != NULL
                    && *slot->published != slot->seen))
            {
                pending = 1;
            }
        }
    }

    CRL_DIST_POINTS_free(dps);

#if (OPENSSL_VERSION_NUMBER < 0x30000000L)
    X509_free(cert);
#endif

    if (!pending || cdp->conf->cdp_wait == 0) {
        return NGX_OK;
    }

    if (*until == 0) {
        *until = ngx_current_msec + cdp->conf->cdp_wait;

        if (*until == 0) {
            *until = 1;
        }
    }

    if ((ngx_msec_int_t) (ngx_current_msec - *until) >= 0) {
        return NGX_OK;
    }

    return NGX_AGAIN;
}


/*
 * The slot of a URL: found, or claimed now and its fetch started; NULL
 * if the URL is refused (logged once) or cannot be claimed now
 */

static ngx_certauthz_crl_file_t *
ngx_certauthz_crl_cdp_slot(ngx_certauthz_crl_cdp_t *cdp, ngx_str_t *url,
    X509 *cert, ngx_log_t *log)
{
    const char                        *why;
    ngx_atomic_uint_t                  lock;
    ngx_certauthz_crl_file_t          *slot, **first;
    ngx_certauthz_crl_remote_state_t  *state;

    why = ngx_certauthz_crl_url_check(url);

    if (why != NULL) {
        ngx_certauthz_crl_cdp_refuse(cdp, url, cert, why, log);
        return NULL;
    }

    if (cdp->conf->cdp_allow != NULL
        && !ngx_certauthz_crl_allowed(cdp->conf->cdp_allow, url))
    {
        ngx_certauthz_crl_cdp_refuse(cdp, url, cert,
                                     "not under a prefix of "
                                     "certauthz_crl_cdp_allow", log);
        return NULL;
    }

    slot = ngx_certauthz_crl_cdp_find(cdp, url);

    if (slot != NULL) {
        return slot;
    }

    /* claimed under the lock, so that two processes never take two slots
     * for one URL; a lock whose holder died is taken over */

    first = cdp->slots.elts;
    state = ngx_certauthz_crl_remote_state(first[0]);
    lock = state->lock;

    if (lock != 0 && (kill((ngx_pid_t) lock, 0) == 0 || ngx_errno != ESRCH))
    {
        return NULL;
    }

    if (!ngx_atomic_cmp_set(&state->lock, lock, ngx_pid)) {
        return NULL;
    }

    slot = ngx_certauthz_crl_cdp_find(cdp, url);

    if (slot == NULL) {
        slot = ngx_certauthz_crl_cdp_claim(cdp, url);
    }

    (void) ngx_atomic_cmp_set(&state->lock, ngx_pid, 0);

    if (slot == NULL) {
        ngx_certauthz_crl_cdp_refuse(cdp, url, cert,
                                     "more distribution points than "
                                     "certauthz_crl_cdp_max", log);
        return NULL;
    }

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "certauthz: fetching CRL \"%V\", a distribution point of "
                  "the client certificate", url);

    (void) ngx_certauthz_crl_remote_adopt(slot);

    ngx_certauthz_crl_watch_now(slot);

    return slot;
}


static ngx_certauthz_crl_file_t *
ngx_certauthz_crl_cdp_find(ngx_certauthz_crl_cdp_t *cdp, ngx_str_t *url)
{
    ngx_uint_t                         i;
    ngx_certauthz_crl_file_t         **slot;
    ngx_certauthz_crl_remote_state_t  *state;

    slot = cdp->slots.elts;

    for (i = 0; i < cdp->slots.nelts; i++) {
        state = ngx_certauthz_crl_remote_state(slot[i]);

        if (state->url_len == url->len
            && ngx_memcmp(state->url, url->data, url->len) == 0)
        {
            (void) ngx_certauthz_crl_remote_adopt(slot[i]);
            return slot[i];
        }
    }

    return NULL;
}


/* under the lock: a free slot takes the URL, NULL if none is free */

static ngx_certauthz_crl_file_t *
ngx_certauthz_crl_cdp_claim(ngx_certauthz_crl_cdp_t *cdp, ngx_str_t *url)
{
    ngx_uint_t                         i;
    ngx_certauthz_crl_file_t         **slot;
    ngx_certauthz_crl_remote_state_t  *state;

    slot = cdp->slots.elts;

    for (i = 0; i < cdp->slots.nelts; i++) {
        state = ngx_certauthz_crl_remote_state(slot[i]);

        if (state->claimed != 0) {
            continue;
        }

        state->claimed = ngx_pid;
        ngx_memcpy(state->url, url->data, url->len);
        state->url[url->len] = '\0';
        state->due = 0;

        /* the URL whole before its length says that it is there */
        ngx_memory_barrier();

        state->url_len = url->len;

        return slot[i];
    }

    return NULL;
}


/* a refused URL, logged once per process (a hash of it remembered) */

static void
ngx_certauthz_crl_cdp_refuse(ngx_certauthz_crl_cdp_t *cdp, ngx_str_t *url,
    X509 *cert, const char *why, ngx_log_t *log)
{
    char        *issuer;
    uint32_t     hash, *said;
    ngx_uint_t   i;

    hash = ngx_crc32_short(url->data, url->len);
    said = cdp->said.elts;

    for (i = 0; i < cdp->said.nelts; i++) {
        if (said[i] == hash) {
            return;
        }
    }

    if (cdp->said.nelts < NGX_CERTAUTHZ_CRL_CDP_SAID) {
        said = ngx_array_push(&cdp->said);
        if (said != NULL) {
            *said = hash;
        }
    }

    issuer = X509_NAME_oneline(X509_get_issuer_name(cert), NULL, 0);

    ngx_log_error(NGX_LOG_WARN, log, 0,
                  "certauthz: CRL distribution point \"%*s\" of a "
                  "certificate of \"%s\" is not fetched: %s",
                  ngx_min(url->len, 512), url->data,
                  issuer ? issuer : "?", why);

    OPENSSL_free(issuer);
}
