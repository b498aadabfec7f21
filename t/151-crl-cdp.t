# CRLs from each client certificate's own CRL Distribution Points:
# "certauthz_crl cdp", tested against the contract of docs/directives.md
# ("CRLs from each certificate's distribution points: cdp", "CRLs from a
# URL", certauthz_crl_cache, certauthz_crl_cdp_allow, certauthz_crl_cdp_max,
# certauthz_crl_cdp_wait, and the stream module).
#
# Not a Test::Nginx file: the PKI is made at test time with t/lib/mkcdp.sh
# (its certificates name http://127.0.0.1:PORT/ca1.crl and /ca2.crl, PORT
# being the CRL server's), each case starts its own nginx in a directory
# of its own on free loopback ports, and the CRL server is a small python
# server written below: it serves www/NAME, logs each request when it
# arrives (time, path, conditional or not) and answers as ctl/NAME says
# ("404 [DELAY]", "delay SECONDS", "hang": until ctl/NAME changes).
# Requests are made with curl as u1 (ca1), u2 (ca2), u3 (ca1, a CDP
# outside the allowed prefix).  Every nginx and server started here is
# stopped at the end, also on failure.
#
#   a. the first request waits for the fetch and is decided by it (u1
#      200, u2 revoked); one fetch per URL; a change is in force within
#      the refresh, without a reload
#   b. two issuers, two URLs; 20 parallel first requests on 4 workers
#      start one fetch
#   c. a slow server: the request waits for it, the worker does not
#   d. a failed fetch ends the wait (crl-missing); a server that never
#      answers: crl-missing after certauthz_crl_cdp_wait
#   e. a URL outside certauthz_crl_cdp_allow is not fetched, said once
#   f. without certauthz_crl_cdp_allow a loopback URL is refused
#   g. certauthz_crl_cdp_max 1
#   h. a restart with the CRL server down decides from the cache
#   i. stream: certauthz_crl cdp in a stream server; and http and stream
#      in one nginx, each with its own main-level directives
#   j. nginx -t refuses bad values

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();
use Certauthz::Proc qw(run tempdir_0755 alive wait_pid free_port wait_for
                       write_file slurp children stop_master
                       nginx_main);

use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

my $pki = $ENV{TEST_NGINX_PKI};
my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = grep { length } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES} // '';
my $python = $ENV{TEST_PYTHON} || 'python3';
my $mkcdp = abs_path('t/lib/mkcdp.sh');

plan skip_all => 'the http module of certauthz is not built'
    unless grep { /ngx_http_certauthz_module/ } @modules;
plan skip_all => 'no curl' unless `curl --version 2>/dev/null` =~ /^curl/;
plan skip_all => "no $python"
    unless `$python -c 'print(1)' 2>/dev/null` =~ /^1/;

my (%nginx, %procs);      # masters and other processes to stop

END { my $rc = $?; cleanup(); $? = $rc; }
$SIG{$_} = sub { cleanup(); exit 1 } for qw(INT TERM HUP PIPE);

# the CRL server's port, then the PKI whose certificates name it
my $cport = free_port();
my $base = "http://127.0.0.1:$cport";
my $url1 = "$base/ca1.crl";
my $url2 = "$base/ca2.crl";
my $url3 = 'http://10.255.255.1/ca1.crl';

my $cdp = tempdir_0755();
my ($rc, $out) = run('bash', $mkcdp, $cdp, $base);
BAIL_OUT("mkcdp.sh: $out") if $rc != 0;
system('chmod', '-R', 'a+rX', $cdp);

# the CRL server's directory: www/, ctl/, requests.log
my $srv = tempdir_0755();
mkdir "$srv/www";
mkdir "$srv/ctl";
write_file("$srv/server.py", server_py());
my $server;

subtest 'a. the first request waits for the fetch; a change is in force'
        . ' within the refresh' => \&case_a;
subtest 'b. two issuers; 20 parallel first requests on 4 workers, one'
        . ' fetch' => \&case_b;
subtest 'c. a slow CRL server: the request waits, the worker does not'
        => \&case_c;
subtest 'd. a failed fetch ends the wait; a silent server: crl-missing'
        . ' after certauthz_crl_cdp_wait' => \&case_d;
subtest 'e. a URL outside certauthz_crl_cdp_allow is not fetched'
        => \&case_e;
subtest 'f. without certauthz_crl_cdp_allow, loopback is refused'
        => \&case_f;
subtest 'g. certauthz_crl_cdp_max 1' => \&case_g;
subtest 'h. a restart with the CRL server down decides from the cache'
        => \&case_h;

