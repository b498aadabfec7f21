# CRLs that fetch themselves: "certauthz_crl http://..." and "https://...",
# tested against the contract of docs/directives.md ("CRLs from a URL",
# certauthz_crl_cache, certauthz_crl_fetch_timeout,
# certauthz_crl_fetch_max_size, certauthz_crl_fetch_trusted_certificate).
#
# Not a Test::Nginx file: each case starts its own nginx with certauthz
# (TLS, client certificates, a CRL URL, certauthz_crl_refresh 1s) in a
# directory of its own on a free loopback port, and a CRL server: a second
# nginx serving static files (which answers 304 to If-None-Match and
# If-Modified-Since), or t/lib/crlserver.py for the odd answers (404, 500,
# a redirect loop, an HTML page, a short answer, a large one, a slow one, a
# CRL signed by another key).  Requests are made with curl as alice (whom
# int-alice.crl revokes) and bob (whom no CRL revokes).  Every nginx and
# server started here is stopped at the end, also on failure.
#
#   a. a first fetch, then conditional fetches (304), a change is in force
#      within the refresh without a reload, the cache on disk
#   b. one fetch per host, not one per worker (worker_processes 4)
#   c. each fault keeps the last good CRLs, is logged once, and its end is
#      logged (in parallel: one nginx and one server per fault)
#   d. a failing server is retried with backoff
#   e. a restart while the server is down starts with the cached CRLs
#   f. the first start with the server down: crl-missing until it answers
#   g. https: the server's certificate and name are verified
#   h. two nginx instances on one server converge
#   i. nginx -t refuses a bad URL
#
# In a and c the certauthz nginx also answers certauthz_metrics (location =
# /metrics in its TLS server): the fetches by outcome against the CRL
# server's log, the bytes, the last success, the loads, the errors by cause;
# and promtool (CERTAUTHZ_PROMTOOL, or in PATH; skipped without it) accepts
# each scrape.

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();
use Certauthz::Proc qw(run tempdir_0755 alive wait_pid free_port wait_for
                       write_file slurp children stop_master
                       nginx_main parse_metrics);

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
my $promtool = $ENV{CERTAUTHZ_PROMTOOL}
               || (grep { -x } map { "$_/promtool" } split /:/, $ENV{PATH})[0];
my $crlserver = abs_path('t/lib/crlserver.py');

plan skip_all => 'the http module of certauthz is not built'
    unless grep { /ngx_http_certauthz_module/ } @modules;
plan skip_all => 'no curl' unless `curl --version 2>/dev/null` =~ /^curl/;
plan skip_all => "no $python"
    unless `$python -c 'print(1)' 2>/dev/null` =~ /^1/;

my %nginx;      # master pid => 1, of every nginx started here
my %server;     # pid => 1, of every crlserver.py started here

END { cleanup(); }
$SIG{$_} = sub { cleanup(); exit 1 } for qw(INT TERM HUP PIPE);

my $t_start = time;

subtest 'a. a first fetch, conditional fetches, a change without a reload'
    => \&case_a;
subtest 'b. one fetch per host with four workers' => \&case_b;
case_c();
subtest 'd. a failing server is retried with backoff' => \&case_d;
subtest 'e. a restart while the server is down: the cached CRLs'
    => \&case_e;
subtest 'f. the first start while the server is down: crl-missing, then '
        . 'the first fetch' => \&case_f;
subtest 'g. https: the server is verified' => \&case_g;
subtest 'h. two nginx instances, one server' => \&case_h;
subtest 'i. nginx -t refuses a bad URL' => \&case_i;

diag sprintf 'took %.1f s', time - $t_start;

done_testing();

