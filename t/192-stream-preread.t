# The decision belongs to the stream server that serves the session.
# Since nginx 1.25.5 stream servers have names, and on an address shared
# by several servers "ssl_preread on" moves a session to the server named
# by the ClientHello in its first bytes -- after certauthz decided, in the
# same phase.  On a TLS address those bytes come from inside the TLS
# session, so a client that one server allows could name another one and
# be served by it: nginx -t refuses such an address.
#
# Each block's "stream" goes inside stream { } of an otherwise empty
# nginx.conf, with $DIR and $TEST_NGINX_PKI expanded.  "error" is a regex
# the [emerg] line of nginx -t must match, where {A} and {B} stand for the
# file and line of the server marked "# A" or "# B"; a block without
# "error" must pass nginx -t.  A block with "attack" is then started: a
# client with alice's certificate connects through a plain front on
# unix:$DIR/front.sock (the TLS server is on unix:$DIR/tls.sock) and sends
# a ClientHello naming the "attack" host inside its TLS session; the
# answer must be "answer".  A block that nginx -t should refuse, and does
# not, is attacked too, and its answer shown.  "since: 1.25.5" skips a
# block on an older nginx, whose stream has no server_name (and nothing
# to refuse).  Like t/100-config-errors.t, this file runs nginx itself
# (Test::Base).

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();
use Test::Base;
use File::Temp qw(tempdir);
use IO::Socket::UNIX;

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = grep { $_ } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES};

my ($version) = `$nginx -v 2>&1` =~ m{nginx/(\d+\.\d+\.\d+)}
    or die "$nginx -v: no version\n";

plan tests => 2 * blocks();

my $dir = tempdir(CLEANUP => !$ENV{TEST_NGINX_NO_CLEAN});
mkdir "$dir/logs";

sub vnum {
    my @v = split /\./, shift;
    return $v[0] * 1_000_000 + $v[1] * 1_000 + $v[2];
}

# nginx.conf for a block; returns the file and the lines of its markers
sub write_conf {
    my ($stream) = @_;

    $stream =~ s/\$DIR\b/$dir/g;
    $stream =~ s/\$(TEST_NGINX_\w+)/$ENV{$1}
                 \/\/ die "\$$1 is not set\n"/ge;

    my $loads = join(' ', map { "load_module $_;" } @modules);
    my $conf = <<"_EOC_";
$loads
error_log $dir/logs/error.log info;
pid $dir/logs/nginx.pid;
daemon on;
master_process off;
events { }
stream {
$stream
}
_EOC_

    my %at;
    my $n = 0;
    for (split /\n/, $conf) {
        $n++;
        $at{$1} = $n if /# ([A-Z])\s*$/;
    }

    open my $out, '>', "$dir/nginx.conf" or die "$dir/nginx.conf: $!";
    print $out $conf;
    close $out;

    return ("$dir/nginx.conf", \%at);
}

# a TLS record holding a ClientHello that names $host (what ssl_preread
# reads: SNI, nothing else)
sub client_hello {
    my ($host) = @_;
    my $sni = pack('n n n C n', 0, length($host) + 5, length($host) + 3, 0,
                   length $host) . $host;
    my $body = pack('n', 0x0303) . ("\0" x 32) . "\0"
               . pack('n', 2) . "\x13\x01" . "\x01\x00"
               . pack('n', length $sni) . $sni;
    my $hs = "\x01" . substr(pack('N', length $body), 1) . $body;
    return "\x16\x03\x01" . pack('n', length $hs) . $hs;
}

sub attack {
    my ($host) = @_;

    local $SIG{PIPE} = 'IGNORE';

    my $s = IO::Socket::UNIX->new(Peer => "$dir/front.sock")
        or die "$dir/front.sock: $!\n";
    # a server that reads nothing (ssl_preread off, "return") may have
    # answered and closed before this is written: EPIPE, then its answer
    print $s client_hello($host);

    my ($answer, $buf) = ('', '');
    local $SIG{ALRM} = sub { die "no answer in 5 s\n" };
    alarm 5;
    $answer .= $buf while sysread $s, $buf, 4096;
    alarm 0;

    return $answer;
}

# the pid of the nginx started last, once it wrote it (kill 0 would
# signal this process group)
sub nginx_pid {
    for (1 .. 50) {
        if (open my $f, '<', "$dir/logs/nginx.pid") {
            my $pid = <$f> // '';
            return $1 if $pid =~ /^(\d+)\n/ && $1 > 1;
        }
        select undef, undef, undef, 0.1;
    }
    return undef;
}

