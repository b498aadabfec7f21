# The $certauthz_* variables (all but $certauthz_xfcc and
# $certauthz_client_cert): certificate fields, verify state and decision,
# over HTTP/1.1 and HTTP/2, where certauthz is off, before the access
# phase, and passed to an upstream.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: single-valued field variables of alice, and verify SUCCESS
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            add_header X-CN $certauthz_cn always;
            add_header X-Subject $certauthz_subject always;
            add_header X-Issuer $certauthz_issuer always;
            add_header X-Serial $certauthz_serial always;
            add_header X-Fingerprint $certauthz_fingerprint always;
            add_header X-Verify $certauthz_verify always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers eval
"X-CN: alice
X-Subject: " . Certauthz::Test::expected('alice', 'subject') . "
X-Issuer: " . Certauthz::Test::expected('alice', 'issuer') . "
X-Serial: A1B2C
X-Fingerprint: " . Certauthz::Test::expected('alice', 'fingerprint') . "
X-Verify: SUCCESS
X-Reason: allow"
--- no_error_log
[error]



=== TEST 2: cn, serial and subject of the other certificates (last CN, UTF-8, normalised serial, $ssl_client_s_dn)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            add_header X-CN $certauthz_cn always;
            add_header X-Serial $certauthz_serial always;
            add_header X-Subject $certauthz_subject always;
            add_header X-S-DN $ssl_client_s_dn always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
[map { "GET /$_/ok.txt" }
     qw(bob multicn utf8 bmp univ special highbit big-serial)]
--- error_code eval
[(200) x 8]
--- response_headers eval
my @want = (
    [bob          => 'bob',             'FF01'],
    [multicn      => 'second',          '5002'],
    [utf8         => "J\xc3\xbcrgen M\xc3\xbcller", '5004'],
    [bmp          => "J\xc3\xbcrgen",   '5005'],
    [univ         => "J\xc3\xbcrgen",   '5006'],
    [special      => 'a"b;c=d<e>f',     '5008'],
    [highbit      => 'highbit',         '8A'],
    ['big-serial' => 'big-serial',      '7F0102030405060708090A0B0C0D0E0F10111213'],
);
[map {
    my ($name, $cn, $serial) = @$_;
    my $s = Certauthz::Test::expected($name, 'subject');
    "X-CN: $cn\nX-Serial: $serial\nX-Subject: $s\nX-S-DN: $s\nX-Reason: allow"
} @want]



=== TEST 3: SAN variables: all values joined by "," in certificate order, empty where none
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            add_header X-Email $certauthz_email always;
            add_header X-DNS $certauthz_dns always;
            add_header X-URI $certauthz_uri always;
            add_header X-IP $certauthz_ip always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt", "GET /svc-billing/ok.txt",
 "GET /nosan/ok.txt", "GET /nulemail/ok.txt"]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_headers eval
