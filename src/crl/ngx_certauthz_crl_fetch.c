
/*
 * certauthz: the HTTP client that fetches a CRL, in a thread of nginx's
 * pool (see ngx_certauthz_crl_remote.c): libcurl, which does http and
 * https, TLS verification with the host name, timeouts, conditional
 * requests and size caps as they should be done.  It touches nothing of
 * the worker's: what it needs comes in ngx_certauthz_crl_fetch_t, and
 * the body goes to a file.  Redirects are followed here, one by one, so
 * that each target is checked as the first URL was; the address it is
 * about to connect to is checked too (after DNS) where only public
 * addresses may be fetched.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <curl/curl.h>

#include "ngx_certauthz_crl.h"


#define NGX_CERTAUTHZ_CRL_REDIRECTS  5


static ngx_int_t ngx_certauthz_crl_fetch_one(ngx_certauthz_crl_fetch_t *f,
    const char *url, ngx_msec_t left, char **location);
static size_t ngx_certauthz_crl_fetch_body(char *ptr, size_t size,
    size_t nmemb, void *data);
static size_t ngx_certauthz_crl_fetch_header(char *ptr, size_t size,
    size_t nmemb, void *data);
static void ngx_certauthz_crl_fetch_copy(u_char *dst, size_t size,
    const char *p, size_t len);
static curl_socket_t ngx_certauthz_crl_fetch_socket(void *data,
    curlsocktype purpose, struct curl_sockaddr *address);
static ngx_uint_t ngx_certauthz_crl_fetch_public(struct sockaddr *sa);
static void ngx_certauthz_crl_fetch_fail(ngx_certauthz_crl_fetch_t *f,
    ngx_uint_t cause, const char *fmt, ...);
static ngx_msec_t ngx_certauthz_crl_fetch_now(void);
static const char *ngx_certauthz_crl_fetch_strerror(ngx_err_t err,
    u_char *buf, size_t size);


/* in the master, before the workers (and their threads) start */

ngx_int_t
ngx_certauthz_crl_remote_init(ngx_log_t *log)
{
    static ngx_uint_t  done;

    if (done) {
        return NGX_OK;
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ngx_log_error(NGX_LOG_EMERG, log, 0,
                      "certauthz: curl_global_init() failed");
        return NGX_ERROR;
    }

    done = 1;

    return NGX_OK;
}


/*
 * One fetch of f->url, redirects followed: f->outcome says what it came
 * to; a body of a 200 answer is in f->temp, and its validators in
 * f->etag_new and f->modified_new
 */

void
ngx_certauthz_crl_fetch_run(ngx_certauthz_crl_fetch_t *f)
{
    char        *url, *location;
    ngx_int_t    rc;
    ngx_uint_t   hop;
    ngx_msec_t   start, spent;
    ngx_err_t    err;
    u_char       eb[NGX_MAX_ERROR_STR];

    f->outcome = NGX_CERTAUTHZ_CRL_FETCH_ERROR;
    f->bytes = 0;
    f->error[0] = '\0';
    f->etag_new[0] = '\0';
    f->modified_new[0] = '\0';

    f->fd = ngx_open_file(f->temp, NGX_FILE_WRONLY, NGX_FILE_TRUNCATE,
                          NGX_FILE_DEFAULT_ACCESS);

    if (f->fd == NGX_INVALID_FILE) {
        err = ngx_errno;
        ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_CACHE,
                                     "open() \"%s\" failed (%d: %s)",
                                     f->temp, err,
                                     ngx_certauthz_crl_fetch_strerror(err, eb,
                                         sizeof(eb)));
        return;
    }

    url = (char *) f->url;
    location = NULL;
    start = ngx_certauthz_crl_fetch_now();

    for (hop = 0; /* void */; hop++) {

        /* the timeout is for the whole fetch, redirects included */

        spent = ngx_certauthz_crl_fetch_now() - start;

        if (hop > 0 && spent >= f->timeout) {
            free(url);
            ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_TIMEOUT,
                                         "timed out after %M ms",
                                         f->timeout);
            break;
        }

        rc = ngx_certauthz_crl_fetch_one(f, url, f->timeout - spent,
                                         &location);

        if (url != f->url) {
            free(url);
        }

        if (rc != NGX_AGAIN) {
            break;
        }

        url = location;

        if (hop + 1 == NGX_CERTAUTHZ_CRL_REDIRECTS) {
            free(url);
            ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_REDIRECT,
                                         "more than %d redirects",
                                         NGX_CERTAUTHZ_CRL_REDIRECTS);
            break;
        }

        /* the body of the redirect is not the CRL */

        if (ftruncate(f->fd, 0) == -1 || lseek(f->fd, 0, SEEK_SET) == -1) {
            free(url);
            ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_CACHE,
                                         "ftruncate() \"%s\" failed",
                                         f->temp);
            break;
        }

        f->bytes = 0;
    }

    if (f->outcome == NGX_CERTAUTHZ_CRL_FETCH_UPDATED
        && fdatasync(f->fd) == -1)
    {
        err = ngx_errno;
        ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_CACHE,
                                     "fdatasync() \"%s\" failed (%d: %s)",
                                     f->temp, err,
                                     ngx_certauthz_crl_fetch_strerror(err, eb,
                                         sizeof(eb)));
    }

    (void) ngx_close_file(f->fd);
    f->fd = NGX_INVALID_FILE;
}


