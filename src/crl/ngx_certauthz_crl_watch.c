
/*
 * certauthz: how the host keeps a CRL file current.  Each worker has a
 * timer per file; every certauthz_crl_refresh (the shortest interval any
 * policy asks for), one of them, whichever takes the lease of the host's
 * copy first (see ngx_certauthz_crl_store.c), looks at the file, so that an
 * idle host's CRLs are as current as a busy one's and no one worker is
 * needed for it: one that is stopped, stuck or gone (an old worker after
 * a reload) holds nothing back.  A changed file is loaded in nginx's
 * thread pool, off the event loop, into the host's copy, and published
 * when it is ready (without thread support, in the event loop).  Each
 * worker puts what is published in force within a second (the timer) or
 * on its next request, whichever is first.  And one worker warns before a
 * CRL in force goes stale (certauthz_crl_warn): a CRL in force whose
 * nextUpdate decides crl-stale (ngx_certauthz_crl_in_force()) and is near
 * is logged at "warn", at most once an hour per file.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"

#if (NGX_THREADS)
#include <ngx_thread_pool.h>
#endif


#define NGX_CERTAUTHZ_CRL_WARN_EVERY  3600      /* seconds */

/* while this worker loads: how often it says that it is alive (msec) */
#define NGX_CERTAUTHZ_CRL_BEAT        200


#if (NGX_THREADS)

typedef struct {
    ngx_certauthz_crl_file_t  *file;
    ngx_certauthz_crl_set_t   *set;
    ngx_certauthz_crl_arena_t *arena;
    const char                *err;
    ngx_certauthz_file_err_t   fe;
} ngx_certauthz_crl_task_t;


static ngx_int_t ngx_certauthz_crl_load_async(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_arena_t *arena);
static void ngx_certauthz_crl_load_thread(void *data, ngx_log_t *log);
static void ngx_certauthz_crl_load_done(ngx_event_t *ev);

static ngx_str_t  ngx_certauthz_crl_thread_pool = ngx_string("default");

#endif


static void ngx_certauthz_crl_refresh(ngx_certauthz_crl_file_t *file,
    ngx_log_t *log);
static ngx_int_t ngx_certauthz_crl_look(ngx_certauthz_crl_file_t *file,
    ngx_log_t *log);
static void ngx_certauthz_crl_loaded(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_set_t *set, const char *err,
    ngx_certauthz_file_err_t *fe, ngx_log_t *log);
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


/*
 * On the worker's timer: what the host published put in force; then,
 * at most every "refresh" for the host, a look at the file: a changed one
 * is loaded whole into a new set, which replaces the old one between
 * requests; a file that cannot be loaded leaves the last good set in
 * force.  While a load runs in a thread, the old set serves.
 */

static void
ngx_certauthz_crl_refresh(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    if (file->shm) {
        ngx_certauthz_crl_shm_follow(file, log);

        if (file->loading) {
            ngx_certauthz_crl_shm_beat(file);
            return;
        }

        /* a fetched CRL: when its fetch is due, not every "refresh" */

        if (file->refresh == 0
            || (file->remote && !ngx_certauthz_crl_remote_due(file))
            || ngx_certauthz_crl_shm_lock(file, file->refresh,
                                          file->remote == NULL, log)
               != NGX_OK)
        {
            return;
        }

    } else {
        if (file->refresh == 0 || file->loading) {
            return;
        }

        if (file->remote) {
            if (!ngx_certauthz_crl_remote_due(file)) {
                return;
            }

        } else if ((ngx_msec_int_t) (ngx_current_msec - file->checked)
                   < (ngx_msec_int_t) file->refresh)
        {
            return;
        }

        file->checked = ngx_current_msec;
    }

    /* NGX_AGAIN: a load runs, and ends the look */

    if (ngx_certauthz_crl_look(file, log) != NGX_AGAIN && file->shm) {
        ngx_certauthz_crl_shm_unlock(file);
    }
}


/* a look at the file: NGX_AGAIN if a load of it runs in a thread now */

