
/*
 * certauthz: the host's one copy of a CRL file.  The master loads the file
 * at configuration time into a memory file (memfd) that the workers
 * inherit.  Later one process of the host, the loader (worker 0), looks
 * at the file and loads a changed one, in its thread, into the other of
 * the memory file's two slots, then publishes it; each worker maps the new
 * slot read-only when it next looks (on each request and on its timer) and
 * says so; once all have, the old slot's pages are given back.  A worker
 * keeps only the small part of a set of its own (issuer names, what
 * checking a signature needs); the tables of serials, which are the bulk,
 * are the host's: memory does not grow with worker_processes, and a file
 * is parsed once per host.
 *
 * A slot is written only while no worker reads it: the loader takes the
 * other slot only once every worker has said that it reads the newest
 * generation.  Where memfd_create() is missing (or on 32 bits), each
 * process keeps its own copy and loads it itself.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"


#if (NGX_HAVE_MEMFD_CREATE && NGX_PTR_SIZE == 8)

/* the head takes the first 64K (a page on any system), each slot 16G */
#define NGX_CERTAUTHZ_CRL_SHM_HEAD  ((off_t) 65536)
#define NGX_CERTAUTHZ_CRL_SHM_SLOT  ((off_t) 1 << 34)

#define ngx_certauthz_crl_shm_offset(slot)                                    \
    (NGX_CERTAUTHZ_CRL_SHM_HEAD + (off_t) (slot) * NGX_CERTAUTHZ_CRL_SHM_SLOT)


typedef struct {
    ngx_atomic_t              published;      /* generation << 1 | slot */
    ngx_atomic_t              used[2];        /* bytes of each slot */

    /* the file that the published generation was loaded from */
    time_t                    mtime;
    off_t                     size;
    ngx_file_uniq_t           uniq;

    /* the generation that each worker reads, and its pid (for the log) */
    ngx_atomic_t              acked[NGX_MAX_PROCESSES];
    ngx_pid_t                 pid[NGX_MAX_PROCESSES];
} ngx_certauthz_crl_shm_head_t;


struct ngx_certauthz_crl_shm_s {
    ngx_fd_t                        fd;
    ngx_certauthz_crl_shm_head_t   *head;
    ngx_uint_t                      reclaim;  /* 1: the other slot, once
                                                 every worker has left it */
    ngx_msec_t                      waiting;  /* since when a load waits
                                                 for a worker (0: none) */
    ngx_msec_t                      said;     /* when that was logged */
    ngx_certauthz_crl_arena_t       arena;    /* the slot being written */
};


/* a slot starts with this, then the tables of its CRLs */
typedef struct {
    uint64_t                  first;          /* offset of the first CRL */
} ngx_certauthz_crl_shm_region_t;


/* one CRL of a slot; offsets from the slot's start, NIDs for digests */
typedef struct {
    uint64_t                  next;           /* 0: the last */
    int64_t                   next_update;
    uint32_t                  has_next_update;
    uint32_t                  kind;
    int32_t                   pkey_type;
    int32_t                   md;
    int32_t                   mgf1_md;
    int32_t                   salt_len;
    uint32_t                  digest_len;
    u_char                    digest[EVP_MAX_MD_SIZE];
    u_char                    key[32];        /* as the load checked it */
    int32_t                   key_result;
    uint32_t                  sig_bad;
    uint64_t                  tbs;
    uint64_t                  tbs_len;
    uint64_t                  sig;
    uint64_t                  sig_len;
    uint64_t                  issuer;
    uint64_t                  issuer_len;
    uint64_t                  nelts;
    uint64_t                  mask;
    uint64_t                  slots;
    uint64_t                  blob;
    uint64_t                  blob_size;

    /* what it covers and where it stands, see ngx_certauthz_crl_t */
    int64_t                   this_update;
    uint64_t                  flags;
    u_char                    number[NGX_CERTAUTHZ_CRL_NUMBER_LEN];
    u_char                    base[NGX_CERTAUTHZ_CRL_NUMBER_LEN];
    uint64_t                  idp;            /* 0: none */
    uint64_t                  idp_len;
    uint64_t                  akid;           /* 0: none */
    uint64_t                  akid_len;
    uint64_t                  marks_nelts;    /* 0: no table */
    uint64_t                  marks_mask;
    uint64_t                  marks_slots;
    uint64_t                  marks_blob;
    uint64_t                  marks_size;
} ngx_certauthz_crl_shm_crl_t;


