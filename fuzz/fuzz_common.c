
/*
 * certauthz fuzzing: the little of an nginx process that the engine needs.
 *
 * The harnesses link nginx's own objects (core, event, OpenSSL glue,
 * regex), built with the sanitizers, but not nginx.c: there is no main
 * cycle, only what ngx_init_cycle() would have set up and what the engine
 * touches.  Pools are built with NGX_DEBUG_PALLOC, so that each allocation
 * is a malloc() of its own whose bounds AddressSanitizer checks.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "fuzz_common.h"


static void fuzz_cleanup(void);
static ngx_int_t fuzz_regex_exec(void *data, void *regex, ngx_str_t *s);
static ngx_uint_t fuzz_regex_captures(void *data, void *regex, int **caps);
static ngx_int_t fuzz_regex_restore(void *data, void *regex, ngx_str_t *s,
    int *caps, ngx_uint_t n);


/*
 * What nginx.c defines for the rest of nginx: the process cycle refers to
 * it, but nothing here runs a process cycle or a module.
 */

ngx_module_t  ngx_core_module;


char **
ngx_set_environment(ngx_cycle_t *cycle, ngx_uint_t *last)
{
    abort();
}


ngx_pid_t
ngx_exec_new_binary(ngx_cycle_t *cycle, char *const *argv)
{
    abort();
}


ngx_cpuset_t *
ngx_get_cpu_affinity(ngx_uint_t n)
{
    abort();
}


ngx_log_t    *fuzz_log;
ngx_str_t     fuzz_dir;

static ngx_log_t        fuzz_log_s;
static ngx_open_file_t  fuzz_log_file;
static ngx_cycle_t      fuzz_cycle;
static ngx_pool_t      *fuzz_init_pool;
static ngx_conf_file_t  fuzz_conf_file;
static char             fuzz_dir_buf[256];


void
fuzz_init(void)
{
    char        *tmp;
    static int   done;

    if (done) {
        return;
    }

    done = 1;

    ngx_pagesize = getpagesize();
    for (ngx_pagesize_shift = 0; (ngx_pagesize >> ngx_pagesize_shift) > 1;
         ngx_pagesize_shift++)
    {
        /* void */
    }
    ngx_cacheline_size = NGX_CPU_CACHE_LINE;
    ngx_pid = getpid();

    if (ngx_strerror_init() != NGX_OK) {
        abort();
    }

    ngx_time_init();

    /* the log goes to /dev/null at every level, debug included */

    ngx_use_stderr = 0;

    fuzz_log_file.fd = getenv("FUZZ_VERBOSE")
                       ? ngx_stderr : open("/dev/null", O_WRONLY);
    if (fuzz_log_file.fd == -1) {
        abort();
    }

    fuzz_log_s.file = &fuzz_log_file;
    fuzz_log_s.log_level = NGX_LOG_DEBUG_ALL;
    fuzz_log = &fuzz_log_s;

    /* a directory of this process's own for the files it writes */

    tmp = getenv("TMPDIR");
    ngx_snprintf((u_char *) fuzz_dir_buf, sizeof(fuzz_dir_buf) - 1,
                 "%s/certauthz-fuzz.XXXXXX%Z",
                 (tmp && *tmp) ? tmp : "/tmp");

    if (mkdtemp(fuzz_dir_buf) == NULL) {
        perror("mkdtemp");
        abort();
    }

    atexit(fuzz_cleanup);

    fuzz_dir.data = (u_char *) fuzz_dir_buf;
    fuzz_dir.len = ngx_strlen(fuzz_dir_buf);
    fuzz_dir_buf[fuzz_dir.len++] = '/';

    fuzz_init_pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, fuzz_log);
    if (fuzz_init_pool == NULL) {
        abort();
    }

    fuzz_cycle.pool = fuzz_init_pool;
    fuzz_cycle.log = fuzz_log;
    fuzz_cycle.new_log.file = &fuzz_log_file;
    fuzz_cycle.prefix = fuzz_dir;
    fuzz_cycle.conf_prefix = fuzz_dir;
    ngx_cycle = &fuzz_cycle;

    ngx_str_set(&fuzz_conf_file.file.name, "fuzz.conf");
    fuzz_conf_file.line = 1;

    if (ngx_ssl_init(fuzz_log) != NGX_OK
        || ngx_certauthz_engine_init(fuzz_log, NGX_CERTAUTHZ_VERSION, "fuzz")
           != NGX_OK)
    {
        abort();
    }

    fuzz_regex_ops.exec = fuzz_regex_exec;
    fuzz_regex_ops.captures = fuzz_regex_captures;
    fuzz_regex_ops.restore = fuzz_regex_restore;
    fuzz_regex_ops.data = NULL;
}


