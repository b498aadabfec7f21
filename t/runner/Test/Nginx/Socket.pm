package Test::Nginx::Socket;

=pod

=head1 NAME

Test::Nginx::Socket - the certauthz project's fallback nginx test runner

=head1 DESCRIPTION

A small, self-written stand-in for C<Test::Nginx::Socket> from CPAN's
Test-Nginx distribution.  The project's F<t/*.t> files use it only when
the CPAN module is not installed, so it follows that module's block
format and meanings for the subset below; it contains none of its code.

It is a L<Test::Base> subclass: blocks come from C<__DATA__>
(C<=== TEST n: name>, C<--- section [filters]>), and Test::Base's
filters (C<eval>, C<chomp>, ...) and exports (C<plan>, C<blocks>, C<is>,
C<like>, ...) work as usual, as does C<use Test::Nginx::Socket 'no_plan'>.

Functions: run_tests, repeat_each, no_shuffle (blocks are never shuffled
here), log_level, master_on, master_off, workers, worker_connections,
no_root_location, add_block_preprocessor, env_to_nginx, config_preamble
(text put into the test server block before each block's config),
server_root, html_dir, server_port, timeout, bail_out, no_long_string
(no effect).

Stream blocks come with Test::Nginx::Socket::Lua::Stream (t/runner).

Sections: main_config, http_config, config, user_files, log_level,
must_die, init (Perl code run after nginx starts, before the requests),
request (string or C<eval> array of strings), raw_request, pipelined_requests, more_headers, timeout, abort, wait, ignore_response,
error_code, error_code_like, response_headers, response_headers_like,
response_body, response_body_like, response_body_unlike, error_log,
no_error_log, grep_error_log, grep_error_log_out.

Environment: TEST_NGINX_BINARY, TEST_NGINX_SERVER_PORT, TEST_NGINX_SERVROOT,
TEST_NGINX_LOAD_MODULES, TEST_NGINX_LOG_LEVEL, TEST_NGINX_TIMEOUT,
TEST_NGINX_NO_CLEAN, TEST_NGINX_USE_VALGRIND, TEST_NGINX_VERBOSE.
C<$TEST_NGINX_*> in config texts, user files, response_body and
grep_error_log_out is replaced from %ENV; C<$TEST_NGINX_RAND_PORT_n>
is a free TCP port, the same within one block.

Each block gets a fresh server root and a freshly started nginx (a block
without C<--- config> reuses the previous block's server).  Error-log
checks look at what was logged since the previous check of the block;
for C<must_die> blocks they also look at nginx's stderr.  Under
TEST_NGINX_USE_VALGRIND, nginx runs in the foreground under memcheck and
errors valgrind reports fail the block ("valgrind found no errors").

Not supported (CPAN's module has them): block shuffling, HUP reloads,
systemtap, leak/benchmark modes, HTTP/2 and HTTP/3, curl, mocked TCP/UDP
servers, access_log / shutdown_error_log checks,
response_body_filters, skip_*/todo sections, requests split into packets
via C<request eval> arrays of arrays.

=cut

use strict;
use warnings;

use Test::Base ();    # its import() (inherited) sets up plans and exports
use Test::More ();
use File::Spec ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX qw(EAGAIN EWOULDBLOCK EINTR);
use Time::HiRes qw(sleep);

use Test::Nginx::Util;

our $VERSION = '0.01';
our @ISA     = ('Test::Base');

# Spiffy (Test::Base's base) exports these plus Test::Base's own list.
our @EXPORT = qw(
    run_tests repeat_each no_shuffle log_level master_on master_off
    workers worker_connections no_root_location add_block_preprocessor
    env_to_nginx server_root html_dir server_port timeout bail_out
    no_long_string config_preamble
);

my $CurPorts = {};    # $TEST_NGINX_RAND_PORT_* values of the current block
my $ServerOwner;      # name of the block that started the running nginx

sub run_tests {
    $ENV{TEST_NGINX_SERVER_PORT} //= $ServerPort;
    local $SIG{PIPE} = 'IGNORE';

    for my $block (Test::Base::blocks()) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value(name => "$0 " . $block->name);
        run_block($block);
    }

    finish_server() if $UseValgrind || !$NoClean;
}

# Stops the running nginx.  Under valgrind, its findings fail the block
# that started the server (blocks without --- config share it).
sub finish_server {
    my $report = stop_nginx($ServerOwner // 'run_tests');
    if (defined $report) {
        Test::More::fail(($ServerOwner // "nginx") . " - valgrind found no errors");
        Test::More::diag($report);
    }
    undef $ServerOwner;
}

# ----------------------------------------------------------------------
# One block

sub run_block {
    my ($block) = @_;
    my $name = $block->name;
    my $must_die = $block->must_die;

    if (!defined $block->config && !defined $must_die) {
        bail_out("$name - no --- config section and no server left"
                 . " running by an earlier block") unless nginx_running();
        my $pos = -s File::Spec->catfile($ServRoot, 'logs', 'error.log') || 0;
        run_requests($block, $_, \$pos) for 0 .. $RepeatEach - 1;
        return;
    }

    my $valgrind = $UseValgrind && !defined $must_die;
    $CurPorts = {};
    finish_server();
    prepare_servroot();
    write_user_files($block, $CurPorts);
    write_config($block, $CurPorts, $valgrind);

    return run_must_die($block, $must_die) if defined $must_die;

    my ($status, $stderr) = launch_nginx($name, $valgrind);
    $ServerOwner = $name;
    if ($status != 0) {
        Test::More::fail("$name - nginx started");
        Test::More::diag("nginx failed to start (status $status):\n$stderr");
        return;
    }

    # Perl code run after nginx started, before the first request
    if (defined(my $init = $block->init)) {
        eval $init;
        bail_out("$name - init failed: $@") if $@;
    }

    my $pos = 0;
    for my $rep (0 .. $RepeatEach - 1) {
        write_user_files($block, $CurPorts) if $rep > 0;
        run_requests($block, $rep, \$pos);
    }
}

# --- must_die: nginx must fail to start; no request is sent.  Patterns of
# --- error_log are looked for in nginx's stderr and in the error log.
sub run_must_die {
    my ($block, $must_die) = @_;
    my $name = $block->name;
    my $pos = 0;

    for my $rep (0 .. $RepeatEach - 1) {
        my ($status, $stderr) = launch_nginx($name, 0);
        if ($must_die =~ /^\s*(\d+)\s*$/) {
            my $code = $status > 0 ? $status >> 8 : $status;
            Test::More::is($code, $1, "$name - die with the expected exit code");
        } else {
            Test::More::isnt($status, 0, "$name - die as expected");
        }
        check_error_log($block, $rep, \$pos, [split /^/m, $stderr]);

        if ($status == 0) {
            warn "WARNING: $name - nginx should have died but started; stopping it\n";
            stop_nginx($name);
        }
    }
}

sub run_requests {
    my ($block, $rep, $pos) = @_;
    my $name    = $block->name;
    my $timeout = parse_time($block->timeout) // $Timeout;
    my $wait    = parse_time($block->wait);

    # stream servers (Test::Nginx::Socket::Lua::Stream): each answer is
    # read until the server closes; together they are the response body
    if (my $streams = $block->stream_exchanges) {
        my $body = join '', map { exchange($block, [$_->[1]], $timeout, $_->[0]) }
                                @$streams;
        check_response($block, { code => 200, headers => {}, raw_headers => '',
                                 body => $body }, 0, $rep, 0)
            unless defined $block->ignore_response;
        sleep $wait if $wait;
        check_error_log($block, $rep, $pos);
        return;
    }

    my @reqs    = build_requests($block);

    my $total = 0;
    $total += $_->{responses} for @reqs;
    my $multi = $total > 1 || defined $block->pipelined_requests;

    my $idx = 0;
    for my $req (@reqs) {
        my $raw = exchange($block, $req->{packets}, $timeout);
        for (1 .. $req->{responses}) {
            my ($res, $left) = parse_response($raw, $req->{head});
            $raw = $left;
            if ($res->{error}) {
                Test::More::fail("$name - $res->{error}");
            }
            check_response($block, $res, $idx, $rep, $multi)
                unless defined $block->ignore_response;
            if ($idx < $total - 1) {   # one log check per response
                sleep $wait if $wait;
                check_error_log($block, $rep, $pos);
            }
            $idx++;
        }
    }

    sleep $wait if $wait;
    check_error_log($block, $rep, $pos);
}

# ----------------------------------------------------------------------
# Building requests

# Returns a list of { packets => [...], responses => N, head => bool };
# each element is sent on its own connection.
sub build_requests {
    my ($block) = @_;
    my $name = $block->name;

    if (defined(my $raw = $block->raw_request)) {
        my @packets = ref $raw eq 'ARRAY' ? @$raw : ($raw);
        return { packets => \@packets, responses => 1,
                 head => $packets[0] =~ /^\s*HEAD\s/ ? 1 : 0 };
    }

    my $more = $block->more_headers // '';
    my $headers_for = sub {
        my $i = shift;
        return $more unless ref $more eq 'ARRAY';
        return $more->[$i]
            // bail_out("$name - --- more_headers has no entry for request $i");
    };

    if (defined(my $list = $block->pipelined_requests)) {
        bail_out("$name - --- pipelined_requests must be an array reference")
            unless ref $list eq 'ARRAY';
        my $data = '';
        for my $i (0 .. $#$list) {
            my $text = expand_env($list->[$i], $name, $CurPorts);
            my $conn = $i == $#$list ? 'close' : 'keep-alive';
            $data .= make_request($name, $text, $headers_for->($i), $conn);
        }
        return { packets => [$data], responses => scalar @$list, head => 0 };
    }

    my $request = $block->request;
    bail_out("$name - no --- request section") unless defined $request;
    bail_out("$name - --- request must be a string or an array of strings")
        if ref $request && ref $request ne 'ARRAY';

    my @texts;
    if (ref $request) {
        @texts = @$request;
    } else {
        # leading blank space and comment lines are not part of the request
        1 while $request =~ s/\A\s*#[^\n]*\n// || $request =~ s/\A\s+//;
        @texts = ($request);
    }

    my @out;
    for my $i (0 .. $#texts) {
        my $text = $texts[$i];
        bail_out("$name - request $i: packet arrays are not supported by this runner")
            if ref $text;
        push @out, {
            packets   => [make_request($name, $text, $headers_for->($i), 'close')],
            responses => 1,
            head      => $text =~ /^\s*HEAD\s/ ? 1 : 0,
        };
    }
    return @out;
}

# "Name: value" lines (blank and #-lines skipped) -> CRLF header block
sub more_headers_text {
    my ($spec) = @_;
    my ($out, $chunked) = ('', 0);
    for my $line (split /\n+/, $spec // '') {
        next if $line =~ /^\s*(?:#|$)/;
        my ($key, $val) = split /:\s*/, $line, 2;
        $val //= '';
        $chunked = 1 if lc $key eq 'transfer-encoding' && $val eq 'chunked';
        $out .= "$key: $val\r\n";
    }
    return ($out, $chunked);
}

# The request text is "METHOD [URI [VERSION]]" on the first line; any
# further lines are the request body.  Host and Connection headers are
# added unless --- more_headers has them, Content-Length for a body.
sub make_request {
    my ($name, $text, $more, $conn) = @_;
    my ($line, $body) = split /\n/, $text // '', 2;
    $line //= '';
    $body //= '';

    $line =~ /^\s*(\S+)(?:[ \t]+(\S+))?(?:[ \t]+(\S+))?\s*$/
        or bail_out("$name - bad request line \"$line\":"
                    . " expected METHOD [URI [HTTP-VERSION]]");
    my ($method, $uri, $version) = ($1, $2 // '/', $3 // 'HTTP/1.1');

    my ($headers, $chunked) = more_headers_text($more);
    my $length = '';
    if ($body ne '' && !$chunked && $headers !~ /^Content-Length:/mi) {
        $body =~ s/^\s+|\s+$//g;
        $length = 'Content-Length: ' . length($body) . "\r\n";
    }

    my $req = "$method $uri $version\r\n";
    $req .= "Host: localhost\r\n"     unless $headers =~ /^Host:/mi;
    $req .= "Connection: $conn\r\n"   unless $headers =~ /^Connection/mi;
    return $req . $headers . $length . "\r\n" . $body;
}

# ----------------------------------------------------------------------
# Talking to nginx

sub _connect {
    my ($timeout, $port) = @_;
    my $sock;
    for my $try (1 .. 20) {
        $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                      Proto => 'tcp', Timeout => $timeout);
        return $sock if $sock;
        last unless $!{ECONNREFUSED};
        sleep 0.05 * $try;
    }
    return undef;
}

# Sends the packets on one connection, reads until EOF; returns the raw
# response.  A read timeout is a test failure unless --- abort is given.
sub exchange {
    my ($block, $packets, $timeout, $port) = @_;
    my $name  = $block->name;
    my $delay = parse_time($block->raw_request_middle_delay);

    $port //= $ServerPort;
    my $sock = _connect($timeout, $port);
    unless ($sock) {
        Test::More::fail("$name - cannot connect to 127.0.0.1:$port: $!");
        return '';
    }
    $sock->blocking(0);
    warn "# >>> request:\n", join('', @$packets), "\n" if $Verbose;

    my @todo = @$packets;
    my $out  = shift @todo;
    my $resp = '';
    my $sel  = IO::Select->new($sock);

    while (1) {
        $! = 0;
        my ($r, $w) = IO::Select->select($sel, defined $out ? $sel : undef,
                                         undef, $timeout);
        if (!$r && !$w) {
            next if $!{EINTR};
            Test::More::fail("ERROR: client socket timed out - $name")
                unless defined $block->abort;
            last;
        }
        if ($w && @$w) {
            my $n = syswrite $sock, $out;
            if (defined $n) {
                substr($out, 0, $n, '');
                if ($out eq '') {
                    $out = shift @todo;
                    sleep $delay if defined $out && $delay;
                }
            } elsif ($! != EAGAIN && $! != EWOULDBLOCK) {
                undef $out;       # peer stopped reading; still read its answer
                @todo = ();
            }
        }
        if ($r && @$r) {
            my $n = sysread $sock, my $buf, 16384;
            if ($n) {
                $resp .= $buf;
            } elsif (defined $n || ($! != EAGAIN && $! != EWOULDBLOCK)) {
                last;             # EOF or error
            }
        }
    }
    close $sock;
    warn "# <<< response:\n$resp\n" if $Verbose;
    return $resp;
}

# Parses one response off the front of $raw.  Returns ($res, $rest) where
# $res = { code, headers => { lc name => [values] }, raw_headers, body, error }.
sub parse_response {
    my ($raw, $head_req) = @_;
    my %res = (code => undef, headers => {}, raw_headers => '', body => '');

    my ($head, $rest) = ($raw, '');
    if ($raw =~ /\A(.*?\r\n)\r\n/s) {
        $head = $1;
        $rest = substr $raw, length($1) + 2;
    }
    $res{raw_headers} = $head;

    my ($status_line, @lines) = split /\r\n/, $head;
    $res{code} = $1 if defined $status_line && $status_line =~ m{^HTTP/[\d.]+\s+(\d{3})};
    for (@lines) {
        push @{ $res{headers}{lc $1} }, $2 if /^([^:\s]+)\s*:\s*(.*?)\s*$/;
    }

    my $code = $res{code} // 0;
    my $te   = header(\%res, 'Transfer-Encoding');
    my $len  = header(\%res, 'Content-Length');

    if ($head_req || $code == 304 || $code == 204 || ($code >= 100 && $code < 200)) {
        return (\%res, $rest);
    }
    if (defined $te && $te =~ /\bchunked\b/i) {
        my $left;
        ($res{body}, $left, $res{error}) = dechunk($rest);
        return (\%res, $left);
    }
    if (defined $len && $len =~ /^\d+$/) {
        $res{body} = substr $rest, 0, $len;
        return (\%res, length $rest > $len ? substr($rest, $len) : '');
    }
    $res{body} = $rest;
    return (\%res, '');
}

sub dechunk {
    my ($data) = @_;
    my $body = '';
    while (1) {
        $data =~ s/\A[ \t]*([0-9A-Fa-f]+)[^\r\n]*\r\n//
            or return ($body, '', 'invalid chunked response body (bad or missing chunk size)');
        my $size = hex $1;
        if ($size == 0) {
            return ($body, $data, undef) if $data =~ s/\A(?:[^\r\n]+\r\n)*\r\n//;
            return ($body, '', 'invalid chunked response body (no end after the last chunk)');
        }
        return ($body . $data, '', 'invalid chunked response body (truncated chunk)')
            if length $data < $size + 2;
        $body .= substr $data, 0, $size;
        return ($body, '', 'invalid chunked response body (chunk not followed by CRLF)')
            unless substr($data, $size, 2) eq "\r\n";
        substr($data, 0, $size + 2, '');
    }
}

# value of a response header (case-insensitive name), several joined by ", "
sub header {
    my ($res, $name) = @_;
    my $vals = $res->{headers}{lc $name} or return undef;
    return join ', ', @$vals;
}

# ----------------------------------------------------------------------
# Checks

# With several requests, expected values must be array refs indexed by
# request; with one, a scalar or a one-element array ref.
sub expected_for {
    my ($name, $value, $idx, $multi) = @_;
    return $value->[$idx] if ref $value eq 'ARRAY';
    bail_out("$name - several requests are sent, so the expected values must"
             . " be array references too") if $multi;
    return $value;
}

sub one_line {
    my ($s) = @_;
    $s //= '';
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

sub check_response {
    my ($block, $res, $idx, $rep, $multi) = @_;
    my $name = $block->name;
    my $code = $res->{code} // '';

    if (defined(my $like = $block->error_code_like)) {
        my $pat = expected_for($name, $like, $idx, $multi);
        Test::More::like($code, qr/$pat/sm, "$name - status code ok");
    } else {
        my $want = defined $block->error_code
                 ? expected_for($name, $block->error_code, $idx, $multi) : 200;
        Test::More::is($code, $want, "$name - status code ok");
    }

    if (defined(my $spec = $block->response_headers)) {
        for my $h (header_spec(expected_for($name, $spec, $idx, $multi))) {
            my ($key, $want) = @$h;
            my $got = header($res, $key);
            if (!defined $want) {
                Test::More::ok(!defined $got,
                               "$name - header $key not present in the raw headers")
                    or Test::More::diag("    it is present: $key: $got");
                next;
            }
            $want =~ s/\$ServerPort\b/$ServerPort/g;
            Test::More::is($got // '', $want, "$name - header $key ok");
        }
    } elsif (defined(my $like = $block->response_headers_like)) {
        for my $h (header_spec(expected_for($name, $like, $idx, $multi))) {
            my ($key, $pat) = @$h;
            next unless defined $pat;
            Test::More::like(header($res, $key) // '', qr/^$pat$/,
                             "$name - header $key like ok");
        }
    }

    my $body = $res->{body};
    if (defined $block->response_body) {
        my $want = expected_for($name, $block->response_body, $idx, $multi);
        my $what = "(repeated req $rep, req $idx)";
        if (ref $want) {
            Test::More::like($body, $want, "$name - response_body - like $what");
        } else {
            $want = '' unless defined $want;
            $want =~ s/\$ServerPort\b/$ServerPort/g;
            $want = expand_env($want, $name, $CurPorts);
            Test::More::is($body, $want, "$name - response_body - response is expected $what");
        }
    } elsif (defined $block->response_body_like || defined $block->response_body_unlike) {
        my $type = defined $block->response_body_like ? 'like' : 'unlike';
        my $spec = $type eq 'like' ? $block->response_body_like : $block->response_body_unlike;
        my $pat  = expected_for($name, $spec, $idx, $multi);
        $pat =~ s/\$ServerPort\b/$ServerPort/g unless ref $pat;
        (my $summary = $body) =~ s/\s+/ /g;
        $summary =~ s/^ | $//g;
        my $desc = "$name - response_body_$type - response is expected ($summary)";
        $type eq 'like' ? Test::More::like($body, qr/$pat/s, $desc)
                        : Test::More::unlike($body, qr/$pat/s, $desc);
    }
}

# "Name: value" -> [Name, value]; "!Name" -> [Name, undef]; duplicate
# names keep the last value, in first-seen order.
sub header_spec {
    my ($text) = @_;
    my (@order, %spec);
    for my $line (split /\n/, $text // '') {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        my ($key, $val);
        if ($line =~ s/^!\s*//) {
            $key = $line;
        } else {
            ($key, $val) = split /\s*:\s*/, $line, 2;
            $val //= '';
        }
        push @order, $key unless exists $spec{$key};
        $spec{$key} = $val;
    }
    return map { [$_, $spec{$_}] } @order;
}

# a section's patterns: lines of a string, one qr//, or an array of both
sub pattern_list {
    my ($spec) = @_;
    return grep { defined } @$spec if ref $spec eq 'ARRAY';
    return ($spec) if ref $spec;
    chomp $spec;
    return split /\n+/, $spec;
}

sub line_matches {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ $pat : index($line, $pat) >= 0;
}

sub log_tail {
    my ($lines) = @_;
    return "    (nothing new in error.log)\n" unless @$lines;
    my @tail = @$lines > 25 ? @$lines[-25 .. -1] : @$lines;
    return join '', "    last lines of error.log:\n", map { "    | $_" } @tail;
}

sub check_error_log {
    my ($block, $rep, $pos, $extra) = @_;
    my $name  = $block->name;
    my $file_lines = error_log_chunk($pos);
    my $lines = [@{ $extra || [] }, @$file_lines];

    my $grep = $block->grep_error_log;
    my $grep_out = $block->grep_error_log_out;
    if (defined $grep || defined $grep_out) {
        bail_out("$name - --- grep_error_log and --- grep_error_log_out go together")
            unless defined $grep && defined $grep_out;
        $grep = $grep->[$rep] if ref $grep eq 'ARRAY';
        my $want = expand_env($grep_out, $name, $CurPorts);
        $want = $want->[$rep] if ref $want eq 'ARRAY';

        my $got = '';
        for my $line (@$lines) {
            my $hit = ref $grep ? $line =~ $grep : $line =~ /\Q$grep\E/;
            $got .= "$&\n" if $hit && $& !~ /\n/;
        }
        my $desc = "$name - grep_error_log_out (req $rep)";
        ref $want eq 'Regexp' ? Test::More::like($got, $want, $desc)
                              : Test::More::is($got, $want, $desc);
    }

    if (defined(my $spec = $block->error_log)) {
        for my $pat (pattern_list($spec)) {
            if (grep { line_matches($_, $pat) } @$lines) {
                Test::More::pass("$name - pattern \"$pat\" matches a line in error.log (req $rep)");
            } else {
                Test::More::fail("$name - pattern \"$pat\" should match a line in error.log (req $rep)");
                Test::More::diag(log_tail($lines));
            }
        }
    }

    if (defined(my $spec = $block->no_error_log)) {
        for my $pat (pattern_list($spec)) {
            my $p = one_line($pat);
            my @hits = grep { line_matches($_, $pat) } @$lines;
            if (@hits) {
                Test::More::fail("$name - pattern \"$p\" should not match any line in"
                                 . " error.log but matches line \"" . one_line($hits[0])
                                 . "\" (req $rep)");
                Test::More::diag("    (" . scalar(@hits) . " matching lines)") if @hits > 1;
            } else {
                Test::More::pass("$name - pattern \"$p\" does not match a line in error.log (req $rep)");
            }
        }
    }

    # Serious messages nobody asked about are worth a warning.
    my $asked = join "\n", map { ref $_ ? "$_" : $_ }
                map { pattern_list($_) }
                grep { defined } $block->error_log, $block->no_error_log;
    for my $level (qw(alert crit emerg)) {
        next if index($asked, "[$level") >= 0;
        warn "WARNING: $name - ", one_line($_), "\n" for grep { /\[$level\]/ } @$file_lines;
    }
}

1;