typedef struct {
    void                     *addr;
    size_t                    size;
} ngx_certauthz_crl_shm_map_t;


static ngx_certauthz_crl_set_t *ngx_certauthz_crl_shm_attach(
    ngx_certauthz_crl_shm_t *shm, ngx_uint_t slot, size_t used,
    ngx_log_t *log);
static ngx_int_t ngx_certauthz_crl_shm_crl(ngx_certauthz_crl_set_t *set,
    u_char *base, size_t used, ngx_certauthz_crl_shm_crl_t *d);
static ngx_uint_t ngx_certauthz_crl_shm_idle(ngx_certauthz_crl_shm_t *shm);
static void ngx_certauthz_crl_shm_wait(ngx_certauthz_crl_file_t *file,
    ngx_log_t *log);
static void ngx_certauthz_crl_shm_empty(ngx_certauthz_crl_shm_t *shm,
    ngx_uint_t slot, ngx_log_t *log);
static void ngx_certauthz_crl_shm_cleanup(void *data);
static void ngx_certauthz_crl_shm_unmap(void *data);
static void ngx_certauthz_crl_shm_name_cleanup(void *data);


/*
 * At configuration time, in the master: the file's memory file;
 * NGX_DECLINED if there can be none (the file is then a copy per process)
 */

ngx_int_t
ngx_certauthz_crl_shm_init(ngx_certauthz_crl_file_t *file, ngx_conf_t *cf)
{
    ngx_fd_t                  fd;
    ngx_pool_cleanup_t       *cln;
    ngx_certauthz_crl_shm_t  *shm;

    shm = ngx_pcalloc(cf->pool, sizeof(ngx_certauthz_crl_shm_t));
    if (shm == NULL) {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    fd = memfd_create("certauthz-crl", MFD_CLOEXEC);

    if (fd == -1) {
        ngx_conf_log_error(NGX_LOG_NOTICE, cf, ngx_errno,
                           "memfd_create() failed, each worker keeps its "
                           "own copy of CRL file \"%V\"", &file->path);
        return NGX_DECLINED;
    }

    /* sparse: only the pages written take memory */

    if (ftruncate(fd, ngx_certauthz_crl_shm_offset(2)) == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "ftruncate() of the memory file of CRL file "
                           "\"%V\" failed", &file->path);
        (void) close(fd);
        return NGX_ERROR;
    }

    shm->head = mmap(NULL, sizeof(ngx_certauthz_crl_shm_head_t),
                     PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0);

    if (shm->head == MAP_FAILED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "mmap() of the memory file of CRL file \"%V\" "
                           "failed", &file->path);
        (void) close(fd);
        return NGX_ERROR;
    }

    shm->fd = fd;

    cln->handler = ngx_certauthz_crl_shm_cleanup;
    cln->data = shm;

    file->shm = shm;

    return NGX_OK;
}


/*
 * The loader: the slot that no worker reads, emptied, for a load to write
 * into (see ngx_certauthz_crl_shm_map()); NULL if a worker still reads it
 */

ngx_certauthz_crl_arena_t *
ngx_certauthz_crl_shm_arena(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    ngx_uint_t                  slot;
    ngx_certauthz_crl_shm_t    *shm;
    ngx_certauthz_crl_arena_t  *arena;

    shm = file->shm;

    if (!ngx_certauthz_crl_shm_idle(shm)) {
        ngx_certauthz_crl_shm_wait(file, log);
        return NULL;
    }

    shm->waiting = 0;

    slot = 1 - (shm->head->published & 1);

    /* a failed load may have left pages there */
    ngx_certauthz_crl_shm_empty(shm, slot, log);

    shm->reclaim = 0;

    arena = &shm->arena;

    arena->fd = shm->fd;
    arena->start = NULL;
    arena->size = 0;
    arena->used = sizeof(ngx_certauthz_crl_shm_region_t);
    arena->slot = slot;
    arena->last = NULL;

    return arena;
}