if (grep { /ngx_stream_certauthz_module/ } @modules) {
    subtest 'i. stream: certauthz_crl cdp in a stream server' => \&case_i;
    subtest 'i2. http and stream side by side, each with its own'
            . ' certauthz_crl_cache, certauthz_crl_cdp_allow and'
            . ' certauthz_crl_cdp_wait' => \&case_i2;
} else {
    diag 'the stream module of certauthz is not built: case i skipped';
}

subtest 'j. nginx -t refuses bad values' => \&case_j;

done_testing();

sub case_a {
    serve(ca1 => 'ca1-empty', ca2 => 'ca2-u2');
    my $n = certauthz(wait => '5s', refresh => '1s') or return;

    my ($code, $t) = request($n, 'u1');
    is($code, 200, 'u1\'s first request: 200' . took($t));
    cmp_ok($t, '<', 2.5, 'it waited for the fetch only, not for the'
                         . ' certauthz_crl_cdp_wait of 5 s');

    ($code, $t) = request($n, 'u2');
    is($code, 403, 'u2\'s first request: 403' . took($t));
    like(error_log($n), qr/access forbidden, reason: revoked, .*CN=u2/,
         'logged with the reason revoked');
    unlike(error_log($n), qr/reason: crl-missing/, 'nothing crl-missing');

    my @r = requests();
    is(scalar(grep { $_->{path} eq '/ca1.crl' && !$_->{cond} } @r), 1,
       'ca1.crl fetched once (unconditionally)');
    is(scalar(grep { $_->{path} eq '/ca2.crl' && !$_->{cond} } @r), 1,
       'ca2.crl fetched once (unconditionally)');
    is(count(error_log($n), qr/certauthz: loaded CRL "\Q$url1\E"/), 1,
       "logged once: loaded CRL \"$url1\"");
    is(count(error_log($n), qr/certauthz: loaded CRL "\Q$url2\E"/), 1,
       "logged once: loaded CRL \"$url2\"");

    ($code) = request($n, 'u1');
    is($code, 200, 'u1 again: 200');

    # the CA publishes a CRL that revokes u1
    my @before = workers($n);
    my $t0 = time;
    swap(ca1 => 'ca1-u1');
    my $took = wait_code($n, 'u1', 403, 6);

    ok(defined $took, 'u1 is refused after ca1.crl changed' . took($took));
    cmp_ok($took // 99, '<=', 3.5,
           'within the refresh of 1 s and a fetch (and slack)');
    like(error_log($n), qr/access forbidden, reason: revoked, .*CN=u1/,
         'u1: reason revoked');
    is(count(error_log($n), qr/certauthz: loaded CRL "\Q$url1\E"/), 2,
       'the changed CRL is logged as loaded');
    is(join(' ', sort(workers($n))), join(' ', sort @before),
       'without a reload: the same workers');
    no_alert($n);

    stop($n);
}

sub case_b {
    serve(ca1 => 'ca1-empty', ca2 => 'ca2-empty');
    ctl(ca1 => 'delay 0.5');     # the requests meet the fetch in flight
    ctl(ca2 => 'delay 0.5');
    my $n = certauthz(workers => 4, reuseport => 1, wait => '5s') or return;

    my @u1 = parallel($n, 'u1', 20);
    is(scalar(grep { $_->[0] == 200 } @u1), 20, '20 parallel first'
       . ' requests of u1: all 200')
        or diag explain \@u1;

    my @u2 = parallel($n, 'u2', 10);
    is(scalar(grep { $_->[0] == 200 } @u2), 10, '10 parallel first'
       . ' requests of u2: all 200')
        or diag explain \@u2;

    my %pids = map { $_ => 1 } access_pids($n);
    cmp_ok(scalar(keys %pids), '>=', 2, 'the requests were served by '
           . scalar(keys %pids) . ' workers');

    my @r = requests();

    for my $p ('/ca1.crl', '/ca2.crl') {
        my @p = grep { $_->{path} eq $p } @r;
        ok(@p >= 1, "$p fetched") or next;
        is(scalar(grep { $_->{t} < $p[0]{t} + 1 } @p), 1,
           "one request for $p in the first second (one fetch per host)");
    }

    is(count(error_log($n), qr/certauthz: loaded CRL "\Q$url1\E"/), 1,
       'ca1.crl loaded once');
    is(count(error_log($n), qr/certauthz: loaded CRL "\Q$url2\E"/), 1,
       'ca2.crl loaded once');
    unlike(error_log($n), qr/reason: /, 'nobody denied')
        or diag join "\n", grep { /certauthz|\[error\]/ }
                          split /\n/, error_log($n);
    no_alert($n);

    stop($n);
}

