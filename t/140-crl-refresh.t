# CRL files reload themselves: each worker looks at the file at most every
# certauthz_crl_refresh and swaps in a changed one between requests, with
# no nginx reload; a file that cannot be loaded keeps the last good CRLs.
#
# One test request makes a sequence of SSI subrequests: requests to the
# TLS server, a WebDAV MOVE that replaces the CRL file atomically
# (/swap/NAME moves html/crl/NAME.crl onto html/crl/current.crl), and
# /sleep, which takes a second when called twice in a row.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

our $Crls = ">>> crl/int-empty.crl\n" . Certauthz::Test::crl('int-empty.crl')
          . ">>> crl/int-alice.crl\n" . Certauthz::Test::crl('int-alice.crl')
          . ">>> crl/garbage.crl\nthis is not a CRL\n";

our $HttpConfig = <<'_EOC_';
    limit_req_zone $server_name zone=sleep:1m rate=1r/s;

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        ssl_session_cache shared:tls:1m;

        error_page 403 /denied.html;

        location / {
            root $TEST_NGINX_SERVER_ROOT/html;
            ssi on;
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/crl/current.crl;
            certauthz_crl_refresh 1s;
        }

        location = /denied.html {
            internal;
            root $TEST_NGINX_SERVER_ROOT/html;
            ssi on;
        }
    }

    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/dav.sock;

        location /crl/ {
            root $TEST_NGINX_SERVER_ROOT/html;
            dav_methods MOVE;
        }
    }

    # limit_req holds back the second of two quick requests by a second;
    # it counts main requests only, so /sleep reaches it through a proxy
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/sleep.sock;
        server_name sleep;

        location = /sleep {
            limit_req zone=sleep burst=5;
            alias $TEST_NGINX_PKI/www/ok.txt;
        }
    }

    upstream tls_keepalive {
        server unix:$TEST_NGINX_SERVER_ROOT/tls.sock;
        keepalive 2;
    }
_EOC_

our $Config = <<'_EOC_';
    location = /page.html {
        root $TEST_NGINX_SERVER_ROOT/html;
        ssi on;
    }

    location /swap/ {
        proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/dav.sock:/crl/;
        proxy_method MOVE;
        proxy_set_header Destination /crl/current.crl;
    }

    location = /sleep {
        proxy_pass http://unix:$TEST_NGINX_SERVER_ROOT/sleep.sock:/sleep;
    }

    location /ka/ {
        proxy_pass https://tls_keepalive/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }

    location /resume/ {
        proxy_pass https://unix:$TEST_NGINX_SERVER_ROOT/tls.sock:/;
        proxy_ssl_session_reuse on;
        proxy_ssl_certificate $TEST_NGINX_PKI/alice.pem;
        proxy_ssl_certificate_key $TEST_NGINX_PKI/alice.key;
    }
_EOC_

our $Pages = <<'_EOC_';
>>> conn.html
ok:<!--# echo var="connection" -->:<!--# echo var="ssl_session_reused" -->:<!--# echo var="certauthz_reason" -->
>>> denied.html
denied:<!--# echo var="connection" -->:<!--# echo var="ssl_session_reused" -->:<!--# echo var="certauthz_reason" -->
_EOC_

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a CRL swapped in revokes alice within the refresh interval, no reload
--- user_files eval
$::Crls . ">>> crl/current.crl\n" . Certauthz::Test::crl('int-empty.crl') . $::Pages . <<'_EOF_'
>>> page.html
<!--# include virtual="/alice/conn.html" wait="yes" -->
<!--# include virtual="/swap/int-alice.crl" wait="yes" -->
<!--# include virtual="/sleep" wait="yes" --><!--# include virtual="/sleep" wait="yes" -->
<!--# include virtual="/alice/conn.html" wait="yes" -->
<!--# include virtual="/bob/conn.html" wait="yes" -->
_EOF_
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- timeout: 10
--- request
GET /page.html
--- error_code: 200
--- response_body_like chomp
^ok:\d+:\.:allow\n+ok\n+ok\n+denied:\d+:\.:revoked\n+ok:\d+:\.:allow\n+$
--- error_log eval
qr/\[notice\] .*certauthz: loaded CRL file "\S+current\.crl": 1 CRLs, 1 revoked certificates/



=== TEST 2: a corrupt replacement keeps the last good CRLs; a later good one is taken
--- user_files eval
$::Crls . ">>> crl/current.crl\n" . Certauthz::Test::crl('int-alice.crl') . $::Pages . <<'_EOF_'
>>> page.html
<!--# include virtual="/alice/conn.html" wait="yes" -->
<!--# include virtual="/swap/garbage.crl" wait="yes" -->
<!--# include virtual="/sleep" wait="yes" --><!--# include virtual="/sleep" wait="yes" -->
<!--# include virtual="/alice/conn.html" wait="yes" -->
<!--# include virtual="/swap/int-empty.crl" wait="yes" -->
<!--# include virtual="/sleep" wait="yes" --><!--# include virtual="/sleep" wait="yes" -->
<!--# include virtual="/alice/conn.html" wait="yes" -->
_EOF_
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- timeout: 10
--- request
GET /page.html
--- error_code: 200
--- response_body_like chomp
^denied:\d+:\.:revoked\n+ok\n+ok\n+denied:\d+:\.:revoked\n+ok\n+ok\n+ok:\d+:\.:allow\n+$
--- error_log eval
[qr/\[error\] .*certauthz: cannot load CRL file "\S+current\.crl": it is neither a PEM nor a valid DER CRL, the last good CRLs stay in force/,
 qr/\[notice\] .*certauthz: loaded CRL file "\S+current\.crl": 1 CRLs, 0 revoked certificates/]



=== TEST 3: the change reaches an open keep-alive connection: certauthz closes it (certauthz_live is on), and the next request, on a new connection, is denied
--- user_files eval
$::Crls . ">>> crl/current.crl\n" . Certauthz::Test::crl('int-empty.crl') . $::Pages . <<'_EOF_'
>>> page.html
<!--# include virtual="/ka/conn.html" wait="yes" -->
<!--# include virtual="/swap/int-alice.crl" wait="yes" -->
<!--# include virtual="/sleep" wait="yes" --><!--# include virtual="/sleep" wait="yes" -->
<!--# include virtual="/ka/conn.html" wait="yes" -->
_EOF_
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- timeout: 10
--- request
GET /page.html
--- error_code: 200
--- response_body_like chomp
^ok:(\d+):\.:allow\n+ok\n+ok\n+denied:(?!\1\n)\d+:\.:revoked\n+$
--- error_log eval
qr/\[error\] .*certauthz: access forbidden, connection closed, reason: revoked, subject: "CN=alice,[^"]*", serial: A1B2C, location: "\/"/



