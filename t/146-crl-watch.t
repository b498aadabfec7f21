# Each worker looks at its CRL files on a timer, every
# certauthz_crl_refresh, also when no request comes: the load is logged
# from the timer (no client or request in the line).  And a CRL in force
# whose nextUpdate is near is logged at "warn" (certauthz_crl_warn,
# default 24h), at most once an hour per file.  soon.crl is made when this
# file runs, with a nextUpdate two hours on.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

use File::Temp qw(tempdir);
use JSON::PP ();

my $dir = tempdir(CLEANUP => 1);
my $pki = $ENV{TEST_NGINX_PKI};

my @t = gmtime(time + 2 * 3600);
my $soon = sprintf '%04d%02d%02d%02d%02d%02dZ',
                   $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0];

system('bash', '-c', '. t/lib/crl-ca.sh && crl_ca "$1/db" '
       . '&& crl_gen "$1/db" "$2/int.key" "$2/int.crt" "$1/soon.crl" '
       . '-crl_nextupdate "$3"', 'mksoon', $dir, $pki, $soon) == 0
    or die "cannot make soon.crl\n";

$ENV{TEST_NGINX_SOON} = "$dir/soon.crl";

# TEST 10's files, made by t/lib/mkscope.py (days from now): in
# superseded.crl, the CRL in force (number 11) is three hours from its
# nextUpdate; an older one (10) one hour, an ARL two, a CRL that is never
# used (an unknown critical extension) four, and an old one is stale.  In
# with-delta.crl, the delta CRL in force six hours, its base five (the delta's
# nextUpdate decides), an older delta of that base one.
my @scope = (
    { name => 'ancient', number => 9, this => -400, next => -300 },
    { name => 'old', number => 10, this => -10, next => 1 / 24 },
    { name => 'arl', number => 10, this => -1, next => 2 / 24,
      idp => { only_ca => 1 } },
    { name => 'new', number => 11, this => -1, next => 3 / 24 },
    { name => 'crit', number => 12, this => -0.5, next => 4 / 24,
      crit => 1 },
    { name => 'base', number => 20, this => -2, next => 5 / 24,
      freshest => 1 },
    { name => 'delta-old', number => 21, base => 20, this => -1,
      next => 1 / 24 },
    { name => 'delta', number => 22, base => 20, this => -0.5,
      next => 6 / 24 },
);

open my $py, '|-', '/usr/bin/python3', 't/lib/mkscope.py', $pki, $dir
    or die "mkscope.py: $!\n";
print $py JSON::PP->new->encode(\@scope);
close $py or die "t/lib/mkscope.py failed (python3-cryptography?)\n";

for (['superseded', qw(ancient old arl new crit)],
     ['with-delta', qw(base delta-old delta)])
{
    my ($file, @crls) = @$_;
    open my $out, '>', "$dir/$file.crl" or die "$file.crl: $!\n";
    print $out Certauthz::Test::slurp_or_die("$dir/$_.crl") for @crls;
    close $out or die "$file.crl: $!\n";
}

$ENV{TEST_NGINX_SCOPE} = $dir;