sub case_c {
    serve(ca1 => 'ca1-empty', ca2 => 'ca2-empty');
    ctl(ca1 => 'delay 2.5');
    my $n = certauthz(workers => 1, wait => '5s') or return;

    my $bg = background($n, 'u1', '/ok.txt');

    ok(wait_for(sub { grep { $_->{path} eq '/ca1.crl' } requests() }, 3),
       'the fetch of ca1.crl is under way');

    my ($code, $t) = request($n, 'u1', '/free/ok.txt');
    is($code, 200, 'meanwhile a location without certauthz answers'
       . took($t));
    cmp_ok($t, '<', 0.5, 'at once: the worker is not blocked');
    ok(alive($bg->{pid}), 'while the first request still waits');

    my ($code1, $t1) = finish($bg);
    is($code1, 200, 'the waiting request: 200 (not crl-missing)'
       . took($t1));
    cmp_ok($t1, '>=', 2.0, 'it took about the server\'s delay of 2.5 s');
    cmp_ok($t1, '<', 4.5, 'and not the whole certauthz_crl_cdp_wait');
    unlike(error_log($n), qr/reason: /, 'nobody denied');
    no_alert($n);

    stop($n);
}

sub case_d {
    serve(ca1 => 'ca1-empty', ca2 => 'ca2-empty');
    ctl(ca1 => '404 0.5');
    my $n = certauthz(wait => '5s') or return;

    my ($code, $t) = request($n, 'u1');
    is($code, 403, 'ca1.crl answers 404: u1 is refused' . took($t));
    cmp_ok($t, '>=', 0.4, 'after the fetch failed (0.5 s)');
    cmp_ok($t, '<', 2.5, 'soon after, not after the wait of 5 s');
    like(error_log($n), qr/access forbidden, reason: crl-missing, .*CN=u1/,
         'reason crl-missing');
    like(error_log($n),
         qr/fetching CRL "\Q$url1\E" failed: the server answered 404/,
         'the failed fetch is logged');
    stop($n);

    # a server that never answers in time
    serve(ca1 => 'ca1-empty', ca2 => 'ca2-empty');
    ctl(ca1 => 'hang');
    $n = certauthz(wait => '1s', http => 'certauthz_crl_fetch_timeout 4s;')
        or return;

    ($code, $t) = request($n, 'u1');
    is($code, 403, 'ca1.crl never comes: u1 is refused' . took($t));
    cmp_ok($t, '>=', 0.8, 'after certauthz_crl_cdp_wait 1s');
    cmp_ok($t, '<', 2.5, 'not after the fetch timeout');
    like(error_log($n), qr/access forbidden, reason: crl-missing, .*CN=u1/,
         'reason crl-missing');
    ok(scalar(grep { $_->{path} eq '/ca1.crl' } requests()),
       'the fetch was under way');

    ctl(ca1 => '');              # the hung answer comes, the worker exits
    stop($n);
}

sub case_e {
    serve(ca1 => 'ca1-empty', ca2 => 'ca2-empty');
    my $n = certauthz(wait => '5s') or return;

    my ($code, $t) = request($n, 'u3');
    is($code, 403, 'u3 (a CDP outside the prefix) first: 403' . took($t));
    cmp_ok($t, '<', 1.5, 'at once, no wait');
    like(error_log($n), qr/access forbidden, reason: crl-missing, .*CN=u3/,
         'reason crl-missing');

    ($code) = request($n, 'u3');
    is($code, 403, 'u3 again: 403');

    is(count(error_log($n),
             qr/\[warn\].*certauthz: CRL distribution point "\Q$url3\E" of a certificate of "[^"]*cdp ca1[^"]*" is not fetched: not under a prefix of certauthz_crl_cdp_allow/),
       1, 'the refusal is logged at warn, once');
    unlike(error_log($n), qr/fetching CRL "\Q$url3\E"/, 'no fetch of it');
    unlike(error_log($n), qr/\[warn\].*"ldap:/,
           'the ldap:// distribution point is skipped, not refused');
    is(scalar(requests()), 0, 'nothing reached the CRL server');

    # ca1's CRL, fetched for u1 from an allowed URL, covers u3 too
    ($code) = request($n, 'u1');
    is($code, 200, 'u1: 200');
    ($code, $t) = request($n, 'u3');
    is($code, 200, 'then u3: 200, decided by ca1\'s CRL in force' . took($t));
    is(count(error_log($n), qr/distribution point "\Q$url3\E"/), 1,
       'still said once');
    no_alert($n);

    stop($n);
}

