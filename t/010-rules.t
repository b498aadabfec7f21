# Rule semantics: order, first match wins, default deny, "all", AND of
# conditions, inheritance between levels, "certauthz off", limit_except.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the first rule that matches decides (deny before allow all)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny cn=alice;
            certauthz_allow all;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Reason: deny", "X-Reason: allow"]



=== TEST 2: order matters: allow all first lets alice through
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow all;
            certauthz_deny cn=alice;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_headers
X-Reason: allow
--- no_error_log
[error]



=== TEST 3: no rule matches: denied with no-match, no rule named
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow cn=bob;
            certauthz_deny cn=carol;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Reason: no-match
!X-Rule
--- error_log
certauthz: access forbidden, reason: no-match, subject: "CN=alice,OU=Admins,OU=Engineering,O=Example Corp", serial: A1B2C



=== TEST 4: deny all
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny all;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Reason: deny
--- error_log eval
qr/certauthz: access forbidden, reason: deny, rule: \S+nginx\.conf:\d+, subject: "CN=alice,/



=== TEST 5: "allow all" still needs a verified certificate
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            certauthz on;
            certauthz_allow all;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /none/ok.txt
--- error_code: 403
--- response_headers
X-Reason: no-cert



=== TEST 6: several conditions in one rule must all hold
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /and-fails/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_allow cn=alice ou=Sales;
            add_header X-Reason $certauthz_reason always;
        }

        location /and-holds/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_allow cn=alice ou=Admins "o=Example Corp"
                            email~@example\.org$;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/and-fails/ok.txt", "GET /alice/and-holds/ok.txt",
 "GET /bob/and-holds/ok.txt"]
--- error_code eval
[403, 200, 403]
--- response_headers eval
["X-Reason: no-match", "X-Reason: allow", "X-Reason: no-match"]



=== TEST 7: a location without rules inherits the server's whole list
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow cn=alice;
        certauthz_deny all;

        location / {
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[200, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: deny"]



=== TEST 8: a location with rules of its own replaces the inherited list
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow cn=alice;

        location / {
            certauthz_allow cn=bob;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Reason: no-match", "X-Reason: allow"]



=== TEST 9: "certauthz on" at http level, "off" in a location
--- http_config
    certauthz on;
    certauthz_allow cn=alice;

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location /open/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz off;
            add_header X-Result "[$certauthz_result]" always;
        }

        location / {
            add_header X-Result "[$certauthz_result]" always;
        }
    }
--- request eval
["GET /bob/ok.txt", "GET /bob/open/ok.txt", "GET /none/open/ok.txt",
 "GET /alice/ok.txt"]
--- error_code eval
[403, 200, 200, 200]
--- response_headers eval
["X-Result: [deny]", "X-Result: []", "X-Result: []", "X-Result: [allow]"]



=== TEST 10: rules inside limit_except apply to the other methods only
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            limit_except GET {
                certauthz_allow cn=alice;
            }
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /bob/ok.txt", "POST /bob/ok.txt\r\nContent-Length: 0\r\n\r\n",
 "POST /alice/ok.txt\r\nContent-Length: 0\r\n\r\n"]
--- error_code eval
[200, 403, 405]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: allow"]



=== TEST 11: the deny rule's FILE:LINE is $certauthz_rule and in the log
--- user_files
>>> rules.conf
certauthz_allow cn=alice;
certauthz_deny cn=bob;
certauthz_allow all;
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            include $TEST_NGINX_SERVER_ROOT/html/rules.conf;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt", "GET /svc-billing/ok.txt"]
--- error_code eval
[200, 403, 200]
--- response_headers eval
["X-Rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:1",
 "X-Rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:2",
 "X-Rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:3"]



=== TEST 12: the deny rule's FILE:LINE in the denial log line
--- user_files
>>> rules.conf
certauthz_allow cn=alice;
certauthz_deny cn=bob;
certauthz_allow all;
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            include $TEST_NGINX_SERVER_ROOT/html/rules.conf;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 403
--- error_log eval
"certauthz: access forbidden, reason: deny, rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:2, subject: \"CN=bob,OU=Sales,O=Example Corp\", serial: FF01"



=== TEST 13: regexes whose start looks literal but is not all required: an optional character, an alternative, a repeat; and ones that cannot match for their start
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /optional/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "cn~^ab?lice$";
        }

        location /alternative/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "cn~^bob|^alice$";
        }

        location /repeat/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "cn~^a{1}lice$";
        }

        location /escaped/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "email~^alice\.smith@example\.org$";
        }

        location /class/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "cn~^alic\w$";
        }

        location /other-start/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "cn~^alx";
            certauthz_allow "cn~^alicee";
        }

        location /not-other-start/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "cn!~^bob";
        }

        location /deny-start/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny "uri~^spiffe://example\.com/ns/prod/";
            certauthz_allow all;
        }
    }
--- request eval
["GET /alice/optional/ok.txt", "GET /alice/alternative/ok.txt",
 "GET /alice/repeat/ok.txt", "GET /alice/escaped/ok.txt",
 "GET /alice/class/ok.txt", "GET /alice/other-start/ok.txt",
 "GET /alice/not-other-start/ok.txt", "GET /alice/deny-start/ok.txt",
 "GET /bob/not-other-start/ok.txt"]
--- error_code eval
[200, 200, 200, 200, 200, 403, 200, 403, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: deny", "X-Reason: no-match"]