/*
 * The list files that rules with "=@" name, relative to the prefix: one
 * for each way list values are normalised.
 */

void
fuzz_lists(void)
{
    ngx_str_t     path;
    ngx_uint_t    i;
    u_char        buf[512];
    static char  *files[][2] = {
        { "names", "alice\nbob\n# a comment\n  example.com \r\n"
                   "www.example.com\nAdmins\n\n\t#x\nspiffe://example.com/"
                   "ns/prod/sa/web\n" },
        { "serials", "01\n0a:0b\nDEADBEEF\n 00:10:00 \n" },
        { "fps", "00112233445566778899aabbccddeeff"
                 "00112233445566778899AABBCCDDEEFF\n" },
        { "ips", "10.0.0.1\n::1\n2001:DB8:0::1\n" }
    };

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        path.data = buf;
        path.len = ngx_snprintf(buf, sizeof(buf) - 1, "%V%s%Z", &fuzz_dir,
                                files[i][0])
                   - buf;

        if (fuzz_write_file(&path, (u_char *) files[i][1],
                            ngx_strlen(files[i][1]))
            != NGX_OK)
        {
            abort();
        }
    }
}


/*
 * A certificate of the PKI that fuzz/mkcorpus.sh made, in the directory
 * $CERTAUTHZ_FUZZ_PKI; NULL if there is none.
 */

X509 *
fuzz_pki_cert(const char *name)
{
    BIO    *bio;
    X509   *x509;
    char   *dir;
    u_char  path[512];

    dir = getenv("CERTAUTHZ_FUZZ_PKI");
    if (dir == NULL || *dir == '\0') {
        return NULL;
    }

    ngx_snprintf(path, sizeof(path) - 1, "%s/%s%Z", dir, name);

    bio = BIO_new_file((char *) path, "r");
    if (bio == NULL) {
        ERR_clear_error();
        return NULL;
    }

    x509 = PEM_read_bio_X509(bio, NULL, NULL, NULL);

    BIO_free(bio);
    ERR_clear_error();

    return x509;
}


/* the DER of a certificate, malloc()ed for good */

ngx_int_t
fuzz_cert_der(X509 *x509, ngx_str_t *der)
{
    int      len;
    u_char  *p;

    len = i2d_X509(x509, NULL);
    if (len <= 0) {
        return NGX_ERROR;
    }

    der->data = malloc(len);
    if (der->data == NULL) {
        return NGX_ERROR;
    }

    p = der->data;
    der->len = i2d_X509(x509, &p);

    return NGX_OK;
}


/*
 * One rule of the tab-separated conditions in "text" (or of "all"), made
 * by the engine as for certauthz_allow or certauthz_deny, added to
 * "policy"; NGX_DECLINED if a condition is refused.
 */

ngx_int_t
fuzz_rules(ngx_conf_t *cf, ngx_certauthz_files_t *files, char *text,
    ngx_uint_t deny, ngx_certauthz_policy_t *policy)
{
    u_char       *p, *end, *start;
    ngx_str_t    *arg;
    ngx_array_t   args;

    if (ngx_array_init(&args, cf->pool, 4, sizeof(ngx_str_t)) != NGX_OK
        || (arg = ngx_array_push(&args)) == NULL)
    {
        return NGX_ERROR;
    }

    if (deny) {
        ngx_str_set(arg, "certauthz_deny");

    } else {
        ngx_str_set(arg, "certauthz_allow");
    }

    end = (u_char *) text + ngx_strlen(text);

    for (p = (u_char *) text; p < end; p++) {
        start = p;

        while (p < end && *p != '\t') {
            p++;
        }

        /* a token of its own, NUL-terminated, as nginx's parser makes it */

        arg = ngx_array_push(&args);
        if (arg == NULL) {
            return NGX_ERROR;
        }

        arg->len = p - start;
        arg->data = ngx_pnalloc(cf->pool, arg->len + 1);
        if (arg->data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(arg->data, start, arg->len);
        arg->data[arg->len] = '\0';
    }

    cf->args = &args;

    if (ngx_certauthz_policy_rule(cf, policy, files, deny, fuzz_compile)
        != NGX_CONF_OK)
    {
        cf->args = NULL;
        return NGX_DECLINED;
    }

    cf->args = NULL;

    return NGX_OK;
}


/* removes what the harnesses wrote into the directory, then the directory */

static void
fuzz_cleanup(void)
{
    DIR            *dir;
    char            path[512];
    struct dirent  *de;

    fuzz_dir_buf[fuzz_dir.len - 1] = '\0';

    dir = opendir(fuzz_dir_buf);
    if (dir == NULL) {
        return;
    }

    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }

        ngx_snprintf((u_char *) path, sizeof(path) - 1, "%s/%s%Z",
                     fuzz_dir_buf, de->d_name);
        unlink(path);
    }

    closedir(dir);
    rmdir(fuzz_dir_buf);
}


