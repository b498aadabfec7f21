package Certauthz::Proc;

# What the plain-Perl tests that start their own nginx and servers share
# (t/149-crl-fetch.t, t/151-crl-cdp.t, t/196-http-live.t): running a
# command, free ports, waiting for a pid file or a condition, whether a
# process lives, files, the samples of a metrics scrape.

use strict;
use warnings;

use Exporter 'import';
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More ();
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(run tempdir_0755 alive wait_pid free_port wait_for
                    write_file slurp children stop_master nginx_main
                    parse_metrics);

# the main and events blocks of an nginx.conf under its own prefix: the
# modules loaded, N workers, logs/nginx.pid, logs/error.log at info;
# CERTAUTHZ_CORE_DIR=DIR: core dumps of crashing workers there, for gdb
sub nginx_main {
    my ($workers, @modules) = @_;
    my $load = join '', map { "load_module $_;\n" } @modules;

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
EOF
}

# (exit code, stdout and stderr) of a command, its stdin /dev/null
sub run {
    my (@cmd) = @_;
    my $pid = open(my $out, '-|') // die "fork: $!";

    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        open STDIN, '<', '/dev/null';
        exec @cmd or POSIX::_exit(127);
    }

    local $/;
    my $text = <$out> // '';
    close $out;
    return ($? >> 8, $text);
}

# a directory that the workers' user (nobody) may read; kept with
# TEST_NGINX_NO_CLEAN=1
sub tempdir_0755 {
    my $dir = tempdir(CLEANUP => !$ENV{TEST_NGINX_NO_CLEAN});
    Test::More::diag("kept in $dir") if $ENV{TEST_NGINX_NO_CLEAN};
    chmod 0755, $dir;
    return $dir;
}

# a process that exited is a zombie until its parent (init, for nginx's
# master) reaps it, which may take seconds
sub alive {
    my ($pid) = @_;
    return 0 unless $pid;
    return 0 if waitpid($pid, WNOHANG) == $pid;
    return 0 unless kill 0, $pid;
    return slurp("/proc/$pid/stat") !~ /^\d+ \(.*\) Z /s;
}

sub children {
    my ($pid) = @_;
    return grep { /^\d+$/ } split ' ', `pgrep -P $pid`;
}

# nginx stopped gracefully (QUIT) within 8 s, its workers too, else killed
sub stop_master {
    my ($master) = @_;
    my @workers = children($master);

    kill 'QUIT', $master;
    return if wait_for(sub { !alive($master) && !grep { alive($_) } @workers },
                       8);

    Test::More::diag("nginx $master does not stop on QUIT, killed");
    kill 'KILL', $master, @workers;
    wait_for(sub { !alive($master) }, 2);
}

sub wait_pid {
    my ($file) = @_;
    wait_for(sub { -s $file }, 10);
    my $pid = slurp($file);
    chomp $pid;
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

# whether $cond holds within $seconds, looked at every 50 ms
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
    chmod 0644, $file;
}

sub slurp {
    my ($file) = @_;
    open my $f, '<', $file or return '';
    local $/;
    return <$f> // '';
}

# the samples of a scrape: ({ name, labels => { NAME => VALUE }, value }, ...)
sub parse_metrics {
    my ($text) = @_;
    my @m;

    for (split /\n/, $text) {
        next if /^#/ || !/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
        my ($name, $labels, $value) = ($1, $2 // '', $3);
        my %l;

        while ($labels =~ /\G([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gc) {
            my ($k, $v) = ($1, $2);
            $v =~ s/\\(.)/$1 eq 'n' ? "\n" : $1/ge;
            $l{$k} = $v;
        }

        push @m, { name => $name, labels => \%l, value => $value };
    }

    return @m;
}

1;
