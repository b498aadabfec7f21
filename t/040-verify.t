# Only a certificate that nginx verified counts: no certificate, a
# certificate that failed verification under optional_no_ca, and chains.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: ssl_verify_client optional, no certificate: no-cert
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            certauthz on;
            certauthz_allow all;
            add_header X-Reason $certauthz_reason always;
            add_header X-Verify $certauthz_verify always;
        }
    }
--- request
GET /none/ok.txt
--- error_code: 403
--- response_headers
X-Reason: no-cert
X-Verify: NONE
--- error_log
certauthz: access forbidden, reason: no-cert, client:



=== TEST 2: optional_no_ca, self-signed certificate: unverified, even with allow all
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional_no_ca;

        location / {
            certauthz on;
            certauthz_allow cn=mallory;
            certauthz_allow all;
            add_header X-Reason $certauthz_reason always;
            add_header X-Verify $certauthz_verify always;
            add_header X-CN $certauthz_cn always;
        }
    }
--- request
GET /mallory/ok.txt
--- error_code: 403
--- response_headers
X-Reason: unverified
X-Verify: FAILED:self-signed certificate
X-CN: mallory
--- error_log
certauthz: access forbidden, reason: unverified, subject: "CN=mallory", serial: 6666



=== TEST 3: optional_no_ca, certificate from an unknown CA: unverified
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional_no_ca;

        location / {
            certauthz on;
            set $same "no";
            if ($certauthz_verify = $ssl_client_verify) {
                set $same "yes";
            }
            add_header X-Reason $certauthz_reason always;
            add_header X-Verify $certauthz_verify always;
            add_header X-Same-As-Nginx $same always;
        }
    }
--- request
GET /eve/ok.txt
--- error_code: 403
--- response_headers
X-Reason: unverified
X-Same-As-Nginx: yes
--- response_headers_like
X-Verify: ^FAILED:\S



=== TEST 4: optional_no_ca, a good certificate is verified and passes
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional_no_ca;

        location / {
            certauthz on;
            certauthz_allow cn=alice;
            add_header X-Reason $certauthz_reason always;
            add_header X-Verify $certauthz_verify always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_headers
X-Reason: allow
X-Verify: SUCCESS
--- no_error_log
[error]



=== TEST 5: ssl_verify_client on: nginx itself refuses an untrusted certificate
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow all;
        }
    }
--- request
GET /eve/ok.txt
--- error_code: 400
--- error_log
client SSL certificate verify error
--- no_error_log
certauthz: access forbidden



=== TEST 6: a client certificate issued by the root itself (no intermediate)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow "issuer=CN=certauthz Test Root CA,O=certauthz tests";
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /rootclient/ok.txt", "GET /alice/ok.txt"]
--- error_code eval
[200, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match"]



=== TEST 7: plain HTTP to a certauthz location: no-cert
--- config
    location /plain/ {
        alias $TEST_NGINX_PKI/www/;
        certauthz on;
        certauthz_allow all;
        add_header X-Reason $certauthz_reason always;
        add_header X-Verify $certauthz_verify always;
    }
--- request
GET /plain/ok.txt
--- error_code: 403
--- response_headers
X-Reason: no-cert
X-Verify: NONE