/*
 * The load, once it has read a file of len bytes: the slot mapped for
 * writing, as much of it as the file's CRLs can take.  Each revoked entry
 * is at least 20 bytes of DER and takes at most 16 bytes of hash slots
 * and its serial, the signed part of an EdDSA CRL is copied, and a CRL's
 * parts (at least some 40 bytes) take under 300 bytes: 16 times the
 * file, and some.  NGX_ERROR with errno set on a failure.
 */

ngx_int_t
ngx_certauthz_crl_shm_map(ngx_certauthz_crl_arena_t *arena, size_t len)
{
    u_char  *p;
    size_t   size;

    size = 16 * len + 65536;

    if (len > (size_t) NGX_CERTAUTHZ_CRL_SHM_SLOT / 16 - 65536) {
        ngx_set_errno(EFBIG);
        return NGX_ERROR;
    }

    size = ngx_align(size, 65536);

    p = mmap(NULL, size, PROT_READ|PROT_WRITE, MAP_SHARED, arena->fd,
             ngx_certauthz_crl_shm_offset(arena->slot));

    if (p == MAP_FAILED) {
        return NGX_ERROR;
    }

    arena->start = p;
    arena->size = size;

    return NGX_OK;
}


/* the slot's mapping for writing goes (what was written stays) */

void
ngx_certauthz_crl_shm_unmap_arena(ngx_certauthz_crl_arena_t *arena)
{
    if (arena->start != NULL) {
        (void) munmap(arena->start, arena->size);
        arena->start = NULL;
    }
}


/* zeroed memory of the slot being written (it was emptied) */

void *
ngx_certauthz_crl_shm_alloc(ngx_certauthz_crl_arena_t *arena, size_t size)
{
    size_t  offset;

    offset = ngx_align(arena->used, 8);

    if (offset + size > arena->size || offset + size < offset) {
        return NULL;
    }

    arena->used = offset + size;

    return arena->start + offset;
}


/*
 * A loaded CRL into the slot: its tables are there already, the rest is
 * copied (a message signed with EdDSA, the bulk of such a CRL, too)
 */

ngx_int_t
ngx_certauthz_crl_shm_add(ngx_certauthz_crl_arena_t *arena,
    ngx_certauthz_crl_t *crl, const u_char *issuer, size_t issuer_len)
{
    u_char                          *p;
    ngx_certauthz_crl_shm_crl_t     *d, *last;
    ngx_certauthz_crl_shm_region_t  *region;

    d = ngx_certauthz_crl_shm_alloc(arena,
                                    sizeof(ngx_certauthz_crl_shm_crl_t));
    if (d == NULL) {
        return NGX_ERROR;
    }

    d->next_update = crl->next_update;
    d->has_next_update = crl->has_next_update;
    d->kind = crl->sig.kind;
    d->pkey_type = crl->sig.pkey_type;
    d->md = crl->sig.md ? EVP_MD_get_type(crl->sig.md) : NID_undef;
    d->mgf1_md = crl->sig.mgf1_md ? EVP_MD_get_type(crl->sig.mgf1_md)
                                  : NID_undef;
    d->salt_len = crl->sig.salt_len;
    d->digest_len = crl->sig.digest_len;
    ngx_memcpy(d->digest, crl->sig.digest, crl->sig.digest_len);
    ngx_memcpy(d->key, crl->key, sizeof(d->key));
    d->key_result = (int32_t) crl->key_result;
    d->sig_bad = crl->sig_bad;

    p = ngx_certauthz_crl_shm_alloc(arena, issuer_len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, issuer, issuer_len);
    d->issuer = p - arena->start;
    d->issuer_len = issuer_len;

    if (crl->sig.sig_len) {
        p = ngx_certauthz_crl_shm_alloc(arena, crl->sig.sig_len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, crl->sig.sig, crl->sig.sig_len);
        d->sig = p - arena->start;
        d->sig_len = crl->sig.sig_len;
    }

    if (crl->sig.tbs_len) {
        p = ngx_certauthz_crl_shm_alloc(arena, crl->sig.tbs_len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, crl->sig.tbs, crl->sig.tbs_len);
        d->tbs = p - arena->start;
        d->tbs_len = crl->sig.tbs_len;
    }

    d->nelts = crl->serials.nelts;
    d->mask = crl->serials.mask;
    d->slots = (u_char *) crl->serials.slots - arena->start;
    d->blob = crl->serials.blob - arena->start;
    d->blob_size = crl->serials.size;

    d->this_update = crl->this_update;
    d->flags = crl->flags;
    ngx_memcpy(d->number, crl->number, sizeof(d->number));
    ngx_memcpy(d->base, crl->base, sizeof(d->base));

    if (crl->idp) {
        p = ngx_certauthz_crl_shm_alloc(arena, crl->idp_len + 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, crl->idp, crl->idp_len);
        d->idp = p - arena->start;
        d->idp_len = crl->idp_len;
    }

    if (crl->akid) {
        p = ngx_certauthz_crl_shm_alloc(arena, crl->akid_len + 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, crl->akid, crl->akid_len);
        d->akid = p - arena->start;
        d->akid_len = crl->akid_len;
    }

    /* the marks' table is in the slot already, as the serials' */
    if (crl->marks.nelts) {
        d->marks_nelts = crl->marks.nelts;
        d->marks_mask = crl->marks.mask;
        d->marks_slots = (u_char *) crl->marks.slots - arena->start;
        d->marks_blob = crl->marks.blob - arena->start;
        d->marks_size = crl->marks.size;
    }

    last = arena->last;

    if (last == NULL) {
        region = (ngx_certauthz_crl_shm_region_t *) arena->start;
        region->first = (u_char *) d - arena->start;

    } else {
        last->next = (u_char *) d - arena->start;
    }

    arena->last = d;

    return NGX_OK;
}


