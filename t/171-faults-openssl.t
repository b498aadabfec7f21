# As t/170-faults.t, but the memory runs out inside OpenSSL: the first
# allocation that ASN1_STRING_to_UTF8() or EVP_PKEY_CTX_new() makes when
# the module calls them fails, and OpenSSL itself reports it.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

Certauthz::Test::fault('malloc:1');

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
