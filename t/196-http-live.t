# Live revocation on the HTTP face, end to end with real clients and
# servers: where certauthz is "on", a connection it admitted is ended when a
# CRL change revokes its certificate (within certauthz_crl_refresh + 1 s)
# or when the certificate expires (at notAfter + 1 s): requests in flight
# (a proxied WebSocket, a gRPC stream over HTTP/2, server-sent events, a
# slow download) and idle keep-alive and HTTP/2 connections alike.  Each
# end is logged at error with the location that admitted the connection,
# $certauthz_reason of the ended request says why, the upstream sees its
# connection closed, and certauthz_connections_closed_total counts it.
# "certauthz audit" ends nothing and logs a notice once; "certauthz_live
# off" ends nothing but still refuses new requests.  After "nginx -s
# reload" the old worker still ends the connection it holds.
#
# Not a Test::Nginx file: it starts its upstreams (t/lib/live/*.py: a
# WebSocket echo server, a gRPC server, an SSE server) and one nginx with
# two workers (certauthz_crl_refresh 1s, CRL files swapped by rename), and
# drives real clients (t/lib/live/*.py with python3-websockets and
# python3-grpcio, curl) with the test PKI's certificates: alice (whom
# int-alice.crl revokes), bob (whom no CRL revokes), and short-live (made
# by t/lib/mkshort.sh when the test runs, valid for a few seconds more).
# Every client, server and nginx started here is stopped at the end, also
# on failure.
#
#   1. a WebSocket through proxy_pass (alice on /ws ended; bob on /ws stays)
#   2. a gRPC server-streaming call (grpc_pass, HTTP/2)
#   3. server-sent events (proxy_buffering off), curl -N
#   4. a slow download of a static file, curl --limit-rate
#   5. an idle HTTP/1.1 keep-alive connection; an idle HTTP/2 connection;
#      an HTTP/2 connection with a stream in flight (raw frames: the
#      stream's RST_STREAM, then GOAWAY, then the close)
#   6. expiry: a WebSocket of short-live, ended at its notAfter
#   7. "nginx -s reload", then a CRL change: the old worker's WebSocket is
#      ended too, and a new worker's
#   8. "certauthz audit": nothing ended, the notice logged once
#   9. "certauthz_live off": nothing ended, a new request refused 403
#  10. certauthz_connections_closed_total, exactly
#
# 1-6 and 8-9 run at once: one CRL swap (live.crl: int-empty.crl, then
# int-alice.crl) must end the seven connections of alice under "on", and
# leave the others alone; the expiry comes some seconds later.  7 has a CRL
# file of its own (reload.crl), swapped after the reload.
#
# When a connection ended: the python clients log the time they saw it; a
# curl's connection ends when ss(8) no longer lists it as established (a
# rate-limited curl reads what its kernel received before the reset for
# seconds more), or when curl exits.  Under TEST_NGINX_USE_VALGRIND nginx
# runs under memcheck and a memory error fails the test.

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();
use Certauthz::Proc qw(run tempdir_0755 alive wait_pid free_port wait_for
                       write_file slurp children stop_master nginx_main
                       parse_metrics);

use Cwd qw(abs_path);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);
use Time::Piece ();

