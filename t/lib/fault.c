/*
 * certauthz test fault injection, preloaded into the test nginx
 * (Certauthz::Test::fault()).
 *
 *     CERTAUTHZ_FAULT="ASN1_STRING_to_UTF8:1 EVP_PKEY_CTX_new:2"
 *
 * fails the first call of ASN1_STRING_to_UTF8() and the second call of
 * EVP_PKEY_CTX_new() made from a certauthz module, the way these calls
 * fail when memory runs out: NULL or -1, with ERR_R_MALLOC_FAILURE in
 * OpenSSL's error queue.  "malloc:N" fails the Nth OpenSSL allocation
 * made during any call of these functions from the module, and every
 * later one until that call returns (memory that ran out stays out; a
 * single failure is often absorbed by a fallback inside OpenSSL).  Calls made
 * from anywhere else (nginx, OpenSSL itself) pass through and are not
 * counted.  The specification is read once, when nginx starts: its
 * workers are forked and keep it (nginx clears their environment).
 *
 * The decoders of ext:OID and of the chain (issue 23) are wrapped too:
 * OBJ_txt2obj(), d2i_ASN1_TYPE(), X509_STORE_CTX_new(), X509_verify_cert()
 * and X509_digest().  "NAME:N" fails the Nth call of one of them as
 * above; "malloc:N" leaves them alone (so that a file's faults stay where
 * they were); "NAME/malloc:N" runs the Nth call of NAME out of memory:
 * every OpenSSL allocation it makes fails, and "NAME/malloc:N.K" every one
 * from its Kth on.  A call made while nginx reads its configuration
 * counts too (certauthz checks each ext:OID of a rule with OBJ_txt2obj()).
 */

#define _GNU_SOURCE

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>


enum {
    FAULT_UTF8 = 0,
    FAULT_PKEY_CTX,
    FAULT_MALLOC,
    FAULT_TXT2OBJ,
    FAULT_D2I_TYPE,
    FAULT_STORE_CTX,
    FAULT_VERIFY,
    FAULT_DIGEST,
    FAULT_N
};


static const char  *fault_names[FAULT_N] = {
    "ASN1_STRING_to_UTF8",
    "EVP_PKEY_CTX_new",
    "malloc",
    "OBJ_txt2obj",
    "d2i_ASN1_TYPE",
    "X509_STORE_CTX_new",
    "X509_verify_cert",
    "X509_digest"
};

static long  fault_at[FAULT_N];
static long  fault_calls[FAULT_N];
static int   fault_inside;
static int   fault_oom;

/* "NAME/malloc:N.K": the Nth call of NAME, from its Kth allocation */
static long  fault_oom_call[FAULT_N];
static long  fault_oom_from[FAULT_N];
static long  fault_oom_calls[FAULT_N];
static int   fault_oom_active;
static long  fault_oom_allocs;
static long  fault_oom_first;


static void *fault_malloc(size_t n, const char *file, int line);


__attribute__((constructor))
static void
fault_init(void)
{
    int          i, malloc_faults;
    long         n, k;
    char        *tok, *colon, *save, *oom, *end;
    const char  *env;
    static char  spec[256];

    malloc_faults = 0;
    end = NULL;

    /* no heap here: this runs before the sanitizers' runtime is ready */

    env = getenv("CERTAUTHZ_FAULT");
    if (env == NULL || *env == '\0') {
        return;
    }

    if (strlen(env) >= sizeof(spec)) {
        fprintf(stderr, "certauthz fault: specification too long\n");
        abort();
    }

    strcpy(spec, env);

    for (tok = strtok_r(spec, " ,", &save); tok;
         tok = strtok_r(NULL, " ,", &save))
    {
        colon = strchr(tok, ':');
        n = colon ? strtol(colon + 1, &end, 10) : 0;
        k = 1;

        if (colon && *end == '.') {
            k = strtol(end + 1, &end, 10);
        }

        if (colon == NULL || n <= 0 || k <= 0 || *end != '\0') {
            fprintf(stderr, "certauthz fault: bad \"%s\"\n", tok);
            abort();
        }

        *colon = '\0';

        oom = strchr(tok, '/');

        if (oom) {
            if (strcmp(oom, "/malloc") != 0) {
                fprintf(stderr, "certauthz fault: bad \"%s\"\n", tok);
                abort();
            }

            *oom = '\0';

        } else if (k != 1) {
            fprintf(stderr, "certauthz fault: bad \"%s\"\n", tok);
            abort();
        }

        for (i = 0; i < FAULT_N; i++) {
            if (strcmp(tok, fault_names[i]) == 0) {
                break;
            }
        }

        if (i == FAULT_N || (oom && i <= FAULT_MALLOC)) {
            fprintf(stderr, "certauthz fault: unknown \"%s\"\n", tok);
            abort();
        }

        if (oom) {
            fault_oom_call[i] = n;
            fault_oom_from[i] = k;
            malloc_faults = 1;

        } else {
            fault_at[i] = n;
        }
    }

    if ((fault_at[FAULT_MALLOC] || malloc_faults)
        && !CRYPTO_set_mem_functions(fault_malloc, NULL, NULL))
    {
        fprintf(stderr, "certauthz fault: CRYPTO_set_mem_functions()\n");
        abort();
    }
}


