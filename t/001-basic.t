# The module loads, refuses a request without a certificate and lets a
# verified one through.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: no client certificate: no-cert, 403
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            certauthz on;
        }
    }
--- request
GET /none/ok.txt
--- error_code: 403
--- error_log
certauthz: access forbidden, reason: no-cert, client:



=== TEST 2: a verified certificate passes when there are no rules
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_body
ok
--- no_error_log
[error]



=== TEST 3: the mode is read in any case, as nginx reads "on" and "off" elsewhere
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location /on/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz ON;
            add_header X-Reason $certauthz_reason always;
        }

        location /audit/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz Audit;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /none/on/ok.txt", "GET /none/audit/ok.txt"]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Reason: no-cert", "X-Reason: no-cert"]
