/*
 * wrk-cert-shim.c -- LD_PRELOAD shim that gives wrk a TLS client
 * certificate: every SSL_CTX that the program creates gets the chain
 * CERTAUTHZ_BENCH_CERT and the key CERTAUTHZ_BENCH_KEY (PEM files).
 *
 *   cc -shared -fPIC -o wrk-cert-shim.so wrk-cert-shim.c -ldl -lssl
 *   LD_PRELOAD=./wrk-cert-shim.so CERTAUTHZ_BENCH_CERT=alice.pem \
 *       CERTAUTHZ_BENCH_KEY=alice.key wrk https://127.0.0.1:9951/ok.txt
 *
 * Works because wrk links libssl dynamically; a failure to load the
 * files ends the program, so a benchmark never runs without the cert.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/ssl.h>
#include <openssl/err.h>

SSL_CTX *
SSL_CTX_new(const SSL_METHOD *method)
{
    SSL_CTX     *ctx;
    const char  *cert, *key;
    SSL_CTX   *(*next)(const SSL_METHOD *);

    next = (SSL_CTX *(*)(const SSL_METHOD *)) dlsym(RTLD_NEXT, "SSL_CTX_new");
    if (next == NULL || (ctx = next(method)) == NULL) {
        return NULL;
    }

    cert = getenv("CERTAUTHZ_BENCH_CERT");
    key = getenv("CERTAUTHZ_BENCH_KEY");

    if (cert != NULL && key != NULL
        && (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1
            || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1))
    {
        fprintf(stderr, "wrk-cert-shim: cannot load %s / %s\n", cert, key);
        ERR_print_errors_fp(stderr);
        exit(1);
    }

    return ctx;
}
