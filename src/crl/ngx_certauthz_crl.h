
/*
 * certauthz: CRL files.  One stack that data flows through one way:
 *
 *   ngx_certauthz_crl_watch.c    the watcher: a timer per file and worker
 *                                decides when to look at the file and has
 *                                the loader load a changed one
 *   ngx_certauthz_crl_load.c     the loader: reads a file, its CRLs (_der,
 *                                _ext, _sig, _trust) into sets of revoked
 *                                serials, written into the store
 *   ngx_certauthz_crl_store.c    the store: the host's copy of each file
 *                                (shared memory), its generations, which
 *                                process reads what
 *   ngx_certauthz_crl_verdict.c  the verdict of a connection: reads the
 *                                generation in force, never loads
 *
 * Revoked serials are kept per CRL in a hash set, so that (issuer, serial)
 * lookups are O(1); a CRL counts only once its signature verifies with
 * the key of the certificate's issuer, and only as far as RFC 5280 lets
 * it speak for the certificate.
 */


#ifndef _NGX_CERTAUTHZ_CRL_H_INCLUDED_
#define _NGX_CERTAUTHZ_CRL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#if (NGX_THREADS)
#include <ngx_thread_pool.h>
#endif

#include "ngx_certauthz_cert.h"
#include "ngx_certauthz_file.h"
#include "ngx_certauthz_set.h"


#define NGX_CERTAUTHZ_CRL_OK        0
#define NGX_CERTAUTHZ_CRL_REVOKED   1
#define NGX_CERTAUTHZ_CRL_MISSING   2
#define NGX_CERTAUTHZ_CRL_STALE     3


/*
 * a serial key: a sign byte, then the magnitude without leading zeros;
 * RFC 5280 allows 20 bytes, OpenSSL any number: a CRL that lists a longer
 * serial is refused, and a certificate with one gets no CRL verdict
 * (crl-missing), so that no revoked certificate ever passes unseen
 */
#define NGX_CERTAUTHZ_SERIAL_KEY_LEN  (1 + 1024)


/*
 * a CRLNumber or BaseCRLNumber: its magnitude, big-endian, right-aligned
 * (RFC 5280 allows 20 octets)
 */
#define NGX_CERTAUTHZ_CRL_NUMBER_LEN  32


/* what a CRL is, from its extensions (RFC 5280, 5.2) */
#define NGX_CERTAUTHZ_CRL_NUMBERED   0x01    /* has a CRLNumber */
#define NGX_CERTAUTHZ_CRL_DELTA      0x02    /* deltaCRLIndicator */
/* issuingDistributionPoint: onlyContainsUserCerts, onlyContainsCACerts,
 * onlyContainsAttributeCerts, a distributionPoint (a partitioned CRL) */
#define NGX_CERTAUTHZ_CRL_ONLY_USER  0x04
#define NGX_CERTAUTHZ_CRL_ONLY_CA    0x08
#define NGX_CERTAUTHZ_CRL_ONLY_ATTR  0x10
#define NGX_CERTAUTHZ_CRL_PARTITION  0x20
#define NGX_CERTAUTHZ_CRL_UNUSED     0x40    /* never used (logged when
                                                loaded): an unknown
                                                critical extension, an
                                                indirect or reason-
                                                partitioned CRL, ... */

/*
 * whether a CRL of a file is in force (ngx_certauthz_crl_in_force()), and
 * whether its nextUpdate is the one that decides crl-stale
 */
#define NGX_CERTAUTHZ_CRL_IN_FORCE   0x01
#define NGX_CERTAUTHZ_CRL_DECIDES    0x02

/* the marks of a CRL's entries: a byte, then the serial key */
#define NGX_CERTAUTHZ_CRL_MARK_HOLD    'h'   /* certificateHold */
#define NGX_CERTAUTHZ_CRL_MARK_REMOVE  'r'   /* removeFromCRL */


#define NGX_CERTAUTHZ_CRL_SIG_NONE     0   /* cannot be checked */
#define NGX_CERTAUTHZ_CRL_SIG_DIGEST   1   /* a digest, signed */
#define NGX_CERTAUTHZ_CRL_SIG_PSS      2   /* a digest, RSASSA-PSS */
#define NGX_CERTAUTHZ_CRL_SIG_MESSAGE  3   /* EdDSA: the signed part */