=== TEST 4: the change reaches a resumed TLS session
--- user_files eval
$::Crls . ">>> crl/current.crl\n" . Certauthz::Test::crl('int-empty.crl') . $::Pages . <<'_EOF_'
>>> page.html
<!--# include virtual="/resume/conn.html" wait="yes" -->
<!--# include virtual="/swap/int-alice.crl" wait="yes" -->
<!--# include virtual="/sleep" wait="yes" --><!--# include virtual="/sleep" wait="yes" -->
<!--# include virtual="/resume/conn.html" wait="yes" -->
_EOF_
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- timeout: 10
--- request
GET /page.html
--- error_code: 200
--- response_body_like chomp
^ok:\d+:\.:allow\n+ok\n+ok\n+denied:\d+:r:revoked\n+$



=== TEST 5: a changed file that cannot be read is logged with the failed call and errno, as nginx does, and the last good CRLs stay
--- user_files eval
$::Crls . ">>> crl/current.crl\n" . Certauthz::Test::crl('int-empty.crl') . $::Pages
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- init
my $crl = Certauthz::Test::servroot() . "/html/crl/current.crl";
unlink $crl or die "unlink $crl: $!\n";
mkdir $crl or die "mkdir $crl: $!\n";
select undef, undef, undef, 1.5;
--- request
GET /alice/conn.html
--- error_code: 200
--- response_body_like chomp
^ok:\d+:\.:allow$
--- error_log eval
qr/\[error\] .*certauthz: read\(\) CRL file "\S+current\.crl" failed, the last good CRLs stay in force \(21: Is a directory\)/



=== TEST 6: with certauthz_live off, the change reaches the next request on the same keep-alive connection (rules whose outcome the connection keeps): allowed on it, then denied on it
--- user_files eval
$::Crls . ">>> crl/current.crl\n" . Certauthz::Test::crl('int-empty.crl') . $::Pages . <<'_EOF_'
>>> page.html
<!--# include virtual="/ka/conn.html" wait="yes" -->
<!--# include virtual="/ka/conn.html" wait="yes" -->
<!--# include virtual="/swap/int-alice.crl" wait="yes" -->
<!--# include virtual="/sleep" wait="yes" --><!--# include virtual="/sleep" wait="yes" -->
<!--# include virtual="/ka/conn.html" wait="yes" -->
<!--# include virtual="/ka/conn.html" wait="yes" -->
_EOF_
--- http_config eval
(my $c = $::HttpConfig)
    =~ s/(certauthz_crl_refresh 1s;)/$1\n            certauthz_live off;\n            certauthz_allow cn=alice;/;
$c
--- config eval: $::Config
--- timeout: 10
--- request
GET /page.html
--- error_code: 200
--- response_body_like chomp
^ok:(\d+):\.:allow\n+ok:\1:\.:allow\n+ok\n+ok\n+denied:\1:\.:revoked\n+denied:\1:\.:revoked\n+$
--- no_error_log
connection closed