/*
 * One request.  NGX_AGAIN: a redirect to *location (malloc()ed, checked
 * as the first URL was); else f->outcome is set
 */

static ngx_int_t
ngx_certauthz_crl_fetch_one(ngx_certauthz_crl_fetch_t *f, const char *url,
    ngx_msec_t left, char **location)
{
    long                rc_long;
    char               *redirect, errbuf[CURL_ERROR_SIZE];
    CURL               *curl;
    CURLcode            rc;
    ngx_str_t           s;
    ngx_int_t           ret;
    struct curl_blob    blob;
    struct curl_slist  *headers, *h;
    char                line[NGX_CERTAUTHZ_CRL_ETAG_LEN + 32];

    curl = curl_easy_init();
    if (curl == NULL) {
        ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_CONNECT,
                                     "curl_easy_init() failed");
        return NGX_ERROR;
    }

    headers = NULL;
    errbuf[0] = '\0';
    f->too_large = 0;
    f->refused = 0;
    f->etag_new[0] = '\0';
    f->modified_new[0] = '\0';

    (void) curl_easy_setopt(curl, CURLOPT_URL, url);
    (void) curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    (void) curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
#if (LIBCURL_VERSION_NUM >= 0x075500)
    (void) curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    (void) curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
                            (long) (CURLPROTO_HTTP|CURLPROTO_HTTPS));