/*
 * the parts of a CRL's DER (see ngx_certauthz_crl_der.c), each a whole
 * element, from its tag, but for the revoked entries: the content of that
 * SEQUENCE OF (NULL: none)
 */
typedef struct {
    const u_char             *tbs;
    size_t                    tbs_size;
    const u_char             *sig_alg;
    size_t                    sig_alg_size;
    const u_char             *sig;
    size_t                    sig_size;
    const u_char             *issuer;
    size_t                    issuer_size;
    const u_char             *this_update;
    size_t                    this_update_size;
    const u_char             *next_update;        /* NULL: none */
    size_t                    next_update_size;
    const u_char             *revoked;
    size_t                    revoked_len;
    const u_char             *extensions;         /* the content of the
                                                     SEQUENCE OF (NULL:
                                                     none) */
    size_t                    extensions_len;
} ngx_certauthz_crl_der_t;


/* an Extension (RFC 5280, 4.1): its OID, whole; its value's content */
typedef struct {
    const u_char             *oid;
    size_t                    oid_size;
    ngx_uint_t                critical;
    const u_char             *value;
    size_t                    value_len;
} ngx_certauthz_crl_ext_t;


/* what checking a CRL's signature needs, see ngx_certauthz_crl_sig.c */
typedef struct {
    ngx_uint_t                kind;
    int                       pkey_type;      /* the key it needs */
    const EVP_MD             *md;
    const EVP_MD             *mgf1_md;        /* PSS */
    int                       salt_len;       /* PSS */
    u_char                    digest[EVP_MAX_MD_SIZE];
    unsigned int              digest_len;
    u_char                   *tbs;            /* MESSAGE */
    size_t                    tbs_len;
    u_char                   *sig;
    size_t                    sig_len;
} ngx_certauthz_crl_sig_t;


typedef struct {
    X509_NAME                *issuer;
    time_t                    this_update;
    time_t                    next_update;
    unsigned                  has_next_update:1;

    /*
     * What it covers and where it stands among its issuer's CRLs: flags
     * (NGX_CERTAUTHZ_CRL_*), CRLNumber, a delta's BaseCRLNumber, and the
     * values (DER) of its issuingDistributionPoint and authorityKeyIdentifier
     * (NULL: none), which a delta and its base share
     */
    ngx_uint_t                flags;
    u_char                    number[NGX_CERTAUTHZ_CRL_NUMBER_LEN];
    u_char                    base[NGX_CERTAUTHZ_CRL_NUMBER_LEN];
    u_char                   *idp;
    size_t                    idp_len;
    u_char                   *akid;
    size_t                    akid_len;

    /*
     * The signature: checked later, with the key of the issuer that a
     * connection's chain brings; the whole CRL need not be kept for that.
     */
    ngx_certauthz_crl_sig_t   sig;

    /*
     * the last issuer key checked, by SHA-256, and what it gave: NGX_OK
     * or NGX_DECLINED, never an internal failure (NGX_AGAIN: none yet)
     */
    u_char                    key[32];
    ngx_int_t                 key_result;
    unsigned                  warned:1;
    unsigned                  sig_bad:1;      /* a trusted CA certificate
                                                 of its issuer's name has
                                                 a key: it does not verify */

    ngx_certauthz_set_t       serials;        /* sign byte + magnitude; not
                                                 the removeFromCRL ones */
    ngx_certauthz_set_t       marks;          /* the few entries on hold or
                                                 removed: a mark, then the
                                                 serial key */
} ngx_certauthz_crl_t;


/* which file a load was of: what stat() says of it */
typedef struct {
    time_t                    mtime;
    off_t                     size;
    ngx_file_uniq_t           uniq;
} ngx_certauthz_crl_id_t;


#define ngx_certauthz_crl_id_set(id, fi)                                      \
    (id)->mtime = ngx_file_mtime(fi);                                         \
    (id)->size = ngx_file_size(fi);                                           \
    (id)->uniq = ngx_file_uniq(fi)