/* the caller is code of a certauthz module */

static int
fault_from_module(void *caller)
{
    Dl_info  info;

    return dladdr(caller, &info) && info.dli_fname
           && strstr(info.dli_fname, "certauthz_module") != NULL;
}


static int
fault_now(int f)
{
    return fault_at[f] && ++fault_calls[f] == fault_at[f];
}


static void *
fault_malloc(size_t n, const char *file, int line)
{
    (void) file;
    (void) line;

    if (fault_inside && (fault_oom || fault_now(FAULT_MALLOC))) {
        /* no ERR_raise() here: it may allocate; the caller reports it */
        fault_oom = 1;
        return NULL;
    }

    if (fault_oom_active && ++fault_oom_allocs >= fault_oom_first) {
        return NULL;
    }

    return malloc(n);
}


/*
 * Before a call of one of the decoders of issue 23: -1 where it is the
 * call from the module to fail outright, 1 where it is the one to run out
 * of memory (fault_end() after it), else 0.  OpenSSL's own calls of these
 * functions (inside a call from the module, say) pass through.
 */

static int
fault_begin(int f, void *caller)
{
    if (fault_oom_active || !fault_from_module(caller)) {
        return 0;
    }

    if (fault_now(f)) {
        return -1;
    }

    if (fault_oom_call[f] && ++fault_oom_calls[f] == fault_oom_call[f]) {
        fault_oom_active = 1;
        fault_oom_allocs = 0;
        fault_oom_first = fault_oom_from[f];
        return 1;
    }

    return 0;
}


static void
fault_end(int started)
{
    if (started > 0) {
        fault_oom_active = 0;
    }
}


ASN1_OBJECT *
OBJ_txt2obj(const char *s, int no_name)
{
    int                  started;
    ASN1_OBJECT         *obj;
    static ASN1_OBJECT  *(*real)(const char *, int);

    if (real == NULL) {
        real = (ASN1_OBJECT *(*)(const char *, int))
                   dlsym(RTLD_NEXT, "OBJ_txt2obj");
    }

    started = fault_begin(FAULT_TXT2OBJ, __builtin_return_address(0));

    if (started < 0) {
        ERR_raise(ERR_LIB_OBJ, ERR_R_MALLOC_FAILURE);
        return NULL;
    }

    obj = real(s, no_name);
    fault_end(started);

    return obj;
}


ASN1_TYPE *
d2i_ASN1_TYPE(ASN1_TYPE **a, const unsigned char **in, long len)
{
    int                started;
    ASN1_TYPE         *t;
    static ASN1_TYPE  *(*real)(ASN1_TYPE **, const unsigned char **, long);

    if (real == NULL) {
        real = (ASN1_TYPE *(*)(ASN1_TYPE **, const unsigned char **, long))
                   dlsym(RTLD_NEXT, "d2i_ASN1_TYPE");
    }

    started = fault_begin(FAULT_D2I_TYPE, __builtin_return_address(0));

    if (started < 0) {
        ERR_raise(ERR_LIB_ASN1, ERR_R_MALLOC_FAILURE);
        return NULL;
    }

    t = real(a, in, len);
    fault_end(started);

    return t;
}