sub stop {
    my $pid = nginx_pid() or return;
    kill 'QUIT', $pid;
    for (1 .. 50) {
        last unless kill 0, $pid;
        select undef, undef, undef, 0.1;
    }
    unlink "$dir/tls.sock", "$dir/front.sock";
}

# nginx started with the block's configuration, the attack's answer
sub run_attack {
    my ($block, $file) = @_;

    return '(no attack)' unless defined $block->attack;

    unlink "$dir/logs/nginx.pid";

    system("$nginx -p $dir/ -c $file") == 0 && nginx_pid()
        or return '(nginx did not start)';

    my $answer = eval { attack($block->attack) } // "error: $@";
    alarm 0;
    stop();

    return $answer;
}

run {
    my $block = shift;
    my $name = $block->name;

    SKIP: {
        skip "$name: nginx $version, stream has no server_name", 2
            if $block->since && vnum($version) < vnum($block->since);

        my ($file, $at) = write_conf($block->stream);
        my $output = `$nginx -t -p $dir/ -c $file 2>&1`;
        my $status = $? >> 8;

        if (defined $block->error) {
            my $re = $block->error;
            $re =~ s/\{([A-Z])\}/\Q$file\E:$at->{$1}/g;

            isnt $status, 0, "$name: nginx -t fails"
                or diag "$name: the attack's answer: ",
                        run_attack($block, $file);
            like $output, qr/\[emerg\] .*$re/m, "$name: message"
                or diag $output;
            return;
        }

        is $status, 0, "$name: nginx -t passes" or diag $output;

        if (!defined $block->attack) {
            unlike $output, qr/\[(emerg|alert)\]/, "$name: nothing said";
            return;
        }

        is run_attack($block, $file), $block->answer, "$name: answer";
    }
};

__DATA__

=== the attack: a TLS server whose ssl_preread can move the session
--- since: 1.25.5
--- stream
    ssl_preread on;
    server {                                                    # A
        listen unix:$DIR/tls.sock ssl;
        server_name a.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow cn=alice;
        return "a.test\n";
    }
    server {
        listen unix:$DIR/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow cn=bob;
        return "b.test, where only bob may enter\n";
    }
    server {
        listen unix:$DIR/front.sock;
        proxy_pass unix:$DIR/tls.sock;
        include $TEST_NGINX_PKI/as/alice.conf;
    }
--- attack: b.test
--- error chomp
"certauthz on" in the server in {A} decides for a session that its "ssl_preread" can then move to another server on unix:\S+/tls\.sock \(a client can send a ClientHello inside TLS\): set "ssl_preread off" in it, or give it an address of its own$



=== audit too: it would log a decision for another server
--- since: 1.25.5
--- stream
    ssl_preread on;
    server {
        listen unix:$DIR/tls.sock ssl;
        server_name a.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        return "a\n";
    }
    server {                                                    # B
        listen unix:$DIR/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz audit;
        return "b\n";
    }
--- error chomp
"certauthz audit" in the server in {B} can be bypassed



=== a server without certauthz whose ssl_preread moves sessions to one with it
--- since: 1.25.5
--- stream
    server {                                                    # A
        listen unix:$DIR/tls.sock ssl;
        server_name a.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_preread on;
        return "a\n";
    }
    server {                                                    # B
        listen unix:$DIR/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow cn=bob;
        return "b.test, where only bob may enter\n";
    }
    server {
        listen unix:$DIR/front.sock;
        proxy_pass unix:$DIR/tls.sock;
        include $TEST_NGINX_PKI/as/alice.conf;
    }
--- attack: b.test
--- error chomp
"certauthz on" in the server in {B} can be bypassed: "ssl_preread" in the server in {A} can move a session on unix:\S+/tls\.sock to it after certauthz's phase, so it would never decide: set "ssl_preread off" there, or give these servers addresses of their own$



=== certauthz and ssl_preread both inherited from stream
--- since: 1.25.5
--- stream
    ssl_preread on;
    certauthz on;
    server {                                                    # A
        listen unix:$DIR/tls.sock ssl;
        server_name a.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        return "a\n";
    }
    server {
        listen unix:$DIR/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        return "b\n";
    }
--- error chomp
"certauthz on" in the server in {A} decides



