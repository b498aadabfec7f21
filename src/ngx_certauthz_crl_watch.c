
/*
 * certauthz: a worker's timer per CRL file.  It looks at the file every
 * certauthz_crl_refresh (the shortest any policy asks for), so that an
 * idle worker's CRLs are as current as a busy one's, and it warns before
 * a CRL in force goes stale (certauthz_crl_warn): a CRL whose nextUpdate
 * is near is logged at "warn", by one worker of the host, at most once an
 * hour per file.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"


#define NGX_CERTAUTHZ_CRL_WARN_EVERY  3600      /* seconds */


static void ngx_certauthz_crl_watch_handler(ngx_event_t *ev);
static void ngx_certauthz_crl_warn(ngx_certauthz_crl_file_t *file,
    ngx_log_t *log);
static void ngx_certauthz_crl_warn_one(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_t *crl, ngx_log_t *log);


/* what a policy that names the file asks of it, after the merge */

void
ngx_certauthz_crl_watch_conf(ngx_certauthz_crl_conf_t *conf)
{
    ngx_uint_t                  i;
    ngx_certauthz_crl_file_t  **file;

    file = conf->files->elts;

    for (i = 0; i < conf->files->nelts; i++) {

        if (conf->refresh
            && (file[i]->refresh == 0 || conf->refresh < file[i]->refresh))
        {
            file[i]->refresh = conf->refresh;
        }

        if (conf->warn > file[i]->warn) {
            file[i]->warn = conf->warn;
        }
    }
}


/* in a worker: the first look now, then the timer */

void
ngx_certauthz_crl_watch(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    if (file->watch.handler != NULL
        || (file->refresh == 0 && file->warn == 0))
    {
        return;
    }

    file->watch.handler = ngx_certauthz_crl_watch_handler;
    file->watch.data = file;
    file->watch.log = log;
    file->watch.cancelable = 1;

    ngx_certauthz_crl_watch_handler(&file->watch);
}


static void
ngx_certauthz_crl_watch_handler(ngx_event_t *ev)
{
    ngx_msec_t                 next, due;
    ngx_certauthz_crl_file_t  *file;

    file = ev->data;

    next = NGX_CERTAUTHZ_CRL_WARN_EVERY * 1000;

    if (file->refresh) {
        ngx_certauthz_crl_refresh(file, file->refresh, ev->log);

        /* when the file is due again (a request may have looked at it) */
        due = file->refresh - (ngx_current_msec - file->checked);

        if ((ngx_msec_int_t) due <= 0 || due > file->refresh) {
            due = file->refresh;
        }

        next = ngx_min(next, due);
    }

    /* one worker of the host warns */
    if (file->warn && ngx_worker == 0) {
        ngx_certauthz_crl_warn(file, ev->log);
    }

    ngx_add_timer(ev, next);
}


static void
ngx_certauthz_crl_warn(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    time_t                now;
    ngx_uint_t            i, warned;
    ngx_certauthz_crl_t  *crl;

    now = ngx_time();

    if (file->set == NULL
        || (file->warned && now - file->warned < NGX_CERTAUTHZ_CRL_WARN_EVERY))
    {
        return;
    }

    warned = 0;
    crl = file->set->crls.elts;

    for (i = 0; i < file->set->crls.nelts; i++) {
        if (crl[i].has_next_update
            && crl[i].next_update - now < file->warn)
        {
            ngx_certauthz_crl_warn_one(file, &crl[i], log);
            warned = 1;
        }
    }

    if (warned) {
        file->warned = now;
    }
}


static void
ngx_certauthz_crl_warn_one(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_t *crl, ngx_log_t *log)
{
    BIO        *bio;
    char       *name;
    long        len;
    time_t      left;
    ngx_tm_t    tm;

    bio = BIO_new(BIO_s_mem());

    if (bio == NULL
        || X509_NAME_print_ex(bio, crl->issuer, 0, XN_FLAG_RFC2253) < 0)
    {
        len = 0;
        name = NULL;

    } else {
        len = BIO_get_mem_data(bio, &name);
    }

    ngx_gmtime(crl->next_update, &tm);

    left = crl->next_update - ngx_time();

    if (left > 0) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "certauthz: the CRL of \"%*s\" in \"%V\" is valid "
                      "until %4d-%02d-%02d %02d:%02d:%02d UTC (nextUpdate), "
                      "in %T min: publish a new one before, or certificates "
                      "of that issuer are denied (crl-stale)",
                      (size_t) len, name, &file->path,
                      tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                      tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec,
                      (left + 59) / 60);

    } else {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "certauthz: the CRL of \"%*s\" in \"%V\" was valid "
                      "until %4d-%02d-%02d %02d:%02d:%02d UTC (nextUpdate): "
                      "certificates of that issuer are denied (crl-stale)",
                      (size_t) len, name, &file->path,
                      tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                      tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
    }

    BIO_free(bio);

    ERR_clear_error();
}