static ngx_int_t
ngx_certauthz_crl_look(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    const char                 *err;
    ngx_file_info_t             fi;
    ngx_certauthz_crl_set_t    *set;
    ngx_certauthz_file_err_t    fe;
    ngx_certauthz_crl_arena_t  *arena;

    if (file->remote) {
        return ngx_certauthz_crl_remote_look(file, log);
    }

    if (ngx_file_info(file->path.data, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "certauthz: " ngx_file_info_n " CRL file \"%V\" "
                      "failed, the last good CRLs stay in force",
                      &file->name);
        return NGX_OK;
    }

    if (file->shm) {
        if (!ngx_certauthz_crl_shm_changed(file, &fi)) {
            return NGX_OK;
        }

    } else if (ngx_certauthz_crl_id_is(&file->id, &fi)) {
        return NGX_OK;
    }

    arena = NULL;

    if (file->shm) {
        arena = ngx_certauthz_crl_shm_arena(file, log);

        /* every slot is read by a worker that lags: look again later */
        if (arena == NULL) {
            return NGX_OK;
        }
    }

    ngx_certauthz_crl_id_set(&file->id, &fi);

    if (file->shm) {
        ngx_certauthz_crl_shm_tried(file, 0);
    }

#if (NGX_THREADS)
    if (ngx_certauthz_crl_load_async(file, arena) == NGX_OK) {
        return NGX_AGAIN;
    }
#endif

    /* the set outlives the request: it logs to the cycle's log */
    set = ngx_certauthz_crl_load(&file->path, ngx_cycle->log, &err, &fe,
                                 arena, &file->stores);

    ngx_certauthz_crl_loaded(file, set, err, &fe, log);

    return NGX_OK;
}


/* a load has ended: its result in force, or its error logged */

static void
ngx_certauthz_crl_loaded(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_set_t *set, const char *err,
    ngx_certauthz_file_err_t *fe, ngx_log_t *log)
{
    ngx_certauthz_crl_swap(file, set, err, fe, log);

    if (file->shm) {
        ngx_certauthz_crl_shm_tried(file, 1);
    }
}


/* in a worker: the first look now, then the timer */

