
/*
 * certauthz: CRLs fetched from a URL.  Such a CRL is a CRL file whose
 * file is the cached copy of the last good answer (CACHE/crl-HASH.crl):
 * loaded with the configuration like any file, so a start without
 * network starts with it, and kept current by a fetch instead of a
 * stat().  The worker that holds the file's lease (see
 * ngx_certauthz_crl_store.c) fetches when a fetch is due, in a thread
 * of nginx's pool (ngx_certauthz_crl_fetch.c), loads and checks the
 * answer there, renames it over the cached copy and publishes it to the
 * host as a load of a changed file is published.  When the next fetch
 * is due, how the faults went and the counters are the host's, in the
 * head of its copy: one fetch per host, whichever worker makes it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <openssl/sha.h>

#include "ngx_certauthz_crl.h"

#if (NGX_THREADS)
#include <ngx_thread_pool.h>
#endif


/* a URL is fetched at least this often, whatever certauthz_crl_refresh */
#define NGX_CERTAUTHZ_CRL_FETCH_EVERY  60000

/* a fault is said again at most this often (msec), while it lasts */
#define NGX_CERTAUTHZ_CRL_FETCH_SAY    60000



struct ngx_certauthz_crl_remote_s {
    u_char                            *url;       /* NUL-terminated; of a
                                                     cdp slot: room for
                                                     any URL */
    ngx_str_t                          meta;
    ngx_str_t                          temp;      /* NUL-terminated */
    ngx_certauthz_crl_fetch_conf_t    *conf;
    ngx_certauthz_crl_remote_state_t  *state;
    unsigned                           cdp:1;     /* a slot of "cdp" */
};


/* what a .meta file says (ngx_certauthz_crl_meta_read()) */
typedef struct {
    ngx_str_t                   url;
    ngx_str_t                   etag;
    ngx_str_t                   modified;
    ngx_uint_t                  cdp;
    u_char                      buf[4096];
} ngx_certauthz_crl_meta_t;


#if (NGX_THREADS)

typedef struct {
    ngx_certauthz_crl_file_t   *file;
    ngx_certauthz_crl_arena_t  *arena;
    ngx_certauthz_crl_set_t    *set;
    ngx_certauthz_crl_id_t      id;
    ngx_certauthz_crl_fetch_t   fetch;
    u_char                      etag[NGX_CERTAUTHZ_CRL_ETAG_LEN];
    u_char                      modified[NGX_CERTAUTHZ_CRL_MODIFIED_LEN];
    u_char                      cache_error[256];
} ngx_certauthz_crl_remote_task_t;


static void ngx_certauthz_crl_remote_thread(void *data, ngx_log_t *log);
static void ngx_certauthz_crl_remote_check(
    ngx_certauthz_crl_remote_task_t *ctx);
static void ngx_certauthz_crl_remote_keep(
    ngx_certauthz_crl_remote_task_t *ctx);
static void ngx_certauthz_crl_remote_done(ngx_event_t *ev);
static ngx_uint_t ngx_certauthz_crl_remote_older(
    ngx_certauthz_crl_remote_task_t *ctx, ngx_certauthz_crl_file_t *file);
static void ngx_certauthz_crl_remote_refuse(ngx_certauthz_crl_fetch_t *f,
    ngx_uint_t cause, X509_NAME *issuer, const char *why);
static void ngx_certauthz_crl_remote_said(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_fetch_t *f, ngx_log_t *log);
static void ngx_certauthz_crl_remote_next(ngx_certauthz_crl_file_t *file,
    ngx_uint_t failed);

#endif

static ngx_msec_t ngx_certauthz_crl_remote_now(void);
static char *ngx_certauthz_crl_fetch_trusted(ngx_conf_t *cf,
    ngx_certauthz_crl_fetch_conf_t *conf);
static ngx_int_t ngx_certauthz_crl_remote_dir(ngx_conf_t *cf,
    ngx_certauthz_crl_fetch_conf_t *conf);
static ngx_int_t ngx_certauthz_crl_remote_buffers(ngx_conf_t *cf,
    ngx_certauthz_crl_file_t *f);
static void ngx_certauthz_crl_remote_names(ngx_certauthz_crl_file_t *f);
static ngx_uint_t ngx_certauthz_crl_remote_recall(
    ngx_certauthz_crl_file_t *f, ngx_array_t *files);
static ngx_int_t ngx_certauthz_crl_meta_read(u_char *path,
    ngx_certauthz_crl_meta_t *m);
static void ngx_certauthz_crl_remote_meta(ngx_certauthz_crl_file_t *file);


static u_char  ngx_certauthz_crl_hex[] = "0123456789abcdef";


/* whether a certauthz_crl value is a URL: http:// or https:// */

ngx_uint_t
ngx_certauthz_crl_is_url(ngx_str_t *s)
{
    return (s->len >= 7 && ngx_strncasecmp(s->data, (u_char *) "http://", 7)
                           == 0)
           || (s->len >= 8
               && ngx_strncasecmp(s->data, (u_char *) "https://", 8) == 0);
}


/* whether a URL is under one of the prefixes (of ngx_str_t) */

