package Certauthz::Test;

# Shared set-up of certauthz's t/*.t files.  Load it before
# Test::Nginx::Socket:
#
#     use lib 't/lib';
#     use Certauthz::Test;
#     use Test::Nginx::Socket 'no_plan';
#
# It
#   - defaults TEST_NGINX_LOAD_MODULES to Debian's stream module and
#     certauthz's two in build/ (the Makefile sets it and TEST_NGINX_BINARY
#     explicitly);
#   - builds the test PKI with t/lib/mkpki.sh into t/pki once (under a
#     lock) and exports its path as TEST_NGINX_PKI;
#   - uses openresty's Test::Nginx::Socket when it is installed, else the
#     project's own runner for the same format in t/runner;
#   - puts a "front" into the test server (config_preamble): the test
#     server on $TEST_NGINX_SERVER_PORT speaks plain HTTP, as Test::Nginx
#     requires, and each of its locations /NAME/... forwards the request to
#     the TLS server a test defines on unix:$TEST_NGINX_SERVER_ROOT/tls.sock,
#     presenting the client certificate NAME from t/pki (/none/... presents
#     none).  /h2/NAME/... does the same over HTTP/2 (grpc_pass), for a TLS
#     server that has HTTP/2 enabled ($TEST_NGINX_H2_LISTEN on its listen
#     line, $TEST_NGINX_H2 inside its server block).

use strict;
use warnings;

use Cwd qw(abs_path);
use Fcntl qw(:flock);
use File::Basename qw(dirname);
use File::Spec;
use POSIX ();

our @CLIENTS = qw(alice bob svc-billing multicn nosan utf8 bmp univ
                  nulemail special big-serial highbit eve mallory
                  rootclient quoted crlf nulcn dnspecial manysan bigcert
                  hugecert nosubject serial20 negserial idn ipv6 badip
                  multiou srvauth viasrvca longserial injsan ctlcn pct
                  door-1 door-2 client-ed25519 client-ed448 client-pss
                  capcn eid kagree badpolicy k-rsa2048 k-rsa3072 k-p384
                  k-ed25519 k-ed448 k-pss deep spiffe-a spiffe-b
                  spiffe-forged adcs-user adcs-machine extmix
                  shortlived
                  badeku badku polcut poldup trailing extbad longoid
                  manypol manyeku hugeext critext);

my $root = abs_path(File::Spec->catdir(dirname(__FILE__), '..', '..', '..'));
my $pki = "$root/t/pki";

# Debian's stream module first (stream is a module of its own there), then
# both of certauthz's, as the Makefile sets it
$ENV{TEST_NGINX_LOAD_MODULES} //= join ' ', grep { -e }
    '/usr/lib/nginx/modules/ngx_stream_module.so',
    "$root/build/ngx_http_certauthz_module.so",
    "$root/build/ngx_stream_certauthz_module.so";
$ENV{TEST_NGINX_PKI} = $pki;

make_pki();


# "use Certauthz::Test ();" stops here: PKI and environment only
sub import {
    load_runner();
    http2_syntax();

    Test::Nginx::Socket::config_preamble(front());

    # the front is the test server's whole config unless a block adds some
    Test::Nginx::Socket::add_block_preprocessor(sub {
        my $block = shift;
        $block->set_value(config => "") unless defined $block->config;
    });
}


# what openssl says of a test certificate: expected('alice', 'subject'),
# keys subject, issuer, serial and fingerprint (t/pki/expected.txt)

my %expected;

sub expected {
    my ($name, $key) = @_;

    if (!%expected) {
        open my $in, '<', "$pki/expected.txt" or die "expected.txt: $!\n";
        while (<$in>) {
            chomp;
            $expected{$1} = $2 if /^([^=]+)=(.*)$/;
        }
    }

    my $v = $expected{"$name.$key"};
    die "no expected value $name.$key\n" unless defined $v;
    return $v;
}


