# certauthz_deny_status (values, inheritance, default 403) and the denial
# log: exact line format, its level, once per request across internal
# redirects, silence for allowed requests; plain HTTP is no-cert.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: default deny status is 403
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow cn=alice;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_headers
X-Result: deny
X-Reason: no-match
!X-Rule
--- error_log eval
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/



=== TEST 2: certauthz_deny_status 401
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny_status 401;
            certauthz_deny cn=bob;
            certauthz_allow all;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 401
--- response_headers
X-Result: deny
X-Reason: deny
--- error_log eval
qr/\[error\] [^\n]*certauthz: access forbidden, reason: deny, rule: \S+:\d+, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: /



=== TEST 3: certauthz_deny_status 404, no warning under satisfy all
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny_status 404;
            certauthz_allow cn=alice;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 404
--- response_headers
X-Result: deny
X-Reason: no-match
--- error_log eval
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[warn]



=== TEST 4: certauthz_deny_status 495: nginx's "SSL certificate error" answer (sent as 400, as nginx does for 495)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny_status 495;
            certauthz_allow cn=alice;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 400
--- response_body_like: The SSL certificate error
--- response_headers
X-Result: deny
X-Reason: no-match
--- error_log eval
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/



=== TEST 5: certauthz_deny_status 495 caught by error_page 495: the status really is 495 inside nginx
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        error_page 495 =403 /denied.txt;

        location / {
            certauthz on;
            certauthz_deny_status 495;
            certauthz_allow cn=alice;
            add_header X-Reason $certauthz_reason always;
        }

        location = /denied.txt {
            root $TEST_NGINX_SERVER_ROOT/html;
        }
    }
--- user_files
>>> denied.txt
denied by certauthz
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_body
denied by certauthz
--- error_log eval
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/



=== TEST 6: certauthz_deny_status 496: nginx's "no required SSL certificate" answer (sent as 400)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            certauthz on;
            certauthz_deny_status 496;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /none/ok.txt
--- error_code: 400
--- response_body_like: No required SSL certificate was sent
--- response_headers
X-Result: deny
X-Reason: no-cert
--- error_log eval
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-cert, client: \E/



=== TEST 7: deny status inherited from the server, overridden in a location
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow cn=alice;
        certauthz_deny_status 401;
        add_header X-Reason $certauthz_reason always;

        location / {
        }

        location /a/ {
            alias $TEST_NGINX_PKI/www/;

            location /a/deep/ {
                alias $TEST_NGINX_PKI/www/;
            }
        }

        location /b/ {
            certauthz_deny_status 404;
            alias $TEST_NGINX_PKI/www/;

            location /b/deep/ {
                alias $TEST_NGINX_PKI/www/;
            }
        }
    }
--- request eval
["GET /bob/ok.txt", "GET /bob/a/ok.txt", "GET /bob/a/deep/ok.txt", "GET /bob/b/ok.txt", "GET /bob/b/deep/ok.txt", "GET /alice/b/deep/ok.txt"]
--- error_code eval
[401, 401, 401, 404, 404, 200]
--- response_headers eval
["X-Reason: no-match", "X-Reason: no-match", "X-Reason: no-match", "X-Reason: no-match", "X-Reason: no-match", "X-Reason: allow"]
--- no_error_log
[warn]
[crit]



=== TEST 8: deny status inherited from the http level
--- http_config
    certauthz_deny_status 404;

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow cn=alice;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 404
--- response_headers
X-Reason: no-match
--- error_log eval
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/



=== TEST 9: the denial log line, exactly: level error, reason, rule FILE:LINE, subject, serial
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            include $TEST_NGINX_SERVER_ROOT/html/rules.conf;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- user_files
>>> rules.conf
# certauthz rules of 090-deny-status.t
certauthz_allow cn=alice;

