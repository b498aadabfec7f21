# certauthz next to auth_basic and allow/deny under "satisfy all | any",
# certauthz_deny_status other than 401/403 under "satisfy any", audit mode.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: satisfy all, certauthz allows, password right: 200
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy all;
            certauthz on;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- more_headers
Authorization: Basic dXNlcjpzZWNyZXQ=
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: allow
X-Reason: allow
!WWW-Authenticate
--- no_error_log
[error]
certauthz: access forbidden



=== TEST 2: satisfy all, certauthz allows, no password: auth_basic's 401
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy all;
            certauthz on;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- request
GET /alice/ok.txt
--- error_code: 401
--- response_headers
X-Result: allow
X-Reason: allow
WWW-Authenticate: Basic realm="certauthz test"
--- no_error_log
certauthz: access forbidden



=== TEST 3: satisfy all, certauthz allows, wrong password: 401
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy all;
            certauthz on;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- more_headers
Authorization: Basic dXNlcjp3cm9uZw==
--- request
GET /alice/ok.txt
--- error_code: 401
--- response_headers
X-Result: allow
WWW-Authenticate: Basic realm="certauthz test"
--- error_log
password mismatch
--- no_error_log
certauthz: access forbidden



=== TEST 4: satisfy all, certauthz denies, password right: 403, logged at error
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy all;
            certauthz on;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- more_headers
Authorization: Basic dXNlcjpzZWNyZXQ=
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_headers
X-Result: deny
X-Reason: no-match
!WWW-Authenticate
--- error_log eval
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log eval
qr/\[info\] .*certauthz/



=== TEST 5: satisfy all, both deny (no password, certificate refused): 403 from certauthz
(the order of access modules is not in the contract; certauthz answers first here)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy all;
            certauthz on;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_headers
X-Result: deny
!WWW-Authenticate
--- error_log eval
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/



=== TEST 6: satisfy any, certauthz allows, no password: 200 without a password prompt
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz on;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: allow
X-Reason: allow
!WWW-Authenticate
--- no_error_log
[error]
certauthz: access forbidden