ngx_uint_t
ngx_certauthz_crl_allowed(ngx_array_t *allow, ngx_str_t *url)
{
    ngx_str_t   *prefix;
    ngx_uint_t   i;

    prefix = allow->elts;

    for (i = 0; i < allow->nelts; i++) {
        if (url->len >= prefix[i].len
            && ngx_strncasecmp(url->data, prefix[i].data, prefix[i].len)
               == 0)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * NULL if the URL is fit to be fetched, else why not: a scheme, a host,
 * no control character or space, not too long
 */

const char *
ngx_certauthz_crl_url_check(ngx_str_t *url)
{
    u_char      *p, *host;
    ngx_uint_t   i;

    if (!ngx_certauthz_crl_is_url(url)) {
        return "not an http:// or https:// URL";
    }

    if (url->len > NGX_CERTAUTHZ_CRL_URL_MAX) {
        return "longer than 2048 bytes";
    }

    for (i = 0; i < url->len; i++) {
        if (url->data[i] <= 0x20 || url->data[i] >= 0x7f) {
            return "a space, a control character or a byte above 0x7e "
                   "in it";
        }
    }

    host = ngx_strlchr(url->data, url->data + url->len, ':') + 3;
    p = host;

    while (p < url->data + url->len && *p != '/' && *p != '?' && *p != '#') {
        if (*p == '@') {
            return "a user name in it";
        }

        p++;
    }

    if (p == host || *host == ':') {
        return "no host in it";
    }

    return NULL;
}


/* "certauthz_crl URL": the file, without its path yet */

ngx_int_t
ngx_certauthz_crl_remote_new(ngx_conf_t *cf, ngx_certauthz_crl_file_t *f,
    ngx_certauthz_crl_fetch_conf_t *conf)
{
    const char                  *why;
#if (NGX_THREADS)
    ngx_certauthz_crl_remote_t  *remote;
#endif

    why = ngx_certauthz_crl_url_check(&f->name);

    if (why != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid CRL URL \"%V\": %s",
                           &f->name, why);
        return NGX_ERROR;
    }

#if !(NGX_THREADS)

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"certauthz_crl\" with a URL needs nginx built with "
                       "thread support");
    return NGX_ERROR;

#else

    remote = ngx_pcalloc(cf->pool, sizeof(ngx_certauthz_crl_remote_t));
    if (remote == NULL) {
        return NGX_ERROR;
    }

    remote->url = ngx_pnalloc(cf->pool, f->name.len + 1);
    if (remote->url == NULL) {
        return NGX_ERROR;
    }

    ngx_cpystrn(remote->url, f->name.data, f->name.len + 1);

    remote->conf = conf;
    f->remote = remote;

    return NGX_OK;

#endif
}


/*
 * A slot of "certauthz_crl cdp": a file of a URL that a certificate will
 * name (see ngx_certauthz_crl_cdp.c)
 */

ngx_int_t
ngx_certauthz_crl_remote_slot(ngx_conf_t *cf, ngx_certauthz_crl_file_t *f,
    ngx_certauthz_crl_fetch_conf_t *conf)
{
#if !(NGX_THREADS)

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"certauthz_crl cdp\" needs nginx built with "
                       "thread support");
    return NGX_ERROR;

#else

    ngx_certauthz_crl_remote_t  *remote;

    remote = ngx_pcalloc(cf->pool, sizeof(ngx_certauthz_crl_remote_t));
    if (remote == NULL) {
        return NGX_ERROR;
    }

    remote->url = ngx_pnalloc(cf->pool, NGX_CERTAUTHZ_CRL_URL_MAX + 1);
    if (remote->url == NULL) {
        return NGX_ERROR;
    }

    remote->url[0] = '\0';
    remote->cdp = 1;
    remote->conf = conf;

    /* fetched in nginx's default thread pool */
    if (ngx_thread_pool_add(cf, NULL) == NULL) {
        return NGX_ERROR;
    }

    f->remote = remote;

    if (ngx_array_init(&f->stores, cf->pool, 2, sizeof(X509_STORE *))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;

#endif
}


/* the main-level directives, unset */

void
ngx_certauthz_crl_fetch_conf_init(ngx_certauthz_crl_fetch_conf_t *conf)
{
    conf->timeout = NGX_CONF_UNSET_MSEC;
    conf->max_size = NGX_CONF_UNSET_SIZE;
    conf->cdp_max = NGX_CONF_UNSET_UINT;
    conf->cdp_wait = NGX_CONF_UNSET_MSEC;
}


/* the main-level directives, by name, into conf */