certauthz_deny ou=Sales;
certauthz_allow all;
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_headers eval
"X-Result: deny
X-Reason: deny
X-Rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:4
"
--- error_log eval
qr{\[error\] \d+#\d+: \*\d+ \Qcertauthz: access forbidden, reason: deny, rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:4, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E}



=== TEST 10: the denial log line for no-match has no rule part
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            include $TEST_NGINX_SERVER_ROOT/html/rules.conf;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- user_files
>>> rules.conf
certauthz_allow cn=alice;
certauthz_allow ou=Admins;
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_headers
X-Reason: no-match
!X-Rule
--- error_log eval
qr{\[error\] \d+#\d+: \*\d+ \Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E}
--- no_error_log
rule:



=== TEST 11: the denial log line for no-cert has no subject and no serial
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            certauthz on;
            include $TEST_NGINX_SERVER_ROOT/html/rules.conf;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- user_files
>>> rules.conf
certauthz_allow all;
--- request
GET /none/ok.txt
--- error_code: 403
--- response_headers
X-Reason: no-cert
!X-Rule
--- error_log eval
qr{\[error\] \d+#\d+: \*\d+ \Qcertauthz: access forbidden, reason: no-cert, client: \E}
--- no_error_log
subject: "
serial:



=== TEST 12: the serial in the log is in the field's format (big serial, uppercase hex, no leading zeros)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow cn=alice;
            add_header X-Serial $certauthz_serial always;
        }
    }
--- request eval
["GET /big-serial/ok.txt", "GET /highbit/ok.txt"]
--- error_code eval
[403, 403]
--- response_headers eval
["X-Serial: 7F0102030405060708090A0B0C0D0E0F10111213", "X-Serial: 8A"]
--- error_log eval
qr/\[error\] [^\n]*certauthz: access forbidden, reason: no-match, subject: "CN=(?:big-serial", serial: 7F0102030405060708090A0B0C0D0E0F10111213|highbit", serial: 8A), client: /



=== TEST 13: a denial followed by error_page into a location that denies again is logged once
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow cn=alice;
        error_page 403 /denied.txt;

        location / {
        }

        location = /denied.txt {
            root $TEST_NGINX_SERVER_ROOT/html;
        }
    }
--- user_files
>>> denied.txt
denied by certauthz
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_body_unlike: denied by certauthz
--- grep_error_log eval
qr/certauthz: (?:access forbidden|audit: would deny)/
--- grep_error_log_out
certauthz: access forbidden
--- error_log
http finalize request: 403, "/denied.txt?"



=== TEST 14: a denial followed by error_page into a location without certauthz: page served, logged once
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        error_page 403 /denied.txt;

        location / {
            certauthz on;
            certauthz_allow cn=alice;
        }

        location = /denied.txt {
            root $TEST_NGINX_SERVER_ROOT/html;
        }
    }
--- user_files
>>> denied.txt
denied by certauthz
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_body
denied by certauthz
--- grep_error_log eval
qr/certauthz: (?:access forbidden|audit: would deny)/
--- grep_error_log_out
certauthz: access forbidden



=== TEST 15: a denial followed by error_page into a named location that denies again is logged once
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow cn=alice;
        error_page 403 @denied;

        location / {
        }

        location @denied {
            root $TEST_NGINX_SERVER_ROOT/html;
            try_files /denied.txt =404;
        }
    }
--- user_files
>>> denied.txt
denied by certauthz
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_body_unlike: denied by certauthz
--- grep_error_log eval
qr/certauthz: (?:access forbidden|audit: would deny)/
--- grep_error_log_out
certauthz: access forbidden
--- error_log
test location: "@denied"



=== TEST 16: audit and an index redirect (access phase runs twice): the notice is logged once
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz audit;
            certauthz_allow cn=alice;
            add_header X-Result $certauthz_result always;
        }
    }