/*
 * The loader: a load into the slot went well, the slot is published (the
 * set the load made, private parts only, goes); the file follows it here
 * at once, the other workers when they next look.
 */

ngx_int_t
ngx_certauthz_crl_shm_publish(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_set_t *set, ngx_log_t *log)
{
    ngx_uint_t                      slot, generation;
    ngx_certauthz_crl_shm_t        *shm;
    ngx_certauthz_crl_shm_head_t   *head;

    shm = file->shm;
    head = shm->head;
    slot = shm->arena.slot;

    generation = (head->published >> 1) + 1;

    head->used[slot] = shm->arena.used;
    head->mtime = file->mtime;
    head->size = file->size;
    head->uniq = file->uniq;

    ngx_certauthz_crl_shm_unmap_arena(&shm->arena);

    ngx_certauthz_crl_set_free(set);

    /* the slot is whole before anyone can see it */
    ngx_memory_barrier();

    head->published = (generation << 1) | slot;

    ngx_certauthz_crl_shm_follow(file, log);

    if (file->generation != generation) {
        return NGX_ERROR;
    }

    shm->reclaim = 1;

    return NGX_OK;
}


/* the loader: a load into the slot failed, the slot is emptied */

void
ngx_certauthz_crl_shm_drop(ngx_certauthz_crl_file_t *file)
{
    ngx_certauthz_crl_shm_t  *shm;

    shm = file->shm;

    ngx_certauthz_crl_shm_unmap_arena(&shm->arena);

    ngx_certauthz_crl_shm_empty(shm, shm->arena.slot, ngx_cycle->log);
}


/*
 * Any process: the newest published generation put in force here, the
 * set of the previous one freed, and said so (the loader may then reuse
 * its slot).  A slot that cannot be mapped leaves the set in force as it
 * is (logged), tried again the next time.
 */

void
ngx_certauthz_crl_shm_follow(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    ngx_uint_t                      slot, generation;
    ngx_atomic_uint_t               published;
    ngx_certauthz_crl_set_t        *set;
    ngx_certauthz_crl_shm_head_t   *head;

    head = file->shm->head;
    published = head->published;
    generation = published >> 1;

    if (generation == file->generation) {
        return;
    }

    ngx_memory_barrier();

    slot = published & 1;

    set = ngx_certauthz_crl_shm_attach(file->shm, slot, head->used[slot],
                                       log);
    if (set == NULL) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "certauthz: cannot map the CRLs of \"%V\", the "
                      "previous ones stay in force", &file->path);
        return;
    }

    ngx_certauthz_crl_set_free(file->set);

    file->set = set;
    file->generation = generation;

    ngx_memory_barrier();

    head->acked[ngx_worker] = generation;
}


/*
 * At a worker's start: in force here what is published now, said so, and
 * the loader learns which file that came from
 */