#endif
    (void) curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    (void) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) left);
    (void) curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                            (long) ngx_max(left / 2, 1));
    (void) curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    (void) curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    (void) curl_easy_setopt(curl, CURLOPT_USERAGENT,
                            "certauthz/" NGX_CERTAUTHZ_VERSION);
    (void) curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                            (curl_off_t) f->max_size);
    (void) curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION,
                            ngx_certauthz_crl_fetch_body);
    (void) curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    (void) curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION,
                            ngx_certauthz_crl_fetch_header);
    (void) curl_easy_setopt(curl, CURLOPT_HEADERDATA, f);

    /* the CA certificates that the configuration read, instead of the
     * system's */

    if (f->trusted) {
        blob.data = f->trusted;
        blob.len = f->trusted_len;
        blob.flags = CURL_BLOB_COPY;

        (void) curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
        (void) curl_easy_setopt(curl, CURLOPT_CAINFO, NULL);
        (void) curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
    }

    if (f->public_only) {
        (void) curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION,
                                ngx_certauthz_crl_fetch_socket);
        (void) curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, f);
    }

    /* conditional: an unchanged CRL costs a 304 */

    if (f->etag[0] != '\0') {
        (void) ngx_snprintf((u_char *) line, sizeof(line),
                            "If-None-Match: %s%Z", f->etag);
        h = curl_slist_append(headers, line);
        if (h != NULL) {
            headers = h;
        }
    }

    if (f->modified[0] != '\0') {
        (void) ngx_snprintf((u_char *) line, sizeof(line),
                            "If-Modified-Since: %s%Z", f->modified);
        h = curl_slist_append(headers, line);
        if (h != NULL) {
            headers = h;
        }
    }

    if (headers != NULL) {
        (void) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    }

    rc = curl_easy_perform(curl);

    ret = NGX_ERROR;

    if (rc != CURLE_OK) {

        switch (rc) {

        case CURLE_OPERATION_TIMEDOUT:
            ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_TIMEOUT,
                                         "timed out after %M ms (%s)",
                                         f->timeout, errbuf);
            break;

        case CURLE_FILESIZE_EXCEEDED:
            f->too_large = 1;
            /* fall through */

        case CURLE_WRITE_ERROR:
            if (f->too_large) {
                ngx_certauthz_crl_fetch_fail(f,
                                      NGX_CERTAUTHZ_CRL_CAUSE_TOO_LARGE,
                                      "the answer is larger than %uz bytes",
                                      f->max_size);
            } else {
                ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_CACHE,
                                             "write() \"%s\" failed",
                                             f->temp);
            }
            break;

        case CURLE_PARTIAL_FILE:
            ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_TRUNCATED,
                                         "the answer is shorter than its "
                                         "Content-Length (%s)", errbuf);
            break;

        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_USE_SSL_FAILED:
            ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_TLS,
                                         "TLS: %s",
                                         errbuf[0] ? errbuf
                                         : curl_easy_strerror(rc));
            break;

        default:
            if (f->refused) {
                ngx_certauthz_crl_fetch_fail(f,
                                      NGX_CERTAUTHZ_CRL_CAUSE_CONNECT,
                                      "it resolves to an address that is "
                                      "not public (see "
                                      "certauthz_crl_cdp_allow)");
                break;
            }

            ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_CONNECT,
                                         "%s",
                                         errbuf[0] ? errbuf
                                         : curl_easy_strerror(rc));
        }

        goto done;
    }

    rc_long = 0;
    (void) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &rc_long);

    if (rc_long == 200) {
        f->outcome = NGX_CERTAUTHZ_CRL_FETCH_UPDATED;
        ret = NGX_OK;
        goto done;
    }

    if (rc_long == 304 && (f->etag[0] != '\0' || f->modified[0] != '\0')) {
        f->outcome = NGX_CERTAUTHZ_CRL_FETCH_NOT_MODIFIED;
        ret = NGX_OK;
        goto done;
    }

    if (rc_long == 301 || rc_long == 302 || rc_long == 303
        || rc_long == 307 || rc_long == 308)
    {
        redirect = NULL;
        (void) curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &redirect);

        if (redirect == NULL) {
            ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_REDIRECT,
                                         "the server answered %l without "
                                         "a Location", rc_long);
            goto done;
        }

        s.data = (u_char *) redirect;
        s.len = ngx_strlen(redirect);

        if (!ngx_certauthz_crl_is_url(&s)) {
            ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_REDIRECT,
                                         "a redirect to \"%s\", which is "
                                         "not http or https", redirect);
            goto done;
        }

        if (f->allow != NULL && !ngx_certauthz_crl_allowed(f->allow, &s)) {
            ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_REDIRECT,
                                         "a redirect to \"%s\", which is "
                                         "not under a prefix of "
                                         "certauthz_crl_cdp_allow",
                                         redirect);
            goto done;
        }

        *location = strdup(redirect);

        if (*location == NULL) {
            ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_REDIRECT,
                                         "strdup() failed");
            goto done;
        }

        ret = NGX_AGAIN;
        goto done;
    }

    ngx_certauthz_crl_fetch_fail(f, NGX_CERTAUTHZ_CRL_CAUSE_STATUS,
                                 "the server answered %l", rc_long);

done:

    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);

    return ret;
}


static size_t
ngx_certauthz_crl_fetch_body(char *ptr, size_t size, size_t nmemb,
    void *data)
{
    ngx_certauthz_crl_fetch_t *f = data;

    ssize_t  n;
    size_t   len, done;

    len = size * nmemb;

    if (len > f->max_size - f->bytes) {
        f->too_large = 1;
        return 0;
    }

    for (done = 0; done < len; done += n) {
        n = write(f->fd, ptr + done, len - done);

        if (n == -1) {
            if (ngx_errno == NGX_EINTR) {
                n = 0;
                continue;
            }

            return 0;
        }
    }

    f->bytes += len;

    return len;
}


/* the validators of the last answer (a redirect's are forgotten) */

