
/*
 * certauthz: the host's copy of a CRL file, one per configuration.  The
 * master loads the file at configuration time into a memory file (memfd)
 * that the workers inherit.  Later the workers of that configuration look
 * at the file, one at a time (a lease in the memory file's head, which a
 * worker that has stopped or died loses after a second); the one that
 * finds it changed loads it, in its thread, into a free slot of the memory
 * file and publishes it; each worker maps the new slot read-only when it
 * next looks (on a request, and on a timer every second at most).  A
 * worker keeps only the small part of a set of its own (issuer names, what
 * checking a signature needs); the tables of serials, which are the bulk,
 * are the host's: memory does not grow with worker_processes, and a file
 * is parsed once per configuration.
 *
 * A slot is written only while no live process reads it or is about to:
 * each worker says in the head which slot it reads (held) and which it
 * is about to map (want); the loader writes a slot that no live worker
 * names.  A worker that lags (stopped, stuck, busy) keeps the slot it
 * reads, and the others go on with the free ones: nobody waits for it.
 * The old workers of a configuration that a reload replaced keep looking
 * at the file too, for as long as they live.  Where memfd_create() is
 * missing (or on 32 bits), each process keeps its own copy and loads it
 * itself.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_certauthz_crl.h"


/*
 * The key of a serial in the tables: a sign byte, then the magnitude
 * without leading zeros; 0 if it does not fit (see
 * NGX_CERTAUTHZ_SERIAL_KEY_LEN)
 */

size_t
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


/* a set without CRLs yet, in a pool of its own: sets outlive requests */

ngx_certauthz_crl_set_t *
ngx_certauthz_crl_set_new(ngx_log_t *log)
{
    ngx_pool_t               *pool;
    ngx_certauthz_crl_set_t  *set;

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

    return set;
}


/*
 * A set goes, in any process, with its pool (and the mapping of the slot
 * it reads, which the pool's cleanup unmaps)
 */

void
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


#if (NGX_HAVE_MEMFD_CREATE && NGX_PTR_SIZE == 8)

/*
 * The head takes the first 64K (a page on any system), each slot 16G of
 * a sparse file.  Each worker holds at most two slots (the one it reads,
 * the one it is about to map), and one is published: eight slots leave
 * room for several workers that lag at once.
 */
#define NGX_CERTAUTHZ_CRL_SHM_HEAD   ((off_t) 65536)
#define NGX_CERTAUTHZ_CRL_SHM_SLOT   ((off_t) 1 << 34)
#define NGX_CERTAUTHZ_CRL_SHM_SLOTS  8

/* a published value: the generation, then the slot in the low byte */
#define ngx_certauthz_crl_shm_gen(v)   ((ngx_uint_t) ((v) >> 8))
#define ngx_certauthz_crl_shm_slot(v)  ((ngx_uint_t) ((v) & 0xff))

/* a lease that has not been renewed for this long is lost (msec) */
#define NGX_CERTAUTHZ_CRL_SHM_LEASE  1000

#define ngx_certauthz_crl_shm_offset(slot)                                    \
    (NGX_CERTAUTHZ_CRL_SHM_HEAD + (off_t) (slot) * NGX_CERTAUTHZ_CRL_SHM_SLOT)


/* a worker of the configuration, at the index of ngx_worker */
typedef struct {
    ngx_atomic_t              pid;            /* 0: none */
    ngx_atomic_t              held;           /* the published value of the
                                                 set it reads (0: none) */
    ngx_atomic_t              want;           /* one it is about to map */
    ngx_atomic_t              lagging;        /* since when (msec), 0: not */
    ngx_atomic_t              said;           /* when that was logged */
} ngx_certauthz_crl_shm_reader_t;


typedef struct {
    ngx_atomic_t              published;      /* generation << 8 | slot */
    ngx_atomic_t              used[NGX_CERTAUTHZ_CRL_SHM_SLOTS];
    ngx_atomic_t              writer[NGX_CERTAUTHZ_CRL_SHM_SLOTS];
                                              /* the pid that writes it or
                                                 empties it (0: none) */
    ngx_certauthz_crl_id_t      id[NGX_CERTAUTHZ_CRL_SHM_SLOTS];
                                              /* the file of each slot */

    /* the process that looks at the file now (0: none), and when it last
     * said that it is alive (msec, wall clock: shared by processes) */
    ngx_atomic_t              lock;
    ngx_atomic_t              beat;
    ngx_atomic_t              checked;        /* last look (msec) */
    ngx_certauthz_crl_id_t      tried;        /* the file of the last load */
    ngx_atomic_t              tried_done;     /* that load has ended */

    ngx_certauthz_crl_shm_reader_t  reader[NGX_MAX_PROCESSES];

    ngx_certauthz_crl_remote_state_t  remote;  /* a fetched CRL's */
} ngx_certauthz_crl_shm_head_t;


