# After "nginx -s reload" the old workers live as long as their sessions
# do, and must keep applying every CRL change to them, as the new workers
# do.  A stream server with certauthz (refresh 1 s, proxy_timeout 1h)
# holds alice's session open on one chosen old worker (to a silent
# upstream); the reload makes
# the old workers without sessions exit; then two CRL changes in a row
# (door-1 revoked, then alice): the old worker must close alice's session
# within the refresh + 1 s of the second, and log it.  With two and four
# workers, the session on the first worker (the others exit) and on the
# last one (the first exits).  And an old worker that lags (stopped) and
# then dies is said by another old worker, which goes on applying changes.
#
# Not a Test::Nginx file: it starts nginx itself (on a free loopback port,
# with reuseport so that sessions spread over the workers), finds which
# worker holds a session from /proc, and stops nginx at the end.

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();

use File::Temp qw(tempdir);
use IO::Socket::INET;
use IO::Socket::UNIX;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

my $pki = $ENV{TEST_NGINX_PKI};
my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = grep { length } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES} // '';

plan skip_all => 'the stream module of certauthz is not built'
    unless grep { /ngx_stream_certauthz_module/ } @modules;

my $refresh = 1;       # seconds
my @cleanup;

END { $_->() for @cleanup; }

for my $case ([2, 'last'], [2, 'first'], [4, 'last'], [4, 'first']) {
    subtest "$case->[0] workers, the session on the $case->[1] worker"
        => sub { reload_case(@$case) };
}

subtest 'an old worker that lags, then dies, is said; the other old one '
        . 'goes on' => sub { dead_case() };

done_testing();


# nginx with N workers in a directory of its own: (dir, port, master,
# worker pids in the order of ngx_worker), or () after a failed test
sub start {
    my ($workers) = @_;

    my $dir = tempdir(CLEANUP => !$ENV{TEST_NGINX_NO_CLEAN});
    diag "kept in $dir" if $ENV{TEST_NGINX_NO_CLEAN};
    chmod 0755, $dir;      # the workers' user reads the CRL there
    my $port = free_port();

    mkdir "$dir/logs";
    sink("$dir/sink.sock");
    write_file("$dir/door.crl", Certauthz::Test::crl('int-empty.crl'));
    write_file("$dir/nginx.conf", config($dir, $port, $workers));

    if (system($nginx, '-p', "$dir/", '-c', "$dir/nginx.conf") != 0) {
        fail("nginx starts: " . slurp("$dir/logs/error.log"));
        return ();
    }

    my $master = wait_pid("$dir/logs/nginx.pid");
    push @cleanup, sub { kill 'QUIT', $master };

    my @workers = wait_workers($master, $workers);
    is(scalar @workers, $workers, "$workers workers");

    return ($dir, $port, $master, @workers);
}

# a session of alice on the worker TARGET (sessions are opened until one
# lands there, the others closed), or undef
sub session_on {
    my ($dir, $port, $target, @workers) = @_;
    my ($session, @others);

    for (1 .. 60) {
        my $s = session($dir, $port, 'alice');
        last unless $s;

        my $owner = owner($s, $port, @workers);

        if (defined $owner && $owner == $target) {
            $session = $s;
            last;
        }

        push @others, $s;
    }

    close_session($_) for @others;

    return $session;
}