=== the entry server need not be the default one
--- since: 1.25.5
--- stream
    server {
        listen unix:$DIR/tls.sock ssl;
        server_name a.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        return "a\n";
    }
    server {                                                    # B
        listen unix:$DIR/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        ssl_preread on;
        certauthz on;
        return "b\n";
    }
--- error chomp
"certauthz on" in the server in {B} decides



=== without TLS: ssl_preread routes to a server with certauthz
--- since: 1.25.5
--- stream
    ssl_preread on;
    server {                                                    # A
        listen unix:$DIR/plain.sock;
        server_name a.test;
        return "a\n";
    }
    server {                                                    # B
        listen unix:$DIR/plain.sock;
        server_name b.test;
        certauthz on;
        return "b\n";
    }
--- error chomp
"certauthz on" in the server in {B} can be bypassed: "ssl_preread" in the server in {A}



=== without TLS: sessions enter by the default_server
--- since: 1.25.5
--- stream
    ssl_preread on;
    server {                                                    # B
        listen unix:$DIR/plain.sock;
        server_name a.test;
        certauthz on;
        return "a\n";
    }
    server {                                                    # A
        listen unix:$DIR/plain.sock default_server;
        server_name b.test;
        return "b\n";
    }
--- error chomp
"certauthz on" in the server in {B} can be bypassed: "ssl_preread" in the server in {A}



=== safe: ssl_preread off, and the inner ClientHello moves nothing
--- since: 1.25.5
--- stream
    server {
        listen unix:$DIR/tls.sock ssl;
        server_name a.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow cn=alice;
        return "a.test $certauthz_cn\n";
    }
    server {
        listen unix:$DIR/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow cn=bob;
        return "b.test $certauthz_cn\n";
    }
    server {
        listen unix:$DIR/front.sock;
        proxy_pass unix:$DIR/tls.sock;
        include $TEST_NGINX_PKI/as/alice.conf;
    }
--- attack: b.test
--- answer
a.test alice



=== safe: the handshake's own name decides, for its server
--- since: 1.25.5
--- stream
    server {
        listen unix:$DIR/tls.sock ssl;
        server_name a.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow cn=alice;
        return "a.test $certauthz_cn\n";
    }
    server {
        listen unix:$DIR/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz on;
        certauthz_allow cn=bob;
        return "b.test $certauthz_cn\n";
    }
    server {
        listen unix:$DIR/front.sock;
        proxy_pass unix:$DIR/tls.sock;
        include $TEST_NGINX_PKI/as/alice.conf;
        proxy_ssl_server_name on;
        proxy_ssl_name b.test;
    }
--- attack: a.test
--- answer



=== safe: ssl_preread on at stream level, off where certauthz decides
--- since: 1.25.5
--- stream
    ssl_preread on;
    server {
        listen unix:$DIR/tls.sock ssl;
        server_name a.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_preread off;
        ssl_verify_client on;
        certauthz on;
        return "a\n";
    }
    server {
        listen unix:$DIR/tls.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_preread off;
        ssl_verify_client on;
        certauthz on;
        return "b\n";
    }
    server {
        listen unix:$DIR/passthrough.sock;
        server_name c.test;
        return "c\n";
    }
    server {
        listen unix:$DIR/passthrough.sock;
        server_name d.test;
        return "d\n";
    }



=== safe: one server an address, each with a name
--- since: 1.25.5
--- stream
    ssl_preread on;
    server {
        listen unix:$DIR/a.sock ssl;
        server_name a.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz on;
        return "a\n";
    }
    server {
        listen unix:$DIR/b.sock ssl;
        server_name b.test;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz on;
        return "b\n";
    }



=== safe: without TLS, certauthz only where sessions enter
--- since: 1.25.5
--- stream
    ssl_preread on;
    server {
        listen unix:$DIR/plain.sock;
        server_name a.test;
        certauthz on;
        return "a\n";
    }
    server {
        listen unix:$DIR/plain.sock;
        server_name b.test;
        return "b\n";
    }



=== safe, any nginx: a TLS server alone on its address with ssl_preread
--- stream
    ssl_preread on;
    server {
        listen unix:$DIR/tls.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz on;
        return "a\n";
    }
    server {
        listen unix:$DIR/other.sock ssl;
        include $TEST_NGINX_PKI/stream-tls.conf;
        ssl_verify_client on;
        certauthz on;
        return "b\n";
    }