struct ngx_certauthz_crl_shm_s {
    ngx_fd_t                        fd;
    ngx_certauthz_crl_shm_head_t   *head;
    ngx_atomic_uint_t               base;     /* published when the load
                                                 began */
    ngx_uint_t                      locked;   /* this process holds lock */
    ngx_msec_t                      waiting;  /* since when a load waits
                                                 for a free slot (0: none) */
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
static void ngx_certauthz_crl_shm_reclaim(ngx_certauthz_crl_file_t *file,
    ngx_msec_t now, ngx_msec_t refresh, ngx_log_t *log);
static ngx_uint_t ngx_certauthz_crl_shm_free(ngx_certauthz_crl_shm_t *shm,
    ngx_uint_t slot);
static ngx_certauthz_crl_shm_reader_t *ngx_certauthz_crl_shm_reader(
    ngx_certauthz_crl_shm_t *shm);
static ngx_uint_t ngx_certauthz_crl_shm_readers(void);
static ngx_uint_t ngx_certauthz_crl_shm_alive(ngx_atomic_uint_t pid);
static ngx_msec_t ngx_certauthz_crl_shm_now(void);
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
                           "own copy of CRL file \"%V\"", &file->name);
        return NGX_DECLINED;
    }

    /* sparse: only the pages written take memory */

    if (ftruncate(fd, ngx_certauthz_crl_shm_offset(NGX_CERTAUTHZ_CRL_SHM_SLOTS))
        == -1)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "ftruncate() of the memory file of CRL file "
                           "\"%V\" failed", &file->name);
        (void) close(fd);
        return NGX_ERROR;
    }

    shm->head = mmap(NULL, sizeof(ngx_certauthz_crl_shm_head_t),
                     PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0);

    if (shm->head == MAP_FAILED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "mmap() of the memory file of CRL file \"%V\" "
                           "failed", &file->name);
        (void) close(fd);
        return NGX_ERROR;
    }

    shm->fd = fd;

    cln->handler = ngx_certauthz_crl_shm_cleanup;
    cln->data = shm;

    file->shm = shm;
    file->published = &shm->head->published;

    return NGX_OK;
}


/*
 * The process that holds the lease: a free slot, emptied, for a load to
 * write into (see ngx_certauthz_crl_shm_map()); NULL if there is none,
 * which is logged if it lasts
 */

ngx_certauthz_crl_arena_t *
ngx_certauthz_crl_shm_arena(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    ngx_uint_t                      i, slot;
    ngx_atomic_uint_t               writer;
    ngx_certauthz_crl_shm_t        *shm;
    ngx_certauthz_crl_arena_t      *arena;
    ngx_certauthz_crl_shm_head_t   *head;

    shm = file->shm;
    head = shm->head;

    /* the load replaces what is published now, or is not published */
    shm->base = head->published;

    for (i = 1; i <= NGX_CERTAUTHZ_CRL_SHM_SLOTS; i++) {

        slot = (ngx_certauthz_crl_shm_slot(shm->base) + i)
               % NGX_CERTAUTHZ_CRL_SHM_SLOTS;

        writer = head->writer[slot];

        if ((writer != 0 && ngx_certauthz_crl_shm_alive(writer))
            || !ngx_atomic_cmp_set(&head->writer[slot], writer, ngx_pid))
        {
            continue;
        }

        /* no process can start to read it now: see the follow */

        if (ngx_certauthz_crl_shm_free(shm, slot)) {
            goto found;
        }

        head->writer[slot] = 0;
    }

    ngx_certauthz_crl_shm_wait(file, log);

    return NULL;

found:

    shm->waiting = 0;

    /* a failed load or an earlier set may have left pages there */
    ngx_certauthz_crl_shm_empty(shm, slot, log);

    /* not empty from now on: if this process dies, others empty it */
    head->used[slot] = sizeof(ngx_certauthz_crl_shm_region_t);

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
 * set the load made, private parts only, goes), unless another process
 * published a load since this one began (it had taken the lease of one
 * that seemed stopped): then this one goes, NGX_DECLINED.  The file
 * follows it here at once, the other workers when they next look.
 */