sub case_f {
    serve(ca1 => 'ca1-empty', ca2 => 'ca2-empty');
    my $n = certauthz(allow => undef, wait => '5s') or return;

    my ($code, $t) = request($n, 'u1');
    is($code, 403, 'u1 (a CDP on 127.0.0.1): 403' . took($t));
    cmp_ok($t, '<', 3, 'not after the whole wait');
    like(error_log($n), qr/access forbidden, reason: crl-missing, .*CN=u1/,
         'reason crl-missing');
    like(error_log($n),
         qr/\[(?:warn|error)\].*"\Q$url1\E".*(?:not public|public address|loopback)/,
         'the log names the URL and says it is not a public address');

    sleep 1.2;                   # a retry, if any
    is(scalar(requests()), 0, 'nothing reached the CRL server');
    no_alert($n);

    stop($n);
}

sub case_g {
    serve(ca1 => 'ca1-empty', ca2 => 'ca2-empty');
    my $n = certauthz(wait => '5s', http => 'certauthz_crl_cdp_max 1;')
        or return;

    my ($code, $t) = request($n, 'u1');
    is($code, 200, 'u1 takes the only slot: 200' . took($t));

    ($code, $t) = request($n, 'u2');
    is($code, 403, 'u2: 403' . took($t));
    cmp_ok($t, '<', 1.5, 'at once');
    like(error_log($n), qr/access forbidden, reason: crl-missing, .*CN=u2/,
         'reason crl-missing');
    ($code) = request($n, 'u2');
    is($code, 403, 'u2 again: 403');

    my $refusal = qr/\[warn\].*certauthz: CRL distribution point "\Q$url2\E" of a certificate of "[^"]*cdp ca2[^"]*" is not fetched: ([^\n]*?)(?:, client: |\n|$)/;
    is(count(error_log($n), $refusal), 1, 'the refusal is logged at warn,'
       . ' once');
    my ($reason) = error_log($n) =~ $refusal;
    like($reason // '', qr/^more distribution points than certauthz_crl_cdp_max/,
         'the reason as the docs say: "more distribution points than '
         . 'certauthz_crl_cdp_max"');
    diag "the refusal's reason: \"$reason\"" if defined $reason;

    is(scalar(grep { $_->{path} eq '/ca2.crl' } requests()), 0,
       'ca2.crl is not fetched');
    no_alert($n);

    stop($n);
}

sub case_h {
    serve(ca1 => 'ca1-empty', ca2 => 'ca2-empty');
    my $n = certauthz(wait => '5s') or return;

    my ($code) = request($n, 'u1');
    is($code, 200, 'u1: 200, ca1.crl fetched');
    ok(wait_for(sub { glob "$n->{dir}/cache/crl-*.crl" }, 2)
       && glob("$n->{dir}/cache/crl-*.meta"), 'cached on disk');

    stop($n);
    stop_server();
    ok(!IO::Socket::INET->new(PeerAddr => "127.0.0.1:$cport",
                              Timeout => 1), 'the CRL server is down');

    my $mark = length error_log($n);
    start($n) or return;

    my $t;
    ($code, $t) = request($n, 'u1');
    is($code, 200, 'after a restart, u1: 200 from the cached CRL'
       . took($t));
    cmp_ok($t, '<', 1, 'at once');

    ($code) = request($n, 'u2');
    is($code, 403, 'u2, never fetched: 403 (the server is down)');

    my $log = substr error_log($n), $mark;
    unlike($log, qr/reason: crl-missing, .*CN=u1/, 'u1 is not crl-missing');
    like($log, qr/reason: crl-missing, .*CN=u2/, 'u2 is crl-missing');
    no_alert($n);

    stop($n);
}

sub case_i {
    serve(ca1 => 'ca1-empty', ca2 => 'ca2-u2');

    my $dir = tempdir_0755();
    my $port = free_port();
    my $echo = free_port();

    my $n = { dir => $dir, port => $port };
    $n->{conf} = conf(1, <<"EOF");
stream {
    certauthz_crl_cache $dir/scache;
    certauthz_crl_cdp_allow $base/;
    certauthz_crl_cdp_wait 5s;

    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $pki/server.crt;
        ssl_certificate_key $pki/server.key;
        ssl_client_certificate $cdp/cas.crt;
        ssl_verify_client on;

        certauthz on;
        certauthz_crl cdp;

        proxy_pass 127.0.0.1:$echo;
    }

    server {
        listen 127.0.0.1:$echo;
        return "hello\\n";
    }
}
EOF
    start($n) or return;

    my $t0 = time;
    my $got = s_client($port, 'u1');
    my $t = time - $t0;
    like($got, qr/^hello$/m, 'u1 gets "hello" from upstream' . took($t));
    cmp_ok($t, '<', 4, 'after the fetch, not the whole wait');

    $got = s_client($port, 'u2');
    unlike($got, qr/hello/, 'u2 is closed without data');
    like(error_log($n), qr/access forbidden, reason: revoked, .*CN=u2/,
         'reason revoked');
    unlike(error_log($n), qr/reason: crl-missing/, 'nothing crl-missing');

    my @r = requests();
    is(scalar(grep { $_->{path} eq '/ca1.crl' } @r), 1, 'ca1.crl fetched once');
    is(scalar(grep { $_->{path} eq '/ca2.crl' } @r), 1, 'ca2.crl fetched once');
    like(error_log($n), qr/certauthz: loaded CRL "\Q$url1\E"/,
         "loaded CRL \"$url1\"");
    ok(glob("$dir/scache/crl-*.crl"), 'cached in the stream block\'s'
       . ' certauthz_crl_cache');
    no_alert($n);

    stop($n);
}