# For "--- init": reloads the test nginx (SIGHUP to the pid in
# logs/nginx.pid) and waits for the reload to be done (as a test nginx
# runs without a master process, the reload happens in that process), then replaces the
# file html/DEST with a copy of html/SRC (a new file renamed into place)
# and waits WAIT seconds.  Runs between nginx's start and the requests, with
# both runners.

sub reload_then_replace {
    my ($dest, $src, $wait) = @_;
    my $root = servroot();
    my $log = "$root/logs/error.log";

    open my $p, '<', "$root/logs/nginx.pid" or die "nginx.pid: $!\n";
    my $pid = <$p>;
    chomp $pid;

    my $before = () = slurp($log) =~ /reconfiguring/g;
    kill 'HUP', $pid or die "kill HUP $pid: $!\n";

    # nginx logs "reconfiguring", then reads the configuration (ms)
    for (1 .. 100) {
        my $after = () = slurp($log) =~ /reconfiguring/g;
        last if $after > $before;
        select undef, undef, undef, 0.1;
    }

    select undef, undef, undef, 0.5;

    my $data = slurp("$root/html/$src");
    open my $out, '>', "$root/html/$dest.tmp" or die "$dest.tmp: $!\n";
    print $out $data;
    close $out or die "$dest.tmp: $!\n";
    rename "$root/html/$dest.tmp", "$root/html/$dest" or die "rename: $!\n";

    select undef, undef, undef, $wait;
}


# For "--- init" (t/191-stream-live.t, t/174-faults-live.t): in the
# background, after SECONDS, html/DEST becomes a copy of the CRL NAME of
# t/pki/crl (written beside it, renamed into place), while the block's
# requests run.

sub swap_crl_later {
    my ($dest, $name, $seconds) = @_;
    my $root = servroot();
    my $data = crl($name);

    my $pid = fork // die "fork: $!\n";
    return if $pid;

    select undef, undef, undef, $seconds;
    open my $out, '>', "$root/html/$dest.tmp" or POSIX::_exit(1);
    print $out $data;
    close $out;
    rename "$root/html/$dest.tmp", "$root/html/$dest";
    POSIX::_exit(0);
}


# the text of a CRL made by mkcrl.sh, for "--- user_files":
# Certauthz::Test::crl('int-alice.crl')

sub crl {
    my ($name) = @_;
    return slurp_or_die("$pki/crl/$name");
}


sub slurp_or_die {
    my ($file) = @_;
    open my $in, '<', $file or die "$file: $!\n";
    local $/;
    return <$in>;
}


# For a .t file that injects faults (before run_tests):
#     Certauthz::Test::fault('ASN1_STRING_to_UTF8:1');
# builds t/lib/fault.c into build/t/certauthz-fault.so (once) and preloads
# it into the nginx the tests start, with that specification (see the
# comment at the top of fault.c).

sub fault {
    my ($spec) = @_;
    my $src = "$root/t/lib/fault.c";
    my $dir = "$root/build/t";
    my $so = "$dir/certauthz-fault.so";

    open my $lock, '>', "$root/t/.pki.lock" or die "t/.pki.lock: $!\n";
    flock $lock, LOCK_EX or die "flock: $!\n";

    if (!-e $so || -M $so > -M $src) {
        system('mkdir', '-p', $dir) == 0 or die "mkdir $dir failed\n";
        my $cc = $ENV{CC} || 'cc';
        system($cc, '-shared', '-fPIC', '-O1', '-Wall', '-Werror',
               '-o', "$so.tmp", $src, '-lcrypto', '-ldl') == 0
            or die "certauthz tests: cannot build $so\n";
        rename "$so.tmp", $so or die "rename $so: $!\n";
    }

    close $lock;

    # Test::Nginx's own way of preloading into the nginx it starts only
    $ENV{TEST_NGINX_LD_PRELOAD} = join ' ', grep { defined && length }
                                  $ENV{TEST_NGINX_LD_PRELOAD}, $so;
    $ENV{CERTAUTHZ_FAULT} = $spec;
}