static size_t
ngx_certauthz_crl_fetch_header(char *ptr, size_t size, size_t nmemb,
    void *data)
{
    ngx_certauthz_crl_fetch_t *f = data;

    size_t  len;

    len = size * nmemb;

    if (len >= 5 && ngx_strncmp(ptr, "HTTP/", 5) == 0) {
        f->etag_new[0] = '\0';
        f->modified_new[0] = '\0';

    } else if (len > 5 && ngx_strncasecmp((u_char *) ptr, (u_char *) "ETag:",
                                          5) == 0)
    {
        ngx_certauthz_crl_fetch_copy(f->etag_new, sizeof(f->etag_new),
                                     ptr + 5, len - 5);

    } else if (len > 14
               && ngx_strncasecmp((u_char *) ptr,
                                  (u_char *) "Last-Modified:", 14) == 0)
    {
        ngx_certauthz_crl_fetch_copy(f->modified_new,
                                     sizeof(f->modified_new),
                                     ptr + 14, len - 14);
    }

    return len;
}


/* a header's value, trimmed; dropped if it does not fit */

static void
ngx_certauthz_crl_fetch_copy(u_char *dst, size_t size, const char *p,
    size_t len)
{
    size_t  i;

    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }

    while (len && (p[len - 1] == '\r' || p[len - 1] == '\n'
                   || p[len - 1] == ' ' || p[len - 1] == '\t'))
    {
        len--;
    }

    dst[0] = '\0';

    if (len == 0 || len >= size) {
        return;
    }

    for (i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            return;
        }
    }

    ngx_memcpy(dst, p, len);
    dst[len] = '\0';
}


/* only public addresses: checked on each address that libcurl tries */

static curl_socket_t
ngx_certauthz_crl_fetch_socket(void *data, curlsocktype purpose,
    struct curl_sockaddr *address)
{
    ngx_certauthz_crl_fetch_t *f = data;

    if (!ngx_certauthz_crl_fetch_public(&address->addr)) {
        f->refused = 1;
        return CURL_SOCKET_BAD;
    }

    return socket(address->family, address->socktype, address->protocol);
}


static ngx_uint_t
ngx_certauthz_crl_fetch_public(struct sockaddr *sa)
{
    u_char               *p;
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    struct sockaddr_in6  *sin6;
#endif

    switch (sa->sa_family) {

    case AF_INET:
        sin = (struct sockaddr_in *) sa;
        p = (u_char *) &sin->sin_addr.s_addr;
        break;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sa;
        p = sin6->sin6_addr.s6_addr;

        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            p += 12;
            break;
        }

        /* ::, ::1, fc00::/7, fe80::/10, ff00::/8 */

        if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)
            || IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)
            || (p[0] & 0xfe) == 0xfc
            || (p[0] == 0xfe && (p[1] & 0xc0) == 0x80)
            || p[0] == 0xff)
        {
            return 0;
        }

        return 1;
#endif

    default:
        return 0;
    }

    /*
     * 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16,
     * 224/4 and above
     */

    if (p[0] == 0 || p[0] == 10 || p[0] == 127 || p[0] >= 224
        || (p[0] == 100 && (p[1] & 0xc0) == 64)
        || (p[0] == 169 && p[1] == 254)
        || (p[0] == 172 && (p[1] & 0xf0) == 16)
        || (p[0] == 192 && p[1] == 168))
    {
        return 0;
    }

    return 1;
}


static void
ngx_certauthz_crl_fetch_fail(ngx_certauthz_crl_fetch_t *f, ngx_uint_t cause,
    const char *fmt, ...)
{
    u_char   *p;
    va_list   args;

    f->outcome = NGX_CERTAUTHZ_CRL_FETCH_ERROR;
    f->cause = cause;

    va_start(args, fmt);
    p = ngx_vslprintf(f->error, f->error + sizeof(f->error) - 1, fmt, args);
    va_end(args);

    *p = '\0';
}


/* the monotonic clock in a thread, where ngx_current_msec is not kept */

static ngx_msec_t
ngx_certauthz_crl_fetch_now(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (ngx_msec_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* nginx's own table: strerror() is not for threads */

static const char *
ngx_certauthz_crl_fetch_strerror(ngx_err_t err, u_char *buf, size_t size)
{
    u_char  *p;

    p = ngx_strerror(err, buf, size - 1);
    *p = '\0';

    return (const char *) buf;
}
