# "certauthz audit": would-be denials pass, are logged at notice and set
# $certauthz_result / $certauthz_reason; inheritance and "certauthz off".

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: audit, no rule matches: 200, "would deny" at notice, nothing at error
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz audit;
            certauthz_allow cn=alice;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
X-Reason: no-match
!X-Rule
--- error_log eval
qr/\[notice\] [^\n]*\Qcertauthz: audit: would deny, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[error]
certauthz: access forbidden



=== TEST 2: audit, a deny rule matches: 200, notice names the rule's file and line
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz audit;
            include $TEST_NGINX_SERVER_ROOT/html/rules.conf;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- user_files
>>> rules.conf
certauthz_allow cn=alice;

certauthz_deny ou=Sales;
certauthz_allow all;
--- request
GET /bob/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers eval
"X-Result: deny
X-Reason: deny
X-Rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:3
"
--- error_log eval
qr{\[notice\] [^\n]*\Qcertauthz: audit: would deny, reason: deny, rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:3, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E}
--- no_error_log
[error]
certauthz: access forbidden



=== TEST 3: audit, no certificate: 200, no-cert at notice without subject and serial
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            certauthz audit;
            certauthz_allow all;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Verify $certauthz_verify always;
        }
    }
--- request
GET /none/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
X-Reason: no-cert
X-Verify: NONE
--- error_log eval
qr/\[notice\] [^\n]*\Qcertauthz: audit: would deny, reason: no-cert, client: \E/
--- no_error_log
[error]
certauthz: access forbidden



=== TEST 4: audit, unverified certificate (optional_no_ca): 200, unverified at notice
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional_no_ca;

        location / {
            certauthz audit;
            certauthz_allow all;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- request
GET /mallory/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
X-Reason: unverified
!X-Rule
--- error_log eval
qr/\[notice\] [^\n]*\Qcertauthz: audit: would deny, reason: unverified, subject: "CN=mallory", serial: 6666, client: \E/
--- no_error_log
[error]
certauthz: access forbidden



=== TEST 5: audit, an allowed certificate: 200 and no notice
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz audit;
            certauthz_allow cn=alice;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: allow
X-Reason: allow
--- no_error_log eval
[
qr/\[(?:error|warn|notice|info)\] [^\n]*certauthz/,
"certauthz: audit",
]



=== TEST 6: audit ignores certauthz_deny_status: still 200
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz audit;
            certauthz_deny_status 404;
            certauthz_allow cn=alice;
            add_header X-Result $certauthz_result always;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
--- error_log eval
qr/\[notice\] [^\n]*\Qcertauthz: audit: would deny, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[error]



=== TEST 7: audit inherits from the server into locations and nested locations, like "on"
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        certauthz audit;
        certauthz_allow cn=alice;
        add_header X-Result $certauthz_result always;
        add_header X-Reason $certauthz_reason always;

        location / {
        }

        location /a/ {
            alias $TEST_NGINX_PKI/www/;

            location /a/deep/ {
                alias $TEST_NGINX_PKI/www/;
            }
        }
    }
--- request eval
["GET /bob/ok.txt", "GET /bob/a/ok.txt", "GET /bob/a/deep/ok.txt"]
--- error_code eval
[200, 200, 200]
--- response_body eval
["ok\n", "ok\n", "ok\n"]
--- response_headers eval
["X-Result: deny\nX-Reason: no-match", "X-Result: deny\nX-Reason: no-match", "X-Result: deny\nX-Reason: no-match"]
--- error_log eval
qr/\[notice\] [^\n]*\Qcertauthz: audit: would deny, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[error]



=== TEST 8: "on" inherited the same way denies (the control for TEST 7)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow cn=alice;
        add_header X-Result $certauthz_result always;

        location /a/ {
            alias $TEST_NGINX_PKI/www/;

            location /a/deep/ {
                alias $TEST_NGINX_PKI/www/;
            }
        }
    }
--- request eval
["GET /bob/a/ok.txt", "GET /bob/a/deep/ok.txt"]
--- error_code eval
[403, 403]
--- response_headers eval
["X-Result: deny", "X-Result: deny"]
--- error_log eval
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
certauthz: audit



=== TEST 9: "certauthz off" in a nested location cancels audit: no decision, no notice, fields still set
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        add_header X-Result $certauthz_result always;
        add_header X-Reason $certauthz_reason always;
        add_header X-CN $certauthz_cn always;

        location / {
            certauthz audit;
            certauthz_allow cn=alice;

            location /off/ {
                certauthz off;
                alias $TEST_NGINX_PKI/www/;
            }
        }
    }
--- request
GET /bob/off/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
!X-Result
!X-Reason
X-CN: bob
--- no_error_log
certauthz: audit
certauthz: access forbidden



=== TEST 10: audit outside, "on" in a nested location: the nested one enforces
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        add_header X-Result $certauthz_result always;

        location / {
            certauthz audit;
            certauthz_allow cn=alice;

            location /on/ {
                certauthz on;
                alias $TEST_NGINX_PKI/www/;
            }
        }
    }
--- request
GET /bob/on/ok.txt
--- error_code: 403
--- response_headers
X-Result: deny
--- error_log eval
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
certauthz: audit



=== TEST 11: "on" outside, audit in a nested location: the nested one only reports
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        add_header X-Result $certauthz_result always;

        location / {
            certauthz on;
            certauthz_allow cn=alice;

            location /audit/ {
                certauthz audit;
                alias $TEST_NGINX_PKI/www/;
            }
        }
    }
--- request
GET /bob/audit/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
--- error_log eval
qr/\[notice\] [^\n]*\Qcertauthz: audit: would deny, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[error]
certauthz: access forbidden



=== TEST 12: audit over HTTP/2: 200, notice
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl $TEST_NGINX_H2_LISTEN;
        $TEST_NGINX_H2
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz audit;
            certauthz_allow cn=alice;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /h2/bob/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
X-Reason: no-match
--- error_log eval
qr/\[notice\] [^\n]*\Qcertauthz: audit: would deny, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[error]



=== TEST 13: an audit location passes the request on (error_page) to an enforcing one that denies: the audit line at notice, then the denial at error, each once
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /audit/ {
            certauthz audit;
            certauthz_allow cn=alice;
            error_page 404 = /admin/;
        }

        location /admin/ {
            certauthz on;
            certauthz_allow cn=alice;
            error_page 404 = /admin/;
        }
    }
--- request
GET /bob/audit/missing
--- error_code: 403
--- grep_error_log eval
qr/\[(?:notice|info|error)\] [^\n]*certauthz: [a-z: ]+/
--- grep_error_log_out eval
qr/\A[^\n]*\[notice\] [^\n]*certauthz: audit: would deny\n[^\n]*\[error\] [^\n]*certauthz: access forbidden\n\z/