# the main-level directives are per block ("Context: http (stream in the
# stream module)"; "the http and the stream module each fetch a URL that
# both name"): each block its own cache directory and prefixes.  Each
# refusal comes before the other block fetched that URL.
sub case_i2 {
    serve(ca1 => 'ca1-empty', ca2 => 'ca2-empty');

    my $dir = tempdir_0755();
    my $port = free_port();
    my $sport = free_port();
    my $echo = free_port();
    my $tls = <<"EOF";
        ssl_certificate $pki/server.crt;
        ssl_certificate_key $pki/server.key;
        ssl_client_certificate $cdp/cas.crt;
        ssl_verify_client on;
EOF

    mkdir "$dir/www";
    write_file("$dir/www/ok.txt", "ok\n");

    my $n = { dir => $dir, port => $port };
    $n->{conf} = conf(1, <<"EOF");
http {
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    access_log off;

    certauthz_crl_cache $dir/hcache;
    certauthz_crl_cdp_allow $url1;
    certauthz_crl_cdp_wait 5s;

    server {
        listen 127.0.0.1:$port ssl;
$tls
        root $dir/www;

        location / {
            certauthz on;
            certauthz_crl cdp;
        }
    }
}

stream {
    certauthz_crl_cache $dir/scache;
    certauthz_crl_cdp_allow $url2;
    certauthz_crl_cdp_wait 4s;

    server {
        listen 127.0.0.1:$sport ssl;
$tls
        certauthz on;
        certauthz_crl cdp;

        proxy_pass 127.0.0.1:$echo;
    }

    server {
        listen 127.0.0.1:$echo;
        return "hello\\n";
    }
}
EOF
    start($n) or return;

    my $got = s_client($sport, 'u1');
    unlike($got, qr/hello/, 'stream, u1 (ca1.crl, allowed in http only):'
           . ' closed without data');
    like(error_log($n),
         qr/\[warn\].*CRL distribution point "\Q$url1\E" .*is not fetched: not under a prefix of certauthz_crl_cdp_allow/,
         'stream: ca1.crl is not under the stream block\'s prefix');
    like(error_log($n), qr/reason: crl-missing, .*CN=u1/,
         'stream, u1: crl-missing');

    my ($code) = request($n, 'u1');
    is($code, 200, 'http, u1: 200');

    ($code) = request($n, 'u2');
    is($code, 403, 'http, u2 (ca2.crl, allowed in stream only): 403');
    like(error_log($n),
         qr/\[warn\].*CRL distribution point "\Q$url2\E" .*is not fetched: not under a prefix of certauthz_crl_cdp_allow/,
         'http: ca2.crl is not under the http block\'s prefix');

    $got = s_client($sport, 'u2');
    like($got, qr/^hello$/m, 'stream, u2: "hello" (ca2.crl fetched)');

    my @r = requests();
    is(scalar(grep { $_->{path} eq '/ca1.crl' } @r), 1, 'ca1.crl fetched'
       . ' once (by http)');
    is(scalar(grep { $_->{path} eq '/ca2.crl' } @r), 1, 'ca2.crl fetched'
       . ' once (by stream)');

    my $hmeta = join '', map { slurp($_) } glob "$dir/hcache/crl-*.meta";
    my $smeta = join '', map { slurp($_) } glob "$dir/scache/crl-*.meta";
    ok(index($hmeta, $url1) >= 0 && index($hmeta, $url2) < 0,
       'http\'s cache directory holds ca1.crl');
    ok(index($smeta, $url2) >= 0 && index($smeta, $url1) < 0,
       'stream\'s cache directory holds ca2.crl');
    no_alert($n);

    stop($n);
}

