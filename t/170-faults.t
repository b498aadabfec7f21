# An internal failure (memory running out in an OpenSSL call) is never a
# verdict: the request is answered 500 and the failure is logged; nothing
# of it is remembered, so the next connection is decided as usual.  Faults
# are injected by t/lib/fault.c, preloaded into the test nginx; each block
# runs a fresh nginx, so "the first call" is that of the block's first
# request, or, for a CRL whose issuer is a trusted CA, that of the check
# made when the CRL is loaded (TEST 6).

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

Certauthz::Test::fault('ASN1_STRING_to_UTF8:1 EVP_PKEY_CTX_new:1');

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a failed UTF-8 conversion does not let a certificate skip a deny rule
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny "cn=Jürgen Müller";
            certauthz_allow all;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /utf8/ok.txt", "GET /utf8/ok.txt"]
--- error_code eval
[500, 403]
--- response_headers eval
["X-Reason: ", "X-Reason: deny"]



=== TEST 2: a failed signature check is not cached as "the CRL does not verify" (a newer CRL revoking alice, then an older one)
--- user_files eval
">>> two.crl\n" . Certauthz::Test::crl('int-alice.crl') . Certauthz::Test::crl('int-empty.crl')
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        # only the root is trusted: the intermediate comes with the
        # client's chain, so its CRL's signature is checked per request
        # (a trusted issuer's is checked when the CRL is loaded)
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_client_certificate $TEST_NGINX_PKI/root.crt;
        ssl_verify_depth 3;
        root $TEST_NGINX_PKI/www;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/two.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /alice/ok.txt", "GET /alice/ok.txt"]
--- error_code eval
[500, 403, 403]
--- response_headers eval
["X-Reason: ", "X-Reason: revoked", "X-Reason: revoked"]
--- no_error_log
does not verify with the key of its issuer



=== TEST 3: with a single CRL, the same fault is one 500, not a lasting crl-missing
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        # only the root is trusted: the intermediate comes with the
        # client's chain, so its CRL's signature is checked per request
        # (a trusted issuer's is checked when the CRL is loaded)
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_client_certificate $TEST_NGINX_PKI/root.crt;
        ssl_verify_depth 3;
        root $TEST_NGINX_PKI/www;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-empty.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /bob/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[500, 200]
--- response_headers eval
["X-Reason: ", "X-Reason: allow"]



=== TEST 4: the failed conversion is logged, with OpenSSL's reason
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny "cn=Jürgen Müller";
            certauthz_allow all;
        }
    }
--- request
GET /utf8/ok.txt
--- error_code: 500
--- error_log eval
[qr/\[error\] .*certauthz: cannot build the cn of the client certificate .*malloc failure/,
 qr/\[error\] .*certauthz: rule evaluation failed, request refused/]



=== TEST 5: the failed signature check is logged, with OpenSSL's reason
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        # only the root is trusted: the intermediate comes with the
        # client's chain, so its CRL's signature is checked per request
        # (a trusted issuer's is checked when the CRL is loaded)
        ssl_certificate $TEST_NGINX_PKI/server.crt;
        ssl_certificate_key $TEST_NGINX_PKI/server.key;
        ssl_client_certificate $TEST_NGINX_PKI/root.crt;
        ssl_verify_depth 3;
        root $TEST_NGINX_PKI/www;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-empty.crl;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 500
--- error_log eval
[qr/\[alert\] .*certauthz: cannot check the signature of a CRL in "\S+int-empty\.crl" .*malloc failure/,
 qr/\[error\] .*certauthz: rule evaluation failed, request refused/]
--- no_error_log
does not verify with the key of its issuer



=== TEST 6: the same fault in the check made when the CRL is loaded (its issuer is a trusted CA) is no verdict either: nothing said, the request checks
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-alice.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Reason: revoked", "X-Reason: allow"]
--- no_error_log
does not verify
