# End to end with MQTT, the seeds' door opener: a mosquitto broker on
# loopback behind nginx stream + certauthz (TLS there, plain MQTT to the
# broker), real mosquitto_pub / mosquitto_sub clients with the test PKI's
# certificates.  Doors (OU=doors) may talk, people may not; a CRL swapped
# without a reload closes the live session of the revoked door within
# certauthz_crl_refresh + 1 s, and the broker then publishes that door's
# will to the other door, whose session stays up.  Then clients that
# misbehave, and nginx still serves.
#
# Not a Test::Nginx file: it starts the broker and nginx itself (both on
# free loopback ports) and stops them at the end.

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();

use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

my $pki = $ENV{TEST_NGINX_PKI};
my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = grep { length } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES} // '';

for my $tool (qw(mosquitto mosquitto_pub mosquitto_sub)) {
    my $found = grep { -x "$_/$tool" } split(/:/, $ENV{PATH}), '/usr/sbin';
    plan skip_all => "$tool not found (Debian: mosquitto, mosquitto-clients;"
                     . " make test installs them)" unless $found;
}

my $dir = tempdir(CLEANUP => !$ENV{TEST_NGINX_NO_CLEAN});
diag "kept in $dir" if $ENV{TEST_NGINX_NO_CLEAN};
my $broker_port = free_port();
my $tls_port = free_port();
my @pids;

END { kill 'TERM', @pids if @pids; }

# --- the broker (it logs to stderr: as root it runs as user mosquitto,
# who may not write into our directory) -----------------------------------
write_file("$dir/mosquitto.conf", <<"EOF");
listener $broker_port 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
log_type all
EOF

my $mosquitto = -x '/usr/sbin/mosquitto' ? '/usr/sbin/mosquitto' : 'mosquitto';
push @pids, spawn("$dir/mosquitto.out", $mosquitto, '-c', "$dir/mosquitto.conf");
ok(wait_port($broker_port), 'the broker listens');

# --- nginx with certauthz in front of it -------------------------------
write_file("$dir/door.crl", Certauthz::Test::crl('int-empty.crl'));
mkdir "$dir/logs";

my $loads = join '', map { "load_module $_;\n" } @modules;
write_file("$dir/nginx.conf", <<"EOF");
${loads}worker_processes 1;
daemon off;
master_process off;
error_log $dir/logs/error.log info;
pid $dir/logs/nginx.pid;
events { worker_connections 2048; }
stream {
    log_format mqtt '\$certauthz_cn \$status \$certauthz_reason';
    access_log $dir/logs/access.log mqtt;

    server {
        listen 127.0.0.1:$tls_port ssl;
        include $pki/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_allow ou=doors "cn~^door-[0-9]+\$";
        certauthz_deny all;
        certauthz_crl $dir/door.crl;
        certauthz_crl_refresh 1s;

        proxy_pass 127.0.0.1:$broker_port;
    }
}
EOF

my $t = `$nginx -t -p $dir/ -c $dir/nginx.conf 2>&1`;
is($?, 0, 'nginx -t accepts the configuration') or diag $t;
push @pids, spawn("$dir/nginx.out", $nginx, '-p', "$dir/", '-c', "$dir/nginx.conf");
ok(wait_port($tls_port), 'nginx listens');

# --- two doors subscribe; door-1 leaves a will -------------------------
my $sub2 = "$dir/door-2.sub";
my $door2 = spawn($sub2, 'mosquitto_sub', tls('door-2'), '-i', 'door-2',
                  '-t', 'doors/#', '-v');
push @pids, $door2;

my $door1 = spawn("$dir/door-1.sub", 'mosquitto_sub', tls('door-1'),
                  '-i', 'door-1', '-t', 'doors/door-1/cmd', '-v',
                  '--will-topic', 'doors/status', '--will-payload', 'door-1 lost');
push @pids, $door1;

ok(wait_for(sub { (() = slurp("$dir/mosquitto.out") =~ /New client connected .* as door-[12]/g) >= 2 }, 5),
   'both doors are connected to the broker through nginx');

is(publish('door-1', 'doors/front', 'open'), 0, 'door-1 publishes');
ok(wait_for(sub { slurp($sub2) =~ m{^doors/front open$}m }, 5),
   'door-2 receives what door-1 published');

isnt(publish('bob', 'doors/front', 'open by bob'), 0,
     'a person (OU=Sales) is refused');
like(slurp("$dir/logs/error.log"),
     qr/certauthz: access forbidden, reason: deny, rule: \S+nginx\.conf:\d+, subject: "CN=bob,OU=Sales,O=Example Corp"/,
     'the refusal is logged with its rule');
ok(wait_for(sub { slurp("$dir/logs/access.log") =~ /^bob 403 deny$/m }, 3),
   'the session of the refusal: $status 403, $certauthz_reason deny');