/*
 * A configuration context as a directive handler gets it; the pool is
 * the cycle's too, as ngx_conf_full_name() allocates from that.
 */

void
fuzz_begin(fuzz_ctx_t *ctx)
{
    ngx_memzero(ctx, sizeof(fuzz_ctx_t));

    ctx->pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, fuzz_log);
    if (ctx->pool == NULL) {
        abort();
    }

    fuzz_cycle.pool = ctx->pool;

    ctx->cf.pool = ctx->pool;
    ctx->cf.temp_pool = ctx->pool;
    ctx->cf.cycle = &fuzz_cycle;
    ctx->cf.log = fuzz_log;
    ctx->cf.conf_file = &fuzz_conf_file;

    if (ngx_certauthz_files_init(&ctx->cf, &ctx->files) != NGX_OK) {
        abort();
    }
}


void
fuzz_end(fuzz_ctx_t *ctx)
{
    fuzz_cycle.pool = fuzz_init_pool;
    ngx_destroy_pool(ctx->pool);
    ctx->pool = NULL;
}


ngx_int_t
fuzz_write_file(ngx_str_t *path, const u_char *data, size_t size)
{
    int      fd;
    ssize_t  n;

    fd = open((char *) path->data, O_WRONLY|O_CREAT|O_TRUNC, 0644);
    if (fd == -1) {
        return NGX_ERROR;
    }

    n = (size > 0) ? write(fd, data, size) : 0;

    if (close(fd) == -1 || n != (ssize_t) size) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* a DER length */

static u_char *
fuzz_der_len(u_char *p, size_t len)
{
    if (len < 0x80) {
        *p++ = (u_char) len;

    } else if (len < 0x100) {
        *p++ = 0x81;
        *p++ = (u_char) len;

    } else if (len < 0x10000) {
        *p++ = 0x82;
        *p++ = (u_char) (len >> 8);
        *p++ = (u_char) len;

    } else {
        *p++ = 0x83;
        *p++ = (u_char) (len >> 16);
        *p++ = (u_char) (len >> 8);
        *p++ = (u_char) len;
    }

    return p;
}


/*
 * An SSL object that looks as after a handshake in which the client sent
 * the certificate "der": its session, decoded from DER, carries that peer
 * certificate (what a resumed session looks like to nginx).  OpenSSL
 * decodes the certificate as it does one received in a handshake.
 * NGX_DECLINED if the bytes are no certificate.
 */

ngx_int_t
fuzz_conn_open(fuzz_conn_t *fc, ngx_pool_t *pool, SSL_CTX *ssl_ctx,
    const u_char *der, size_t len, long verify)
{
    int             tag, class, inf;
    long            clen;
    SSL            *ssl;
    size_t          n, body;
    u_char         *buf, *p, tmp[4];
    SSL_SESSION    *sess;
    const u_char   *q;
    static u_char   head[] = {
        0x02, 0x01, 0x01,                   /* version 1 */
        0x02, 0x02, 0x03, 0x03,             /* TLS 1.2 */
        0x04, 0x02, 0xc0, 0x2f,             /* ECDHE-RSA-AES128-GCM-SHA256 */
        0x04, 0x00,                         /* session id */
        0x04, 0x00                          /* master key */
    };

    ngx_memzero(fc, sizeof(fuzz_conn_t));

    if (len == 0 || len > 0xffffff - 64) {
        return NGX_DECLINED;
    }

    /* the first DER element of the input, or all of it */

    q = der;
    inf = ASN1_get_object(&q, &clen, &tag, &class, len);

    if (!(inf & 0x80) && !(inf & 0x01)) {
        n = (q - der) + clen;
        len = ngx_min(len, n);
    }

    ERR_clear_error();

    body = sizeof(head) + 1 + (fuzz_der_len(tmp, len) - tmp) + len;

    buf = malloc(1 + 4 + body);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    p = buf;
    *p++ = 0x30;
    p = fuzz_der_len(p, body);
    p = ngx_cpymem(p, head, sizeof(head));
    *p++ = 0xa3;                            /* [3] peer certificate */
    p = fuzz_der_len(p, len);
    p = ngx_cpymem(p, der, len);

    q = buf;
    sess = d2i_SSL_SESSION(NULL, &q, p - buf);

    free(buf);

    if (sess == NULL) {
        ERR_clear_error();
        return NGX_DECLINED;
    }

    ssl = SSL_new(ssl_ctx);
    if (ssl == NULL) {
        SSL_SESSION_free(sess);
        return NGX_ERROR;
    }

    if (SSL_set_session(ssl, sess) != 1) {
        SSL_SESSION_free(sess);
        SSL_free(ssl);
        return NGX_ERROR;
    }

    SSL_SESSION_free(sess);
    SSL_set_verify_result(ssl, verify);

    fc->ssl.connection = ssl;
    fc->c.ssl = &fc->ssl;
    fc->c.pool = pool;
    fc->c.log = fuzz_log;

    if (SSL_set_ex_data(ssl, ngx_ssl_connection_index, &fc->c) == 0) {
        SSL_free(ssl);
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
fuzz_conn_close(fuzz_conn_t *fc)
{
    if (fc->ssl.connection) {
        SSL_free(fc->ssl.connection);
        fc->ssl.connection = NULL;
    }
}


/* what ngx_http_regex_compile() does for the http face, without http */

void *
fuzz_compile(ngx_conf_t *cf, ngx_regex_compile_t *rc)
{
    rc->pool = cf->pool;

    if (ngx_regex_compile(rc) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V", &rc->err);
        return NULL;
    }

    return rc->regex;
}


/*
 * The engine's regex callbacks: ngx_regex_exec() with room for captures,
 * the captures of the last match, and a restore that checks what it is
 * given against a fresh match (the engine keeps captures with the
 * connection and sets them again instead of matching)
 */

static int         fuzz_caps[3 * 10];
static ngx_uint_t  fuzz_ncaps;


static ngx_int_t
fuzz_regex_exec(void *data, void *regex, ngx_str_t *s)
{
    ngx_int_t  rc, i;

    fuzz_ncaps = 0;

    rc = ngx_regex_exec(regex, s, fuzz_caps, 3 * 10);

    if (rc == NGX_REGEX_NO_MATCHED) {
        return NGX_DECLINED;
    }

    if (rc < 0) {
        ngx_log_error(NGX_LOG_ALERT, fuzz_log, 0,
                      ngx_regex_exec_n " failed: %i on \"%V\"", rc, s);
        return NGX_ERROR;
    }

    /* what the face would make variables of lies inside the value */

    for (i = 0; i < 2 * (rc ? rc : 10); i++) {
        if (fuzz_caps[i] != -1
            && (fuzz_caps[i] < 0 || (size_t) fuzz_caps[i] > s->len))
        {
            abort();
        }
    }

    fuzz_ncaps = 2 * (rc ? rc : 10);

    return NGX_OK;
}


static ngx_uint_t
fuzz_regex_captures(void *data, void *regex, int **caps)
{
    *caps = fuzz_caps;
    return fuzz_ncaps;
}


static ngx_int_t
fuzz_regex_restore(void *data, void *regex, ngx_str_t *s, int *caps,
    ngx_uint_t n)
{
    int  fresh[3 * 10];

    if (ngx_regex_exec(regex, s, fresh, 3 * 10) < 0
        || n > 3 * 10
        || ngx_memcmp(fresh, caps, n * sizeof(int)) != 0)
    {
        fprintf(stderr, "fuzz: restored captures differ from a match\n");
        abort();
    }

    return NGX_OK;
}


ngx_certauthz_regex_ops_t  fuzz_regex_ops;
