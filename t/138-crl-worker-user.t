# A CRL file that root (the master) can read and the worker processes'
# user cannot: nginx -t, and the start of nginx, warn once, naming the
# file, the user and what stops it.  (Without the warning, such a CRL is
# loaded at start and never again: every change to it fails in the workers,
# silently as far as nginx -t and the start are concerned.)
#
# Each block lays out files in a fresh directory (mode 0755 unless a line
# says otherwise), "layout" lines being
#     dir  PATH MODE [GROUP]
#     file PATH MODE [GROUP]      (a copy of a good CRL)
#     link PATH TARGET
# names "crl" in certauthz_crl (or "list" in a rule's list file) (and in a stream server too with "stream"),
# puts "main" at the top of nginx.conf, and runs nginx -t.  "warn" is a
# regex the warning must match (it must be there exactly once); without
# "warn", nginx -t must print no certauthz warning.  "start" starts nginx
# for real (a master, two workers) and looks for the same on its stderr.
#
# Needs root: nginx's workers change their user only when started by root.

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();
use Test::Base;
use File::Temp qw(tempdir);

if ($> != 0) {
    plan skip_all => 'needs root: workers change their user only when '
                     . 'nginx is started by root';
}

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = grep { $_ } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES};
my $stream = grep { m{ngx_stream_certauthz_module\.so$} } @modules;

plan tests => 3 * blocks();

my $crl = do {
    open my $in, '<', "$ENV{TEST_NGINX_PKI}/crl/int-alice.crl" or die $!;
    local $/;
    <$in>;
};

sub lay_out {
    my ($dir, $layout) = @_;

    for (split /\n/, $layout // '') {
        my ($what, $path, @arg) = split ' ';
        next unless $what;

        if ($what eq 'dir' || $what eq 'file') {
            if ($what eq 'dir') {
                mkdir "$dir/$path" or die "$dir/$path: $!";

            } else {
                open my $out, '>', "$dir/$path" or die "$dir/$path: $!";
                print $out $crl;
                close $out;
            }

            chmod oct($arg[0]), "$dir/$path" or die $!;

            if ($arg[1]) {
                my $gid = getgrnam($arg[1]) // die "no group $arg[1]";
                chown -1, $gid, "$dir/$path" or die $!;
            }

        } elsif ($what eq 'link') {
            symlink "$dir/$arg[0]", "$dir/$path" or die "$dir/$path: $!";

        } else {
            die "unknown layout line: $_";
        }
    }
}

sub conf {
    my ($dir, $block) = @_;

    my $loads = join '', map { "load_module $_;\n" } @modules;
    my $main = $block->main // '';
    my $path = "$dir/" . ($block->crl // $block->list);
    my $rule = $block->crl ? "certauthz_crl $path;" : "certauthz_allow cn=\@$path;";

    my $stream_conf = '';
    if ($block->stream) {
        $stream_conf = <<"_EOC_";
stream {
    server {
        listen unix:$dir/stream.sock ssl;
        include $ENV{TEST_NGINX_PKI}/stream-tls.conf;
        certauthz on;
        certauthz_crl $path;
        proxy_pass unix:$dir/nowhere.sock;
    }
}
_EOC_
    }

    return <<"_EOC_";
$loads$main
worker_processes 2;
error_log $dir/logs/error.log notice;
pid $dir/logs/nginx.pid;
events { }
http {
    server {
        listen unix:$dir/http.sock ssl;
        include $ENV{TEST_NGINX_PKI}/tls.conf;
        location / {
            certauthz on;
            $rule
        }
    }
}
$stream_conf
_EOC_
}

sub warnings_of {
    my ($output) = @_;
    return grep { /\[warn\].*certauthz: CRL file/ } split /\n/, $output;
}

run {
    my $block = shift;
    my $name = $block->name;

    SKIP: {
        skip "$name: needs the stream module", 3
            if $block->stream && !$stream;

        my $dir = tempdir(CLEANUP => 1);
        chmod 0755, $dir or die $!;
        mkdir "$dir/logs" or die $!;

        lay_out($dir, $block->layout);

        open my $out, '>', "$dir/nginx.conf" or die $!;
        print $out conf($dir, $block);
        close $out;

        my $output;

        if ($block->start) {
            # daemon: the master's start-up, then it is stopped
            $output = `$nginx -p $dir/ -c $dir/nginx.conf 2>&1`;
            is $? >> 8, 0, "$name: nginx starts";
            sleep 1;
            system("$nginx -p $dir/ -c $dir/nginx.conf -s stop 2>/dev/null");
            for (1 .. 50) {
                last unless -e "$dir/logs/nginx.pid";
                select undef, undef, undef, 0.1;
            }

        } else {
            $output = `$nginx -t -p $dir/ -c $dir/nginx.conf 2>&1`;
            is $? >> 8, 0, "$name: nginx -t passes";
        }

        my @warn = warnings_of($output);

        if (defined $block->warn) {
            my $re = $block->warn;
            is scalar(@warn), 1, "$name: one warning"
                or diag $output;
            like $warn[0] // '', qr/$re/, "$name: the warning says so"
                or diag $output;

        } else {
            is scalar(@warn), 0, "$name: no warning" or diag $output;
            pass "$name: (nothing to say)";
        }
    }
};

__DATA__

=== a CRL in a directory only root may enter
--- main
user nobody nogroup;
--- layout
dir private 0700
file private/int.crl 0644
--- crl: private/int.crl
--- warn chomp
\[warn\] .*certauthz: CRL file "/[^"]+/private/int\.crl" cannot be read by the worker processes' user "nobody" \(no search permission on "/[^"]+/private"\): changes to it are not seen before nginx is reloaded; make the file and its directories readable by "nobody"$

