# CRLs signed with other algorithms than RSA PKCS#1 v1.5 and ECDSA: EdDSA
# (Ed25519, Ed448: the signature is over the whole signed part) and
# RSASSA-PSS (a digest, with the parameters the CRL names).  Each issuing
# CA of t/lib/mkpki.sh (int-ed25519, int-ed448, int-pss) has one client
# (client-KIND) and two CRLs (KIND-revoked.crl revoking it, KIND-empty.crl).

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: an Ed25519-signed CRL revokes its client; alice (another CA) is not concerned by it
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/ed25519-revoked.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /client-ed25519/ok.txt", "GET /alice/ok.txt"]
--- error_code eval
[403, 403]
--- response_headers eval
["X-Reason: revoked", "X-Reason: crl-missing"]
--- no_error_log
does not verify



=== TEST 2: an Ed25519-signed CRL that revokes nothing lets its client in
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/ed25519-empty.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /client-ed25519/ok.txt
--- error_code: 200
--- response_headers
X-Reason: allow
--- no_error_log
[warn]



=== TEST 3: an Ed25519 CRL of that name signed by another key does not count
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/ed25519-wrongkey.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /client-ed25519/ok.txt
--- error_code: 403
--- response_headers
X-Reason: crl-missing
--- error_log eval
qr/\[warn\] .*certauthz: a CRL in "\S+ed25519-wrongkey\.crl" does not verify with the key of its issuer, ignored/



=== TEST 4: an Ed448-signed CRL: revoked, and its empty one lets the client in
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /revoked/ {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/ed448-revoked.crl;
            add_header X-Reason $certauthz_reason always;
            alias $TEST_NGINX_PKI/www/;
        }

        location /empty/ {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/ed448-empty.crl;
            add_header X-Reason $certauthz_reason always;
            alias $TEST_NGINX_PKI/www/;
        }
    }
--- request eval
["GET /client-ed448/revoked/ok.txt", "GET /client-ed448/empty/ok.txt"]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Reason: revoked", "X-Reason: allow"]
--- no_error_log
does not verify



=== TEST 5: an RSASSA-PSS-signed CRL: revoked, and its empty one lets the client in
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /revoked/ {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/pss-revoked.crl;
            add_header X-Reason $certauthz_reason always;
            alias $TEST_NGINX_PKI/www/;
        }

        location /empty/ {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/pss-empty.crl;
            add_header X-Reason $certauthz_reason always;
            alias $TEST_NGINX_PKI/www/;
        }
    }
--- request eval
["GET /client-pss/revoked/ok.txt", "GET /client-pss/empty/ok.txt"]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Reason: revoked", "X-Reason: allow"]
--- no_error_log
does not verify



=== TEST 6: the three CAs' CRLs in one PEM file, each client decided by its own CA's
--- user_files eval
">>> all.crl\n" . CORE::join '', map { Certauthz::Test::crl($_) }
    qw(ed25519-empty.crl ed448-revoked.crl pss-empty.crl int-alice.crl)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/all.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /client-ed25519/ok.txt", "GET /client-ed448/ok.txt",
 "GET /client-pss/ok.txt", "GET /alice/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[200, 403, 200, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: revoked", "X-Reason: allow",
 "X-Reason: revoked", "X-Reason: allow"]
--- no_error_log
does not verify