ngx_int_t
ngx_certauthz_crl_shm_publish(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_set_t *set, ngx_log_t *log)
{
    ngx_uint_t                      slot;
    ngx_atomic_uint_t               published;
    ngx_certauthz_crl_shm_t        *shm;
    ngx_certauthz_crl_shm_head_t   *head;

    shm = file->shm;
    head = shm->head;
    slot = shm->arena.slot;

    published = ((ngx_certauthz_crl_shm_gen(shm->base) + 1) << 8) | slot;

    head->used[slot] = shm->arena.used;
    head->id[slot] = file->id;

    ngx_certauthz_crl_shm_unmap_arena(&shm->arena);

    ngx_certauthz_crl_set_free(set);

    /* a locked exchange: the slot is whole before anyone can see it */

    if (!ngx_atomic_cmp_set(&head->published, shm->base, published)) {
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "certauthz: CRL file \"%V\" was loaded by another "
                      "process meanwhile, this load is dropped",
                      &file->name);
        ngx_certauthz_crl_shm_drop(file);
        return NGX_DECLINED;
    }

    head->writer[slot] = 0;

    ngx_certauthz_crl_shm_follow(file, log);

    if (file->generation != ngx_certauthz_crl_shm_gen(published)) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the loader: a load into the slot failed, the slot is emptied and free */

void
ngx_certauthz_crl_shm_drop(ngx_certauthz_crl_file_t *file)
{
    ngx_certauthz_crl_shm_t  *shm;

    shm = file->shm;

    ngx_certauthz_crl_shm_unmap_arena(&shm->arena);

    ngx_certauthz_crl_shm_empty(shm, shm->arena.slot, ngx_cycle->log);

    shm->head->used[shm->arena.slot] = 0;
    shm->head->writer[shm->arena.slot] = 0;
}


/*
 * Any process: the newest published generation put in force here, the
 * set of the previous one freed.  A worker first says which slot it is
 * about to map, then makes sure that it is still the one published (both
 * with locked instructions, which order them before the loader's own,
 * see ngx_certauthz_crl_shm_arena()): a slot that a worker names is never
 * written.  A slot that cannot be mapped leaves the set in force as it is
 * (logged), tried again the next time.
 */

void
ngx_certauthz_crl_shm_follow(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    ngx_uint_t                       n, slot;
    ngx_atomic_uint_t                published;
    ngx_certauthz_crl_set_t         *set;
    ngx_certauthz_crl_shm_head_t    *head;
    ngx_certauthz_crl_shm_reader_t  *r;

    head = file->shm->head;
    published = head->published;

    if (ngx_certauthz_crl_shm_gen(published) == file->generation) {
        return;
    }

    r = ngx_certauthz_crl_shm_reader(file->shm);

    if (r != NULL) {
        for (n = 0; /* void */; n++) {

            if (n == 16) {
                /* loads come faster than this worker can follow them */
                r->want = 0;
                return;
            }

            (void) ngx_atomic_cmp_set(&r->want, r->want, published);

            if (head->published == published) {
                break;
            }

            published = head->published;
        }
    }

    slot = ngx_certauthz_crl_shm_slot(published);

    set = ngx_certauthz_crl_shm_attach(file->shm, slot, head->used[slot],
                                       log);
    if (set == NULL) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "certauthz: cannot map the CRLs of \"%V\", the "
                      "previous ones stay in force", &file->name);
        if (r != NULL) {
            r->want = 0;
        }

        return;
    }

    ngx_certauthz_crl_set_free(file->set);

    file->set = set;
    file->generation = ngx_certauthz_crl_shm_gen(published);
    file->seen = published;

    if (r != NULL) {
        (void) ngx_atomic_cmp_set(&r->held, r->held, published);
        r->want = 0;
        r->lagging = 0;
    }
}


/*
 * At a worker's start: it says which slot it reads; what the master put
 * in force before the fork is kept if it still is what is published,
 * else never read again (its slot may be written now)
 */