sub case_j {
    my $dir = tempdir_0755();
    mkdir "$dir/logs";
    mkdir "$dir/tmp";
    my $port = free_port();

    # (name, http level, location, stream level, the bad line, the
    # message), the bad line being the last line of the config that
    # matches it
    my @cases = (
        [ 'a valid configuration', '', '', '', undef, undef ],
        [ 'a prefix without "/" or ":" after the host',
          "certauthz_crl_cdp_allow http://127.0.0.1;", '', '',
          qr/certauthz_crl_cdp_allow http:\/\/127\.0\.0\.1;/,
          qr/"certauthz_crl_cdp_allow" prefix "http:\/\/127\.0\.0\.1" must name a host, ending with "\/" or ":"/ ],
        [ 'a prefix without a host',
          "certauthz_crl_cdp_allow http://;", '', '',
          qr/certauthz_crl_cdp_allow http:\/\/;/,
          qr/"certauthz_crl_cdp_allow" prefix "http:\/\/" must name a host/ ],
        [ 'certauthz_crl_cdp_max 0', 'certauthz_crl_cdp_max 0;', '', '',
          qr/certauthz_crl_cdp_max 0;/,
          qr/"certauthz_crl_cdp_max" directive invalid value/ ],
        [ 'certauthz_crl_cdp_max 257', 'certauthz_crl_cdp_max 257;', '', '',
          qr/certauthz_crl_cdp_max 257;/,
          qr/"certauthz_crl_cdp_max" directive invalid value/ ],
        [ 'certauthz_crl_cdp_wait twice',
          "certauthz_crl_cdp_wait 1s;\n    certauthz_crl_cdp_wait 2s;", '', '',
          qr/certauthz_crl_cdp_wait 2s;/,
          qr/"certauthz_crl_cdp_wait" directive is duplicate/ ],
        [ 'certauthz_crl_cdp_max after a certauthz_crl cdp', 'AFTER', '', '',
          qr/certauthz_crl_cdp_max 8;/,
          qr/certauthz_crl_cdp_max/ ],
        [ 'certauthz_crl cdp twice in one location', '',
          'certauthz_crl cdp;', '',
          qr/certauthz_crl cdp;/,
          qr/cdp.*twice|twice.*cdp/ ],
        [ 'stream: a prefix without "/" or ":" after the host', '', '',
          "certauthz_crl_cdp_allow https://crl.example.com;",
          qr/certauthz_crl_cdp_allow https:/,
          qr/"certauthz_crl_cdp_allow" prefix "https:\/\/crl\.example\.com" must name a host, ending with "\/" or ":"/ ],
    );

    for my $c (@cases) {
        my ($name, $http, $loc, $stream, $line_re, $msg) = @$c;
        my $after = $http eq 'AFTER';
        $http = '' if $after;

        my $streamblock = grep({ /ngx_stream_certauthz_module/ } @modules)
            ? <<"EOF" : '';
stream {
    $stream
}
EOF
        if ($stream ne '' && $streamblock eq '') {
            diag "$name: skipped, no stream module";
            next;
        }

        my $conf = conf(1, <<"EOF");
http {
    certauthz_crl_cache $dir/cache;
    $http

    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $pki/server.crt;
        ssl_certificate_key $pki/server.key;
        ssl_client_certificate $cdp/cas.crt;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl cdp;
            $loc
        }
    }
@{[ $after ? "    certauthz_crl_cdp_max 8;\n" : '' ]}}
$streamblock
EOF
        my $file = "$dir/nginx.conf";
        write_file($file, $conf);

        my ($rc, $out) = run($nginx, '-t', '-p', "$dir/", '-c', $file);

        if (!defined $msg) {
            is($rc, 0, "$name passes nginx -t") or diag $out;
            next;
        }

        my @lines = split /\n/, $conf;
        my ($line) = reverse grep { $lines[$_ - 1] =~ $line_re } 1 .. @lines;

        isnt($rc, 0, "$name: nginx -t fails");
        like($out, qr/\[emerg\] [^\n]*$msg[^\n]* in \Q$file\E:$line\b/,
             "$name: the message names the file and line $line")
            or diag $out;
    }
}

