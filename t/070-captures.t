# Named regex captures become nginx variables, as in map and location.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a named capture of the rule that allowed is a variable
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow "cn~^svc-(?<svc>[a-z]+)$";
            add_header X-Svc "[$svc]" always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /svc-billing/ok.txt", "GET /alice/ok.txt"]
--- error_code eval
[200, 403]
--- response_headers eval
["X-Svc: [billing]\nX-Reason: allow", "X-Svc: []\nX-Reason: no-match"]



=== TEST 2: captures from a multi-valued field: the value that matched
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow "uri~^spiffe://example\.com/ns/(?<ns>[^/]+)/sa/(?<sa>[^/]+)$";
            add_header X-Workload "$ns/$sa" always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /svc-billing/ok.txt"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Workload: prod/alice", "X-Workload: prod/billing"]



=== TEST 3: case-insensitive regex with a capture, passed to an upstream
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow "email~*^(?<user>[a-z.]+)@EXAMPLE\.ORG$";
            proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/up.sock:/;
            proxy_set_header X-User $user;
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/up.sock;

        location / {
            return 200 "user=$http_x_user\n";
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_body
user=alice.smith
