# Validity is checked per request: a certificate that expires while a
# keep-alive connection or a TLS session lives is denied from then on,
# with reason "expired" (nginx checks the dates only in a full handshake).
# The certificate is made when this file runs, valid for $VALID more
# seconds; the front sends the requests below, the third of which takes
# about ten seconds (limit_rate), so the last two come after the
# certificate expired: one on the same upstream connection as the first,
# one on a new connection that resumes the TLS session of the second.
# "certauthz_live off" keeps the expired connection open, so that its next
# request shows the per-request check; with it on (the default), that
# connection is closed at notAfter (t/196-http-live.t).

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

use File::Temp qw(tempdir);

my $VALID = 6;
my $dir = tempdir(CLEANUP => 1);

system('bash', 't/lib/mkshort.sh', $ENV{TEST_NGINX_PKI}, $dir, 'short',
       $VALID) == 0
    or die "t/lib/mkshort.sh failed\n";

$ENV{TEST_NGINX_SHORT} = $dir;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a certificate that expires during a connection and a session is denied from then on
--- user_files eval
">>> slow.txt\n" . ("x" x 10240)
--- http_config
    upstream tls_keepalive {
        server unix:$TEST_NGINX_SERVER_ROOT/tls.sock;
        keepalive 2;
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        ssl_session_cache shared:certauthz_expiry:1m;
        ssl_session_tickets off;

        location / {
            certauthz on;
            certauthz_live off;
            certauthz_allow cn=short;
            add_header X-Reason $certauthz_reason always;
            add_header X-Requests $connection_requests always;
            add_header X-Reused $ssl_session_reused always;
        }
    }
--- config
    location /keep/ {
        proxy_pass https://tls_keepalive/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_ssl_certificate $TEST_NGINX_SHORT/short.pem;
        proxy_ssl_certificate_key $TEST_NGINX_SHORT/short.key;
    }

    location /resume/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/;
        proxy_ssl_session_reuse on;
        proxy_ssl_certificate $TEST_NGINX_SHORT/short.pem;
        proxy_ssl_certificate_key $TEST_NGINX_SHORT/short.key;
    }

    location = /slow.txt {
        limit_rate 1k;
    }
--- timeout: 30
--- request eval
["GET /keep/ok.txt", "GET /resume/ok.txt", "GET /slow.txt",
 "GET /keep/ok.txt", "GET /resume/ok.txt"]
--- error_code eval
[200, 200, 200, 403, 403]
--- response_headers eval
["X-Reason: allow\nX-Requests: 1\nX-Reused: .",
 "X-Reason: allow\nX-Requests: 1\nX-Reused: .",
 "",
 "X-Reason: expired\nX-Requests: 2\nX-Reused: .",
 "X-Reason: expired\nX-Requests: 1\nX-Reused: r"]