unlike(slurp($sub2), qr/open by bob/, 'nothing of it reached the broker');

# --- revoke door-1 without a reload -------------------------------------
my $t0 = time;
write_file("$dir/door.crl.tmp", Certauthz::Test::crl('int-door-1.crl'));
rename "$dir/door.crl.tmp", "$dir/door.crl" or die "rename: $!";

my $closed = wait_for(sub {
    slurp("$dir/logs/error.log")
        =~ /certauthz: access forbidden, connection closed, reason: revoked, subject: "CN=door-1,/
}, 5);
my $after = time - $t0;
ok($closed, 'the live session of the revoked door is closed, reason revoked');
note sprintf 'closed %.2f s after the swap', $after;
cmp_ok($after, '<=', 2.5,
       'within certauthz_crl_refresh (1 s) + 1 s (a little slack for polling)');

ok(wait_for(sub { slurp($sub2) =~ m{^doors/status door-1 lost$}m }, 5),
   "the broker saw door-1's session end: door-2 receives its will");

isnt(publish('door-1', 'doors/front', 'open again'), 0,
     'the revoked door cannot connect again');
is(publish('door-2', 'doors/door-2/cmd', 'still here'), 0, 'door-2 publishes');
ok(wait_for(sub { slurp($sub2) =~ m{^doors/door-2/cmd still here$}m }, 5),
   "door-2's own subscription, open since before the swap, still receives");
ok(kill(0, $door2), "door-2's subscriber is still running");
unlike(slurp("$dir/logs/error.log"), qr/connection closed.*CN=door-2/,
       'door-2 was never closed');

# --- clients that misbehave ----------------------------------------------
# handshake, then nothing: the connection is decided after the handshake,
# before any byte, and stays open until the client leaves
my $idle = spawn("$dir/idle.out", 'sh', '-c',
    "sleep 2 | openssl s_client -quiet -no_ign_eof -connect 127.0.0.1:$tls_port"
    . " -cert $pki/door-2.pem -key $pki/door-2.key");

# half a handshake, then gone
for (1 .. 20) {
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$tls_port") or next;
    print $s "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    close $s;
}

# 1,000 connections at once, dropped
my @socks = grep { defined } map {
    IO::Socket::INET->new(PeerAddr => "127.0.0.1:$tls_port")
} 1 .. 1000;
cmp_ok(scalar @socks, '>=', 900, 'about 1,000 connections opened at once');
close $_ for @socks;
@socks = ();

waitpid $idle, 0;

is(publish('door-2', 'doors/door-2/cmd', 'after the storm'), 0,
   'nginx still serves after them');
ok(wait_for(sub { slurp($sub2) =~ m{after the storm} }, 5),
   'and the message arrives');
# nginx before 1.21.2 with OpenSSL 3 logs any close without close_notify
# ("unexpected eof while reading") at crit; later nginx asks OpenSSL to
# take it as an end of stream (SSL_OP_IGNORE_UNEXPECTED_EOF)
my @bad = grep { !/unexpected eof while reading/ }
          grep { /\[(alert|crit|emerg)\]/ } split /^/m, slurp("$dir/logs/error.log");
is(join('', @bad), '', 'no alert, crit or emerg in the error log');

done_testing();

# --- helpers ---------------------------------------------------------------

sub tls {
    my ($name) = @_;
    return ('-h', '127.0.0.1', '-p', $tls_port, '--cafile', "$pki/ca.crt",
            '--cert', "$pki/$name.pem", '--key', "$pki/$name.key");
}

# mosquitto_pub's exit status (0: published)
sub publish {
    my ($name, $topic, $message) = @_;
    my $pid = spawn("$dir/pub-$name.out", 'mosquitto_pub', tls($name),
                    '-i', "pub-$name", '-t', $topic, '-m', $message);
    my $deadline = time + 10;
    while (time < $deadline) {
        return $? >> 8 if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    return -1;
}

sub spawn {
    my ($out, @cmd) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', $out or die "$out: $!";
        open STDERR, '>&', \*STDOUT or die "stderr: $!";
        open STDIN, '<', '/dev/null';
        exec @cmd or POSIX::_exit(127);
    }
    return $pid;
}

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub wait_port {
    my ($port) = @_;
    return wait_for(sub {
        IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") ? 1 : 0
    }, 10);
}

sub wait_for {
    my ($cond, $seconds) = @_;
    my $deadline = time + $seconds;
    while (time < $deadline) {
        return 1 if $cond->();
        sleep 0.05;
    }
    return $cond->() ? 1 : 0;
}

sub write_file {
    my ($file, $data) = @_;
    open my $f, '>', $file or die "$file: $!";
    print $f $data;
    close $f or die "$file: $!";
}

sub slurp {
    my ($file) = @_;
    open my $f, '<', $file or return '';
    local $/;
    return <$f> // '';
}