char *
ngx_certauthz_crl_fetch_conf_set(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_certauthz_crl_fetch_conf_t *conf)
{
    char           *rv;
    u_char         *p, *end;
    ngx_str_t      *value, *prefix, *name;
    ngx_uint_t      i;
    ngx_command_t   c;

    c = *cmd;
    c.post = NULL;
    name = &cmd->name;
    value = cf->args->elts;

#define ngx_certauthz_crl_named(s)                                            \
    (name->len == sizeof(s) - 1 && ngx_strncmp(name->data, s, name->len) == 0)

    if (ngx_certauthz_crl_named("certauthz_crl_cache")) {
        c.offset = offsetof(ngx_certauthz_crl_fetch_conf_t, cache);
        return ngx_conf_set_str_slot(cf, &c, conf);
    }

    if (ngx_certauthz_crl_named("certauthz_crl_fetch_timeout")) {
        c.offset = offsetof(ngx_certauthz_crl_fetch_conf_t, timeout);
        return ngx_conf_set_msec_slot(cf, &c, conf);
    }

    if (ngx_certauthz_crl_named("certauthz_crl_fetch_max_size")) {
        c.offset = offsetof(ngx_certauthz_crl_fetch_conf_t, max_size);
        return ngx_conf_set_size_slot(cf, &c, conf);
    }

    if (ngx_certauthz_crl_named("certauthz_crl_fetch_trusted_certificate")) {
        c.offset = offsetof(ngx_certauthz_crl_fetch_conf_t, trusted);
        rv = ngx_conf_set_str_slot(cf, &c, conf);

        if (rv != NGX_CONF_OK) {
            return rv;
        }

        return ngx_certauthz_crl_fetch_trusted(cf, conf);
    }

    if (ngx_certauthz_crl_named("certauthz_crl_cdp_wait")) {
        c.offset = offsetof(ngx_certauthz_crl_fetch_conf_t, cdp_wait);
        return ngx_conf_set_msec_slot(cf, &c, conf);
    }

    if (ngx_certauthz_crl_named("certauthz_crl_cdp_max")) {

        if (conf->cdp_fixed) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"certauthz_crl_cdp_max\" must come before "
                               "the first \"certauthz_crl cdp\"");
            return NGX_CONF_ERROR;
        }

        c.offset = offsetof(ngx_certauthz_crl_fetch_conf_t, cdp_max);
        rv = ngx_conf_set_num_slot(cf, &c, conf);

        if (rv == NGX_CONF_OK && (conf->cdp_max < 1 || conf->cdp_max > 256))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"certauthz_crl_cdp_max\" directive invalid "
                               "value");
            return NGX_CONF_ERROR;
        }

        return rv;
    }

    /* certauthz_crl_cdp_allow prefix ... */

    if (conf->cdp_allow == NULL) {
        conf->cdp_allow = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
        if (conf->cdp_allow == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    for (i = 1; i < cf->args->nelts; i++) {

        /* scheme :// host, then "/" or ":" */

        p = NULL;

        if (ngx_certauthz_crl_url_check(&value[i]) == NULL) {
            p = ngx_strlchr(value[i].data, value[i].data + value[i].len, ':')
                + 3;
            end = value[i].data + value[i].len;

            while (p < end && *p != '/' && *p != ':') {
                p++;
            }
        }

        if (p == NULL || p == value[i].data + value[i].len) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"certauthz_crl_cdp_allow\" prefix \"%V\" "
                               "must name a host, ending with \"/\" or "
                               "\":\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        prefix = ngx_array_push(conf->cdp_allow);
        if (prefix == NULL) {
            return NGX_CONF_ERROR;
        }

        *prefix = value[i];
    }

    return NGX_CONF_OK;

#undef ngx_certauthz_crl_named
}


/*
 * certauthz_crl_fetch_trusted_certificate: read now, with the
 * configuration, as nginx reads ssl_trusted_certificate (a file that only
 * root may read will do: the workers get its bytes, not its name); it must
 * hold a certificate
 */

static char *
ngx_certauthz_crl_fetch_trusted(ngx_conf_t *cf,
    ngx_certauthz_crl_fetch_conf_t *conf)
{
    BIO                       *bio;
    X509                      *x509;
    ngx_str_t                  pem;
    ngx_uint_t                 n;
    ngx_certauthz_file_err_t   fe;

    if (ngx_conf_full_name(cf->cycle, &conf->trusted, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_certauthz_file_read(&conf->trusted, cf->log, &pem, &fe)
        != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, fe.err, "%s \"%V\" failed",
                           fe.call, &conf->trusted);
        return NGX_CONF_ERROR;
    }

    n = 0;
    bio = BIO_new_mem_buf(pem.data, pem.len);

    while (bio != NULL) {
        x509 = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (x509 == NULL) {
            break;
        }

        X509_free(x509);
        n++;
    }

    BIO_free(bio);
    ERR_clear_error();

    if (n == 0) {
        ngx_free(pem.data);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "no certificate in \"%V\"", &conf->trusted);
        return NGX_CONF_ERROR;
    }

    conf->trusted_pem.data = ngx_pnalloc(cf->pool, pem.len);
    if (conf->trusted_pem.data == NULL) {
        ngx_free(pem.data);
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(conf->trusted_pem.data, pem.data, pem.len);
    conf->trusted_pem.len = pem.len;

    ngx_free(pem.data);

    return NGX_CONF_OK;
}


/*
 * At a face's postconfiguration: the defaults, the cache directory (made
 * by nginx with its temporary directories, for the workers' user), and
 * each URL's cached copy loaded as its file; the slots of "cdp" take the
 * URLs of distribution points cached before, so that they too start
 * from the last good copy
 */

ngx_int_t
ngx_certauthz_crl_remote_conf(ngx_conf_t *cf, ngx_array_t *files,
    ngx_certauthz_crl_fetch_conf_t *conf)
{
    ngx_uint_t                    i, cached;
    ngx_certauthz_crl_file_t    **file, *f;
    ngx_certauthz_crl_remote_t   *remote;

    ngx_conf_init_msec_value(conf->timeout, 10000);
    ngx_conf_init_size_value(conf->max_size, 64 * 1024 * 1024);
    ngx_conf_init_uint_value(conf->cdp_max, 32);
    ngx_conf_init_msec_value(conf->cdp_wait, 5000);

    file = files->elts;

    for (i = 0; i < files->nelts; i++) {
        f = file[i];
        remote = f->remote;

        /* this face's, not yet set up */
        if (remote == NULL || remote->conf != conf || remote->state != NULL) {
            continue;
        }

        if (conf->path == NULL
            && ngx_certauthz_crl_remote_dir(cf, conf) != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (ngx_certauthz_crl_remote_buffers(cf, f) != NGX_OK) {
            return NGX_ERROR;
        }

        cached = 1;

        if (remote->cdp) {
            cached = ngx_certauthz_crl_remote_recall(f, files) ? 1 : 2;

        } else {
            ngx_certauthz_crl_remote_names(f);
        }

        if (ngx_certauthz_crl_file_open(cf, f, cached) != NGX_OK) {
            return NGX_ERROR;
        }

        if (f->shm) {
            remote->state = ngx_certauthz_crl_shm_remote(f);

        } else {
            remote->state = ngx_pcalloc(cf->pool,
                                    sizeof(ngx_certauthz_crl_remote_state_t));
            if (remote->state == NULL) {
                return NGX_ERROR;
            }
        }

        if (remote->cdp && f->name.len) {
            ngx_memcpy(remote->state->url, f->name.data, f->name.len);
            remote->state->claimed = 1;
            remote->state->url_len = f->name.len;
        }

        /* the validators of the cached copy, if there is one */

        if (f->id.size) {
            ngx_certauthz_crl_remote_meta(f);

            if (remote->cdp) {
                remote->state->tried = 1;
            }
        }

        if (f->refresh == 0) {
            f->refresh = NGX_CERTAUTHZ_CRL_FETCH_EVERY;
        }
    }

    return NGX_OK;
}


/* the cache directory: certauthz_crl_cache, or next to client_body_temp */

static ngx_int_t
ngx_certauthz_crl_remote_dir(ngx_conf_t *cf,
    ngx_certauthz_crl_fetch_conf_t *conf)
{
    u_char      *p;
    ngx_str_t    dir;
    ngx_path_t  *path;

    if (conf->cache.data != NULL) {
        dir = conf->cache;

    } else {
#ifdef NGX_HTTP_CLIENT_TEMP_PATH
        /* /var/lib/nginx/certauthz on Debian */
        dir.data = (u_char *) NGX_HTTP_CLIENT_TEMP_PATH;
        dir.len = ngx_strlen(dir.data);

        while (dir.len && dir.data[dir.len - 1] != '/') {
            dir.len--;
        }

        /* nginx makes the directory from the name as a C string */
        p = ngx_pnalloc(cf->pool, dir.len + sizeof("certauthz"));
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, dir.data, dir.len);
        ngx_memcpy(p + dir.len, "certauthz", sizeof("certauthz"));
        dir.len += sizeof("certauthz") - 1;
        dir.data = p;
#else
        ngx_str_set(&dir, "certauthz");
#endif
    }

    if (ngx_conf_full_name(cf->cycle, &dir, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    while (dir.len > 1 && dir.data[dir.len - 1] == '/') {
        dir.len--;
        dir.data[dir.len] = '\0';
    }

    path = ngx_pcalloc(cf->pool, sizeof(ngx_path_t));
    if (path == NULL) {
        return NGX_ERROR;
    }

    path->name = dir;
    path->conf_file = cf->conf_file->file.name.data;
    path->line = cf->conf_file->line;

    if (ngx_add_path(cf, &path) != NGX_OK) {
        return NGX_ERROR;
    }

    conf->path = path;

    return NGX_OK;
}


/* room for DIR/crl-HASH.crl, .meta and .PID.tmp */

static ngx_int_t
ngx_certauthz_crl_remote_buffers(ngx_conf_t *cf, ngx_certauthz_crl_file_t *f)
{
    size_t                       len;
    ngx_certauthz_crl_remote_t  *remote;

    remote = f->remote;

    len = remote->conf->path->name.len + sizeof("/crl-") - 1 + 24
          + sizeof(".crl") - 1;

    f->path.len = 0;
    f->path.data = ngx_pnalloc(cf->pool, len + 1);
    remote->meta.data = ngx_pnalloc(cf->pool, len + 2);
    remote->temp.data = ngx_pnalloc(cf->pool, len + NGX_INT_T_LEN + 8);

    if (f->path.data == NULL || remote->meta.data == NULL
        || remote->temp.data == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the file names of f->name: CRL-HASH, of the URL's SHA-256 */

static void
ngx_certauthz_crl_remote_names(ngx_certauthz_crl_file_t *f)
{
    u_char                      *p, md[SHA256_DIGEST_LENGTH];
    ngx_str_t                   *dir;
    ngx_uint_t                   j;
    ngx_certauthz_crl_remote_t  *remote;

    remote = f->remote;
    dir = &remote->conf->path->name;

    (void) SHA256(f->name.data, f->name.len, md);

    p = ngx_cpymem(f->path.data, dir->data, dir->len);
    p = ngx_cpymem(p, "/crl-", sizeof("/crl-") - 1);

    for (j = 0; j < 12; j++) {
        *p++ = ngx_certauthz_crl_hex[md[j] >> 4];
        *p++ = ngx_certauthz_crl_hex[md[j] & 0xf];
    }

    ngx_memcpy(p, ".crl", sizeof(".crl"));
    f->path.len = p + sizeof(".crl") - 1 - f->path.data;

    p = ngx_cpymem(remote->meta.data, f->path.data, f->path.len - 4);
    ngx_memcpy(p, ".meta", sizeof(".meta"));
    remote->meta.len = p + sizeof(".meta") - 1 - remote->meta.data;
}


/*
 * A cdp slot takes the URL that the host (another process) claimed it
 * for: 0 if none yet
 */

ngx_uint_t
ngx_certauthz_crl_remote_adopt(ngx_certauthz_crl_file_t *f)
{
    size_t                             len;
    ngx_certauthz_crl_remote_t        *remote;
    ngx_certauthz_crl_remote_state_t  *state;

    if (f->name.len) {
        return 1;
    }

    remote = f->remote;
    state = remote->state;
    len = state->url_len;

    if (len == 0 || len > NGX_CERTAUTHZ_CRL_URL_MAX) {
        return 0;
    }

    ngx_memcpy(remote->url, state->url, len);
    remote->url[len] = '\0';

    f->name.data = remote->url;
    f->name.len = len;

    ngx_certauthz_crl_remote_names(f);

    return 1;
}


/*
 * A cdp slot at configuration: the next URL of a distribution point whose
 * copy is in the cache ("cdp 1" in its .meta), if one is left that no
 * other slot took and certauthz_crl_cdp_allow still allows; 0: none
 */

static ngx_uint_t
ngx_certauthz_crl_remote_recall(ngx_certauthz_crl_file_t *f,
    ngx_array_t *files)
{
    u_char                       *p, *q, path[NGX_MAX_PATH];
    size_t                        len;
    ngx_dir_t                     dir;
    ngx_str_t                     dname, *name;
    ngx_uint_t                    i, taken, found;
    ngx_certauthz_crl_meta_t      m;
    ngx_certauthz_crl_file_t    **file;
    ngx_certauthz_crl_remote_t   *remote;

    remote = f->remote;
    name = &remote->conf->path->name;
    found = 0;

    /* a name, and room for a file name after it */

    if (name->len + 64 > sizeof(path)) {
        return 0;
    }

    ngx_memcpy(path, name->data, name->len);
    path[name->len] = '\0';

    dname.len = name->len;
    dname.data = path;

    if (ngx_open_dir(&dname, &dir) == NGX_ERROR) {
        return 0;
    }

    while (!found && ngx_read_dir(&dir) == NGX_OK) {

        len = ngx_de_namelen(&dir);
        p = ngx_de_name(&dir);

        if (len != sizeof("crl-.meta") - 1 + 24
            || ngx_strncmp(p, "crl-", 4) != 0
            || ngx_strncmp(p + len - 5, ".meta", 5) != 0)
        {
            continue;
        }

        q = ngx_cpymem(path, name->data, name->len);
        *q++ = '/';
        q = ngx_cpymem(q, p, len);
        *q = '\0';

        if (ngx_certauthz_crl_meta_read(path, &m) != NGX_OK
            || !m.cdp || m.url.len == 0
            || ngx_certauthz_crl_url_check(&m.url) != NULL
            || (remote->conf->cdp_allow
                && !ngx_certauthz_crl_allowed(remote->conf->cdp_allow,
                                              &m.url)))
        {
            continue;
        }

        /* not taken by an earlier slot */

        file = files->elts;
        taken = 0;

        for (i = 0; i < files->nelts; i++) {
            if (file[i] != f && file[i]->remote && file[i]->remote->cdp
                && file[i]->remote->conf == remote->conf
                && file[i]->name.len == m.url.len
                && ngx_strncmp(file[i]->name.data, m.url.data, m.url.len)
                   == 0)
            {
                taken = 1;
                break;
            }
        }

        if (taken) {
            continue;
        }

        ngx_memcpy(remote->url, m.url.data, m.url.len);
        remote->url[m.url.len] = '\0';

        f->name.data = remote->url;
        f->name.len = m.url.len;

        ngx_certauthz_crl_remote_names(f);

        found = 1;
    }

    (void) ngx_close_dir(&dir);

    return found;
}


/*
 * A .meta file read: its lines "url URL", "etag ETAG", "last-modified
 * DATE" and "cdp 1" (a distribution point's), values pointing into m->buf;
 * NGX_DECLINED: there is none, or it is empty
 */

static ngx_int_t
ngx_certauthz_crl_meta_read(u_char *path, ngx_certauthz_crl_meta_t *m)
{
    u_char     *p, *last, *line, *value;
    ssize_t     n;
    ngx_fd_t    fd;
    ngx_str_t  *v;

    ngx_memzero(m, offsetof(ngx_certauthz_crl_meta_t, buf));

    fd = ngx_open_file(path, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        return NGX_DECLINED;
    }

    n = read(fd, m->buf, sizeof(m->buf));
    (void) ngx_close_file(fd);

    if (n <= 0) {
        return NGX_DECLINED;
    }

    last = m->buf + n;

    for (line = m->buf; line < last; line = p + 1) {
        p = ngx_strlchr(line, last, '\n');
        if (p == NULL) {
            break;
        }

        value = ngx_strlchr(line, p, ' ');
        if (value == NULL) {
            continue;
        }

        value++;

        if (value - line == 4 && ngx_strncmp(line, "url ", 4) == 0) {
            v = &m->url;

        } else if (value - line == 5 && ngx_strncmp(line, "etag ", 5) == 0) {
            v = &m->etag;

        } else if (value - line == 14
                   && ngx_strncmp(line, "last-modified ", 14) == 0)
        {
            v = &m->modified;

        } else {
            m->cdp |= (p - line == 5 && ngx_strncmp(line, "cdp 1", 5) == 0);
            continue;
        }

        v->data = value;
        v->len = p - value;
    }

    return NGX_OK;
}


/* the validators of the cached copy, from its .meta, if it is of the URL */

static void
ngx_certauthz_crl_remote_meta(ngx_certauthz_crl_file_t *file)
{
    ngx_certauthz_crl_meta_t           m;
    ngx_certauthz_crl_remote_state_t  *state;

    state = file->remote->state;

    if (ngx_certauthz_crl_meta_read(file->remote->meta.data, &m) != NGX_OK
        || m.url.len != file->name.len
        || ngx_strncmp(m.url.data, file->name.data, m.url.len) != 0)
    {
        return;
    }

    if (m.etag.len < sizeof(state->etag)) {
        ngx_memcpy(state->etag, m.etag.data, m.etag.len);
        state->etag[m.etag.len] = '\0';
    }

    if (m.modified.len < sizeof(state->modified)) {
        ngx_memcpy(state->modified, m.modified.data, m.modified.len);
        state->modified[m.modified.len] = '\0';
    }
}


/* the host's state of a CRL from a URL; NULL: a file */

ngx_certauthz_crl_remote_state_t *
ngx_certauthz_crl_remote_state(ngx_certauthz_crl_file_t *file)
{
    return file->remote ? file->remote->state : NULL;
}


/* whether the host's next fetch is due (any worker may ask) */

ngx_uint_t
ngx_certauthz_crl_remote_due(ngx_certauthz_crl_file_t *file)
{
    /* a cdp slot that no certificate has named yet has nothing to fetch */

    if (file->remote->cdp && !ngx_certauthz_crl_remote_adopt(file)) {
        return 0;
    }

    return (ngx_msec_int_t) (ngx_certauthz_crl_remote_now()
                             - file->remote->state->due) >= 0;
}


/*
 * The lease holder: a fetch, if it is due, posted to the thread pool
 * (NGX_AGAIN: it runs, and ends the look)
 */

ngx_int_t
ngx_certauthz_crl_remote_look(ngx_certauthz_crl_file_t *file, ngx_log_t *log)
{
#if (NGX_THREADS)
    u_char                           *p;
    ngx_thread_pool_t                *tp;
    ngx_thread_task_t                *task;
    ngx_certauthz_crl_remote_t       *remote;
    ngx_certauthz_crl_arena_t        *arena;
    ngx_certauthz_crl_fetch_conf_t   *conf;
    ngx_certauthz_crl_remote_task_t  *ctx;

    remote = file->remote;
    conf = remote->conf;

    if (!ngx_certauthz_crl_remote_due(file)) {
        return NGX_OK;
    }

    arena = NULL;

    if (file->shm) {
        arena = ngx_certauthz_crl_shm_arena(file, log);

        /* every slot is read by a worker that lags: fetch later */
        if (arena == NULL) {
            return NGX_OK;
        }
    }

    if (ngx_certauthz_crl_task(file, sizeof(ngx_certauthz_crl_remote_task_t),
                               &tp)
        != NGX_OK)
    {
        goto failed;
    }

    task = file->task;
    ctx = task->ctx;
    ctx->file = file;
    ctx->arena = arena;

    /* the state is the host's: a copy of what the thread reads */

    ngx_memcpy(ctx->etag, remote->state->etag, sizeof(ctx->etag));
    ngx_memcpy(ctx->modified, remote->state->modified, sizeof(ctx->modified));
    ctx->etag[sizeof(ctx->etag) - 1] = '\0';
    ctx->modified[sizeof(ctx->modified) - 1] = '\0';

    p = ngx_sprintf(remote->temp.data, "%V.%P.tmp%Z", &file->path, ngx_pid);
    remote->temp.len = p - 1 - remote->temp.data;

    ctx->fetch.url = (const char *) remote->url;
    ctx->fetch.etag = (const char *) ctx->etag;
    ctx->fetch.modified = (const char *) ctx->modified;
    ctx->fetch.trusted = conf->trusted_pem.data;
    ctx->fetch.trusted_len = conf->trusted_pem.len;
    ctx->fetch.temp = (const char *) remote->temp.data;
    ctx->fetch.timeout = conf->timeout;
    ctx->fetch.max_size = conf->max_size;
    ctx->fetch.fd = NGX_INVALID_FILE;

    /* what a certificate names: only what certauthz_crl_cdp_allow says,
     * or public addresses */

    if (remote->cdp) {
        ctx->fetch.allow = conf->cdp_allow;
        ctx->fetch.public_only = (conf->cdp_allow == NULL);
    }

    task->handler = ngx_certauthz_crl_remote_thread;
    task->event.handler = ngx_certauthz_crl_remote_done;
    task->event.data = task;
    task->event.log = ngx_cycle->log;

    if (ngx_thread_task_post(tp, task) != NGX_OK) {
        goto failed;
    }

    file->loading = 1;

    return NGX_AGAIN;

failed:

    if (arena) {
        ngx_certauthz_crl_shm_drop(file);
    }

    ngx_certauthz_crl_remote_next(file, 1);

    return NGX_OK;

#else

    return NGX_OK;

#endif
}


/* at a worker's exit: a fetch finished but not taken is dropped */

void
ngx_certauthz_crl_remote_exit(ngx_certauthz_crl_file_t *file)
{
#if (NGX_THREADS)
    ngx_certauthz_crl_remote_task_t  *ctx;

    if (!file->loading || file->task == NULL) {
        return;
    }

    ctx = file->task->ctx;

    file->loading = 0;

    if (ctx->set != NULL) {
        ngx_certauthz_crl_set_free(ctx->set);
        ctx->set = NULL;
    }

    if (file->shm) {
        ngx_certauthz_crl_shm_drop(file);
    }
#endif
}


#if (NGX_THREADS)

/*
 * In a thread: the fetch; a new answer loaded and checked (renamed over
 * the cached copy back in the event loop).  Nothing of the worker's is
 * touched.
 */

static void
ngx_certauthz_crl_remote_thread(void *data, ngx_log_t *log)
{
    ngx_certauthz_crl_remote_task_t *ctx = data;

    ngx_certauthz_crl_fetch_run(&ctx->fetch);

    if (ctx->fetch.outcome == NGX_CERTAUTHZ_CRL_FETCH_UPDATED) {
        ngx_certauthz_crl_remote_check(ctx);
    }

    if (ctx->fetch.outcome != NGX_CERTAUTHZ_CRL_FETCH_UPDATED) {
        (void) ngx_delete_file(ctx->fetch.temp);
    }
}


/* the answer is loaded as a file would be, and each of its CRLs must
 * verify with a trusted CA certificate of its issuer's name, if any */

static void
ngx_certauthz_crl_remote_check(ngx_certauthz_crl_remote_task_t *ctx)
{
    u_char                    *p;
    ngx_str_t                  temp;
    ngx_uint_t                 i;
    const char                *err;
    ngx_file_info_t            fi;
    ngx_certauthz_crl_t       *crl;
    ngx_certauthz_crl_set_t   *set;
    ngx_certauthz_file_err_t   fe;
    ngx_certauthz_crl_fetch_t *f;

    f = &ctx->fetch;

    temp.data = (u_char *) f->temp;
    temp.len = ngx_strlen(f->temp);

    set = ngx_certauthz_crl_load(&temp, ngx_cycle->log, &err, &fe, ctx->arena,
                                 &ctx->file->stores);

    if (set == NULL) {
        f->outcome = NGX_CERTAUTHZ_CRL_FETCH_ERROR;
        f->cause = NGX_CERTAUTHZ_CRL_CAUSE_NOT_A_CRL;

        p = ngx_snprintf(f->error, sizeof(f->error) - 1, "%s",
                         err ? err : "it cannot be read");
        *p = '\0';
        return;
    }

    crl = set->crls.elts;

    for (i = 0; i < set->crls.nelts; i++) {
        if (!crl[i].sig_bad) {
            continue;
        }

        ngx_certauthz_crl_remote_refuse(f, NGX_CERTAUTHZ_CRL_CAUSE_SIGNATURE,
                                        crl[i].issuer,
                                        "does not verify with the key of "
                                        "any trusted CA certificate of that "
                                        "name");

        ngx_certauthz_crl_set_free(set);
        return;
    }

    if (ngx_file_info(f->temp, &fi) != NGX_FILE_ERROR) {
        ngx_certauthz_crl_id_set(&ctx->id, &fi);
    }

    ctx->set = set;
}


/* the checked answer becomes the cached copy, with its validators */

static void
ngx_certauthz_crl_remote_keep(ngx_certauthz_crl_remote_task_t *ctx)
{
    u_char                      *p, buf[NGX_CERTAUTHZ_CRL_URL_MAX + 512];
    ngx_fd_t                     fd;
    ngx_err_t                    err;
    ngx_certauthz_crl_file_t    *file;
    ngx_certauthz_crl_remote_t  *remote;

    file = ctx->file;
    remote = file->remote;

    if (ngx_rename_file(ctx->fetch.temp, file->path.data) == NGX_FILE_ERROR) {
        err = ngx_errno;
        p = ngx_snprintf(ctx->cache_error, sizeof(ctx->cache_error) - 1,
                         ngx_rename_file_n " to \"%V\" failed (%d)",
                         &file->path, err);
        *p = '\0';
        (void) ngx_delete_file(ctx->fetch.temp);
        return;
    }

    p = ngx_snprintf(buf, sizeof(buf),
                     "url %s\netag %s\nlast-modified %s\ncdp %d\n",
                     remote->url, ctx->fetch.etag_new,
                     ctx->fetch.modified_new, remote->cdp ? 1 : 0);

    fd = ngx_open_file(ctx->fetch.temp, NGX_FILE_WRONLY, NGX_FILE_TRUNCATE,
                       NGX_FILE_DEFAULT_ACCESS);

    if (fd == NGX_INVALID_FILE) {
        return;
    }

    if (write(fd, buf, p - buf) != p - buf) {
        (void) ngx_close_file(fd);
        (void) ngx_delete_file(ctx->fetch.temp);
        return;
    }

    (void) ngx_close_file(fd);

    if (ngx_rename_file(ctx->fetch.temp, remote->meta.data)
        == NGX_FILE_ERROR)
    {
        (void) ngx_delete_file(ctx->fetch.temp);
    }
}


/* back in the event loop: the new CRLs in force, the host's state */

static void
ngx_certauthz_crl_remote_done(ngx_event_t *ev)
{
    ngx_log_t                        *log;
    ngx_thread_task_t                *task;
    ngx_certauthz_crl_file_t         *file;
    ngx_certauthz_crl_fetch_t        *f;
    ngx_certauthz_crl_remote_state_t *state;
    ngx_certauthz_crl_remote_task_t  *ctx;

    task = ev->data;
    ctx = task->ctx;
    file = ctx->file;
    f = &ctx->fetch;
    state = file->remote->state;
    log = ngx_cycle->log;

    file->loading = 0;

    if (ctx->set != NULL) {
        if (ngx_certauthz_crl_remote_older(ctx, file)) {
            ngx_certauthz_crl_set_free(ctx->set);
            ctx->set = NULL;
            (void) ngx_delete_file(f->temp);

        } else {
            /* two renames: the answer, then its validators */
            ngx_certauthz_crl_remote_keep(ctx);
        }
    }

    (void) ngx_atomic_fetch_add(&state->fetches[f->outcome], 1);
    (void) ngx_atomic_fetch_add(&state->bytes, f->bytes);

    if (f->outcome == NGX_CERTAUTHZ_CRL_FETCH_ERROR) {
        (void) ngx_atomic_fetch_add(&state->errors[f->cause], 1);
    }

    if (ctx->set == NULL && file->shm) {
        ngx_certauthz_crl_shm_drop(file);
    }

    if (ctx->cache_error[0] != '\0') {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "certauthz: cannot keep the CRL fetched from \"%V\" "
                      "in the cache: %s; it is in force until nginx stops",
                      &file->name, ctx->cache_error);
        (void) ngx_atomic_fetch_add(
                   &state->errors[NGX_CERTAUTHZ_CRL_CAUSE_CACHE], 1);
    }

    if (f->outcome == NGX_CERTAUTHZ_CRL_FETCH_ERROR) {
        ngx_certauthz_crl_remote_said(file, f, log);
        ngx_certauthz_crl_remote_next(file, 1);
        state->tried = 1;
        goto unlock;
    }

    if (state->failures) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "certauthz: fetched CRL \"%V\" again after %uA "
                      "failed fetches", &file->name, state->failures);
    }

    state->success = ngx_time();

    if (ctx->set != NULL) {
        /* the validators go with the CRLs they are of */
        ngx_memcpy(state->etag, f->etag_new, sizeof(state->etag));
        ngx_memcpy(state->modified, f->modified_new,
                   sizeof(state->modified));

        file->id = ctx->id;

        ngx_certauthz_crl_swap(file, ctx->set, NULL, NULL, log);
        ctx->set = NULL;
    }

    ngx_certauthz_crl_remote_next(file, 0);

    /* after the publication: a request that waits for the first fetch
     * finds the new CRLs published once it sees this (see
     * ngx_certauthz_crl_cdp_check()) */
    state->tried = 1;

unlock:

    if (file->shm) {
        ngx_certauthz_crl_shm_unlock(file);
    }
}


/*
 * An answer that would put an older CRL in force than the one in force
 * (a lower CRLNumber, else an earlier thisUpdate, of the same issuer and
 * scope) is refused: a stale mirror or a replay must not lift a
 * revocation.  The CRLs in force are the event loop's: checked here.
 */

static ngx_uint_t
ngx_certauthz_crl_remote_older(ngx_certauthz_crl_remote_task_t *ctx,
    ngx_certauthz_crl_file_t *file)
{
    ngx_uint_t            i, j;
    ngx_certauthz_crl_t  *n, *o;

    if (file->set == NULL) {
        return 0;
    }

    n = ctx->set->crls.elts;
    o = file->set->crls.elts;

    for (i = 0; i < ctx->set->crls.nelts; i++) {
        for (j = 0; j < file->set->crls.nelts; j++) {

            /* one in force that does not verify counts for nothing */

            if (o[j].sig_bad
                || (n[i].flags & NGX_CERTAUTHZ_CRL_DELTA)
                   != (o[j].flags & NGX_CERTAUTHZ_CRL_DELTA)
                || n[i].idp_len != o[j].idp_len
                || (n[i].idp_len
                    && ngx_memcmp(n[i].idp, o[j].idp, n[i].idp_len) != 0)
                || X509_NAME_cmp(n[i].issuer, o[j].issuer) != 0
                || !ngx_certauthz_crl_newer(&o[j], &n[i]))
            {
                continue;
            }

            ngx_certauthz_crl_remote_refuse(&ctx->fetch,
                                            NGX_CERTAUTHZ_CRL_CAUSE_OLDER,
                                            n[i].issuer,
                                            "is older than the one in force "
                                            "(CRLNumber, else thisUpdate)");

            return 1;
        }
    }

    return 0;
}


/* an answer refused for what one of its CRLs is, named by its issuer */

static void
ngx_certauthz_crl_remote_refuse(ngx_certauthz_crl_fetch_t *f,
    ngx_uint_t cause, X509_NAME *issuer, const char *why)
{
    u_char      *p;
    ngx_str_t    name;
    ngx_pool_t  *pool;

    pool = ngx_create_pool(1024, ngx_cycle->log);

    if (pool == NULL
        || ngx_certauthz_name_text(issuer, pool, &name) != NGX_OK)
    {
        ngx_str_null(&name);
    }

    f->outcome = NGX_CERTAUTHZ_CRL_FETCH_ERROR;
    f->cause = cause;

    p = ngx_snprintf(f->error, sizeof(f->error) - 1, "the CRL of \"%V\" %s",
                     &name, why);
    *p = '\0';

    if (pool != NULL) {
        ngx_destroy_pool(pool);
    }

    ERR_clear_error();
}


/* a fault logged when it begins or changes, then once a minute at most */

static void
ngx_certauthz_crl_remote_said(ngx_certauthz_crl_file_t *file,
    ngx_certauthz_crl_fetch_t *f, ngx_log_t *log)
{
    ngx_msec_t                         every;
    ngx_certauthz_crl_remote_state_t  *state;

    state = file->remote->state;
    every = ngx_max(file->refresh, NGX_CERTAUTHZ_CRL_FETCH_SAY) / 1000;

    if (state->failures == 0
        || state->cause != f->cause
        || ngx_time() - (time_t) state->said >= (time_t) every)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "certauthz: fetching CRL \"%V\" failed: %s, the last "
                      "good CRLs stay in force", &file->name, f->error);

        state->said = ngx_time();
        state->cause = f->cause;
    }
}


