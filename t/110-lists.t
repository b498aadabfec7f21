# List files: FIELD=@PATH and FIELD!=@PATH, one value a line, comments,
# white space, normalisation, multi-valued fields, large lists.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: cn=@: comments, blank lines, white space and CR are ignored
--- user_files eval
">>> cns.txt\n# people allowed in\n\n   alice  \r\n#bob\n  # svc-billing\ncarol # a value\n"
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow cn=@$TEST_NGINX_SERVER_ROOT/html/cns.txt;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt", "GET /svc-billing/ok.txt"]
--- error_code eval
[200, 403, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match"]



=== TEST 2: list values are byte for byte: case matters for cn
--- user_files
>>> cns.txt
Alice
BOB
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow cn=@$TEST_NGINX_SERVER_ROOT/html/cns.txt;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[403, 403]
--- response_headers eval
["X-Reason: no-match", "X-Reason: no-match"]



=== TEST 3: serial=@: values are normalised (case, colons, leading zeros)
--- user_files
>>> serials.txt
00:0a:1b:2c
ff01
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow serial=@$TEST_NGINX_SERVER_ROOT/html/serials.txt;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt", "GET /svc-billing/ok.txt"]
--- error_code eval
[200, 200, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: no-match"]



=== TEST 4: serial!=@ denies every serial not on the list
--- user_files
>>> serials.txt
A1B2C
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_deny serial!=@$TEST_NGINX_SERVER_ROOT/html/serials.txt;
            certauthz_allow all;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt"]
--- error_code eval
[200, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: deny"]



=== TEST 5: multi-valued fields: any value on the list (=@), none (!=@)
--- user_files
>>> emails.txt
alice.smith@example.org
carol@example.com
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /in/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_allow email=@$TEST_NGINX_SERVER_ROOT/html/emails.txt;
            add_header X-Reason $certauthz_reason always;
        }

        location /not-in/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_allow email!=@$TEST_NGINX_SERVER_ROOT/html/emails.txt;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /alice/in/ok.txt", "GET /bob/in/ok.txt",
 "GET /alice/not-in/ok.txt", "GET /bob/not-in/ok.txt"]
--- error_code eval
[200, 403, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: allow"]



=== TEST 6: fingerprint=@ with colons and uppercase; ip=@ written non-canonically
--- user_files eval
my $fp = uc Certauthz::Test::expected('bob', 'fingerprint');
$fp =~ s/(..)(?!$)/$1:/g;
">>> fps.txt\n$fp\n>>> ips.txt\n2001:DB8:0:0::1\n"
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow fingerprint=@$TEST_NGINX_SERVER_ROOT/html/fps.txt;
            certauthz_allow ip=@$TEST_NGINX_SERVER_ROOT/html/ips.txt;
            add_header X-Rule $certauthz_rule always;
        }
    }
--- request eval
["GET /bob/ok.txt", "GET /alice/ok.txt", "GET /svc-billing/ok.txt"]
--- error_code eval
[200, 200, 403]
--- response_headers_like eval
["X-Rule: .*/nginx\\.conf:\\d+", "X-Rule: .*/nginx\\.conf:\\d+", "X-Rule: "]



=== TEST 7: a list of 10,000 serials, the same file in two locations
--- user_files eval
">>> serials.txt\n" . CORE::join("", map { sprintf "%X\n", 0x100000 + $_ } 1 .. 9999)
. "ff01\n"
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /a/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_allow serial=@$TEST_NGINX_SERVER_ROOT/html/serials.txt;
            add_header X-Reason $certauthz_reason always;
        }

        location /b/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz on;
            certauthz_deny serial=@$TEST_NGINX_SERVER_ROOT/html/serials.txt;
            certauthz_allow all;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request eval
["GET /bob/a/ok.txt", "GET /alice/a/ok.txt", "GET /bob/b/ok.txt",
 "GET /alice/b/ok.txt"]
--- error_code eval
[200, 403, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: deny",
 "X-Reason: allow"]



=== TEST 8: an empty list (only comments) matches nothing
--- user_files
>>> empty.txt
# nobody yet
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_allow cn=@$TEST_NGINX_SERVER_ROOT/html/empty.txt;
            certauthz_deny cn!=@$TEST_NGINX_SERVER_ROOT/html/empty.txt;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Reason: deny