#define ngx_certauthz_crl_id_is(id, fi)                                       \
    ((id)->mtime == ngx_file_mtime(fi)                                        \
     && (id)->size == ngx_file_size(fi)                                       \
     && (id)->uniq == ngx_file_uniq(fi))


/*
 * CRLs fetched from a URL (ngx_certauthz_crl_remote.c, with the HTTP
 * client in ngx_certauthz_crl_fetch.c): what the main-level directives of
 * a face say
 */
typedef struct {
    ngx_str_t                 cache;          /* data NULL: the default */
    ngx_msec_t                timeout;
    size_t                    max_size;
    ngx_str_t                 trusted;        /* data NULL: the system's */
    ngx_str_t                 trusted_pem;    /* its certificates, read
                                                 with the configuration */
    ngx_array_t              *cdp_allow;      /* of ngx_str_t; NULL: any
                                                 public address */
    ngx_uint_t                cdp_max;
    ngx_msec_t                cdp_wait;
    ngx_uint_t                cdp_fixed;      /* the slots are made */
    ngx_path_t               *path;           /* the cache, once known */
} ngx_certauthz_crl_fetch_conf_t;


/* what a fetch came to, and why one failed (the metrics' labels) */
#define NGX_CERTAUTHZ_CRL_FETCH_UPDATED       0
#define NGX_CERTAUTHZ_CRL_FETCH_NOT_MODIFIED  1
#define NGX_CERTAUTHZ_CRL_FETCH_ERROR         2
#define NGX_CERTAUTHZ_CRL_FETCH_OUTCOMES      3

#define NGX_CERTAUTHZ_CRL_CAUSE_CONNECT       0
#define NGX_CERTAUTHZ_CRL_CAUSE_TIMEOUT       1
#define NGX_CERTAUTHZ_CRL_CAUSE_TLS           2
#define NGX_CERTAUTHZ_CRL_CAUSE_STATUS        3
#define NGX_CERTAUTHZ_CRL_CAUSE_REDIRECT      4
#define NGX_CERTAUTHZ_CRL_CAUSE_TOO_LARGE     5
#define NGX_CERTAUTHZ_CRL_CAUSE_TRUNCATED     6
#define NGX_CERTAUTHZ_CRL_CAUSE_NOT_A_CRL     7
#define NGX_CERTAUTHZ_CRL_CAUSE_SIGNATURE     8
#define NGX_CERTAUTHZ_CRL_CAUSE_CACHE         9
#define NGX_CERTAUTHZ_CRL_CAUSE_OLDER         10
#define NGX_CERTAUTHZ_CRL_CAUSES              11

#define NGX_CERTAUTHZ_CRL_ETAG_LEN      256
#define NGX_CERTAUTHZ_CRL_URL_MAX       2048
#define NGX_CERTAUTHZ_CRL_MODIFIED_LEN  64


/*
 * The host's state of a fetched CRL: in the head of the host's copy
 * (written by the lease holder only, but for the counters), or the
 * process's own where there is no host copy
 */
typedef struct {
    ngx_atomic_t              due;            /* the next fetch: msec of
                                                 the wall clock */
    ngx_atomic_t              failures;       /* in a row */
    ngx_atomic_t              cause;          /* of the last one logged */
    ngx_atomic_t              said;           /* when (sec) */
    ngx_atomic_t              fetches[NGX_CERTAUTHZ_CRL_FETCH_OUTCOMES];
    ngx_atomic_t              errors[NGX_CERTAUTHZ_CRL_CAUSES];
    ngx_atomic_t              bytes;
    ngx_atomic_t              success;        /* the last good fetch (sec) */
    u_char                    etag[NGX_CERTAUTHZ_CRL_ETAG_LEN];
    u_char                    modified[NGX_CERTAUTHZ_CRL_MODIFIED_LEN];
                                              /* of the CRLs in force,
                                                 NUL-terminated, "": none */

    /*
     * a slot of "certauthz_crl cdp": which process claimed it for a URL
     * (0: free), the URL once written (url_len 0: not yet), whether a
     * fetch of it has ended (requests wait for the first one); and in the
     * first slot, the lock under which a URL is looked up and claimed
     */
    ngx_atomic_t              claimed;
    ngx_atomic_t              url_len;
    ngx_atomic_t              tried;
    ngx_atomic_t              lock;
    u_char                    url[NGX_CERTAUTHZ_CRL_URL_MAX + 1];
} ngx_certauthz_crl_remote_state_t;