--- request
GET /bob/
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
--- grep_error_log eval
qr/certauthz: (?:access forbidden|audit: would deny)/
--- grep_error_log_out
certauthz: audit: would deny
--- error_log
internal redirect: "/index.html?"



=== TEST 17: audit and a try_files redirect: the notice is logged once
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        certauthz audit;
        certauthz_allow cn=alice;
        add_header X-Result $certauthz_result always;

        location / {
        }

        location /t/ {
            try_files /nonexistent.txt /ok.txt;
        }
    }
--- request
GET /bob/t/x
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
--- grep_error_log eval
qr/certauthz: (?:access forbidden|audit: would deny)/
--- grep_error_log_out
certauthz: audit: would deny
--- error_log
internal redirect: "/ok.txt?"



=== TEST 18: satisfy any, allow all and an index redirect: the info line is logged once
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz on;
            certauthz_allow cn=alice;
            allow all;
            add_header X-Result $certauthz_result always;
        }
    }
--- request
GET /bob/
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
--- grep_error_log eval
qr/\[\w+\] [^\n]*certauthz: (?:access forbidden|audit: would deny)/
--- grep_error_log_out eval
qr/\A[^\n]*\[info\] [^\n]*certauthz: access forbidden\n\z/
--- error_log
internal redirect: "/index.html?"



=== TEST 19: once per request, not once per connection or per server: each request logs its denial
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow cn=alice;
        }
    }
--- request eval
["GET /bob/ok.txt", "GET /bob/ok.txt", "GET /bob/"]
--- error_code eval
[403, 403, 403]
--- grep_error_log eval
qr/certauthz: (?:access forbidden|audit: would deny)/
--- grep_error_log_out
certauthz: access forbidden



=== TEST 20: allowed requests log nothing from certauthz above debug (on, audit with index redirect, satisfy any)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        add_header X-Result $certauthz_result always;

        location / {
            certauthz on;
            certauthz_allow cn=alice;
        }

        location /audit/ {
            certauthz audit;
            certauthz_allow cn=alice;
            alias $TEST_NGINX_PKI/www/;
        }

        location /any/ {
            satisfy any;
            deny all;
            certauthz on;
            certauthz_allow cn=alice;
            alias $TEST_NGINX_PKI/www/;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /alice/", "GET /alice/audit/", "GET /alice/any/ok.txt"]
--- error_code eval
[200, 200, 200, 200]
--- response_body eval
["ok\n", "ok\n", "ok\n", "ok\n"]
--- response_headers eval
["X-Result: allow", "X-Result: allow", "X-Result: allow", "X-Result: allow"]
--- no_error_log eval
[
qr/\[(?:emerg|alert|crit|error|warn|notice|info)\] [^\n]*certauthz/,
"[error]",
]



=== TEST 21: plain HTTP (no TLS) to a "certauthz on" location: no-cert, 403
--- config
    location /plain/ {
        certauthz on;
        certauthz_allow all;
        alias $TEST_NGINX_PKI/www/;
        add_header X-Result $certauthz_result always;
        add_header X-Reason $certauthz_reason always;
        add_header X-Verify $certauthz_verify always;
    }
--- request
GET /plain/ok.txt
--- error_code: 403
--- response_headers
X-Result: deny
X-Reason: no-cert
X-Verify: NONE
--- error_log eval
qr{\[error\] \d+#\d+: \*\d+ \Qcertauthz: access forbidden, reason: no-cert, client: \E}



=== TEST 22: plain HTTP (no TLS) in audit mode: 200, no-cert at notice
--- config
    location /plain/ {
        certauthz audit;
        alias $TEST_NGINX_PKI/www/;
        add_header X-Result $certauthz_result always;
        add_header X-Reason $certauthz_reason always;
    }
--- request
GET /plain/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
X-Reason: no-cert
--- error_log eval
qr{\[notice\] \d+#\d+: \*\d+ \Qcertauthz: audit: would deny, reason: no-cert, client: \E}
--- no_error_log
[error]