my $pki = $ENV{TEST_NGINX_PKI};
my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = grep { length } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES} // '';
my $python = '/usr/bin/python3';
# to see when nginx ends a curl's connection (iproute2)
my $have_ss = (`ss -V 2>/dev/null` // '') =~ /iproute2/;
my $live = abs_path('t/lib/live');
$ENV{PYTHONDONTWRITEBYTECODE} = 1;     # no __pycache__ in the checkout

# TEST_NGINX_USE_VALGRIND=1 (as make test-valgrind sets it): nginx and its
# workers run under valgrind memcheck, and any memory error it reports
# fails the test (leaks are not looked at here: t/runner does that with
# its suppressions for the blocks it runs); the times are stretched
my $valgrind = $ENV{TEST_NGINX_USE_VALGRIND};

# how long after the swap (or notAfter) an end may come: the contract says
# certauthz_crl_refresh (1 s) + 1 s; a little slack for the clients
my $limit = $valgrind ? 5.0 : 3.0;

plan skip_all => 'the http module of certauthz is not built'
    unless grep { /ngx_http_certauthz_module/ } @modules;
plan skip_all => "no $python" unless -x $python;
plan skip_all => 'python3 cannot import websockets (Debian: python3-websockets)'
    unless system("$python -c 'import websockets' 2>/dev/null") == 0;
plan skip_all => 'python3 cannot import grpc (Debian: python3-grpcio)'
    unless system("$python -c 'import grpc' 2>/dev/null") == 0;
plan skip_all => 'no curl' unless `curl --version 2>/dev/null` =~ /^curl/;

# the clients and servers started here: pid => { name, out, ended, status }
my %proc;
my $master;

END { cleanup(); }
$SIG{$_} = sub { cleanup(); exit 1 } for qw(INT TERM HUP);

my $t_start = time;
my $dir = tempdir_0755();
# (mode 0755 whatever the umask: the workers read www)
for (qw(logs tmp www www/files www/idle www/h2-idle)) {
    mkdir "$dir/$_";
    chmod 0755, "$dir/$_";
}

# as certauthz logs them ($certauthz_serial: no leading zeros)
my %alice = (subject => Certauthz::Test::expected('alice', 'subject'),
             serial => serial(Certauthz::Test::expected('alice', 'serial')));

# --- what the workers (nobody) read: in $dir, not in the checkout ----------
write_file("$dir/live.crl", Certauthz::Test::crl('int-empty.crl'));
write_file("$dir/reload.crl", Certauthz::Test::crl('int-empty.crl'));
write_file("$dir/www/idle/idle.txt", "idle\n");
write_file("$dir/www/h2-idle/idle.txt", "idle\n");
# 8 MiB at 50 KiB/s: nearly three minutes, if nothing ends it
write_file("$dir/www/files/big.bin", '0123456789abcdef' x (512 * 1024));

my $tls = slurp("$pki/tls.conf");
$tls =~ s/\$TEST_NGINX_PKI/$pki/g;
$tls =~ s/^\s*root .*\n//mg;      # each server has its own, in $dir/www
write_file("$dir/tls.conf", $tls);

# --- the upstreams --------------------------------------------------------
my $ws_server = spawn('ws-server', $python, '-u', "$live/ws_server.py");
my $grpc_server = spawn('grpc-server', $python, '-u', "$live/grpc_server.py");
my $sse_server = spawn('sse-server', $python, '-u', "$live/sse_server.py");

my %up;
for my $s ($ws_server, $grpc_server, $sse_server) {
    wait_for(sub { event($s, 'listening') }, 15);
    my $e = event($s, 'listening')
        or give_up("$s->{name} starts: " . slurp($s->{out}));
    $up{ $s->{name} } = $e->{args}[0];
}

# --- nginx: two workers, certauthz on at server level ----------------------
my $port = free_port();
my $h2_port = free_port();
Certauthz::Test::http2_syntax();    # listen ... http2, or http2 on (1.25.1+)

my $ws_proxy = <<"EOF";
            proxy_pass http://127.0.0.1:$up{'ws-server'};
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection "upgrade";
EOF

# two workers, as deployments run, and reuseport so that the connections
# spread over both (each must end its own); one location per case, so that
# the log lines and the counters tell them apart
write_file("$dir/nginx.conf", nginx_main(2, @modules) . <<"EOF");
http {
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;

    log_format live '\$arg_name|\$uri|\$status|\$certauthz_reason|\$certauthz_cn';
    access_log logs/access.log live;
    keepalive_timeout 60s;

    certauthz_crl_refresh 1s;

    server {
        listen 127.0.0.1:$port ssl reuseport;
        server_name live;
        include $dir/tls.conf;
        ssl_verify_client on;
        root $dir/www;

        certauthz on;
        certauthz_crl $dir/live.crl;

        location /ws {
$ws_proxy        }

        location /ws-audit {
            certauthz audit;
$ws_proxy        }

        location /nolive {
            certauthz_live off;
$ws_proxy        }

        location /short {
$ws_proxy        }

        location /reload {
            certauthz_crl $dir/reload.crl;
$ws_proxy        }

        location /sse {
            proxy_pass http://127.0.0.1:$up{'sse-server'};
            proxy_buffering off;
        }

        location /files/ {
        }

        location /idle/ {
        }

        location = /metrics {
            certauthz_metrics;
            allow 127.0.0.1;
            deny all;
        }
    }

    server {
        listen 127.0.0.1:$h2_port ssl $ENV{TEST_NGINX_H2_LISTEN};
        $ENV{TEST_NGINX_H2}
        server_name h2;
        include $dir/tls.conf;
        ssl_verify_client on;
        root $dir/www;

        certauthz on;
        certauthz_crl $dir/live.crl;

        location /live.Ticker/ {
            grpc_pass grpc://127.0.0.1:$up{'grpc-server'};
        }

        location /h2-idle/ {
        }

        location /h2-sse {
            proxy_pass http://127.0.0.1:$up{'sse-server'};
            proxy_buffering off;
        }
    }
}
EOF

my ($rc, $out) = run($nginx, '-t', '-p', "$dir/", '-c', "$dir/nginx.conf");
is($rc, 0, 'nginx -t accepts the configuration') or diag $out;
($rc, $out) = run(($valgrind ? ('valgrind', '-q', '--leak-check=no',
                                 '--num-callers=30',
                                 "--log-file=$dir/logs/valgrind-%p.log")
                              : ()),
                  $nginx, '-p', "$dir/", '-c', "$dir/nginx.conf");
is($rc, 0, 'nginx starts') or give_up("nginx starts: $out"
                                      . slurp("$dir/logs/error.log"));
$master = wait_pid("$dir/logs/nginx.pid");
ok(wait_for(sub { listens($port) && listens($h2_port) }, 10), 'nginx listens');
my @workers;
wait_for(sub { @workers = children($master); @workers >= 2 }, 5);
is(scalar @workers, 2, 'two workers');

# --- short-live: valid for $short_secs more seconds ----------------------
# made now, once nginx runs (only the client reads it): long enough for the
# clients to start and, on a machine that is not too busy, for the
# revocations to be over before it expires
my $short_secs = $valgrind ? 40 : 12;
system('bash', 't/lib/mkshort.sh', $pki, $dir, 'short-live', $short_secs) == 0
    or give_up('t/lib/mkshort.sh makes short-live');
my $not_after = not_after("$dir/short-live.pem");
my $short_serial = serial(`openssl x509 -in $dir/short-live.pem -noout -serial`
                          =~ /serial=(\S+)/);

# --- the clients ------------------------------------------------------------
my $url = "https://127.0.0.1:$port";
my $wss = "wss://127.0.0.1:$port";

my %c;      # name => client
$c{'ws-alice'} = ws('ws-alice', '/ws', 'alice');                  # 1
$c{'ws-bob'} = ws('ws-bob', '/ws', 'bob');                        # 1
$c{'grpc-alice'} = spawn('grpc-alice', $python, '-u',             # 2
    "$live/grpc_client.py", "127.0.0.1:$h2_port", 'grpc-alice',
    cert('alice'));
$c{'sse-alice'} = spawn('sse-alice', 'curl', '-sS', '-N',         # 3
    '--max-time', '60', curl_cert('alice'), "$url/sse?name=sse-alice");
$c{'download'} = spawn('download', 'curl', '-sS', '--max-time', '60', # 4
    '--limit-rate', '50k', '-o', "$dir/download.bin", curl_cert('alice'),
    "$url/files/big.bin");
$c{'h1-idle'} = spawn('h1-idle', $python, '-u', "$live/h1_idle.py", # 5
    '127.0.0.1', $port, '/idle/idle.txt', cert('alice'));
$c{'h2-idle'} = spawn('h2-idle', $python, '-u', "$live/h2_client.py",
    '127.0.0.1', $h2_port, '/h2-idle/idle.txt', cert('alice'));
$c{'h2-sse'} = spawn('h2-sse', $python, '-u', "$live/h2_client.py",
    '127.0.0.1', $h2_port, '/h2-sse?name=h2-sse', cert('alice'));
$c{'short'} = ws('short', '/short', "$dir/short-live");           # 6
$c{'reload-old'} = ws('reload-old', '/reload', 'alice');          # 7
$c{'audit-alice'} = ws('audit-alice', '/ws-audit', 'alice');      # 8
$c{'nolive-alice'} = ws('nolive-alice', '/nolive', 'alice');      # 9

# each one is under way: what shows it
my %started = (
    'ws-alice' => sub { echoes($c{'ws-alice'}) >= 2 },
    'ws-bob' => sub { echoes($c{'ws-bob'}) >= 2 },
    'grpc-alice' => sub { events($c{'grpc-alice'}, 'msg') >= 2 },
    'sse-alice' => sub { (() = slurp($c{'sse-alice'}{out}) =~ /^data: tick$/mg) >= 2 },
    'download' => sub { -s "$dir/download.bin" },
    'h1-idle' => sub { event($c{'h1-idle'}, 'response') },
    'h2-idle' => sub { event($c{'h2-idle'}, 'end-stream') },
    'h2-sse' => sub { events($c{'h2-sse'}, 'data') >= 2 },
    'short' => sub { echoes($c{'short'}) >= 2 },
    'reload-old' => sub { echoes($c{'reload-old'}) >= 2 },
    'audit-alice' => sub { echoes($c{'audit-alice'}) >= 2 },
    'nolive-alice' => sub { echoes($c{'nolive-alice'}) >= 2 },
);

wait_for(sub { !grep { !$_->() } values %started }, 20);
for my $name (sort keys %started) {
    ok($started{$name}->(), "$name is under way")
        or diag "$name: " . slurp($c{$name}{out});
}
is((event($c{'h1-idle'}, 'response') // { args => [] })->{args}[0], 200,
   'the idle HTTP/1.1 connection had its answer, 200');
is((event($c{'h2-idle'}, 'status') // { args => [] })->{args}[0], 200,
   'the idle HTTP/2 connection had its answer, 200');
ok(!grep({ /connection closed|would close/ } error_lines()),
   'nothing was ended before the swap');
ok(!grep({ event($_, 'closed') || exited($_) } values %c),
   'and no client saw its connection end');
ok(!curl_ended($c{'sse-alice'}) && !curl_ended($c{'download'}),
   'the two curls hold their connections'
   . ($have_ss ? ' (ss sees them)' : ''));

# =========================================================================
# The swap: int-alice.crl revokes alice (cases 1-5, 8, 9)
# =========================================================================

my $t0 = swap("$dir/live.crl", 'int-alice.crl');

# the connections of alice that "on" must end, and how each shows it.
# HTTP/2 connections end with a GOAWAY (after the RST_STREAM of a stream
# in flight), which a client takes as the end: a real one closes then, ours
# waits for the server's reset (a second later), looked at below
my %ends = (
    'ws-alice' => sub { event($c{'ws-alice'}, 'closed') },
    'grpc-alice' => sub { event($c{'grpc-alice'}, 'error')
                          || event($c{'grpc-alice'}, 'done') },
    'sse-alice' => sub { curl_ended($c{'sse-alice'}) },
    'download' => sub { curl_ended($c{'download'}) },
    'h1-idle' => sub { event($c{'h1-idle'}, 'closed') },
    'h2-idle' => sub { event($c{'h2-idle'}, 'goaway')
                       || event($c{'h2-idle'}, 'closed') },
    'h2-sse' => sub { event($c{'h2-sse'}, 'goaway')
                      || event($c{'h2-sse'}, 'closed') },
);
wait_for(sub { !grep { !$_->() } values %ends }, $limit + 3);

my %took;
for my $name (sort keys %ends) {
    my $e = $ends{$name}->();
    $took{$name} = $e ? $e->{t} - $t0 : undef;

    # without ss, only curl's exit tells, later than nginx's reset
    if ($name eq 'download' && !$have_ss) {
        SKIP: { skip 'no ss (iproute2): when the download ended is not '
                     . 'known', 1 }
        next;
    }

    ok($e && $took{$name} >= 0 && $took{$name} <= $limit,
       "$name is ended within $limit s of the swap" . took($took{$name}))
        or diag "$name: " . slurp($c{$name}{out});
}
diag sprintf 'ended after the swap: %s',
    join ', ', map { "$_ " . (defined $took{$_} ? sprintf('%.2f s', $took{$_})
                                                : 'never') } sort keys %took;

# --- 1. WebSocket --------------------------------------------------------
closed_logged('ws-alice', '/ws');
access_reason('/ws', 'ws-alice', 'revoked');
upstream_closed($ws_server, 'ws-alice');

# --- 2. gRPC ---------------------------------------------------------------
{
    my $e = event($c{'grpc-alice'}, 'error');
    ok($e && $e->{args}[0] =~ /^(UNAVAILABLE|INTERNAL|CANCELLED)$/,
       'the gRPC call ends with an error: '
       . ($e ? "@{ $e->{args} }" : 'none'));
    ok(events($c{'grpc-alice'}, 'msg') >= 2, 'after messages that came');
    closed_logged('grpc-alice', '/live.Ticker/');
    access_reason('/live.Ticker/Stream', undef, 'revoked');
    ok(wait_for(sub { event($grpc_server, 'ended', 'grpc-alice') }, 3),
       'the gRPC server sees the call end under its handler')
        or diag slurp($grpc_server->{out});
    my $ended = event($grpc_server, 'ended', 'grpc-alice');
    is($ended ? $ended->{args}[1] : '', 'active=False',
       'its context is no longer active (cancelled)');
    diag sprintf 'the gRPC server saw it end %.2f s after the swap',
                 $ended->{t} - $t0 if $ended;
}

# --- 3. server-sent events ------------------------------------------------
{
    # nothing waits in its kernel: it sees the end at once
    my $p = $c{'sse-alice'};
    wait_for(sub { exited($p) }, 2);
    ok($p->{ended} && $p->{status} >> 8 != 28,
       'curl -N of the events exits, not by its own --max-time (exit '
       . ($p->{ended} ? $p->{status} >> 8 : 'none') . ')');
    closed_logged('sse-alice', '/sse');
    access_reason('/sse', 'sse-alice', 'revoked');
    upstream_closed($sse_server, 'sse-alice');
}

# --- 4. a slow download ---------------------------------------------------
{
    # curl reads at 50 KiB/s what its kernel received before the reset
    # (hundreds of KiB on loopback), then exits (56): when is not nginx's
    my $p = $c{'download'};
    my $got = -s "$dir/download.bin" // 0;
    cmp_ok($got, '<', 8 * 1024 * 1024, "the download has part of the file "
                                       . "($got bytes)");
    diag $p->{ended} ? sprintf('curl of the download exited %.2f s after '
                               . 'the swap (exit %d)', $p->{ended} - $t0,
                               $p->{status} >> 8)
                     : 'curl of the download still reads what it received';
    closed_logged('download', '/files/');
    access_reason('/files/big.bin', undef, 'revoked');
}

# --- 5. idle connections, and the frames of HTTP/2 -------------------------
closed_logged('h1-idle', '/idle/');
closed_logged('h2-idle', '/h2-idle/');
closed_logged('h2-sse', '/h2-sse');
{
    my ($goaway) = events($c{'h2-idle'}, 'goaway');
    ok($goaway, 'the idle HTTP/2 connection gets a GOAWAY'
                . ($goaway ? " (@{ $goaway->{args} })" : ''));
    ok(!events($c{'h2-idle'}, 'rst_stream'),
       'and no RST_STREAM: its stream had ended');

    # the in-flight stream: RST_STREAM, then GOAWAY, then the close
    my @seq = map { $_->{word} } grep { $_->{word} =~ /^(rst_stream|goaway|closed)$/ }
              events($c{'h2-sse'});
    my ($rst) = events($c{'h2-sse'}, 'rst_stream');
    ok($rst && $rst->{args}[0] == 1,
       'the HTTP/2 stream in flight gets RST_STREAM'
       . ($rst ? " (@{ $rst->{args} })" : ''));
    is("@seq", 'rst_stream goaway closed',
       'then GOAWAY, then the connection is closed')
        or diag slurp($c{'h2-sse'}{out});

    # the close: a reset a second after the GOAWAY, the client not having
    # closed
    for my $name (qw(h2-idle h2-sse)) {
        wait_for(sub { event($c{$name}, 'closed') }, 3);
        my $g = event($c{$name}, 'goaway');
        my $e = event($c{$name}, 'closed');
        my $t = $g && $e ? $e->{t} - $g->{t} : undef;
        ok(defined $t && $t <= 1.5,
           "$name: nginx closes the connection within 1.5 s of the GOAWAY"
           . (defined $t ? sprintf(' (%.2f s, %s)', $t, $e->{args}[0]) : ''))
            or diag slurp($c{$name}{out});
    }
    access_reason('/h2-sse', 'h2-sse', 'revoked');
    upstream_closed($sse_server, 'h2-sse');
}

# --- what stays: bob (1), audit (8), certauthz_live off (9), another CRL
# file (7), and no more lines than the connections ended -------------------
my $still = $t0 + $limit + 0.5;
sleep $still - time if time < $still;
# (short-live too, unless a slow start brought its expiry this close)
my @stay = qw(ws-bob audit-alice nolive-alice reload-old);
push @stay, 'short' if $not_after + 1 > time;
for my $name (@stay) {
    ok(!event($c{$name}, 'closed') && echoes_after($c{$name}, $t0 + $limit),
       "$name still echoes " . sprintf('%.1f', $limit) . ' s after the swap')
        or diag "$name: " . slurp($c{$name}{out});
}
unlike(join('', error_lines()), qr/connection closed.*CN=bob/,
       "bob's WebSocket was not ended");
{
    my @closed = grep { /connection closed, reason: revoked/ } error_lines();
    is(scalar @closed, 7, 'seven "connection closed, reason: revoked" lines, '
                          . 'one per ended connection')
        or diag join '', @closed;
    my %pid = map { /\] (\d+)#/ ? ($1 => 1) : () } @closed;
    diag 'ended by the workers ' . join(', ', sort keys %pid);
}

# 8. audit: a notice, once, and nothing ended
{
    my @audit = grep { /certauthz: audit: would close the connection/ }
                error_lines();
    is(scalar @audit, 1, 'audit: the would-close notice is logged once')
        or diag join '', @audit;
    like($audit[0] // '',
         qr/\[notice\] .*certauthz: audit: would close the connection, reason: revoked, subject: "\Q$alice{subject}\E", serial: \Q$alice{serial}\E, location: "\/ws-audit"/,
         'at notice, with reason, subject, serial and location');
}

# 9. certauthz_live off: nothing ended, but a new request is refused
{
    my @lines = grep { /location: "\/nolive"/ } error_lines();
    is(scalar @lines, 0, 'certauthz_live off: nothing logged as ended');
    is(status('alice', '/nolive'), 403,
       'certauthz_live off: a new request of alice is refused, 403');
    like(join('', error_lines()),
         qr/certauthz: access forbidden, reason: revoked, subject: "\Q$alice{subject}\E".*request: "GET \/nolive/,
         'as revoked');
}

# =========================================================================
# 6. expiry: short-live's WebSocket is ended at notAfter
# =========================================================================
{
    my $opened = event($c{'short'}, 'open');
    ok($opened && $opened->{t} < $not_after - 1,
       'the WebSocket of short-live opened before its notAfter');

    wait_for(sub { event($c{'short'}, 'closed') },
             $not_after + $limit + 1 - time);
    my $e = event($c{'short'}, 'closed');
    my $after = $e ? $e->{t} - $not_after : undef;
    # expired once a whole second is past notAfter (as OpenSSL compares,
    # and the per-request check): not before notAfter + 1 s
    ok($e && $after >= 0.95 && $after <= 2.0,
       'it is ended between notAfter + 1 s and notAfter + 2 s'
       . (defined $after ? sprintf(' (%+.2f s)', $after) : ''))
        or diag slurp($c{'short'}{out});
    diag sprintf 'short-live ended %+.2f s after its notAfter', $after
        if defined $after;
    ok(echoes_after($c{'short'}, $not_after - 1),
       'and echoed until its last second');

    my @lines = grep { /connection closed, reason: expired/ } error_lines();
    is(scalar @lines, 1, 'one "connection closed, reason: expired" line')
        or diag join '', @lines;
    like($lines[0] // '',
         qr/\[error\] .*certauthz: access forbidden, connection closed, reason: expired, subject: "CN=short-live", serial: \Q$short_serial\E, location: "\/short"/,
         'at error, with subject, serial and location "/short"');
    access_reason('/short', 'short', 'expired');
    upstream_closed($ws_server, 'short');
}

# =========================================================================
# 10. the counters
# =========================================================================
{
    my $scrape = `curl -sS --max-time 5 @{[ join ' ', curl_cert('bob') ]} $url/metrics`;
    my @m = grep { $_->{name} eq 'certauthz_connections_closed_total' }
            parse_metrics($scrape);
    ok(@m, 'certauthz_connections_closed_total is answered')
        or diag $scrape;

    my @want = (
        [ 'live', '/ws', 'on', 'revoked', 1 ],
        [ 'live', '/sse', 'on', 'revoked', 1 ],
        [ 'live', '/files/', 'on', 'revoked', 1 ],
        [ 'live', '/idle/', 'on', 'revoked', 1 ],
        [ 'live', '/short', 'on', 'expired', 1 ],
        [ 'h2', '/live.Ticker/', 'on', 'revoked', 1 ],
        [ 'h2', '/h2-idle/', 'on', 'revoked', 1 ],
        [ 'h2', '/h2-sse', 'on', 'revoked', 1 ],
        [ 'live', '/ws-audit', 'audit', 'revoked', 1 ],
    );
    for my $w (@want) {
        my ($server, $location, $mode, $reason, $n) = @$w;
        is(sample(\@m, server => $server, location => $location,
                  mode => $mode, reason => $reason),
           $n, "{server=\"$server\",location=\"$location\",mode=\"$mode\","
               . "reason=\"$reason\"} $n");
    }
    my $sum = 0;
    $sum += $_->{value} for @m;
    is($sum, 9, 'and nothing else: 9 in all (bob, certauthz_live off and '
                . '/reload not counted)') or diag $scrape;
}

# =========================================================================
# 7. nginx -s reload, then reload.crl revokes alice
# =========================================================================
{
    # the connections that stay would keep old workers: gone first
    for my $name (qw(ws-bob audit-alice nolive-alice)) {
        kill 'TERM', $c{$name}{pid};
        upstream_closed($ws_server, $name);
    }

    my %old = map { $_ => 1 } children($master);
    my $mark = length slurp("$dir/logs/error.log");
    my $t_reload = time;
    my ($rc, $out) = run($nginx, '-p', "$dir/", '-c', "$dir/nginx.conf",
                         '-s', 'reload');
    is($rc, 0, 'nginx -s reload') or diag $out;

    my @new;
    wait_for(sub { @new = grep { !$old{$_} } children($master); @new >= 2 },
             10);
    is(scalar @new, 2, 'two new workers');
    # the old worker without connections exits
    my @old_alive;
    wait_for(sub { @old_alive = grep { alive($_) } keys %old;
                   @old_alive <= 1 }, 5);
    is(scalar @old_alive, 1, 'one old worker stays: it holds reload-old')
        or diag 'old workers alive: ' . join(' ', @old_alive);
    ok(wait_for(sub { echoes_after($c{'reload-old'}, $t_reload + 0.5) }, 3),
       'reload-old still echoes after the reload');

    $c{'reload-new'} = ws('reload-new', '/reload', 'alice');
    ok(wait_for(sub { echoes($c{'reload-new'}) >= 2 }, 10),
       'reload-new, opened after the reload, echoes')
        or diag slurp($c{'reload-new'}{out});

    my $t1 = swap("$dir/reload.crl", 'int-alice.crl');
    wait_for(sub { event($c{'reload-old'}, 'closed')
                   && event($c{'reload-new'}, 'closed') }, $limit + 3);

    for my $name (qw(reload-old reload-new)) {
        my $e = event($c{$name}, 'closed');
        my $t = $e ? $e->{t} - $t1 : undef;
        ok($e && $t >= 0 && $t <= $limit,
           "$name is ended within $limit s of the swap" . took($t))
            or diag "$name: " . slurp($c{$name}{out});
        upstream_closed($ws_server, $name);
    }

    my @lines = grep { /connection closed/ }
                split /^/m, substr(slurp("$dir/logs/error.log"), $mark);
    my %by = map { /\] (\d+)#/ ? ($1 => $_) : () } @lines;
    is(scalar @lines, 2, 'two "connection closed" lines after the reload')
        or diag join '', @lines;
    ok(@lines && !grep({ !/\[error\] .*certauthz: access forbidden, connection closed, reason: revoked, subject: "\Q$alice{subject}\E", serial: \Q$alice{serial}\E, location: "\/reload"/ } @lines),
       'both: revoked, alice, location "/reload"');
    ok((grep { $old{$_} } keys %by) == 1,
       'one of them by the old worker ('
       . join(' ', grep { $old{$_} } keys %by) . ')');
    ok((grep { !$old{$_} } keys %by) == 1, 'one by a new worker');
    ok(wait_for(sub { !grep { alive($_) } keys %old }, 5),
       'then the old worker exits: it has nothing left');
}

# nginx before 1.21.2 with OpenSSL 3 logs a close without close_notify
# at crit ("unexpected eof while reading"), later nginx does not
my @bad = grep { !/unexpected eof while reading/ }
          grep { /\[(alert|crit|emerg)\]|exited on signal/ } error_lines();
is(join('', @bad), '', 'no alert, crit, emerg or crash in the error log');

if ($valgrind) {
    # what valgrind says comes with the processes' ends
    stop_master($master);
    $master = undef;
    my $report = join '', map { slurp($_) } glob "$dir/logs/valgrind-*.log";
    ok($report !~ /^==\d+== (?:Invalid |Conditional jump|Use of uninit|Mismatched free|Syscall param|Source and destination overlap)/m,
       'valgrind: no memory error in nginx') or diag $report;
}

diag sprintf 'took %.1f s', time - $t_start;
done_testing();


# --- clients and servers ----------------------------------------------------

# a failure that leaves nothing to test: the rest is not run (cleanup()
# stops what was started), and the other test files still are
sub give_up {
    my ($what) = @_;
    fail($what);
    done_testing();
    exit 1;
}

# a process whose stdout and stderr go to $dir/NAME.out
sub spawn {
    my ($name, @cmd) = @_;
    my $out = "$dir/$name.out";
    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        open STDOUT, '>>', $out or die "$out: $!";
        open STDERR, '>&', \*STDOUT or die "stderr: $!";
        open STDIN, '<', '/dev/null';
        exec @cmd or POSIX::_exit(127);
    }

    return $proc{$pid} = { pid => $pid, name => $name, out => $out };
}

# the CA, certificate and key of NAME (of t/pki, or a path without .pem)
sub cert {
    my ($name) = @_;
    my $base = $name =~ m{/} ? $name : "$pki/$name";
    return ("$pki/ca.crt", "$base.pem", "$base.key");
}

sub curl_cert {
    my ($name) = @_;
    my ($ca, $cert, $key) = cert($name);
    return ('--cacert', $ca, '--cert', $cert, '--key', $key);
}

# a WebSocket client NAME of certificate CERT on PATH
sub ws {
    my ($name, $path, $cert) = @_;
    return spawn($name, $python, '-u', "$live/ws_client.py",
                 "$wss$path?name=$name", cert($cert));
}

# the events a helper logged ("EPOCH WORD ARGS"): ({ t, word, args }, ...),
# those of one WORD if given
sub events {
    my ($p, $word) = @_;
    my @e;
    for (split /\n/, slurp($p->{out})) {
        next unless /^(\d+\.\d+) (\S+)(?: (.*))?$/;
        push @e, { t => $1, word => $2, args => [ split ' ', $3 // '' ] };
    }
    return grep { !defined $word || $_->{word} eq $word } @e;
}

# the first event WORD (with first argument ARG, if given), or undef
sub event {
    my ($p, $word, $arg) = @_;
    my ($e) = grep { !defined $arg || ($_->{args}[0] // '') eq $arg }
              events($p, $word);
    return $e;
}

sub echoes {
    my ($p) = @_;
    return scalar events($p, 'echo');
}

# whether a WebSocket client had an echo after time T
sub echoes_after {
    my ($p, $t) = @_;
    return scalar grep { $_->{t} > $t } events($p, 'echo');
}

# { t } when a process (curl) exited, or undef
sub exited {
    my ($p) = @_;
    reap();
    return $p->{ended} ? { t => $p->{ended} } : undef;
}

# { t } when the connection of curl P to nginx ended: it is no longer
# established (nginx reset or closed it; ss(8) looks), or curl exited; the
# first time it was seen, undef while it lives
sub curl_ended {
    my ($p) = @_;
    return $p->{gone} if $p->{gone};
    my $e = exited($p);
    if (!$e && $have_ss) {
        my $ss = `ss -tnpH state established '( dport = :$port )' 2>/dev/null`;
        $e = { t => time } if $ss !~ /\bpid=$p->{pid},/;
    }
    return $p->{gone} = $e;
}

sub reap {
    for my $p (values %proc) {
        next if $p->{ended};
        if (waitpid($p->{pid}, WNOHANG) == $p->{pid}) {
            $p->{ended} = time;
            $p->{status} = $?;
        }
    }
}

# the HTTP status of a GET of PATH by NAME
sub status {
    my ($name, $path) = @_;
    my $code = `curl -s --max-time 5 @{[ join ' ', curl_cert($name) ]} -o /dev/null -w '%{http_code}' $url$path`;
    return $code =~ /^(\d+)$/ ? $1 : 0;
}

# --- what the test looks at --------------------------------------------------

# the ended connection of client NAME is logged once, at error, with the
# location that admitted it
sub closed_logged {
    my ($name, $location) = @_;
    my @lines = grep { /connection closed.*location: "\Q$location\E"/ }
                error_lines();
    is(scalar @lines, 1, "$name: one \"connection closed\" line for "
                         . "location \"$location\"") or diag join '', @lines;
    like($lines[0] // '',
         qr/\[error\] .*certauthz: access forbidden, connection closed, reason: revoked, subject: "\Q$alice{subject}\E", serial: \Q$alice{serial}\E, location: "\Q$location\E"/,
         "$name: at error, reason revoked, alice's subject and serial");
}

# the access log line of the ended request of URI (and name= NAME) has
# $certauthz_reason REASON
sub access_reason {
    my ($uri, $name, $reason) = @_;
    my @lines;
    wait_for(sub {
        @lines = grep { $_->[1] eq $uri && (!defined $name || $_->[0] eq $name) }
                 map { [ split /\|/, $_, -1 ] }
                 split /\n/, slurp("$dir/logs/access.log");
        @lines;
    }, 2);
    is(join("\n", map { $_->[3] } @lines), $reason,
       "the access log line of $uri: \$certauthz_reason $reason")
        or diag join "\n", map { join '|', @$_ } @lines;
}

# the upstream server logged "closed NAME" (it saw nginx close the
# upstream connection of NAME)
sub upstream_closed {
    my ($server, $name) = @_;
    ok(wait_for(sub { event($server, 'closed', $name) }, 3),
       "$server->{name} sees the connection of $name closed")
        or diag slurp($server->{out});
}

sub error_lines {
    return split /^/m, slurp("$dir/logs/error.log");
}


# the value of the sample with exactly these labels, or undef
sub sample {
    my ($m, %labels) = @_;

    for my $s (@$m) {
        next if keys %{ $s->{labels} } != keys %labels;
        next if grep { ($s->{labels}{$_} // "\0") ne $labels{$_} }
                keys %labels;
        return $s->{value};
    }

    return undef;
}

# --- the rest ----------------------------------------------------------------

# the CRL file DEST becomes a copy of t/pki/crl/NAME (renamed into place);
# the time of the rename
sub swap {
    my ($dest, $name) = @_;
    write_file("$dest.tmp", Certauthz::Test::crl($name));
    rename "$dest.tmp", $dest or die "rename: $!";
    return time;
}

# a certificate's notAfter, Unix time
sub not_after {
    my ($file) = @_;
    my ($date) = `openssl x509 -in $file -noout -enddate` =~ /notAfter=(.*\S)/
        or die "no notAfter in $file\n";
    $date =~ s/\s+/ /g;
    return Time::Piece->strptime($date, '%b %d %H:%M:%S %Y GMT')->epoch;
}

# a serial as $certauthz_serial writes it: hex, no leading zeros
sub serial {
    my ($hex) = @_;
    $hex = uc($hex // '');
    $hex =~ s/^0+(?=.)//;
    return $hex;
}

sub listens {
    my ($p) = @_;
    return IO::Socket::INET->new(PeerAddr => "127.0.0.1:$p") ? 1 : 0;
}

sub took {
    my ($t) = @_;
    return defined $t ? sprintf(' (%.2f s)', $t) : ' (never)';
}

sub cleanup {
    local $?;

    for my $p (values %proc) {
        kill 'TERM', $p->{pid} unless $p->{ended};
    }
    for my $p (values %proc) {
        next if $p->{ended};
        wait_for(sub { waitpid($p->{pid}, WNOHANG) != 0 }, 2)
            or (kill('KILL', $p->{pid}), waitpid($p->{pid}, 0));
        $p->{ended} = time;
    }

    stop_master($master) if $master && alive($master);
    $master = undef;
}