/* one fetch, as the HTTP client sees it: in a thread, no nginx state */
typedef struct {
    /* in: C strings */
    const char               *url;
    const char               *etag;           /* "": none */
    const char               *modified;       /* "": none */
    u_char                   *trusted;        /* PEM; NULL: the system's */
    size_t                    trusted_len;
    const char               *temp;           /* where the body goes */
    ngx_msec_t                timeout;
    size_t                    max_size;
    ngx_array_t              *allow;          /* of ngx_str_t: prefixes */
    unsigned                  public_only:1;  /* no inward address */

    /* out */
    ngx_uint_t                outcome;
    ngx_uint_t                cause;
    size_t                    bytes;
    u_char                    error[512];     /* NUL-terminated */
    u_char                    etag_new[NGX_CERTAUTHZ_CRL_ETAG_LEN];
    u_char                    modified_new[NGX_CERTAUTHZ_CRL_MODIFIED_LEN];

    /* the client's own */
    ngx_fd_t                  fd;
    unsigned                  too_large:1;
    unsigned                  refused:1;      /* an inward address */
} ngx_certauthz_crl_fetch_t;


typedef struct ngx_certauthz_crl_remote_s  ngx_certauthz_crl_remote_t;


/* the host's one copy of a CRL file, see ngx_certauthz_crl_store.c */
typedef struct ngx_certauthz_crl_shm_s  ngx_certauthz_crl_shm_t;


/* where a load writes the tables of its CRLs: a slot of the host's copy */
typedef struct {
    ngx_fd_t                  fd;
    u_char                   *start;          /* NULL: not mapped */
    size_t                    size;
    size_t                    used;
    ngx_uint_t                slot;
    void                     *last;           /* the last CRL written */
} ngx_certauthz_crl_arena_t;


typedef struct {
    ngx_pool_t               *pool;           /* all of the set */
    ngx_array_t               crls;           /* ngx_certauthz_crl_t */
    ngx_uint_t                nentries;
    ngx_certauthz_crl_arena_t  *arena;        /* NULL: all in the pool */
    ngx_array_t              *stores;         /* X509_STORE *, to check the
                                                 CRLs with; NULL: none */
} ngx_certauthz_crl_set_t;


typedef struct {
    ngx_str_t                 path;
    ngx_str_t                 name;           /* in logs and metrics: the
                                                 path, or the URL */
    ngx_certauthz_crl_remote_t  *remote;      /* NULL: a file */
    ngx_certauthz_crl_set_t  *set;
    ngx_uint_t                generation;
    ngx_msec_t                checked;        /* a copy per process: when
                                                 it looked last */
    ngx_certauthz_crl_id_t    id;             /* the file loaded last */
    ngx_certauthz_crl_shm_t  *shm;            /* NULL: a copy per process */

    /* what the host publishes, and what this process has in force */
    ngx_atomic_t             *published;      /* NULL: a copy per process */
    ngx_atomic_uint_t         seen;

    /* the trusted CA certificates of the servers that use it, and how
     * many of them the set in force was checked with */
    ngx_array_t               stores;         /* of X509_STORE * */
    ngx_uint_t                trusted;

    /* host-wide: loads that went well, that failed, the last good one's
     * time (ngx_certauthz_metrics.c); NULL: not counted */
    ngx_atomic_t             *loads;
    time_t                    loaded;         /* at configuration */

    /* what the policies that name it ask: the shortest refresh (0: none
     * asks), the longest warning (0: none); the worker's timer for both */
    ngx_msec_t                refresh;
    time_t                    warn;
    time_t                    warned;
    ngx_event_t               watch;

    /* a load of the changed file runs in a thread */
    unsigned                  loading:1;
#if (NGX_THREADS)
    ngx_thread_task_t        *task;
#endif
} ngx_certauthz_crl_file_t;


/*
 * How often a worker looks whether the host published new CRLs, at most:
 * with a CRL change reaching every worker within certauthz_crl_refresh +
 * 1 s, also one without requests
 */