["X-Email: alice\@example.com,alice.smith\@example.org
X-DNS: alice.example.com,*.alice.example.com
X-URI: spiffe://example.com/ns/prod/sa/alice
X-IP: 10.1.2.3,2001:db8::1
X-Reason: allow",
"X-Email: bob\@example.com
X-DNS: bob.example.com
!X-URI
!X-IP
X-Reason: allow",
"!X-Email
X-DNS: billing.svc.example.com
X-URI: spiffe://example.com/ns/prod/sa/billing
!X-IP
X-Reason: allow",
"!X-Email
!X-DNS
!X-URI
!X-IP
X-Reason: allow",
"X-DNS: nul.example.com
!X-URI
!X-IP
X-Reason: allow"]



=== TEST 4: verify is SUCCESS for a verified certificate and NONE without one, as $ssl_client_verify
--- http_config
    map "$certauthz_verify|$ssl_client_verify" $verify_same {
        "~^(.+)\|\1$"  yes;
        default        no;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            add_header X-Verify $certauthz_verify always;
            add_header X-Same $verify_same always;
            add_header X-CN $certauthz_cn always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /none/ok.txt"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Verify: SUCCESS\nX-Same: yes\nX-CN: alice",
 "X-Verify: NONE\nX-Same: yes\n!X-CN"]



=== TEST 5: verify is FAILED:reason for an unverified certificate (optional_no_ca); fields still set
--- http_config
    map "$certauthz_verify|$ssl_client_verify" $verify_same {
        "~^(.+)\|\1$"  yes;
        default        no;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional_no_ca;

        location / {
            certauthz on;
            add_header X-Verify $certauthz_verify always;
            add_header X-Same $verify_same always;
            add_header X-CN $certauthz_cn always;
            add_header X-Serial $certauthz_serial always;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /mallory/ok.txt
--- error_code: 403
--- response_headers_like
X-Verify: FAILED:.+
X-Same: yes
X-CN: mallory
X-Serial: 6666
X-Result: deny
X-Reason: unverified
--- error_log
certauthz: access forbidden, reason: unverified, subject: "CN=mallory", serial: 6666



=== TEST 6: no certificate, certauthz off: field variables and decision variables empty, verify NONE
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            certauthz off;
            add_header X-CN $certauthz_cn always;
            add_header X-Subject $certauthz_subject always;
            add_header X-Issuer $certauthz_issuer always;
            add_header X-Serial $certauthz_serial always;
            add_header X-Fingerprint $certauthz_fingerprint always;
            add_header X-Email $certauthz_email always;
            add_header X-DNS $certauthz_dns always;
            add_header X-URI $certauthz_uri always;
            add_header X-IP $certauthz_ip always;
            add_header X-Verify $certauthz_verify always;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- request
GET /none/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers
!X-CN
!X-Subject
!X-Issuer
!X-Serial
!X-Fingerprint
!X-Email
!X-DNS
!X-URI
!X-IP
X-Verify: NONE
!X-Result
!X-Reason
!X-Rule
--- no_error_log
[error]



=== TEST 7: no certificate, certauthz on: result deny, reason no-cert, no rule, fields empty
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            certauthz on;
            certauthz_allow all;
            add_header X-CN $certauthz_cn always;
            add_header X-Subject $certauthz_subject always;
            add_header X-Serial $certauthz_serial always;
            add_header X-Email $certauthz_email always;
            add_header X-Verify $certauthz_verify always;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- request
GET /none/ok.txt
--- error_code: 403
--- response_headers
!X-CN
!X-Subject
!X-Serial
!X-Email
X-Verify: NONE
X-Result: deny
X-Reason: no-cert
!X-Rule
--- error_log
certauthz: access forbidden, reason: no-cert, client:



=== TEST 8: result, reason and rule (FILE:LINE of the deciding rule; empty on no-match)
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
certauthz_deny cn=bob;
# alice is an admin
certauthz_allow ou=Admins;
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt", "GET /svc-billing/ok.txt"]
--- error_code eval
[200, 403, 403]
--- response_headers eval
my $rules = "$ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf";
["X-Result: allow\nX-Reason: allow\nX-Rule: $rules:3",
 "X-Result: deny\nX-Reason: deny\nX-Rule: $rules:1",
 "X-Result: deny\nX-Reason: no-match\n!X-Rule"]



=== TEST 9: a deny rule's FILE:LINE is in the denial log line too
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
--- user_files
>>> rules.conf
certauthz_allow ou=Admins;
certauthz_deny cn=bob;
--- request
GET /bob/ok.txt
--- error_code: 403
--- response_headers eval
"X-Rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:2"
--- error_log eval
"certauthz: access forbidden, reason: deny, rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:2, subject: \"CN=bob,OU=Sales,O=Example Corp\", serial: FF01"



=== TEST 10: with no rules a verified certificate passes: result allow, reason allow, no rule
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
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
X-Result: allow
X-Reason: allow
!X-Rule
--- no_error_log
[error]



=== TEST 11: a rule written in nginx.conf itself is named by nginx.conf's path and line
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow cn=alice;
            add_header X-Rule $certauthz_rule always;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_headers_like eval
"X-Rule: \Q$ENV{TEST_NGINX_SERVER_ROOT}\E/conf/nginx\\.conf:[1-9][0-9]*
X-Reason: allow"



=== TEST 12: where certauthz is off the field variables work and the decision variables are empty
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_deny all;

        add_header X-CN $certauthz_cn always;
        add_header X-Serial $certauthz_serial always;
        add_header X-Email $certauthz_email always;
        add_header X-Verify $certauthz_verify always;
        add_header X-Result $certauthz_result always;
        add_header X-Reason $certauthz_reason always;
        add_header X-Rule $certauthz_rule always;

        location /off/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz off;
        }

        location /on/ {
            alias $TEST_NGINX_PKI/www/;
        }
    }
--- request eval
["GET /alice/off/ok.txt", "GET /alice/on/ok.txt"]
--- error_code eval
[200, 403]
--- response_headers eval
["X-CN: alice\nX-Serial: A1B2C\nX-Email: alice\@example.com,alice.smith\@example.org\nX-Verify: SUCCESS\n!X-Result\n!X-Reason\n!X-Rule",
 "X-CN: alice\nX-Serial: A1B2C\nX-Verify: SUCCESS\nX-Result: deny\nX-Reason: deny"]



=== TEST 13: decision variables are empty before the access phase (rewrite), set after it
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            include $TEST_NGINX_SERVER_ROOT/html/rules.conf;

            set $before_result $certauthz_result;
            set $before_reason $certauthz_reason;
            set $before_rule $certauthz_rule;
            set $before_cn $certauthz_cn;

            add_header X-Before "[$before_result][$before_reason][$before_rule][$before_cn]" always;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- user_files
>>> rules.conf
certauthz_deny cn=bob;
certauthz_allow all;
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[200, 403]
--- response_headers eval
my $rules = "$ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf";
["X-Before: [][][][alice]\nX-Result: allow\nX-Reason: allow\nX-Rule: $rules:2",
 "X-Before: [][][][bob]\nX-Result: deny\nX-Reason: deny\nX-Rule: $rules:1"]



=== TEST 14: HTTP/2: every variable of alice
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl $TEST_NGINX_H2_LISTEN;
        $TEST_NGINX_H2
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            include $TEST_NGINX_SERVER_ROOT/html/rules.conf;
            add_header X-Proto $server_protocol always;
            add_header X-CN $certauthz_cn always;
            add_header X-Subject $certauthz_subject always;
            add_header X-Issuer $certauthz_issuer always;
            add_header X-Serial $certauthz_serial always;
            add_header X-Fingerprint $certauthz_fingerprint always;
            add_header X-Email $certauthz_email always;
            add_header X-DNS $certauthz_dns always;
            add_header X-URI $certauthz_uri always;
            add_header X-IP $certauthz_ip always;
            add_header X-Verify $certauthz_verify always;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- user_files
>>> rules.conf
certauthz_deny cn=bob;
certauthz_allow ou=Admins;
--- request
GET /h2/alice/ok.txt
--- error_code: 200
--- response_body
ok
--- response_headers eval
"X-Proto: HTTP/2.0
X-CN: alice
X-Subject: " . Certauthz::Test::expected('alice', 'subject') . "
X-Issuer: " . Certauthz::Test::expected('alice', 'issuer') . "
X-Serial: A1B2C
X-Fingerprint: " . Certauthz::Test::expected('alice', 'fingerprint') . "
X-Email: alice\@example.com,alice.smith\@example.org
X-DNS: alice.example.com,*.alice.example.com
X-URI: spiffe://example.com/ns/prod/sa/alice
X-IP: 10.1.2.3,2001:db8::1
X-Verify: SUCCESS
X-Result: allow
X-Reason: allow
X-Rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:2"
--- no_error_log
[error]



=== TEST 15: HTTP/2: a denial sets result, reason and rule, and is logged
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl $TEST_NGINX_H2_LISTEN;
        $TEST_NGINX_H2
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            include $TEST_NGINX_SERVER_ROOT/html/rules.conf;
            add_header X-Proto $server_protocol always;
            add_header X-CN $certauthz_cn always;
            add_header X-Serial $certauthz_serial always;
            add_header X-Email $certauthz_email always;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- user_files
>>> rules.conf
certauthz_deny cn=bob;
certauthz_allow ou=Admins;
--- request
GET /h2/bob/ok.txt
--- error_code: 403
--- response_headers eval
"X-Proto: HTTP/2.0
X-CN: bob
X-Serial: FF01
X-Email: bob\@example.com
X-Result: deny
X-Reason: deny
X-Rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:1"
--- error_log eval
"certauthz: access forbidden, reason: deny, rule: $ENV{TEST_NGINX_SERVER_ROOT}/html/rules.conf:1, subject: \"CN=bob,OU=Sales,O=Example Corp\", serial: FF01"



=== TEST 16: HTTP/2 without a certificate: verify NONE, fields empty, reason no-cert
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl $TEST_NGINX_H2_LISTEN;
        $TEST_NGINX_H2
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location / {
            certauthz on;
            add_header X-Proto $server_protocol always;
            add_header X-CN $certauthz_cn always;
            add_header X-Subject $certauthz_subject always;
            add_header X-Serial $certauthz_serial always;
            add_header X-Fingerprint $certauthz_fingerprint always;
            add_header X-DNS $certauthz_dns always;
            add_header X-Verify $certauthz_verify always;
            add_header X-Result $certauthz_result always;
            add_header X-Reason $certauthz_reason always;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- request
GET /h2/none/ok.txt
--- error_code: 403
--- response_headers
X-Proto: HTTP/2.0
!X-CN
!X-Subject
!X-Serial
!X-Fingerprint
!X-DNS
X-Verify: NONE
X-Result: deny
X-Reason: no-cert
!X-Rule
--- error_log
certauthz: access forbidden, reason: no-cert, client:



=== TEST 17: variables passed to an upstream with proxy_set_header; a denied request never reaches it
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/up.sock;

        location / {
            return 200 "cn=$http_x_client_cn
serial=$http_x_client_serial
email=$http_x_client_email
verify=$http_x_client_verify
result=$http_x_client_result
reason=$http_x_client_reason
";
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny cn=bob;
            certauthz_allow all;

            proxy_set_header X-Client-CN $certauthz_cn;
            proxy_set_header X-Client-Serial $certauthz_serial;
            proxy_set_header X-Client-Email $certauthz_email;
            proxy_set_header X-Client-Verify $certauthz_verify;
            proxy_set_header X-Client-Result $certauthz_result;
            proxy_set_header X-Client-Reason $certauthz_reason;
            proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/up.sock:;

            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[200, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: deny"]
--- response_body_like eval
["\\Acn=alice
serial=A1B2C
email=alice\@example\\.com,alice\\.smith\@example\\.org
verify=SUCCESS
result=allow
reason=allow
\\z",
"403 Forbidden"]