void
ngx_certauthz_crl_shm_start(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    ngx_certauthz_crl_shm_head_t  *head;

    head = file->shm->head;

    ngx_certauthz_crl_shm_follow(file, log);

    head->acked[ngx_worker] = file->generation;
    head->pid[ngx_worker] = ngx_pid;

    if (ngx_certauthz_crl_loader()) {
        file->mtime = head->mtime;
        file->size = head->size;
        file->uniq = head->uniq;

        /* a slot that an earlier loader left is emptied when it can be */
        file->shm->reclaim = 1;
    }
}


/* the loader: the slot of the previous generation emptied once unread */

void
ngx_certauthz_crl_shm_reclaim(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    ngx_certauthz_crl_shm_t  *shm;

    shm = file->shm;

    if (!shm->reclaim
        || file->loading
        || !ngx_certauthz_crl_shm_idle(shm))
    {
        return;
    }

    shm->reclaim = 0;

    ngx_certauthz_crl_shm_empty(shm, 1 - (shm->head->published & 1), log);
}


/* whether this process is the one of the host that loads changed files */

ngx_uint_t
ngx_certauthz_crl_loader(void)
{
    return ngx_process == NGX_PROCESS_SINGLE
           || (ngx_process == NGX_PROCESS_WORKER && ngx_worker == 0);
}


/* whether every worker reads the newest generation */

static ngx_uint_t
ngx_certauthz_crl_shm_idle(ngx_certauthz_crl_shm_t *shm)
{
    ngx_uint_t                      i, n, generation;
    ngx_core_conf_t                *ccf;
    ngx_certauthz_crl_shm_head_t   *head;

    head = shm->head;
    generation = head->published >> 1;

    if (generation == 0) {
        return 1;
    }

    n = 1;

    if (ngx_process == NGX_PROCESS_WORKER) {
        ccf = (ngx_core_conf_t *) ngx_get_conf(ngx_cycle->conf_ctx,
                                               ngx_core_module);
        n = ccf->worker_processes;
    }

    for (i = 0; i < n && i < NGX_MAX_PROCESSES; i++) {
        if (head->acked[i] != generation) {
            return 0;
        }
    }

    return 1;
}


/*
 * A changed file waits for a worker that has not taken the CRLs in force
 * (one busy for long, stopped, or not started again): said after ten
 * refresh intervals (at least 10 s), and as often again while it lasts
 */

static void
ngx_certauthz_crl_shm_wait(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    ngx_msec_t                      after;
    ngx_uint_t                      i, generation;
    ngx_certauthz_crl_shm_t        *shm;
    ngx_certauthz_crl_shm_head_t   *head;

    shm = file->shm;
    head = shm->head;

    if (shm->waiting == 0) {
        shm->waiting = ngx_current_msec;
        shm->said = ngx_current_msec;
        return;
    }

    after = ngx_max(10 * file->refresh, 10000);

    if (ngx_current_msec - shm->said < after) {
        return;
    }

    shm->said = ngx_current_msec;

    generation = head->published >> 1;

    for (i = 0; i < NGX_MAX_PROCESSES; i++) {
        if (head->acked[i] != generation) {
            break;
        }
    }

    if (i < NGX_MAX_PROCESSES && head->pid[i] == 0) {
        /* it has not come as far as its init_process yet */
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "certauthz: CRL file \"%V\" changed, but worker "
                      "process %ui has not started for %M s; the file is "
                      "loaded once it has taken the CRLs in force",
                      &file->path, i,
                      (ngx_current_msec - shm->waiting) / 1000);
        return;
    }

    ngx_log_error(NGX_LOG_WARN, log, 0,
                  "certauthz: CRL file \"%V\" changed, but worker process "
                  "%P has not taken the CRLs in force for %M s; the file is "
                  "loaded once it has", &file->path,
                  (i < NGX_MAX_PROCESSES) ? head->pid[i] : (ngx_pid_t) 0,
                  (ngx_current_msec - shm->waiting) / 1000);
}


/* the slot's pages given back; reading it gives zeros */

static void
ngx_certauthz_crl_shm_empty(ngx_certauthz_crl_shm_t *shm, ngx_uint_t slot,
    ngx_log_t *log)
{
    if (fallocate(shm->fd, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE,
                  ngx_certauthz_crl_shm_offset(slot),
                  NGX_CERTAUTHZ_CRL_SHM_SLOT)
        == -1)
    {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      "certauthz: fallocate(FALLOC_FL_PUNCH_HOLE) of a CRL "
                      "memory file failed");
    }
}