#define NGX_CERTAUTHZ_CRL_POLL  1000

/* how often a request that waits for a distribution point's CRL looks */
#define NGX_CERTAUTHZ_CRL_CDP_POLL  50


/*
 * "certauthz_crl cdp" in a configuration: the slots that the URLs of
 * certificates' CRL Distribution Points are fetched in (each a file of
 * a URL, claimed host-wide when a certificate first names the URL)
 */
typedef struct {
    ngx_array_t               slots;          /* of ngx_certauthz_crl_file_t * */
    ngx_certauthz_crl_fetch_conf_t  *conf;
    ngx_array_t               said;           /* of uint32_t: the hashes of
                                                 URLs refused and logged */
} ngx_certauthz_crl_cdp_t;


/* what a location asks for */
typedef struct {
    ngx_array_t              *files;          /* of ngx_certauthz_crl_file_t *;
                                                 NULL: no CRL */
    ngx_certauthz_crl_cdp_t  *cdp;            /* NULL: no "cdp" */
    ngx_msec_t                refresh;        /* 0: on nginx reload only */
    ngx_uint_t                stale_allow;
    time_t                    warn;           /* 0: no warning */
} ngx_certauthz_crl_conf_t;


/*
 * a connection's CRL verdict, for one list of files and generation of
 * their CRLs:
 * finding the issuer and checking signatures is done once per connection
 * and CRL set; the clock is checked per request
 */
typedef struct {
    ngx_array_t              *files;
    ngx_uint_t                generation;
    ngx_uint_t                result;
    time_t                    fresh_until;
    unsigned                  limited:1;      /* fresh_until applies */
} ngx_certauthz_crl_verdict_t;


ngx_certauthz_crl_file_t *ngx_certauthz_crl_file(ngx_conf_t *cf,
    ngx_array_t *files, ngx_str_t *path,
    ngx_certauthz_crl_fetch_conf_t *fetch);
ngx_int_t ngx_certauthz_crl_file_open(ngx_conf_t *cf,
    ngx_certauthz_crl_file_t *f, ngx_uint_t cached);
ngx_int_t ngx_certauthz_crl_remote_conf(ngx_conf_t *cf, ngx_array_t *files,
    ngx_certauthz_crl_fetch_conf_t *conf);
ngx_uint_t ngx_certauthz_crl_remote_due(ngx_certauthz_crl_file_t *file);
ngx_int_t ngx_certauthz_crl_remote_slot(ngx_conf_t *cf,
    ngx_certauthz_crl_file_t *f, ngx_certauthz_crl_fetch_conf_t *conf);
ngx_uint_t ngx_certauthz_crl_remote_adopt(ngx_certauthz_crl_file_t *f);
ngx_certauthz_crl_cdp_t *ngx_certauthz_crl_cdp_conf(ngx_conf_t *cf,
    ngx_array_t *files, ngx_certauthz_crl_fetch_conf_t *conf,
    ngx_certauthz_crl_cdp_t *cdp);
ngx_int_t ngx_certauthz_crl_cdp_check(ngx_certauthz_crl_cdp_t *cdp,
    ngx_connection_t *c, ngx_msec_t *until);
void ngx_certauthz_crl_watch_now(ngx_certauthz_crl_file_t *file);
#if (NGX_THREADS)
ngx_int_t ngx_certauthz_crl_task(ngx_certauthz_crl_file_t *file, size_t size,
    ngx_thread_pool_t **tp);
#endif
ngx_certauthz_crl_remote_state_t *ngx_certauthz_crl_remote_state(
    ngx_certauthz_crl_file_t *file);
ngx_int_t ngx_certauthz_crl_remote_look(ngx_certauthz_crl_file_t *file,
    ngx_log_t *log);
void ngx_certauthz_crl_remote_exit(ngx_certauthz_crl_file_t *file);
ngx_int_t ngx_certauthz_crl_remote_init(ngx_log_t *log);
ngx_int_t ngx_certauthz_crl_remote_new(ngx_conf_t *cf,
    ngx_certauthz_crl_file_t *f, ngx_certauthz_crl_fetch_conf_t *conf);