X509_STORE_CTX *
X509_STORE_CTX_new(void)
{
    int                     started;
    X509_STORE_CTX         *ctx;
    static X509_STORE_CTX  *(*real)(void);

    if (real == NULL) {
        real = (X509_STORE_CTX *(*)(void))
                   dlsym(RTLD_NEXT, "X509_STORE_CTX_new");
    }

    started = fault_begin(FAULT_STORE_CTX, __builtin_return_address(0));

    if (started < 0) {
        ERR_raise(ERR_LIB_X509, ERR_R_MALLOC_FAILURE);
        return NULL;
    }

    ctx = real();
    fault_end(started);

    return ctx;
}


int
X509_verify_cert(X509_STORE_CTX *ctx)
{
    int         rc, started;
    static int  (*real)(X509_STORE_CTX *);

    if (real == NULL) {
        real = (int (*)(X509_STORE_CTX *)) dlsym(RTLD_NEXT,
                                                 "X509_verify_cert");
    }

    started = fault_begin(FAULT_VERIFY, __builtin_return_address(0));

    if (started < 0) {
        /* as OpenSSL's own verification when it runs out of memory */
        X509_STORE_CTX_set_error(ctx, X509_V_ERR_OUT_OF_MEM);
        ERR_raise(ERR_LIB_X509, ERR_R_MALLOC_FAILURE);
        return -1;
    }

    rc = real(ctx);
    fault_end(started);

    return rc;
}


int
X509_digest(const X509 *data, const EVP_MD *type, unsigned char *md,
    unsigned int *len)
{
    int         rc, started;
    static int  (*real)(const X509 *, const EVP_MD *, unsigned char *,
                        unsigned int *);

    if (real == NULL) {
        real = (int (*)(const X509 *, const EVP_MD *, unsigned char *,
                        unsigned int *))
                   dlsym(RTLD_NEXT, "X509_digest");
    }

    started = fault_begin(FAULT_DIGEST, __builtin_return_address(0));

    if (started < 0) {
        ERR_raise(ERR_LIB_X509, ERR_R_MALLOC_FAILURE);
        return 0;
    }

    rc = real(data, type, md, len);
    fault_end(started);

    return rc;
}


int
ASN1_STRING_to_UTF8(unsigned char **out, const ASN1_STRING *in)
{
    int         rc;
    static int  (*real)(unsigned char **, const ASN1_STRING *);

    if (real == NULL) {
        real = (int (*)(unsigned char **, const ASN1_STRING *))
                   dlsym(RTLD_NEXT, "ASN1_STRING_to_UTF8");
    }

    if (!fault_from_module(__builtin_return_address(0))) {
        return real(out, in);
    }

    if (fault_now(FAULT_UTF8)) {
        ERR_raise(ERR_LIB_ASN1, ERR_R_MALLOC_FAILURE);
        return -1;
    }

    fault_inside++;
    rc = real(out, in);
    fault_inside--;
    fault_oom = 0;

    return rc;
}


EVP_PKEY_CTX *
EVP_PKEY_CTX_new(EVP_PKEY *pkey, ENGINE *e)
{
    EVP_PKEY_CTX         *ctx;
    static EVP_PKEY_CTX  *(*real)(EVP_PKEY *, ENGINE *);

    if (real == NULL) {
        real = (EVP_PKEY_CTX *(*)(EVP_PKEY *, ENGINE *))
                   dlsym(RTLD_NEXT, "EVP_PKEY_CTX_new");
    }

    if (!fault_from_module(__builtin_return_address(0))) {
        return real(pkey, e);
    }

    if (fault_now(FAULT_PKEY_CTX)) {
        ERR_raise(ERR_LIB_EVP, ERR_R_MALLOC_FAILURE);
        return NULL;
    }

    fault_inside++;
    ctx = real(pkey, e);
    fault_inside--;
    fault_oom = 0;

    return ctx;
}
