package Test::Nginx::Util;

# Server-side half of the project's fallback test runner: settings, the
# server root, nginx.conf generation and nginx process control.
#
# This file is the project's own code.  It is a small stand-in for the
# module of the same name in CPAN's Test-Nginx distribution and is only
# loaded when that distribution is not installed (see ../Nginx/Socket.pm
# for the overview and the list of what is supported).

use strict;
use warnings;

use Carp ();
use File::Path qw(make_path remove_tree);
use File::Spec ();
use IO::Socket::INET ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use Test::More ();

use Exporter 'import';

our @EXPORT = qw(
    repeat_each workers worker_connections log_level master_on master_off
    no_root_location no_shuffle env_to_nginx add_block_preprocessor
    config_preamble
    server_port server_root html_dir timeout bail_out no_long_string
    parse_time expand_env prepare_servroot write_user_files write_config
    launch_nginx stop_nginx nginx_running error_log_chunk
    $ServerPort $ServRoot $LogLevel $Timeout $RepeatEach $Verbose $NoClean
    $UseValgrind @BlockPreprocessors
);

# ----------------------------------------------------------------------
# Settings: environment first, then the setter functions below.

our $NginxBinary   = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $ServerPort    = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
our $ServRoot      = $ENV{TEST_NGINX_SERVROOT}
                     || File::Spec->rel2abs(File::Spec->catdir('t', 'servroot'));
our $LogLevel      = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $Timeout       = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $Verbose       = $ENV{TEST_NGINX_VERBOSE};
our $NoClean       = $ENV{TEST_NGINX_NO_CLEAN};
our $UseValgrind   = $ENV{TEST_NGINX_USE_VALGRIND};
our @LoadModules   = grep { length } split /\s+/, ($ENV{TEST_NGINX_LOAD_MODULES} // '');

our $RepeatEach        = 1;
our $Workers           = 1;
our $WorkerConnections = 64;
our $MasterProcess     = 'off';
our $NoRootLocation    = 0;
our $ConfigPreamble    = '';
our @EnvToNginx;
our @BlockPreprocessors;

$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

my $MainPid  = $$;                            # only this process cleans up
my $ChildPid;                                 # nginx run in the foreground
my $StartedNginx;                             # did we ever start one?
my ($NginxVersion, $NginxBuildInfo);

sub repeat_each        { $RepeatEach = shift if @_; $RepeatEach }
sub workers            { $Workers = shift if @_; $Workers }
sub worker_connections { $WorkerConnections = shift if @_; $WorkerConnections }
sub log_level          { $LogLevel = shift if @_; $LogLevel }
sub timeout            { $Timeout = shift if @_; $Timeout }
sub server_port        { $ServerPort = shift if @_; $ServerPort }
sub master_on          { $MasterProcess = 'on' }
sub master_off         { $MasterProcess = 'off' }
sub no_root_location   { $NoRootLocation = 1 }
sub config_preamble    { $ConfigPreamble = shift // '' }   # server-block text
sub no_shuffle         { 1 }     # blocks always run in file order here
sub no_long_string     { 1 }     # accepted for compatibility; no effect
sub server_root        { $ServRoot }
sub html_dir           { File::Spec->catdir($ServRoot, 'html') }

sub env_to_nginx {
    for my $var (@_) {
        Carp::croak("env_to_nginx: bad variable name '$var'")
            unless $var =~ /^[A-Za-z_]/ && $var !~ /\n/;
        push @EnvToNginx, $var;
    }
}

sub add_block_preprocessor (&) {
    push @BlockPreprocessors, shift;
}

sub bail_out {
    my $msg = join '', @_;
    stop_nginx('bail_out');
    Test::More::BAIL_OUT($msg);
}

sub _path { File::Spec->catfile($ServRoot, @_) }

sub _log { warn "# [runner] @_\n" if $Verbose }

# "500ms" -> 0.5, "2s" -> 2, "1.5" -> 1.5
sub parse_time {
    my $t = shift;
    return undef unless defined $t;
    $t =~ s/^\s+|\s+$//g;
    return $1 / 1000 if $t =~ /^([\d.]+)ms$/;
    return $1        if $t =~ /^([\d.]+)s?$/;
    return $t;
}

# ----------------------------------------------------------------------
# $TEST_NGINX_* expansion.  $TEST_NGINX_RAND_PORT_<n> picks a free port,
# remembered in %$ports so that it is the same everywhere in one block.

sub _port_is_free {
    my $port = shift;
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                  Proto => 'tcp', Listen => 1, ReuseAddr => 1);
    return 0 unless $s;
    close $s;
    return 1;
}

sub _random_port {
    my $taken = shift;
    for (1 .. 500) {
        my $port = 2000 + int rand 60000;
        next if $taken->{$port};
        return $port if _port_is_free($port);
    }
    return undef;
}

sub expand_env {
    my ($text, $name, $ports) = @_;
    return $text unless defined $text && !ref $text;
    $ports ||= {};
    $text =~ s{\$(TEST_NGINX_[A-Z0-9_]+)}{
        my $var = $1;
        my $value;
        if ($var =~ /^TEST_NGINX_RAND_PORT_\d+$/) {
            $ports->{$var} //= do {
                my %taken = map { $_ => 1 } $ServerPort, grep { defined } values %$ports;
                _random_port(\%taken)
                    // bail_out("$name - no free port found for \$$var");
            };
            $value = $ports->{$var};
        } else {
            $value = $ENV{$var};
            bail_out("$name - environment variable $var is not defined"
                     . " (used as \$$var)") unless defined $value;
        }
        $value;
    }ge;
    return $text;
}