# nginx with certauthz_crl cdp in location /, none in /free/; options:
# workers, reuseport, allow (default: the CRL server's prefix; undef: no
# certauthz_crl_cdp_allow), wait, refresh, http (more lines at http level)
sub certauthz {
    my (%o) = @_;
    my $dir = tempdir_0755();
    my $port = free_port();
    my $allow = exists $o{allow} ? $o{allow} : "$base/";

    mkdir "$dir/www";
    mkdir "$dir/www/free";
    write_file("$dir/www/ok.txt", "ok\n");
    write_file("$dir/www/free/ok.txt", "free\n");

    my $n = { dir => $dir, port => $port };
    $n->{conf} = conf($o{workers} // 1, <<"EOF");
http {
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;

    log_format pid '\$pid \$status \$request_time \$uri';
    access_log logs/access.log pid;

    certauthz_crl_cache $dir/cache;
@{[ defined $allow ? "    certauthz_crl_cdp_allow $allow;\n" : '' ]}
@{[ $o{wait} ? "    certauthz_crl_cdp_wait $o{wait};\n" : '' ]}
    @{[ $o{http} // '' ]}

    server {
        listen 127.0.0.1:$port ssl@{[ $o{reuseport} ? ' reuseport' : '' ]};
        ssl_certificate $pki/server.crt;
        ssl_certificate_key $pki/server.key;
        ssl_client_certificate $cdp/cas.crt;
        ssl_verify_client on;
        root $dir/www;

        location / {
            certauthz on;
            certauthz_crl cdp;
@{[ $o{refresh} ? "            certauthz_crl_refresh $o{refresh};\n" : '' ]}
        }

        location /free/ {
        }
    }
}
EOF

    return start($n) ? $n : undef;
}

sub conf {
    my ($workers, $body) = @_;
    return nginx_main($workers, @modules) . "\n$body";
}

# starts (or starts again) the nginx of $n; true if it runs
sub start {
    my ($n) = @_;
    my $dir = $n->{dir};

    mkdir "$dir/logs";
    mkdir "$dir/tmp";
    write_file("$dir/nginx.conf", $n->{conf});
    unlink "$dir/logs/nginx.pid";

    my ($rc, $out) = run($nginx, '-p', "$dir/", '-c', "$dir/nginx.conf");

    if ($rc != 0) {
        fail("nginx starts: $out" . slurp("$dir/logs/error.log"));
        return 0;
    }

    $n->{master} = wait_pid("$dir/logs/nginx.pid");

    if (!$n->{master}) {
        fail("nginx starts: no pid: " . slurp("$dir/logs/error.log"));
        return 0;
    }

    $nginx{ $n->{master} } = 1;

    # listening once the master has bound; workers up
    wait_for(sub { children($n->{master}) }, 5);
    return 1;
}

sub stop {
    my ($n) = @_;
    return unless $n && $n->{master};
    stop_master($n->{master});
    delete $nginx{ $n->{master} };
}

sub workers {
    my ($n) = @_;
    return children($n->{master});
}

sub error_log {
    my ($n) = @_;
    return slurp("$n->{dir}/logs/error.log");
}

# the pids of the workers that served requests (access log)
sub access_pids {
    my ($n) = @_;
    return map { /^(\d+) / ? $1 : () }
           split /\n/, slurp("$n->{dir}/logs/access.log");
}

sub no_alert {
    my ($n) = @_;
    my @bad = grep { /\[(alert|crit|emerg)\]|exited on signal/ }
              split /\n/, error_log($n);
    is(join("\n", @bad), '', 'no alert, crit or crash in the error log');
}

sub count {
    my ($text, $re) = @_;
    my $n = () = $text =~ /$re/g;
    return $n;
}

# the CRL server: www/ca1.crl and www/ca2.crl as named (files of the PKI
# made by mkcdp.sh), no ctl, an empty request log; started if it is not
# running
sub serve {
    my (%crl) = @_;

    unlink glob "$srv/ctl/*";
    unlink glob "$srv/www/*";
    swap($_ => $crl{$_}) for keys %crl;
    write_file("$srv/requests.log", '');

    return if $server && alive($server);

    $server = fork // die "fork: $!";

    if ($server == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$srv/server.out";
        open STDERR, '>&', \*STDOUT;
        exec $python, "$srv/server.py", $cport, $srv or POSIX::_exit(127);
    }

    $procs{$server} = 1;

    wait_for(sub {
        IO::Socket::INET->new(PeerAddr => "127.0.0.1:$cport", Timeout => 1)
    }, 5) or BAIL_OUT('the CRL server does not start: '
                      . slurp("$srv/server.out"));
}

sub stop_server {
    return unless $server;
    kill 'KILL', $server;
    waitpid $server, 0;
    delete $procs{$server};
    undef $server;
}

# what the CRL server answers for NAME (ca1, ca2): "404 [DELAY]",
# "delay SECONDS", "hang" (until it changes), '' (serve it)
sub ctl {
    my ($name, $what) = @_;
    write_file("$srv/ctl/$name.crl.tmp", $what);
    rename "$srv/ctl/$name.crl.tmp", "$srv/ctl/$name.crl" or die "rename: $!";
}

# the CRL server publishes ca1.crl (ca2.crl) as the file FILE of the PKI
sub swap {
    my ($name, $file) = @_;
    my $dest = "$srv/www/$name.crl";
    write_file("$dest.tmp", slurp("$cdp/$file.crl"));
    rename "$dest.tmp", $dest or die "rename: $!";
}

# the requests the CRL server had: ({ t, path, cond }, ...)
sub requests {
    my @r;
    for (split /\n/, slurp("$srv/requests.log")) {
        next unless /^(\S+) (\S+) (\d)$/;
        push @r, { t => $1, path => $2, cond => $3 };
    }
    return @r;
}

sub server_py {
    return <<'EOF';
import hashlib, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, DIR = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()


def ctl(name):
    try:
        with open(os.path.join(DIR, 'ctl', name)) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'

    def log_message(self, *args):
        pass

    def answer(self, status, body=b'', headers=()):
        self.send_response(status)
        self.send_header('Content-Type', 'application/pkix-crl')
        self.send_header('Content-Length', str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        name = self.path.lstrip('/')
        cond = int('If-None-Match' in self.headers
                   or 'If-Modified-Since' in self.headers)
        with lock, open(os.path.join(DIR, 'requests.log'), 'a') as f:
            f.write('%.3f %s %d\n' % (time.time(), self.path, cond))

        c = ctl(name)

        if c and c[0] == 'hang':
            end = time.time() + 30
            while time.time() < end and ctl(name) == c:
                time.sleep(0.1)
            c = ctl(name)

        if c and c[0] == 'delay':
            time.sleep(float(c[1]))
        elif c and c[0].isdigit():
            if len(c) > 1:
                time.sleep(float(c[1]))
            return self.answer(int(c[0]), b'no\n')

        path = os.path.join(DIR, 'www', name)
        if '/' in name or not os.path.isfile(path):
            return self.answer(404, b'not found\n')

        with open(path, 'rb') as f:
            body = f.read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]

        if self.headers.get('If-None-Match') == etag:
            self.send_response(304)
            self.send_header('ETag', etag)
            self.end_headers()
            return

        self.answer(200, body, [('ETag', etag)])


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(('127.0.0.1', PORT), Handler).serve_forever()
EOF
}

# a request of NAME (u1, u2, u3) to nginx $n: (status, seconds)
sub request {
    my ($n, $name, $path) = @_;
    $path //= '/ok.txt';
    my $out = `curl -sk --max-time 15 --cert $cdp/$name.pem https://127.0.0.1:$n->{port}$path -o /dev/null -w '%{http_code} %{time_total}'`;
    return $out =~ /^(\d+) ([\d.]+)$/ ? ($1, $2) : (0, 99);
}

# how long until NAME gets STATUS (polled), or undef after SECONDS
sub wait_code {
    my ($n, $name, $want, $seconds) = @_;
    my $t0 = time;
    return wait_for(sub { (request($n, $name))[0] == $want }, $seconds)
           ? time - $t0 : undef;
}

# a request in the background: { pid, out }
sub background {
    my ($n, $name, $path) = @_;
    my $out = "$n->{dir}/bg." . int(rand(1e9));

    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out;
        open STDERR, '>', '/dev/null';
        exec 'curl', '-sk', '--max-time', '15', '--cert', "$cdp/$name.pem",
             "https://127.0.0.1:$n->{port}$path", '-o', '/dev/null',
             '-w', '%{http_code} %{time_total}'
            or POSIX::_exit(127);
    }

    $procs{$pid} = 1;
    return { pid => $pid, out => $out };
}

# (status, seconds) of a background request, once it ends
sub finish {
    my ($bg) = @_;
    waitpid $bg->{pid}, 0;
    delete $procs{ $bg->{pid} };
    return slurp($bg->{out}) =~ /^(\d+) ([\d.]+)$/ ? ($1, $2) : (0, 99);
}

# COUNT requests of NAME at once: ([status, seconds], ...)
sub parallel {
    my ($n, $name, $count) = @_;
    my @bg = map { background($n, $name, '/ok.txt') } 1 .. $count;
    return map { [ finish($_) ] } @bg;
}

# what a stream session of NAME gets (openssl s_client, stdin closed)
sub s_client {
    my ($port, $name) = @_;
    my ($rc, $out) = run('timeout', '10', 'openssl', 's_client', '-quiet',
                         '-connect', "127.0.0.1:$port",
                         '-cert', "$cdp/$name.crt", '-key', "$cdp/$name.key");
    return $out;
}

sub cleanup {
    for my $pid (keys %procs) {
        kill 'KILL', $pid;
        waitpid $pid, 0;
    }
    %procs = ();

    stop_master($_) for grep { alive($_) } keys %nginx;
    %nginx = ();
}

sub took {
    my ($t) = @_;
    return defined $t ? sprintf(' (%.1f s)', $t) : '';
}