sub slurp {
    my ($file) = @_;
    open my $in, '<', $file or return '';
    local $/;
    return <$in> // '';
}


sub servroot {
    return $ENV{TEST_NGINX_SERVER_ROOT}
           || $ENV{TEST_NGINX_SERVROOT}
           || File::Spec->rel2abs('t/servroot');
}


sub make_pki {
    my $script = "$root/t/lib/mkpki.sh";

    open my $lock, '>', "$root/t/.pki.lock" or die "t/.pki.lock: $!\n";
    flock $lock, LOCK_EX or die "flock: $!\n";

    my $stamp = "$pki/.stamp";

    if (!-e $stamp || -M $stamp > -M $script) {
        system('bash', $script, $pki) == 0
            or die "certauthz tests: $script $pki failed\n";
    }

    # the CRLs of that PKI, made with "openssl ca -gencrl"
    my $crls = "$root/t/lib/mkcrl.sh";
    my $crl_stamp = "$pki/crl/.stamp";

    if (!-e $crl_stamp || -M $crl_stamp > -M $crls || -M $crl_stamp > -M $stamp) {
        system('bash', $crls, $pki) == 0
            or die "certauthz tests: $crls $pki failed\n";
        open my $s, '>', $crl_stamp or die "$crl_stamp: $!\n";
    }

    close $lock;
}


sub load_runner {
    return if eval { require Test::Nginx::Socket; 1 };

    # only a missing Test::Nginx means "use ours"; anything else is a bug
    die $@ unless $@ =~ m{^Can't locate Test/Nginx/Socket\.pm};

    unshift @INC, "$root/t/runner";
    require Test::Nginx::Socket;
}


# nginx 1.25.1 moved HTTP/2 from "listen ... http2" to "http2 on"

sub http2_syntax {
    my $bin = $ENV{TEST_NGINX_BINARY} || 'nginx';
    my $v = `$bin -v 2>&1` // '';
    my ($maj, $min, $pat) = $v =~ m{nginx/(\d+)\.(\d+)\.(\d+)};

    if (defined $maj
        && ($maj * 1_000_000 + $min * 1000 + $pat) >= 1_025_001)
    {
        $ENV{TEST_NGINX_H2_LISTEN} = '';
        $ENV{TEST_NGINX_H2} = 'http2 on;';

    } else {
        $ENV{TEST_NGINX_H2_LISTEN} = 'http2';
        $ENV{TEST_NGINX_H2} = '';
    }
}


sub front {
    my $sock = "unix:" . servroot() . "/tls.sock";

    # All these locations reach the same implicit upstream, and nginx keeps
    # one TLS session per upstream: resuming it would present the
    # certificate of whichever location connected first.  So no session
    # reuse here; tests of resumption define their own front location.
    # "certauthz off": the front is not under test, even when a block
    # turns certauthz on at http level.
    my $conf = <<"_EOC_";
        certauthz off;
        proxy_ssl_session_reuse off;
        grpc_ssl_session_reuse off;

        location /none/ {
            proxy_pass https://$sock:/;
        }

        location /h2/none/ {
            rewrite ^/h2/none(/.*)\$ \$1 break;
            grpc_pass grpcs://$sock;
        }
_EOC_

    for my $name (@CLIENTS) {
        $conf .= <<"_EOC_";

        location /$name/ {
            proxy_pass https://$sock:/;
            proxy_ssl_certificate $pki/$name.pem;
            proxy_ssl_certificate_key $pki/$name.key;
        }

        location /h2/$name/ {
            rewrite ^/h2/$name(/.*)\$ \$1 break;
            grpc_pass grpcs://$sock;
            grpc_ssl_certificate $pki/$name.pem;
            grpc_ssl_certificate_key $pki/$name.key;
        }
_EOC_
    }

    return $conf;
}

1;