=== TEST 7: satisfy any, certauthz denies, password right: 200, denial logged at info only
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz on;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- more_headers
Authorization: Basic dXNlcjpzZWNyZXQ=
--- request
GET /bob/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
X-Reason: no-match
--- error_log eval
qr/\[info\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[error]



=== TEST 8: satisfy any, certauthz denies, no password: 401 with a password prompt
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz on;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- request
GET /bob/ok.txt
--- error_code: 401
--- response_headers
X-Result: deny
X-Reason: no-match
WWW-Authenticate: Basic realm="certauthz test"
--- error_log eval
qr/\[info\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[error]



=== TEST 9: satisfy any, certauthz denies, wrong password: 401; auth_basic logs at error, certauthz does not
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz on;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- more_headers
Authorization: Basic dXNlcjp3cm9uZw==
--- request
GET /bob/ok.txt
--- error_code: 401
--- response_headers
X-Result: deny
WWW-Authenticate: Basic realm="certauthz test"
--- error_log eval
[
qr/\[error\] [^\n]*password mismatch/,
qr/\[info\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/,
]
--- no_error_log eval
qr/\[error\] [^\n]*certauthz/



=== TEST 10: satisfy any, a deny rule refuses, password right: 200, rule logged at info
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz on;
            include $TEST_NGINX_SERVER_ROOT/html/rules.conf;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
>>> rules.conf
certauthz_deny ou=Sales;
certauthz_allow all;
--- more_headers
Authorization: Basic dXNlcjpzZWNyZXQ=
--- request
GET /bob/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers eval
"X-Result: deny
X-Reason: deny
X-Rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:1
"
--- error_log eval
qr{\[info\] [^\n]*\Qcertauthz: access forbidden, reason: deny, rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:1, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E}
--- no_error_log
[error]



=== TEST 11: satisfy any, no certificate, password right: 200, no-cert logged at info
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            satisfy any;
            certauthz on;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- more_headers
Authorization: Basic dXNlcjpzZWNyZXQ=
--- request
GET /none/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
X-Reason: no-cert
--- error_log eval
qr/\[info\] [^\n]*\Qcertauthz: access forbidden, reason: no-cert, client: \E/
--- no_error_log
[error]



=== TEST 12: satisfy all, certauthz allows, allow all: 200
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy all;
            certauthz on;
            certauthz_allow cn=alice;
            allow all;
            add_header X-Result $certauthz_result always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: allow
--- no_error_log
[error]



=== TEST 13: satisfy all, certauthz allows, deny all: 403 from the access module
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy all;
            certauthz on;
            certauthz_allow cn=alice;
            deny all;
            add_header X-Result $certauthz_result always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Result: allow
--- error_log
access forbidden by rule
--- no_error_log
certauthz: access forbidden



=== TEST 14: satisfy all, certauthz denies, allow all: 403 from certauthz
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy all;
            certauthz on;
            certauthz_deny cn=bob;
            certauthz_allow all;
            allow all;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_headers
X-Result: deny
X-Reason: deny
--- error_log eval
qr/\[error\] [^\n]*certauthz: access forbidden, reason: deny, rule: \S+:\d+, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: /
--- no_error_log
access forbidden by rule



=== TEST 15: satisfy all, both deny: 403, certauthz's denial at error
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy all;
            certauthz on;
            certauthz_allow cn=alice;
            deny all;
            add_header X-Result $certauthz_result always;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_headers
X-Result: deny
--- error_log eval
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/



=== TEST 16: satisfy any, certauthz allows, deny all: 200
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz on;
            certauthz_allow cn=alice;
            deny all;
            add_header X-Result $certauthz_result always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: allow
--- no_error_log
[error]
certauthz: access forbidden



=== TEST 17: satisfy any, certauthz denies, allow all: 200, denial logged at info only
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
            add_header X-Reason $certauthz_reason always;
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
--- error_log eval
qr/\[info\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[error]



=== TEST 18: satisfy any, both deny: 403, certauthz's denial at info, not at error
(nginx itself logs "access forbidden by rule" at error after the access phase)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz on;
            certauthz_allow cn=alice;
            deny all;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_headers
X-Result: deny
X-Reason: no-match
--- error_log eval
[
qr/\[error\] [^\n]*access forbidden by rule/,
qr/\[info\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/,
]
--- no_error_log eval
qr/\[error\] [^\n]*certauthz/



=== TEST 19: satisfy any inherited from the server: certauthz denies, allow all: 200
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        satisfy any;
        certauthz on;
        certauthz_allow cn=alice;

        location / {
            allow all;
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
qr/\[info\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[error]



=== TEST 20: satisfy any + certauthz_deny_status 404: the right password does not help, the denial is an error, start-up warns
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz on;
            certauthz_allow cn=alice;
            certauthz_deny_status 404;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- more_headers
Authorization: Basic dXNlcjpzZWNyZXQ=
--- request
GET /bob/ok.txt
--- error_code: 404
--- response_headers
X-Result: deny
X-Reason: no-match
!WWW-Authenticate
--- error_log eval
[
qr/\[warn\] [^\n]*certauthz_deny_status 404[^\n]*satisfy any/,
qr/\[error\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/,
]



=== TEST 21: satisfy any + certauthz_deny_status 404: an allowed certificate still passes without a password
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz on;
            certauthz_allow cn=alice;
            certauthz_deny_status 404;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: allow
--- error_log eval
qr/\[warn\] [^\n]*certauthz_deny_status 404[^\n]*satisfy any/
--- no_error_log
certauthz: access forbidden



=== TEST 22: satisfy any + certauthz_deny_status 401: no warning, the password still lets a refused certificate in
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz on;
            certauthz_allow cn=alice;
            certauthz_deny_status 401;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- more_headers
Authorization: Basic dXNlcjpzZWNyZXQ=
--- request
GET /bob/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
X-Result: deny
--- error_log eval
qr/\[info\] [^\n]*\Qcertauthz: access forbidden, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[warn]
[error]



=== TEST 23: satisfy all + certauthz_deny_status 404: no warning
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy all;
            certauthz on;
            certauthz_allow cn=alice;
            certauthz_deny_status 404;
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
--- no_error_log
[warn]



=== TEST 24: satisfy any + audit: a certificate audit would allow does not replace the password
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz audit;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- request
GET /alice/ok.txt
--- error_code: 401
--- response_headers
X-Result: allow
X-Reason: allow
WWW-Authenticate: Basic realm="certauthz test"
--- no_error_log
certauthz: audit
certauthz: access forbidden



=== TEST 25: satisfy any + audit: a would-be denial without password: 401, logged at notice
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz audit;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- request
GET /bob/ok.txt
--- error_code: 401
--- response_headers
X-Result: deny
X-Reason: no-match
WWW-Authenticate: Basic realm="certauthz test"
--- error_log eval
qr/\[notice\] [^\n]*\Qcertauthz: audit: would deny, reason: no-match, subject: "CN=bob,OU=Sales,O=Example Corp", serial: FF01, client: \E/
--- no_error_log
[error]
certauthz: access forbidden



=== TEST 26: satisfy any + audit: a would-be denial with the password: 200
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz audit;
            certauthz_allow cn=alice;
            auth_basic "certauthz test";
            auth_basic_user_file $TEST_NGINX_SERVER_ROOT/html/htpasswd;
            add_header X-Result $certauthz_result always;
        }
    }
--- user_files
>>> htpasswd
user:{PLAIN}secret
--- more_headers
Authorization: Basic dXNlcjpzZWNyZXQ=
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



=== TEST 27: satisfy any + audit + deny all: audit grants nothing, 403
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            satisfy any;
            certauthz audit;
            certauthz_allow cn=alice;
            deny all;
            add_header X-Result $certauthz_result always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Result: allow
--- no_error_log
certauthz: audit
certauthz: access forbidden