/*
 * A slot mapped read-only and the set of its CRLs: what is per process
 * (issuer names, digests) in a pool of its own, the tables where they are
 */

static ngx_certauthz_crl_set_t *
ngx_certauthz_crl_shm_attach(ngx_certauthz_crl_shm_t *shm, ngx_uint_t slot,
    size_t used, ngx_log_t *log)
{
    u_char                          *base;
    uint64_t                         offset;
    ngx_pool_t                      *pool;
    ngx_pool_cleanup_t              *cln;
    ngx_certauthz_crl_set_t         *set;
    ngx_certauthz_crl_shm_map_t     *map;
    ngx_certauthz_crl_shm_region_t  *region;

    if (used < sizeof(ngx_certauthz_crl_shm_region_t)) {
        return NULL;
    }

    /* sets outlive requests: the cycle's log */
    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, ngx_cycle->log);
    if (pool == NULL) {
        return NULL;
    }

    set = ngx_pcalloc(pool, sizeof(ngx_certauthz_crl_set_t));
    cln = ngx_pool_cleanup_add(pool, sizeof(ngx_certauthz_crl_shm_map_t));

    if (set == NULL
        || cln == NULL
        || ngx_array_init(&set->crls, pool, 4, sizeof(ngx_certauthz_crl_t))
           != NGX_OK)
    {
        ngx_destroy_pool(pool);
        return NULL;
    }

    set->pool = pool;

    base = mmap(NULL, used, PROT_READ, MAP_SHARED, shm->fd,
                ngx_certauthz_crl_shm_offset(slot));

    if (base == MAP_FAILED) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      "certauthz: mmap() of a CRL memory file failed");
        ngx_destroy_pool(pool);
        return NULL;
    }

    map = cln->data;
    map->addr = base;
    map->size = used;
    cln->handler = ngx_certauthz_crl_shm_unmap;

    region = (ngx_certauthz_crl_shm_region_t *) base;

    for (offset = region->first; offset; /* void */) {

        if (offset > used - sizeof(ngx_certauthz_crl_shm_crl_t)
            || ngx_certauthz_crl_shm_crl(set, base, used,
                                         (ngx_certauthz_crl_shm_crl_t *)
                                         (base + offset))
               != NGX_OK)
        {
            ngx_certauthz_crl_set_free(set);
            return NULL;
        }

        offset = ((ngx_certauthz_crl_shm_crl_t *) (base + offset))->next;
    }

    return set;
}