ngx_uint_t ngx_certauthz_crl_is_url(ngx_str_t *s);
ngx_uint_t ngx_certauthz_crl_allowed(ngx_array_t *allow, ngx_str_t *url);
const char *ngx_certauthz_crl_url_check(ngx_str_t *url);
void ngx_certauthz_crl_fetch_conf_init(ngx_certauthz_crl_fetch_conf_t *conf);
char *ngx_certauthz_crl_fetch_conf_set(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_certauthz_crl_fetch_conf_t *conf);
void ngx_certauthz_crl_fetch_run(ngx_certauthz_crl_fetch_t *f);
ngx_certauthz_crl_remote_state_t *ngx_certauthz_crl_shm_remote(
    ngx_certauthz_crl_file_t *file);
ngx_certauthz_crl_set_t *ngx_certauthz_crl_load(ngx_str_t *path,
    ngx_log_t *log, const char **err, ngx_certauthz_file_err_t *fe,
    ngx_certauthz_crl_arena_t *arena, ngx_array_t *stores);
ngx_certauthz_crl_set_t *ngx_certauthz_crl_set_new(ngx_log_t *log);
void ngx_certauthz_crl_set_free(ngx_certauthz_crl_set_t *set);
void ngx_certauthz_crl_trim(void);
ngx_int_t ngx_certauthz_crl_exts(ngx_certauthz_crl_t *crl,
    ngx_certauthz_crl_der_t *d, ngx_pool_t *pool, u_char *why, size_t size);
ngx_int_t ngx_certauthz_crl_entry_exts(const u_char *p, size_t len,
    ngx_int_t *reason, u_char *why, size_t size);
void ngx_certauthz_crl_note(ngx_certauthz_crl_t *crl, ngx_str_t *path,
    ngx_uint_t level, u_char *what, const char *then, ngx_log_t *log);
ngx_int_t ngx_certauthz_crl_shm_init(ngx_certauthz_crl_file_t *file,
    ngx_conf_t *cf);
ngx_certauthz_crl_arena_t *ngx_certauthz_crl_shm_arena(
    ngx_certauthz_crl_file_t *file, ngx_log_t *log);
ngx_int_t ngx_certauthz_crl_shm_map(ngx_certauthz_crl_arena_t *arena,
    size_t len);
void ngx_certauthz_crl_shm_unmap_arena(ngx_certauthz_crl_arena_t *arena);
void *ngx_certauthz_crl_shm_alloc(ngx_certauthz_crl_arena_t *arena,
    size_t size);
ngx_int_t ngx_certauthz_crl_shm_add(ngx_certauthz_crl_arena_t *arena,
    ngx_certauthz_crl_t *crl, const u_char *issuer, size_t issuer_len);
ngx_int_t ngx_certauthz_crl_shm_publish(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_set_t *set, ngx_log_t *log);
void ngx_certauthz_crl_shm_drop(ngx_certauthz_crl_file_t *file);
void ngx_certauthz_crl_shm_follow(ngx_certauthz_crl_file_t *file,
    ngx_log_t *log);
void ngx_certauthz_crl_shm_start(ngx_certauthz_crl_file_t *file,
    ngx_log_t *log);
void ngx_certauthz_crl_shm_exit(ngx_certauthz_crl_file_t *file);
ngx_int_t ngx_certauthz_crl_shm_lock(ngx_certauthz_crl_file_t *file,
    ngx_msec_t refresh, ngx_uint_t gate, ngx_log_t *log);
void ngx_certauthz_crl_shm_beat(ngx_certauthz_crl_file_t *file);
void ngx_certauthz_crl_shm_unlock(ngx_certauthz_crl_file_t *file);
ngx_uint_t ngx_certauthz_crl_shm_changed(ngx_certauthz_crl_file_t *file,
    ngx_file_info_t *fi);
void ngx_certauthz_crl_shm_tried(ngx_certauthz_crl_file_t *file,
    ngx_uint_t done);
ngx_int_t ngx_certauthz_crl_conf_trust(ngx_certauthz_crl_conf_t *conf,
    X509_STORE *store);
void ngx_certauthz_crl_trust(ngx_array_t *stores, ngx_certauthz_crl_t *crl);
void ngx_certauthz_crl_trust_files(ngx_array_t *files, ngx_log_t *log);
void ngx_certauthz_crl_trust_log(ngx_certauthz_crl_file_t *file,
    ngx_log_t *log);