/*
 * When the host fetches next: every certauthz_crl_refresh, halfway to
 * the nextUpdate that decides crl-stale if that comes first (a second
 * apart at least); after a fault, with backoff: 1 s, 2 s, 4 s ... up to
 * the refresh interval
 */

static void
ngx_certauthz_crl_remote_next(ngx_certauthz_crl_file_t *file,
    ngx_uint_t failed)
{
    time_t                             next, now;
    ngx_msec_t                         delay;
    ngx_uint_t                         i;
    ngx_certauthz_crl_t               *crl;
    ngx_certauthz_crl_remote_state_t  *state;

    state = file->remote->state;
    delay = file->refresh;

    if (failed) {
        state->failures++;

        if (state->failures <= 16) {
            delay = ngx_min(delay, (ngx_msec_t) 1000 << (state->failures - 1));
        }

    } else {
        state->failures = 0;
    }

    now = ngx_time();
    next = 0;

    if (file->set != NULL) {
        crl = file->set->crls.elts;

        for (i = 0; i < file->set->crls.nelts; i++) {
            if (crl[i].has_next_update
                && crl[i].next_update > now
                && (next == 0 || crl[i].next_update < next)
                && (ngx_certauthz_crl_in_force(file->set, &crl[i])
                    & NGX_CERTAUTHZ_CRL_DECIDES))
            {
                next = crl[i].next_update;
            }
        }
    }

    if (next && (ngx_msec_t) (next - now) * 1000 < 2 * delay) {
        delay = ngx_max((ngx_msec_t) (next - now) * 1000 / 2, 1000);
    }

    state->due = ngx_certauthz_crl_remote_now() + delay;
}

#endif


/* the wall clock in msec: the host's processes share it */

static ngx_msec_t
ngx_certauthz_crl_remote_now(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (ngx_msec_t) tp->sec * 1000 + tp->msec;
}