# 4 workers; alice's sessions on old workers 2 and 3 after a reload;
# worker 3 is stopped, a change comes (it lags), then it is killed (an
# old worker is not started again): another old worker says that it
# exited before it took the change; the next change, revoking alice,
# closes her session on worker 2 as before
sub dead_case {
    my ($dir, $port, $master, @old) = start(4) or return;

    my $s2 = session_on($dir, $port, $old[2], @old);
    my $s3 = session_on($dir, $port, $old[3], @old);

    ok($s2 && $s3, "sessions of alice on workers $old[2] and $old[3]")
        or return;

    kill 'HUP', $master;

    ok(wait_for(sub { (grep { kill 0, $_ } @old) == 2 }, 15),
       'after the reload, two old workers are left');

    kill 'STOP', $old[3];
    swap("$dir/door.crl", 'int-door-1.crl');
    sleep $refresh + 1.5;

    kill 'KILL', $old[3];
    waitpid $s3, 0 if wait_for(sub { !alive($s3) }, 5);

    ok(wait_for(sub {
           slurp("$dir/logs/error.log")
               =~ /worker process $old[3] exited before it took the CRLs of "[^"]+door\.crl" in force/
       }, $refresh + 3), "the old worker $old[2] says that $old[3] is gone");

    ok(alive($s2), 'door-1 revoked: alice\'s session on the other lives on');

    my $t0 = time;
    swap("$dir/door.crl", 'int-alice.crl');
    wait_for(sub { !alive($s2) }, 10);
    my $took = time - $t0;

    ok(!alive($s2), sprintf('alice revoked: her session is closed (after'
                            . ' %.1f s)', $took));
    cmp_ok($took, '<=', $refresh + 1 + 1,
           'within the refresh + 1 s (and 1 s for a busy machine)');

    kill 'QUIT', $master;
    wait_for(sub { !kill 0, $master }, 10);
}


sub reload_case {
    my ($workers, $which) = @_;

    my ($dir, $port, $master, @old) = start($workers) or return;

    # the worker that is to hold the session: pids grow with ngx_worker
    my $target = $which eq 'first' ? $old[0] : $old[-1];
    my $session = session_on($dir, $port, $target, @old);

    ok($session, "a session of alice on worker $target")
        or return;

    # the reload: the old workers without sessions exit
    kill 'HUP', $master;

    my @left;
    ok(wait_for(sub {
           @left = grep { kill 0, $_ } @old;
           @left == 1
       }, 15), 'after the reload, the old workers without sessions exit')
        or diag "old workers left: @left";

    ok(alive($session), 'the session lives on in old worker ' . $target);

    # two changes in a row; the second revokes alice
    swap("$dir/door.crl", 'int-door-1.crl');
    sleep $refresh + 1.5;

    ok(alive($session), 'door-1 revoked: alice\'s session lives on');

    my $t0 = time;
    swap("$dir/door.crl", 'int-alice.crl');

    wait_for(sub { !alive($session) }, 10);
    my $took = time - $t0;

    ok(!alive($session), sprintf('alice revoked: her session is closed'
                                 . ' (after %.1f s)', $took));
    cmp_ok($took, '<=', $refresh + 1 + 1,
           'within the refresh + 1 s (and 1 s for a busy machine)');

    like(slurp("$dir/logs/error.log"),
         qr/\[error\] $target#\d+: \*\d+ certauthz: access forbidden, connection closed, reason: revoked, subject: "CN=alice/,
         'the old worker logs it as a denial, reason revoked');

    my $new = session($dir, $port, 'alice');
    ok($new && wait_for(sub { !alive($new) }, 5),
       'a new session of alice is refused');
    close_session($new) if $new;

    # (nginx before 1.21 logs a client gone without close_notify at crit
    # with OpenSSL 3: "SSL_read() failed ... unexpected eof"; the sessions
    # that did not land on the chosen worker leave so)
    my @bad = grep { !/SSL_read\(\) failed .*unexpected eof/ }
              grep { /\[(alert|crit|emerg)\]|has not taken the CRLs/ }
              split /\n/, slurp("$dir/logs/error.log");
    is(join("\n", @bad), '', 'no alert, and no worker said to lag');

    kill 'QUIT', $master;
    wait_for(sub { !kill 0, $master }, 10);
}


sub config {
    my ($dir, $port, $workers) = @_;
    my $load = join '', map { "load_module $_;\n" } @modules;

    # CERTAUTHZ_CORE_DIR=DIR: core dumps of crashing workers there, for gdb
    $load .= "worker_rlimit_core 1g;\nworking_directory $ENV{CERTAUTHZ_CORE_DIR};\n"
        if $ENV{CERTAUTHZ_CORE_DIR};

    return <<"EOF";
$load
daemon on;
master_process on;
worker_processes $workers;
pid logs/nginx.pid;
error_log logs/error.log info;

events {
    worker_connections 256;
}

stream {
    server {
        listen 127.0.0.1:$port ssl reuseport;
        include $pki/stream-tls.conf;
        ssl_verify_client on;

        certauthz on;
        certauthz_crl $dir/door.crl;
        certauthz_crl_refresh ${refresh}s;

        proxy_timeout 1h;
        proxy_pass unix:$dir/sink.sock;
    }
}
EOF
}