static ngx_int_t
ngx_certauthz_crl_shm_crl(ngx_certauthz_crl_set_t *set, u_char *base,
    size_t used, ngx_certauthz_crl_shm_crl_t *d)
{
    const u_char          *p;
    ngx_pool_cleanup_t    *cln;
    ngx_certauthz_crl_t   *crl;

    /* the loader wrote it; a slot cut short would show here */
    if (d->issuer + d->issuer_len > used
        || d->sig + d->sig_len > used
        || d->tbs + d->tbs_len > used
        || d->blob + d->blob_size > used
        || d->slots + (d->mask + 1) * sizeof(uint32_t) > used
        || d->digest_len > EVP_MAX_MD_SIZE
        || d->idp + d->idp_len > used
        || d->akid + d->akid_len > used
        || (d->marks_nelts
            && (d->marks_blob + d->marks_size > used
                || d->marks_slots + (d->marks_mask + 1) * sizeof(uint32_t)
                   > used)))
    {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(set->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    crl = ngx_array_push(&set->crls);
    if (crl == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(crl, sizeof(ngx_certauthz_crl_t));

    p = base + d->issuer;
    crl->issuer = d2i_X509_NAME(NULL, &p, d->issuer_len);

    if (crl->issuer == NULL) {
        set->crls.nelts--;
        return NGX_ERROR;
    }

    cln->handler = ngx_certauthz_crl_shm_name_cleanup;
    cln->data = crl->issuer;

    crl->next_update = (time_t) d->next_update;
    crl->has_next_update = d->has_next_update ? 1 : 0;
    ngx_memcpy(crl->key, d->key, sizeof(crl->key));
    crl->key_result = (d->key_result == NGX_OK
                       || d->key_result == NGX_DECLINED)
                      ? d->key_result : NGX_AGAIN;
    crl->sig_bad = d->sig_bad ? 1 : 0;

    crl->sig.kind = d->kind;
    crl->sig.pkey_type = d->pkey_type;
    crl->sig.md = (d->md != NID_undef) ? EVP_get_digestbynid(d->md) : NULL;
    crl->sig.mgf1_md = (d->mgf1_md != NID_undef)
                       ? EVP_get_digestbynid(d->mgf1_md) : NULL;
    crl->sig.salt_len = d->salt_len;
    crl->sig.digest_len = d->digest_len;
    ngx_memcpy(crl->sig.digest, d->digest, d->digest_len);
    crl->sig.sig = base + d->sig;
    crl->sig.sig_len = d->sig_len;
    crl->sig.tbs = d->tbs_len ? base + d->tbs : NULL;
    crl->sig.tbs_len = d->tbs_len;

    crl->serials.nelts = d->nelts;
    crl->serials.mask = d->mask;
    crl->serials.slots = (uint32_t *) (base + d->slots);
    crl->serials.blob = base + d->blob;
    crl->serials.size = d->blob_size;
    crl->serials.used = d->blob_size;

    crl->this_update = (time_t) d->this_update;
    crl->flags = (ngx_uint_t) d->flags;
    ngx_memcpy(crl->number, d->number, sizeof(crl->number));
    ngx_memcpy(crl->base, d->base, sizeof(crl->base));
    crl->idp = d->idp ? base + d->idp : NULL;
    crl->idp_len = d->idp_len;
    crl->akid = d->akid ? base + d->akid : NULL;
    crl->akid_len = d->akid_len;

    if (d->marks_nelts) {
        crl->marks.nelts = d->marks_nelts;
        crl->marks.mask = d->marks_mask;
        crl->marks.slots = (uint32_t *) (base + d->marks_slots);
        crl->marks.blob = base + d->marks_blob;
        crl->marks.size = d->marks_size;
        crl->marks.used = d->marks_size;
    }

    set->nentries += d->nelts;

    return NGX_OK;
}


static void
ngx_certauthz_crl_shm_cleanup(void *data)
{
    ngx_certauthz_crl_shm_t  *shm = data;

    ngx_certauthz_crl_shm_unmap_arena(&shm->arena);

    (void) munmap(shm->head, sizeof(ngx_certauthz_crl_shm_head_t));
    (void) close(shm->fd);
}


static void
ngx_certauthz_crl_shm_unmap(void *data)
{
    ngx_certauthz_crl_shm_map_t  *map = data;

    (void) munmap(map->addr, map->size);
}


static void
ngx_certauthz_crl_shm_name_cleanup(void *data)
{
    X509_NAME_free(data);
}


#else /* a copy per process */


ngx_int_t
ngx_certauthz_crl_shm_init(ngx_certauthz_crl_file_t *file, ngx_conf_t *cf)
{
    return NGX_DECLINED;
}


ngx_certauthz_crl_arena_t *
ngx_certauthz_crl_shm_arena(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    return NULL;
}


ngx_int_t
ngx_certauthz_crl_shm_map(ngx_certauthz_crl_arena_t *arena, size_t len)
{
    return NGX_ERROR;
}


void
ngx_certauthz_crl_shm_unmap_arena(ngx_certauthz_crl_arena_t *arena)
{
}


void *
ngx_certauthz_crl_shm_alloc(ngx_certauthz_crl_arena_t *arena, size_t size)
{
    return NULL;
}


ngx_int_t
ngx_certauthz_crl_shm_add(ngx_certauthz_crl_arena_t *arena,
    ngx_certauthz_crl_t *crl, const u_char *issuer, size_t issuer_len)
{
    return NGX_ERROR;
}


ngx_int_t
ngx_certauthz_crl_shm_publish(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_set_t *set, ngx_log_t *log)
{
    return NGX_ERROR;
}


void
ngx_certauthz_crl_shm_drop(ngx_certauthz_crl_file_t *file)
{
}


void
ngx_certauthz_crl_shm_follow(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
}


void
ngx_certauthz_crl_shm_start(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
}


void
ngx_certauthz_crl_shm_reclaim(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
}


ngx_uint_t
ngx_certauthz_crl_loader(void)
{
    return 1;
}

#endif