void
ngx_certauthz_crl_shm_start(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    ngx_atomic_uint_t                published;
    ngx_certauthz_crl_set_t         *set;
    ngx_certauthz_crl_shm_reader_t  *r;

    r = ngx_certauthz_crl_shm_reader(file->shm);

    if (r == NULL) {
        return;
    }

    r->held = 0;
    r->want = 0;
    r->lagging = 0;
    r->said = 0;

    (void) ngx_atomic_cmp_set(&r->pid, r->pid, ngx_pid);

    published = file->shm->head->published;

    (void) ngx_atomic_cmp_set(&r->held, 0, published);

    if (file->shm->head->published != published
        || ngx_certauthz_crl_shm_gen(published) != file->generation)
    {
        r->held = 0;
        file->generation = 0;
    }

    ngx_certauthz_crl_shm_follow(file, log);

    if (file->generation != 0) {
        return;
    }

    /* mapping failed (logged): fail closed, no CRL covers anything */

    set = ngx_certauthz_crl_set_new(ngx_cycle->log);

    if (set != NULL) {
        ngx_certauthz_crl_set_free(file->set);
        file->set = set;
    }
}


/* at a worker's exit: it reads no slot, and looks at the file no more */

void
ngx_certauthz_crl_shm_exit(ngx_certauthz_crl_file_t *file)
{
    ngx_certauthz_crl_shm_reader_t  *r;

    ngx_certauthz_crl_shm_unlock(file);

    r = ngx_certauthz_crl_shm_reader(file->shm);

    if (r == NULL || r->pid != (ngx_atomic_uint_t) ngx_pid) {
        return;
    }

    r->want = 0;
    r->held = 0;
    r->pid = 0;
}


/*
 * A worker's timer: the lease to look at the file, if no live process
 * holds it (one that has not renewed it for a second is taken for
 * stopped), and if nobody looked at it during the last "refresh"
 */

ngx_int_t
ngx_certauthz_crl_shm_lock(ngx_certauthz_crl_file_t *file,
    ngx_msec_t refresh, ngx_uint_t gate, ngx_log_t *log)
{
    ngx_msec_t                      now;
    ngx_atomic_uint_t               lock;
    ngx_certauthz_crl_shm_t        *shm;
    ngx_certauthz_crl_shm_head_t   *head;

    shm = file->shm;
    head = shm->head;
    now = ngx_certauthz_crl_shm_now();

    lock = head->lock;

    if (lock != 0
        && (ngx_msec_int_t) (now - head->beat) < NGX_CERTAUTHZ_CRL_SHM_LEASE
        && ngx_certauthz_crl_shm_alive(lock))
    {
        return NGX_DECLINED;
    }

    if (!ngx_atomic_cmp_set(&head->lock, lock, ngx_pid)) {
        return NGX_DECLINED;
    }

    shm->locked = 1;
    head->beat = now;

    ngx_certauthz_crl_shm_reclaim(file, now, refresh, log);

    if (lock != 0 && lock != (ngx_atomic_uint_t) ngx_pid) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "certauthz: process %P looked at CRL file \"%V\" "
                      "and has not been heard of for %M ms, this worker "
                      "takes over", (ngx_pid_t) lock, &file->name,
                      (ngx_msec_t) NGX_CERTAUTHZ_CRL_SHM_LEASE);

        /* its look may have found a change that it never loaded */

    } else if (gate
               && (ngx_msec_int_t) (now - head->checked)
                  < (ngx_msec_int_t) (refresh - ngx_min(refresh / 8, 250)))
    {
        /*
         * looked at less than a refresh ago (less a little: the timers
         * run on another clock than this one, and a look that is due must
         * not wait for the next tick)
         */

        ngx_certauthz_crl_shm_unlock(file);
        return NGX_DECLINED;
    }

    head->checked = now;

    return NGX_OK;
}


/* the state of a fetched CRL, host-wide */

ngx_certauthz_crl_remote_state_t *
ngx_certauthz_crl_shm_remote(ngx_certauthz_crl_file_t *file)
{
    return &file->shm->head->remote;
}


/* the lease renewed while this process loads */

void
ngx_certauthz_crl_shm_beat(ngx_certauthz_crl_file_t *file)
{
    if (file->shm->locked) {
        file->shm->head->beat = ngx_certauthz_crl_shm_now();
    }
}


void
ngx_certauthz_crl_shm_unlock(ngx_certauthz_crl_file_t *file)
{
    ngx_certauthz_crl_shm_t  *shm;

    shm = file->shm;

    if (shm->locked) {
        shm->locked = 0;
        (void) ngx_atomic_cmp_set(&shm->head->lock, ngx_pid, 0);
    }
}


/*
 * The lease holder: whether the file (fi) is another than the one
 * published, and than the last one tried if that load ended (it failed:
 * it is not tried again until the file changes)
 */