# ----------------------------------------------------------------------
# The server root: wiped and re-created for every block.

sub prepare_servroot {
    if (-d $ServRoot) {
        # Remove only what a test run creates (with the unix sockets that
        # tests listen on), then the directory itself: a mis-set
        # TEST_NGINX_SERVROOT must not destroy real data.
        remove_tree((map { _path($_) } qw(conf logs html cache)),
                    glob(_path('*_temp')), glob(_path('*_cache')),
                    glob(_path('*.sock')));
        rmdir $ServRoot
            or bail_out("cannot remove $ServRoot (not empty?): $!");
    }
    for my $dir ('', qw(conf logs html client_body_temp proxy_temp
                        fastcgi_temp uwsgi_temp scgi_temp)) {
        my $path = $dir eq '' ? $ServRoot : _path($dir);
        make_path($path) or bail_out("cannot create directory $path: $!");
    }
    _write_file(_path('html', 'index.html'),
                '<html><head><title>It works!</title></head>'
                . '<body>It works!</body></html>');
}

sub _write_file {
    my ($path, $data) = @_;
    open my $fh, '>', $path or bail_out("cannot write $path: $!");
    binmode $fh;
    print {$fh} $data;
    close $fh or bail_out("cannot write $path: $!");
}

# --- user_files: ">>> name [touch-date]" followed by the file's contents;
# relative names are put under html/, sub-directories are created.
sub write_user_files {
    my ($block, $ports) = @_;
    my $spec = $block->user_files;
    return unless defined $spec;
    my $name = $block->name;

    my @files;
    if (ref $spec eq 'ARRAY') {
        @files = @$spec;
    } elsif (!ref $spec) {
        for my $line (split /^/m, $spec) {
            if ($line =~ /^>>> (\S+)(?:\s+(.+?))?\s*$/) {
                push @files, [$1, '', $2];
            } elsif (@files) {
                $files[-1][1] .= $line;
            }
        }
    } else {
        bail_out("$name - user_files must be a string or an array reference");
    }

    for my $file (@files) {
        my ($fname, $body, $date) = @$file;
        my $path = $fname =~ m{^/} ? $fname : File::Spec->catfile(html_dir(), $fname);
        my ($vol, $dir) = File::Spec->splitpath($path);
        make_path($dir) unless -d $dir;
        _write_file($path, expand_env($body // '', $name, $ports));
        if (defined $date) {
            local $ENV{TZ} = 'GMT';
            system('touch', '-t', $date, $path) == 0
                or bail_out("$name - cannot set the date of $path to $date");
        }
    }
}

# ----------------------------------------------------------------------
# nginx.conf

sub _nginx_build_info {
    $NginxBuildInfo //= `$NginxBinary -V 2>&1` // '';
}

sub _nginx_version {
    return $NginxVersion if defined $NginxVersion;
    my ($maj, $min, $pat) = _nginx_build_info() =~ m{nginx/(\d+)\.(\d+)\.(\d+)};
    $NginxVersion = defined $maj ? $maj * 1_000_000 + $min * 1000 + $pat : 0;
    return $NginxVersion;
}

sub write_config {
    my ($block, $ports, $foreground) = @_;
    my $name = $block->name;

    my $main = join '', map { "load_module $_;\n" } @LoadModules;
    $main .= $block->main_config // '';
    $main  = expand_env($main, $name, $ports);
    my $http   = expand_env($block->http_config // '', $name, $ports);
    my $config = expand_env($block->config // '', $name, $ports);

    my $level  = $block->log_level // $LogLevel;
    my $logs   = _path('logs');
    my $daemon = $foreground ? 'off' : 'on';
    my $env    = join '', map { my $v = /\s/ ? "'$_'" : $_; "env $v;\n" } @EnvToNginx;

    my $build = _nginx_build_info();
    my @temp;
    push @temp, "client_body_temp_path $ServRoot/client_body_temp;"
        unless $http =~ /\bclient_body_temp_path\b/;
    push @temp, "proxy_temp_path $ServRoot/proxy_temp;"
        unless $http =~ /\bproxy_temp_path\b/;
    for my $mod (qw(fastcgi uwsgi scgi)) {
        push @temp, "${mod}_temp_path $ServRoot/${mod}_temp;"
            unless $build =~ /--without-http_${mod}_module/;
    }
    my $temp = join "\n    ", @temp;

    my $root = $NoRootLocation ? '' : <<"ROOT";
        location / {
            root $ServRoot/html;
            index index.html index.htm;
        }
ROOT

    my $user = $> == 0 ? "user root;\n" : '';

    my $conf = <<"CONF";
# generated by the certauthz test runner for: $name
worker_processes $Workers;
daemon $daemon;
master_process $MasterProcess;
error_log $logs/error.log $level;
pid $logs/nginx.pid;
$user$env
$main

http {
    access_log $logs/access.log;
    default_type text/plain;
    keepalive_timeout 68000ms;
    $temp

$http

    server {
        listen $ServerPort;
        server_name 'localhost';
        client_max_body_size 30M;

$ConfigPreamble
$config

$root    }
}

events {
    accept_mutex off;
    worker_connections $WorkerConnections;
}
CONF
    _write_file(_path('conf', 'nginx.conf'), $conf);
}

# ----------------------------------------------------------------------
# Processes

sub _alive {
    my $pid = shift;
    return 0 unless $pid && kill 0, $pid;
    # A zombie nobody reaps still answers kill 0; treat it as gone.
    if (open my $fh, '<', "/proc/$pid/stat") {
        my $stat = <$fh> // '';
        return 0 if $stat =~ /^\d+ \(.*\) Z/s;
    }
    return 1;
}

sub _pid_from_file {
    open my $fh, '<', _path('logs', 'nginx.pid') or return undef;
    my $pid = <$fh>;
    return undef unless defined $pid && $pid =~ /^\s*(\d+)/;
    return $1;
}

sub nginx_running { my $pid = $ChildPid // _pid_from_file(); _alive($pid) }

# Is something listening on our port -- and, given a pid, is it that
# process (so that another server on the same port cannot fool us)?
sub _listening {
    my ($pid) = @_;
    my %mine;
    if ($pid) {
        for my $fd (glob "/proc/$pid/fd/*") {
            my $target = readlink $fd // next;
            $mine{$1} = 1 if $target =~ /^socket:\[(\d+)\]$/;
        }
    }
    my $have_proc = 0;
    for my $file ('/proc/net/tcp', '/proc/net/tcp6') {
        open my $fh, '<', $file or next;
        $have_proc = 1;
        while (<$fh>) {
            # fields: sl local_address rem_address st ... inode (10th)
            my @f = split ' ';
            next unless defined $f[9] && $f[3] eq '0A';
            next unless $f[1] =~ /:([0-9A-F]{4})$/ && hex($1) == $ServerPort;
            return 1 if !$pid || $mine{$f[9]};
        }
    }
    return 0 if $have_proc;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ServerPort,
                                  Proto => 'tcp', Timeout => 1);
    return $s ? 1 : 0;
}

sub _nginx_argv {
    my @argv = ($NginxBinary, '-p', "$ServRoot/", '-c', 'conf/nginx.conf');
    # since 1.19.5, -e keeps start-up errors out of the compiled-in log path
    push @argv, '-e', _path('logs', 'error.log') if _nginx_version() >= 1_019_005;
    return @argv;
}

# nginx itself never frees a few process-lifetime allocations when it
# exits; these suppressions keep them from failing every block.
my $NginxExitLeaks = <<'SUPP';
{
   nginx: environment copy kept for the process lifetime
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   fun:ngx_set_environment
}
{
   nginx: per-process connection and event arrays
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   fun:ngx_event_process_init
}
{
   nginx: PCRE2 compile context cached by ngx_regex_compile
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   ...
   fun:pcre2_compile_context_create_8
}
{
   nginx: PCRE2 match data cached by ngx_regex_exec
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   ...
   fun:pcre2_match_data_create_8
}
{
   nginx: last TLS session an upstream peer keeps for reuse
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:CRYPTO_zalloc
   fun:SSL_SESSION_new
   ...
   fun:ngx_ssl_handshake
}
{
   nginx (stripped): per-process arrays allocated at process start
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   obj:*
   fun:ngx_single_process_cycle
   fun:main
}
{
   nginx (stripped): per-process arrays allocated at worker start
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   obj:*
   obj:*
   fun:ngx_spawn_process
}
{
   nginx (stripped): the same, in a worker started by a reload
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   obj:*/nginx
   obj:*/nginx
   obj:*/nginx
   fun:ngx_spawn_process
}
SUPP

sub _valgrind_argv {
    my @argv = ('valgrind', '-q', '--log-file=' . _path('logs', 'valgrind.log'));
    if ($UseValgrind =~ /^\d+$/) {
        my $supp = _path('conf', 'nginx-exit-leaks.supp');
        _write_file($supp, $NginxExitLeaks);
        push @argv, qw(--tool=memcheck --leak-check=full --show-possibly-lost=no
                       --errors-for-leak-kinds=definite --num-callers=50
                       --error-exitcode=99), "--suppressions=$supp";
        # a project-level suppression file, as CPAN's Test::Nginx reads it
        push @argv, '--suppressions=valgrind.suppress' if -f 'valgrind.suppress';
    } else {
        push @argv, split ' ', $UseValgrind;
    }
    return @argv;
}

sub _spawn {
    my ($stderr_file, @argv) = @_;
    _log("running: @argv");
    my $pid = fork;
    bail_out("fork failed: $!") unless defined $pid;
    if ($pid == 0) {
        open STDIN,  '<', '/dev/null';
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', $stderr_file;
        # as Test::Nginx: TEST_NGINX_LD_PRELOAD goes before LD_PRELOAD
        if (defined(my $pre = $ENV{TEST_NGINX_LD_PRELOAD})) {
            $ENV{LD_PRELOAD} = join ' ', grep { defined && length }
                               $pre, $ENV{LD_PRELOAD};
        }
        exec { $argv[0] } @argv or POSIX::_exit(127);
    }
    return $pid;
}

sub _slurp { open my $fh, '<', shift or return ''; local $/; <$fh> // '' }

# Starts nginx for the current server root.  In daemon mode, waits for
# the launcher to exit; with $foreground (valgrind) keeps nginx as our
# child and waits until it listens.  Returns ($exit_status, $stderr);
# status 0 means nginx is up.
sub launch_nginx {
    my ($name, $foreground) = @_;
    my $stderr_file = _path('logs', 'nginx-stderr.log');
    $StartedNginx = 1;

    if ($foreground) {
        my $pid = _spawn($stderr_file, _valgrind_argv(), _nginx_argv());
        my $deadline = time + 30 + $Timeout;
        while (time < $deadline) {
            if (waitpid($pid, WNOHANG) == $pid) {
                return ($? || 1, _slurp($stderr_file));
            }
            if (_listening($pid)) { $ChildPid = $pid; return (0, '') }
            sleep 0.1;
        }
        kill 'KILL', $pid;
        waitpid $pid, 0;
        return (-1, "nginx did not listen on port $ServerPort within 30 s\n"
                    . _slurp($stderr_file));
    }

    for my $attempt (1 .. 20) {
        my $pid = _spawn($stderr_file, _nginx_argv());
        my $deadline = time + 10 + $Timeout;
        my $done;
        while (time < $deadline) {
            last if $done = (waitpid($pid, WNOHANG) == $pid);
            sleep 0.02;
        }
        unless ($done) {
            kill 'KILL', $pid;
            waitpid $pid, 0;
            return (-1, "the nginx launcher did not exit\n" . _slurp($stderr_file));
        }
        my $status = $?;
        my $stderr = _slurp($stderr_file);
        if ($status != 0) {
            # the previous server's port may still be going away: retry
            if ($stderr =~ /Address already in use/ && $attempt < 20) {
                sleep 0.2;
                next;
            }
            return ($status, $stderr);
        }
        # daemon forked; its pid file and listener come right after
        for (1 .. 100) {
            my $daemon = _pid_from_file();
            last if $daemon && _listening($daemon);
            sleep 0.02;
        }
        return (0, $stderr);
    }
}

sub _wait_gone {
    my ($pid, $secs) = @_;
    my $deadline = time + $secs;
    while (time < $deadline) {
        if (defined $ChildPid && $pid == $ChildPid) {
            return 1 if waitpid($pid, WNOHANG) == $pid;
        } elsif (!_alive($pid)) {
            return 1;
        }
        sleep 0.02;
    }
    return 0;
}

# Stops the running nginx (if any).  Returns the valgrind report when nginx
# ran under valgrind and valgrind found errors, else undef.
sub stop_nginx {
    my ($name) = @_;
    return undef if $$ != $MainPid;
    my $pid = $ChildPid // _pid_from_file();
    my $report;
    if ($pid && _alive($pid)) {
        _log("stopping nginx $pid");
        my $gone;
        for my $step (['QUIT', $Timeout + ($ChildPid ? 30 : 0)], ['TERM', 2], ['KILL', 2]) {
            my ($sig, $secs) = @$step;
            warn "# $name: nginx $pid did not quit, sending SIG$sig\n" if $sig ne 'QUIT';
            kill $sig, $pid;
            last if $gone = _wait_gone($pid, $secs);
        }
        if ($ChildPid && $gone) {
            my $status = $?;
            my $vlog = _slurp(_path('logs', 'valgrind.log'));
            # -q leaves only error reports in the log
            if (($status >> 8) == 99 || $vlog =~ /ERROR SUMMARY: [1-9]/
                || $vlog =~ /^==\d+== (?:Invalid |Conditional jump|Use of uninit|Mismatched free|Syscall param|Source and destination overlap|.* definitely lost)/m) {
                $report = $vlog ne '' ? $vlog : "valgrind exit status $status\n";
            }
        }
    }
    undef $ChildPid;
    unlink _path('logs', 'nginx.pid');
    return $report;
}

# New lines of the error log since byte offset $$pos; advances $$pos.
sub error_log_chunk {
    my ($pos) = @_;
    sleep 0.05;    # let nginx finish log-phase writes after closing
    open my $fh, '<', _path('logs', 'error.log') or return [];
    seek $fh, $$pos, 0;
    my @lines = <$fh>;
    $$pos = tell $fh;
    return \@lines;
}

END {
    if (defined $MainPid && $$ == $MainPid && $StartedNginx) {
        local $?;
        if ($UseValgrind || !$NoClean) {
            stop_nginx('END');
        }
    }
}

1;