# the upstream: a process of its own (not a worker, which the reload
# would keep alive) that accepts connections and holds them, silent
sub sink {
    my ($path) = @_;

    my $l = IO::Socket::UNIX->new(Local => $path, Listen => 64)
        or die "sink $path: $!";
    chmod 0777, $path;

    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        my @held;
        while (my $c = $l->accept) {
            push @held, $c;
        }
        POSIX::_exit(0);
    }

    close $l;
    push @cleanup, sub { kill 'KILL', $pid };
}

# an openssl s_client session of NAME, kept open (-quiet: stdin's end is
# not the session's); its pid, or undef
sub session {
    my ($dir, $port, $name) = @_;

    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$dir/s_client.out";
        open STDERR, '>&', \*STDOUT;
        exec 'openssl', 's_client', '-quiet', '-connect', "127.0.0.1:$port",
             '-cert', "$pki/$name.pem", '-key', "$pki/$name.key",
             '-CAfile', "$pki/ca.crt"
            or POSIX::_exit(127);
    }

    push @cleanup, sub { kill 'KILL', $pid };

    # connected once its socket is established (or refused already)
    return undef unless wait_for(sub { defined client_port($pid)
                                       || !alive($pid) }, 5);

    # and certauthz has decided (a refused one is closed then)
    sleep 0.3;

    return $pid;
}

sub alive {
    my ($pid) = @_;
    return 0 unless $pid;
    return 0 if waitpid($pid, WNOHANG) == $pid;
    return kill 0, $pid;
}

sub close_session {
    my ($pid) = @_;
    kill 'KILL', $pid;
    waitpid $pid, 0;
}

# the local port of the TCP socket of a process
sub client_port {
    my ($pid) = @_;
    my %inode;

    for my $fd (glob "/proc/$pid/fd/*") {
        my $l = readlink $fd // next;
        $inode{$1} = 1 if $l =~ /^socket:\[(\d+)\]$/;
    }

    for my $line (split /\n/, slurp('/proc/net/tcp')) {
        my @f = split ' ', $line;
        next unless @f > 9 && $inode{$f[9]} && $f[3] eq '01';
        return hex((split /:/, $f[1])[1]);
    }

    return undef;
}

# which of the workers holds the server side of a session
sub owner {
    my ($pid, $port, @workers) = @_;

    my $cport = client_port($pid) // return undef;
    my $inode;

    for my $line (split /\n/, slurp('/proc/net/tcp')) {
        my @f = split ' ', $line;
        next unless @f > 9 && $f[1] =~ /:/;
        my $local = hex((split /:/, $f[1])[1]);
        my $remote = hex((split /:/, $f[2])[1]);
        $inode = $f[9] if $local == $port && $remote == $cport;
    }

    return undef unless $inode;

    for my $w (@workers) {
        for my $fd (glob "/proc/$w/fd/*") {
            my $l = readlink $fd // next;
            return $w if $l eq "socket:[$inode]";
        }
    }

    return undef;
}

sub swap {
    my ($dest, $name) = @_;
    write_file("$dest.tmp", Certauthz::Test::crl($name));
    rename "$dest.tmp", $dest or die "rename: $!";
}

sub wait_pid {
    my ($file) = @_;
    wait_for(sub { -s $file }, 10);
    my $pid = slurp($file);
    chomp $pid;
    return $pid;
}

sub wait_workers {
    my ($master, $n) = @_;
    my @w;
    wait_for(sub {
        @w = sort { $a <=> $b } split ' ', `pgrep -P $master`;
        @w >= $n
    }, 10);
    return @w;
}

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
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