# for --- init: html/DEST becomes a copy of the CRL NAME of t/pki/crl,
# written beside it and renamed, then WAIT seconds pass with no request
sub swap_and_wait {
    my ($dest, $name, $wait) = @_;
    my $root = Certauthz::Test::servroot();

    select undef, undef, undef, 0.2;

    open my $out, '>', "$root/html/$dest.tmp" or die "$dest.tmp: $!\n";
    print $out Certauthz::Test::crl($name);
    close $out or die "$dest.tmp: $!\n";
    rename "$root/html/$dest.tmp", "$root/html/$dest" or die "rename: $!\n";

    select undef, undef, undef, $wait;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a changed CRL is loaded by the timer, before any request asks
--- user_files eval
">>> current.crl\n" . Certauthz::Test::crl('int-empty.crl')
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/current.crl;
            certauthz_crl_refresh 1s;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- init
main::swap_and_wait('current.crl', 'int-alice.crl', 2.2);
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Reason: revoked
--- error_log eval
qr/\[notice\] .*certauthz: loaded CRL file "\S+current\.crl": 1 CRLs, 1 revoked certificates$/



=== TEST 2: a CRL whose nextUpdate is less than 24 hours away is logged at warn
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SOON;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_headers
X-Reason: allow
--- error_log eval
qr/\[warn\] .*certauthz: the CRL of "CN=certauthz Test Intermediate CA,O=certauthz tests" in "\S+soon\.crl" is valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(nextUpdate\), in 1[12]\d min: publish a new one before, or certificates of that issuer are denied \(crl-stale\)$/



=== TEST 3: certauthz_crl_warn 1h: two hours away is no warning yet
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SOON;
            certauthz_crl_warn 1h;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- no_error_log
[warn]



=== TEST 4: the longest certauthz_crl_warn of the locations that name a file counts
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz_crl $TEST_NGINX_SOON;

        location /a/ {
            certauthz on;
            certauthz_crl_warn 1h;
        }

        location / {
            certauthz on;
            certauthz_crl_warn 3h;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- error_log
is valid until



=== TEST 5: a stale CRL in force is logged at warn too, as what it does now
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-stale.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 403
--- response_headers
X-Reason: crl-stale
--- error_log eval
qr/\[warn\] .*certauthz: the CRL of "CN=certauthz Test Intermediate CA,O=certauthz tests" in "\S+int-stale\.crl" was valid until 2020-01-02 00:00:00 UTC \(nextUpdate\): certificates of that issuer are denied \(crl-stale\)$/



=== TEST 6: certauthz_crl_warn 0 warns never
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-stale.crl;
            certauthz_crl_warn 0;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 403
--- no_error_log
[warn]



=== TEST 7: a certauthz_crl_warn that is no time is a configuration error
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-empty.crl;
            certauthz_crl_warn soon;
        }
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"certauthz_crl_warn" directive invalid value in \S+nginx\.conf:\d+/



=== TEST 8: several certauthz_crl files count together, one per CA; a level's own files replace the inherited ones
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        certauthz_crl $TEST_NGINX_PKI/crl/int-alice.crl;
        certauthz_crl $TEST_NGINX_PKI/crl/ed25519-revoked.crl;
        certauthz_crl $TEST_NGINX_PKI/crl/pss-empty.crl;
        add_header X-Reason $certauthz_reason always;

        location / {
            certauthz on;
        }

        location /own/ {
            certauthz on;
            certauthz_crl $TEST_NGINX_PKI/crl/int-empty.crl;
            alias $TEST_NGINX_PKI/www/;
        }
    }
--- request eval
["GET /alice/ok.txt", "GET /bob/ok.txt", "GET /client-ed25519/ok.txt",
 "GET /client-pss/ok.txt", "GET /client-ed448/ok.txt",
 "GET /alice/own/ok.txt", "GET /client-pss/own/ok.txt"]
--- error_code eval
[403, 200, 403, 200, 403, 200, 403]
--- response_headers eval
["X-Reason: revoked", "X-Reason: allow", "X-Reason: revoked",
 "X-Reason: allow", "X-Reason: crl-missing", "X-Reason: allow",
 "X-Reason: crl-missing"]



=== TEST 9: each of several files is reloaded on its own
--- user_files eval
">>> a.crl\n" . Certauthz::Test::crl('int-empty.crl')
. ">>> b.crl\n" . Certauthz::Test::crl('pss-empty.crl')
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/a.crl;
            certauthz_crl $TEST_NGINX_SERVER_ROOT/html/b.crl;
            certauthz_crl_refresh 1s;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- init
main::swap_and_wait('b.crl', 'pss-revoked.crl', 2.2);
--- request
GET /client-pss/ok.txt
--- error_code: 403
--- response_headers
X-Reason: revoked
--- error_log eval
qr/\[notice\] .*certauthz: loaded CRL file "\S+b\.crl": 1 CRLs, 1 revoked certificates$/
--- no_error_log eval
qr/loaded CRL file "\S+a\.crl"/



=== TEST 10: only the CRLs whose nextUpdate decides crl-stale are warned about: not an older CRL that a newer one supersedes, an ARL, a CRL never used, nor a base under its delta
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $TEST_NGINX_SCOPE/superseded.crl;
            certauthz_crl $TEST_NGINX_SCOPE/with-delta.crl;
            add_header X-Reason $certauthz_reason always;
        }
    }
--- request
GET /alice/ok.txt
--- error_code: 200
--- response_headers
X-Reason: allow
--- error_log eval
[qr/\[warn\] .*certauthz: the CRL of "CN=certauthz Test Intermediate CA,O=certauthz tests" in "\S+\/superseded\.crl" is valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(nextUpdate\), in 1[78]\d min: publish a new one before, or certificates of that issuer are denied \(crl-stale\)$/,
 qr/\[warn\] .*certauthz: the CRL of "CN=certauthz Test Intermediate CA,O=certauthz tests" in "\S+\/with-delta\.crl" is valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(nextUpdate\), in 3[56]\d min: publish a new one before, or certificates of that issuer are denied \(crl-stale\)$/]
--- no_error_log eval
[qr/superseded\.crl" is valid until .* in (?!1[78]\d )\d+ min/,
 qr/superseded\.crl" was valid until/,
 qr/with-delta\.crl" is valid until .* in (?!3[56]\d )\d+ min/]