ngx_uint_t
ngx_certauthz_crl_shm_changed(ngx_certauthz_crl_file_t *file,
    ngx_file_info_t *fi)
{
    ngx_certauthz_crl_id_t         *id;
    ngx_certauthz_crl_shm_head_t   *head;

    head = file->shm->head;
    id = &head->id[ngx_certauthz_crl_shm_slot(head->published)];

    if (ngx_certauthz_crl_id_is(id, fi)) {
        return 0;
    }

    return !(head->tried_done && ngx_certauthz_crl_id_is(&head->tried, fi));
}


/* the lease holder: a load of the file that file->id names begins */

void
ngx_certauthz_crl_shm_tried(ngx_certauthz_crl_file_t *file,
    ngx_uint_t done)
{
    ngx_certauthz_crl_shm_head_t  *head;

    head = file->shm->head;

    if (!done) {
        head->tried = file->id;
    }

    head->tried_done = done;
}


/*
 * The lease holder, once per look: the slots that no live process reads
 * or writes are emptied; a worker that has not taken the newest CRLs for
 * ten refresh intervals (at least 10 s) is named, as often again while it
 * lasts, and one that exited before it had is said once.  Nobody waits
 * for them.
 */

static void
ngx_certauthz_crl_shm_reclaim(ngx_certauthz_crl_file_t *file,
    ngx_msec_t now, ngx_msec_t refresh, ngx_log_t *log)
{
    ngx_msec_t                       after;
    ngx_uint_t                       i, slot, generation;
    ngx_atomic_uint_t                pid, held;
    ngx_certauthz_crl_shm_t         *shm;
    ngx_certauthz_crl_shm_head_t    *head;
    ngx_certauthz_crl_shm_reader_t  *r;

    shm = file->shm;
    head = shm->head;
    generation = ngx_certauthz_crl_shm_gen(head->published);
    after = ngx_max(10 * refresh, 10000);

    for (i = 0; i < ngx_certauthz_crl_shm_readers(); i++) {
        r = &head->reader[i];
        pid = r->pid;
        held = r->held;

        if (pid == 0
            || pid == (ngx_atomic_uint_t) ngx_pid
            || held == 0
            || ngx_certauthz_crl_shm_gen(held) == generation)
        {
            continue;
        }

        if (!ngx_certauthz_crl_shm_alive(pid)) {
            if (ngx_atomic_cmp_set(&r->pid, pid, 0)) {
                ngx_log_error(NGX_LOG_WARN, log, 0,
                              "certauthz: worker process %P exited before "
                              "it took the CRLs of \"%V\" in force, the "
                              "copy it read is given back",
                              (ngx_pid_t) pid, &file->name);
            }

            continue;
        }

        if (r->lagging == 0) {
            (void) ngx_atomic_cmp_set(&r->lagging, 0, now);
            continue;
        }

        if ((ngx_msec_int_t) (now - r->lagging) < (ngx_msec_int_t) after
            || (ngx_msec_int_t) (now - r->said) < (ngx_msec_int_t) after)
        {
            continue;
        }

        r->said = now;

        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "certauthz: worker process %P has not taken the CRLs "
                      "of \"%V\" in force for %M s (stopped or busy); it "
                      "reads the copy it has until it does, the other "
                      "workers are not held back", (ngx_pid_t) pid,
                      &file->name, (now - r->lagging) / 1000);
    }

    for (slot = 0; slot < NGX_CERTAUTHZ_CRL_SHM_SLOTS; slot++) {

        pid = head->writer[slot];

        if (head->used[slot] == 0
            || (pid != 0 && ngx_certauthz_crl_shm_alive(pid))
            || !ngx_atomic_cmp_set(&head->writer[slot], pid, ngx_pid))
        {
            continue;
        }

        if (ngx_certauthz_crl_shm_free(shm, slot)) {
            ngx_certauthz_crl_shm_empty(shm, slot, log);
            head->used[slot] = 0;
        }

        head->writer[slot] = 0;
    }
}


/*
 * Whether a slot is free: not published, and no live worker reads it or
 * is about to (the caller writes the slot's writer first, with a locked
 * instruction)
 */

static ngx_uint_t
ngx_certauthz_crl_shm_free(ngx_certauthz_crl_shm_t *shm, ngx_uint_t slot)
{
    ngx_uint_t                       i;
    ngx_atomic_uint_t                pid, held, want, published;
    ngx_certauthz_crl_shm_head_t    *head;
    ngx_certauthz_crl_shm_reader_t  *r;

    head = shm->head;
    published = head->published;

    if (published != 0 && ngx_certauthz_crl_shm_slot(published) == slot) {
        return 0;
    }

    for (i = 0; i < ngx_certauthz_crl_shm_readers(); i++) {
        r = &head->reader[i];
        pid = r->pid;

        if (pid == 0) {
            continue;
        }

        held = r->held;
        want = r->want;

        if ((held != 0 && ngx_certauthz_crl_shm_slot(held) == slot)
            || (want != 0 && ngx_certauthz_crl_shm_slot(want) == slot))
        {
            if (ngx_certauthz_crl_shm_alive(pid)) {
                return 0;
            }
        }
    }

    return 1;
}