sub case_a {
    my $s = crl_nginx(files => { 'int.crl' => 'int-empty.crl' }) or return;
    my $url = "http://127.0.0.1:$s->{port}/int.crl";

    my $t0 = time;
    my $n = certauthz(url => $url, metrics => 1) or return;

    my $took = wait_status($n, 'alice', 200, 3 - (time - $t0));
    ok(defined $took, 'alice 200 within 3 s of the start: int-empty fetched'
                      . took(defined $took ? time - $t0 : undef));
    is(status($n, 'bob'), 200, 'bob 200');
    ok(wait_for(sub {
           error_log($n)
               =~ /\[notice\] .*certauthz: loaded CRL "\Q$url\E": 1 CRLs?, 0 revoked/
       }, 1), 'the load is logged at notice, naming the URL');

    ok(wait_for(sub { grep { $_->{status} == 304 } access($s) }, 3),
       'then the server answers a conditional fetch 304');

    my @req = access($s);
    is($req[0]{status}, 200, 'the first fetch: 200');
    my @later = @req[1 .. $#req];
    ok(@later && !grep({ $_->{inm} eq '-' || $_->{ims} eq '-' } @later),
       'every later fetch has If-None-Match and If-Modified-Since')
        or diag explain \@req;
    ok(!grep({ $_->{status} != 304 } @later),
       'and is answered 304 while the file is unchanged')
        or diag explain \@req;

    my ($crl) = glob "$n->{dir}/cache/crl-*.crl";
    my ($meta) = glob "$n->{dir}/cache/crl-*.meta";
    ok($crl && $meta, 'the cache holds crl-HASH.crl and crl-HASH.meta');

    my @st = stat "$n->{dir}/cache";
    my $nobody = getpwnam('nobody');
    is($st[4], $nobody, "nginx made the cache directory, owned by the "
                        . "workers' user (nobody)");
    is(sprintf('%o', $st[2] & 0077), '0', 'closed to the others');
    is(slurp($crl // ''), Certauthz::Test::crl('int-empty.crl'),
       'crl-HASH.crl is the fetched CRL');
    like(slurp($meta // ''), qr/\Q$url\E/, 'crl-HASH.meta names the URL');

    # nginx's ETag: "MTIME-SIZE" in hex
    my @f = stat "$s->{dir}/www/int.crl";
    my $etag = sprintf '%x-%x', $f[9], $f[7];
    like(slurp($meta // ''), qr/\Q$etag\E/, "and its ETag ($etag)");

    my $mark = length error_log($n);
    swap("$s->{dir}/www/int.crl", 'int-alice.crl');

    $took = wait_status($n, 'alice', 403, 1 + 2);
    ok(defined $took, 'int-alice published: alice 403 within the refresh + '
                      . '2 s' . took($took));
    is(status($n, 'bob'), 200, 'bob still 200');

    my $log = substr error_log($n), $mark;
    like($log, qr/certauthz: access forbidden, reason: revoked, subject: "CN=alice,/,
         'alice is denied: revoked');
    like($log,
         qr/\[notice\] .*certauthz: loaded CRL "\Q$url\E": 1 CRLs?, 1 revoked/,
         'the change is logged as a load, naming the URL');
    unlike($log, qr/reconfiguring|\[error\].*fetching CRL/,
           'without a reload, and without a failed fetch');

    wait_for(sub { slurp($crl // '') eq Certauthz::Test::crl('int-alice.crl') },
             2);
    is(slurp($crl // ''), Certauthz::Test::crl('int-alice.crl'),
       'the cache holds the new CRL');

    # a 304 after the change too, then the metrics, then the server's log
    # (the fetches go on meanwhile)
    wait_for(sub { my @r = access($s); @r > 1 && $r[-1]{status} == 304
                   && grep { $_->{status} == 200 } @r[1 .. $#r] }, 3);

    my $scrape = scrape($n);
    my @m = parse_metrics($scrape);
    my @ours = grep { $_->{uri} eq '/int.crl' } access($s);
    my $ok = grep { $_->{status} == 200 } @ours;
    my $nm = grep { $_->{status} == 304 } @ours;
    my %f = (file => $url);

    ok(length $scrape, 'a scrape of /metrics');
    is($ok, 2, 'the CRL server answered 200 twice: the first, the change')
        or diag explain \@ours;
    is(sample(\@m, 'certauthz_crl_fetches_total', %f, outcome => 'updated'),
       $ok, 'certauthz_crl_fetches_total{outcome="updated"}: the 200s '
            . "($ok)");

    my $got = sample(\@m, 'certauthz_crl_fetches_total', %f,
                     outcome => 'not_modified');
    cmp_ok($nm, '>=', 2, "the CRL server answered 304 a few times ($nm)");
    ok(defined $got && abs($got - $nm) <= 1,
       'certauthz_crl_fetches_total{outcome="not_modified"}: the 304s, '
       . 'give or take the one in flight (' . ($got // 'none')
       . " against $nm)");
    is(sample(\@m, 'certauthz_crl_fetches_total', %f, outcome => 'error'),
       0, 'certauthz_crl_fetches_total{outcome="error"}: 0');

    my @causes = grep { $_->{name} eq 'certauthz_crl_fetch_errors_total'
                        && $_->{labels}{file} eq $url } @m;
    ok(@causes && !grep({ $_->{value} != 0 } @causes),
       'certauthz_crl_fetch_errors_total: ' . scalar(@causes)
       . ' causes, all 0') or diag $scrape;

    my $bytes = length(Certauthz::Test::crl('int-empty.crl'))
              + length(Certauthz::Test::crl('int-alice.crl'));
    is(sample(\@m, 'certauthz_crl_fetch_bytes_total', %f), $bytes,
       "certauthz_crl_fetch_bytes_total: the sizes of the two CRLs ($bytes)");

    my $last = sample(\@m, 'certauthz_crl_fetch_last_success_seconds', %f);
    ok(defined $last && abs($last - time) <= 3,
       'certauthz_crl_fetch_last_success_seconds: within 3 s of now ('
       . (defined $last ? sprintf('%+.1f s', $last - time) : 'none') . ')');

    my $loads = () = error_log($n) =~ /certauthz: loaded CRL "\Q$url\E"/g;
    is($loads, 2, 'two loads logged: the first fetch, the change');
    is(sample(\@m, 'certauthz_crl_loads_total', %f, outcome => 'ok'),
       $loads, 'certauthz_crl_loads_total{outcome="ok"}: the loads (the '
               . 'configuration loaded none: no cached copy at the start)');
    is(sample(\@m, 'certauthz_crl_loads_total', %f, outcome => 'error'),
       0, 'certauthz_crl_loads_total{outcome="error"}: 0');

    promtool_accepts($scrape);

    stop($n);
    stop($s);
    no_alert($n);
}

sub case_b {
    my $s = crl_nginx(files => { 'int.crl' => 'int-empty.crl' }) or return;
    my $url = "http://127.0.0.1:$s->{port}/int.crl";

    my $n = certauthz(url => $url, workers => 4) or return;
    is(scalar workers($n, 4), 4, 'four workers');

    ok(defined wait_status($n, 'alice', 200, 3), 'alice 200: fetched');

    my $before = () = access($s);
    sleep 5;
    my $seen = access($s) - $before;

    cmp_ok($seen, '>=', 3, "in 5 s with refresh 1s, $seen fetches: "
                           . 'at least 3');
    cmp_ok($seen, '<=', 8, 'and at most 8: one host, not one per worker');

    my @loads = error_log($n) =~ /certauthz: loaded CRL "\Q$url\E"/g;
    is(scalar @loads, 1, 'the load is logged once for the host');

    # a change: fetched once, in force in every worker (reuseport spreads
    # the connections over the workers; the access log names the worker)
    $before = () = access($s);
    swap("$s->{dir}/www/int.crl", 'int-alice.crl');
    ok(defined wait_status($n, 'alice', 403, 1 + 2),
       'int-alice published: alice 403 within the refresh + 2 s');

    my $mark = () = served($n);
    my %by_worker;
    for my $i (1 .. 60) {
        status($n, 'alice');
        my @r = served($n);
        $by_worker{ $_->{pid} }{ $_->{status} }++ for @r[$mark .. $#r];
        $mark = @r;
        last if keys %by_worker >= 4 && $i >= 20;
    }
    is(scalar keys %by_worker, 4, 'alice\'s requests reached all four workers');
    ok(!grep({ keys %$_ != 1 || !$_->{403} } values %by_worker),
       'and every worker denied her') or diag explain \%by_worker;

    # once; twice only where a holder stalled for the lease's second and
    # another worker took over (the design's answer to a stuck worker,
    # logged at notice), which a loaded machine can cause
    my @all = (access($s))[$before .. access($s) - 1];
    my @got = grep { $_->{status} == 200 } @all;
    my $takeover = error_log($n) =~ /this worker takes over/;
    ok(@got == 1 || (@got == 2 && $takeover),
       'the changed CRL was fetched once (one 200)'
       . ($takeover ? ' (a lease was taken over: twice allowed)' : ''))
        or diag explain { answers => \@all,
                          log => [ error_log($n) =~ /^(.*certauthz.*)$/mg ] };

    stop($n);
    stop($s);
    no_alert($n);
}

# every fault at once, each with its nginx and its server: int-alice
# served and in force, then the fault for 3 s, then "ok" again
sub case_c {
    # the fault, its cause in the log, its cause in the metrics
    my @faults = (
        [ '404',       qr/the server answered 404/, 'status' ],
        [ '500',       qr/the server answered 500/, 'status' ],
        [ 'loop',      qr/redirect/i, 'redirect' ],
        [ 'html',      qr/neither a PEM nor a valid DER CRL/, 'not_a_crl' ],
        [ 'truncated', qr/shorter than its Content-Length/, 'truncated' ],
        [ 'big',       qr/larger than 16384 bytes/, 'too_large' ],
        [ 'slow',      qr/timed out/, 'timeout' ],
        [ 'wrongkey',  qr/does not verify with the key of any trusted CA/,
                       'signature' ],
        [ 'killed',    qr/connect/i, 'connect' ],
    );

    my @c;

    for my $f (@faults) {
        my $c = { fault => $f->[0], cause => $f->[1], metric => $f->[2] };
        $c->{s} = crlserver(crl => 'int-alice.crl');
        $c->{url} = "http://127.0.0.1:$c->{s}{port}/crl" if $c->{s};
        $c->{n} = certauthz(url => $c->{url}, metrics => 1,
                            http => <<'EOF') if $c->{s};
    certauthz_crl_fetch_timeout 1s;
    certauthz_crl_fetch_max_size 16k;
EOF
        push @c, $c;
    }

    # int-alice in force everywhere: alice revoked, bob allowed
    for my $c (grep { $_->{n} } @c) {
        $c->{ready} = defined wait_status($c->{n}, 'bob', 200, 5)
                      && status($c->{n}, 'alice') == 403;
    }

    for my $c (grep { $_->{ready} } @c) {
        $c->{mark} = length error_log($c->{n});
        $c->{reqs} = () = requests($c->{s});

        if ($c->{fault} eq 'killed') {
            stop_server($c->{s});
        } else {
            mode($c->{s}, $c->{fault});
        }
    }

    # 3 s of faults: alice stays 403, bob 200
    my $t0 = time;
    while (time - $t0 < 3) {
        for my $c (grep { $_->{ready} } @c) {
            my $al = status($c->{n}, 'alice');
            my $bo = status($c->{n}, 'bob');
            push @{ $c->{wrong} }, sprintf('%.1f s: alice %s, bob %s',
                                           time - $t0, $al, $bo)
                if $al != 403 || $bo != 200;
        }
        sleep 0.2;
    }

    for my $c (grep { $_->{ready} } @c) {
        $c->{window} = substr error_log($c->{n}), $c->{mark};
        $c->{fault_reqs} = requests($c->{s}) - $c->{reqs};

        if ($c->{fault} eq 'killed') {
            $c->{s} = crlserver(crl => 'int-alice.crl',
                                port => $c->{s}{port}, dir => $c->{s}{dir});
        } else {
            mode($c->{s}, 'ok');
        }
    }

    # "ok" again: the end of the fault is logged
    for my $c (grep { $_->{ready} } @c) {
        wait_for(sub { error_log($c->{n}) =~ /fetched CRL "\Q$c->{url}\E" again/ },
                 5);
    }

    for my $c (@c) {
        subtest "c. fault $c->{fault}: the last good CRLs stay, logged once"
            => sub { fault_checks($c) };
    }
}

sub fault_checks {
    my ($c) = @_;
    my $n = $c->{n};
    my $url = $c->{url} // '';

    ok($c->{ready}, 'int-alice fetched and in force before the fault: '
                    . 'alice 403, bob 200')
        or return;

    ok(!$c->{wrong}, 'for 3 s of the fault alice stays 403 and bob 200')
        or diag join "\n", @{ $c->{wrong} };

    cmp_ok($c->{fault_reqs}, '>=', 1, "the server saw the fault's fetches "
                                      . "($c->{fault_reqs})")
        unless $c->{fault} eq 'killed';

    my @fails = $c->{window} =~ /^(.*certauthz: fetching CRL .*)$/mg;
    is(scalar @fails, 1, 'the failure is logged exactly once in those 3 s')
        or diag join "\n", @fails;

    like($fails[0] // '',
         qr/\[error\] .*certauthz: fetching CRL "\Q$url\E" failed: .+, the last good CRLs stay in force/,
         'at error, naming the URL, the last good CRLs stay in force');

    my ($cause) = ($fails[0] // '') =~ /failed: (.*), the last good/;
    like($cause // '', $c->{cause}, 'the cause: ' . ($cause // '(none)'));

    my $log = substr error_log($n), $c->{mark};
    my @again = $log =~ /^(.*certauthz: fetched CRL "\Q$url\E" again after .*)$/mg;
    is(scalar @again, 1, '"ok" again: the end of the fault is logged once');
    like($again[0] // '',
         qr/\[notice\] .*fetched CRL "\Q$url\E" again after \d+ failed fetch/,
         'at notice: fetched CRL "URL" again after N failed fetches');

    my ($failed) = ($again[0] // '') =~ /again after (\d+) failed/;
    cmp_ok($failed // 0, '>=', 1, 'N: ' . ($failed // '?'));
    cmp_ok($failed // 0, '<=', $c->{fault_reqs} + 1,
           "N is at most the fetches that the server saw")
        unless $c->{fault} eq 'killed';

    my @fails_all = $log =~ /certauthz: fetching CRL .* failed/g;
    is(scalar @fails_all, 1, 'and no other failure logged');

    is(status($n, 'alice'), 403, 'then alice 403');
    is(status($n, 'bob'), 200, 'bob 200');

    my $scrape = scrape($n);
    my @m = parse_metrics($scrape);
    my %f = (file => $url);

    my $errors = sample(\@m, 'certauthz_crl_fetches_total', %f,
                        outcome => 'error');
    cmp_ok($errors // 0, '>=', 1, 'certauthz_crl_fetches_total'
                                  . '{outcome="error"} >= 1 ('
                                  . ($errors // 'none') . ')')
        or diag $scrape;

    my %cause = map { $_->{labels}{cause} => $_->{value} }
                grep { $_->{name} eq 'certauthz_crl_fetch_errors_total'
                       && $_->{labels}{file} eq $url } @m;
    cmp_ok($cause{ $c->{metric} } // 0, '>=', 1,
           "certauthz_crl_fetch_errors_total{cause=\"$c->{metric}\"} >= 1 ("
           . ($cause{ $c->{metric} } // 'none') . ')');

    my @other = map { "$_=$cause{$_}" }
                grep { $_ ne $c->{metric} && $cause{$_} } sort keys %cause;
    is("@other", '', 'the other causes stay 0');

    my $sum = 0;
    $sum += $_ for values %cause;
    is($sum, $errors // 0, 'the causes add up to outcome="error"');

    promtool_accepts($scrape);

    stop($n);
    stop_server($c->{s});
    no_alert($n);
}

sub case_d {
    my $s = crlserver(crl => 'int-alice.crl', mode => '500') or return;
    my $url = "http://127.0.0.1:$s->{port}/crl";

    my $t0 = time;
    my $n = certauthz(url => $url, refresh => '30s') or return;

    my $left = 8 - (time - $t0);
    sleep $left if $left > 0;
    my @req = requests($s);

    cmp_ok(scalar @req, '>=', 3, 'in 8 s the server sees at least 3 fetches'
                                 . ' (' . scalar(@req) . ')');
    cmp_ok(scalar @req, '<=', 6, 'and at most 6: backoff 1 s, 2 s, 4 s');

    my @fails = error_log($n) =~ /certauthz: fetching CRL "\Q$url\E" failed: (.*)/g;
    is(scalar @fails, 1, 'the failure is logged once');
    like($fails[0] // '', qr/500/, 'the cause names the status 500');

    is(status($n, 'alice'), 403, 'alice 403');
    is(status($n, 'bob'), 403, 'bob 403: nothing was ever fetched');
    like(error_log($n), qr/reason: crl-missing, subject: "CN=bob,/,
         'reason: crl-missing');

    stop($n);
    stop_server($s);
    no_alert($n);
}

sub case_e {
    my $s = crl_nginx(files => { 'int.crl' => 'int-alice.crl' }) or return;
    my $url = "http://127.0.0.1:$s->{port}/int.crl";

    my $n = certauthz(url => $url) or return;

    ok(defined wait_status($n, 'bob', 200, 3), 'int-alice fetched: bob 200');
    is(status($n, 'alice'), 403, 'alice 403');
    ok(wait_for(sub { glob "$n->{dir}/cache/crl-*.meta" }, 2),
       'the cache is written');

    stop($n);
    stop($s);
    ok(!alive($n->{master}), 'nginx stopped');
    ok(!IO::Socket::INET->new(PeerAddr => "127.0.0.1:$s->{port}"),
       'the CRL server is down');

    my $t0 = time;
    my ($rc, $out) = run($nginx, '-t', '-p', "$n->{dir}/",
                         '-c', "$n->{dir}/nginx.conf");
    is($rc, 0, 'nginx -t passes with the server down') or diag $out;
    cmp_ok(time - $t0, '<', 3, 'nginx -t does not wait for the network');

    my $mark = length error_log($n);
    ok(start($n), 'nginx starts again with the server down') or return;

    is(status($n, 'alice'), 403, 'alice 403 at once: the cached copy');
    is(status($n, 'bob'), 200, 'bob 200 at once');

    like(substr(error_log($n), $mark),
         qr/reason: revoked, subject: "CN=alice,/, 'alice: reason revoked');

    ok(wait_for(sub {
           substr(error_log($n), $mark)
               =~ /certauthz: fetching CRL "\Q$url\E" failed: .*connect/
       }, 3), 'the failed fetch is logged (connect)');

    # a cached copy that cannot be loaded: a warning, and handled as none
    stop($n);
    my ($crl) = glob "$n->{dir}/cache/crl-*.crl";
    write_file($crl, "<html>not a CRL</html>\n") if $crl;

    $mark = length error_log($n);
    ok(start($n), 'a damaged cached copy: nginx starts') or return;
    like($n->{start_out} . substr(error_log($n), $mark),
         qr/\[warn\] .*(\Q$url\E|crl-[^\/ ]*\.crl)/,
         'the damaged copy is logged at warn');

    is(status($n, 'alice'), 403, 'alice 403');
    is(status($n, 'bob'), 403, 'bob 403');
    like(substr(error_log($n), $mark), qr/reason: crl-missing, subject: "CN=bob,/,
         'handled as none: crl-missing');

    stop($n);
    no_alert($n);
}

sub case_f {
    my $port = free_port();
    my $url = "http://127.0.0.1:$port/int.crl";

    my $tdir = tempdir_0755();
    my ($rc, $out) = run($nginx, '-t', '-p', "$tdir/",
                         '-c', write_conf_for_t($url, $tdir));
    is($rc, 0, 'nginx -t passes: no cache, the server down') or diag $out;

    my $n = certauthz(url => $url) or return;
    ok(1, 'nginx starts without a cache, the server down');

    is(status($n, 'alice'), 403, 'alice 403');
    is(status($n, 'bob'), 403, 'bob 403');
    my $log = error_log($n);
    like($log, qr/reason: crl-missing, subject: "CN=alice,/,
         'alice: reason crl-missing');
    like($log, qr/reason: crl-missing, subject: "CN=bob,/,
         'bob: reason crl-missing');

    ok(wait_for(sub { error_log($n) =~ /fetching CRL "\Q$url\E" failed: .*connect/ },
                3), 'the failed fetch is logged (connect)');

    my $s = crl_nginx(files => { 'int.crl' => 'int-empty.crl' },
                      port => $port) or return;
    my $t0 = time;

    my $took = wait_status($n, 'bob', 200, 3);
    ok(defined $took, 'the server up: bob 200 within 3 s' . took($took));
    ok(defined wait_status($n, 'alice', 200, 3 - (time - $t0)),
       'alice 200 within 3 s');

    stop($n);
    stop($s);
    no_alert($n);
}

sub case_g {
    my $s = crl_nginx(files => { 'int.crl' => 'int-alice.crl',
                                 'b/int.crl' => 'int-alice.crl',
                                 'c/int.crl' => 'int-alice.crl' },
                      ssl => 1) or return;
    my $p = $s->{port};

    # the server's certificate: CN localhost, issued by root.crt, which
    # the configuration reads: in a directory that only root may enter
    # (where nginx runs as root, its workers as nobody), it still works
    my $private = tempdir_0755();
    chmod 0700, $private;
    write_file("$private/root.crt", slurp("$pki/root.crt"));
    chmod 0600, "$private/root.crt";

    my $good = certauthz(url => "https://localhost:$p/int.crl",
                         http => "certauthz_crl_fetch_trusted_certificate "
                                 . "$private/root.crt;") or return;
    my $other = certauthz(url => "https://127.0.0.1:$p/b/int.crl",
                          http => "certauthz_crl_fetch_trusted_certificate "
                                  . "$pki/other-root.crt;") or return;
    # right CA, but 127.0.0.2 is not a name of the certificate
    my $name = certauthz(url => "https://127.0.0.2:$p/c/int.crl",
                         http => "certauthz_crl_fetch_trusted_certificate "
                                 . "$pki/root.crt;") or return;

    ok(defined wait_status($good, 'bob', 200, 3),
       'trusted CA right: fetched, bob 200');
    is(status($good, 'alice'), 403, 'alice 403');
    like(error_log($good), qr/reason: revoked, subject: "CN=alice,/,
         'alice: reason revoked');

    for my $bad ([$other, 'another CA trusted'],
                 [$name, 'the host of the URL not in the certificate']) {
        my ($n, $what) = @$bad;
        my $url = $n->{url};

        ok(wait_for(sub { error_log($n) =~ /fetching CRL "\Q$url\E" failed: / },
                    3), "$what: the fetch fails");
        my ($cause) = error_log($n) =~ /fetching CRL "\Q$url\E" failed: (.*)/;
        like($cause // '', qr/TLS/, "$what: the error names TLS: "
                                    . ($cause // '(none)'));
        is(status($n, 'alice'), 403, "$what: alice 403");
        is(status($n, 'bob'), 403, "$what: bob 403");
        like(error_log($n), qr/reason: crl-missing, subject: "CN=alice,/,
             "$what: alice crl-missing");
        ok(!glob("$n->{dir}/cache/crl-*.crl"), "$what: nothing cached");
    }

    my @asked = map { $_->{uri} } access($s);
    ok(!grep({ m{^/[bc]/} } @asked),
       'the server never got a request from a fetch it could not verify')
        or diag "@asked";

    stop($_) for $good, $other, $name;
    stop($s);
    no_alert($_) for $good, $other, $name;
}

sub case_h {
    my $s = crl_nginx(files => { 'int.crl' => 'int-empty.crl' }) or return;
    my $url = "http://127.0.0.1:$s->{port}/int.crl";

    my @n = map { certauthz(url => $url) } 1 .. 2;
    is(scalar(grep { $_ } @n), 2, 'two nginx instances') or return;

    for my $i (0, 1) {
        ok(defined wait_status($n[$i], 'alice', 200, 3),
           "instance $i: alice 200");
    }

    swap("$s->{dir}/www/int.crl", 'int-alice.crl');
    my $t0 = time;

    for my $i (0, 1) {
        my $took = wait_status($n[$i], 'alice', 403, 3 - (time - $t0));
        ok(defined $took, "instance $i: alice 403 within 3 s of the change"
                          . took(defined $took ? time - $t0 : undef));
        is(status($n[$i], 'bob'), 200, "instance $i: bob 200");
    }

    stop($_) for @n;
    stop($s);
    no_alert($_) for @n;
}

sub case_i {
    for my $bad ('http://', 'http://user@host/x') {
        my $dir = tempdir_0755();
        my $conf = write_conf_for_t($bad, $dir);
        my ($rc, $out) = run($nginx, '-t', '-p', "$dir/", '-c', $conf);

        isnt($rc, 0, "nginx -t fails with certauthz_crl $bad");
        like($out, qr/invalid CRL URL "\Q$bad\E"/,
             'invalid CRL URL "' . $bad . '"');
        like($out, qr/invalid CRL URL "\Q$bad\E": .* in \Q$conf\E:\d+/,
             'with the reason and the place');
    }

    my $dir = tempdir_0755();
    my ($rc, $out) = run($nginx, '-t', '-p', "$dir/", '-c',
                         write_conf_for_t('http://host/x', $dir));
    is($rc, 0, 'the same with http://host/x passes') or diag $out;

    # nothing waits for the network: 192.0.2.1 (TEST-NET-1) never answers
    $dir = tempdir_0755();
    my $t0 = time;
    ($rc, $out) = run($nginx, '-t', '-p', "$dir/", '-c',
                      write_conf_for_t('http://192.0.2.1/int.crl', $dir));
    is($rc, 0, 'nginx -t with a server that never answers passes')
        or diag $out;
    cmp_ok(time - $t0, '<', 2, 'at once: nginx -t does not fetch');

    # the trusted certificates of https servers are read by nginx -t
    $dir = tempdir_0755();
    write_file("$dir/none.crt", "not a certificate\n");
    my $conf = write_conf_for_t('https://host/x', $dir,
        "certauthz_crl_fetch_trusted_certificate $dir/none.crt;");
    ($rc, $out) = run($nginx, '-t', '-p', "$dir/", '-c', $conf);
    isnt($rc, 0, 'nginx -t fails with a trusted certificate file that holds '
                 . 'none');
    like($out, qr/no certificate in "\Q$dir\E\/none.crt" in \Q$conf\E:\d+/,
         'no certificate in "FILE" in FILE:LINE');

    $conf = write_conf_for_t('https://host/x', $dir,
        "certauthz_crl_fetch_trusted_certificate $dir/missing.crt;");
    ($rc, $out) = run($nginx, '-t', '-p', "$dir/", '-c', $conf);
    isnt($rc, 0, 'nginx -t fails with a missing trusted certificate file');
    like($out, qr/"\Q$dir\E\/missing.crt" failed \(2: No such file/,
         'its name and the system error');
}

# ---- nginx -----------------------------------------------------------

# nginx with certauthz: (url, refresh, workers, http, dir); started, or
# undef after a failed test
sub certauthz {
    my (%o) = @_;
    my $dir = tempdir_0755();
    my $port = free_port();

    my $n = { dir => $dir, port => $port, url => $o{url} };

    # what the workers serve, where they may read it (not under a checkout
    # that may be closed to them, as one in root's home is)
    mkdir "$dir/www";
    write_file("$dir/www/ok.txt", "ok\n");

    my $reuseport = ($o{workers} // 1) > 1 ? ' reuseport' : '';
    my $metrics = $o{metrics} ? <<'EOF' : '';

        location = /metrics {
            certauthz_metrics;
            allow 127.0.0.1;
            deny all;
        }
EOF

    $n->{conf} = conf($o{workers} // 1, 1, <<"EOF");
    log_format served '\$pid \$status \$ssl_client_s_dn';
    access_log logs/access.log served;
    certauthz_crl_cache $dir/cache;
@{[ $o{http} // '' ]}

    server {
        listen 127.0.0.1:$port ssl$reuseport;
        include $dir/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $o{url};
            certauthz_crl_refresh @{[ $o{refresh} // '1s' ]};
            root $dir/www;
        }
$metrics    }
EOF

    my $tls = slurp("$pki/tls.conf");
    $tls =~ s/\$TEST_NGINX_PKI/$pki/g;
    write_file("$dir/tls.conf", $tls);

    return start($n) ? $n : undef;
}

# a config for nginx -t: certauthz_crl URL; its path
sub write_conf_for_t {
    my ($url, $dir, $http) = @_;
    $dir //= tempdir_0755();
    $http //= '';

    my $tls = slurp("$pki/tls.conf");
    $tls =~ s/\$TEST_NGINX_PKI/$pki/g;
    write_file("$dir/tls.conf", $tls);
    mkdir "$dir/logs";
    mkdir "$dir/tmp";

    my $port = free_port();
    write_file("$dir/nginx.conf", conf(1, 1, <<"EOF"));
    certauthz_crl_cache $dir/cache;
    $http

    server {
        listen 127.0.0.1:$port ssl;
        include $dir/tls.conf;
        ssl_verify_client on;

        location / {
            certauthz on;
            certauthz_crl $url;
            certauthz_crl_refresh 1s;
        }
    }
EOF

    return "$dir/nginx.conf";
}

# the CRL server: nginx serving files (name => CRL of t/pki/crl) from its
# www, over http or with ssl => 1 over https (t/pki/server.crt), on
# 127.0.0.1 and 127.0.0.2; its access log says the conditional headers
sub crl_nginx {
    my (%o) = @_;
    my $dir = tempdir_0755();
    my $port = $o{port} // free_port();
    my $ssl = $o{ssl} ? ' ssl' : '';

    for my $f (keys %{ $o{files} }) {
        (my $sub = "$dir/www/$f") =~ s{/[^/]+$}{};
        system('mkdir', '-p', $sub);
        write_file("$dir/www/$f", Certauthz::Test::crl($o{files}{$f}));
    }
    system('chmod', '-R', 'a+rX', "$dir/www");

    my $n = { dir => $dir, port => $port };
    $n->{conf} = conf(1, 0, <<"EOF");
    log_format crl '\$uri \$status inm="\$http_if_none_match" ims="\$http_if_modified_since"';
    access_log logs/access.log crl;
    types { application/pkix-crl crl; }

    server {
        listen 127.0.0.1:$port$ssl;
        listen 127.0.0.2:$port$ssl;
@{[ $ssl ? "        ssl_certificate $pki/server.crt;\n"
         . "        ssl_certificate_key $pki/server.key;\n" : '' ]}
        root $dir/www;
    }
EOF

    return start($n) ? $n : undef;
}

# the requests the CRL nginx logged: ({ uri, status, inm, ims }, ...)
sub access {
    my ($s) = @_;
    my @r;
    for (split /\n/, slurp("$s->{dir}/logs/access.log")) {
        next unless /^(\S+) (\d+) inm="(.*)" ims="(.*)"$/;
        push @r, { uri => $1, status => $2, inm => $3, ims => $4 };
    }
    return @r;
}

# the requests that the certauthz nginx $n logged: ({ pid, status }, ...)
sub served {
    my ($n) = @_;
    my @r;
    for (split /\n/, slurp("$n->{dir}/logs/access.log")) {
        push @r, { pid => $1, status => $2 } if /^(\d+) (\d+) /;
    }
    return @r;
}

sub conf {
    my ($workers, $load_modules, $http) = @_;
    my $main = nginx_main($workers, $load_modules ? @modules : ());

    return <<"EOF";
$main
http {
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;

$http
}
EOF
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
    $n->{start_out} = $out;

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
    return 1;
}

sub stop {
    my ($n) = @_;
    return unless $n && $n->{master};
    stop_master($n->{master});
    delete $nginx{ $n->{master} };
}

sub workers {
    my ($n, $want) = @_;
    my @w;
    wait_for(sub { @w = children($n->{master}); @w >= $want }, 5);
    return @w;
}

sub error_log {
    my ($n) = @_;
    return slurp("$n->{dir}/logs/error.log");
}

# no alert, crit or emerg, and no worker that died
sub no_alert {
    my ($n) = @_;
    return unless $n;

    my @bad = grep { /\[(alert|crit|emerg)\]|exited on signal/ }
              split /\n/, error_log($n);
    is(join("\n", @bad), '', "no alert, crit or crash in $n->{dir}");
}

# ---- crlserver.py ----------------------------------------------------

# (crl => CRL of t/pki/crl, mode, port, dir): started, or undef
sub crlserver {
    my (%o) = @_;
    my $dir = $o{dir} // tempdir_0755();

    if (!$o{dir}) {
        write_file("$dir/crl.crl", Certauthz::Test::crl($o{crl}));
        write_file("$dir/wrongkey.crl",
                   Certauthz::Test::crl('int-wrongkey.crl'));
    }
    mode({ dir => $dir }, $o{mode}) if $o{mode};
    unlink "$dir/port";

    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$dir/server.out";
        open STDERR, '>&', \*STDOUT;
        exec $python, $crlserver, "$dir/port", $dir, $o{port} // 0
            or POSIX::_exit(127);
    }

    $server{$pid} = 1;

    if (!wait_for(sub { -s "$dir/port" }, 5)) {
        fail("crlserver.py starts: " . slurp("$dir/server.out"));
        return undef;
    }

    my $port = slurp("$dir/port");
    chomp $port;

    return { pid => $pid, dir => $dir, port => $port };
}

sub stop_server {
    my ($s) = @_;
    return unless $s && $s->{pid} && $server{ $s->{pid} };
    kill 'KILL', $s->{pid};
    waitpid $s->{pid}, 0;
    delete $server{ $s->{pid} };
}

sub mode {
    my ($s, $mode) = @_;
    write_file("$s->{dir}/mode.tmp", "$mode\n");
    rename "$s->{dir}/mode.tmp", "$s->{dir}/mode" or die "rename: $!";
}

# the lines of its requests.log
sub requests {
    my ($s) = @_;
    return grep { length } split /\n/, slurp("$s->{dir}/requests.log");
}

# ---- the rest --------------------------------------------------------

sub cleanup {
    for my $pid (keys %server) {
        kill 'KILL', $pid;
        waitpid $pid, 0;
    }
    %server = ();

    stop_master($_) for grep { alive($_) } keys %nginx;
    %nginx = ();
}

# the HTTP status of a request of NAME (alice, bob) to nginx $n
sub status {
    my ($n, $name) = @_;
    return 0 unless $n;

    my $code = `curl -sk --max-time 5 --cert $pki/$name.pem --key $pki/$name.key https://127.0.0.1:$n->{port}/ok.txt -o /dev/null -w '%{http_code}'`;
    return $code =~ /^(\d+)$/ ? $1 : 0;
}

# the answer of /metrics of nginx $n (metrics => 1), as bob
sub scrape {
    my ($n) = @_;
    return '' unless $n;
    return scalar `curl -sk --max-time 5 --cert $pki/bob.pem --key $pki/bob.key https://127.0.0.1:$n->{port}/metrics`;
}


# the value of the sample NAME with exactly these labels, or undef
sub sample {
    my ($m, $name, %labels) = @_;

    for my $s (grep { $_->{name} eq $name } @$m) {
        next if keys %{ $s->{labels} } != keys %labels;
        next if grep { ($s->{labels}{$_} // "\0") ne $labels{$_} }
                keys %labels;
        return $s->{value};
    }

    return undef;
}

# promtool check metrics accepts a scrape (skipped without promtool)
sub promtool_accepts {
    my ($scrape) = @_;

    SKIP: {
        skip('no promtool (Debian package prometheus; make test extracts '
             . 'it into build/tools): not checked', 1) unless $promtool;

        my ($fh, $file) = File::Temp::tempfile(UNLINK => 1);
        print $fh $scrape;
        close $fh;

        my $out = `$promtool check metrics < $file 2>&1`;
        is("exit $? $out", 'exit 0 ', 'promtool check metrics: no complaint');
    }
}

# how long until NAME gets STATUS (polled), or undef after SECONDS
sub wait_status {
    my ($n, $name, $want, $seconds) = @_;
    my $t0 = time;
    return undef unless $n;
    return wait_for(sub { status($n, $name) == $want }, $seconds)
           ? time - $t0 : undef;
}

sub took {
    my ($t) = @_;
    return defined $t ? sprintf(' (%.1f s)', $t) : '';
}

sub swap {
    my ($dest, $name) = @_;
    write_file("$dest.tmp", Certauthz::Test::crl($name));
    chmod 0644, "$dest.tmp";
    rename "$dest.tmp", $dest or die "rename: $!";
}