void
ngx_certauthz_crl_watch(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    if (file->shm && file->watch.handler == NULL) {
        ngx_certauthz_crl_shm_start(file, log);
    }

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


/* a look (a fetch) now, not at the next tick: a URL just claimed */

void
ngx_certauthz_crl_watch_now(ngx_certauthz_crl_file_t *file)
{
    if (file->watch.handler == NULL) {
        return;
    }

    if (file->watch.timer_set) {
        ngx_del_timer(&file->watch);
    }

    ngx_certauthz_crl_watch_handler(&file->watch);
}


/*
 * At a worker's exit: a load finished but not taken, freed; the host's
 * copy told that this worker reads it no more
 */

void
ngx_certauthz_crl_watch_exit(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
#if (NGX_THREADS)
    ngx_certauthz_crl_task_t  *ctx;

    if (file->remote) {
        ngx_certauthz_crl_remote_exit(file);

    } else if (file->loading && file->task != NULL) {

        ctx = file->task->ctx;

        file->loading = 0;

        if (ctx->set != NULL) {
            ngx_certauthz_crl_set_free(ctx->set);
            ctx->set = NULL;
        }

        if (file->shm) {
            ngx_certauthz_crl_shm_drop(file);
        }
    }
#endif

    if (file->shm) {
        ngx_certauthz_crl_shm_exit(file);
    }
}


static void
ngx_certauthz_crl_watch_handler(ngx_event_t *ev)
{
    ngx_msec_t                 next;
    ngx_certauthz_crl_file_t  *file;

    file = ev->data;

    next = NGX_CERTAUTHZ_CRL_WARN_EVERY * 1000;

    if (file->refresh) {
        ngx_certauthz_crl_refresh(file, ev->log);

        next = ngx_min(next, ngx_min(file->refresh, NGX_CERTAUTHZ_CRL_POLL));

        if (file->loading) {
            next = ngx_min(next, NGX_CERTAUTHZ_CRL_BEAT);
        }
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

    /*
     * only a CRL whose nextUpdate decides crl-stale: not one that is never
     * used, that covers no leaf, or that a newer CRL supersedes
     */

    for (i = 0; i < file->set->crls.nelts; i++) {
        if (crl[i].has_next_update
            && crl[i].next_update - now < file->warn
            && (ngx_certauthz_crl_in_force(file->set, &crl[i])
                & NGX_CERTAUTHZ_CRL_DECIDES))
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
    u_char    *p, what[256];
    time_t     left;
    ngx_tm_t   tm;

    ngx_gmtime(crl->next_update, &tm);

    left = crl->next_update - ngx_time();

    if (left > 0) {
        p = ngx_snprintf(what, sizeof(what) - 1,
                         "is valid until %4d-%02d-%02d %02d:%02d:%02d UTC "
                         "(nextUpdate), in %T min: publish a new one "
                         "before, or certificates of that issuer are "
                         "denied (crl-stale)",
                         tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                         tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec,
                         (left + 59) / 60);

    } else {
        p = ngx_snprintf(what, sizeof(what) - 1,
                         "was valid until %4d-%02d-%02d %02d:%02d:%02d UTC "
                         "(nextUpdate): certificates of that issuer are "
                         "denied (crl-stale)",
                         tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                         tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
    }

    *p = '\0';

    ngx_certauthz_crl_note(crl, &file->name, NGX_LOG_WARN, what, "", log);
}


#if (NGX_THREADS)

/*
 * The thread task of a file (its loads, or a URL's fetches): one per file
 * and worker, for as long as the worker lives, its context zeroed; and
 * the pool.  NGX_DECLINED: no pool in this process
 */

ngx_int_t
ngx_certauthz_crl_task(ngx_certauthz_crl_file_t *file, size_t size,
    ngx_thread_pool_t **tp)
{
    ngx_thread_task_t  *task;

    *tp = ngx_thread_pool_get((ngx_cycle_t *) ngx_cycle,
                              &ngx_certauthz_crl_thread_pool);
    if (*tp == NULL) {
        return NGX_DECLINED;
    }

    task = file->task;

    if (task == NULL) {
        task = ngx_thread_task_alloc(ngx_cycle->pool, size);
        if (task == NULL) {
            return NGX_ERROR;
        }

        file->task = task;
    }

    ngx_memzero(task->ctx, size);

    return NGX_OK;
}


/*
 * NGX_OK: the load is posted to the thread pool; else it is to be made
 * here (no pool in this process, or the pool's queue is full: logged)
 */

static ngx_int_t
ngx_certauthz_crl_load_async(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_arena_t *arena)
{
    ngx_int_t                  rc;
    ngx_thread_task_t         *task;
    ngx_thread_pool_t         *tp;
    ngx_certauthz_crl_task_t  *ctx;

    rc = ngx_certauthz_crl_task(file, sizeof(ngx_certauthz_crl_task_t), &tp);
    if (rc != NGX_OK) {
        return rc;
    }

    task = file->task;
    ctx = task->ctx;
    ctx->file = file;
    ctx->arena = arena;

    task->handler = ngx_certauthz_crl_load_thread;
    task->event.handler = ngx_certauthz_crl_load_done;
    task->event.data = task;
    task->event.log = ngx_cycle->log;

    if (ngx_thread_task_post(tp, task) != NGX_OK) {
        return NGX_ERROR;
    }

    file->loading = 1;

    return NGX_OK;
}


/* in a thread: only the parse, which touches nothing of the worker's */

static void
ngx_certauthz_crl_load_thread(void *data, ngx_log_t *log)
{
    ngx_certauthz_crl_task_t *ctx = data;

    ctx->set = ngx_certauthz_crl_load(&ctx->file->path, ngx_cycle->log,
                                      &ctx->err, &ctx->fe, ctx->arena,
                                      &ctx->file->stores);
}


/* back in the event loop */

static void
ngx_certauthz_crl_load_done(ngx_event_t *ev)
{
    ngx_thread_task_t         *task;
    ngx_certauthz_crl_task_t  *ctx;

    task = ev->data;
    ctx = task->ctx;

    ctx->file->loading = 0;

    ngx_certauthz_crl_loaded(ctx->file, ctx->set, ctx->err, &ctx->fe,
                             ngx_cycle->log);

    if (ctx->file->shm) {
        ngx_certauthz_crl_shm_unlock(ctx->file);
    }
}

#endif


/*
 * What a load of a changed file gave, from the worker's event loop: the
 * new set in force, or the error logged and the last good set kept
 */

void
ngx_certauthz_crl_swap(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_set_t *set, const char *err,
    ngx_certauthz_file_err_t *fe, ngx_log_t *log)
{
    if (set == NULL) {
        if (file->shm) {
            ngx_certauthz_crl_shm_drop(file);
        }

        if (file->loads) {
            (void) ngx_atomic_fetch_add(&file->loads[1], 1);
        }

        if (err == NULL) {
            ngx_log_error(NGX_LOG_ERR, log, fe->err,
                          "certauthz: %s CRL file \"%V\" failed, "
                          "the last good CRLs stay in force",
                          fe->call, &file->name);

        } else {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "certauthz: cannot load CRL file \"%V\": %s, "
                          "the last good CRLs stay in force",
                          &file->name, err);
        }

        return;
    }

    /*
     * Nothing keeps a pointer into a set past the request that checks it
     * (connections remember the generation only), so the old set goes now.
     */

    if (file->shm) {
        if (ngx_certauthz_crl_shm_publish(file, set, log) != NGX_OK) {
            return;
        }

    } else {
        ngx_certauthz_crl_set_free(file->set);

        file->set = set;
        file->generation++;
    }

    ngx_certauthz_crl_trim();

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "certauthz: loaded CRL%s \"%V\": %ui CRLs, "
                  "%ui revoked certificates", file->remote ? "" : " file",
                  &file->name,
                  file->set->crls.nelts, file->set->nentries);

    file->trusted = file->stores.nelts;

    if (file->loads) {
        (void) ngx_atomic_fetch_add(&file->loads[0], 1);
        file->loads[2] = ngx_time();
    }

    ngx_certauthz_crl_trust_log(file, log);
}