/* this worker's place in the head; NULL in the master */

static ngx_certauthz_crl_shm_reader_t *
ngx_certauthz_crl_shm_reader(ngx_certauthz_crl_shm_t *shm)
{
    if (ngx_process == NGX_PROCESS_SINGLE) {
        return &shm->head->reader[0];
    }

    if (ngx_process == NGX_PROCESS_WORKER && ngx_worker < NGX_MAX_PROCESSES) {
        return &shm->head->reader[ngx_worker];
    }

    return NULL;
}


/*
 * How many places of the head a scan looks at: one per worker of this
 * configuration (a process has the configuration of its own copy)
 */

static ngx_uint_t
ngx_certauthz_crl_shm_readers(void)
{
    ngx_core_conf_t  *ccf;

    if (ngx_process != NGX_PROCESS_WORKER) {
        return 1;
    }

    ccf = (ngx_core_conf_t *) ngx_get_conf(ngx_cycle->conf_ctx,
                                           ngx_core_module);

    return ngx_min((ngx_uint_t) ccf->worker_processes, NGX_MAX_PROCESSES);
}


/* whether a process lives (a zombie does, until the master reaps it) */

static ngx_uint_t
ngx_certauthz_crl_shm_alive(ngx_atomic_uint_t pid)
{
    if (pid == (ngx_atomic_uint_t) ngx_pid) {
        return 1;
    }

    return kill((ngx_pid_t) pid, 0) == 0 || ngx_errno != NGX_ESRCH;
}


/* the wall clock in msec: the same in every process, unlike timers' */

static ngx_msec_t
ngx_certauthz_crl_shm_now(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (ngx_msec_t) tp->sec * 1000 + tp->msec;
}


/*
 * A changed file waits for a free slot: every one is published, written
 * or read by a worker that lags (several stopped at once); said after ten
 * seconds, and as often again while it lasts
 */

static void
ngx_certauthz_crl_shm_wait(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
    ngx_certauthz_crl_shm_t  *shm;

    shm = file->shm;

    if (shm->waiting == 0) {
        shm->waiting = ngx_current_msec;
        shm->said = ngx_current_msec;
        return;
    }

    if (ngx_current_msec - shm->said < 10000) {
        return;
    }

    shm->said = ngx_current_msec;

    ngx_log_error(NGX_LOG_WARN, log, 0,
                  "certauthz: CRL file \"%V\" changed, but no slot of its "
                  "memory file is free for %M s: workers that lag read "
                  "them all; the file is loaded once one is",
                  &file->name, (ngx_current_msec - shm->waiting) / 1000);
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
    set = ngx_certauthz_crl_set_new(ngx_cycle->log);
    if (set == NULL) {
        return NULL;
    }

    pool = set->pool;

    cln = ngx_pool_cleanup_add(pool, sizeof(ngx_certauthz_crl_shm_map_t));
    if (cln == NULL) {
        ngx_destroy_pool(pool);
        return NULL;
    }

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
ngx_certauthz_crl_shm_exit(ngx_certauthz_crl_file_t *file)
{
}


ngx_int_t
ngx_certauthz_crl_shm_lock(ngx_certauthz_crl_file_t *file,
    ngx_msec_t refresh, ngx_uint_t gate, ngx_log_t *log)
{
    return NGX_DECLINED;
}


void
ngx_certauthz_crl_shm_beat(ngx_certauthz_crl_file_t *file)
{
}


ngx_certauthz_crl_remote_state_t *
ngx_certauthz_crl_shm_remote(ngx_certauthz_crl_file_t *file)
{
    return NULL;
}


void
ngx_certauthz_crl_shm_unlock(ngx_certauthz_crl_file_t *file)
{
}


ngx_uint_t
ngx_certauthz_crl_shm_changed(ngx_certauthz_crl_file_t *file,
    ngx_file_info_t *fi)
{
    return 1;
}


void
ngx_certauthz_crl_shm_tried(ngx_certauthz_crl_file_t *file,
    ngx_uint_t done)
{
}

#endif