void ngx_certauthz_crl_swap(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_set_t *set, const char *err,
    ngx_certauthz_file_err_t *fe, ngx_log_t *log);
ngx_msec_t ngx_certauthz_crl_poll(ngx_certauthz_crl_conf_t *conf);
void ngx_certauthz_crl_watch_conf(ngx_certauthz_crl_conf_t *conf);
void ngx_certauthz_crl_watch(ngx_certauthz_crl_file_t *file,
    ngx_log_t *log);
void ngx_certauthz_crl_watch_exit(ngx_certauthz_crl_file_t *file,
    ngx_log_t *log);
size_t ngx_certauthz_crl_serial_key(const ASN1_INTEGER *serial, u_char *key,
    size_t size);
ngx_int_t ngx_certauthz_crl_der(const u_char *der, size_t len,
    ngx_certauthz_crl_der_t *crl);
ngx_int_t ngx_certauthz_crl_der_entry(const u_char **p, const u_char *end,
    const u_char **serial, size_t *size, const u_char **exts,
    size_t *exts_len);
ngx_int_t ngx_certauthz_crl_der_ext(const u_char **p, const u_char *end,
    ngx_certauthz_crl_ext_t *ext);
ngx_int_t ngx_certauthz_crl_der_small(const u_char *p, size_t len, int tag);
ngx_int_t ngx_certauthz_crl_der_number(const u_char *p, size_t len,
    u_char *number);
ngx_int_t ngx_certauthz_crl_sig_load(ngx_certauthz_crl_sig_t *sig,
    const X509_ALGOR *alg, const ASN1_BIT_STRING *bits, const u_char *tbs,
    size_t tbs_len, ngx_pool_t *pool, const char **err);
ngx_int_t ngx_certauthz_crl_sig_verify(ngx_certauthz_crl_sig_t *sig,
    EVP_PKEY *pkey);
ngx_int_t ngx_certauthz_crl_check(ngx_certauthz_crl_conf_t *conf,
    ngx_connection_t *c, ngx_certauthz_crl_verdict_t *verdict,
    ngx_uint_t *result);
ngx_uint_t ngx_certauthz_crl_in_force(ngx_certauthz_crl_set_t *set,
    ngx_certauthz_crl_t *crl);
ngx_uint_t ngx_certauthz_crl_newer(ngx_certauthz_crl_t *a,
    ngx_certauthz_crl_t *b);



/*
 * The generation of a list of files, each with what the host published
 * last in force here: generations only grow, so their sum changes
 * whenever one of the files is loaded again.  Loading is the watcher's
 * business (ngx_certauthz_crl_watch.c), never a request's: per request
 * this is a comparison per file.
 */

static ngx_inline ngx_uint_t
ngx_certauthz_crl_generation(ngx_certauthz_crl_conf_t *conf)
{
    ngx_uint_t                  i, generation;
    ngx_certauthz_crl_file_t  **file;

    file = conf->files->elts;
    generation = 0;

    for (i = 0; i < conf->files->nelts; i++) {

        if (file[i]->published != NULL
            && *file[i]->published != file[i]->seen)
        {
            ngx_certauthz_crl_shm_follow(file[i], ngx_cycle->log);
        }

        generation += file[i]->generation;
    }

    return generation;
}


/*
 * Whether a connection's verdict on these files still holds and clears
 * its certificate: found not revoked by the CRLs in force now, which are
 * fresh (what ngx_certauthz_crl_check() would answer NGX_CERTAUTHZ_CRL_OK
 * without a look at the CRLs)
 */

static ngx_inline ngx_uint_t
ngx_certauthz_crl_kept(ngx_certauthz_crl_conf_t *conf,
    ngx_certauthz_crl_verdict_t *v)
{
    return v->files == conf->files
           && v->result == NGX_CERTAUTHZ_CRL_OK
           && (!v->limited || ngx_time() < v->fresh_until)
           && v->generation == ngx_certauthz_crl_generation(conf);
}


#endif /* _NGX_CERTAUTHZ_CRL_H_INCLUDED_ */