=== a CRL only root may read
--- main
user nobody nogroup;
--- layout
dir pki 0755
file pki/int.crl 0600
--- crl: pki/int.crl
--- warn chomp
CRL file "/[^"]+/pki/int\.crl" cannot be read by the worker processes' user "nobody" \(no read permission on the file\)

=== nginx's default user (nobody) when there is no "user" directive
--- layout
dir private 0700
file private/int.crl 0644
--- crl: private/int.crl
--- warn chomp
cannot be read by the worker processes' user "nobody" \(no search permission on "/[^"]+/private"\)

=== another user
--- main
user daemon;
--- layout
dir private 0750
file private/int.crl 0644
--- crl: private/int.crl
--- warn chomp
cannot be read by the worker processes' user "daemon" \(no search permission on "/[^"]+/private"\).* readable by "daemon"$

=== a CRL everyone may read: no warning
--- main
user nobody nogroup;
--- layout
dir pki 0755
file pki/int.crl 0644
--- crl: pki/int.crl

=== readable through the workers' group: no warning
--- main
user nobody nogroup;
--- layout
dir pki 0750 nogroup
file pki/int.crl 0640 nogroup
--- crl: pki/int.crl

=== the directory through the workers' group, the file root's group only
--- main
user nobody nogroup;
--- layout
dir pki 0750 nogroup
file pki/int.crl 0640
--- crl: pki/int.crl
--- warn chomp
\(no read permission on the file\)

=== a list file only root may read: no warning (only the master reads it)
--- main
user nobody nogroup;
--- layout
dir private 0700
file private/cns.txt 0600
--- list: private/cns.txt

=== workers that stay root: no warning
--- main
user root;
--- layout
dir private 0700
file private/int.crl 0600
--- crl: private/int.crl

=== no workers (master_process off): no warning
--- main
user nobody nogroup;
master_process off;
--- layout
dir private 0700
file private/int.crl 0600
--- crl: private/int.crl

=== through a symbolic link into a directory only root may enter
--- main
user nobody nogroup;
--- layout
dir private 0700
dir private/crl 0755
file private/crl/int.crl 0644
link pki private/crl
--- crl: pki/int.crl
--- warn chomp
CRL file "/[^"]+/pki/int\.crl" cannot be read by the worker processes' user "nobody" \(no search permission on "/[^"]+/private"\)

=== one file in http and in stream: one warning
--- main
user nobody nogroup;
--- layout
dir private 0700
file private/int.crl 0644
--- crl: private/int.crl
--- stream: 1
--- warn chomp
CRL file "/[^"]+/private/int\.crl" cannot be read by the worker processes' user "nobody"

=== at the start of nginx, once (not once per worker)
--- main
user nobody nogroup;
--- layout
dir private 0700
file private/int.crl 0644
--- crl: private/int.crl
--- start: 1
--- warn chomp
CRL file "/[^"]+/private/int\.crl" cannot be read by the worker processes' user "nobody" \(no search permission on "/[^"]+/private"\)

=== at the start of nginx, a readable CRL: no warning
--- main
user nobody nogroup;
--- layout
dir pki 0755
file pki/int.crl 0644
--- crl: pki/int.crl
--- start: 1
